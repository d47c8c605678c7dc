// SPDX-License-Identifier: MIT
/*
 * reviewpath.c - protected paths of a review decided on resolved paths
 *
 * A review marks changes to protected paths (.git/hooks, .claude/commands,
 * .envrc ...) so that nothing lands that makes the host run code later.
 * Comparing path strings is not enough: with ".git -> g" in the project
 * (or among the changes), "g/hooks/pre-commit" is the hook git runs, and
 * with "x -> .claude", "x/commands/c.md" lands in .claude/commands. So
 * each protected path is resolved through the symlinks of the result (the
 * upper layer over the project) and its real location is protected too,
 * as is every symlink on the way; and each change is resolved the same
 * way before it is compared. Every entry read here is untrusted: links
 * are read with readlinkat() beneath descriptors, never followed.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "host/host.h"

#define REVIEW_MAX_LINKS 40	/* symlinks followed in one resolution */
#define REVIEW_MAX_ALIAS (4 * (size_t)REVIEW_MAX_PROTECT)

/* The directory @dir ("" for the top) beneath @root, or -errno */
static int open_dir_beneath(int root, const char *dir)
{
	return openat2_fd(root, dir[0] ? dir : ".", O_PATH | O_DIRECTORY,
			  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				  RESOLVE_NO_MAGICLINKS);
}

/*
 * The entry @name of the resolved directory @dir in the result: the upper
 * layer's, else the project's. Return: 1 and its target in @target (a
 * symlink), 0 (anything else, or absent)
 */
static int lookup_link(const struct review *r, const char *dir,
		       const char *name, char *target, size_t size)
{
	const int roots[] = { r->upper_fd, r->project_fd };

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		autoclose int fd = open_dir_beneath(roots[i], dir);
		struct stat st;
		ssize_t n;

		if (fd < 0 || fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISLNK(st.st_mode))
			return 0;	/* a whiteout too: absent */
		n = readlinkat(fd, name, target, size - 1);
		if (n < 0)
			return 0;
		target[n] = '\0';
		return 1;
	}
	return 0;
}

/* Append component @c (@len bytes) to @path. Return: 0 or -ENAMETOOLONG */
static int push_comp(char *path, size_t size, const char *c, size_t len)
{
	size_t pl = strlen(path);

	if (pl + len + 2 > size)
		return -ENAMETOOLONG;
	if (pl)
		path[pl++] = '/';
	memcpy(path + pl, c, len);
	path[pl + len] = '\0';
	return 0;
}

/* Drop the last component of @path. Return: 0, -EXDEV above the top */
static int pop_comp(char *path)
{
	char *slash = strrchr(path, '/');

	if (!path[0])
		return -EXDEV;
	if (slash)
		*slash = '\0';
	else
		path[0] = '\0';
	return 0;
}

/* @rest becomes @target (made relative to the project), then @rest */
static int splice_target(const struct review *r, const char *target, char *rest,
		  size_t size, char *cur)
{
	char tmp[PATH_MAX * 2];
	size_t pl = strlen(r->project);

	if (target[0] == '/') {
		if (strncmp(target, r->project, pl) ||
		    (target[pl] != '/' && target[pl] != '\0'))
			return -EXDEV;
		target += pl;
		cur[0] = '\0';
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", target, rest) >=
		    sizeof(tmp) ||
	    strlen(tmp) >= size)
		return -ENAMETOOLONG;
	memcpy(rest, tmp, strlen(tmp) + 1);
	return 0;
}

int review_resolve(const struct review *r, const char *rel, bool is_whole,
		   char *out, size_t size,
		   void (*links)(void *ctx, const char *link), void *ctx)
{
	char rest[PATH_MAX], target[PATH_MAX];
	int hops = 0, err = 0;

	if (strlen(rel) >= sizeof(rest) || size < 1)
		return -ENAMETOOLONG;
	memcpy(rest, rel, strlen(rel) + 1);
	out[0] = '\0';
	while (rest[0] && !err) {
		size_t len = strcspn(rest, "/");
		char comp[NAME_MAX + 1];
		bool is_last = rest[len] == '\0';

		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, rest, len);
		comp[len] = '\0';
		memmove(rest, rest + len + !is_last,
			strlen(rest + len + !is_last) + 1);
		if (!len || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			err = pop_comp(out);
			continue;
		}
		if ((is_last && !is_whole) ||
		    !lookup_link(r, out, comp, target, sizeof(target))) {
			err = push_comp(out, size, comp, len);
			continue;
		}
		if (links) {
			char link[PATH_MAX];

			snprintf(link, sizeof(link), "%s", out);
			if (!push_comp(link, sizeof(link), comp, len))
				links(ctx, link);
		}
		if (++hops > REVIEW_MAX_LINKS)
			return -ELOOP;
		err = splice_target(r, target, rest, sizeof(rest), out);
	}
	return err;
}

static void add_alias(struct review *r, const char *path)
{
	for (size_t i = 0; i < r->n_alias; i++)
		if (!strcmp(r->alias[i], path))
			return;
	if (r->n_alias >= REVIEW_MAX_ALIAS)
		return;
	r->alias = realloc(r->alias, (r->n_alias + 1) * sizeof(*r->alias));
	if (!r->alias)
		die("out of memory");
	r->alias[r->n_alias++] = xstrdup(path);
}

static void add_link(void *ctx, const char *link)
{
	add_alias(ctx, link);
}

void review_alias_protected(struct review *r, const char *const *paths,
			    size_t n_paths)
{
	for (size_t i = 0; i < n_paths; i++) {
		char real[PATH_MAX];

		if (review_resolve(r, paths[i], true, real, sizeof(real),
				   add_link, r) == 0 &&
		    strcmp(real, paths[i]) && real[0])
			add_alias(r, real);
	}
}

bool review_is_aliased(const struct review *r, const char *rel, char kind)
{
	size_t rl = strlen(rel);

	for (size_t i = 0; i < r->n_alias; i++) {
		const char *a = r->alias[i];
		size_t al = strlen(a);

		if (!strncmp(rel, a, al) && (rel[al] == '\0' || rel[al] == '/'))
			return true;
		/* Deleting an ancestor deletes the protected path too */
		if (kind == 'D' && rl < al && !strncmp(a, rel, rl) &&
		    a[rl] == '/')
			return true;
	}
	return false;
}

// SPDX-License-Identifier: MIT
/*
 * protlinks.c - a protected path reached through a symlink: its target
 * is protected too
 *
 * A mount cannot sit on a symlink, and the view opens a protected path
 * beneath its tree without following one (fsview.c), so a protected
 * path that is a symlink, or lies below one (.envrc -> envrc.local,
 * .claude -> agent/claude, a hook script ./scripts/lint.sh ->
 * ../tools/lint.sh), was left writable where the host's tools read it:
 * the target. So each protected path whose resolution meets a symlink is
 * resolved here, as the host's tools will (a dangling last link
 * included: what it names may be created inside), and the result is
 * protected as well when it lies in a tree the jail may write. The
 * symlink itself is checked at exit (protect.c).
 *
 * Cost at start: one listing of the project's top level, which answers
 * for most protected paths (absent, or one name there), and one
 * openat2() per path below an existing top-level directory, which fails
 * with ELOOP only where a symlink is met; only then is the path resolved.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "jail.h"
#include "config/config.h"
#include "config/internal.h"

#define LINK_HOPS 16	/* symlinks followed per path, as the kernel's 40 */
#define TOP_MAX 4096	/* top-level entries of the project listed */

static char *resolve_host(const char *path, int *hops);

/* @dir resolved, absent components included; NULL: a loop, too long */
static char *resolve_dir(const char *dir, int *hops)
{
	char *real = realpath(dir, NULL);

	if (real || errno != ENOENT)
		return real;
	return resolve_host(dir, hops);
}

/*
 * @path as the host's tools reach it: every symlink followed, the last
 * component possibly absent (a dangling link names what may be created).
 * Caller frees; NULL when it cannot be resolved.
 */
static char *resolve_host(const char *path, int *hops)
{
	char *p = xstrdup(path);

	while (++*hops <= LINK_HOPS) {
		const char *slash = strrchr(p, '/');
		autofree char *dir = slash && slash != p ?
					     xasprintf("%.*s", (int)(slash - p), p) :
					     xstrdup("/");
		autofree char *real = NULL;
		char buf[PATH_MAX];
		struct stat st;
		ssize_t n;
		char *q;

		if (!slash || !strcmp(slash, "/.") || !strcmp(slash, "/..")) {
			q = realpath(p, NULL);
			free(p);
			return q;
		}
		real = resolve_dir(dir, hops);
		if (!real)
			break;
		q = xasprintf("%s/%s", strcmp(real, "/") ? real : "", slash + 1);
		free(p);
		p = q;
		if (lstat(p, &st) < 0 || !S_ISLNK(st.st_mode))
			return p;
		n = readlink(p, buf, sizeof(buf) - 1);
		if (n <= 0)
			break;
		buf[n] = '\0';
		q = buf[0] == '/' ? xstrdup(buf) : xasprintf("%s/%s", real, buf);
		free(p);
		p = q;
	}
	free(p);
	return NULL;
}

/* Is @a the same as @b or above it? */
static bool is_above_or_same(const char *a, const char *b)
{
	size_t n = strlen(a);

	return !strcmp(a, "/") ||
	       (!strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/'));
}

/**
 * config_is_protected() - is @path protected already?
 * @cfg: the configuration
 * @path: an absolute path
 *
 * Return: true when @path is a protected mount of @cfg or one of the
 * default protected paths of its project
 */
bool config_is_protected(const struct jail_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == MOUNT_PROTECT &&
		    !strcmp(cfg->mounts[i].path, path))
			return true;
	for (size_t i = 0; i < fsview_n_default_protect; i++) {
		size_t n = strlen(cfg->project);

		if (!strncmp(path, cfg->project, n) && path[n] == '/' &&
		    !strcmp(path + n + 1, fsview_default_protect[i]))
			return true;
	}
	return false;
}

/* The length of @rel's first component */
static size_t first_len(const char *rel)
{
	const char *slash = strchr(rel, '/');

	return slash ? (size_t)(slash - rel) : strlen(rel);
}

/*
 * The type of each protected path's first component at the project's top
 * level (0: not there), from one listing of @dir_fd (its offset moves).
 * Return: false when the listing could not be read whole (then nothing
 * is known)
 */
static bool top_types(int dir_fd, char *const *rel, size_t n,
		      unsigned char *type)
{
	union {
		struct dirent64 d;
		char b[16384];
	} u;
	size_t seen = 0;
	long got;

	while ((got = syscall(SYS_getdents64, dir_fd, u.b, sizeof(u.b))) > 0) {
		for (long off = 0; off < got;) {
			const struct dirent64 *e = (const void *)(u.b + off);
			size_t len = strlen(e->d_name);

			if (++seen > TOP_MAX)
				return false;
			for (size_t i = 0; i < n; i++)
				if (rel[i] && first_len(rel[i]) == len &&
				    !memcmp(rel[i], e->d_name, len))
					type[i] = e->d_type ? e->d_type :
							      DT_UNKNOWN;
			off += e->d_reclen;
		}
	}
	return got == 0;
}

/*
 * May resolving the project's @rel meet a symlink? Most protected paths
 * are absent, or one name at the top: the listing (@type, @is_known)
 * answers; a path below a top-level directory is opened without
 * following a symlink.
 */
static bool meets_symlink(int project_fd, const char *rel, unsigned char type,
			  bool is_known)
{
	int fd;

	if (is_known && !type)
		return false;
	if (type == DT_LNK)
		return true;
	if (is_known && !strchr(rel, '/') && type != DT_UNKNOWN)
		return false;
	fd = openat2_fd(project_fd, rel, O_PATH | O_CLOEXEC,
			RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				RESOLVE_NO_MAGICLINKS);
	if (fd >= 0)
		close(fd);
	return fd == -ELOOP || fd == -EXDEV;
}

static void protect_target(struct jail_config *cfg, const char *path)
{
	int hops = 0;
	autofree char *t = resolve_host(path, &hops);

	autofree char *why = NULL;

	if (!t || !strcmp(t, path) || is_above_or_same(t, cfg->project) ||
	    !config_writable_inside(cfg, t) || config_is_protected(cfg, t))
		return;
	why = xasprintf(": the target of protected \"%s\"", path);
	config_protect_because(cfg, t, why);
}

/**
 * config_protect_because() - protect @path by default, saying why
 * @cfg: the configuration
 * @path: an absolute path inside a writable tree
 * @why: the reason --explain shows, from ": " on (copied)
 *
 * Never a weaker jail: a full table is an error, not a skip.
 */
void config_protect_because(struct jail_config *cfg, const char *path,
			    const char *why)
{
	if (cfg->n_mounts >= JAIL_MAX_MOUNTS)
		die("protect \"%s\"%s: too many mounts and protected paths "
		    "(at most %d)",
		    path, why, JAIL_MAX_MOUNTS);
	config_add_mount(cfg, MOUNT_PROTECT, path, false, ORIGIN_DEFAULT);
	cfg->mounts[cfg->n_mounts - 1].why = xstrdup(why);
}

void config_protect_link_targets(struct jail_config *cfg)
{
	char *paths[JAIL_MAX_MOUNTS + 64];
	char *rel[ARRAY_SIZE(paths)];
	unsigned char type[ARRAY_SIZE(paths)] = { 0 };
	size_t n = fsview_protected(cfg, paths, ARRAY_SIZE(paths));
	size_t len = strlen(cfg->project);
	autoclose int pfd = open(cfg->project,
				 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool is_known;

	/* Outside the project (a --rw tree, --home): resolved whole */
	for (size_t i = 0; i < n; i++)
		rel[i] = pfd >= 0 && !strncmp(paths[i], cfg->project, len) &&
					 paths[i][len] == '/' ?
				 paths[i] + len + 1 :
				 NULL;
	/* The project's .git is guarded whole (a symlink: its target) */
	for (size_t i = 0; cfg->git && i < n; i++) {
		if (rel[i] && !strncmp(rel[i], ".git/", 5)) {
			rel[i] = NULL;
			paths[i][0] = '\0';
		}
	}
	is_known = pfd >= 0 && top_types(pfd, rel, n, type);
	for (size_t i = 0; i < n; i++) {
		if (paths[i][0] &&
		    (!rel[i] || meets_symlink(pfd, rel[i], type[i], is_known)))
			protect_target(cfg, paths[i]);
		free(paths[i]);
	}
}

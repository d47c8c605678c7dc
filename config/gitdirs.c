// SPDX-License-Identifier: MIT
/*
 * gitdirs.c - git pointers followed only to a git dir that points back
 *
 * In a linked worktree or a submodule, .git is a file ("gitdir: PATH")
 * naming the real git dir outside the project, and that git dir may name
 * a common dir ("commondir"). jail binds them read-write so that commits
 * work. Both files lie where an earlier jail could have written them, so
 * they are hostile input: were they trusted, one run could make the next
 * bind any host directory (the home directory, /etc, jail's own review
 * state) or file read-write. A pointer is followed only when what it
 * names answers with a pointer back that the jail could not have planted
 * from inside the project: a worktree's git dir sits in its common dir's
 * worktrees/ and its gitdir file names this very .git file; a submodule's
 * git dir sits under modules/ of the git dir of a superproject above the
 * project. Places no git dir of a project can be are refused outright.
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "config/config.h"
#include "jail.h"

int gitdirs_parse_pointer(const char *buf, size_t len, const char *prefix,
			  char *out, size_t out_size)
{
	size_t pl = strlen(prefix), n;
	const char *nl = memchr(buf, '\n', len);
	const char *path;

	if (nl)
		len = (size_t)(nl - buf);
	if (len && buf[len - 1] == '\r')
		len--;
	if (len < pl || memcmp(buf, prefix, pl))
		return -EINVAL;
	path = buf + pl;
	n = len - pl;
	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			return -EINVAL;
	if (n >= out_size)
		return -E2BIG;
	memcpy(out, path, n);
	out[n] = '\0';
	return (int)n;
}

/* @s..@e without leading and trailing blanks */
static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
			   (*e)[-1] == '\r'))
		(*e)--;
}

/* Is the header line @s..@e "[core]" (any case, no subsection)? */
static bool is_core_header(const char *s, const char *e)
{
	const char *name = s + 1, *close = memchr(s, ']', (size_t)(e - s));
	const char *ne;

	if (!close)
		return false;
	ne = close;
	trim(&name, &ne);
	return ne - name == 4 && !strncasecmp(name, "core", 4);
}

/* The value @s..@e, unquoted into @out. Return: its length or -errno */
static int unquote(const char *s, const char *e, char *out, size_t size)
{
	size_t n = 0;
	bool in_quotes = false;

	for (const char *p = s; p < e; p++) {
		char c = *p;

		if (c == '"') {
			in_quotes = !in_quotes;
			continue;
		}
		if (!in_quotes && (c == '#' || c == ';'))
			break;
		if (c == '\\') {
			if (++p == e || (*p != '"' && *p != '\\'))
				return -EINVAL;
			c = *p;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f)
			return -EINVAL;
		if (n + 1 >= size)
			return -E2BIG;
		out[n++] = c;
	}
	if (in_quotes)
		return -EINVAL;
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	return n ? (int)n : -EINVAL;
}

int gitdirs_parse_worktree(const char *buf, size_t len, char *out,
			   size_t out_size)
{
	const char *end = buf + len;
	bool in_core = false;
	int found = -ENOENT;

	if (out_size)
		out[0] = '\0';
	for (const char *l = buf; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *s = l, *e = nl ? nl : end, *eq;

		l = nl ? nl + 1 : end;
		trim(&s, &e);
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			in_core = is_core_header(s, e);
			continue;
		}
		eq = memchr(s, '=', (size_t)(e - s));
		if (!in_core || !eq)
			continue;
		{
			const char *k = s, *ke = eq, *v = eq + 1;

			trim(&k, &ke);
			if (ke - k != 8 || strncasecmp(k, "worktree", 8))
				continue;
			trim(&v, &e);
			found = unquote(v, e, out, out_size);
			if (found == -EINVAL || found == -E2BIG)
				return found;
		}
	}
	return found;
}

/* Is @a @b or one of its ancestors? (both absolute and normalised) */
static bool is_at_or_above(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (!strcmp(a, "/"))
		return true;
	return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/');
}

const char *gitdirs_forbidden(const char *dir, const char *project,
			      const char *home, const char *const *state,
			      size_t n_state)
{
	/* Pseudo and system trees: nothing below them is a project's */
	static const char *const below[] = {
		"/etc", "/usr", "/proc", "/sys", "/dev", "/run", "/boot",
		"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	};
	/* Shared roots: a git dir may lie below them, never be them */
	static const char *const exact[] = {
		"/tmp", "/var/tmp", "/var", "/home", "/root", "/opt", "/srv",
		"/mnt", "/media",
	};

	if (dir[0] != '/')
		return "not an absolute path";
	if (is_at_or_above(dir, project))
		return "the project or one of its ancestors";
	if (home && home[0] == '/' && is_at_or_above(dir, home))
		return "the home directory or one of its ancestors";
	for (size_t i = 0; i < ARRAY_SIZE(below); i++)
		if (is_at_or_above(below[i], dir))
			return "a system directory";
	for (size_t i = 0; i < ARRAY_SIZE(exact); i++)
		if (!strcmp(exact[i], dir))
			return "a system directory";
	for (size_t i = 0; i < n_state; i++)
		if (state[i] && state[i][0] == '/' &&
		    (is_at_or_above(state[i], dir) ||
		     is_at_or_above(dir, state[i])))
			return "jail's own state";
	return NULL;
}

/* Does the directory @fd hold @name of type @type (S_IFDIR, S_IFREG)? */
static bool has_entry(int fd, const char *name, mode_t type)
{
	struct stat st;

	return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       (st.st_mode & S_IFMT) == type;
}

/* HEAD, and with @is_common objects/ and refs/ too */
static bool looks_like_git_dir(int fd, bool is_common)
{
	if (!has_entry(fd, "HEAD", S_IFREG))
		return false;
	return !is_common || (has_entry(fd, "objects", S_IFDIR) &&
			      has_entry(fd, "refs", S_IFDIR));
}

/*
 * The path the pointer file @name in @dir_fd names, made real against
 * @base into @out (PATH_MAX). Return: 0 or -errno
 */
static int read_pointer(int dir_fd, const char *name, const char *prefix,
			const char *base, char *out)
{
	char buf[GITDIRS_FILE_MAX + 1], path[PATH_MAX];
	autofree char *joined = NULL;
	ssize_t n = read_untrusted(dir_fd, name, buf, sizeof(buf));
	int r;

	if (n < 0)
		return (int)n;
	r = gitdirs_parse_pointer(buf, (size_t)n, prefix, path, sizeof(path));
	if (r < 0)
		return r;
	joined = path[0] == '/' ? xstrdup(path) :
				  xasprintf("%s/%s", base, path);
	return realpath(joined, out) ? 0 : -errno;
}

/* Open the real directory @path; Return: O_PATH fd or -errno */
static int open_dir(const char *path)
{
	return openat2_fd(AT_FDCWD, path, O_PATH | O_DIRECTORY,
			  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

#define REFUSE(out, err, ...)                                                  \
	({                                                                     \
		snprintf((out)->why, sizeof((out)->why), __VA_ARGS__);         \
		-(err);                                                        \
	})

/* Does the git dir @gfd's core.worktree name @project? */
static bool worktree_names(int gfd, const char *gitdir, const char *project)
{
	autofree char *buf = xmalloc(GITDIRS_CONFIG_MAX + 1);
	autofree char *joined = NULL;
	char val[PATH_MAX], real[PATH_MAX];
	ssize_t n = read_untrusted(gfd, "config", buf, GITDIRS_CONFIG_MAX + 1);

	if (n < 0 || gitdirs_parse_worktree(buf, (size_t)n, val,
					    sizeof(val)) < 0)
		return false;
	joined = val[0] == '/' ? xstrdup(val) :
				 xasprintf("%s/%s", gitdir, val);
	return realpath(joined, real) && !strcmp(real, project);
}

/*
 * A submodule's git dir: below modules/ of the git dir (a directory, not
 * a pointer) of a repository above the project, and its core.worktree
 * names the project (git writes both; the jail could not have)
 */
static bool is_submodule_dir(int gfd, const char *project,
			     const char *gitdir, struct gitdirs_found *out)
{
	autofree char *p = xstrdup(project);
	char *slash;

	while ((slash = strrchr(p, '/')) && slash != p) {
		char real[PATH_MAX];
		autofree char *dotgit = NULL;
		autofree char *mods = NULL;
		struct stat st;

		*slash = '\0';
		dotgit = xasprintf("%s/.git", p);
		if (lstat(dotgit, &st) < 0 || !S_ISDIR(st.st_mode) ||
		    !realpath(dotgit, real))
			continue;
		mods = xasprintf("%s/modules", real);
		if (is_at_or_above(mods, gitdir) && strcmp(mods, gitdir) &&
		    worktree_names(gfd, gitdir, project)) {
			snprintf(out->why, sizeof(out->why),
				 "submodule of the repository \"%s\"", p);
			return true;
		}
	}
	return false;
}

/* A linked worktree: @out->gitdir is @common/worktrees/NAME, and its
 * gitdir file names @dotgit. Return: 0 or -errno with @out->why */
static int check_worktree(int gfd, const char *dotgit,
			  struct gitdirs_found *out)
{
	char back[PATH_MAX];
	autofree char *wt = xasprintf("%s/worktrees/", out->common);
	const char *name;
	int err;

	if (strncmp(out->gitdir, wt, strlen(wt)) ||
	    !(name = out->gitdir + strlen(wt))[0] || strchr(name, '/'))
		return REFUSE(out, EPERM,
			      "its commondir \"%s\" does not hold it in "
			      "worktrees/",
			      out->common);
	err = read_pointer(gfd, "gitdir", "", out->gitdir, back);
	if (err < 0 || strcmp(back, dotgit))
		return REFUSE(out, EPERM,
			      "its gitdir file does not name \"%s\"", dotgit);
	snprintf(out->why, sizeof(out->why),
		 "linked worktree of \"%s\" (its gitdir file names this .git)",
		 out->common);
	return 0;
}

/* The common dir named by @gfd's commondir, checked like the git dir */
static int follow_common(int gfd, const char *project, const char *home,
			 const char *const *state, size_t n_state,
			 struct gitdirs_found *out)
{
	autofree char *dotgit = xasprintf("%s/.git", project);
	autoclose int cfd = -1;
	const char *bad;
	int err = read_pointer(gfd, "commondir", "", out->gitdir, out->common);

	if (err < 0)
		return REFUSE(out, -err, "its commondir: %s", strerror(-err));
	bad = gitdirs_forbidden(out->common, project, home, state, n_state);
	if (bad)
		return REFUSE(out, EPERM, "its commondir \"%s\" is %s",
			      out->common, bad);
	cfd = open_dir(out->common);
	if (cfd < 0 || !looks_like_git_dir(cfd, true))
		return REFUSE(out, ENOTDIR,
			      "its commondir \"%s\" is not a git dir",
			      out->common);
	return check_worktree(gfd, dotgit, out);
}

int gitdirs_follow(const char *project, const char *home,
		   const char *const *state, size_t n_state,
		   struct gitdirs_found *out)
{
	autoclose int pfd = open_dir(project);
	autoclose int gfd = -1;
	const char *bad;
	int err;

	memset(out, 0, sizeof(*out));
	if (pfd < 0 || !has_entry(pfd, ".git", S_IFREG))
		return 0;
	err = read_pointer(pfd, ".git", "gitdir: ", project, out->gitdir);
	if (err < 0)
		return REFUSE(out, -err, "%s", strerror(-err));
	/* Already in the view, and writable as the project is */
	if (is_at_or_above(project, out->gitdir))
		return 0;
	bad = gitdirs_forbidden(out->gitdir, project, home, state, n_state);
	if (bad)
		return REFUSE(out, EPERM, "\"%s\" is %s", out->gitdir, bad);
	gfd = open_dir(out->gitdir);
	if (gfd < 0 || !looks_like_git_dir(gfd, false))
		return REFUSE(out, ENOTDIR, "\"%s\" is not a git dir",
			      out->gitdir);
	/* Whatever its type: follow_common() refuses all but a file */
	if (faccessat(gfd, "commondir", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		err = follow_common(gfd, project, home, state, n_state, out);
		return err < 0 ? err : 1;
	}
	memcpy(out->common, out->gitdir, sizeof(out->common));
	if (!looks_like_git_dir(gfd, true))
		return REFUSE(out, ENOTDIR, "\"%s\" is not a git dir",
			      out->gitdir);
	if (!is_submodule_dir(gfd, project, out->gitdir, out))
		return REFUSE(out, EPERM,
			      "\"%s\" does not point back: neither a linked "
			      "worktree's git dir nor a submodule's (under a "
			      "superproject's modules/, its core.worktree "
			      "naming the project)",
			      out->gitdir);
	return 1;
}

// SPDX-License-Identifier: MIT
/*
 * reviewmark.c - which changes of a review touch a protected path or git's control surface
 */
/*
 * review.c - --review: the project's changes, kept aside in an overlay's
 * upper layer, compared with the project, listed, written as a git patch
 * and applied (reviewcmd.c decides which, and when)
 *
 * Under --review the project is an overlayfs inside the jail (fsview.c)
 * whose upper layer is $XDG_STATE_HOME/jail/review/ID/upper on the host,
 * in a 0700 directory the jail never sees. After the jail is gone the
 * supervisor compares that upper layer with the project:
 *
 *  - a whiteout (a 0/0 character device) deletes the project's entry;
 *  - a directory marked opaque (user.overlay.opaque "y") hides every
 *    entry of the project's directory it does not hold itself;
 *  - a regular file or a symlink that differs from the project's (bytes,
 *    target, permission bits or type) is a change; an identical one (a
 *    copy-up without a change) is not;
 *  - anything else (FIFOs, sockets, devices) is listed and never applied.
 *
 * Every upper entry is untrusted: the jailed command chose names, bytes,
 * modes and shapes. Both trees are opened through descriptors with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), final components are
 * never followed, and applying creates each file or symlink under a
 * temporary name and renames it over the target, so a symlink in either
 * tree never takes a write out of the project. Changes to protected paths
 * (SPEC "Filesystem view") are skipped unless the person asked for them.
 *
 * The state directory holds "upper", "work" (overlayfs's) and "meta": the
 * project, command, log and extra protected paths, as NUL-terminated
 * key and value strings.
 */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include "jail.h"
#include "config/config.h"
#include "parse/parse.h"
#include "host/host.h"
#include "host/reviewint.h"

/* ---- comparing the upper layer with the project --------------------- */

/*
 * Inside .git, more than hooks and config make git run code: the config
 * and hooks of submodules and of worktrees (core.fsmonitor, hooksPath).
 * Protected for the review too; '*' is one path component.
 */
static const char *const git_protect[] = {
	".git/config.worktree", ".git/modules/*/config", ".git/modules/*/hooks",
	".git/worktrees/*/config.worktree", ".git/info/attributes",
	/* Pointers: they choose the git dir host git uses next */
	".git/commondir", ".git/worktrees/*/commondir",
	".git/worktrees/*/gitdir", ".git/modules/*/commondir",
};

/* Does @rel, or its first components, match @pattern? */
static bool under_pattern(const char *rel, const char *pattern)
{
	size_t comps = 1, len = 0;
	char buf[PATH_MAX];

	for (const char *p = pattern; *p; p++)
		comps += *p == '/';
	for (size_t seen = 0; rel[len]; len++)
		if (rel[len] == '/' && ++seen == comps)
			break;
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, rel, len);
	buf[len] = '\0';
	return fnmatch(pattern, buf, FNM_PATHNAME) == 0;
}

bool review_is_protected_path(const struct review *r, const char *rel,
			      char kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(git_protect); i++)
		if (under_pattern(rel, git_protect[i]))
			return true;
	/* More agents' directories, which the run without --review guards */
	for (size_t i = 0; i < gitguard_n_agent_dirs; i++)
		if (under_pattern(rel, gitguard_agent_dirs[i]))
			return true;
	for (size_t i = 0; i < fsview_n_default_protect + r->n_protect; i++) {
		const size_t nd = fsview_n_default_protect;
		const char *p = i < nd ? fsview_default_protect[i] :
					 r->protect[i - nd];
		size_t pl = strlen(p), rl = strlen(rel);

		if (!strncmp(rel, p, pl) && (rel[pl] == '\0' || rel[pl] == '/'))
			return true;
		/* Deleting an ancestor deletes the protected path too */
		if (kind == 'D' && rl < pl && !strncmp(p, rel, rl) &&
		    p[rl] == '/')
			return true;
	}
	return false;
}

/*
 * A .git entry at any depth: as a file or a symlink it points git at
 * another git dir; a nested repository's hooks and config run like the
 * project's own. A symlink anywhere below a .git: host git writes through
 * it (a logs/HEAD leading to ~/.bashrc gets the next reflog line).
 * Return: is @c such a change?
 */
static bool is_git_control(const struct review_change *c)
{
	for (const char *p = c->path; p;
	     p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL) {
		if (strncmp(p, ".git", 4) || (p[4] != '\0' && p[4] != '/'))
			continue;
		if (p[4] == '\0')
			return c->kind == 'D' || c->new_t != REVIEW_FT_DIR ||
			       (c->kind == 'M' && c->old_t != REVIEW_FT_DIR);
		if (c->kind != 'D' && c->new_t == REVIEW_FT_LNK)
			return true;
		/* The project's own: is_protected_path() */
		if (p == c->path)
			continue;
		if (under_pattern(p, ".git/hooks") ||
		    under_pattern(p, ".git/config"))
			return true;
		for (size_t i = 0; i < ARRAY_SIZE(git_protect); i++)
			if (under_pattern(p, git_protect[i]))
				return true;
	}
	return false;
}

/* Is @name in @dir of the tree @root_fd there as a @type? */
static bool has_entry_in(int root_fd, const char *dir, const char *name,
			 mode_t type)
{
	autoclose int d = openat2_fd(root_fd, dir[0] ? dir : ".",
				     O_PATH | O_DIRECTORY,
				     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					     RESOLVE_NO_MAGICLINKS);
	struct stat st;

	return d >= 0 && fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       (st.st_mode & S_IFMT) == type;
}

/* Does @dir hold a HEAD, objects/ and refs/ in the upper layer or below? */
static bool is_git_dir_shape(const struct review *r, const char *dir)
{
	static const struct {
		const char *name;
		mode_t type;
	} need[] = { { "HEAD", S_IFREG }, { "objects", S_IFDIR },
		     { "refs", S_IFDIR } };

	for (size_t i = 0; i < ARRAY_SIZE(need); i++)
		if (!has_entry_in(r->upper_fd, dir, need[i].name,
				  need[i].type) &&
		    !has_entry_in(r->project_fd, dir, need[i].name,
				  need[i].type))
			return false;
	return true;
}

/*
 * A git dir that is a directory of the project (a bare repository): git
 * run inside it obeys its config and hooks as the project's own .git.
 * Return: does @c change the control files of such a directory?
 */
static bool is_bare_control(const struct review *r,
			    const struct review_change *c)
{
	static const char *const files[] = { "config", "config.worktree",
					     "commondir", "HEAD" };
	const char *hooks = strncmp(c->path, "hooks/", 6) ?
				    strstr(c->path, "/hooks/") :
				    c->path;
	const char *base = strrchr(c->path, '/');
	autofree char *dir = NULL;

	/* Below hooks/ of a directory, or one of its control files */
	if (hooks) {
		dir = xasprintf("%.*s", (int)(hooks - c->path), c->path);
	} else {
		for (size_t i = 0; !dir && i < ARRAY_SIZE(files); i++)
			if (!strcmp(base ? base + 1 : c->path, files[i]))
				dir = xasprintf("%.*s",
						(int)(base ? base - c->path : 0),
						c->path);
	}
	if (!dir)
		return false;
	/* "" is the project itself, whose git dir is its .git */
	return dir[0] && is_git_dir_shape(r, dir);
}

/*
 * Decided once the scan is complete, on resolved paths too: a change
 * beneath a symlink that leads onto a protected path, and a symlink on
 * the way to one, are protected (reviewpath.c)
 */
bool review_is_protected_change(const struct review *r,
				const struct review_change *c)
{
	char real[PATH_MAX];

	if (review_is_protected_path(r, c->path, c->kind) || is_git_control(c) ||
	    is_bare_control(r, c) || review_is_aliased(r, c->path, c->kind))
		return true;
	if (review_resolve(r, c->path, false, real, sizeof(real), NULL,
			   NULL) < 0)
		return false;
	return strcmp(real, c->path) &&
	       (review_is_protected_path(r, real, c->kind) ||
		review_is_aliased(r, real, c->kind));
}

/* Resolve the protected paths before anything is compared with them */
void review_mark_aliases(struct review *r)
{
	const char *paths[REVIEW_MAX_PROTECT + 64];
	size_t n = 0;

	for (size_t i = 0; i < fsview_n_default_protect &&
			   n < ARRAY_SIZE(paths);
	     i++)
		paths[n++] = fsview_default_protect[i];
	for (size_t i = 0; i < r->n_protect && n < ARRAY_SIZE(paths); i++)
		paths[n++] = r->protect[i];
	for (size_t i = 0; i < ARRAY_SIZE(git_protect) && n < ARRAY_SIZE(paths);
	     i++)
		if (!strchr(git_protect[i], '*'))
			paths[n++] = git_protect[i];
	review_alias_protected(r, paths, n);
}

/* SPDX-License-Identifier: MIT */
/*
 * gitdirs.h - git pointers (a .git file, commondir) followed only to a git
 * dir that points back
 */
#ifndef GITDIRS_H
#define GITDIRS_H

#include <limits.h>
#include <stddef.h>

/* Bytes of a pointer file read, at most (git writes one short line) */
#define GITDIRS_FILE_MAX 4096

/**
 * gitdirs_parse_pointer() - The path a git pointer file names
 * @buf:	the file's bytes; untrusted (the jail may have written them)
 * @len:	bytes in @buf
 * @prefix:	what the line starts with ("gitdir: "), or "" (commondir)
 * @out:	the path, NUL-terminated
 * @out_size:	size of @out
 *
 * Only the first line counts; a final CR is dropped. The path must not
 * be empty and holds no control byte (it is shown in warnings).
 *
 * Return: length of the path, -EINVAL (malformed), -E2BIG (too long)
 */
int gitdirs_parse_pointer(const char *buf, size_t len, const char *prefix,
			  char *out, size_t out_size);

/* Bytes of a submodule's git config read, at most */
#define GITDIRS_CONFIG_MAX (64 << 10)

/**
 * gitdirs_parse_worktree() - core.worktree of a git config file
 * @buf:	the config's bytes; untrusted
 * @len:	bytes in @buf
 * @out:	the value, NUL-terminated
 * @out_size:	size of @out
 *
 * Only the subset git writes for a submodule is understood: a "[core]"
 * section header on a line of its own, "worktree = VALUE" in it, VALUE
 * optionally in double quotes (with \" and \\). Comments (# ;) and other
 * sections are skipped; the last worktree line counts, as in git.
 *
 * Return: length of the value, -ENOENT (none), -EINVAL (malformed or a
 * control byte in the value), -E2BIG (too long)
 */
int gitdirs_parse_worktree(const char *buf, size_t len, char *out,
			   size_t out_size);

/**
 * gitdirs_forbidden() - Is @dir a place no git pointer may bind?
 * @dir:	absolute, real path
 * @project:	the project (real path)
 * @home:	the host home directory
 * @state:	jail's own state, configuration and runtime directories
 * @n_state:	entries of @state
 *
 * Return: why it is refused (static text), or NULL when it is not
 */
const char *gitdirs_forbidden(const char *dir, const char *project,
			      const char *home, const char *const *state,
			      size_t n_state);

/* A git dir outside the project that a .git file leads to */
struct gitdirs_found {
	char gitdir[PATH_MAX];	/* the .git file's target (real path) */
	char common[PATH_MAX];	/* its common dir, else == gitdir */
	char why[2 * PATH_MAX + 256];	/* what pointed back, or why not */
};

/**
 * gitdirs_follow() - Follow the project's .git file, if it is one
 * @project, @home, @state, @n_state:	as gitdirs_forbidden()
 * @out:	what was found, and why it may be followed (or not)
 *
 * Followed only to a directory that looks like a git dir (HEAD, objects/,
 * refs/), is not refused by gitdirs_forbidden(), and points back: a
 * linked worktree's gitdir file names this .git file and its common dir
 * holds it under worktrees/; else it lies under the modules/ of the git
 * dir of a superproject above the project and its core.worktree names
 * the project. Every file read is a regular
 * file beneath its directory (read_untrusted()).
 *
 * Context: host, before anything is set up; reads only
 *
 * Return: 1 (follow @out), 0 (no .git file, or its target lies in the
 * project), -errno (refused; @out->why says why)
 */
int gitdirs_follow(const char *project, const char *home,
		   const char *const *state, size_t n_state,
		   struct gitdirs_found *out);

#endif /* GITDIRS_H */

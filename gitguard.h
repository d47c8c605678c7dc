/* SPDX-License-Identifier: MIT */
/*
 * gitguard.h - git's control surface kept out of the jail's reach:
 * the pure parsers of git's files (gitconfig.c) and the private git dirs
 * with their validated copy-back (gitguard.c)
 */
#ifndef GITGUARD_H
#define GITGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jail_config;

/* ---- gitconfig.c: pure parsers of bytes the jail could have written -- */

#define GITCFG_MAX_PATHS 16	/* include paths kept per file */
#define GITCFG_VALUE_MAX 1024	/* longest value kept */
#define GITCFG_INPUT_MAX (1 << 20)	/* longest config file parsed */

/* What git's configuration points at that makes git run something */
struct gitcfg_refs {
	char hooks_path[GITCFG_VALUE_MAX];	/* core.hooksPath, "" if unset */
	char worktree[GITCFG_VALUE_MAX];	/* core.worktree, "" if unset */
	char include[GITCFG_MAX_PATHS][GITCFG_VALUE_MAX];	/* include.path,
							 * includeIf.*.path */
	size_t n_include;
	size_t n_dropped;	/* include paths beyond GITCFG_MAX_PATHS */
};

/**
 * gitcfg_parse() - Find core.hooksPath and the include paths in a config
 * @buf:	the file's bytes (untrusted: the jail may have written them)
 * @len:	their length, at most GITCFG_INPUT_MAX
 * @out:	filled; the last core.hooksPath wins, like in git
 *
 * Follows git's syntax: sections in brackets with an optional quoted
 * subsection (or the old [section.sub] form), names case-insensitive,
 * values with quotes, backslash escapes, comments and continuation lines.
 * Pure: no I/O, no allocation.
 *
 * Return: 0, -E2BIG (input too long) or -EINVAL (not a config file; what
 *	   was found before the error is kept in @out)
 */
int gitcfg_parse(const uint8_t *buf, size_t len, struct gitcfg_refs *out);

/* What kind of content a git dir's top-level state file must hold */
enum gitstate_kind {
	GITSTATE_HEAD,		/* "ref: refs/..." or one object id */
	GITSTATE_OID,		/* one object id line */
	GITSTATE_OIDS,		/* one or more object id lines */
	GITSTATE_TEXT,		/* text: no NUL byte */
	GITSTATE_INDEX,		/* the index: "DIRC" signature */
};

/**
 * gitstate_check() - Is @buf acceptable content for a state file?
 * @kind:	what the file is
 * @buf:	its bytes (untrusted)
 * @len:	their length
 *
 * Return: 0 if acceptable, -EBADMSG if not
 */
int gitstate_check(enum gitstate_kind kind, const uint8_t *buf, size_t len);

/**
 * gitstate_todo_has_exec() - Does a rebase/sequencer todo list run a
 * command (an "exec"/"x" line), which git would run on the host at the
 * next `git rebase --continue`?
 *
 * Return: true if any line is an exec command (or the list is not text)
 */
bool gitstate_todo_has_exec(const uint8_t *buf, size_t len);

/* ---- gitguard.c: private git dirs ------------------------------------ */

#define GITGUARD_MAX_DIRS 64	/* git dirs guarded per run */
#define GITGUARD_MAX_NEW 64	/* new repositories reported at exit */
#define GITGUARD_MAX_PROTECT 64	/* paths git's configuration names */
#define GITGUARD_MAX_FDS (GITGUARD_MAX_DIRS + 8)	/* with private tmpfs */

/* The git dirs of the project, found before the jail starts */
struct gitguard {
	char *dir[GITGUARD_MAX_DIRS];	/* real host paths, parents first */
	int dir_fd[GITGUARD_MAX_DIRS];	/* O_PATH, opened by the supervisor */
	size_t n_dirs;
	char *dotgit[GITGUARD_MAX_NEW * 4];	/* .git entries at start */
	size_t n_dotgit;
	bool is_truncated;	/* a bound cut the search short */
	char *protect[GITGUARD_MAX_PROTECT];	/* for the caller to protect */
	const char *protect_why[GITGUARD_MAX_PROTECT];
	const char *project;	/* the project, for relative hooksPath */
	size_t n_protect;
};

/**
 * gitguard_collect() - Find the git dirs of the project and what their
 * configuration points at
 * @cfg:	configuration being validated (its external git dirs are
 *		already among its mounts)
 *
 * The caller adds @protect of the result to its protected paths: the
 * core.hooksPath directories, the include files and the .git pointer
 * files of submodules and worktrees in the tree.
 *
 * Context: supervisor, config_validate(), before anything is created
 *
 * Return: the list (kept for the run), or NULL under --review
 */
struct gitguard *gitguard_collect(const struct jail_config *cfg);

/**
 * gitguard_open() - Open every guarded git dir as an O_PATH descriptor
 *
 * Context: supervisor, after stray descriptors were closed, before clone:
 * the same descriptors are the view's sources and the copy-back's
 * destinations, so no path is resolved again once the jail runs
 */
void gitguard_open(struct gitguard *g);

/**
 * gitguard_open_sources() - Open the git dirs in the jail's mount namespace
 *
 * Context: command child, with the other view sources (fsview.c step 2)
 *
 * Return: one descriptor per git dir for gitguard_build(), or NULL
 */
int *gitguard_open_sources(const struct jail_config *cfg);

/**
 * gitguard_build() - Put a private git dir over each guarded one
 * @cfg:	validated configuration
 * @root_fd:	the new root, before pivot
 * @src:	from gitguard_open_sources(); taken over
 * @out:	GITGUARD_MAX_DIRS slots: O_PATH descriptors of the private
 *		tmpfs of each git dir, for the supervisor's copy-back
 *
 * Context: command child, in the new mount namespace, after the project
 * and the other binds are in place and before the protected paths
 *
 * Return: number of descriptors in @out; dies on failure
 */
int gitguard_build(const struct jail_config *cfg, int root_fd, int *src,
		   int *out);

/**
 * gitguard_finish() - Copy the allowed state back, report new repositories
 * @cfg:	configuration
 * @tmp_fd:	the private tmpfs of each git dir from gitguard_build()
 * @n_fd:	their number (fewer than the git dirs: none is copied back)
 *
 * Context: supervisor, after the jail is gone
 */
void gitguard_finish(const struct jail_config *cfg, const int *tmp_fd,
		     size_t n_fd);

/* ---- shared by gitguard.c and gitview.c ------------------------------ */

/* How every name in a git dir or a private copy is opened */
#define GITGUARD_RESOLVE \
	(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
#define GITGUARD_MAX_ENTRIES 4096	/* entries of one directory */
#define GITGUARD_STATE_BYTES (64 << 20)	/* one state dir, all files */
#define GITGUARD_TEXT_MAX (16 << 20)

/* What a git dir's top-level entry gets in the private copy */
enum gitguard_kind {
	GITGUARD_OTHER,		/* the real one, read-only */
	GITGUARD_RW_DIR,	/* objects/ refs/ logs/ ...: the real one */
	GITGUARD_STATE_DIR,	/* rebase-merge/ ...: copied in and back */
	GITGUARD_NEST_DIR,	/* worktrees/ modules/: git dirs below */
	GITGUARD_STATE_FILE,	/* HEAD, index ...: copied in and back */
};

/* Return: the kind of @name; for a state file, its size bound in *@max */
enum gitguard_kind gitguard_kind_of(const char *name, bool is_dir,
				   size_t *max);

/* Is @path one of the guarded git dirs? */
bool gitguard_is_listed(const struct gitguard *g, const char *path);

/*
 * Copy regular file @name of @src into @dst (same mode bits, at most
 * @max bytes), resolved beneath @src without symlinks. Return: 0/-errno
 */
int gitguard_copy_file(int src, int dst, const char *name, size_t max);

/*
 * Copy directory @name of @src as @dname into @dst: directories and
 * regular files only, at most 4 levels, GITGUARD_MAX_ENTRIES each,
 * *@budget bytes in all. Return: 0/-errno
 */
int gitguard_copy_tree(int src, const char *name, int dst, const char *dname,
		       int depth, size_t *budget);

/* Helpers fsview.c lends gitguard.c (same semantics as its own) */
int fsview_bind_fd(int src_fd, int dst_fd, uint64_t attr);
int fsview_open_target(int root_fd, const char *path, bool is_dir);
int fsview_new_tmpfs(const char *mode);
bool fsview_path_under(const char *path, const char *root);

#endif

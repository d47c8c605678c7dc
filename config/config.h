/* SPDX-License-Identifier: MIT */
/*
 * config.h - the configuration: options, policy files, trust, profiles,
 * --explain
 *
 * Theory of operation: config_load() turns the command line, the policy
 * files and the agent profile into one struct jail_config (jail.h), and
 * validates it; after that nothing changes what the user asked for.
 * Options are recorded first and applied in the contract's order
 * (profile, /etc/jail/jail.conf, ~/.config/jail/jail.conf, the project's
 * trusted .jail.conf, the command line). Opening host resources is a
 * later step of jail.c's, not this folder's.
 *   config.c    config_load(): the steps in the contract's order, profiles
 *               applied
 *   options.c   the option table; options recorded and applied
 *   files.c     policy files, the trust store, jail trust
 *   trustview.c what a policy file grants, in plain words
 *   project.c   the project, COMMAND and git dirs resolved; validation
 *   gitdirs.c   git pointers followed only to a git dir that points back
 *   gitident.c  the user's git identity carried into the jail
 *   toolchains.c tools installed under the home, bound from PATH
 *   explain.c   --explain
 *   profiles.c  the built-in agent profiles (data)
 * What these files share among themselves is config/internal.h.
 *   gitident.c  the jail's generated ~/.gitconfig (identity, harmless
 *               settings)
 *   trustview.c what jail trust shows and asks before trusting a file
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <limits.h>

#include "jail.h"

/* ---------------------------------------------------------------------
 * config.c: command line, policy files, trust, profiles, --explain
 * ------------------------------------------------------------------- */

/**
 * config_load() - Build the configuration from files and the command line
 *
 * Context: supervisor, before anything is created
 * Must: leave every problem as one error line and exit 125
 *
 * With --help only @cfg->help is set: nothing else is read.
 */
void config_load(struct jail_config *cfg, int argc, char **argv);

/* Print the usage and the options (jail --help, jail help) */
void config_usage(FILE *f);

/* Print the resolved policy (--explain) */
void config_explain(const struct jail_config *cfg);

/* `jail trust [FILE]`: record FILE's SHA-256 in the trust store */
int config_trust_main(int argc, char **argv);

/* The host user's home directory (dies when there is none) */
const char *config_host_home(void);

/*
 * jail_runtime_dir() - Where running jails register (jail.c), caller frees
 *
 * $XDG_RUNTIME_DIR/jail, else $XDG_STATE_HOME/jail/run, else
 * ~/.local/state/jail/run. Each running jail has ID.run there: one line in
 * the audit format with event "run" and fields pid (the supervisor),
 * command, project and log; it is removed when the jail ends.
 */
char *jail_runtime_dir(void);


/* ---------------------------------------------------------------------
 * profiles.c: built-in agent profiles (data)
 * ------------------------------------------------------------------- */

enum profile_kind {
	PROF_RW_TRY,	/* as --rw-try */
	PROF_RO_TRY,	/* as --ro-try */
	PROF_PROTECT,	/* as --protect (skipped when absent) */
	PROF_PRIVATE,	/* as --protect; when absent, a private tmpfs that
			 * is discarded at exit (the agent writes there) */
	PROF_COPY,	/* a throwaway copy in the jail's $HOME */
	PROF_ALLOW,	/* as --allow */
	PROF_ENV,	/* as --env */
	PROF_SECRET,	/* as --secret, when the host has NAME set; then
			 * @env too (the client's base URL) */
	PROF_QUIET,	/* a host the agent contacts in the background:
			 * under --ask denied without a question, unless
			 * an allow names it */
};

struct profile_entry {
	enum profile_kind kind;
	const char *value;
	const char *env;	/* PROF_SECRET: "NAME=VALUE" to set with it */
};

struct profile {
	const char *name;	/* also COMMAND's basename that selects it */
	const char *doc;
	const struct profile_entry *e;
	size_t n;
};

/* Return: the built-in profile @name, or NULL */
const struct profile *profile_find(const char *name);
/* Return: the @i-th built-in profile, or NULL past the last */
const struct profile *profile_at(size_t i);

/* ---------------------------------------------------------------------
 * gitident.c: the jail's ~/.gitconfig
 * ------------------------------------------------------------------- */

/**
 * gitident_build() - Set @cfg->gitconfig from the host's git identity
 * @cfg:	configuration being built
 * @home:	the host user's home
 *
 * Reads the host's global git configuration ($GIT_CONFIG_GLOBAL, else
 * $XDG_CONFIG_HOME/git/config and ~/.gitconfig), at most 64 KiB each,
 * and keeps only what gitcfg_is_carried() allows, under a comment that
 * says the file is read-only and how to change it. Leaves @cfg alone
 * when nothing is carried. A malformed file is skipped with a warning.
 *
 * Context: supervisor, config_load(), before anything is created
 */
void gitident_build(struct jail_config *cfg, const char *home);

/* ---------------------------------------------------------------------
 * trustview.c: jail trust, shown and asked
 * ------------------------------------------------------------------- */

/* One line of a project's policy file, for a person */
struct trust_grant {
	char text[600];		/* "read-write access to /home/u/.ssh" */
	const char *danger;	/* why it reaches past the project, or NULL */
};

/**
 * trust_describe() - One option of a project's file in plain words
 * @opt:	the option's name ("rw", "allow" ...)
 * @arg:	its value as written ("" when it takes none)
 * @path:	for path options, the value made absolute; else NULL
 * @home:	the host user's home
 * @project:	the project the file belongs to
 * @g:		result
 */
void trust_describe(const char *opt, const char *arg, const char *path,
		    const char *home, const char *project,
		    struct trust_grant *g);

/**
 * trust_confirm() - Ask whether to trust @path, after its grants were shown
 * @path:	the policy file
 * @n_danger:	how many grants were marked dangerous
 * @is_yes:	--yes: trust without asking
 *
 * Without a terminal on stdin and without --yes: one error line with the
 * command to run, exit 125.
 *
 * Return: true to trust it
 */
bool trust_confirm(const char *path, size_t n_danger, bool is_yes);

/* ---------------------------------------------------------------------
 * gitdirs.c: git pointers followed only to a git dir that points back
 * ------------------------------------------------------------------- */

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

/* ---------------------------------------------------------------------
 * toolchains.c: tools installed under the home
 * ------------------------------------------------------------------- */

/**
 * toolchains_add() - Bind the toolchains PATH leads into, read-only
 * @cfg:	configuration being built (a throwaway home)
 * @home:	the host user's home
 * @path:	the PATH the jail gets
 *
 * Context: supervisor, config_load(), after validation
 */
void toolchains_add(struct jail_config *cfg, const char *home,
		    const char *path);

/* A mount of a toolchain's (config.c): @why is --explain's origin */
void config_add_toolchain_mount(struct jail_config *cfg, enum mount_kind kind,
				const char *path, const char *why);

#endif /* CONFIG_H */

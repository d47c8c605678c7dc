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
 *   config.c    the option table, parsing, policy files and trust,
 *               validation, --explain
 *   profiles.c  the built-in agent profiles (data)
 *   gitident.c  the jail's generated ~/.gitconfig (identity, harmless
 *               settings)
 *   trustview.c what jail trust shows and asks before trusting a file
 *   toolchains.c tools installed under the home, bound from PATH
 */
#ifndef CONFIG_H
#define CONFIG_H

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

/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the files of config/ share among themselves (not for other folders)
 */
#ifndef CONFIG_INTERNAL_H
#define CONFIG_INTERNAL_H

#include "jail.h"
#include "config/config.h"

/* ---------------------------------------------------------------------
 * options.c, project.c, files.c, config.c, explain.c
 * ------------------------------------------------------------------- */

enum opt_id {
	OPT_PROJECT = 256,
	OPT_RO,
	OPT_RW,
	OPT_RO_TRY,
	OPT_RW_TRY,
	OPT_HIDE,
	OPT_TMPFS,
	OPT_PROTECT,
	OPT_HOME,
	OPT_ENV,
	OPT_KEEP_FD,
	OPT_NET,
	OPT_TIMEOUT,
	OPT_SECCOMP_LOG,
	OPT_NO_EXEC_LOG,
	OPT_LOG,
	OPT_EXPLAIN,
	OPT_RLIMIT,
	OPT_MEMORY,
	OPT_PIDS,
	OPT_CPUS,
	OPT_ALLOW,
	OPT_DENY,
	OPT_ALLOW_PRIVATE,
	OPT_ALLOW_HOST_PORT,
	OPT_PUBLISH,
	OPT_NO_UPSTREAM_PROXY,
	OPT_NET_IDLE_TIMEOUT,
	OPT_MAX_CONNECTIONS,
	OPT_LOG_MAX,
	OPT_SECRET,
	OPT_ASK,
	OPT_ASK_TIMEOUT,
	OPT_APPROVE_CMD,
	OPT_HOLD_PUSH,
	OPT_PROFILE,
	OPT_NO_PROFILE,
	OPT_REVIEW,
	OPT_TTY_ALLOW,
	OPT_NO_GIT_CONFIG,
	OPT_NO_TOOLCHAINS,
	OPT_HELP,
	OPT_VERSION,
};

/* The option may appear in a policy file */
#define OPTF_FILE 1u

/* ... but not in a project's .jail.conf */
#define OPTF_NOT_PROJECT 2u

struct opt_def {
	const char *name;
	int has_arg;
	const char *metavar;
	const char *help;
	int id;
	unsigned int flags;
};

/* One option as given: recorded first, applied once the project is known */
struct opt_req {
	int id;
	const char *arg;
	enum origin origin;
	const char *where;	/* "FILE:LINE" for policy files, else NULL */
};

struct opt_reqs {
	struct opt_req *r;
	size_t n, cap;
};

extern const char *config_applying_where;
char *config_normalize_path(const char *in, const char *cwd);
void config_add_mount(struct jail_config *cfg, enum mount_kind kind,
		      const char *path, bool is_try, enum origin origin);
void config_add_env(struct jail_config *cfg, const char *arg);
void config_add_rule(struct jail_config *cfg, bool is_allow, const char *arg,
		     enum origin origin);
void config_record(struct opt_reqs *q, int id, const char *arg,
		   enum origin origin, const char *where);
void config_apply_all(struct jail_config *cfg, const struct opt_reqs *q,
		      enum origin first, enum origin last);
const struct opt_def *config_nearest_option(const char *name);
/* project.c: is @path below a tree the jail may write? */
bool config_writable_inside(const struct jail_config *cfg, const char *path);
/* cmdfiles.c: protect what an agent's protected settings run */
void config_protect_command_files(struct jail_config *cfg);
/* protlinks.c: protect the targets of protected paths that are symlinks */
void config_protect_link_targets(struct jail_config *cfg);
bool config_is_protected(const struct jail_config *cfg, const char *path);
void config_protect_because(struct jail_config *cfg, const char *path,
			    const char *why);
void config_parse_args(struct jail_config *cfg, int argc, char **argv,
		       struct opt_reqs *q);
char *config_detect_project(const char *cwd);
/* Defaults into @cfg, which must come zeroed (xcalloc) */
void config_init(struct jail_config *cfg);
void config_validate(struct jail_config *cfg);
const char *config_origin_name(enum origin o);
char *config_dir(void);
const struct opt_def *config_find_opt(const char *name);
void config_load_project_file(struct jail_config *cfg, struct opt_reqs *q);
void config_load_file(struct jail_config *cfg, struct opt_reqs *q,
		      char *path, enum origin o);
const struct opt_req *config_last_req(const struct opt_reqs *q, int id);
const struct opt_def *config_opt_by_id(int id);

#endif /* CONFIG_INTERNAL_H */

// SPDX-License-Identifier: MIT
/*
 * config.c - command line, policy files, trust, profiles, --explain
 *
 * Every option is first recorded, from the command line and then from the
 * policy files, because the project (which decides which .jail.conf is
 * read) may itself come from the command line. They are then applied in
 * the contract's order: the agent profile first, then /etc/jail/jail.conf,
 * ~/.config/jail/jail.conf, the project's .jail.conf (only once `jail
 * trust` recorded its hash) and the command line last. Accumulating
 * options add up; for single-valued ones the last one wins.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "jail.h"
#include "setup.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "host/host.h"
#include "config/internal.h"

/* The one option table: getopt_long, --help and the man page test use it */
static const struct opt_def opt_table[] = {
	{ "project", 1, "DIR", "use DIR as the project (default: git top-level "
			       "or current directory)", OPT_PROJECT,
	  OPTF_FILE | OPTF_NOT_PROJECT },
	{ "ro", 1, "PATH", "bind PATH read-only at the same path", OPT_RO,
	  OPTF_FILE },
	{ "rw", 1, "PATH", "bind PATH read-write at the same path", OPT_RW,
	  OPTF_FILE },
	{ "ro-try", 1, "PATH", "as --ro, ignored when PATH is missing",
	  OPT_RO_TRY, OPTF_FILE },
	{ "rw-try", 1, "PATH", "as --rw, ignored when PATH is missing",
	  OPT_RW_TRY, OPTF_FILE },
	{ "hide", 1, "PATH", "make PATH empty inside", OPT_HIDE, OPTF_FILE },
	{ "tmpfs", 1, "PATH", "mount a fresh tmpfs at PATH", OPT_TMPFS,
	  OPTF_FILE },
	{ "protect", 1, "PATH", "keep PATH read-only inside a writable bind",
	  OPT_PROTECT, OPTF_FILE },
	{ "home", 1, "DIR", "use host DIR as a persistent $HOME", OPT_HOME,
	  OPTF_FILE },
	{ "env", 1, "NAME[=VALUE]", "pass NAME from the host, or set it",
	  OPT_ENV, OPTF_FILE },
	{ "keep-fd", 1, "N", "keep file descriptor N open for COMMAND",
	  OPT_KEEP_FD, 0 },
	{ "net", 1, "MODE", "network: filtered (default), none or host",
	  OPT_NET, OPTF_FILE },
	{ "allow", 1, "PATTERN[:PORTS]", "allow connections to a host, "
					 "*.suffix, IP or CIDR",
	  OPT_ALLOW, OPTF_FILE },
	{ "deny", 1, "PATTERN[:PORTS]", "refuse PATTERN even if allowed",
	  OPT_DENY, OPTF_FILE },
	{ "allow-private", 0, NULL, "allow private and loopback destinations",
	  OPT_ALLOW_PRIVATE, OPTF_FILE },
	{ "allow-host-port", 1, "PORT", "let the jail reach the host's "
					"127.0.0.1:PORT as host.jail.internal",
	  OPT_ALLOW_HOST_PORT, OPTF_FILE | OPTF_NOT_PROJECT },
	{ "publish", 1, "[HOSTPORT:]PORT", "let the host's 127.0.0.1:HOSTPORT "
					   "(default PORT) reach TCP PORT "
					   "inside the jail",
	  OPT_PUBLISH, OPTF_FILE },
	{ "no-upstream-proxy", 0, NULL, "ignore the host's https_proxy",
	  OPT_NO_UPSTREAM_PROXY, OPTF_FILE },
	/* Not in a project's file: it could send a host secret to a host
	 * the project names */
	{ "secret", 1, "NAME@HOST[,HOST...][;SCOPE]",
	  "give NAME a placeholder inside; the forwarder puts its host value "
	  "into requests to HOST (NAME=@FILE@HOST: from FILE; SCOPE: "
	  "methods=GET,HEAD;paths=/PREFIX/ narrows it)",
	  OPT_SECRET, OPTF_FILE | OPTF_NOT_PROJECT },
	{ "ask", 0, NULL, "hold connections to names no rule decides and "
			  "ask (jail approve, --approve-cmd, the terminal)",
	  OPT_ASK, OPTF_FILE },
	{ "net-idle-timeout", 1, "SEC", "close a relayed connection idle for "
					"SEC seconds (default 600)",
	  OPT_NET_IDLE_TIMEOUT, OPTF_FILE },
	{ "max-connections", 1, "N", "refuse TCP connections beyond N at once "
				     "(default 4096)",
	  OPT_MAX_CONNECTIONS, OPTF_FILE },
	{ "log-max", 1, "SIZE", "stop writing the audit log at SIZE bytes "
				"(default 16M; k, M, G suffixes)",
	  OPT_LOG_MAX, OPTF_FILE },
	{ "ask-timeout", 1, "SEC", "deny what is not answered in SEC seconds "
				   "(default 60)",
	  OPT_ASK_TIMEOUT, OPTF_FILE },
	/* Not in a project's file: it would run a command on the host */
	{ "approve-cmd", 1, "CMD", "run CMD on the host for each ask; exit 0 "
				   "allows",
	  OPT_APPROVE_CMD, OPTF_FILE | OPTF_NOT_PROJECT },
	{ "hold-push", 1, "HOST", "hold HTTPS git pushes to HOST for an answer "
				  "(intercepted); carry only TLS to HOST",
	  OPT_HOLD_PUSH, OPTF_FILE },
	{ "profile", 1, "NAME", "add what agent NAME needs (default: by "
				"COMMAND's name)", OPT_PROFILE, OPTF_FILE },
	{ "no-profile", 0, NULL, "use no agent profile", OPT_NO_PROFILE,
	  OPTF_FILE },
	{ "timeout", 1, "DURATION", "kill the jail after DURATION (exit 124)",
	  OPT_TIMEOUT, OPTF_FILE },
	{ "rlimit", 1, "NAME=VALUE", "set a resource limit (nofile=1024, "
				     "as=4G, nproc=256, core=0 ...)",
	  OPT_RLIMIT, OPTF_FILE },
	{ "memory", 1, "SIZE", "limit memory (cgroup v2; such as 4G)",
	  OPT_MEMORY, OPTF_FILE },
	{ "pids", 1, "N", "limit the number of processes (cgroup v2)",
	  OPT_PIDS, OPTF_FILE },
	{ "cpus", 1, "N", "limit CPU time to N CPUs, such as 1.5 (cgroup v2)",
	  OPT_CPUS, OPTF_FILE },
	/* MODE only as --review=MODE: a separate word is COMMAND */
	{ "review", 2, "MODE", "keep the project's changes aside and review "
			       "them at exit: ask (default), keep, "
			       "patch:FILE or off",
	  OPT_REVIEW, OPTF_FILE },
	/* Not in a project's file: it opens a channel to the host */
	{ "tty-allow", 1, "WHAT", "let more of COMMAND's terminal output "
				  "through: clipboard (OSC 52 writes) or raw "
				  "(no filtering); a comma list",
	  OPT_TTY_ALLOW, OPTF_FILE | OPTF_NOT_PROJECT },
	{ "seccomp-log", 0, NULL, "log blocked system calls to the audit log",
	  OPT_SECCOMP_LOG, OPTF_FILE },
	/* Not in a project's file: the project would hide what ran in it */
	{ "no-exec-log", 0, NULL, "do not record each program the jail runs "
				  "(exec events)",
	  OPT_NO_EXEC_LOG, OPTF_FILE | OPTF_NOT_PROJECT },
	{ "log", 1, "FILE", "write the audit log to FILE", OPT_LOG,
	  OPTF_FILE | OPTF_NOT_PROJECT },
	{ "no-git-config", 0, NULL, "no generated ~/.gitconfig (your git "
				    "identity) inside",
	  OPT_NO_GIT_CONFIG, OPTF_FILE },
	{ "no-toolchains", 0, NULL, "bind no toolchains PATH leads into "
				    "under the home (pyenv, cargo, nvm ...)",
	  OPT_NO_TOOLCHAINS, OPTF_FILE },
	{ "explain", 0, NULL, "print the resolved policy and run nothing",
	  OPT_EXPLAIN, 0 },
	{ "help", 0, NULL, "show this help", OPT_HELP, 0 },
	{ "version", 0, NULL, "show the version", OPT_VERSION, 0 },
};

void config_usage(FILE *f)
{
	fprintf(f, "Usage: jail [OPTION]... [--] COMMAND [ARG]...\n"
		   "       jail --explain [OPTION]... [--] COMMAND [ARG]...\n"
		   "       jail SUBCOMMAND [ARG]...  (listed at the end)\n"
		   "Run COMMAND in a disposable Linux jail.\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++) {
		const struct opt_def *o = &opt_table[i];
		char left[64];

		if (o->has_arg == 2)
			snprintf(left, sizeof(left), "--%s[=%s]", o->name,
				 o->metavar);
		else
			snprintf(left, sizeof(left), "--%s%s%s", o->name,
				 o->metavar ? " " : "",
				 o->metavar ? o->metavar : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
	fprintf(f, "\nExit status: COMMAND's, 128+N if killed by signal N, "
		   "124 on timeout,\n125 if jail failed, 126 if COMMAND "
		   "cannot run, 127 if not found.\nSee jail(1).\n");
}

/*
 * The option being applied, for --explain's origins: "FILE:LINE", or
 * "profile NAME" (set only while apply_all() or apply_profile()
 * runs; the configuration keeps its own copy of the pointer)
 */
const char *config_applying_where;

/*
 * Normalise @in lexically: '~' expands to the host home, relative paths
 * are made absolute against the current directory, and ".", ".." and
 * repeated slashes are folded. Symlinks are not resolved here: the target
 * inside the view is the path as written.
 */
char *config_normalize_path(const char *in, const char *cwd)
{
	autofree char *abs = NULL;
	char *out, *w;
	const char *r;

	if (!in[0])
		die("empty path");
	if (in[0] == '~' && (in[1] == '/' || in[1] == '\0'))
		abs = xasprintf("%s/%s", config_host_home(), in + 1);
	else if (in[0] == '/')
		abs = xstrdup(in);
	else
		abs = xasprintf("%s/%s", cwd, in);
	out = xcalloc(strlen(abs) + 2, 1);
	w = out;
	for (r = abs; *r;) {
		size_t len;

		while (*r == '/')
			r++;
		len = strcspn(r, "/");
		if (len == 0)
			break;
		if (len == 1 && r[0] == '.') {
		} else if (len == 2 && r[0] == '.' && r[1] == '.') {
			while (w > out && *--w != '/')
				;
			*w = '\0';
		} else {
			*w++ = '/';
			memcpy(w, r, len);
			w += len;
			*w = '\0';
		}
		r += len;
	}
	if (w == out)
		memcpy(out, "/", 2);	/* @out has room for 2 bytes at least */
	return out;
}

void config_add_mount(struct jail_config *cfg, enum mount_kind kind,
		      const char *path, bool is_try, enum origin origin)
{
	struct mount_req *m;

	if (cfg->n_mounts >= JAIL_MAX_MOUNTS)
		die("too many mount options (at most %d)", JAIL_MAX_MOUNTS);
	m = &cfg->mounts[cfg->n_mounts++];
	m->kind = kind;
	/* Relative paths in a project's policy file are the project's */
	m->path = config_normalize_path(path, origin == ORIGIN_PROJECT_FILE &&
						       cfg->project ?
					       cfg->project :
					       cfg->cwd);
	m->is_try = is_try;
	m->origin = origin;
	m->where = config_applying_where;
	if (!strcmp(m->path, "/"))
		die("mount \"/\": the root of the view cannot be replaced");
}

void config_add_env(struct jail_config *cfg, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	struct env_req *e;

	if (!env_name_valid(arg, len))
		die("--env \"%s\": not a valid variable name", arg);
	if (cfg->n_env >= JAIL_MAX_ENV)
		die("too many --env options (at most %d)", JAIL_MAX_ENV);
	e = &cfg->env[cfg->n_env++];
	e->name = strndup(arg, len);
	if (!e->name)
		die("out of memory");
	e->value = eq ? xstrdup(eq + 1) : NULL;
	e->where = config_applying_where;
}

static void add_publish(struct jail_config *cfg, const char *arg,
			const char *where)
{
	struct publish_req *pr;
	uint16_t host_port, port;

	if (policy_parse_publish(arg, &host_port, &port) < 0)
		die("--publish: \"%s\" is not [HOSTPORT:]PORT with ports from "
		    "1 to 65535", arg);
	for (size_t i = 0; i < cfg->n_publish; i++)
		if (cfg->publish[i].host_port == host_port)
			die("--publish: host port %u is published twice",
			    host_port);
	if (cfg->n_publish >= JAIL_MAX_PUBLISH)
		die("--publish: too many (at most %d)", JAIL_MAX_PUBLISH);
	pr = &cfg->publish[cfg->n_publish];
	pr->host_port = host_port;
	pr->port = port;
	pr->where = where;
	cfg->n_publish++;
}

static void add_keep_fd(struct jail_config *cfg, const char *arg)
{
	unsigned long long v;

	if (parse_uint(arg, 3, INT_MAX, &v) < 0)
		die("--keep-fd \"%s\": not a descriptor number of 3 or more",
		    arg);
	if (fcntl((int)v, F_GETFD) < 0)
		die("--keep-fd %llu: not an open descriptor", v);
	if (cfg->n_keep_fds >= JAIL_MAX_FDS)
		die("too many --keep-fd options (at most %d)", JAIL_MAX_FDS);
	cfg->keep_fds[cfg->n_keep_fds++] = (int)v;
}

static void set_net(struct jail_config *cfg, const char *arg)
{
	if (!strcmp(arg, "none"))
		cfg->net = NET_NONE;
	else if (!strcmp(arg, "host"))
		cfg->net = NET_HOST;
	else if (!strcmp(arg, "filtered"))
		cfg->net = NET_FILTERED;
	else
		die("--net \"%s\": unknown mode; use filtered, none or host",
		    arg);
}

static void set_timeout(struct jail_config *cfg, const char *arg)
{
	if (parse_duration(arg, &cfg->timeout_ms) < 0)
		die("--timeout \"%s\": not a duration such as 30, 90s, 5m, 1h",
		    arg);
}

static void add_rlimit(struct jail_config *cfg, const char *arg)
{
	struct rlimit_req r;
	int err = limits_parse_rlimit(arg, &r);

	if (err == -ENOENT)
		die("--rlimit \"%s\": unknown limit; use as, core, cpu, data, "
		    "fsize, locks, memlock, msgqueue, nice, nofile, nproc, "
		    "rss, rtprio, sigpending or stack",
		    arg);
	if (err < 0)
		die("--rlimit \"%s\": not NAME=NUMBER or NAME=unlimited", arg);
	if (cfg->n_rlimits >= JAIL_MAX_RLIMITS)
		die("too many --rlimit options (at most %d)", JAIL_MAX_RLIMITS);
	cfg->rlimits[cfg->n_rlimits++] = r;
}

/* "1", "1.5", "0.25": hundredths of a CPU, at least 0.01, at most 4096 */
static void set_cpus(struct jail_config *cfg, const char *arg)
{
	unsigned long long whole = 0, frac = 0;
	const char *dot = strchr(arg, '.');
	autofree char *w = dot ? strndup(arg, (size_t)(dot - arg)) :
				 xstrdup(arg);

	if (!w || parse_uint(w, 0, 4096, &whole) < 0 ||
	    (dot && (strlen(dot + 1) < 1 || strlen(dot + 1) > 2 ||
		     parse_uint(dot + 1, 0, 99, &frac) < 0)))
		die("--cpus \"%s\": not a number of CPUs such as 2 or 0.5",
		    arg);
	if (dot && strlen(dot + 1) == 1)
		frac *= 10;
	cfg->cpu_max_pct = whole * 100 + frac;
	if (!cfg->cpu_max_pct)
		die("--cpus \"%s\": must be more than 0", arg);
}

/*
 * --review[=MODE]. A project's .jail.conf may ask for a review but not
 * turn it off, nor name a file for jail to write.
 */
static void set_review(struct jail_config *cfg, const char *arg,
		       enum origin o)
{
	/* "" is a policy file's "review" without a value */
	const char *m = arg && *arg ? arg : "ask";

	free(cfg->review_patch);
	cfg->review_patch = NULL;
	if (!strcmp(m, "ask"))
		cfg->review = REVIEW_ASK;
	else if (!strcmp(m, "keep"))
		cfg->review = REVIEW_KEEP;
	else if (!strcmp(m, "off"))
		cfg->review = REVIEW_OFF;
	else if (!strncmp(m, "patch:", 6) && m[6]) {
		cfg->review = REVIEW_PATCH;
		cfg->review_patch = config_normalize_path(m + 6, cfg->cwd);
	} else
		die("--review=%s: unknown mode; use --review, --review=keep, "
		    "--review=patch:FILE or --review=off",
		    m);
	if (o == ORIGIN_PROJECT_FILE &&
	    (cfg->review == REVIEW_OFF || cfg->review == REVIEW_PATCH))
		die("review %s: a project's .jail.conf may only ask for a "
		    "review (review, review keep)",
		    m);
}

static struct option *build_long_options(void)
{
	struct option *o = xcalloc(ARRAY_SIZE(opt_table) + 1, sizeof(*o));

	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
		o[i] = (struct option){ opt_table[i].name, opt_table[i].has_arg,
					NULL, opt_table[i].id };
	return o;
}

void config_add_rule(struct jail_config *cfg, bool is_allow, const char *arg,
		     enum origin origin)
{
	struct net_rule *rules = is_allow ? cfg->allow : cfg->deny;
	size_t *n = is_allow ? &cfg->n_allow : &cfg->n_deny;
	struct net_rule r;

	if (policy_parse_rule(arg, &r) < 0)
		die("--%s \"%s\": not a host name, *.suffix, IP or CIDR with "
		    "optional :PORTS (such as github.com, *.npmjs.org:443, "
		    "10.0.0.0/8:1-65535)",
		    is_allow ? "allow" : "deny", arg);
	if (*n >= JAIL_MAX_RULES)
		die("too many --%s rules (at most %d)",
		    is_allow ? "allow" : "deny", JAIL_MAX_RULES);
	r.origin = origin;
	r.where = config_applying_where;
	rules[(*n)++] = r;
}

void config_record(struct opt_reqs *q, int id, const char *arg,
		   enum origin origin, const char *where)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 32;
		q->r = realloc(q->r, q->cap * sizeof(*q->r));
		if (!q->r)
			die("out of memory");
	}
	q->r[q->n++] = (struct opt_req){ id, arg ? xstrdup(arg) : NULL,
					 origin, where };
}

static void add_hold_push(struct jail_config *cfg, const char *arg)
{
	char name[256];

	if (policy_normalize_name(arg, strlen(arg), name, sizeof(name)) < 0)
		die("--hold-push \"%s\": not a host name", arg);
	for (size_t i = 0; i < cfg->n_hold_push; i++)
		if (!strcmp(cfg->hold_push[i], name))
			return;
	if (cfg->n_hold_push == JAIL_MAX_HOLD_PUSH)
		die("too many --hold-push options (at most %d)",
		    JAIL_MAX_HOLD_PUSH);
	memcpy(cfg->hold_push[cfg->n_hold_push++], name, sizeof(name));
}

static void apply_option(struct jail_config *cfg, const struct opt_req *r)
{
	const char *arg = r->arg;
	enum origin o = r->origin;
	int id = r->id;

	switch (id) {
	case OPT_PROJECT:
		break;	/* resolved before anything else */
	case OPT_RO:
	case OPT_RW:
	case OPT_RO_TRY:
	case OPT_RW_TRY:
		config_add_mount(cfg, id == OPT_RO || id == OPT_RO_TRY ? MOUNT_RO :
								  MOUNT_RW,
			  arg, id == OPT_RO_TRY || id == OPT_RW_TRY, o);
		break;
	case OPT_HIDE:
		config_add_mount(cfg, MOUNT_HIDE, arg, false, o);
		break;
	case OPT_TMPFS:
		config_add_mount(cfg, MOUNT_TMPFS, arg, false, o);
		break;
	case OPT_PROTECT:
		config_add_mount(cfg, MOUNT_PROTECT, arg, false, o);
		break;
	case OPT_HOME:
		cfg->home_src = config_normalize_path(arg, cfg->cwd);
		break;
	case OPT_ENV:
		config_add_env(cfg, arg);
		break;
	case OPT_KEEP_FD:
		add_keep_fd(cfg, arg);
		break;
	case OPT_NET:
		set_net(cfg, arg);
		cfg->net_where = r->where ? r->where : "option";
		break;
	case OPT_ALLOW:
	case OPT_DENY:
		config_add_rule(cfg, id == OPT_ALLOW, arg, o);
		break;
	case OPT_ALLOW_PRIVATE:
		cfg->allow_private = true;
		cfg->allow_private_where = r->where ? r->where :
				o == ORIGIN_OPTION ? "option" :
						     config_origin_name(o);
		break;
	case OPT_ALLOW_HOST_PORT: {
		unsigned long long port;

		if (parse_uint(arg, 1, 65535, &port) < 0)
			die("--allow-host-port \"%s\": not a port number", arg);
		if (cfg->n_host_ports >= ARRAY_SIZE(cfg->host_ports))
			die("too many --allow-host-port options (at most 16)");
		cfg->host_ports[cfg->n_host_ports++] = (uint16_t)port;
		break;
	}
	case OPT_PUBLISH:
		add_publish(cfg, arg, r->where ? r->where : "option");
		break;
	case OPT_NO_UPSTREAM_PROXY:
		cfg->no_upstream_proxy = true;
		break;
	case OPT_SECRET:
		secrets_add(cfg, arg, o);
		break;
	case OPT_TIMEOUT:
		set_timeout(cfg, arg);
		break;
	case OPT_ASK:
		cfg->ask = true;
		break;
	case OPT_NET_IDLE_TIMEOUT:
		if (parse_uint(arg, 1, 604800, &cfg->net_idle_timeout) < 0)
			die("--net-idle-timeout \"%s\": not a number of "
			    "seconds from 1 to 604800",
			    arg);
		break;
	case OPT_MAX_CONNECTIONS:
		if (parse_uint(arg, 1, FWD_MAX_CONNS, &cfg->max_connections) <
		    0)
			die("--max-connections \"%s\": not a number from 1 to "
			    "%d",
			    arg, FWD_MAX_CONNS);
		break;
	case OPT_LOG_MAX:
		if (policy_parse_size(arg, &cfg->log_max) < 0 ||
		    cfg->log_max < 4096)
			die("--log-max \"%s\": not a size of at least 4k "
			    "(4096, 64k, 16M, 1G)",
			    arg);
		break;
	case OPT_ASK_TIMEOUT:
		if (parse_uint(arg, 1, 86400, &cfg->ask_timeout) < 0)
			die("--ask-timeout \"%s\": not a number of seconds "
			    "from 1 to 86400",
			    arg);
		break;
	case OPT_APPROVE_CMD:
		if (!arg || !*arg)
			die("--approve-cmd: an empty command");
		free(cfg->approve_cmd);
		cfg->approve_cmd = xstrdup(arg);
		break;
	case OPT_HOLD_PUSH:
		add_hold_push(cfg, arg);
		break;
	case OPT_RLIMIT:
		add_rlimit(cfg, arg);
		break;
	case OPT_MEMORY:
		if (policy_parse_size(arg, &cfg->memory_max) < 0 ||
		    cfg->memory_max < (1 << 20))
			die("--memory \"%s\": not a size of 1M or more such as "
			    "512M or 4G",
			    arg);
		break;
	case OPT_PIDS:
		if (parse_uint(arg, 1, 4194304, &cfg->pids_max) < 0)
			die("--pids \"%s\": not a number of processes", arg);
		break;
	case OPT_CPUS:
		set_cpus(cfg, arg);
		break;
	case OPT_SECCOMP_LOG:
		cfg->seccomp_log = true;
		break;
	case OPT_NO_EXEC_LOG:
		cfg->no_exec_log = true;
		break;
	case OPT_LOG:
		free(cfg->log_path);
		cfg->log_path = config_normalize_path(arg, cfg->cwd);
		break;
	case OPT_EXPLAIN:
		cfg->explain = true;
		break;
	case OPT_REVIEW:
		set_review(cfg, arg, o);
		break;
	case OPT_TTY_ALLOW:
		if (tty_allow_parse(arg ? arg : "", &cfg->tty_allow) < 0)
			die("--tty-allow \"%s\": not clipboard, raw or a comma "
			    "list of them",
			    arg ? arg : "");
		cfg->tty_allow_origin = o;
		break;
	case OPT_NO_GIT_CONFIG:
		cfg->no_git_config = true;
		break;
	case OPT_NO_TOOLCHAINS:
		cfg->no_toolchains = true;
		break;
	}
}

void config_apply_all(struct jail_config *cfg, const struct opt_reqs *q,
		      enum origin first, enum origin last)
{
	/* By precedence, then in the order given: the last one wins */
	for (enum origin o = first; o <= last; o++)
		for (size_t i = 0; i < q->n; i++) {
			if (q->r[i].origin != o)
				continue;
			die_set_prefix(q->r[i].where);
			config_applying_where = q->r[i].where;
			apply_option(cfg, &q->r[i]);
			config_applying_where = NULL;
			die_set_prefix(NULL);
		}
}

/*
 * Return: the option @name (without dashes, "=VALUE" cut) is a prefix of,
 * when it is a prefix of more than one; @n_out counts them
 */
static const struct opt_def *prefix_of_many(const char *name, size_t len,
					    size_t *n_out)
{
	const struct opt_def *first = NULL;

	*n_out = 0;
	for (size_t i = 0; len && i < ARRAY_SIZE(opt_table); i++)
		if (!strncmp(opt_table[i].name, name, len)) {
			if (!first)
				first = &opt_table[i];
			(*n_out)++;
		}
	return *n_out > 1 ? first : NULL;
}

/* The one option @name (@len bytes) is the start of; there must be one */
static const struct opt_def *unique_prefix_of(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (!strncmp(opt_table[i].name, name, len))
			return &opt_table[i];
	return NULL;
}

/* The option nearest to @name by edit distance, or NULL when none is near */
const struct opt_def *config_nearest_option(const char *name)
{
	const struct opt_def *best = NULL;
	size_t best_d = strlen(name) < 5 ? 2 : 3;	/* at most 1 or 2 */

	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++) {
		size_t d = str_distance(name, opt_table[i].name);

		if (d < best_d) {
			best_d = d;
			best = &opt_table[i];
		}
	}
	return best;
}

/* @bad is "--NAME" or "--NAME=VALUE" that getopt_long refused */
static __attribute__((noreturn)) void die_unknown_option(const char *bad)
{
	const char *name = bad + strspn(bad, "-");
	size_t len = strcspn(name, "=");
	autofree char *word = strndup(name, len);
	const struct opt_def *d;
	size_t n = 0;

	if (!word)
		die("out of memory");
	/* getopt_long says '?' for a value missing at the end, too */
	d = config_find_opt(word);
	if (d && d->has_arg == 1)
		die("missing value for \"--%s\"; see jail --help", word);
	d = prefix_of_many(word, len, &n);
	if (!d && n == 1 && name[len] == '=')
		die("\"%s\": --%s takes no value; see jail --help", bad,
		    unique_prefix_of(word, len)->name);
	if (d)
		die("ambiguous option \"--%s\": the start of %zu options "
		    "(such as --%s); see jail --help",
		    word, n, d->name);
	d = config_nearest_option(word);
	if (d)
		die("unknown option \"--%s\"; did you mean --%s? See jail "
		    "--help",
		    word, d->name);
	die("unknown option \"%s\"; see jail --help", bad);
}

void config_parse_args(struct jail_config *cfg, int argc, char **argv,
		       struct opt_reqs *q)
{
	autofree struct option *longopts = build_long_options();
	int c;

	opterr = 0;
	/* '+': stop at the first non-option, which is COMMAND */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h' || c == OPT_HELP) {
			cfg->help = true;	/* jail.c prints it */
			return;
		}
		if (c == OPT_VERSION) {
			printf("jail %s\n", JAIL_VERSION);
			exit(0);
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (optopt && optopt < 256)
				die("unknown option \"-%c\"; see jail --help",
				    optopt);
			if (c == ':')
				die("missing value for \"%s\"; see jail --help",
				    bad);
			die_unknown_option(bad);
		}
		if (c == OPT_REVIEW && optarg && !*optarg)
			die("--review=: no mode given; use --review, "
			    "--review=keep, --review=patch:FILE or --review=off");
		/* "--review keep" would run a COMMAND named keep */
		if (c == OPT_REVIEW && !optarg && optind < argc &&
		    (!strcmp(argv[optind], "ask") ||
		     !strcmp(argv[optind], "keep") ||
		     !strcmp(argv[optind], "off") ||
		     !strncmp(argv[optind], "patch:", 6)))
			die("--review %s: the mode goes after \"=\" "
			    "(--review=%s); to run a command of that name, "
			    "write --review -- %s",
			    argv[optind], argv[optind], argv[optind]);
		/* Checked now, so a bad value fails before any file is read */
		if (c == OPT_KEEP_FD || c == OPT_EXPLAIN)
			apply_option(cfg, &(struct opt_req){ c, optarg,
							     ORIGIN_OPTION,
							     NULL });
		else
			config_record(q, c, optarg, ORIGIN_OPTION, NULL);
	}
	if (optind >= argc)
		die("no COMMAND given; usage: jail [OPTION]... -- COMMAND "
		    "[ARG]...");
	cfg->argv = argv + optind;
}

const struct opt_def *config_find_opt(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (!strcmp(opt_table[i].name, name))
			return &opt_table[i];
	return NULL;
}

/* The highest-precedence request of @id (command line over files) */
const struct opt_req *config_last_req(const struct opt_reqs *q, int id)
{
	const struct opt_req *best = NULL;

	for (size_t i = 0; i < q->n; i++)
		if (q->r[i].id == id &&
		    (!best || q->r[i].origin >= best->origin))
			best = &q->r[i];
	return best;
}

const struct opt_def *config_opt_by_id(int id)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (opt_table[i].id == id)
			return &opt_table[i];
	return NULL;
}

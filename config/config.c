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
#include <pwd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "jail.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "host/host.h"

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
	OPT_NO_UPSTREAM_PROXY,
	OPT_SECRET,
	OPT_ASK,
	OPT_ASK_TIMEOUT,
	OPT_APPROVE_CMD,
	OPT_HOLD_PUSH,
	OPT_PROFILE,
	OPT_NO_PROFILE,
	OPT_REVIEW,
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
	{ "no-upstream-proxy", 0, NULL, "ignore the host's https_proxy",
	  OPT_NO_UPSTREAM_PROXY, OPTF_FILE },
	/* Not in a project's file: it could send a host secret to a host
	 * the project names */
	{ "secret", 1, "NAME@HOST[,HOST...]", "give NAME a placeholder inside; "
					     "the forwarder puts its host "
					     "value into requests to HOST "
					     "(NAME=@FILE@HOST: from FILE)",
	  OPT_SECRET, OPTF_FILE | OPTF_NOT_PROJECT },
	{ "ask", 0, NULL, "hold connections to names no rule decides and "
			  "ask (jail approve, --approve-cmd, the terminal)",
	  OPT_ASK, OPTF_FILE },
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
	{ "seccomp-log", 0, NULL, "log blocked system calls to the audit log",
	  OPT_SECCOMP_LOG, OPTF_FILE },
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
static const char *applying_where;

static const char *host_home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && h[0] == '/')
		return h;
	pw = getpwuid(getuid());
	if (pw && pw->pw_dir && pw->pw_dir[0] == '/')
		return pw->pw_dir;
	die("home directory: HOME is not set and the user has none");
}

/*
 * Normalise @in lexically: '~' expands to the host home, relative paths
 * are made absolute against the current directory, and ".", ".." and
 * repeated slashes are folded. Symlinks are not resolved here: the target
 * inside the view is the path as written.
 */
static char *normalize_path(const char *in, const char *cwd)
{
	autofree char *abs = NULL;
	char *out, *w;
	const char *r;

	if (!in[0])
		die("empty path");
	if (in[0] == '~' && (in[1] == '/' || in[1] == '\0'))
		abs = xasprintf("%s/%s", host_home(), in + 1);
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

static void add_mount(struct jail_config *cfg, enum mount_kind kind,
		      const char *path, bool is_try, enum origin origin)
{
	struct mount_req *m;

	if (cfg->n_mounts >= JAIL_MAX_MOUNTS)
		die("too many mount options (at most %d)", JAIL_MAX_MOUNTS);
	m = &cfg->mounts[cfg->n_mounts++];
	m->kind = kind;
	/* Relative paths in a project's policy file are the project's */
	m->path = normalize_path(path, origin == ORIGIN_PROJECT_FILE &&
						       cfg->project ?
					       cfg->project :
					       cfg->cwd);
	m->is_try = is_try;
	m->origin = origin;
	m->where = applying_where;
	if (!strcmp(m->path, "/"))
		die("mount \"/\": the root of the view cannot be replaced");
}

static bool valid_env_name(const char *s, size_t len)
{
	if (!len || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static void add_env(struct jail_config *cfg, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	struct env_req *e;

	if (!valid_env_name(arg, len))
		die("--env \"%s\": not a valid variable name", arg);
	if (cfg->n_env >= JAIL_MAX_ENV)
		die("too many --env options (at most %d)", JAIL_MAX_ENV);
	e = &cfg->env[cfg->n_env++];
	e->name = strndup(arg, len);
	if (!e->name)
		die("out of memory");
	e->value = eq ? xstrdup(eq + 1) : NULL;
	e->where = applying_where;
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
		cfg->review_patch = normalize_path(m + 6, cfg->cwd);
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

static void add_rule(struct jail_config *cfg, bool is_allow, const char *arg,
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
	r.where = applying_where;
	rules[(*n)++] = r;
}

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

static void record(struct opt_reqs *q, int id, const char *arg,
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

static const char *origin_name(enum origin o);

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
		add_mount(cfg, id == OPT_RO || id == OPT_RO_TRY ? MOUNT_RO :
								  MOUNT_RW,
			  arg, id == OPT_RO_TRY || id == OPT_RW_TRY, o);
		break;
	case OPT_HIDE:
		add_mount(cfg, MOUNT_HIDE, arg, false, o);
		break;
	case OPT_TMPFS:
		add_mount(cfg, MOUNT_TMPFS, arg, false, o);
		break;
	case OPT_PROTECT:
		add_mount(cfg, MOUNT_PROTECT, arg, false, o);
		break;
	case OPT_HOME:
		cfg->home_src = normalize_path(arg, cfg->cwd);
		break;
	case OPT_ENV:
		add_env(cfg, arg);
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
		add_rule(cfg, id == OPT_ALLOW, arg, o);
		break;
	case OPT_ALLOW_PRIVATE:
		cfg->allow_private = true;
		cfg->allow_private_where = r->where ? r->where :
				o == ORIGIN_OPTION ? "option" :
						     origin_name(o);
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
	case OPT_LOG:
		free(cfg->log_path);
		cfg->log_path = normalize_path(arg, cfg->cwd);
		break;
	case OPT_EXPLAIN:
		cfg->explain = true;
		break;
	case OPT_REVIEW:
		set_review(cfg, arg, o);
		break;
	case OPT_NO_GIT_CONFIG:
		cfg->no_git_config = true;
		break;
	case OPT_NO_TOOLCHAINS:
		cfg->no_toolchains = true;
		break;
	}
}

static void apply_all(struct jail_config *cfg, const struct opt_reqs *q,
		      enum origin first, enum origin last)
{
	/* By precedence, then in the order given: the last one wins */
	for (enum origin o = first; o <= last; o++)
		for (size_t i = 0; i < q->n; i++) {
			if (q->r[i].origin != o)
				continue;
			die_set_prefix(q->r[i].where);
			applying_where = q->r[i].where;
			apply_option(cfg, &q->r[i]);
			applying_where = NULL;
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
static const struct opt_def *nearest_option(const char *name)
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

static const struct opt_def *find_opt(const char *name);

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
	d = find_opt(word);
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
	d = nearest_option(word);
	if (d)
		die("unknown option \"--%s\"; did you mean --%s? See jail "
		    "--help",
		    word, d->name);
	die("unknown option \"%s\"; see jail --help", bad);
}

static void parse_args(struct jail_config *cfg, int argc, char **argv,
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
			record(q, c, optarg, ORIGIN_OPTION, NULL);
	}
	if (optind >= argc)
		die("no COMMAND given; usage: jail [OPTION]... -- COMMAND "
		    "[ARG]...");
	cfg->argv = argv + optind;
}

/* The git top-level that contains @cwd, else @cwd itself */
static char *detect_project(const char *cwd)
{
	autofree char *p = xstrdup(cwd);

	for (;;) {
		autofree char *git = xasprintf("%s/.git", p);
		struct stat st;
		char *slash;

		if (lstat(git, &st) == 0 &&
		    (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			return TAKE_PTR(p);
		// cppcheck-suppress nullPointer ; p is only NULL after the return
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	return xstrdup(cwd);
}

static bool is_ancestor_or_same(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (!strcmp(a, "/"))
		return true;
	return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/');
}

/*
 * A project that contains the home directory (or is a system directory)
 * would make the user's secrets or the system writable: refuse it.
 */
static void check_project(const struct jail_config *cfg, const char *home)
{
	static const char *const system[] = { "/usr", "/etc", "/bin",
					      "/sbin", "/lib", "/lib64",
					      "/opt", "/proc", "/sys",
					      "/dev", "/boot", "/var" };
	struct stat st;

	if (stat(cfg->project, &st) < 0 || !S_ISDIR(st.st_mode))
		die("project \"%s\": not a directory", cfg->project);
	if (is_ancestor_or_same(cfg->project, home))
		die("project \"%s\": contains the home directory, which would "
		    "expose it; run jail in a project directory or pass "
		    "--project DIR",
		    cfg->project);
	for (size_t i = 0; i < ARRAY_SIZE(system); i++)
		if (is_ancestor_or_same(cfg->project, system[i]) ||
		    !strcmp(cfg->project, system[i]))
			die("project \"%s\": refusing to make a system "
			    "directory writable; pass --project DIR",
			    cfg->project);
}

/* Search @name on the host PATH like execvp() would */
static char *find_on_path(const char *name, const char *cwd)
{
	const char *path = getenv("PATH");
	autofree char *copy = NULL;
	char *save = NULL;

	if (strchr(name, '/'))
		return normalize_path(name, cwd);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	copy = xstrdup(path);
	for (char *dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		autofree char *cand = NULL;

		if (dir[0] != '/')
			continue;
		cand = xasprintf("%s/%s", dir, name);
		if (access(cand, X_OK) == 0) {
			struct stat st;

			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode))
				return TAKE_PTR(cand);
		}
	}
	return NULL;
}

static bool path_in_view(const struct jail_config *cfg, const char *p)
{
	static const char *const sys[] = { "/usr", "/bin", "/sbin", "/lib",
					   "/lib32", "/lib64", "/libx32",
					   "/etc", "/opt" };

	for (size_t i = 0; i < ARRAY_SIZE(sys); i++)
		if (is_ancestor_or_same(sys[i], p))
			return true;
	if (is_ancestor_or_same(cfg->project, p))
		return true;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];

		if ((m->kind == MOUNT_RO || m->kind == MOUNT_RW) &&
		    is_ancestor_or_same(m->path, p))
			return true;
	}
	return false;
}

static void add_dir_of(struct jail_config *cfg, const char *file)
{
	autofree char *dir = xstrdup(file);
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (!path_in_view(cfg, dir))
		add_mount(cfg, MOUNT_RO, dir, true, ORIGIN_DEFAULT);
}

/* Return: the first line of @path (at most 4 KiB), or NULL */
static char *read_first_line(const char *path)
{
	FILE *f = fopen(path, "re");
	char buf[4096];
	bool is_read;

	if (!f)
		return NULL;
	is_read = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!is_read)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return xstrdup(buf);
}

/*
 * An npm package's entry point needs its package tree: bind the top-most
 * node_modules directory above @real read-only, when there is one.
 */
static void add_node_modules_of(struct jail_config *cfg, const char *real)
{
	const char *nm = strstr(real, "/node_modules/");
	autofree char *top = NULL;

	if (!nm)
		return;
	top = strndup(real, (size_t)(nm - real) + strlen("/node_modules"));
	if (top && !path_in_view(cfg, top))
		add_mount(cfg, MOUNT_RO, top, true, ORIGIN_DEFAULT);
}

/*
 * A script's "#!/usr/bin/env NAME" interpreter found outside the view
 * (node under ~/.nvm, python in a pyenv) is bound like COMMAND itself.
 */
static void add_interpreter_of(struct jail_config *cfg, const char *script)
{
	autofree char *line = read_first_line(script);
	autofree char *interp = NULL;
	autofree char *real = NULL;
	char name[256];

	if (!line || sscanf(line, "#!/usr/bin/env %255s", name) != 1 ||
	    strchr(name, '/'))
		return;
	interp = find_on_path(name, cfg->cwd);
	if (!interp || !(real = realpath(interp, NULL)))
		return;
	if (!path_in_view(cfg, interp))
		add_dir_of(cfg, interp);
	if (!path_in_view(cfg, real))
		add_dir_of(cfg, real);
}

/*
 * COMMAND found on the host PATH outside the view: bind its directory and
 * its real file's directory read-only, so that `jail -- claude` works for
 * an agent installed under the home directory; with its package tree and
 * interpreter where it needs them.
 */
static void resolve_command(struct jail_config *cfg)
{
	autofree char *real = NULL;

	cfg->cmd_path = find_on_path(cfg->argv[0], cfg->cwd);
	if (!cfg->cmd_path)
		return;
	real = realpath(cfg->cmd_path, NULL);
	if (!real) {
		free(cfg->cmd_path);
		cfg->cmd_path = NULL;
		return;
	}
	if (!path_in_view(cfg, cfg->cmd_path))
		add_dir_of(cfg, cfg->cmd_path);
	if (!path_in_view(cfg, real)) {
		add_node_modules_of(cfg, real);
		add_dir_of(cfg, real);
	}
	add_interpreter_of(cfg, real);
}

static void make_id(struct jail_config *cfg)
{
	uint8_t r[8];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		die_errno("getrandom");
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(cfg->id + 2 * i, 3, "%02x", r[i]);
}

static void config_init(struct jail_config *cfg)
{
	char buf[PATH_MAX];

	memset(cfg, 0, sizeof(*cfg));
	if (!getcwd(buf, sizeof(buf)))
		die_errno("current directory");
	cfg->cwd = xstrdup(buf);
	cfg->uid = getuid();
	cfg->gid = getgid();
	cfg->net = NET_FILTERED;
	cfg->log_fd = -1;
	cfg->ca_bundle_fd = -1;
	make_id(cfg);
}


/* Resolve @rel against directory @base; Return: real path or NULL */
static char *resolve_against(const char *base, const char *rel)
{
	autofree char *p = rel[0] == '/' ? xstrdup(rel) :
					   xasprintf("%s/%s", base, rel);

	return realpath(p, NULL);
}

/*
 * In a git worktree or a submodule, .git is a file naming the real git
 * dir, which lies outside the project: bind that repository's common git
 * dir read-write (commits need its objects and refs) and keep its hooks
 * and config protected, like the project's own.
 */
static void add_external_git_dir(struct jail_config *cfg)
{
	autofree char *dotgit = xasprintf("%s/.git", cfg->project);
	autofree char *line = NULL;
	autofree char *gitdir = NULL;
	autofree char *common_rel = NULL;
	autofree char *common = NULL;
	autofree char *hooks = NULL;
	autofree char *config = NULL;
	struct stat st;

	if (lstat(dotgit, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	/* Rewritten, it could point host git at hooks planted in the project */
	add_mount(cfg, MOUNT_PROTECT, dotgit, false, ORIGIN_DEFAULT);
	line = read_first_line(dotgit);
	if (!line || strncmp(line, "gitdir: ", 8))
		return;
	gitdir = resolve_against(cfg->project, line + 8);
	if (!gitdir)
		return;
	{
		autofree char *cd = xasprintf("%s/commondir", gitdir);

		common_rel = read_first_line(cd);
	}
	common = common_rel ? resolve_against(gitdir, common_rel) :
			      xstrdup(gitdir);
	if (!common || is_ancestor_or_same(cfg->project, common))
		return;
	/* Under --review nothing may land unreviewed: read-only then */
	add_mount(cfg, cfg->review ? MOUNT_RO : MOUNT_RW, common, false,
		  ORIGIN_DEFAULT);
	cfg->mounts[cfg->n_mounts - 1].is_gitdir = true;
	if (strcmp(common, gitdir) && !is_ancestor_or_same(common, gitdir)) {
		add_mount(cfg, cfg->review ? MOUNT_RO : MOUNT_RW, gitdir,
			  false, ORIGIN_DEFAULT);
		cfg->mounts[cfg->n_mounts - 1].is_gitdir = true;
	}
	hooks = xasprintf("%s/hooks", common);
	config = xasprintf("%s/config", common);
	add_mount(cfg, MOUNT_PROTECT, hooks, false, ORIGIN_DEFAULT);
	add_mount(cfg, MOUNT_PROTECT, config, false, ORIGIN_DEFAULT);
}

/* Is @path below a tree the jail may write (project, --rw, --home)? */
static bool writable_inside(const struct jail_config *cfg, const char *path)
{
	if (is_ancestor_or_same(cfg->project, path) ||
	    (cfg->home_src && is_ancestor_or_same(cfg->home_src, path)))
		return true;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == MOUNT_RW &&
		    is_ancestor_or_same(cfg->mounts[i].path, path))
			return true;
	return false;
}

/*
 * Secrets need the forwarder: a profile's are dropped without it, an
 * explicit one is an error. Then their values are read (secrets.c).
 */
static void validate_secrets(struct jail_config *cfg)
{
	size_t w = 0;

	for (size_t i = 0; i < cfg->n_secrets; i++) {
		autofree char *real = cfg->secrets[i].file ?
					      realpath(cfg->secrets[i].file,
						       NULL) :
					      NULL;

		if (real && path_in_view(cfg, real))
			die("--secret %s: \"%s\" is visible inside the jail; "
			    "keep the file outside the project and the bound "
			    "paths",
			    cfg->secrets[i].name, cfg->secrets[i].file);
		if (cfg->net == NET_FILTERED) {
			cfg->secrets[w++] = cfg->secrets[i];
			continue;
		}
		if (cfg->secrets[i].origin != ORIGIN_PROFILE)
			die("--secret %s: needs --net filtered (the forwarder "
			    "puts the value into requests)",
			    cfg->secrets[i].name);
	}
	cfg->n_secrets = w;
	if (!cfg->explain)
		secrets_prepare(cfg);
}

/* --ask and its companions need the forwarder; none is half-applied */
static void validate_ask(struct jail_config *cfg)
{
	if (cfg->ask && cfg->net != NET_FILTERED)
		die("--ask: needs --net filtered (the forwarder holds the "
		    "connections)");
	if (cfg->n_hold_push && cfg->net != NET_FILTERED)
		die("--hold-push: needs --net filtered (the forwarder refuses "
		    "the pushes)");
	/* --hold-push asks too (about pushes only) */
	if (!cfg->ask && !cfg->n_hold_push && cfg->approve_cmd)
		die("--approve-cmd: needs --ask or --hold-push");
	if (!cfg->ask && !cfg->n_hold_push && cfg->ask_timeout)
		die("--ask-timeout: needs --ask or --hold-push");
	if (!cfg->ask_timeout)
		cfg->ask_timeout = JAIL_ASK_TIMEOUT_DEFAULT;
}

/* Can a file be made next to @path? Tried for real: access() says yes
 * to root for /proc */
static void probe_writable(const char *path, const char *dir)
{
	autofree char *probe = xasprintf("%s.jail-%d", path, (int)getpid());
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				     O_CLOEXEC,
		      0600);

	if (fd < 0)
		die("--review=patch:%s: cannot write in \"%s\": %s", path,
		    dir, strerror(errno));
	close(fd);
	unlink(probe);
}

/*
 * --review: the overlay's upper directory must be invisible to the jail,
 * no writable bind may bypass the overlay, and the patch must be writable
 * before anything runs.
 */
static void validate_review(struct jail_config *cfg)
{
	autofree char *root = NULL;

	if (!cfg->review)
		return;
	root = review_state_root();
	if (path_in_view(cfg, root) || writable_inside(cfg, root) ||
	    is_ancestor_or_same(root, cfg->project))
		die("--review: the review directory \"%s\" would be visible "
		    "inside the jail; set XDG_STATE_HOME outside the project "
		    "and the bound paths",
		    root);
	if (cfg->home_src && is_ancestor_or_same(cfg->project, cfg->home_src))
		die("--review: --home \"%s\" lies inside the project and "
		    "would bypass the review",
		    cfg->home_src);
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == MOUNT_RW &&
		    is_ancestor_or_same(cfg->project, cfg->mounts[i].path))
			die("--review: --rw \"%s\" lies inside the project and "
			    "would bypass the review",
			    cfg->mounts[i].path);
	if (cfg->review == REVIEW_PATCH) {
		autofree char *dir = xstrdup(cfg->review_patch);
		struct stat st;

		*strrchr(dir, '/') = '\0';
		if (stat(cfg->review_patch, &st) == 0 && !S_ISREG(st.st_mode))
			die("--review=patch:%s: not a regular file",
			    cfg->review_patch);
		if (!cfg->explain)
			probe_writable(cfg->review_patch, dir[0] ? dir : "/");
	}
}

/* Cross-option rules, checked before anything is created */
static void config_validate(struct jail_config *cfg)
{
	const char *home = host_home();

	check_project(cfg, home);
	add_external_git_dir(cfg);
	cfg->home = normalize_path(home, "/");
	if (cfg->home_src) {
		struct stat st;

		if (stat(cfg->home_src, &st) < 0 || !S_ISDIR(st.st_mode))
			die("--home \"%s\": not a directory", cfg->home_src);
	}
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];
		struct stat st;

		if ((m->kind == MOUNT_RO || m->kind == MOUNT_RW) &&
		    !m->is_try && stat(m->path, &st) < 0)
			die("--%s \"%s\": %s; use --%s-try to ignore a "
			    "missing path",
			    m->kind == MOUNT_RO ? "ro" : "rw", m->path,
			    strerror(errno), m->kind == MOUNT_RO ? "ro" : "rw");
	}
	cfg->is_tty = isatty(STDIN_FILENO);
	resolve_command(cfg);
	validate_secrets(cfg);
	validate_ask(cfg);
	validate_review(cfg);
	if (cfg->log_path && writable_inside(cfg, cfg->log_path))
		warn("--log \"%s\": the jail can write there, so its events "
		     "could be forged; keep the log outside the project",
		     cfg->log_path);
}

static const char *origin_name(enum origin o)
{
	static const char *const names[] = { "default", "profile",
					     "/etc file", "user file",
					     "project file", "option" };

	return names[o];
}

/* ---- policy files and trust --------------------------------------- */

#define POLICY_FILE_MAX (1 << 20)

/*
 * Return: the file's bytes, NUL-terminated (caller frees), or NULL when it
 * does not exist. A file that exists but cannot be read is an error: a
 * policy the user wrote must never be skipped silently.
 */
static char *read_policy_file(const char *path, size_t *len)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return NULL;
		die_errno("policy file \"%s\"", path);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die("policy file \"%s\": not a regular file", path);
	if (st.st_size > POLICY_FILE_MAX)
		die("policy file \"%s\": larger than 1 MiB", path);
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

static void sha256_hex(const char *buf, size_t len, char out[65])
{
	uint8_t md[32];
	int err = crypto_sha256(buf, len, md);

	if (err < 0) {
		errno = -err;
		die_errno("sha256 of a policy file (libcrypto.so.3)");
	}
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static char *config_dir(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");

	if (x && x[0] == '/')
		return xasprintf("%s/jail", x);
	return xasprintf("%s/.config/jail", host_home());
}

static const struct opt_def *find_opt(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (!strcmp(opt_table[i].name, name))
			return &opt_table[i];
	return NULL;
}

/* Record every line of a policy file, checking keys and their shape */
static void record_file(struct opt_reqs *q, const char *path,
			const char *buf, size_t len, enum origin o)
{
	size_t lineno = 0;

	for (const char *l = buf; l < buf + len; lineno++) {
		const char *nl = memchr(l, '\n', (size_t)(buf + len - l));
		size_t ll = nl ? (size_t)(nl - l) : (size_t)(buf + len - l);
		char key[64], val[4096];
		const struct opt_def *d;
		int r = policy_parse_line(l, ll, key, sizeof(key), val,
					  sizeof(val));

		l += ll + (nl ? 1 : 0);
		if (r < 0)
			die("%s:%zu: malformed line", path, lineno + 1);
		if (r == 0)
			continue;
		d = find_opt(key);
		if (!d && nearest_option(key))
			die("%s:%zu: unknown option \"%s\"; did you mean "
			    "\"%s\"?",
			    path, lineno + 1, key, nearest_option(key)->name);
		if (!d)
			die("%s:%zu: unknown option \"%s\"", path, lineno + 1,
			    key);
		if (!(d->flags & OPTF_FILE) ||
		    (o == ORIGIN_PROJECT_FILE && (d->flags & OPTF_NOT_PROJECT)))
			die("%s:%zu: \"%s\" is not allowed in %s", path,
			    lineno + 1, key,
			    o == ORIGIN_PROJECT_FILE ? "a project's .jail.conf"
						     : "a policy file");
		if (d->has_arg == 1 && !val[0])
			die("%s:%zu: \"%s\" needs a value", path, lineno + 1,
			    key);
		if (!d->has_arg && val[0])
			die("%s:%zu: \"%s\" takes no value", path, lineno + 1,
			    key);
		/* @val is "" for an option without a value */
		record(q, d->id, val, o,
		       xasprintf("%s:%zu", path, lineno + 1));
	}
}

static char *trust_store(void)
{
	autofree char *dir = config_dir();

	return xasprintf("%s/trusted", dir);
}

/* Is "@hash @path" a line of the trust store? */
static bool is_trusted(const char *path, const char *hash)
{
	autofree char *store = trust_store();
	autofclose FILE *f = fopen(store, "re");
	autofree char *line = NULL;
	size_t cap = 0;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) > 65 && !strncmp(line, hash, 64) &&
		    line[64] == ' ' && !strcmp(line + 65, path))
			return true;
	}
	return false;
}

/*
 * A project's .jail.conf lives where the jailed command may have written
 * it: it counts only when its exact bytes were trusted by the user.
 */
static void load_project_file(struct jail_config *cfg, struct opt_reqs *q)
{
	autofree char *path = xasprintf("%s/.jail.conf", cfg->project);
	autofree char *buf = NULL;
	char hash[65];
	size_t len = 0;

	buf = read_policy_file(path, &len);
	if (!buf)
		return;
	sha256_hex(buf, len, hash);
	if (!is_trusted(path, hash))
		die("project policy \"%s\" is not trusted (new, or changed "
		    "since it was trusted); review it, then run: jail trust "
		    "\"%s\"",
		    path, path);
	record_file(q, path, buf, len, ORIGIN_PROJECT_FILE);
	cfg->files[cfg->n_files++] = TAKE_PTR(path);
}

static void load_file(struct jail_config *cfg, struct opt_reqs *q,
		      char *path, enum origin o)
{
	autofree char *buf = NULL;
	size_t len = 0;

	buf = read_policy_file(path, &len);
	if (!buf) {
		free(path);
		return;
	}
	record_file(q, path, buf, len, o);
	cfg->files[cfg->n_files++] = path;
}

/* ---- profiles ------------------------------------------------------ */

/*
 * A profile's secret applies only when the host has the variable set (and
 * the network is filtered, checked in config_validate()): then its base
 * URL variable points the client at the broker. A base URL the host sets
 * itself (a gateway of its own) is left alone, and so is the secret.
 */
static void apply_profile_secret(struct jail_config *cfg,
				 const struct profile_entry *e)
{
	autofree char *name = strndup(e->value, strcspn(e->value, "@"));
	autofree char *url = e->env ? strndup(e->env, strcspn(e->env, "=")) :
				      NULL;
	const char *v = name ? getenv(name) : NULL;
	const char *host_url = url ? getenv(url) : NULL;

	if (!v || !*v || (host_url && *host_url))
		return;
	secrets_add(cfg, e->value, ORIGIN_PROFILE);
	if (e->env)
		add_env(cfg, e->env);
}

/* A host the profile's agent contacts in the background (PROF_QUIET) */
static void add_quiet(struct jail_config *cfg, const char *spec)
{
	struct net_rule r;

	if (policy_parse_rule(spec, &r) < 0 || cfg->n_quiet >= JAIL_MAX_QUIET)
		die("profile: bad quiet host \"%s\"", spec);
	r.origin = ORIGIN_PROFILE;
	r.where = applying_where;
	cfg->quiet[cfg->n_quiet++] = r;
}

static void apply_profile(struct jail_config *cfg, const struct profile *p)
{
	applying_where = xasprintf("profile %s", p->name);
	for (size_t i = 0; i < p->n; i++) {
		const struct profile_entry *e = &p->e[i];

		switch (e->kind) {
		case PROF_RW_TRY:
			add_mount(cfg, MOUNT_RW, e->value, true,
				  ORIGIN_PROFILE);
			break;
		case PROF_RO_TRY:
			add_mount(cfg, MOUNT_RO, e->value, true,
				  ORIGIN_PROFILE);
			break;
		case PROF_PROTECT:
			add_mount(cfg, MOUNT_PROTECT, e->value, true,
				  ORIGIN_PROFILE);
			break;
		case PROF_COPY:
			add_mount(cfg, MOUNT_COPY, e->value, true,
				  ORIGIN_PROFILE);
			break;
		case PROF_ALLOW:
			add_rule(cfg, true, e->value, ORIGIN_PROFILE);
			break;
		case PROF_ENV:
			add_env(cfg, e->value);
			break;
		case PROF_SECRET:
			apply_profile_secret(cfg, e);
			break;
		case PROF_QUIET:
			add_quiet(cfg, e->value);
			break;
		}
	}
	applying_where = NULL;
	cfg->profile = p->name;
}

/* The highest-precedence request of @id (command line over files) */
static const struct opt_req *last_req(const struct opt_reqs *q, int id)
{
	const struct opt_req *best = NULL;

	for (size_t i = 0; i < q->n; i++)
		if (q->r[i].id == id &&
		    (!best || q->r[i].origin >= best->origin))
			best = &q->r[i];
	return best;
}

static void choose_profile(struct jail_config *cfg, const struct opt_reqs *q)
{
	const struct opt_req *p = last_req(q, OPT_PROFILE);
	const struct opt_req *np = last_req(q, OPT_NO_PROFILE);
	const struct profile *prof;
	const char *base;

	if (np && (!p || np->origin >= p->origin))
		return;
	if (p) {
		prof = profile_find(p->arg);
		if (!prof)
			die("--profile \"%s\": no such profile; built in: "
			    "claude, codex, gemini, aider, opencode",
			    p->arg);
		apply_profile(cfg, prof);
		return;
	}
	base = strrchr(cfg->argv[0], '/');
	base = base ? base + 1 : cfg->argv[0];
	prof = profile_find(base);
	if (prof)
		apply_profile(cfg, prof);
}

static void resolve_project(struct jail_config *cfg, const struct opt_reqs *q)
{
	const struct opt_req *p = last_req(q, OPT_PROJECT);
	autofree char *want = p ? normalize_path(p->arg, cfg->cwd) :
				  detect_project(cfg->cwd);
	char *real = realpath(want, NULL);

	if (!real)
		die_errno("project \"%s\"", want);
	cfg->project = real;
}

void config_add_toolchain_mount(struct jail_config *cfg, enum mount_kind kind,
				const char *path, const char *why)
{
	applying_where = why;
	add_mount(cfg, kind, path, kind == MOUNT_RO, ORIGIN_DEFAULT);
	applying_where = NULL;
}

/*
 * The jail's ~/.gitconfig, unless the home is the user's own (--home), a
 * bind of the user's already covers it, or --no-git-config
 */
static void add_git_identity(struct jail_config *cfg)
{
	autofree char *path = xasprintf("%s/.gitconfig", cfg->home);

	if (cfg->home_src || cfg->no_git_config)
		return;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (!strcmp(cfg->mounts[i].path, path) ||
		    !strcmp(cfg->mounts[i].path, cfg->home))
			return;
	gitident_build(cfg, host_home());
}

void config_load(struct jail_config *cfg, int argc, char **argv)
{
	struct opt_reqs q = { 0 };

	config_init(cfg);
	parse_args(cfg, argc, argv, &q);
	if (cfg->help)
		return;
	load_file(cfg, &q, xstrdup("/etc/jail/jail.conf"),
		  ORIGIN_SYSTEM_FILE);
	load_file(cfg, &q, xasprintf("%s/jail.conf", config_dir()),
		  ORIGIN_USER_FILE);
	resolve_project(cfg, &q);
	load_project_file(cfg, &q);
	choose_profile(cfg, &q);
	apply_all(cfg, &q, ORIGIN_SYSTEM_FILE, ORIGIN_OPTION);
	config_validate(cfg);
	/* After validation, which settles the home */
	add_git_identity(cfg);
	if (!cfg->home_src && !cfg->no_toolchains)
		toolchains_add(cfg, host_home(), getenv("PATH"));
}

/* ---- jail trust ---------------------------------------------------- */

static void write_trust_store(const char *path, const char *hash)
{
	autofree char *dir = config_dir();
	autofree char *store = trust_store();
	autofree char *tmp = xasprintf("%s.%d", store, (int)getpid());
	autofree char *line = NULL;
	autofclose FILE *in = NULL;
	FILE *out;
	size_t cap = 0;

	/* ~/.config may not exist yet */
	{
		autofree char *parent = xstrdup(dir);
		char *slash = strrchr(parent, '/');

		if (slash && slash != parent) {
			*slash = '\0';
			mkdir(parent, 0700);
		}
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			die_errno("create \"%s\"", dir);
	}
	out = fopen(tmp, "we");
	if (!out)
		die_errno("write \"%s\"", tmp);
	in = fopen(store, "re");
	while (in && getline(&line, &cap, in) > 0) {
		size_t n = strcspn(line, "\n");

		/* One line per file: an older hash of it is dropped */
		if (n > 65 && line[64] == ' ' && strlen(path) == n - 65 &&
		    !strncmp(line + 65, path, n - 65))
			continue;
		fputs(line, out);
	}
	fprintf(out, "%s %s\n", hash, path);
	if (fflush(out) != 0 || fsync(fileno(out)) < 0 || fclose(out) != 0)
		die_errno("write \"%s\"", tmp);
	if (rename(tmp, store) < 0)
		die_errno("rename \"%s\"", tmp);
}

static int trust_usage(void)
{
	printf("Usage: jail trust [--yes] [FILE]\n"
	       "Show a project's policy file (default: .jail.conf at the "
	       "project's top)\nin plain words, mark what is dangerous, and "
	       "record its SHA-256 as trusted.\nIt asks first on a terminal; "
	       "--yes (or -y) trusts without asking.\nA project file counts "
	       "only while its bytes are the ones trusted.\n");
	return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
}

static const struct opt_def *opt_by_id(int id)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (opt_table[i].id == id)
			return &opt_table[i];
	return NULL;
}

/* Print each line of the file in plain words; Return: how many are marked */
static size_t show_grants(const struct jail_config *cfg, const char *path,
			  const struct opt_reqs *q)
{
	size_t n_danger = 0;

	printf("%s grants:\n", path);
	for (size_t i = 0; i < q->n; i++) {
		const struct opt_req *r = &q->r[i];
		const struct opt_def *d = opt_by_id(r->id);
		autofree char *abs = NULL;
		const char *line = strrchr(r->where, ':');
		struct trust_grant g;

		if (d->metavar && (!strcmp(d->metavar, "PATH") ||
				   !strcmp(d->metavar, "DIR")))
			abs = normalize_path(r->arg, cfg->project);
		trust_describe(d->name, r->arg, abs, host_home(), cfg->project,
			       &g);
		n_danger += g.danger != NULL;
		printf("  %s line %-3s %s%s%s\n", g.danger ? "!" : " ",
		       line ? line + 1 : "?", g.text, g.danger ? ": " : "",
		       g.danger ? g.danger : "");
	}
	if (!q->n)
		printf("  nothing (no option)\n");
	return n_danger;
}

int config_trust_main(int argc, char **argv)
{
	struct jail_config *scratch = xcalloc(1, sizeof(*scratch));
	struct opt_reqs q = { 0 };
	autofree char *path = NULL;
	autofree char *buf = NULL;
	bool is_yes = false;
	char hash[65];
	size_t len = 0, n_danger;

	config_init(scratch);
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return trust_usage();
	if (argc > 1 && (!strcmp(argv[1], "--yes") || !strcmp(argv[1], "-y"))) {
		is_yes = true;
		argc--;
		argv++;
	}
	if (argc > 2)
		die("usage: jail trust [--yes] [FILE]");
	if (argc == 2) {
		path = realpath(argv[1], NULL);
		if (!path)
			die_errno("trust \"%s\"", argv[1]);
	} else {
		autofree char *proj = detect_project(scratch->cwd);

		path = xasprintf("%s/.jail.conf", proj);
	}
	buf = read_policy_file(path, &len);
	if (!buf)
		die("trust \"%s\": no such file", path);
	/* Never trust a file that would be refused when it is read */
	scratch->project = xstrdup(path);
	*strrchr(scratch->project, '/') = '\0';
	record_file(&q, path, buf, len, ORIGIN_PROJECT_FILE);
	apply_all(scratch, &q, ORIGIN_PROJECT_FILE, ORIGIN_PROJECT_FILE);
	n_danger = show_grants(scratch, path, &q);
	fflush(stdout);
	if (!trust_confirm(path, n_danger, is_yes)) {
		printf("not trusted: %s\n", path);
		return fflush(stdout) == 0 ? 1 : EXIT_JAIL_FAILED;
	}
	sha256_hex(buf, len, hash);
	write_trust_store(path, hash);
	printf("trusted %s (sha256 %.16s...)\n", path, hash);
	return 0;
}

const char *config_host_home(void)
{
	return host_home();
}

/*
 * /dev/shm/jail-UID, made private to us, or NULL. /dev/shm is sticky, so
 * once the directory is ours with mode 0700 nobody else can rename,
 * replace or enter it; one squatted by another user is not used.
 */
static char *private_shm_dir(void)
{
	char *dir = xasprintf("/dev/shm/jail-%u", (unsigned)getuid());
	struct stat sb;

	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || lstat(dir, &sb) < 0 ||
	    !S_ISDIR(sb.st_mode) || sb.st_uid != getuid() ||
	    (sb.st_mode & 077)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/*
 * $XDG_RUNTIME_DIR/jail, else /dev/shm/jail-UID, else
 * $XDG_STATE_HOME/jail/run: never inside any jail's view (the jail's
 * $HOME, /run and /dev/shm are fresh tmpfs mounts). Entries here live as
 * long as a jail runs, so a memory filesystem suits them: a disk would
 * create and delete an inode at every run.
 */
char *jail_runtime_dir(void)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	const char *st = getenv("XDG_STATE_HOME");
	struct stat sb;
	char *shm;

	if (rt && rt[0] == '/' && stat(rt, &sb) == 0 && S_ISDIR(sb.st_mode))
		return xasprintf("%s/jail", rt);
	shm = private_shm_dir();
	if (shm)
		return shm;
	if (st && st[0] == '/')
		return xasprintf("%s/jail/run", st);
	return xasprintf("%s/.local/state/jail/run", config_host_home());
}

static const char *mount_why(const struct mount_req *m)
{
	if (m->origin != ORIGIN_DEFAULT || m->where)
		return "";
	if (m->is_gitdir)
		return m->kind == MOUNT_RW ? ": git dir of this worktree" :
					     ": git dir of this worktree, "
					     "read-only under --review";
	return m->kind == MOUNT_PROTECT ? ": git metadata" :
					  ": command outside the view";
}

static void explain_gitconfig(const struct jail_config *cfg)
{
	if (cfg->gitconfig)
		printf("  %-8s %s/.gitconfig: generated from the host's git "
		       "configuration with %s only  (default; "
		       "--no-git-config)\n",
		       "ro", cfg->home, cfg->gitconfig_keys);
}

static void explain_mounts(const struct jail_config *cfg)
{
	static const char *const kinds[] = { "ro", "rw", "hide", "tmpfs",
					     "protect", "copy" };
	char *prot[JAIL_MAX_MOUNTS + 32];
	size_t n;

	printf("Filesystem\n");
	printf("  %-8s %s  (default: git top-level or current directory)\n",
	       cfg->review ? "overlay" : "rw", cfg->project);
	printf("  %-8s /usr /bin /sbin /lib* /etc /opt  (default)\n", "ro");
	printf("  %-8s /etc/shadow /etc/gshadow /etc/sudoers /etc/sudoers.d "
	       "/etc/ssh/ssh_host_*_key  (default)\n", "hide");
	printf("  %-8s /tmp /var/tmp /run /dev/shm  (default)\n", "tmpfs");
	printf("  %-8s /proc of the jail, /sys read-only, minimal /dev  "
	       "(default)\n", "special");
	if (cfg->home_src)
		printf("  %-8s %s from %s  (option)\n", "rw", cfg->home,
		       cfg->home_src);
	else
		printf("  %-8s %s  (default: throwaway home)\n", "tmpfs",
		       cfg->home);
	explain_gitconfig(cfg);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];

		if (m->kind == MOUNT_PROTECT)
			continue;
		printf("  %-8s %s%s  (%s%s)\n", kinds[m->kind], m->path,
		       m->is_try ? " (if present)" : "",
		       m->where ? m->where : origin_name(m->origin),
		       mount_why(m));
	}
	if (cfg->review) {
		autofree char *root = review_state_root();

		printf("  %-8s the project's changes go to %s/ID/upper, "
		       "outside the view, until reviewed  (%s)\n",
		       "review", root,
		       cfg->review == REVIEW_PATCH ? "--review=patch" :
		       cfg->review == REVIEW_KEEP  ? "--review=keep" :
						     "--review");
	}
	n = fsview_protected(cfg, prot, ARRAY_SIZE(prot));
	for (size_t i = 0, k = 0; i < n; i++) {
		const char *why = "default", *extra = "";

		if (i >= fsview_n_default_protect) {
			while (cfg->mounts[k].kind != MOUNT_PROTECT)
				k++;
			why = cfg->mounts[k].where ? cfg->mounts[k].where :
				origin_name(cfg->mounts[k].origin);
			extra = mount_why(&cfg->mounts[k++]);
		}
		printf("  %-8s %s  (%s%s)\n", "protect", prot[i], why, extra);
		free(prot[i]);
	}
}

static void explain_rules(const char *what, const struct net_rule *r,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[600];

		if (policy_format_rule(&r[i], buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "%s", r[i].pattern);
		printf("  %-8s %s%s  (%s)\n", what, buf,
		       r[i].n_ports ? "" : ":80,443",
		       r[i].where ? r[i].where : origin_name(r[i].origin));
	}
}

void config_explain(const struct jail_config *cfg)
{
	int abi = landlock_abi();

	printf("jail %s: resolved policy for \"%s\"\n\n", JAIL_VERSION,
	       cfg->argv[0]);
	printf("Command   %s\n",
	       cfg->cmd_path ? cfg->cmd_path : "(searched on PATH inside)");
	printf("Profile   %s\n", cfg->profile ? cfg->profile : "none");
	printf("Files     ");
	for (size_t i = 0; i < cfg->n_files; i++)
		printf("%s%s", i ? ", " : "", cfg->files[i]);
	printf("%s\n\n", cfg->n_files ? "" : "none");
	explain_mounts(cfg);
	printf("\nNetwork   %s  (%s)\n",
	       cfg->net == NET_HOST ? "host (unfiltered: the host's network)" :
	       cfg->net == NET_FILTERED ? "filtered (through the forwarder)" :
					  "none (loopback only)",
	       cfg->net_where ? cfg->net_where : "default");
	explain_rules("allow", cfg->allow, cfg->n_allow);
	explain_rules("deny", cfg->deny, cfg->n_deny);
	if (cfg->ask)
		explain_rules("quiet", cfg->quiet, cfg->n_quiet);
	if (cfg->allow_private)
		printf("  %-8s private, loopback and link-local destinations  "
		       "(%s)\n", "allow", cfg->allow_private_where);
	if (cfg->ask)
		printf("  %-8s names no rule decides are held and asked; "
		       "denied after %llu s%s%s\n",
		       "ask", cfg->ask_timeout,
		       cfg->approve_cmd ? "; --approve-cmd " : "",
		       cfg->approve_cmd ? cfg->approve_cmd : "");
	for (size_t i = 0; i < cfg->n_hold_push; i++)
		printf("  %-8s %s: git over SSH (port 22) refused; HTTPS "
		       "pushes intercepted and held until answered\n",
		       "hold", cfg->hold_push[i]);
	printf("\nProcess   new user, mount, pid, ipc, uts, cgroup%s "
	       "namespaces; no capabilities; no_new_privs\n",
	       cfg->net == NET_HOST ? "" : ", net");
	printf("  %s%s\n", filter_describe(),
	       cfg->seccomp_log ? "; refusals logged" : "");
	if (abi > 0)
		printf("  landlock: ABI %d, writes only below the writable "
		       "paths\n", abi);
	else
		printf("  landlock: absent on this kernel (layer not "
		       "applied)\n");
	printf("  environment: cleared; PATH HOME USER LOGNAME SHELL TERM "
	       "COLORTERM LANG LC_* TZ EDITOR VISUAL PAGER NO_COLOR kept\n");
	for (size_t i = 0; i < cfg->n_env; i++)
		printf("  env      %s%s  (%s)\n", cfg->env[i].name,
		       cfg->env[i].value ? "=(set)" : " (from the host)",
		       cfg->env[i].where ? cfg->env[i].where : "option");
	if (cfg->timeout_ms)
		printf("  timeout  %llu ms\n", cfg->timeout_ms);
	for (size_t i = 0; i < cfg->n_secrets; i++) {
		const struct secret_req *sr = &cfg->secrets[i];

		printf("  secret   %s (from %s%s) for", sr->name,
		       sr->file ? "file " : "the host environment",
		       sr->file ? sr->file : "");
		for (size_t k = 0; k < sr->n_hosts; k++)
			printf(" %s", sr->hosts[k]);
		printf(", base URL http://%s%s or TLS to https://%s "
		       "(intercepted)  (%s)\n",
		       sr->hosts[0], SECRETS_BROKER_SUFFIX, sr->hosts[0],
		       origin_name(sr->origin));
	}
	if ((cfg->n_secrets || cfg->n_hold_push) && cfg->net == NET_FILTERED)
		printf("  ca       a CA of this run for the intercepted hosts, in the "
		       "system CA bundle and SSL_CERT_FILE NODE_EXTRA_CA_CERTS "
		       "REQUESTS_CA_BUNDLE CURL_CA_BUNDLE GIT_SSL_CAINFO\n");
}


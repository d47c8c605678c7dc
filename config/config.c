// SPDX-License-Identifier: MIT
/*
 * config.c - config_load(): options, files and the agent profile, in the contract's order
 */
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
#include "config/config.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "host/host.h"
#include "config/internal.h"

static void make_id(struct jail_config *cfg)
{
	uint8_t r[8];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		die_errno("getrandom");
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(cfg->id + 2 * i, 3, "%02x", r[i]);
}

void config_init(struct jail_config *cfg)
{
	char buf[PATH_MAX];

	/*
	 * @cfg comes zeroed from xcalloc(): its 240 KiB are mostly unused
	 * mount slots, and clearing them again would fault in every page
	 * (and make each fork() of the setup copy them)
	 */
	if (!getcwd(buf, sizeof(buf)))
		die_errno("current directory");
	cfg->cwd = xstrdup(buf);
	cfg->uid = getuid();
	cfg->gid = getgid();
	cfg->net = NET_FILTERED;
	make_id(cfg);
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
		config_add_env(cfg, e->env);
}

/*
 * A profile path the agent writes in normal use: protected where it
 * exists; where it does not, a private tmpfs (over a placeholder made at
 * start) takes the agent's writes and is discarded at exit
 */
static void add_private(struct jail_config *cfg, const char *path)
{
	autofree char *abs = config_normalize_path(path, cfg->cwd);
	struct stat st;

	if (lstat(abs, &st) == 0 || errno != ENOENT) {
		config_add_mount(cfg, MOUNT_PROTECT, path, true, ORIGIN_PROFILE);
		return;
	}
	config_add_mount(cfg, MOUNT_TMPFS, path, true, ORIGIN_PROFILE);
	cfg->mounts[cfg->n_mounts - 1].is_private = true;
	cfg->mounts[cfg->n_mounts - 1].why =
		": absent; a private copy, discarded at exit";
}

/* A host the profile's agent contacts in the background (PROF_QUIET) */
static void add_quiet(struct jail_config *cfg, const char *spec)
{
	struct net_rule r;

	if (policy_parse_rule(spec, &r) < 0 || cfg->n_quiet >= JAIL_MAX_QUIET)
		die("profile: bad quiet host \"%s\"", spec);
	r.origin = ORIGIN_PROFILE;
	r.where = config_applying_where;
	cfg->quiet[cfg->n_quiet++] = r;
}

static void apply_profile(struct jail_config *cfg, const struct profile *p)
{
	config_applying_where = xasprintf("profile %s", p->name);
	for (size_t i = 0; i < p->n; i++) {
		const struct profile_entry *e = &p->e[i];

		switch (e->kind) {
		case PROF_RW_TRY:
			config_add_mount(cfg, MOUNT_RW, e->value, true,
				  ORIGIN_PROFILE);
			break;
		case PROF_RO_TRY:
			config_add_mount(cfg, MOUNT_RO, e->value, true,
				  ORIGIN_PROFILE);
			break;
		case PROF_PROTECT:
			config_add_mount(cfg, MOUNT_PROTECT, e->value, true,
				  ORIGIN_PROFILE);
			break;
		case PROF_PRIVATE:
			add_private(cfg, e->value);
			break;
		case PROF_COPY:
			config_add_mount(cfg, MOUNT_COPY, e->value, true,
				  ORIGIN_PROFILE);
			break;
		case PROF_ALLOW:
			config_add_rule(cfg, true, e->value, ORIGIN_PROFILE);
			break;
		case PROF_ENV:
			config_add_env(cfg, e->value);
			break;
		case PROF_SECRET:
			apply_profile_secret(cfg, e);
			break;
		case PROF_QUIET:
			add_quiet(cfg, e->value);
			break;
		}
	}
	config_applying_where = NULL;
	cfg->profile = p->name;
}

static void choose_profile(struct jail_config *cfg, const struct opt_reqs *q)
{
	const struct opt_req *p = config_last_req(q, OPT_PROFILE);
	const struct opt_req *np = config_last_req(q, OPT_NO_PROFILE);
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
	const struct opt_req *p = config_last_req(q, OPT_PROJECT);
	autofree char *want = p ? config_normalize_path(p->arg, cfg->cwd) :
				  config_detect_project(cfg->cwd);
	char *real = realpath(want, NULL);

	if (!real)
		die_errno("project \"%s\"", want);
	cfg->project = real;
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
	gitident_build(cfg, config_host_home());
}

void config_load(struct jail_config *cfg, int argc, char **argv)
{
	struct opt_reqs q = { 0 };

	config_init(cfg);
	config_parse_args(cfg, argc, argv, &q);
	if (cfg->help)
		return;
	config_load_file(cfg, &q, xstrdup("/etc/jail/jail.conf"),
		  ORIGIN_SYSTEM_FILE);
	config_load_file(cfg, &q, xasprintf("%s/jail.conf", config_dir()),
		  ORIGIN_USER_FILE);
	resolve_project(cfg, &q);
	config_load_project_file(cfg, &q);
	choose_profile(cfg, &q);
	config_apply_all(cfg, &q, ORIGIN_SYSTEM_FILE, ORIGIN_OPTION);
	config_validate(cfg);
	/* After validation, which settles the home */
	add_git_identity(cfg);
	if (!cfg->home_src && !cfg->no_toolchains)
		toolchains_add(cfg, config_host_home(), getenv("PATH"));
}

void config_add_toolchain_mount(struct jail_config *cfg, enum mount_kind kind,
				const char *path, const char *why)
{
	config_applying_where = why;
	config_add_mount(cfg, kind, path, kind == MOUNT_RO, ORIGIN_DEFAULT);
	config_applying_where = NULL;
}

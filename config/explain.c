// SPDX-License-Identifier: MIT
/*
 * explain.c - --explain: the resolved policy and why each piece is there
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
#include "setup.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "host/host.h"
#include "config/internal.h"

const char *config_origin_name(enum origin o)
{
	static const char *const names[] = { "default", "profile",
					     "/etc file", "user file",
					     "project file", "option" };

	return names[o];
}

static const char *mount_why(const struct mount_req *m)
{
	if (m->why)
		return m->why;
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
		       m->where ? m->where : config_origin_name(m->origin),
		       mount_why(m));
	}
	if (cfg->gitdir_why)
		printf("  %-8s .git file followed: %s  (default)\n", "git",
		       cfg->gitdir_why);
	if (cfg->review) {
		autofree char *root = review_state_root();

		printf("  %-8s the project's changes go to %s/ID/upper, "
		       "outside the view, until reviewed  (%s)\n",
		       "review", root,
		       cfg->review == REVIEW_PATCH ? "--review=patch" :
		       cfg->review == REVIEW_KEEP  ? "--review=keep" :
						     "--review");
	}
	for (size_t i = 0; cfg->git && i < cfg->git->n_dirs; i++)
		printf("  %-8s %s  (default: private copy; objects, refs "
		       "shared; logs an overlay whose reflogs are copied back "
		       "(shared where the kernel has no overlayfs); HEAD, "
		       "index and operation state copied back, checked; "
		       "config, hooks and the rest read-only)\n",
		       "git", cfg->git->dir[i]);
	if (cfg->git && cfg->git->is_truncated)
		printf("  %-8s the search for git dirs stopped at its bounds "
		       "(depth %d, %d dirs)\n", "git", 3, GITGUARD_MAX_DIRS);
	n = fsview_protected(cfg, prot, ARRAY_SIZE(prot));
	for (size_t i = 0, k = 0; i < n; i++) {
		const char *why = "default", *extra = "";
		autofree char *reason = NULL;

		if (i < fsview_n_default_protect) {
			reason = xasprintf(": %s", fsview_default_protect_why[i]);
			extra = reason;
		} else {
			while (cfg->mounts[k].kind != MOUNT_PROTECT)
				k++;
			why = cfg->mounts[k].where ? cfg->mounts[k].where :
				config_origin_name(cfg->mounts[k].origin);
			extra = mount_why(&cfg->mounts[k++]);
		}
		printf("  %-8s %s  (%s%s)\n", "protect", prot[i], why, extra);
		free(prot[i]);
	}
	printf("  %-8s a .envrc below the top (direnv loads it on cd), a "
	       "NAME.code-workspace anywhere (VS Code runs its tasks when "
	       "opened), a .exrc, .vimrc, .nvimrc or .nvim.lua anywhere (Vim "
	       "with 'exrc' runs it), made or changed during the run: moved "
	       "aside to NAME.jail-quarantine at exit  (default)\n", "exit");
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
		       r[i].where ? r[i].where : config_origin_name(r[i].origin));
	}
}

static void explain_tty(const struct jail_config *cfg)
{
	const char *o = cfg->tty_allow ? config_origin_name(cfg->tty_allow_origin) :
					 "default";

	if (cfg->tty_allow & TTY_ALLOW_RAW)
		printf("  terminal: COMMAND's output passes unfiltered  (%s: "
		       "--tty-allow raw)\n", o);
	else if (cfg->tty_allow & TTY_ALLOW_CLIPBOARD)
		printf("  terminal: COMMAND's output filtered; clipboard "
		       "writes (OSC 52) pass  (%s: --tty-allow clipboard)\n", o);
	else
		printf("  terminal: COMMAND's output filtered: no clipboard, "
		       "file transfer, DCS/APC/PM/SOS or reports answered as "
		       "input  (default)\n");
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
	for (size_t i = 0; i < cfg->n_publish; i++)
		printf("  %-8s the host's 127.0.0.1:%u reaches TCP port %u "
		       "inside (a server there must listen on 0.0.0.0)  "
		       "(%s)\n", "publish", cfg->publish[i].host_port,
		       cfg->publish[i].port, cfg->publish[i].where);
	printf("\nProcess   new user, mount, pid, ipc, uts, cgroup%s "
	       "namespaces; no capabilities; no_new_privs\n",
	       cfg->net == NET_HOST ? "" : ", net");
	printf("  %s%s\n", filter_describe(),
	       cfg->seccomp_log ? "; refusals logged" : "");
	printf("  exec log: %s\n",
	       cfg->no_exec_log ? "off (--no-exec-log)" :
				  "each program started inside is recorded "
				  "(exec events, as claimed; not a fence)");
	if (abi > 0)
		printf("  landlock: ABI %d, writes only below the writable "
		       "paths\n", abi);
	else
		printf("  landlock: absent on this kernel (layer not "
		       "applied)\n");
	explain_tty(cfg);
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
		char scope[2 * SECRETS_SCOPE_MAX * SECRETS_SCOPE_PATH_MAX];

		printf("  secret   %s (from %s%s) for", sr->name,
		       sr->file ? "file " : "the host environment",
		       sr->file ? sr->file : "");
		for (size_t k = 0; k < sr->n_hosts; k++)
			printf(" %s", sr->hosts[k]);
		if (scope_format(&sr->scope, scope, sizeof(scope)) > 0)
			printf(" (only %s)", scope);
		printf(", base URL http://%s%s or TLS to https://%s "
		       "(intercepted)  (%s)\n",
		       sr->hosts[0], SECRETS_BROKER_SUFFIX, sr->hosts[0],
		       config_origin_name(sr->origin));
	}
	if ((cfg->n_secrets || cfg->n_hold_push) && cfg->net == NET_FILTERED)
		printf("  ca       a CA of this run for the intercepted hosts, in the "
		       "system CA bundle and SSL_CERT_FILE NODE_EXTRA_CA_CERTS "
		       "REQUESTS_CA_BUNDLE CURL_CA_BUNDLE GIT_SSL_CAINFO\n");
}

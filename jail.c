// SPDX-License-Identifier: MIT
/*
 * jail.c - main(): the subcommands, and run_jail(): the ordered setup
 *
 * Theory of operation (the order of the steps, and why):
 *  1. The configuration is read and validated (config/), then nothing
 *     changes it; stray descriptors are closed.
 *  2. Host resources the run needs are opened while we are still the only
 *     process, into struct jail_run beside the configuration: the CA
 *     bundle's memfd (--secret, --hold-push), the log's name, the review's
 *     overlay directories (--review), the cgroup with the limits.
 *  3. The setup child is clone()d into new user, mount, pid, ipc, uts and
 *     cgroup namespaces (child.c); the network namespaces (the jail's,
 *     and under --net filtered the gateway's) it makes itself after
 *     "go", while the view is built (netns.c). It forks the command
 *     child at once; both build while we write the uid/gid maps.
 *  4. Only after the clone is the jail's CA made (secrets), so no process
 *     of the jail ever held its key; then "go" is sent.
 *  5. While the jail builds its view and network, the placeholders of
 *     absent protected paths are made (placeholder.c; the view waits for
 *     MSG_PLACEHOLDERS before it binds the trees that hold them), the
 *     audit log gets its start line and the registry its entry
 *     (host/record.c); COMMAND waits for MSG_LOG_READY, so nothing runs
 *     unrecorded. Before that the keeper is forked (run/keeper.c), so
 *     the exit checks run even if we are killed while COMMAND runs.
 *  6. The supervisor loop (supervisor.c) relays the terminal, forwards
 *     signals, takes the gateway's sockets (sent on a socket of their
 *     own, so that they wake no one during the setup) and starts the
 *     forwarder with them once COMMAND runs, serves asks, and ends when
 *     pid 1 is reaped.
 *  7. Then, in this order: asks and the forwarder stop (once it says its
 *     last lines are in the log, its exit goes on meanwhile and is
 *     reaped last), the terminal is restored, the exit checks run
 *     (protected paths, placeholders, the private git dirs' copy-back,
 *     new repositories) and the keeper is told they did, the cgroup
 *     goes, and under --review the changes are
 *     shown and landed or kept only now, when nothing of the jail can
 *     still change them; the exit line and the summary come last.
 *
 * Errors in either child are sent to the supervisor as one line and
 * printed there, after the user's terminal has been restored.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>

#include "jail.h"
#include "setup.h"
#include "run/run.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "cmd/cmd.h"
#include "host/host.h"
#include "parse/parse.h"

static const struct jail_run *review_run;	/* --review, until done */
static bool review_done;

/* Close inherited descriptors but stdio and --keep-fd ones (STYLE 5) */
static void close_stray_fds(const struct jail_config *cfg)
{
	int err = creds_close_fds(cfg, -1);

	if (err < 0) {
		errno = -err;
		die_errno("close inherited descriptors");
	}
}

/*
 * No network namespace: the setup child makes the jail's (and under --net
 * filtered the gateway's) after "go", while the view is built (child.c,
 * netns.c); a new one costs more than all the other namespaces together
 */
#define JAIL_CLONE_FLAGS                                                  \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |      \
	 CLONE_NEWUTS | CLONE_NEWCGROUP)

static void explain_clone_error(int err)
{
	const char *hint = hints_userns_refusal(err);

	if (err == EPERM || err == ENOSPC || err == EACCES || err == EINVAL)
		die("user namespaces: creation refused by the kernel (%s); %s",
		    strerrorname_np(err) ? strerrorname_np(err) : "error",
		    hint ? hint : "see jail(1) NOTES");
	errno = err;
	die_errno("clone");
}

/*
 * clone() the setup child into its namespaces; with a cgroup, clone3()
 * starts it inside, so nothing of the jail ever runs outside the limits.
 */
static pid_t clone_jail(int cg_fd)
{
	struct clone_args args = {
		.flags = JAIL_CLONE_FLAGS | CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cg_fd,
	};

	if (cg_fd < 0)
		return (pid_t)syscall(SYS_clone, JAIL_CLONE_FLAGS | SIGCHLD,
				      NULL, NULL, NULL, NULL);
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/*
 * Context: supervisor, after "go", while the jail builds its namespaces
 * and view. A failure here is fatal before COMMAND runs: COMMAND waits
 * for MSG_LOG_READY, and pid 1 dies with us.
 */
static void start_log(struct jail_run *run, pid_t jail_pid, int chan_fd)
{
	char ready = MSG_LOG_READY;
	int err = record_open_log(run);

	if (!err)
		err = record_start(run);
	if (err) {
		/* Reaped first, so that the error is the only line */
		kill(jail_pid, SIGKILL);
		waitpid(jail_pid, NULL, 0);
		errno = -err;
		die_errno("audit log \"%s\"", run->log_path);
	}
	record_register(run);
	/* A jail that already died has reported why; super_run() sees it */
	(void)send(chan_fd, &ready, 1, MSG_NOSIGNAL);
}

static int run_jail(struct jail_run *run)
{
	static struct protect_list prot;
	const struct jail_config *cfg = run->cfg;
	struct super s = { .cfg = cfg,
			   .run = run,
			   .master_fd = -1,
			   .notify_fd = -1,
			   .fwd_done_fd = -1,
			   .fwd_idle_ep = -1,
			   .gw_fd = -1,
			   .stdin_open = true,
			   .ask_fwd_fd = -1 };
	struct child_ctx c = { .cfg = cfg,
			       .run = run,
			       .proc_fd = -1,
			       .gw_fd = -1 };
	sigset_t set = super_signals();
	struct go_msg go;
	int sv[2], gw[2] = { -1, -1 }, err, status, keeper_fd;
	autofree char *cg_path = NULL;
	autoclose int cg_fd = limits_cgroup_create(cfg, &cg_path);
	struct placeholders *ph;

	/* The view's sources and the copy-back's destinations */
	gitguard_open(cfg->git);

	c.self_fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (c.self_fd < 0)
		die_errno("open /proc/self/exe");
	c.init_fd = child_init_memfd();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die_errno("socketpair");
	/*
	 * The gateway's sockets come on a socket of their own: read only
	 * when COMMAND runs, their arrival wakes no one during the setup
	 */
	if (cfg->net == NET_FILTERED &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, gw) < 0)
		die_errno("socketpair");
	/* Before the jail exists: the prompt's word is printed now */
	s.ask = ask_srv_new(run);
	if (cfg->is_tty && !(cfg->tty_allow & TTY_ALLOW_RAW)) {
		s.tty = xmalloc(sizeof(*s.tty));
		tty_filter_init(s.tty, cfg->tty_allow,
				ttyrelay_locale_is_utf8());
	}
	super_fill_go(&go, cfg);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s.sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (s.sig_fd < 0)
		die_errno("signalfd");
	s.pid = clone_jail(cg_fd);
	if (s.pid < 0)
		explain_clone_error(errno);
	if (s.pid == 0) {
		close(sv[0]);
		if (gw[0] >= 0)
			close(gw[0]);
		c.chan_fd = sv[1];
		c.gw_fd = gw[1];
		child_setup(&c);
	}
	close(sv[1]);
	if (gw[1] >= 0)
		close(gw[1]);
	s.gw_fd = gw[0];
	close(c.self_fd);
	if (c.init_fd >= 0)
		close(c.init_fd);
	s.chan_fd = sv[0];
	/* After clone(): nothing of the jail holds these descriptors */
	s.ask_fwd_fd = ask_srv_start(s.ask);
	err = creds_write_maps(s.pid, cfg->uid, cfg->gid);
	if (err < 0) {
		const char *hint = hints_userns_refusal(-err);

		kill(s.pid, SIGKILL);
		/* AppArmor's restriction lets clone() pass and fails here */
		if (hint)
			die("user namespaces: the kernel refused the uid map "
			    "(%s); %s",
			    strerrorname_np(-err), hint);
		errno = -err;
		die_errno("write the user namespace maps");
	}
	/* Now, not before the clone: the jail never had the CA's key */
	if (run->ca_bundle_fd >= 0)
		s.ca = secrets_make_ca(run);
	if (send(s.chan_fd, &go, sizeof(go), MSG_NOSIGNAL) != sizeof(go)) {
		kill(s.pid, SIGKILL);
		die_errno("start the jail");
	}
	/*
	 * While the jail builds its view, which waits for them before it
	 * binds the trees that hold them read-only. A jail that already died
	 * has reported why; super_run() sees it.
	 */
	ph = placeholders_make(cfg);
	(void)setup_send_msg(s.chan_fd, MSG_PLACEHOLDERS, -1);
	/* For the private .git/info/exclude (super_run(), MSG_GITFS) */
	s.git_excl = placeholders_exclude(cfg, ph);
	/* After the placeholders: they are part of what is protected */
	protect_snapshot(cfg, &prot);
	/* Before COMMAND can run, while the jail still builds its view */
	keeper_fd = keeper_start(&(struct keeper_args){ .run = run,
						       .prot = &prot,
						       .ph = ph,
						       .cg_path = cg_path,
						       .ca = s.ca },
				 s.pid);
	start_log(run, s.pid, s.chan_fd);
	/* Now, idle while the view is built, not at COMMAND's own exec */
	if (!cfg->no_exec_log)
		s.exec_log = execlog_new(run, s.pid);
	s.timer_fd = super_arm_timer(cfg);
	super_run(&s);
	free(s.git_excl);
	ask_srv_stop(s.ask);
	super_stop_forwarder(&s);
	super_restore_terminal();
	if (s.fwd_died)
		warn("forwarder: stopped while the jail ran (%s %d); the jail was "
		     "stopped with it, so it had no way out",
		     WIFSIGNALED(s.fwd_status) ? "signal" : "status",
		     WIFSIGNALED(s.fwd_status) ? WTERMSIG(s.fwd_status) :
						 WEXITSTATUS(s.fwd_status));
	keeper_exit_checks(run, &prot, ph, s.git_fd, s.n_git_fd);
	keeper_done(keeper_fd);
	limits_cgroup_remove(cg_path);
	status = s.timed_out ? EXIT_TIMEOUT :
		 s.fwd_died || s.git_failed ? EXIT_JAIL_FAILED :
			       super_status_to_exit(s.status);
	/* The jail is gone: nothing can change the upper layer any more */
	if (cfg->review) {
		int rerr = review_finish(run);

		review_done = true;
		/* The CI form's result is the patch: no patch, no success */
		if (rerr < 0 && cfg->review == REVIEW_PATCH)
			status = EXIT_JAIL_FAILED;
	}
	ttyrelay_report(run, s.tty);
	record_exit(run, status, s.timed_out);
	if (s.timed_out)
		warn("timeout: COMMAND killed after the --timeout limit");
	record_denial_summary(run);
	/* Gone by now: it exited while the run ended */
	super_reap_forwarder(&s);
	return status;
}

#ifdef JAIL_SANITIZE
/*
 * The configuration lives as long as the process; LeakSanitizer would
 * report it at every exit. Address and undefined-behaviour checks stay on.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0:abort_on_error=0:exitcode=99";
}
#endif

/*
 * --secret, --hold-push: the memfd the supervisor fills with the CA
 * bundle once the jail is cloned; the setup child inherits it and binds
 * its content over the system bundle paths of the view
 */
static void open_ca_bundle(struct jail_run *run)
{
	const char *opt = run->cfg->n_secrets ? "--secret" : "--hold-push";

	run->ca_bundle_path = secrets_bundle_path();
	if (!run->ca_bundle_path)
		die("%s: no system CA bundle on this host (looked for "
		    "\"%s\" and %d other paths); without one the intercepted "
		    "hosts' certificates cannot be verified",
		    opt, secrets_bundle_paths[0], SECRETS_N_BUNDLE_PATHS - 1);
	run->ca_bundle_fd = memfd_create("jail-ca-bundle", MFD_CLOEXEC);
	if (run->ca_bundle_fd < 0)
		die_errno("%s: memfd_create", opt);
}

static void cleanup_at_exit(void)
{
	super_restore_terminal();
	record_unregister();
	ask_srv_unlink();
	if (!review_done)
		review_abandon(review_run);
}

/*
 * Step 2: the host resources the run needs, opened before the jail
 * exists, into @run. The configuration is final from here on: what these
 * steps make (the CA bundle's memfd, the log's name, the review's
 * directories) lives in @run beside it, never in place of what the user
 * asked for. The secrets' values go to the vault (secrets.c), so that no
 * copy of them stays where the jail's processes are forked from, and
 * their placeholders beside them.
 */
static struct jail_run *open_host_resources(const struct jail_config *cfg)
{
	struct jail_run *run = xcalloc(1, sizeof(*run));

	run->cfg = cfg;
	run->log_fd = run->ca_bundle_fd = -1;
	for (size_t i = 0; i < JAIL_MAX_PUBLISH; i++)
		run->publish_fd[i] = -1;
	if (cfg->n_secrets)
		secrets_prepare(run);
	if (cfg->n_secrets || cfg->n_hold_push)
		open_ca_bundle(run);
	/* Bound now: a port in use fails before anything else exists */
	if (cfg->n_publish)
		fwd_publish_listen(run);
	/* Named now (--review records it), created once the jail is cloned */
	run->log_path = cfg->log_path ? xstrdup(cfg->log_path) :
					record_default_log_path(cfg);
	die_set_cleanup(cleanup_at_exit);
	if (cfg->review) {
		review_prepare(run);
		review_run = run;
	}
	return run;
}

static int print_help(void);

/*
 * Every lookup in a tree the jail could write goes through openat2()
 * (RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS): without it jail cannot work
 * safely. A seccomp filter that refuses it, jail's own inside a jail
 * first of all, gets one line that says so, not an error about the
 * first file read.
 */
static void refuse_without_openat2(void)
{
	int fd = openat2_fd(AT_FDCWD, "/", O_PATH, 0);

	if (fd >= 0)
		close(fd);
	else if (fd == -ENOSYS)
		die("openat2: refused (ENOSYS); already inside a jail, or "
		    "another sandbox whose seccomp filter refuses it; run "
		    "jail outside it");
}

/* jail [OPTION]... [--] COMMAND [ARG]...: the steps, in order */
static int jail_main(int argc, char **argv)
{
	struct jail_config *cfg = xcalloc(1, sizeof(*cfg));
	int status;

	refuse_without_openat2();
	placeholders_clean_stale();
	config_load(cfg, argc, argv);
	if (cfg->help)
		return print_help();
	if (cfg->explain) {
		config_explain(cfg);
		return 0;
	}
	close_stray_fds(cfg);
	if (cfg->net == NET_HOST)
		warn("--net host: the jail shares the host's network, "
		     "unfiltered: nothing limits where it connects");
	if (cfg->tty_allow & TTY_ALLOW_RAW)
		warn("--tty-allow raw: COMMAND's output reaches your terminal "
		     "unfiltered: it can write your clipboard and type "
		     "answers to its own requests as your input");
	status = run_jail(open_host_resources(cfg));
	record_unregister();
	return status;
}

static int help_cmd_main(int argc, char **argv);

/* What a person runs besides a jail: `jail NAME ARG...` */
static const struct subcommand subcommands[] = {
	/* cmd/: the options, the subcommands, each one's usage */
	{ "help", help_cmd_main, "show this help, or SUB's: jail help SUB" },
	/* config/: trust a .jail.conf */
	{ "trust", config_trust_main, "show a project's .jail.conf in plain "
				      "words and trust it" },
	/* cmd/: render an audit log; the user's running jails */
	{ "log", logview_log_main, "show a jail's audit log (the newest by "
				   "default)" },
	{ "ps", logview_ps_main, "list your running jails" },
	/* cmd/: asks waiting for an answer, and the answers */
	{ "pending", ctl_main, "list the connections your jails hold for "
			       "an answer (--ask)" },
	{ "approve", ctl_main, "allow one held connection: jail approve "
			       "[ID] HOST" },
	{ "always", ctl_main, "allow HOST for the rest of that run" },
	{ "deny", ctl_main, "refuse a held connection" },
	/* cmd/: stop injecting a secret */
	{ "revoke", ctl_main, "stop putting a secret into requests: jail "
			      "revoke [ID] NAME" },
	/* cmd/: a kept --review */
	{ "review", review_main, "list, show, apply or discard kept "
				 "reviews (--review=keep)" },
};

static int help_cmd_main(int argc, char **argv)
{
	return help_main(argc, argv, subcommands, ARRAY_SIZE(subcommands));
}

/* jail --help: the options of the table, then the subcommands */
static int print_help(void)
{
	config_usage(stdout);
	help_list_subcommands(stdout, subcommands, ARRAY_SIZE(subcommands));
	return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
}

int main(int argc, char **argv)
{
	if (argc > 0 && !strcmp(argv[0], INIT_NAME))
		return init_main(argc, argv);
	for (size_t i = 0; argc > 1 && i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].main(argc - 1, argv + 1);
	return jail_main(argc, argv);
}

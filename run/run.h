/* SPDX-License-Identifier: MIT */
/*
 * run.h - the processes of one run: the setup child that becomes pid 1,
 * the command child that becomes COMMAND (child.c), and the supervisor
 * (supervisor.c), the keeper of the exit checks (keeper.c); netns.c's
 * gateway setup runs in the setup child, and hints.c says why the kernel
 * refused user namespaces
 *
 * Theory of operation: jail.c clone()s the setup child and then runs the
 * supervisor loop; the three talk over SOCK_SEQPACKET socketpairs with
 * one tag byte per message (MSG_*), some carrying a descriptor. Each side
 * states its order in its own file; jail.c alone knows the order of the
 * steps between them.
 */
#ifndef RUN_H
#define RUN_H

#include "jail.h"
#include "host/host.h"

#define INIT_NAME "jail-init"

/*
 * Messages on the setup sockets, one tag byte each, some carrying a
 * descriptor (SCM_RIGHTS). To the supervisor:
 */
#define MSG_PTY 'P'		/* the pty master */
#define MSG_NOTIFY 'L'		/* the --seccomp-log listener */
#define MSG_LISTENERS 'F'	/* the forwarder's sockets (on gw_fd) */
#define MSG_GITFS 'g'		/* the private git dirs' tmpfs (gitguard.c) */
#define MSG_GITDIRS 'G'		/* the private tmpfs over placeholders */
#define MSG_PUBLISH_POOL 'S'	/* --publish: sockets made in the gateway */
/*
 * From the supervisor, once the audit log holds the start line: COMMAND
 * waits for it, so nothing runs unrecorded, while the log is created in
 * parallel with the jail's setup
 */
#define MSG_LOG_READY 'A'
/*
 * From the supervisor, after MSG_LOG_READY, when there are private git
 * dirs: their copies are made (gitguard_fill())
 */
#define MSG_GIT_FILLED 'a'
/*
 * From the supervisor, once the placeholders of absent protected paths
 * exist (placeholder.c): made while the jail builds its view, they are
 * waited for before the project and the user's mounts are bound
 */
#define MSG_PLACEHOLDERS 'H'
/* Between the setup child (later jail-init) and the command child */
#define MSG_NET_NS 'J'		/* setup child: the jail's network namespace */
#define MSG_JAIL_USERNS 'N'	/* setup child: J's user namespace */
#define MSG_RELEASE 'r'	/* jail-init: pid 1 is clean, go ahead */
#define MSG_VIEW_STARTED 'v'	/* command child: it runs, "go" in hand */

/* sockets.c: the setup sockets */
/* Send @tag (and @fd when >= 0) on @sock. Return: 0 or negative errno */
int setup_send_msg(int sock, char tag, int fd);
/*
 * Wait for message @want on @sock; a passed descriptor goes to *@fd. EOF
 * or anything else means the peer died: _exit() quietly, the peer has
 * reported its own error.
 */
void setup_expect_msg(int sock, char want, int *fd);
/* fork() a child linked by a socketpair: parent keeps @sock[0], child
 * @sock[1]. Return: as fork(), never negative (dies instead) */
pid_t fork_with_socket(int sock[2]);

/* What the supervisor sends with "go": the user's terminal, if any */
struct go_msg {
	bool has_tty;
	bool out_is_tty;
	struct winsize ws;
	struct termios tio;
};

/* What the setup child and the command child work from */
struct child_ctx {
	const struct jail_config *cfg;
	const struct jail_run *run;	/* @cfg's host resources */
	int chan_fd;		/* to the supervisor; close-on-exec */
	int init_fd;		/* sealed memfd holding jail-init, or -1 */
	int self_fd;		/* O_PATH of this binary, jail-init's fallback */
	const struct go_msg *go;
	/*
	 * --net filtered, setup child: opened before the command child can
	 * pivot (after that our /proc is the jail's read-only one)
	 */
	int proc_fd;		/* the host's procfs */
	/*
	 * --net filtered, setup child: the forwarder's sockets go to the
	 * supervisor on it, which reads them only once COMMAND runs; -1
	 * otherwise
	 */
	int gw_fd;
};

/**
 * child_setup() - The setup child: becomes pid 1 (jail-init)
 * @c:	context; @c->chan_fd is its end of the supervisor's socket
 *
 * Context: the clone()d child, in the new namespaces, before its maps are
 * written (it forks the command child meanwhile, then waits for "go")
 */
__attribute__((noreturn)) void child_setup(struct child_ctx *c);

/* jail-init in a sealed memfd (exec'd by pid 1). Return: memfd or -1 */
int child_init_memfd(void);

/**
 * netns_setup_gateway() - Make and link the jail's network namespace
 * @c:		the setup child's context (host procfs, G's descriptor)
 * @sock:	the command child's socket: J goes to it as soon as it
 *		exists (its /sys shows J), the jail's user namespace once J
 *		is configured
 *
 * Context: setup child in the gateway namespace G (--net filtered), while
 * the command child builds the view; the forwarder's sockets go to the
 * supervisor over @c->gw_fd
 */
void netns_setup_gateway(const struct child_ctx *c, int sock);

struct crypto_ca;
struct ask_srv;
struct tty_filter;
struct exec_log;

/* The supervisor's state while the jail runs (supervisor.c) */
struct super {
	const struct jail_config *cfg;
	const struct jail_run *run;	/* @cfg's host resources */
	pid_t pid;		/* pid 1 of the jail, as seen here */
	int chan_fd;
	int sig_fd;
	int timer_fd;
	int master_fd;		/* pty master, or -1 */
	int notify_fd;		/* the filter's listener, or -1 */
	struct exec_log *exec_log;	/* the exec record, once it starts */
	pid_t fwd_pid;		/* the forwarder, or 0 */
	/*
	 * The gateway's sockets (tcp4, tcp6, udp4, udp6; -1 where absent),
	 * held from their arrival until the forwarder starts, once COMMAND
	 * runs
	 */
	int held_listeners[4];
	bool listeners_held;
	int gw_fd;		/* where they arrive (MSG_LISTENERS), or -1 */
	int fwd_done_fd;	/* closed by the forwarder once its log is
				 * complete; -1 before it starts */
	int fwd_status;		/* its wait status once reaped */
	uint32_t *fwd_traffic;	/* shared with it: fwd_claim_stop() */
	int fwd_idle_ep;	/* epoll over its event sources, or -1 */
	bool fwd_died;		/* it stopped while the jail ran */
	struct crypto_ca *ca;	/* --secret: the jail's CA, or NULL */
	bool setup_done;
	bool timed_out;
	bool stdin_open;
	int status;		/* wait status of pid 1 once reaped */
	bool reaped;
	char inbuf[4096];	/* user's keystrokes not yet written */
	uint64_t job_checked_ms;	/* Ctrl-Z: last look at the job */
	uint64_t redraw_at_ms;	/* after a question: give the size back */
	struct winsize redraw_ws;
	size_t in_len;
	struct ask_srv *ask;	/* --ask, control socket; or NULL */
	int ask_fwd_fd;		/* the forwarder's end of the ask channel */
	struct tty_filter *tty;	/* COMMAND's output filter; NULL: raw */
	int git_fd[GITGUARD_MAX_FDS];	/* the private git dirs' tmpfs, their
					 * logs/ upper tmpfs, then the private
					 * tmpfs over placeholders */
	size_t n_git_fd;
	bool has_priv_fd;	/* MSG_GITDIRS came */
	bool git_failed;	/* gitguard_fill() failed: the jail is killed */
	char *git_excl;		/* for gitguard_fill() */
	int pub_pool[JAIL_PUBLISH_CONNS];	/* --publish: for the forwarder */
	size_t n_pub_pool;
};

/* The signals forwarded to the jail, and SIGCHLD */
sigset_t super_signals(void);
/* The user's terminal as it was (also die()'s cleanup) */
void super_restore_terminal(void);
/* What "go" carries: whether stdin is a terminal, its modes and size */
void super_fill_go(struct go_msg *go, const struct jail_config *cfg);
/* --timeout's timerfd, or -1 without one */
int super_arm_timer(const struct jail_config *cfg);
/**
 * super_run() - Relay, forward, serve asks until pid 1 is reaped
 *
 * Context: supervisor, once "go" was sent; returns with @s->status set
 */
void super_run(struct super *s);
/*
 * Let the forwarder log its open connections and wait until it has
 * (3 s at most); its exit goes on meanwhile
 */
void super_stop_forwarder(struct super *s);
/* Wait for the forwarder's exit (after super_stop_forwarder()) */
void super_reap_forwarder(struct super *s);
/* A wait status as jail's exit status (128+N for signal N) */
int super_status_to_exit(int st);


/* ---------------------------------------------------------------------
 * keeper.c: the exit checks, run even when the supervisor is killed
 * ------------------------------------------------------------------- */

/* What the keeper works from: the supervisor's, as they are at the fork */
struct keeper_args {
	struct jail_run *run;	/* its log is opened in the keeper's copy */
	const struct protect_list *prot;	/* protect_snapshot() */
	struct placeholders *ph;		/* placeholders_make() */
	const char *cg_path;		/* the jail's cgroup, or NULL */
	struct crypto_ca *ca;		/* freed in the keeper, or NULL */
};

/**
 * keeper_exit_checks() - Make the project safe for the host's tools
 * @run:	the run
 * @prot:	protect_snapshot()'s list: changed paths reported, replaced
 *		protected symlinks put back
 * @ph:		placeholders_make()'s, removed (and freed)
 * @git_fd:	the private git dirs' and placeholders' tmpfs (MSG_GITFS,
 *		MSG_GITDIRS), or NULL: nothing is copied back
 * @n_git_fd:	their number
 *
 * Context: supervisor at a normal end, or the keeper once the supervisor
 * is gone; in both only after every process of the jail has exited
 */
void keeper_exit_checks(const struct jail_run *run,
			const struct protect_list *prot,
			struct placeholders *ph, const int *git_fd,
			size_t n_git_fd);

/**
 * keeper_start() - Fork the keeper of the exit checks
 * @a:		what it works from (it keeps its own copy, as forked)
 * @jail_pid:	pid 1 of the jail, not reaped yet
 *
 * Context: supervisor, once @a's state exists and before COMMAND can run
 * (it waits for MSG_LOG_READY)
 *
 * Return: the descriptor for keeper_done()
 */
int keeper_start(const struct keeper_args *a, pid_t jail_pid);

/*
 * Tell the keeper that the exit checks are done, so it exits at once;
 * closes @fd. Without it the keeper runs them once the jail is gone.
 */
void keeper_done(int fd);

/* ---------------------------------------------------------------------
 * hints.c: why user namespaces are refused, and what to do
 * ------------------------------------------------------------------- */

/* What the host shows about user namespaces; -1: absent or unreadable */
struct hints_userns {
	int err;			/* errno of clone(CLONE_NEWUSER) */
	bool is_root;			/* effective uid 0 */
	long long max_user_namespaces;	/* /proc/sys/user/max_... */
	long long unprivileged_userns_clone; /* Debian's kernel sysctl */
	long long apparmor_restrict;	/* kernel.apparmor_restrict_unpr... */
	int seccomp_mode;		/* "Seccomp:" of /proc/self/status */
	bool in_container;		/* /.dockerenv, /run/.containerenv, or
					 * a container engine in
					 * /proc/1/cgroup */
	bool in_jail;			/* JAIL=1 in the environment */
};

/* Gather @h for a clone() that failed with @err; reads /proc only */
void hints_userns_facts(struct hints_userns *h, int err);

/**
 * hints_userns_choose() - The hint for a refused user namespace
 * @h:		facts from hints_userns_facts()
 *
 * Pure. In order: user.max_user_namespaces 0, the limit reached (ENOSPC),
 * kernel.unprivileged_userns_clone 0, a jail inside a jail, a container's
 * seccomp profile, AppArmor's restriction (Ubuntu 23.10 and later), any
 * other seccomp filter.
 *
 * Return: one line (what to run, which flag), static; NULL when none of
 * these applies
 */
const char *hints_userns_choose(const struct hints_userns *h);

/**
 * hints_userns_refusal() - hints_userns_choose() for this host
 * @err:	errno of the failed clone(CLONE_NEWUSER), or of the first
 *		setup step that failed with EPERM in the new namespace (under
 *		AppArmor's restriction clone() succeeds, and the namespace
 *		then has no capabilities)
 *
 * Return: the hint, static, or NULL
 */
const char *hints_userns_refusal(int err);

/**
 * hints_procfs_choose() - The hint for a refused new procfs
 * @err:	errno of mounting it
 * @in_container: a container engine's marker is present
 *
 * Pure. EPERM: the kernel refuses a procfs while the current /proc has
 * paths masked by mounts (a container engine's masked paths); the hint
 * names the engine's setting that unmasks them.
 *
 * Return: one line, static; NULL for another errno
 */
const char *hints_procfs_choose(int err, bool in_container);

/* hints_procfs_choose() for this host */
const char *hints_procfs_refusal(int err);

/**
 * hints_setup_choose() - The hint for a first setup step refused inside
 * the new namespaces (sethostname)
 * @h:		facts from hints_userns_facts()
 *
 * Pure. EPERM in a container under a seccomp filter: the engine's
 * profile (podman's default refuses sethostname and mount without
 * CAP_SYS_ADMIN); otherwise hints_userns_choose().
 *
 * Return: one line, static, or NULL
 */
const char *hints_setup_choose(const struct hints_userns *h);

/* hints_setup_choose() for this host */
const char *hints_setup_refusal(int err);


#endif /* RUN_H */

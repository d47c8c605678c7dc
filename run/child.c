// SPDX-License-Identifier: MIT
/*
 * child.c - the jail's side of the setup: the setup child (which becomes
 * pid 1) and the command child (which becomes COMMAND)
 *
 * Theory of operation:
 *  1. The setup child is clone()d by the supervisor into the new
 *     namespaces. It sets PR_SET_PDEATHSIG (clone() does not inherit it),
 *     leaves the user's session, names the host "jail" and forks the
 *     command child at once, so that both work while the supervisor
 *     writes the uid/gid maps; it relays "go" (the maps are written) to it.
 *  2. The setup child then makes the jail's network namespace with lo up
 *     (once the command child runs: it takes the setup child's CPU, the
 *     view being the longest chain of the start) and passes it to the
 *     command child, which enters it before it
 *     mounts /sys (--net none), or under --net filtered makes the
 *     jail's namespace in a user namespace of its own, passes it on,
 *     then makes the gateway's namespace and links it to the jail's
 *     (netns_setup_gateway()); it drops
 *     every capability and re-executes itself as jail-init with an empty
 *     environment: pid 1 holds no policy, no secret and no host
 *     environment. jail-init makes itself non-dumpable and only then
 *     releases the command child.
 *  3. The command child builds the view and pivots into it (pid 1's root
 *     moves with it), opens the jail's pseudo-terminal and passes the
 *     master to the supervisor, starts a new session, drops capabilities,
 *     sets no_new_privs and applies Landlock. Released by jail-init and
 *     told the log holds the start line, it closes stray descriptors and
 *     loads the seccomp filter as the very last step before execve().
 *
 * The order matters: nothing of COMMAND runs before pid 1 is clean and the
 * run is recorded, and the filter comes last because it forbids what the
 * steps before it need (mount, setns, pivot_root).
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <linux/sched.h>

#include "jail.h"
#include "setup.h"
#include "run/run.h"
#include "tools/filtergen.h"

extern char **environ;

static void attach_terminal(int slave_fd)
{
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave_fd, fd) < 0)
			die_errno("attach the terminal");
	if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
		die_errno("take the terminal");
	close(slave_fd);
}

static __attribute__((noreturn)) void exec_command(const struct child_ctx *c)
{
	const struct jail_config *cfg = c->cfg;
	char **env = creds_build_env(c->run, environ);
	int err;

	if (cfg->cmd_path)
		execve(cfg->cmd_path, cfg->argv, env);
	else
		execvpe(cfg->argv[0], cfg->argv, env);
	err = errno;
	die_status(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC,
		   "exec \"%s\": %s", cfg->argv[0], strerror(err));
}

/*
 * With a terminal, COMMAND's parent is this waiter, the session leader
 * that holds the terminal. A process group whose parent is in the same
 * session is not orphaned, so the kernel lets Ctrl-Z stop COMMAND (it
 * discards SIGTSTP, SIGTTIN and SIGTTOU sent to an orphaned group); the
 * supervisor sees the stop and stops itself (supervisor.c). The waiter
 * only waits and forwards what pid 1 forwards; it ran no code of
 * COMMAND's, holds no secret (the vault reads as zeros after a fork)
 * and is not dumpable, so COMMAND cannot ptrace it or read its memory.
 * It exits with COMMAND's status (128+N when signal N killed it).
 */
static __attribute__((noreturn)) void wait_for_command(pid_t cmd)
{
	sigset_t all;

	sigfillset(&all);
	prctl(PR_SET_NAME, "jail-wait", 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (;;) {
		int sig = sigwaitinfo(&all, NULL), st;
		pid_t p;

		if (sig == SIGCHLD) {
			while ((p = waitpid(-1, &st, WNOHANG)) > 0)
				if (p == cmd && WIFEXITED(st))
					_exit(WEXITSTATUS(st));
				else if (p == cmd && WIFSIGNALED(st))
					_exit(128 + WTERMSIG(st));
		} else if (sig > 0 && sig != SIGTSTP && sig != SIGTTIN &&
			   sig != SIGTTOU && sig != SIGCONT) {
			kill(cmd, sig);
		}
	}
}

/*
 * Context: the command child, session leader with the jail's terminal,
 * after the seccomp filter; Must: put COMMAND in its own process group in
 * the foreground of the terminal before it runs
 */
static void fork_from_waiter(const struct child_ctx *c)
{
	sigset_t all, none;
	pid_t cmd;

	sigfillset(&all);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &all, NULL);
	cmd = fork();
	if (cmd < 0)
		die_errno("fork COMMAND");
	if (cmd > 0) {
		/* Its end closes at COMMAND's exec: the supervisor waits */
		close(c->chan_fd);
		wait_for_command(cmd);
	}
	if (setpgid(0, 0) < 0 || tcsetpgrp(STDIN_FILENO, getpid()) < 0)
		die_errno("put COMMAND in the foreground");
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Landlock is a second fence; a kernel without it runs without it */
static void apply_landlock(const struct jail_config *cfg)
{
	const char *w[JAIL_MAX_MOUNTS + 8];
	size_t n = fsview_writable(cfg, w, ARRAY_SIZE(w));
	int abi = 0, err = landlock_restrict(w, n, &abi);

	if (err < 0 && err != -EOPNOTSUPP) {
		errno = -err;
		die_errno("landlock");
	}
}

/*
 * The seccomp filter is the last step before execve(). Under
 * --seccomp-log its listener goes to the supervisor, which answers and
 * logs each refused call.
 */
static void load_filter(const struct child_ctx *c,
			const struct filter_prog *prog)
{
	int notify_fd = -1, err = filter_install(prog, &notify_fd);

	if (err < 0) {
		errno = -err;
		die_errno("seccomp filter");
	}
	if (notify_fd >= 0) {
		if (setup_send_msg(c->chan_fd, MSG_NOTIFY, notify_fd) < 0)
			die_errno("pass the seccomp listener");
		close(notify_fd);
	}
}

static int open_jail_pty(const struct child_ctx *c);

/* The command child's two setup sockets, for fsview_build()'s waits */
struct view_socks {
	int sock;	/* to the setup child */
	int chan;	/* to the supervisor */
};

/*
 * --net none and filtered: fsview_build() calls this right before /sys is
 * made; until then the view is built in the namespace we were forked in
 */
static void enter_jail_netns(void *arg)
{
	int sock = ((const struct view_socks *)arg)->sock, jfd = -1;

	/* A fresh sysfs shows the namespace of the process that mounts it */
	setup_expect_msg(sock, MSG_NET_NS, &jfd);
	if (jfd < 0 || setns(jfd, CLONE_NEWNET) < 0)
		die_errno("network: enter the jail's namespace");
	close(jfd);
}

/*
 * The supervisor makes the placeholders of absent protected paths while
 * we build the view; they must exist before the trees that hold them
 * are bound (a private tmpfs needs its directory there)
 */
static void wait_placeholders(void *arg)
{
	setup_expect_msg(((const struct view_socks *)arg)->chan,
			 MSG_PLACEHOLDERS, NULL);
}

/*
 * The jail's network namespace belongs to a user namespace of its own,
 * nested in the setup child's: even a capability COMMAND should never
 * have could not reach the gateway's rules. Joined once the view is
 * built, since from there on nothing can be mounted. It comes right
 * after J, so we need not wait while pid 1 configures J: COMMAND is
 * released only by jail-init, which pid 1 becomes once J is ready.
 */
static void enter_jail_userns(int sock)
{
	int ufd = -1;

	setup_expect_msg(sock, MSG_JAIL_USERNS, &ufd);
	if (ufd < 0 || setns(ufd, CLONE_NEWUSER) < 0)
		die_errno("network: enter the jail's user namespace");
	close(ufd);
}

/*
 * Descriptors @fds in one message @tag: MSG_GITFS, the private git dirs'
 * tmpfs (the supervisor copies in and back only with a complete set), or
 * MSG_GITDIRS, the private tmpfs over placeholders
 */
static void send_fds(int chan, char tag, const int *fds, size_t n)
{
	char cbuf[CMSG_SPACE(GITGUARD_MAX_FDS * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	if (!n)
		return;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	if (sendmsg(chan, &mh, MSG_NOSIGNAL) < 0)
		die_errno("pass the private tmpfs mounts");
}

/* fsview_build(), first: the supervisor fills them while we build */
static void send_private_git(void *arg, const int *fd, size_t n)
{
	send_fds(((const struct view_socks *)arg)->chan, MSG_GITFS, fd, n);
}

/*
 * Context: the command child, forked by the setup child before "go"
 * (which the setup child relays); it builds the view while pid 1 sets up
 * the network and replaces itself with jail-init
 * Must: start a new session, drop every privilege, exec COMMAND
 */
static __attribute__((noreturn)) void command_child(const struct child_ctx *ctx,
						    int sock)
{
	const bool filtered = ctx->cfg->net == NET_FILTERED;
	struct child_ctx cc = *ctx;
	const struct child_ctx *c = &cc;
	struct filter_prog prog;
	struct go_msg go;
	struct view_socks socks = { sock, ctx->chan_fd };
	const struct fsview_waits waits = {
		.before_sys = ctx->cfg->net != NET_HOST ? enter_jail_netns :
							  NULL,
		.before_binds = wait_placeholders,
		.private_git = send_private_git,
		.arg = &socks,
	};
	sigset_t none;
	int slave_fd = -1, priv_fd[GITGUARD_MAX_FDS], n_priv, err;

	/* The gateway's sockets are pid 1's to send, never ours */
	if (cc.gw_fd >= 0)
		close_fdp(&cc.gw_fd);
	err = filter_prepare(c->cfg, &prog);
	if (err < 0) {
		errno = -err;
		die_errno("seccomp filter");
	}
	/* "go", relayed by the setup child: our maps are written */
	if (recv(sock, &go, sizeof(go), 0) != sizeof(go))
		_exit(EXIT_JAIL_FAILED);
	cc.go = &go;
	if (c->cfg->net == NET_NONE &&
	    setup_send_msg(sock, MSG_VIEW_STARTED, -1) < 0)
		_exit(EXIT_JAIL_FAILED);
	n_priv = fsview_build(c->run, &waits, priv_fd);
	send_fds(c->chan_fd, MSG_GITDIRS, priv_fd, (size_t)n_priv);
	for (int i = 0; i < n_priv; i++)
		close(priv_fd[i]);
	slave_fd = c->go->has_tty ? open_jail_pty(c) : -1;
	if (filtered)
		enter_jail_userns(sock);
	if (setsid() < 0)
		die_errno("setsid");
	if (slave_fd >= 0)
		attach_terminal(slave_fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	err = limits_apply_rlimits(c->cfg);
	if (err < 0) {
		errno = -err;
		die_errno("--rlimit");
	}
	err = creds_drop_all();
	if (err < 0) {
		errno = -err;
		die_errno("drop privileges");
	}
	apply_landlock(c->cfg);
	/*
	 * Everything above runs while pid 1 sets up the network and replaces
	 * itself with jail-init; COMMAND's own code must not run before pid
	 * 1 is clean, so only what is left waits for the release
	 */
	setup_expect_msg(sock, MSG_RELEASE, NULL);
	close(sock);
	setup_expect_msg(c->chan_fd, MSG_LOG_READY, NULL);
	/* The copies in the private git dirs: COMMAND's git needs them */
	if (c->cfg->git && c->cfg->git->n_dirs)
		setup_expect_msg(c->chan_fd, MSG_GIT_FILLED, NULL);
	err = creds_close_fds(c->cfg, c->chan_fd);
	if (err < 0) {
		errno = -err;
		die_errno("close descriptors");
	}
	load_filter(c, &prog);
	if (slave_fd >= 0)
		fork_from_waiter(c);
	exec_command(c);
}

/*
 * Open a pseudo-terminal in the jail's own devpts, so that `tty` inside
 * names a /dev/pts path of the view, and hand the master to the
 * supervisor. Returns the slave.
 */
static int open_jail_pty(const struct child_ctx *c)
{
	char name[64];
	struct termios tio = c->go->tio;
	autoclose int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int unlock = 0, slave;

	if (master < 0)
		die_errno("open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0)
		die_errno("unlock the pseudo-terminal");
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die_errno("open \"%s\"", name);
	/* Output not going to a terminal stays byte-exact (no CR added) */
	if (!c->go->out_is_tty)
		tio.c_oflag &= ~(tcflag_t)OPOST;
	if (tcsetattr(slave, TCSANOW, &tio) < 0 ||
	    ioctl(slave, TIOCSWINSZ, &c->go->ws) < 0)
		die_errno("set up the pseudo-terminal");
	if (setup_send_msg(c->chan_fd, MSG_PTY, master) < 0)
		die_errno("pass the pseudo-terminal");
	return slave;
}

static void redirect_stdio_to_null(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die_errno("open /dev/null");
	for (int i = 0; i < 3; i++)
		dup2(fd, i);
	close(fd);
}

static __attribute__((noreturn)) void become_init(const struct child_ctx *c,
						  pid_t child, int release_fd)
{
	char a1[16], a2[16];
	char *argv[] = { INIT_NAME, a1, a2, NULL };
	char *envp[] = { NULL };
	int err;

	snprintf(a1, sizeof(a1), "%d", (int)child);
	snprintf(a2, sizeof(a2), "%d", release_fd);
	redirect_stdio_to_null();
	err = creds_drop_all();
	if (err < 0) {
		errno = -err;
		die_errno("drop privileges of pid 1");
	}
	if (fcntl(release_fd, F_SETFD, 0) < 0)
		die_errno("release descriptor");
	if (c->init_fd >= 0)
		syscall(SYS_execveat, c->init_fd, "", argv, envp, AT_EMPTY_PATH);
	/* A kernel that refuses to execute memfds: this binary is jail-init */
	syscall(SYS_execveat, c->self_fd, "", argv, envp, AT_EMPTY_PATH);
	die_errno("exec " INIT_NAME);
}

/*
 * --net none: the jail's network namespace, with lo up, made after "go"
 * while the command child builds the view (it costs about 0.3 ms, more
 * than all the other namespaces of clone() together), and passed to the
 * command child, which enters it before it mounts /sys. /proc is still
 * the host's here: the command child pivots only after it has entered.
 */
static void make_jail_netns(int sock)
{
	autoclose int fd = -1;

	if (unshare(CLONE_NEWNET) < 0)
		die_errno("network: make the jail's network namespace");
	if (netns_loopback_up() < 0)
		die("network: cannot bring up the loopback interface");
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setup_send_msg(sock, MSG_NET_NS, fd) < 0)
		die_errno("network: pass the jail's namespace");
}

static pid_t fork_command_child(const struct child_ctx *c, int sock[2])
{
	pid_t child = fork_with_socket(sock);

	if (child == 0)
		command_child(c, sock[1]);
	return child;
}

__attribute__((noreturn)) void child_setup(struct child_ctx *c)
{
	struct go_msg go;
	int sock[2];
	pid_t child;

	die_in_child();
	die_set_channel(c->chan_fd);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(EXIT_JAIL_FAILED);
	/* Never hold the user's terminal as controlling tty, even as pid 1 */
	if (setsid() < 0)
		die_errno("setsid");
	if (sethostname("jail", 4) < 0) {
		int err = errno;

		/* The first call a container's seccomp profile refuses */
		if (hints_setup_refusal(err))
			die("set the hostname: %s; %s", strerror(err),
			    hints_setup_refusal(err));
		errno = err;
		die_errno("set the hostname");
	}
	/*
	 * The command child's pivot_root() moves every root and working
	 * directory that is the old root: ours too, so pid 1 keeps nothing
	 * of the host's tree
	 */
	if (chdir("/") < 0)
		die_errno("chdir /");
	if (c->cfg->net == NET_FILTERED) {
		c->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->proc_fd < 0)
			die_errno("open /proc");
	}
	/* Forked while the supervisor writes our maps; it waits for "go" */
	child = fork_command_child(c, sock);
	/* EOF: the supervisor died before releasing us */
	if (recv(c->chan_fd, &go, sizeof(go), 0) != sizeof(go))
		_exit(EXIT_JAIL_FAILED);
	if (send(sock[0], &go, sizeof(go), MSG_NOSIGNAL) != sizeof(go))
		_exit(EXIT_JAIL_FAILED);
	if (c->cfg->net == NET_FILTERED) {
		netns_setup_gateway(c, sock[0]);
	} else if (c->cfg->net == NET_NONE) {
		/*
		 * The view is the longest chain of the start, and the
		 * supervisor still works on the other CPU: the command
		 * child takes this one first; the namespace, made meanwhile
		 * on the other, is needed only when /sys is mounted
		 */
		setup_expect_msg(sock[0], MSG_VIEW_STARTED, NULL);
		make_jail_netns(sock[0]);
		/*
		 * The command child, woken by the namespace, mounts /sys
		 * next; our exec of jail-init is needed only when its view
		 * is done. Where both wait for one CPU (the supervisor has
		 * the other), it goes first.
		 */
		sched_yield();
	}
	become_init(c, child, sock[0]);
}

#ifndef MFD_EXEC

#define MFD_EXEC 0x0010U

#endif

/*
 * jail-init in a sealed memfd: executing it costs a fraction of loading
 * this binary and its libraries again. Return: the memfd, or -1.
 */
int child_init_memfd(void)
{
	// cppcheck-suppress comparePointers ; both bound one .incbin blob
	size_t len = (size_t)(jail_init_elf_end - jail_init_elf);
	int fd = memfd_create(INIT_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING |
						 MFD_EXEC);

	/* Kernels before 6.3 know no MFD_EXEC; their memfds are executable */
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(INIT_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (write_all(fd, jail_init_elf, len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
					   F_SEAL_WRITE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

// SPDX-License-Identifier: MIT
/*
 * keeper.c - the exit checks, run even when the supervisor is killed
 *
 * Theory of operation: at a normal end the supervisor makes the project
 * safe for the host's tools (keeper_exit_checks(): protected paths
 * checked and symlinks put back, placeholders removed, new repositories
 * judged, replace refs made during the run removed). A SIGKILL of the
 * supervisor skips all of that, so before COMMAND can run the supervisor
 * forks a keeper, which leaves its session (a signal to the user's
 * process group or a hang-up of the terminal does not reach it), closes
 * every descriptor but the few the checks use, frees the jail's CA and
 * blocks on a pipe. The supervisor writes KEEPER_DONE once its own exit
 * checks are done and the keeper exits without work. End of file without
 * it means the supervisor is gone: the keeper kills the jail's pid 1
 * through a pidfd (its PR_SET_PDEATHSIG does the same) and waits until
 * the pidfd says it exited; pid 1 of a pid namespace exits only after
 * every other process of it, so nothing of the jail can still write.
 * Then it runs the same checks the supervisor runs, minus the copy-back
 * of the private git dirs (they died with the jail: nothing of them
 * lands), logs run.killed and exits.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <linux/close_range.h>

#include "jail.h"
#include "setup.h"
#include "run/run.h"
#include "fwd/fwd.h"

#define KEEPER_DONE 'D'
/* The log, the pipe, the pidfd, the terminal, the registry, the git dirs */
#define KEEPER_MAX_FDS (GITGUARD_MAX_DIRS + 8)

/*
 * The terminal's settings as the user had them, taken before the
 * supervisor puts it in raw mode: a killed supervisor cannot put them
 * back, so the keeper does (the user's shell would read raw input)
 */
struct keeper_tty {
	int fd;
	struct termios tio;
};

static void tty_save(struct keeper_tty *t)
{
	t->fd = -1;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->tio) < 0)
		return;
	t->fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
}

/*
 * Only while the terminal is still in the supervisor's raw mode: the
 * user's shell may have set its own line editing mode by now, and that
 * one is the shell's to keep
 */
static void tty_restore(const struct keeper_tty *t)
{
	struct termios now, raw = t->tio;

	if (t->fd < 0 || tcgetattr(t->fd, &now) < 0)
		return;
	cfmakeraw(&raw);
	if (now.c_iflag == raw.c_iflag && now.c_oflag == raw.c_oflag &&
	    now.c_lflag == raw.c_lflag && now.c_cflag == raw.c_cflag)
		(void)tcsetattr(t->fd, TCSADRAIN, &t->tio);
}

void keeper_exit_checks(const struct jail_run *run,
			const struct protect_list *prot,
			struct placeholders *ph, const int *git_fd,
			size_t n_git_fd)
{
	const struct jail_config *cfg = run->cfg;
	/* Each git dir's private tmpfs, then its logs/ upper one */
	size_t n_dirs = cfg->git ? 2 * cfg->git->n_dirs : 0;
	bool has_priv = git_fd && n_git_fd > n_dirs;

	protect_verify(run, prot);
	placeholders_remove(cfg, ph, has_priv ? git_fd + n_dirs : NULL,
			    has_priv ? n_git_fd - n_dirs : 0);
	/* The jail is gone: nothing can change the private git dirs now */
	gitguard_finish(run, git_fd, git_fd ? n_git_fd : 0);
}

static int cmp_fd(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * Close every descriptor but @keep (and stdio, with stdin and stdout on
 * /dev/null): the forwarder's and the ask server's sockets, the setup
 * channel, the CA bundle, the cgroup are not the keeper's to hold
 */
static void close_all_but(int *keep, size_t n)
{
	unsigned int from = 3;
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		close(null_fd);
	}
	qsort(keep, n, sizeof(*keep), cmp_fd);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned int)keep[i] > from)
			syscall(SYS_close_range, from, keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

/* Its own session, signals as a new process has them, no privileges */
static void detach(void)
{
	sigset_t all;

	die_in_child();
	setsid();
	prctl(PR_SET_NAME, "jail-keeper");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
}

/* Return: true when the supervisor said its exit checks are done */
static bool supervisor_done(int fd)
{
	char c = 0;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && c == KEEPER_DONE;
}

/*
 * Until pid 1 of the jail has exited, and so every process of its pid
 * namespace (the kernel reaps them before pid 1 exits)
 */
static void wait_jail_gone(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
}

static __attribute__((noreturn)) void keeper_main(const struct keeper_args *a,
						   int in_fd, int pidfd,
						   const struct keeper_tty *tty)
{
	struct jail_run *run = a->run;
	const struct gitguard *g = run->cfg->git;
	pid_t sup = getppid();
	int keep[KEEPER_MAX_FDS];
	size_t n = 0;

	detach();
	crypto_ca_free(a->ca);
	keep[n++] = in_fd;
	keep[n++] = pidfd;
	keep[n++] = run->log_fd;
	keep[n++] = placeholders_registry_fd(a->ph);
	keep[n++] = tty->fd;
	for (size_t i = 0; g && i < g->n_dirs && n < ARRAY_SIZE(keep); i++)
		keep[n++] = g->dir_fd[i];
	close_all_but(keep, n);
	if (supervisor_done(in_fd))
		_exit(0);
	wait_jail_gone(pidfd);
	tty_restore(tty);
	/*
	 * Forked before the log was opened (off the start's critical path):
	 * our copy of @run opens it now, by the name the supervisor used
	 */
	if (run->log_fd < 0)
		(void)record_open_log(run);
	/* Quiet but for what the checks find: a die() in the supervisor
	 * ends here too, and its error stays the only line */
	if (run->log_fd >= 0) {
		const struct audit_field f[] = {
			AF_STR("reason", "the supervisor ended without "
					 "its exit checks"),
			AF_INT("pid", sup),
		};

		audit_write(run->log_fd, run->cfg->id, "run.killed", f,
			    ARRAY_SIZE(f));
	}
	keeper_exit_checks(run, a->prot, a->ph, NULL, 0);
	limits_cgroup_remove(a->cg_path);
	record_unregister_id(run->cfg);
	ask_srv_unlink();
	_exit(0);
}

/*
 * A supervisor under a real-time policy (chrt; bench/startup's FIFO=1)
 * passes it to its children: the keeper, which only waits, would take a
 * CPU from the jail's start ahead of the setup and command children (a
 * real-time task runs until it blocks). It gets the ordinary policy: it
 * still runs whenever the CPU is free of real-time work, and its checks
 * after a killed supervisor compete with the user's next command on an
 * equal footing. Set by the parent right after the fork, before the
 * keeper usually gets a CPU.
 */
static void keeper_unprioritize(pid_t pid)
{
	const struct sched_param sp = { 0 };
	int policy = sched_getscheduler(0);

	if (policy == SCHED_FIFO || policy == SCHED_RR)
		(void)sched_setscheduler(pid, SCHED_OTHER, &sp);
}

int keeper_start(const struct keeper_args *a, pid_t jail_pid)
{
	int pipe_fd[2];
	int pidfd = (int)syscall(SYS_pidfd_open, jail_pid, 0);
	struct keeper_tty tty;
	pid_t pid;

	if (pidfd < 0)
		die_errno("keeper: pidfd_open");
	if (pipe2(pipe_fd, O_CLOEXEC) < 0)
		die_errno("keeper: pipe");
	/* Here, not in the keeper: the supervisor may enter raw mode first */
	tty_save(&tty);
	pid = fork();
	if (pid < 0)
		die_errno("keeper: fork");
	if (pid == 0) {
		close(pipe_fd[1]);
		keeper_main(a, pipe_fd[0], pidfd, &tty);
	}
	keeper_unprioritize(pid);
	close(pipe_fd[0]);
	close(pidfd);
	if (tty.fd >= 0)
		close(tty.fd);
	return pipe_fd[1];
}

void keeper_done(int fd)
{
	char c = KEEPER_DONE;

	if (fd < 0)
		return;
	(void)!write(fd, &c, 1);
	close(fd);
}

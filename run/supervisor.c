// SPDX-License-Identifier: MIT
/*
 * supervisor.c - the supervisor loop: the user's process while the jail
 * runs
 *
 * Theory of operation: one poll() loop over the setup channel (error lines,
 * the pty master, the seccomp filter's listener, the forwarder's sockets),
 * the listener itself (execs recorded by host/execlog.c and let through,
 * --seccomp-log refusals answered),
 * a signalfd (forwarded signals, SIGCHLD), the --timeout timer, the pty
 * master and the user's terminal (the relay), and the ask server's
 * descriptors (ask.c). The user's terminal is in raw mode while the jail
 * has a pty, and restored on every way out (super_restore_terminal() is
 * also die()'s cleanup). The forwarder is forked from here once the
 * gateway's sockets arrive, after the jail was cloned, so that no process
 * of the jail ever held a secret; when it dies the jail is killed (fail
 * closed). The loop ends when pid 1 is reaped.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
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
#include <time.h>
#include <linux/sched.h>

#include "jail.h"
#include "setup.h"
#include "run/run.h"
#include "fwd/fwd.h"
#include "host/host.h"
#include "parse/parse.h"

/* Supervisor state that die() must be able to undo */
static struct termios saved_tio;

static bool tio_saved;

void super_restore_terminal(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
}

static const int forwarded_signals[] = { SIGINT,  SIGTERM, SIGHUP,
					 SIGQUIT, SIGUSR1, SIGUSR2,
					 SIGWINCH };

sigset_t super_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&set, forwarded_signals[i]);
	sigaddset(&set, SIGCHLD);
	return set;
}

int super_status_to_exit(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return EXIT_JAIL_FAILED;
}

/* Close the gateway's sockets we hold (the forwarder has its copies) */
static void release_listeners(struct super *s)
{
	if (!s->listeners_held)
		return;
	for (size_t i = 0; i < 4; i++) {
		close_fdp(&s->held_listeners[i]);
		s->held_listeners[i] = -1;
	}
	s->listeners_held = false;
}

/*
 * What may give the forwarder something to log: the gateway's sockets,
 * --publish listeners and the ask channel, in an epoll set of ours.
 * Watching a socket is not holding it: an epoll set keeps no reference,
 * so once the forwarder (their only holder) is gone they are closed, and
 * nothing listens. With the traffic word shared with the forwarder, this
 * lets forwarder_is_idle() tell at the end that it has nothing to log.
 * Without either, every end waits for the forwarder's last lines.
 */
static void watch_forwarder_sources(struct super *s)
{
	const int *pub = s->run->publish_fd;
	int fds[4 + JAIL_MAX_PUBLISH + 1];
	size_t n = 0;

	for (size_t i = 0; i < 4; i++)
		fds[n++] = s->held_listeners[i];
	for (size_t i = 0; i < s->cfg->n_publish && i < JAIL_MAX_PUBLISH; i++)
		fds[n++] = pub[i];
	fds[n++] = s->ask_fwd_fd;
	s->fwd_traffic = mmap(NULL, sizeof(*s->fwd_traffic),
			      PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->fwd_traffic == MAP_FAILED) {
		s->fwd_traffic = NULL;
		return;
	}
	s->fwd_idle_ep = epoll_create1(EPOLL_CLOEXEC);
	for (size_t i = 0; i < n && s->fwd_idle_ep >= 0; i++) {
		struct epoll_event ev = { .events = EPOLLIN };

		if (fds[i] >= 0 &&
		    epoll_ctl(s->fwd_idle_ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			close_fdp(&s->fwd_idle_ep);
	}
}

/*
 * At the end, with the jail reaped: true if the forwarder handled
 * nothing and nothing waits for it in its sockets, and it is kept from
 * handling anything from now on (fwd_claim_stop()): it has no last lines
 * to write. Checked before the claim, so an event that came before is
 * either seen here or claimed by the forwarder first.
 */
static bool forwarder_is_idle(struct super *s)
{
	struct epoll_event ev;

	return s->fwd_idle_ep >= 0 &&
	       epoll_wait(s->fwd_idle_ep, &ev, 1, 0) == 0 &&
	       fwd_claim_stop(s->fwd_traffic);
}

/*
 * The forwarder runs outside the jail in the host's namespaces, as a
 * child of the supervisor. It gets the listening sockets (which live in
 * the gateway namespace) and the log; we keep no copy of the sockets, so
 * when it stops nothing listens and the jail has no way out.
 */
static void start_forwarder(struct super *s)
{
	const struct jail_config *cfg = s->cfg;
	const int *slot = s->held_listeners;
	const char *proxy = NULL;
	/* After the jail was cloned: only the forwarder gets a copy */
	char **secret_values = secrets_reveal(s->run);
	struct fwd_params p;
	int done[2];
	pid_t pid;

	if (!cfg->no_upstream_proxy) {
		proxy = getenv("https_proxy");
		if (!proxy || !*proxy)
			proxy = getenv("HTTPS_PROXY");
	}
	if (pipe2(done, O_CLOEXEC) < 0) {
		kill(s->pid, SIGKILL);
		die_errno("start the forwarder");
	}
	watch_forwarder_sources(s);
	p = (struct fwd_params){
		.cfg = cfg,
		.tcp4_fd = slot[0],
		.tcp6_fd = slot[1],
		.udp4_fd = slot[2],
		.udp6_fd = slot[3],
		.log_fd = s->run->log_fd,
		.jail_id = cfg->id,
		.upstream_proxy = proxy && *proxy ? proxy : NULL,
		.host_ports = cfg->host_ports,
		.n_host_ports = cfg->n_host_ports,
		.ipv6 = cfg->ipv6,
		.parent = getpid(),
		.max_conns = (unsigned int)cfg->max_connections,
		.secret_values = secret_values,
		.placeholders = s->run->secret_placeholder,
		.ca = s->ca,
		.ask_fd = s->ask_fwd_fd,
		.publish_pool = s->pub_pool,
		.n_publish_pool = s->n_pub_pool,
		.publish_fd = s->run->publish_fd,
		.done_fd = done[1],
		.traffic = s->fwd_idle_ep >= 0 ? s->fwd_traffic : NULL,
	};
	pid = fork();
	if (pid < 0) {
		kill(s->pid, SIGKILL);
		die_errno("start the forwarder");
	}
	if (pid == 0) {
		sigset_t none;

		die_in_child();
		die_set_channel(-1);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_IGN);
		fwd_run(&p);
	}
	secrets_forget(secret_values, cfg->n_secrets);
	close(done[1]);
	s->fwd_done_fd = done[0];
	release_listeners(s);
	/* Only the forwarder listens: when it stops, the ports are free */
	fwd_publish_close(s->run);
	for (size_t i = 0; i < s->n_pub_pool; i++)
		close(s->pub_pool[i]);
	s->n_pub_pool = 0;
	ask_srv_forwarder_started(s->ask);
	s->ask_fwd_fd = -1;
	s->fwd_pid = pid;
}

/*
 * The gateway's sockets are sent while the jail is still being set up;
 * they are taken only once COMMAND runs (our end of the setup socket
 * closes at its exec), so that the forwarder's start (a fork of this
 * process and its fence, about 0.5 ms of CPU) does not compete with the
 * last setup steps. Until it accepts, a connection from the jail waits
 * in the listening socket's queue and a DNS query in the resolver
 * socket's buffer.
 */
static void hold_listeners(struct super *s, const char *present,
			   const int *fds, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < 4; i++)
		s->held_listeners[i] = present[i] && k < n ? fds[k++] : -1;
	s->listeners_held = true;
}

/*
 * The gateway's sockets, sent by pid 1 on @s->gw_fd (MSG_LISTENERS)
 * before it released COMMAND: once COMMAND runs they are there, unless
 * the setup failed. Read only now, so their arrival woke no one while
 * the jail was being set up.
 */
static void take_listeners(struct super *s)
{
	char buf[8] = "";
	int fds[4];
	size_t nfd = 0;
	ssize_t n;

	if (s->gw_fd < 0)
		return;
	n = recv_fds(s->gw_fd, buf, sizeof(buf), fds, ARRAY_SIZE(fds), &nfd,
		     MSG_DONTWAIT);
	close_fdp(&s->gw_fd);
	s->gw_fd = -1;
	if (n == 5 && buf[0] == MSG_LISTENERS && nfd && !s->fwd_pid &&
	    !s->listeners_held) {
		hold_listeners(s, buf + 1, fds, nfd);
		return;
	}
	for (size_t i = 0; i < nfd; i++)
		close(fds[i]);
}

/* --publish: keep the gateway's sockets for the forwarder */
static void take_publish_pool(struct super *s, const struct cmsghdr *cm)
{
	size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	int fds[GITGUARD_MAX_FDS];

	if (nfd > ARRAY_SIZE(fds))
		nfd = ARRAY_SIZE(fds);
	memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
	for (size_t i = 0; i < nfd; i++) {
		if (s->n_pub_pool < ARRAY_SIZE(s->pub_pool))
			s->pub_pool[s->n_pub_pool++] = fds[i];
		else
			close(fds[i]);
	}
}

/*
 * The private git dirs' tmpfs mounts, new: copy in while the jail builds
 * its view; COMMAND waits for MSG_GIT_FILLED. A failure stops the jail
 * before COMMAND runs.
 */
static void fill_git_dirs(struct super *s)
{
	char filled = MSG_GIT_FILLED;

	if (gitguard_fill(s->cfg, s->git_fd, s->n_git_fd, s->git_excl) == 0 &&
	    send(s->chan_fd, &filled, 1, MSG_NOSIGNAL) == 1)
		return;
	s->git_failed = true;
	kill(s->pid, SIGKILL);
}

/*
 * MSG_GITDIRS: the private tmpfs over placeholders, after the private git
 * dirs' (two per git dir: gitguard_new_private(); or none if there are none)
 */
static void take_private_fds(struct super *s, const struct cmsghdr *cm)
{
	size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	size_t n_dirs = s->cfg->git ? 2 * s->cfg->git->n_dirs : 0;
	int fds[GITGUARD_MAX_FDS];

	memcpy(fds, CMSG_DATA(cm), n * sizeof(int));
	s->has_priv_fd = true;
	for (size_t i = 0; i < n; i++) {
		if (s->n_git_fd == n_dirs + i && s->n_git_fd < GITGUARD_MAX_FDS)
			s->git_fd[s->n_git_fd++] = fds[i];
		else
			close(fds[i]);
	}
}

static void recv_from_child(struct super *s)
{
	char buf[1100] = "";
	char cbuf[CMSG_SPACE(GITGUARD_MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(s->chan_fd, &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	if (n <= 0) {
		/*
		 * A child that died with our "log ready" unread makes the
		 * next recv fail with ECONNRESET once, ahead of the error
		 * lines still queued: read on
		 */
		if (n < 0 && (errno == EINTR || errno == ECONNRESET))
			return;
		s->setup_done = true;
		/* COMMAND runs (or the setup failed) */
		take_listeners(s);
		if (s->listeners_held && !s->reaped)
			start_forwarder(s);
		return;
	}
	if (cm && cm->cmsg_type == SCM_RIGHTS && buf[0] == MSG_PTY) {
		memcpy(&s->master_fd, CMSG_DATA(cm), sizeof(int));
		fcntl(s->master_fd, F_SETFL, O_NONBLOCK);
		return;
	}
	if (cm && cm->cmsg_type == SCM_RIGHTS && buf[0] == MSG_GITFS &&
	    n == 1 && !s->n_git_fd && !(mh.msg_flags & MSG_CTRUNC)) {
		s->n_git_fd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(s->git_fd, CMSG_DATA(cm), s->n_git_fd * sizeof(int));
		fill_git_dirs(s);
		return;
	}
	if (cm && cm->cmsg_type == SCM_RIGHTS && buf[0] == MSG_GITDIRS &&
	    n == 1 && !s->has_priv_fd && !(mh.msg_flags & MSG_CTRUNC)) {
		take_private_fds(s, cm);
		return;
	}
	if (cm && cm->cmsg_type == SCM_RIGHTS && buf[0] == MSG_NOTIFY) {
		memcpy(&s->notify_fd, CMSG_DATA(cm), sizeof(int));
		filter_notify_tune(s->notify_fd);
		return;
	}
	if (cm && cm->cmsg_type == SCM_RIGHTS && buf[0] == MSG_PUBLISH_POOL &&
	    n == 1 && !s->fwd_pid) {
		take_publish_pool(s, cm);
		return;
	}
	super_restore_terminal();
	(void)write_all(STDERR_FILENO, buf, (size_t)n);
}

static void enter_raw_mode(void)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return;
	tio_saved = true;
	raw = saved_tio;
	cfmakeraw(&raw);
	tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
}

static void reap_children(struct super *s)
{
	int st;

	if (!s->reaped && waitpid(s->pid, &st, WNOHANG) == s->pid) {
		s->status = st;
		s->reaped = true;
	}
	if (s->fwd_pid > 0 && waitpid(s->fwd_pid, &st, WNOHANG) == s->fwd_pid) {
		s->fwd_status = st;
		s->fwd_pid = -1;
		/* Fail closed: without its forwarder the jail is stopped */
		if (!s->reaped) {
			s->fwd_died = true;
			kill(s->pid, SIGKILL);
		}
	}
}

/*
 * Let the forwarder log its open connections, then wait (3 s at most)
 * until it says the log is complete (its end of @s->fwd_done_fd closes)
 * or it is gone; a forwarder that handled nothing has nothing to log
 * (fwd_claim_stop()): no wait then. Its exit (about 0.3 ms: a fork of
 * this process) goes on while the run ends; super_reap_forwarder() waits
 * for it last.
 */
void super_stop_forwarder(struct super *s)
{
	autoclose int pfd = -1;
	struct pollfd p[2] = { { -1, POLLIN, 0 },
			       { s->fwd_done_fd, POLLIN, 0 } };
	bool is_idle;
	int n = 0;

	/* The jail ended before COMMAND ran: nothing to stop */
	if (s->gw_fd >= 0) {
		close_fdp(&s->gw_fd);
		s->gw_fd = -1;
	}
	release_listeners(s);
	if (s->fwd_pid <= 0)
		return;
	is_idle = forwarder_is_idle(s);
	close_fdp(&s->fwd_idle_ep);
	s->fwd_idle_ep = -1;
	kill(s->fwd_pid, SIGTERM);
	if (is_idle) {
		close_fdp(&s->fwd_done_fd);
		s->fwd_done_fd = -1;
		return;
	}
	pfd = (int)syscall(SYS_pidfd_open, s->fwd_pid, 0);
	p[0].fd = pfd;
	if (pfd >= 0 || s->fwd_done_fd >= 0)
		do
			n = poll(p, 2, 3000);
		while (n < 0 && errno == EINTR);
	close_fdp(&s->fwd_done_fd);
	s->fwd_done_fd = -1;
	/* Timed out: stopped without its last lines */
	if (n <= 0)
		kill(s->fwd_pid, SIGKILL);
	if (n <= 0 || pfd < 0)
		super_reap_forwarder(s);
}

void super_reap_forwarder(struct super *s)
{
	if (s->fwd_pid <= 0)
		return;
	while (waitpid(s->fwd_pid, &s->fwd_status, 0) < 0 && errno == EINTR)
		;
	s->fwd_pid = -1;
}

static void on_signal(struct super *s)
{
	struct signalfd_siginfo si;

	if (read(s->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGCHLD) {
		reap_children(s);
		return;
	}
	/* The kernel tells the pty's foreground group about size changes */
	if (si.ssi_signo == SIGWINCH && s->master_fd >= 0) {
		struct winsize ws;

		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(s->master_fd, TIOCSWINSZ, &ws);
		return;
	}
	kill(s->pid, (int)si.ssi_signo);
}

static void on_timeout(struct super *s)
{
	uint64_t n;

	if (read(s->timer_fd, &n, sizeof(n)) != sizeof(n))
		return;
	s->timed_out = true;
	kill(s->pid, SIGKILL);
}

/* Copy what COMMAND wrote to the pty to our stdout, filtered */
static void pump_output(struct super *s)
{
	uint8_t buf[16384];
	ssize_t n = read(s->master_fd, buf, sizeof(buf));

	if (n > 0) {
		(void)ttyrelay_write(s->tty, STDOUT_FILENO, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EIO: every slave descriptor is closed */
	close(s->master_fd);
	s->master_fd = -1;
}

static void pump_input(struct super *s, short revents)
{
	if (s->in_len == 0 && (revents & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = read(STDIN_FILENO, s->inbuf, sizeof(s->inbuf));

		if (n > 0)
			s->in_len = (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			s->stdin_open = false;
	}
}

static void flush_input(struct super *s)
{
	ssize_t n = write(s->master_fd, s->inbuf, s->in_len);

	if (n > 0) {
		memmove(s->inbuf, s->inbuf + n, s->in_len - (size_t)n);
		s->in_len -= (size_t)n;
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		s->in_len = 0;
	}
}

static void drain_output(struct super *s)
{
	while (s->master_fd >= 0) {
		uint8_t buf[16384];
		ssize_t n = read(s->master_fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		(void)ttyrelay_write(s->tty, STDOUT_FILENO, buf, (size_t)n);
	}
}

static void audit_syscall_deny(const struct super *s, const char *name,
			       const char *comm, pid_t pid)
{
	const struct audit_field f[] = {
		AF_STR("syscall", name),
		AF_STR("comm", comm),
		AF_INT("pid", pid),
	};

	audit_write(s->run->log_fd, s->cfg->id, "syscall.deny", f,
		    ARRAY_SIZE(f));
}

/*
 * Answer one notification: a refused system call (--seccomp-log), logged
 * and answered with its errno, or an exec, recorded and let through.
 * poll() has just said one is pending: no second poll() to ask again.
 */
static void on_seccomp_notify(struct super *s)
{
	struct filter_denial d;
	int err = filter_notify_handle_polled(s->notify_fd, &d);

	if (err == -ENOENT || err == -EAGAIN || err == -EINTR)
		return;
	if (err < 0) {
		close(s->notify_fd);
		s->notify_fd = -1;
		return;
	}
	if (d.is_exec) {
		if (!s->exec_log)
			s->exec_log = execlog_new(s->run, s->pid);
		execlog_handle(s->exec_log, s->notify_fd, &d);
		return;
	}
	/* Read while the caller was still blocked in the refused call */
	audit_syscall_deny(s, d.name, d.comm[0] ? d.comm : "?", d.pid);
}

enum { P_CHAN, P_SIG, P_TIMER, P_MASTER, P_STDIN, P_NOTIFY, P_N };

/* ---- Ctrl-Z: the jailed foreground job stops, so do we ------------- */

#define JOB_CHECK_MS 150	/* how often a stopped job is looked for */

/*
 * Return: the process group of the terminal's foreground job when it is
 * COMMAND's (its parent is the session leader, the waiter of child.c) and
 * stopped, else 0. A job a shell inside started has the shell as parent:
 * the shell's own job control handles it.
 */
static pid_t stopped_command(const struct super *s)
{
	char path[64], buf[512], state;
	pid_t pgrp, sid;
	long ppid;
	ssize_t n;
	const char *end;
	autoclose int fd = -1;

	if (ioctl(s->master_fd, TIOCGPGRP, &pgrp) < 0 ||
	    ioctl(s->master_fd, TIOCGSID, &sid) < 0 || pgrp <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pgrp);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "PID (COMM) S PPID ...": COMM may hold anything, even ")" */
	end = strrchr(buf, ')');
	if (!end || end[1] != ' ' || !end[2] || end[3] != ' ')
		return 0;
	state = end[2];
	{
		char *stop = NULL;

		errno = 0;
		ppid = strtol(end + 4, &stop, 10);
		if (errno || stop == end + 4 || *stop != ' ')
			return 0;
	}
	return state == 'T' && ppid == sid ? pgrp : 0;
}

/*
 * COMMAND stopped (Ctrl-Z): show what it wrote, give the user's terminal
 * back, and stop with SIGTSTP so the user's shell says "Stopped". `fg`
 * continues us here: raw mode again, the window's size now, and the job
 * continued. A shell without job control (an orphaned group) discards
 * the SIGTSTP: then the job simply continues.
 */
static void suspend_with(struct super *s, pid_t pgrp)
{
	struct pollfd p = { s->master_fd, POLLIN, 0 };
	struct winsize ws;

	for (int i = 0; i < 64 && s->master_fd >= 0 && poll(&p, 1, 0) > 0 &&
			(p.revents & POLLIN);
	     i++)
		pump_output(s);
	super_restore_terminal();
	kill(getpid(), SIGTSTP);
	enter_raw_mode();
	if (s->master_fd >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(s->master_fd, TIOCSWINSZ, &ws);
	kill(-pgrp, SIGCONT);
}

/* At most every JOB_CHECK_MS, while the terminal is relayed */
static void check_job(struct super *s)
{
	struct timespec ts;
	uint64_t now;
	pid_t pgrp;

	if (!tio_saved || s->master_fd < 0 || !s->setup_done)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (now - s->job_checked_ms < JOB_CHECK_MS)
		return;
	s->job_checked_ms = now;
	pgrp = stopped_command(s);
	if (pgrp > 0)
		suspend_with(s, pgrp);
}

/* The poll timeout: @t (ask.c's), shortened while a terminal is relayed */
static int job_timeout(const struct super *s, int t)
{
	if (!tio_saved || s->master_fd < 0)
		return t;
	return t < 0 || t > JOB_CHECK_MS ? JOB_CHECK_MS : t;
}

/*
 * A question was drawn over COMMAND's last row (ask.c): have COMMAND
 * redraw its screen. Full-screen programs redraw on a size change, so
 * the pty is made one row shorter now and given its size back shortly
 * after (check_redraw()): two SIGWINCHs, two full redraws.
 */
static void nudge_redraw(struct super *s)
{
	struct winsize ws;
	struct timespec ts;

	if (!tio_saved || s->master_fd < 0 ||
	    ioctl(s->master_fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row < 2)
		return;
	s->redraw_ws = ws;
	ws.ws_row--;
	ioctl(s->master_fd, TIOCSWINSZ, &ws);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->redraw_at_ms = (uint64_t)ts.tv_sec * 1000 +
			  (uint64_t)ts.tv_nsec / 1000000 + 60;
}

static void check_redraw(struct super *s)
{
	struct timespec ts;

	if (!s->redraw_at_ms || s->master_fd < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 <
	    s->redraw_at_ms)
		return;
	s->redraw_at_ms = 0;
	ioctl(s->master_fd, TIOCSWINSZ, &s->redraw_ws);
}

#define P_ASK_MAX (ASK_MAX + 16)	/* ask.c's descriptors */

/*
 * While a terminal prompt is up (ask.c), COMMAND's output waits in the
 * pty and the user's keys go to the prompt alone.
 */
static void pause_for_prompt(const struct super *s, struct pollfd *p)
{
	if (!ask_srv_prompting(s->ask))
		return;
	p[P_MASTER].fd = s->in_len ? s->master_fd : -1;
	p[P_MASTER].events = POLLOUT;
	p[P_STDIN].fd = -1;
}

void super_run(struct super *s)
{
	while (!s->reaped) {
		struct pollfd p[P_N + P_ASK_MAX] = {
			[P_CHAN] = { s->setup_done ? -1 : s->chan_fd, POLLIN,
				     0 },
			[P_SIG] = { s->sig_fd, POLLIN, 0 },
			[P_TIMER] = { s->timer_fd, POLLIN, 0 },
			[P_MASTER] = { s->master_fd,
				       (short)(POLLIN |
					       (s->in_len ? POLLOUT : 0)),
				       0 },
			[P_STDIN] = { s->master_fd >= 0 && s->stdin_open &&
						      !s->in_len ?
					      STDIN_FILENO :
					      -1,
				      POLLIN, 0 },
			[P_NOTIFY] = { s->notify_fd, POLLIN, 0 },
		};
		size_t n_ask;
		bool paused;

		/* First: ask_srv_pollfds() may put a question up, and then
		 * stdin must be the question's alone, not read twice */
		n_ask = ask_srv_pollfds(s->ask, p + P_N, P_ASK_MAX);
		pause_for_prompt(s, p);
		paused = ask_srv_prompting(s->ask);
		if (poll(p, P_N + n_ask,
			 job_timeout(s, ask_srv_timeout(s->ask))) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		ask_srv_events(s->ask, p + P_N, n_ask);
		if (paused && !ask_srv_prompting(s->ask))
			nudge_redraw(s);
		if (p[P_CHAN].revents) {
			recv_from_child(s);
			if (s->setup_done && s->master_fd >= 0)
				enter_raw_mode();
		}
		if (p[P_SIG].revents)
			on_signal(s);
		if (p[P_TIMER].revents)
			on_timeout(s);
		if (s->master_fd >= 0 && (p[P_MASTER].revents & POLLOUT))
			flush_input(s);
		if (s->master_fd >= 0 && !paused &&
		    (p[P_MASTER].revents & (POLLIN | POLLHUP | POLLERR)))
			pump_output(s);
		if (p[P_STDIN].revents)
			pump_input(s, p[P_STDIN].revents);
		if (p[P_NOTIFY].revents & POLLIN)
			on_seccomp_notify(s);
		else if (p[P_NOTIFY].revents) {
			close(s->notify_fd);
			s->notify_fd = -1;
		}
		check_job(s);
		check_redraw(s);
	}
	drain_output(s);
	execlog_finish(s->exec_log);
	/* Error lines sent just before pid 1 exited */
	while (!s->setup_done) {
		struct pollfd p = { s->chan_fd, POLLIN, 0 };

		if (poll(&p, 1, 0) <= 0)
			break;
		recv_from_child(s);
	}
}

int super_arm_timer(const struct jail_config *cfg)
{
	struct itimerspec its = { 0 };
	int fd;

	if (!cfg->timeout_ms)
		return -1;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		die_errno("timerfd");
	its.it_value.tv_sec = (time_t)(cfg->timeout_ms / 1000);
	its.it_value.tv_nsec = (long)(cfg->timeout_ms % 1000) * 1000000;
	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		die_errno("timerfd");
	return fd;
}

void super_fill_go(struct go_msg *go, const struct jail_config *cfg)
{
	memset(go, 0, sizeof(*go));
	go->has_tty = cfg->is_tty && tcgetattr(STDIN_FILENO, &go->tio) == 0;
	go->out_is_tty = isatty(STDOUT_FILENO);
	if (go->has_tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &go->ws) < 0)
		memset(&go->ws, 0, sizeof(go->ws));
}

// SPDX-License-Identifier: MIT
/*
 * icptthread.c - the interception process: every intercepted or brokered
 * connection served on a thread of its own inside one process
 * (intercept.c's theory of operation)
 *
 * The forwarder forks the process when the first such connection comes
 * (icpt_hand_off()) and hands it each connection afterwards over a unix
 * socket: the descriptor (SCM_RIGHTS) and the forwarder's decision (the
 * host, the addresses it may dial, the proxy; struct icpt_handoff). The
 * send never waits: a process that cannot take more refuses. The process
 * holds one slot of brokers[], so that broker_stop_all() and
 * broker_revoke() reach it; a revocation kills it, and the next
 * connection gets a fresh one, a fork of the forwarder's memory without
 * the revoked value. So does a connection after a crash.
 *
 * Each connection has a thread with a small stack, of which only the
 * pages it touches are memory (the unused part given back when the
 * connection is quiet, icpt_stack_release()), and its state in pages of
 * its own (icpt_new()), given back when it ends. The process holds at
 * most BROKER_MAX of them; the one after is refused and logged. Its end,
 * wherever it is decided (icpt_finish()), jumps back to the thread's
 * start, which frees what the connection held. malloc keeps few arenas
 * (ICPT_ARENAS), so that idle threads do not each hold free pages.
 *
 * The trade: one process holds every connection, so a crash of one
 * connection's thread ends them all; the forwarder lives on and starts a
 * fresh process for the next one. Secrets are not more exposed than
 * before: every process forked from the forwarder held every value.
 *
 * Signals: the main thread takes connections and blocks every signal but
 * in its wait. SIGTERM (the forwarder stopping, or its death) may land
 * on any thread; its handler raises broker_is_stopping and wakes the
 * main thread (a pipe), which sends ICPT_SIG_WAKE to each connection's
 * thread, then gives them a moment for their last log lines. A thread
 * blocks both in its relay but inside its wait (ppoll()), so that no
 * stop falls between the check and the wait.
 */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include "jail.h"
#include "fwd/icpt.h"

/* Reserved for a thread's stack: only the pages it uses are memory (the
 * sanitizers' redzones make frames several times larger) */
#ifdef JAIL_SANITIZE
#define ICPT_STACK (1 << 20)
#else
#define ICPT_STACK (256 << 10)
#endif

/* Kept below the caller of icpt_stack_release(): its callees' frames */
#define ICPT_STACK_KEEP 2048

/* malloc arenas the connections' threads share (the forwarder's too) */
#define ICPT_ARENAS 2

/* After a stop: how long the connections have to log their end */
#define ICPT_STOP_MS 400

/*
 * The forwarder's send buffer towards the process: room for BROKER_MAX
 * hand-offs waiting (the kernel doubles it, and charges each one about
 * twice its size). The default holds about 49, so a process slow to
 * take them (its start, a busy machine) turned connections below the
 * bound into refusals.
 */
#define ICPT_QUEUE_BYTES ((int)(BROKER_MAX * 2 * sizeof(struct icpt_handoff)))

/* One connection's thread */
struct icpt_conn {
	bool is_used;			/* under conns_lock */
	pthread_t t;
	int jail_fd;
	struct icpt_handoff h;
	struct icpt *ic;		/* its state (icpt_new()) */
	uint8_t *lo, *hi;		/* its stack (pages), once it runs */
	jmp_buf end;			/* icpt_end() comes back here */
};

static const struct fwd_params *proc_p;
static struct icpt_conn conns[BROKER_MAX];
static unsigned int n_conns;		/* under conns_lock */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static int stop_fd = -1;		/* written on SIGTERM */
static __thread struct icpt_conn *self;

/* The forwarder's side: the process and its socket */
static pid_t proc_pid;
static int proc_slot = -1;
static int proc_fd = -1;

static void on_stop(int sig)
{
	int saved = errno;

	(void)sig;
	broker_is_stopping = 1;
	if (stop_fd >= 0)
		(void)!write(stop_fd, "", 1);
	errno = saved;
}

void icpt_block_stop(void)
{
	sigset_t m;

	sigemptyset(&m);
	sigaddset(&m, SIGTERM);
	sigaddset(&m, ICPT_SIG_WAKE);
	pthread_sigmask(SIG_BLOCK, &m, NULL);
}

struct icpt *icpt_new(void)
{
	void *ic = mmap(NULL, sizeof(struct icpt), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (ic == MAP_FAILED)
		return NULL;
	self->ic = ic;
	return ic;
}

__attribute__((noreturn)) void icpt_end(struct icpt *ic)
{
	(void)ic;
	longjmp(self->end, 1);
}

/* The bounds of the calling thread's stack, for icpt_stack_release() */
static void note_stack(struct icpt_conn *c)
{
	pthread_attr_t a;
	void *lo;
	size_t len;

	if (pthread_getattr_np(pthread_self(), &a))
		return;
	if (!pthread_attr_getstack(&a, &lo, &len)) {
		c->lo = lo;
		c->hi = c->lo + len;
	}
	pthread_attr_destroy(&a);
}

static void *conn_main(void *arg)
{
	struct icpt_conn *c = arg;
	sigset_t m;

	self = c;
	note_stack(c);
	/* A stop lets a blocking handshake or dial end at once */
	sigemptyset(&m);
	sigaddset(&m, SIGTERM);
	sigaddset(&m, ICPT_SIG_WAKE);
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	if (!setjmp(c->end)) {
		if (c->h.is_plain)
			broker_serve_plain(proc_p, c->jail_fd, &c->h);
		else
			broker_serve_tls(proc_p, c->jail_fd, &c->h);
	}
	icpt_block_stop();
	if (c->ic) {
		icpt_release(c->ic);
		munmap(c->ic, sizeof(*c->ic));
		c->ic = NULL;
	}
	close(c->jail_fd);
	pthread_mutex_lock(&conns_lock);
	c->is_used = false;
	n_conns--;
	pthread_mutex_unlock(&conns_lock);
	return NULL;
}

/* A free record for a new connection, or NULL when BROKER_MAX run */
static struct icpt_conn *conn_take(void)
{
	struct icpt_conn *c = NULL;

	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < ARRAY_SIZE(conns) && !c; i++)
		if (!conns[i].is_used)
			c = &conns[i];
	if (c) {
		c->is_used = true;
		n_conns++;
	}
	pthread_mutex_unlock(&conns_lock);
	return c;
}

static void conn_put_back(struct icpt_conn *c)
{
	pthread_mutex_lock(&conns_lock);
	c->is_used = false;
	n_conns--;
	pthread_mutex_unlock(&conns_lock);
}

/* A connection handed over: its thread, or refused (logged) */
static void conn_start(int jail_fd, const struct icpt_handoff *h)
{
	struct icpt_conn *c = conn_take();
	pthread_attr_t a;
	bool is_started = false;

	if (c) {
		c->jail_fd = jail_fd;
		c->h = *h;
		c->ic = NULL;
		c->lo = c->hi = NULL;
		if (!pthread_attr_init(&a)) {
			is_started =
				!pthread_attr_setstacksize(&a, ICPT_STACK) &&
				!pthread_attr_setdetachstate(
					&a, PTHREAD_CREATE_DETACHED) &&
				!pthread_create(&c->t, &a, conn_main, c);
			pthread_attr_destroy(&a);
		}
		if (is_started)
			return;
		conn_put_back(c);
	}
	broker_log_refused_port(proc_p, h->host, h->is_plain ? 443 : h->port,
				c ? "cannot start the broker" :
				    "too many brokered requests");
	close(jail_fd);
}

/* Return: a connection's descriptor and @h from the forwarder, -EAGAIN
 * for nothing (or not one whole), or -EPIPE when it is gone */
static int recv_handoff(int fd, struct icpt_handoff *h)
{
	int jail_fd = -1;
	size_t nfd = 0;
	ssize_t n = recv_fds(fd, h, sizeof(*h), &jail_fd, 1, &nfd,
			     MSG_DONTWAIT);

	if (n == 0 || (n < 0 && n != -EAGAIN && n != -EINTR))
		return -EPIPE;
	if (n < 0 || !nfd)
		return -EAGAIN;
	if ((size_t)n != sizeof(*h)) {
		close(jail_fd);
		return -EAGAIN;
	}
	h->host[sizeof(h->host) - 1] = '\0';
	h->name[sizeof(h->name) - 1] = '\0';
	return jail_fd;
}

/* Every connection told to end, a moment given for their log lines */
static __attribute__((noreturn)) void proc_stop(void)
{
	broker_is_stopping = 1;
	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < ARRAY_SIZE(conns); i++)
		if (conns[i].is_used)
			pthread_kill(conns[i].t, ICPT_SIG_WAKE);
	pthread_mutex_unlock(&conns_lock);
	for (int round = 0; round < ICPT_STOP_MS / 10; round++) {
		unsigned int left;

		pthread_mutex_lock(&conns_lock);
		left = n_conns;
		pthread_mutex_unlock(&conns_lock);
		if (!left)
			break;
		usleep(10000);
	}
	_exit(0);
}

/*
 * The process's signals, name and descriptors (@ctl_fd: the forwarder).
 * Return: the read end of the stop pipe
 */
static int proc_setup(const struct fwd_params *p, int ctl_fd)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t all;
	int sv[2];

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	prctl(PR_SET_NAME, "jail-tls", 0, 0, 0);
	broker_close_all_but((const int[]){ ctl_fd, p->log_fd, p->ask_fd }, 3);
	if (pipe2(sv, O_CLOEXEC | O_NONBLOCK) < 0)
		_exit(0);
	stop_fd = sv[1];
	/* No SA_RESTART: a blocking call of a thread returns on a stop */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(ICPT_SIG_WAKE, &sa, NULL);
	(void)mallopt(M_ARENA_MAX, ICPT_ARENAS);
#ifdef JAIL_SANITIZE
	/*
	 * glibc's malloc sets itself up at its first call, unsafely for two
	 * threads at once. The forwarder's own allocations made that call
	 * before the fork, but the sanitizers' allocator takes malloc() and
	 * mallopt(), not malloc_trim(): the first call would be the
	 * connections' malloc_trim() when they go idle, often many at once,
	 * and a race there leaves glibc's main arena attached to two threads
	 * but counted once. glibc then aborts at the second one's exit (or
	 * faults earlier), ending every connection. One call here, before
	 * any thread, sets it up.
	 */
	(void)malloc_trim(0);
#endif
	proc_p = p;
	return sv[0];
}

/*
 * The interception process: connections from the forwarder, each on a
 * thread of its own, until the forwarder stops or is gone.
 * Context: forked from the forwarder (icpt_hand_off())
 */
static __attribute__((noreturn)) void proc_main(const struct fwd_params *p,
						int ctl_fd)
{
	int wake_fd = proc_setup(p, ctl_fd);
	sigset_t none;

	sigemptyset(&none);
	/* SIGTERM is blocked from the fork on: one sent meanwhile waits */
	while (!broker_is_stopping) {
		struct pollfd pf[2] = {
			{ .fd = ctl_fd, .events = POLLIN },
			{ .fd = wake_fd, .events = POLLIN },
		};
		struct icpt_handoff h;
		int fd;

		if (ppoll(pf, 2, NULL, &none) <= 0)
			continue;
		if (pf[1].revents)
			break;
		fd = recv_handoff(ctl_fd, &h);
		if (fd == -EPIPE)
			break;
		if (fd >= 0)
			conn_start(fd, &h);
	}
	proc_stop();
}

/* Is the interception process we forked still there to take one more? */
static bool proc_is_alive(void)
{
	return proc_fd >= 0 && proc_slot >= 0 &&
	       broker_brokers[proc_slot] == proc_pid && kill(proc_pid, 0) == 0;
}

/* Return: 0 with the interception process ready, or negative errno */
static int proc_ensure(const struct fwd_params *p)
{
	sigset_t term, old;
	int sv[2], slot;
	pid_t pid;

	if (proc_is_alive())
		return 0;
	if (proc_fd >= 0)
		close(proc_fd);
	proc_fd = -1;
	slot = broker_slot();
	if (slot < 0)
		return -EAGAIN;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* Capped at net.core.wmem_max: the default 208 KiB still fits 98 */
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF,
			 &(int){ ICPT_QUEUE_BYTES }, sizeof(int));
	/* Blocked across the fork: the child takes it once it can */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		proc_main(p, sv[1]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -EAGAIN;
	}
	broker_brokers[slot] = pid;
	proc_slot = slot;
	proc_pid = pid;
	proc_fd = sv[0];
	return 0;
}

int icpt_hand_off(const struct fwd_params *p, int jail_fd,
		  const struct icpt_handoff *h)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)h, .iov_len = sizeof(*h) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int err = 0;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &jail_fd, sizeof(int));
	/* Twice at most: a process that died (a crash) is replaced once */
	for (int round = 0; round < 2; round++) {
		err = proc_ensure(p);
		if (err < 0)
			return err;
		if (sendmsg(proc_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(*h))
			return 0;
		err = -errno;
		if (err == -EAGAIN)
			return err;	/* busy: refused, never waited for */
		close(proc_fd);
		proc_fd = -1;
	}
	return err;
}

void icpt_stack_release(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *here = __builtin_frame_address(0);
	struct icpt_conn *c = self;

	/* Only on a connection's own stack, whose bounds are known (its low
	 * end a page boundary: it was mapped) */
	if (!c || !c->lo || here <= c->lo + ICPT_STACK_KEEP || here > c->hi ||
	    (uintptr_t)c->lo % pg)
		return;
	(void)madvise(c->lo, (size_t)(here - ICPT_STACK_KEEP - c->lo) / pg * pg,
		      MADV_DONTNEED);
}

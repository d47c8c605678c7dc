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
 * the revoked value. So does a connection after a crash. Either end is
 * logged by the forwarder, which reads its SIGCHLD (icpt_child_ended()).
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
 * An idle connection has no thread: quiet for ICPT_TRIM_MS, its thread
 * parks it (icpt_park()) and ends, which gives back what a thread holds
 * besides the connection (malloc's per-thread cache of freed blocks,
 * libcrypto's per-thread error state and random generators, its stack).
 * The main thread watches a parked connection's sockets and starts a
 * new thread for it when one is readable or its quiet runs out; that
 * thread takes the relay up where it was (broker_resume()).
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

/* Below a thread's stack: a fault, never another mapping */
#define ICPT_GUARD (16 << 10)

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
#define ICPT_QUEUE_BYTES \
	((int)(sizeof(struct icpt_handoff) * 2 * (size_t)BROKER_MAX))

/* A parked connection whose new thread could not start: tried again */
#define ICPT_RETRY_MS 100

/* One connection and its thread, while it has one */
struct icpt_conn {
	bool is_used;			/* under conns_lock */
	bool is_parked;		/* no thread: proc_main() watches */
	bool is_expired;		/* resumed when its quiet ran out */
	int watch[2];		/* a parked one's sockets (or -1) */
	uint64_t park_end_ms;		/* then its quiet runs out */
	uint64_t retry_ms;		/* a thread tried again then (or 0) */
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
static int park_fd = -1;		/* written when a thread ends */
static __thread struct icpt_conn *self;

/*
 * A thread's stack, mapped here and unmapped once the thread is joined:
 * glibc would keep the stacks it maps for its next threads, a few pages
 * written each, as many as ever ran at once
 */
struct icpt_stack {
	enum { STACK_FREE, STACK_RUNNING, STACK_DONE } state;
	pthread_t t;			/* set by the thread itself */
	uint8_t *base;		/* ICPT_GUARD + ICPT_STACK bytes */
	struct icpt_conn *c;
};

/* The connections' threads, and those that parked them, still ending */
static struct icpt_stack stacks[3 * BROKER_MAX];
static pthread_mutex_t stacks_lock = PTHREAD_MUTEX_INITIALIZER;

/* The forwarder's side: the process and its socket */
static pid_t proc_pid;
static int proc_slot = -1;
static int proc_fd = -1;

/*
 * The connections the process holds, written by it in a page shared
 * with the forwarder, which logs the count when the process ends; the
 * process before the current one, with its count when it was replaced
 */
static uint32_t *proc_n_shared;
static pid_t prev_pid;
static uint32_t prev_n;

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

/* The connection's first start, or its relay again after a park */
static void conn_serve(struct icpt_conn *c)
{
	if (c->ic)
		broker_resume(c->ic);
	else if (c->h.is_plain)
		broker_serve_plain(proc_p, c->jail_fd, &c->h);
	else
		broker_serve_tls(proc_p, c->jail_fd, &c->h);
}

/*
 * @c left to proc_main() until its sockets wake it. Return: false when
 * the process is stopping (the calling thread then ends it itself, so
 * that its end is logged)
 */
static bool conn_park(struct icpt_conn *c)
{
	bool is_parked;

	pthread_mutex_lock(&conns_lock);
	is_parked = !broker_is_stopping;
	if (is_parked) {
		c->is_parked = true;
		c->retry_ms = 0;
		c->park_end_ms = broker_mono_ms() +
				 (BROKER_IDLE_MS - ICPT_TRIM_MS);
	}
	pthread_mutex_unlock(&conns_lock);
	return is_parked;
}

/* @c served on the calling thread until it ends or parks.
 * Return: whether it parked */
static bool conn_run(struct icpt_conn *c)
{
	sigset_t m;
	int how;

	self = c;
	note_stack(c);
	/* A stop lets a blocking handshake or dial end at once */
	sigemptyset(&m);
	sigaddset(&m, SIGTERM);
	sigaddset(&m, ICPT_SIG_WAKE);
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	do {
		how = setjmp(c->end);
		if (!how)
			conn_serve(c);
		icpt_block_stop();
	} while (how == ICPT_PARK && !conn_park(c));
	if (how == ICPT_PARK)
		return true;
	if (c->ic) {
		icpt_release(c->ic);
		munmap(c->ic, sizeof(*c->ic));
		c->ic = NULL;
	}
	close(c->jail_fd);
	pthread_mutex_lock(&conns_lock);
	c->is_used = false;
	n_conns--;
	__atomic_store_n(proc_n_shared, n_conns, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&conns_lock);
	return false;
}

/*
 * A connection's thread: its end told to proc_main() ('p' when it
 * parked the connection, 'e' when the connection ended), which joins
 * it and unmaps its stack (stacks_reap())
 */
static void *conn_main(void *arg)
{
	struct icpt_stack *st = arg;
	bool is_parked;

	pthread_mutex_lock(&stacks_lock);
	st->t = pthread_self();
	pthread_mutex_unlock(&stacks_lock);
	is_parked = conn_run(st->c);
	pthread_mutex_lock(&stacks_lock);
	st->state = STACK_DONE;
	pthread_mutex_unlock(&stacks_lock);
	(void)!write(park_fd, is_parked ? "p" : "e", 1);
	return NULL;
}

void icpt_park(const struct pollfd pf[2])
{
	struct icpt_conn *c = self;

	if (!c || !c->ic || broker_is_stopping)
		return;
	c->watch[0] = pf[0].fd;
	c->watch[1] = pf[1].fd;
	longjmp(c->end, ICPT_PARK);
}

bool icpt_is_expired(void)
{
	struct icpt_conn *c = self;
	bool is_expired = c && c->is_expired;

	if (is_expired)
		c->is_expired = false;
	return is_expired;
}

/* Return: a free stack record, mapped, taken for @c; or NULL */
static struct icpt_stack *stack_take(struct icpt_conn *c)
{
	struct icpt_stack *st = NULL;
	uint8_t *base;

	pthread_mutex_lock(&stacks_lock);
	for (size_t i = 0; i < ARRAY_SIZE(stacks) && !st; i++)
		if (stacks[i].state == STACK_FREE)
			st = &stacks[i];
	if (st)
		st->state = STACK_RUNNING;
	pthread_mutex_unlock(&stacks_lock);
	if (!st)
		return NULL;
	base = mmap(NULL, ICPT_GUARD + ICPT_STACK, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
		    -1, 0);
	if (base == MAP_FAILED || mprotect(base, ICPT_GUARD, PROT_NONE) < 0) {
		if (base != MAP_FAILED)
			munmap(base, ICPT_GUARD + ICPT_STACK);
		pthread_mutex_lock(&stacks_lock);
		st->state = STACK_FREE;
		pthread_mutex_unlock(&stacks_lock);
		return NULL;
	}
	st->base = base;
	st->c = c;
	return st;
}

/* The threads that ended joined, their stacks unmapped */
static void stacks_reap(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(stacks); i++) {
		struct icpt_stack *st = &stacks[i];
		bool is_done;

		pthread_mutex_lock(&stacks_lock);
		is_done = st->state == STACK_DONE;
		pthread_mutex_unlock(&stacks_lock);
		if (!is_done)
			continue;
		/* It has written its end: what is left of it is brief */
		pthread_join(st->t, NULL);
		munmap(st->base, ICPT_GUARD + ICPT_STACK);
		pthread_mutex_lock(&stacks_lock);
		st->state = STACK_FREE;
		pthread_mutex_unlock(&stacks_lock);
	}
}

/* A thread for @c, on a stack of its own. Return: 0, or a positive
 * error number */
static int conn_thread(struct icpt_conn *c)
{
	struct icpt_stack *st = stack_take(c);
	pthread_attr_t a;
	int err = st ? pthread_attr_init(&a) : EAGAIN;

	if (err)
		goto out;
	err = pthread_attr_setstack(&a, st->base + ICPT_GUARD, ICPT_STACK);
	if (!err)
		err = pthread_create(&c->t, &a, conn_main, st);
	pthread_attr_destroy(&a);
out:
	if (err && st) {
		munmap(st->base, ICPT_GUARD + ICPT_STACK);
		pthread_mutex_lock(&stacks_lock);
		st->state = STACK_FREE;
		pthread_mutex_unlock(&stacks_lock);
	}
	return err;
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
		__atomic_store_n(proc_n_shared, n_conns, __ATOMIC_RELAXED);
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

	if (c) {
		c->jail_fd = jail_fd;
		c->h = *h;
		c->ic = NULL;
		c->lo = c->hi = NULL;
		c->is_parked = c->is_expired = false;
		if (!conn_thread(c))
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

/* @c (parked) on a new thread again; @is_expired: its quiet ran out.
 * Context: conns_lock held */
static void conn_resume(struct icpt_conn *c, bool is_expired, uint64_t now)
{
	c->is_parked = false;
	c->is_expired = is_expired;
	c->retry_ms = 0;
	c->lo = c->hi = NULL;
	if (!conn_thread(c))
		return;
	c->is_parked = true;
	c->retry_ms = now + ICPT_RETRY_MS;
}

/*
 * The parked connections' sockets into @pf from @pf[3] on, @of[] the
 * record each belongs to; those whose quiet ran out by @now resumed.
 * Return: how many entries @pf has in all; *@wait_ms: milliseconds to
 * the earliest end of a quiet, -1 for none
 */
static nfds_t watch_parked(struct pollfd *pf, struct icpt_conn **of,
			   uint64_t now, int *wait_ms)
{
	nfds_t n = 3;
	uint64_t first = UINT64_MAX;

	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < ARRAY_SIZE(conns); i++) {
		struct icpt_conn *c = &conns[i];

		if (!c->is_used || !c->is_parked)
			continue;
		if (c->park_end_ms <= now ||
		    (c->retry_ms && c->retry_ms <= now)) {
			conn_resume(c, c->park_end_ms <= now, now);
			if (!c->is_parked)
				continue;
		}
		if (c->park_end_ms < first)
			first = c->park_end_ms;
		if (c->retry_ms && c->retry_ms < first)
			first = c->retry_ms;
		for (size_t k = 0; k < 2; k++) {
			pf[n] = (struct pollfd){ .fd = c->watch[k],
						 .events = POLLIN };
			of[n++] = c;
		}
	}
	pthread_mutex_unlock(&conns_lock);
	*wait_ms = first == UINT64_MAX ? -1 : (int)(first - now);
	return n;
}

/* Parked connections whose socket woke (@pf[3] on) resumed */
static void wake_parked(const struct pollfd *pf, struct icpt_conn **of,
			nfds_t n)
{
	uint64_t now = broker_mono_ms();

	pthread_mutex_lock(&conns_lock);
	for (nfds_t i = 3; i < n; i++)
		if (pf[i].revents && of[i]->is_parked)
			conn_resume(of[i], false, now);
	pthread_mutex_unlock(&conns_lock);
}

/* Every connection told to end, a moment given for their log lines */
static __attribute__((noreturn)) void proc_stop(void)
{
	pthread_mutex_lock(&conns_lock);
	broker_is_stopping = 1;
	for (size_t i = 0; i < ARRAY_SIZE(conns); i++) {
		struct icpt_conn *c = &conns[i];

		if (!c->is_used)
			continue;
		/* A parked one gets a thread again, which ends it at once */
		if (c->is_parked)
			conn_resume(c, true, 0);
		else
			pthread_kill(c->t, ICPT_SIG_WAKE);
	}
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
 * Return: the read end of the stop pipe; *@park_rd the park pipe's
 */
static int proc_setup(const struct fwd_params *p, int ctl_fd, int *park_rd)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t all;
	int sv[2], park[2];

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	prctl(PR_SET_NAME, "jail-tls", 0, 0, 0);
	broker_close_all_but((const int[]){ ctl_fd, p->log_fd, p->ask_fd }, 3);
	if (pipe2(sv, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(park, O_CLOEXEC | O_NONBLOCK) < 0)
		_exit(0);
	stop_fd = sv[1];
	park_fd = park[1];
	*park_rd = park[0];
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
	struct pollfd pf[3 + 2 * BROKER_MAX];
	struct icpt_conn *of[ARRAY_SIZE(pf)];
	int park_rd = -1;
	int wake_fd = proc_setup(p, ctl_fd, &park_rd);
	sigset_t none;

	sigemptyset(&none);
	/* SIGTERM is blocked from the fork on: one sent meanwhile waits */
	while (!broker_is_stopping) {
		uint64_t now = broker_mono_ms();
		struct timespec ts;
		struct icpt_handoff h;
		char drain[64];
		int fd, wait_ms;
		nfds_t n;

		pf[0] = (struct pollfd){ .fd = ctl_fd, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
		pf[2] = (struct pollfd){ .fd = park_rd, .events = POLLIN };
		n = watch_parked(pf, of, now, &wait_ms);
		ts = (struct timespec){ wait_ms / 1000,
					(wait_ms % 1000) * 1000000L };
		if (ppoll(pf, n, wait_ms < 0 ? NULL : &ts, &none) <= 0)
			continue;
		if (pf[1].revents)
			break;
		if (pf[2].revents) {
			bool has_parked = false;
			ssize_t k;

			while ((k = read(park_rd, drain, sizeof(drain))) > 0)
				if (memchr(drain, 'p', (size_t)k))
					has_parked = true;
			stacks_reap();
			/* What the threads that parked a connection held
			 * besides it (malloc's per-thread cache, libcrypto's
			 * per-thread state) is free now: back to the kernel.
			 * Not after a connection's end: the next handshake
			 * would fault the same pages in again */
			if (has_parked)
				(void)malloc_trim(0);
		}
		wake_parked(pf, of, n);
		if (!pf[0].revents)
			continue;
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
	if (!proc_n_shared) {
		void *m = mmap(NULL, sizeof(*proc_n_shared),
			       PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return -errno;
		proc_n_shared = m;
	}
	/* Its end may be read after the next one started */
	if (proc_pid > 0) {
		prev_pid = proc_pid;
		prev_n = __atomic_load_n(proc_n_shared, __ATOMIC_RELAXED);
	}
	__atomic_store_n(proc_n_shared, 0, __ATOMIC_RELAXED);
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
		/* Its queue is full: refused, never waited for */
		if (err == -EAGAIN)
			return -ENOBUFS;
		close(proc_fd);
		proc_fd = -1;
	}
	return err;
}

const char *icpt_refusal(int err)
{
	if (err == -ENOBUFS)
		return "the interception process is not taking connections";
	return err == -EAGAIN ? "too many brokered requests" :
				"cannot start the broker";
}

bool icpt_is_proc(pid_t pid)
{
	return pid > 0 && (pid == proc_pid || pid == prev_pid);
}

void icpt_child_ended(const struct fwd_params *p, pid_t pid, int code,
		      int status)
{
	const char *sig = sigabbrev_np(status);
	struct audit_field f[2];
	char how[32];
	uint32_t n;

	if (!icpt_is_proc(pid))
		return;
	if (pid == proc_pid)
		n = __atomic_load_n(proc_n_shared, __ATOMIC_RELAXED);
	else
		n = prev_n;
	if (code == CLD_EXITED)
		snprintf(how, sizeof(how), "exit %d", status);
	else
		snprintf(how, sizeof(how), "SIG%s", sig ? sig : "?");
	f[0] = AF_STR("how", how);
	f[1] = AF_INT("connections", n);
	broker_log_event(p, "net.intercept_ended", f, ARRAY_SIZE(f));
	/* Logged once; a pid the kernel hands out again is not ours */
	if (pid == prev_pid)
		prev_pid = 0;
	else
		proc_pid = 0;
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

// SPDX-License-Identifier: MIT
/*
 * fwd.c - the forwarder: the jail's only way out
 *
 * One process, outside the jail, in the host's network namespace. Its
 * listening sockets were made in the gateway namespace G (netns.c), whose
 * rules redirect every TCP connection and every DNS query from the jail to
 * them; its outbound sockets are made here, in the host's namespace.
 *
 * Per TCP connection (all input from the jail is untrusted):
 *  1. accept; recover the destination the jail asked for with
 *     SO_ORIGINAL_DST from G's conntrack. The gateway's own address is
 *     --allow-host-port: dial the host's 127.0.0.1 on an allowed port,
 *     refuse anything else.
 *  2. Peek (MSG_PEEK: nothing is consumed, nothing is copied twice) until
 *     the first bytes name a host: TLS ClientHello SNI, else HTTP/1 Host,
 *     else the name this resolver handed out for the destination address
 *     ("pinned"), else the address itself. A ClientHello whose SNI is not
 *     among the names pinned to its destination, or a ClientHello without
 *     SNI to port 443 of a pinned address, is refused; so is one the
 *     parser cannot read, and an HTTP head that cannot be parsed: neither
 *     is ever named from the pin. A name that is an address in disguise
 *     (policy_is_wire_name()) is refused. A client that says nothing for
 *     FWD_SILENT_MS (server-speaks-first protocols) is named from the pin,
 *     and refused if its first bytes then are a ClientHello or an HTTP
 *     request; one that sends an incomplete request for
 *     FWD_FIRST_BYTES_MS is refused.
 *  3. policy_check_name(); resolve the name on the host (resolver
 *     processes, getaddrinfo(): /etc/hosts, then DNS), drop every address
 *     that is special (policy_addr_is_special(), or one of this host's own)
 *     unless --allow-private or an allow rule names it, and dial what is
 *     left: the jail's own choice of address only matters as a preference
 *     among the addresses resolved here. The early dial (early.c) starts
 *     that connect() at step 1 already when the destination is pinned to
 *     a name a rule allows on its port and no proxy, secret, --hold-push
 *     or ask is involved, from the cached answer, to the address this
 *     step would dial first; no byte goes on it before this step, which
 *     takes it only for the same name, port and address, and closes it
 *     unused otherwise (the server saw a connection, never data). TLS goes through the upstream
 *     proxy with CONNECT when there is one. Allowed TLS to a host a secret
 *     is bound to (broker_tls()), and plain HTTP to its broker name
 *     (broker_http()), is decided and resolved the same way, then handed
 *     to an interception process with the addresses left instead of
 *     dialed here (fwd_hand_off()): the process dials only those, or the
 *     proxy, and never resolves a name itself.
 *  4. splice(2) both ways through pipes lent from a pool only while bytes
 *     are in flight, so idle connections hold no pipe; half-close is
 *     passed on with shutdown(SHUT_WR). On plain HTTP, jail -> host moves
 *     only bytes already judged: every head is peeked at and judged
 *     (reqcheck.c: Host, CONNECT, strict body framing) before its first
 *     byte goes, and its body's framing says where the next head starts;
 *     a refused request is answered with its status (421 for another
 *     host) once the answers to the requests before it have drained.
 *     A connection idle for --net-idle-timeout is closed; at most
 *     --max-connections are open at once.
 * Every refusal resets the jail's connection at once (SO_LINGER 0).
 *
 * --ask: a name no rule decides (policy_check_name() says "not allowed"
 * and no deny rule names it) is held in C_ASK: nothing more is read, the
 * client just waits, while the supervisor asks a person (ask.c). One ask
 * covers every connection held for the same name and port; at most
 * FWD_MAX_ASKS asks and FWD_MAX_HELD held connections, more are refused.
 * "allow" resumes at step 3 (the host resolves the name only now),
 * "always" does so and lets the name through for the rest of the run,
 * "deny", the supervisor's end closing or no answer by --ask-timeout
 * (plus a margin) refuses.
 *
 * --hold-push HOST: only TLS to HOST is carried, and always intercepted
 * (broker.c holds its git pushes for an answer); SSH, plain HTTP and
 * anything else to HOST is refused.
 *
 * DNS queries are answered by dnsd.c, in this same process; it also
 * resolves names for step 3 and keeps the pins for step 2.
 *
 * The process is single-threaded around one epoll loop; nothing blocks
 * but the resolver processes, which only ever run getaddrinfo().
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include "jail.h"
#include "setup.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"
#include "fwd/internal.h"

/* <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h> */
#ifndef SO_ORIGINAL_DST

#define SO_ORIGINAL_DST 80

#endif

#ifndef IP6T_SO_ORIGINAL_DST

#define IP6T_SO_ORIGINAL_DST 80

#endif

#define FWD_SILENT_MS 1000	/* a silent client is named from the pin */

#define FWD_FIRST_BYTES_MS 10000	/* incomplete first request */

#define FWD_TICK_MS 200

#define FWD_EVENTS 256

/* ---- small helpers ------------------------------------------------- */

/* --allow-host-port: the gateway's address stands for the host */
static void host_port_conn(struct fwd *f, struct conn *c)
{
	const struct fwd_params *p = f->p;

	snprintf(c->name, sizeof(c->name), "%s", NETNS_HOST_NAME);
	for (size_t i = 0; i < p->n_host_ports; i++) {
		if (p->host_ports[i] != c->port)
			continue;
		c->allowed = true;
		fwd_addr_parse("127.0.0.1", &c->cand[0]);
		c->n_cand = 1;
		fwd_connect_next(f, c);
		return;
	}
	fwd_conn_deny(f, c, c->port == 53 ? "DNS over TCP is not served" :
					"host port not allowed");
}

static int original_dst(int fd, int family, struct fwd_addr *a, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	int r;

	if (family == AF_INET6)
		r = getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &ss, &len);
	else
		r = getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &ss, &len);
	if (r < 0)
		return -errno;
	return fwd_addr_from_sa(&ss, a, port) ? 0 : -EAFNOSUPPORT;
}

static void accept_one(struct fwd *f, int fd, int family)
{
	struct conn *c = fwd_conn_new(f, fd);

	if (!c) {
		/* At the limit: refuse at once rather than queue */
		fwd_close_reset(fd);
		if (fwd_log_budget(f))
			fwd_log_write(f, "net.deny",
				  (const struct audit_field[]){ AF_STR(
					  "reason", "too many connections") },
				  1);
		return;
	}
	if (original_dst(fd, family, &c->dst, &c->port) < 0) {
		fwd_conn_deny(f, c, "no original destination");
		return;
	}
	/* TCP_NODELAY came with the socket: the listener has it */
	if (fwd_ep_add(f, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		   fwd_tag_of(T_JAIL, fwd_conn_idx(f, c), c->gen)) < 0) {
		fwd_conn_free(f, c, true);
		return;
	}
	if (fwd_is_gateway(&c->dst)) {
		host_port_conn(f, c);
		return;
	}
	c->state = C_PEEK;
	c->silent_deadline = f->now + FWD_SILENT_MS;
	c->deadline = f->now + FWD_FIRST_BYTES_MS;
	fwd_early_dial(f, c);
}

static void on_listen(struct fwd *f, int idx)
{
	int lfd = f->listen_fd[idx];

	for (int i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && errno == ECONNABORTED)
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) &&
		    f->reserve_fd >= 0) {
			/* Free one descriptor to refuse the connection */
			close(f->reserve_fd);
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			fwd_close_reset(fd);
			f->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			continue;
		}
		if (fd < 0)
			return;
		accept_one(f, fd, idx ? AF_INET6 : AF_INET);
	}
}

static void on_conn_event(struct fwd *f, struct conn *c, bool is_up,
			  uint32_t ev)
{
	switch (c->state) {
	case C_PEEK:
		/* Not for EPOLLOUT alone: the edge reported when the socket
		 * was first watched says nothing about its bytes */
		if (!is_up &&
		    (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
			fwd_classify(f, c);
		return;
	case C_CONNECT:
		if (is_up)
			fwd_on_connected(f, c);
		else if (ev & (EPOLLERR | EPOLLHUP))
			fwd_conn_free(f, c, true);
		return;
	case C_PROXY:
		if (is_up)
			fwd_proxy_read(f, c);
		else if (ev & (EPOLLERR | EPOLLHUP))
			fwd_conn_free(f, c, true);
		return;
	case C_RESOLVE:
	case C_ASK:
		if (ev & (EPOLLERR | EPOLLHUP))
			fwd_conn_free(f, c, true);
		return;
	case C_SPLICE:
		/*
		 * EPOLLOUT alone only matters to bytes waiting in the pipe
		 * towards that side; otherwise it is the edge reported when
		 * the socket was first watched (a dial that completed within
		 * connect()), and a pass over both sides would find nothing
		 */
		if (ev == EPOLLOUT && !(is_up ? c->up.pending : c->down.pending))
			return;
		fwd_pump_both(f, c);
		return;
	case C_PUBLISH:
		if (!is_up)
			fwd_publish_connected(f, c);
		else if (ev & (EPOLLERR | EPOLLHUP))
			fwd_conn_free(f, c, true);
		return;
	case C_FREE:
		return;
	}
}

/* ---- timers and signals ------------------------------------------------ */

static void tick_conn(struct fwd *f, struct conn *c)
{
	switch (c->state) {
	case C_PEEK:
		if (!c->got_bytes && f->now >= c->silent_deadline) {
			c->is_silent = true;
			fwd_decide(f, c, "", false);
		}
		else if (f->now >= c->deadline)
			fwd_conn_deny(f, c, "no request in time");
		return;
	case C_CONNECT:
		if (f->now >= c->deadline) {
			c->dial_err = ETIMEDOUT;
			fwd_connect_next(f, c);
		}
		return;
	case C_PROXY:
		if (f->now >= c->deadline)
			fwd_conn_fail(f, c, "upstream proxy: no reply in time");
		return;
	case C_ASK:
		if (f->now >= c->deadline)
			fwd_conn_deny(f, c, "no answer in time");
		return;
	case C_PUBLISH:
		fwd_publish_tick(f, c);
		return;
	case C_SPLICE:
		if (c->is_refusing && f->now >= c->deadline)
			fwd_http_refuse_now(f, c);
		else if (c->idle_deadline && f->now >= c->idle_deadline)
			fwd_conn_free(f, c, true);	/* idle too long */
		return;
	default:
		return;
	}
}

static void on_tick(struct fwd *f)
{
	uint64_t n;

	if (read(f->timer_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	fwd_log_refill(f);
	fwd_log_counted(f, false);
	for (unsigned int i = 0; i < f->hiwater; i++)
		tick_conn(f, &f->conns[i]);
	dnsd_tick(f->dns, f->now);
}

static __attribute__((noreturn)) void shut_down(struct fwd *f)
{
	broker_stop_all();
	f->now = fwd_now_ms();
	for (unsigned int i = 0; i < f->hiwater; i++)
		if (f->conns[i].state != C_FREE && f->conns[i].allowed &&
		    f->conns[i].peer.family)
			fwd_log_allow_counted(f, &f->conns[i]);
	fwd_log_counted(f, true);
	/* The log is complete: the supervisor goes on while we exit */
	if (f->p->done_fd >= 0)
		close(f->p->done_fd);
	_exit(0);
}

static bool claim_traffic(struct fwd *f);

static void on_signal(struct fwd *f)
{
	struct signalfd_siginfo si;

	while (read(f->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD)
			shut_down(f);
		if (!icpt_is_proc((pid_t)si.ssi_pid))
			continue;	/* a lookup process */
		/* Its end is logged: claimed first, as any event's */
		if (!claim_traffic(f))
			_exit(0);
		icpt_child_ended(f->p, (pid_t)si.ssi_pid, si.ssi_code,
				 si.ssi_status);
	}
}

/* ---- setup --------------------------------------------------------------- */

/* Keep 0-2 and @keep, close every other inherited descriptor */
static void redirect_stdin_to_null(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
}

#define FWD_KEEP_MAX (8 + JAIL_MAX_PUBLISH + JAIL_PUBLISH_CONNS)

static void close_others(const int *keep, size_t n)
{
	int sorted[FWD_KEEP_MAX];
	unsigned int from = 3;
	size_t m = 0;

	for (size_t i = 0; i < n && m < ARRAY_SIZE(sorted); i++)
		if (keep[i] > 2)
			sorted[m++] = keep[i];
	for (size_t i = 1; i < m; i++)
		for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			int t = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (size_t i = 0; i < m; i++) {
		if ((unsigned int)sorted[i] > from)
			close_range(from, (unsigned int)sorted[i] - 1, 0);
		from = (unsigned int)sorted[i] + 1;
	}
	close_range(from, ~0U, 0);
}

/* The connection limit the descriptor limit allows: 6 fds each, at most */
static unsigned int conn_limit(const struct fwd_params *p)
{
	struct rlimit rl;
	unsigned int want = p->max_conns ? p->max_conns : FWD_MAX_CONNS;
	rlim_t fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		fit = rl.rlim_cur > 64 + 2 * (rlim_t)FWD_PIPE_POOL ?
			      (rl.rlim_cur - 64 - 2 * (rlim_t)FWD_PIPE_POOL) / 6 :
			      1;
		if (fit < want)
			want = (unsigned int)fit;
	}
	return want ? want : 1;
}

/*
 * TCP_NODELAY on the listeners: every accepted socket inherits it (the
 * kernel clones the listener's TCP options into the child), which saves
 * a setsockopt() per connection. Small writes in either direction are
 * request heads and answers someone waits for; Nagle would hold them
 * until an ACK that the other side delays.
 */
static void setup_listeners(struct fwd *f)
{
	for (int i = 0; i < 2; i++)
		if (f->listen_fd[i] >= 0)
			fwd_set_nodelay(f->listen_fd[i]);
}

static void setup_loop(struct fwd *f)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	f->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	f->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	f->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_CLOEXEC | TFD_NONBLOCK);
	if (f->sig_fd < 0 || f->ep_fd < 0 || f->timer_fd < 0)
		die_errno("forwarder: setup");
	struct itimerspec its = {
		.it_interval = { 0, FWD_TICK_MS * 1000000L },
		.it_value = { 0, FWD_TICK_MS * 1000000L },
	};
	timerfd_settime(f->timer_fd, 0, &its, NULL);
	for (int i = 0; i < 2; i++) {
		if (f->listen_fd[i] >= 0 &&
		    fwd_ep_add(f, f->listen_fd[i], EPOLLIN, fwd_tag_of(T_LISTEN, i, 0)))
			die_errno("forwarder: epoll");
		if (f->udp_fd[i] >= 0 &&
		    fwd_ep_add(f, f->udp_fd[i], EPOLLIN, fwd_tag_of(T_UDP, i, 0)))
			die_errno("forwarder: epoll");
	}
	if (f->p->ask_fd >= 0 &&
	    fwd_ep_add(f, f->p->ask_fd, EPOLLIN, fwd_tag_of(T_ASKCHAN, 0, 0)))
		die_errno("forwarder: epoll");
	for (int i = 0; i < FWD_MAX_ASKS; i++)
		f->asks[i].reply_fd = -1;
	if (fwd_ep_add(f, f->timer_fd, EPOLLIN, fwd_tag_of(T_TIMER, 0, 0)) ||
	    fwd_ep_add(f, f->sig_fd, EPOLLIN, fwd_tag_of(T_SIGNAL, 0, 0)) ||
	    fwd_ep_add(f, dnsd_lookup_fd(f->dns), EPOLLIN,
		   fwd_tag_of(T_RESOLVER, 0, 0)))
		die_errno("forwarder: epoll");
}

static void setup(struct fwd *f, const struct fwd_params *p)
{
	int keep[FWD_KEEP_MAX] = { p->tcp4_fd, p->tcp6_fd, p->udp4_fd,
				   p->udp6_fd, p->log_fd, p->ask_fd,
				   p->done_fd };
	size_t n_keep = 7;
	int err;

	for (size_t i = 0; i < p->cfg->n_publish; i++)
		keep[n_keep++] = p->publish_fd[i];
	for (size_t i = 0; i < p->n_publish_pool &&
			   i < JAIL_PUBLISH_CONNS; i++)
		keep[n_keep++] = p->publish_pool[i];

	f->p = p;
	f->cfg = p->cfg;
	f->listen_fd[0] = p->tcp4_fd;
	f->listen_fd[1] = p->tcp6_fd;
	f->udp_fd[0] = p->udp4_fd;
	f->udp_fd[1] = p->udp6_fd;
	/* The user's terminal is nothing the forwarder reads */
	redirect_stdin_to_null();
	close_others(keep, n_keep);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Children are reaped by the kernel (so kill(pid, 0) tells whether
	 * one is there), yet each end is a SIGCHLD with its status, read
	 * from the signal descriptor: the interception process's is logged
	 */
	sigaction(SIGCHLD, &(struct sigaction){ .sa_handler = SIG_DFL,
						.sa_flags = SA_NOCLDWAIT },
		  NULL);
	f->max_conns = conn_limit(p);
	/*
	 * Before the lookup processes are forked (they inherit the fence)
	 * and before the first byte from the jail is read
	 */
	err = fwd_fence();
	if (err < 0) {
		errno = -err;
		die_errno("forwarder: fence itself");
	}
	f->conns = xcalloc(f->max_conns, sizeof(*f->conns));
	f->free_idx = xcalloc(f->max_conns, sizeof(*f->free_idx));
	f->ready = xcalloc(f->max_conns, sizeof(*f->ready));
	for (unsigned int i = 0; i < f->max_conns; i++)
		f->free_idx[f->n_free++] = f->max_conns - 1 - i;
	f->pipe_size = FWD_PIPE_SIZE;
	f->log_tokens = 10 * FWD_LOG_RATE;
	f->ask_tokens = 3 * FWD_ASK_RATE;
	f->now = f->log_at = fwd_now_ms();
	fwd_proxy_setup(&f->proxy, p->upstream_proxy);
	f->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	f->rl = mmap(NULL, sizeof(*f->rl), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f->rl == MAP_FAILED)
		die_errno("forwarder: shared memory");
	broker_set_ratelimit(f->rl);
	f->dns = dnsd_new(p, (struct dnsd_waiter){ fwd_lookup_done, f }, f->now);
	setup_listeners(f);
	setup_loop(f);
	fwd_publish_setup(f);
}

bool fwd_claim_stop(uint32_t *traffic)
{
	uint32_t idle = FWD_IDLE;

	return traffic && __atomic_compare_exchange_n(traffic, &idle,
						      FWD_STOPPED, false,
						      __ATOMIC_ACQ_REL,
						      __ATOMIC_ACQUIRE);
}

/*
 * Claim the traffic word before the first event that may leave lines to
 * write at our end (fwd_claim_stop()). Return: false if the supervisor
 * claimed it first: the run is over and nothing of ours may reach the
 * log any more
 */
static bool claim_traffic(struct fwd *f)
{
	uint32_t idle = FWD_IDLE;

	if (!f->is_busy)
		f->is_busy = !f->p->traffic ||
			     __atomic_compare_exchange_n(f->p->traffic, &idle,
							 FWD_BUSY, false,
							 __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE);
	return f->is_busy;
}

static void dispatch(struct fwd *f, const struct epoll_event *ev)
{
	uint64_t tag = ev->data.u64;
	uint32_t idx = (uint32_t)(tag >> 32);
	enum tag t = (enum tag)(tag & 0xff);
	struct conn *c;

	/* Ticks and the stop signal write nothing of their own without it */
	if (t != T_TIMER && t != T_SIGNAL && !claim_traffic(f))
		_exit(0);
	switch (t) {
	case T_LISTEN:
		on_listen(f, (int)idx);
		return;
	case T_UDP:
		dnsd_on_query(f->dns, f->udp_fd[idx & 1], f->now);
		return;
	case T_TIMER:
		on_tick(f);
		return;
	case T_SIGNAL:
		on_signal(f);
		return;
	case T_RESOLVER:
		dnsd_on_lookup(f->dns, f->now);
		return;
	case T_ASKCHAN:
		fwd_on_ask_chan(f);
		return;
	case T_ASK:
		fwd_on_ask_answer(f, tag);
		return;
	case T_PUBLISH:
		fwd_publish_accept(f, idx);
		return;
	case T_JAIL:
	case T_UP:
		c = fwd_conn_get(f, tag);
		if (c)
			on_conn_event(f, c, (tag & 0xff) == T_UP, ev->events);
		return;
	}
}

/* Connections that stopped at FWD_PUMP_ROUNDS get another turn */
static void run_ready(struct fwd *f)
{
	unsigned int n = f->n_ready;
	unsigned int idx[FWD_EVENTS];

	if (n > FWD_EVENTS)
		n = FWD_EVENTS;
	memcpy(idx, f->ready, n * sizeof(*idx));
	memmove(f->ready, f->ready + n, (f->n_ready - n) * sizeof(*idx));
	f->n_ready -= n;
	for (unsigned int i = 0; i < n; i++) {
		struct conn *c = &f->conns[idx[i]];

		c->on_ready = false;
		if (c->state == C_SPLICE)
			fwd_pump_both(f, c);
	}
}

void fwd_run(const struct fwd_params *p)
{
	static struct fwd fw;
	struct fwd *f = &fw;
	struct epoll_event ev[FWD_EVENTS];

	die_in_child();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    (p->parent && getppid() != p->parent))
		_exit(0);
	prctl(PR_SET_NAME, "jail-fwd", 0, 0, 0);
	setup(f, p);
	for (;;) {
		int n = epoll_wait(f->ep_fd, ev, FWD_EVENTS,
				   f->n_ready ? 0 : -1);

		if (n < 0 && errno != EINTR)
			die_errno("forwarder: epoll_wait");
		f->now = fwd_now_ms();
		for (int i = 0; i < n; i++)
			dispatch(f, &ev[i]);
		if (f->n_ready)
			run_ready(f);
	}
}

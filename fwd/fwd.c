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
 *     SNI to port 443 of a pinned address, is refused. A client that says
 *     nothing for FWD_SILENT_MS (server-speaks-first protocols) is named
 *     from the pin; one that sends an incomplete request for
 *     FWD_FIRST_BYTES_MS is refused.
 *  3. policy_check_name(); allowed TLS to a host a secret is bound to is
 *     handed to an interception process (broker_tls()); else resolve the
 *     name on the host (resolver processes, getaddrinfo(): /etc/hosts,
 *     then DNS), drop every address
 *     that is special (policy_addr_is_special(), or one of this host's own)
 *     unless --allow-private or an allow rule names it, and dial what is
 *     left: the jail's own choice of address only matters as a preference
 *     among the addresses resolved here. TLS goes through the upstream
 *     proxy with CONNECT when there is one.
 *  4. splice(2) both ways through pipes lent from a pool only while bytes
 *     are in flight, so idle connections hold no pipe; half-close is
 *     passed on with shutdown(SHUT_WR).
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
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>

#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"

/* <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h> */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

#define FWD_PEEK_MAX (TLS_HELLO_MAX + 4096)	/* hello + record headers */
#define FWD_SILENT_MS 1000	/* a silent client is named from the pin */
#define FWD_FIRST_BYTES_MS 10000	/* incomplete first request */
#define FWD_CONNECT_MS 10000	/* per address dialed */
#define FWD_TICK_MS 200
#define FWD_PIPE_SIZE (1 << 20)
#define FWD_PIPE_POOL 32	/* idle pipes kept for reuse */
#define FWD_PUMP_ROUNDS 16	/* splice rounds per direction per turn */
#define FWD_LOG_RATE 100	/* deny events per second, burst 10x */
#define FWD_EVENTS 256
#define FWD_MAX_ASKS 32		/* names asked about at once */
#define FWD_MAX_HELD 256	/* connections held for an answer */
#define FWD_ASK_MARGIN_MS 5000	/* after --ask-timeout: the supervisor */
#define FWD_ASK_RATE 10		/* new questions per second, burst 3x */

enum tag {
	T_LISTEN,	/* index: 0 IPv4, 1 IPv6 */
	T_UDP,		/* index: 0 IPv4, 1 IPv6 */
	T_TIMER,
	T_SIGNAL,
	T_RESOLVER,
	T_JAIL,		/* index: connection, with its generation */
	T_UP,
	T_ASKCHAN,	/* the ask channel: "revoke NAME" from the supervisor */
	T_ASK,		/* index: ask, with its generation */
};

enum conn_state {
	C_FREE,
	C_PEEK,		/* waiting for the first bytes */
	C_ASK,		/* held until a person answers (--ask) */
	C_RESOLVE,	/* allowed, waiting for the host's resolver */
	C_CONNECT,	/* dialing */
	C_PROXY,	/* CONNECT sent to the upstream proxy */
	C_SPLICE,	/* relaying */
};

/* One direction of a connection */
struct pump {
	int pipe_r;
	int pipe_w;
	size_t pending;	/* bytes in the pipe */
	bool eof;	/* the source sent FIN */
	bool shut;	/* FIN passed on to the destination */
};

struct conn {
	enum conn_state state;
	uint32_t gen;
	int jail_fd;
	int up_fd;
	struct dnsd_addr dst;	/* where the jail was going */
	uint16_t port;
	bool got_bytes;
	bool is_tls;
	bool has_sni;		/* @name is the ClientHello's server name */
	bool via_proxy;
	bool allowed;		/* net.allow is written at close */
	bool on_ready;
	int slot;		/* name cache slot while C_RESOLVE */
	int ask;		/* index into fwd.asks while C_ASK */
	unsigned int n_cand, next_cand;
	struct dnsd_addr cand[2 * DNSD_MAX_ADDRS];
	struct dnsd_addr peer;	/* dialed */
	uint64_t t_start, deadline, silent_deadline;
	uint64_t up_bytes, down_bytes;
	struct pump up;		/* jail -> host */
	struct pump down;	/* host -> jail */
	char name[POLICY_NAME_MAX + 1];
};

/* One question to the supervisor, for every connection to one name:port */
struct fwd_ask {
	bool used;
	uint32_t gen;
	int reply_fd;
	uint16_t port;
	unsigned int n_conns;
	char name[POLICY_NAME_MAX + 1];
};

struct proxy {
	bool on;
	bool broken;	/* set but unusable: TLS fails closed */
	struct sockaddr_storage sa;
	socklen_t sa_len;
	char auth[760];	/* "Proxy-Authorization: ...\r\n" or "" */
	char desc[520];	/* host:port, for the log */
};

struct fwd {
	const struct fwd_params *p;
	const struct jail_config *cfg;
	int ep_fd;
	int timer_fd;
	int sig_fd;
	int reserve_fd;
	int listen_fd[2];
	int udp_fd[2];
	uint64_t now;
	struct conn *conns;
	unsigned int max_conns;
	unsigned int *free_idx;
	unsigned int n_free;
	unsigned int hiwater;
	unsigned int *ready;
	unsigned int n_ready;
	int pool[FWD_PIPE_POOL][2];
	unsigned int n_pool;
	int pipe_size;
	struct dnsd *dns;
	struct proxy proxy;
	struct fwd_ask asks[FWD_MAX_ASKS];
	unsigned int n_held;
	unsigned int ask_tokens;
	unsigned int log_tokens;
	unsigned long long suppressed;
	uint64_t log_at;
	uint8_t scratch[FWD_PEEK_MAX];
};

static void pump_both(struct fwd *f, struct conn *c);
static void decide(struct fwd *f, struct conn *c, const char *claimed,
		   bool is_tls);

/* ---- small helpers ------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t tag_of(enum tag t, uint32_t idx, uint32_t gen)
{
	return (uint64_t)t | ((uint64_t)(gen & 0xffffff) << 8) |
	       ((uint64_t)idx << 32);
}

static int ep_add(struct fwd *f, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(f->ep_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Fill @ss from @a and @port. Return: its length */
static socklen_t addr_to_sa(const struct dnsd_addr *a, uint16_t port,
			    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a->a, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->a, 16);
	return sizeof(*s6);
}

/* The gateway's addresses: --allow-host-port, nothing else */
static bool is_gateway(const struct dnsd_addr *a)
{
	struct dnsd_addr gw;

	if (a->family == AF_INET)
		return dnsd_addr_parse(JAIL_GATEWAY_IP4, &gw) &&
		       dnsd_addr_eq(a, &gw);
	return dnsd_addr_parse(NETNS_GATEWAY_IP6, &gw) && dnsd_addr_eq(a, &gw);
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Close @fd so that the peer sees a reset, not an orderly end */
static void close_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* ---- audit log ----------------------------------------------------- */

/*
 * Deny events come from the jail's choices; a hostile command could use
 * them to fill the disk. A token bucket bounds them; what it drops is
 * counted and reported as one "log.suppressed" event later.
 */
static bool log_budget(struct fwd *f)
{
	if (f->log_tokens) {
		f->log_tokens--;
		return true;
	}
	f->suppressed++;
	return false;
}

static void log_refill(struct fwd *f)
{
	uint64_t secs = (f->now - f->log_at) / 1000;

	if (!secs)
		return;
	f->log_at = f->now;
	f->ask_tokens = (unsigned int)(f->ask_tokens + secs * FWD_ASK_RATE);
	if (f->ask_tokens > 3 * FWD_ASK_RATE)
		f->ask_tokens = 3 * FWD_ASK_RATE;
	f->log_tokens = (unsigned int)(f->log_tokens + secs * FWD_LOG_RATE);
	if (f->log_tokens > 10 * FWD_LOG_RATE)
		f->log_tokens = 10 * FWD_LOG_RATE;
	if (f->suppressed && f->p->log_fd >= 0) {
		const struct audit_field fl[] = {
			AF_INT("count", f->suppressed),
		};

		audit_write(f->p->log_fd, f->p->jail_id, "log.suppressed", fl,
			    ARRAY_SIZE(fl));
		f->suppressed = 0;
	}
}

static void log_write(struct fwd *f, const char *event,
		      const struct audit_field *fl, size_t n)
{
	if (f->p->log_fd >= 0)
		audit_write(f->p->log_fd, f->p->jail_id, event, fl, n);
}

static void log_deny(struct fwd *f, const struct conn *c, const char *reason)
{
	char ip[INET6_ADDRSTRLEN];
	const struct audit_field fl[] = {
		AF_STR("host", c->name[0] ? c->name : NULL),
		AF_STR("ip", dnsd_addr_str(&c->dst, ip, sizeof(ip))),
		AF_INT("port", c->port),
		AF_STR("reason", reason),
	};

	if (log_budget(f))
		log_write(f, "net.deny", fl, ARRAY_SIZE(fl));
}

static void log_error(struct fwd *f, const struct conn *c, const char *why)
{
	char buf[INET6_ADDRSTRLEN];
	const char *ip = c->peer.family ?
				 dnsd_addr_str(&c->peer, buf, sizeof(buf)) :
				 NULL;
	const struct audit_field fl[] = {
		AF_STR("host", c->name),
		AF_STR("ip", ip),
		AF_INT("port", c->port),
		AF_STR("error", why),
	};

	if (log_budget(f))
		log_write(f, "net.error", fl, ARRAY_SIZE(fl));
}

static void log_allow(struct fwd *f, const struct conn *c)
{
	char ip[INET6_ADDRSTRLEN];
	const struct audit_field fl[] = {
		AF_STR("host", c->name),
		AF_STR("ip", dnsd_addr_str(&c->peer, ip, sizeof(ip))),
		AF_INT("port", c->port),
		AF_INT("bytes_up", c->up_bytes),
		AF_INT("bytes_down", c->down_bytes),
		AF_INT("duration_ms", f->now - c->t_start),
		AF_STR("proxy", c->via_proxy ? f->proxy.desc : NULL),
	};

	log_write(f, "net.allow", fl, ARRAY_SIZE(fl));
}

/* ---- connections: lifetime ------------------------------------------ */

static struct conn *conn_get(struct fwd *f, uint64_t tag)
{
	uint32_t idx = (uint32_t)(tag >> 32);
	struct conn *c;

	if (idx >= f->max_conns)
		return NULL;
	c = &f->conns[idx];
	if (c->state == C_FREE ||
	    (c->gen & 0xffffff) != ((tag >> 8) & 0xffffff))
		return NULL;
	return c;
}

static unsigned int conn_idx(const struct fwd *f, const struct conn *c)
{
	return (unsigned int)(c - f->conns);
}

static void pipe_put(struct fwd *f, struct pump *p)
{
	if (p->pipe_r < 0)
		return;
	/* A pipe with bytes in it belongs to its connection only */
	if (!p->pending && f->n_pool < FWD_PIPE_POOL) {
		f->pool[f->n_pool][0] = p->pipe_r;
		f->pool[f->n_pool][1] = p->pipe_w;
		f->n_pool++;
	} else {
		close(p->pipe_r);
		close(p->pipe_w);
	}
	p->pipe_r = p->pipe_w = -1;
	p->pending = 0;
}

static int pipe_get(struct fwd *f, struct pump *p)
{
	int fds[2];

	if (f->n_pool) {
		f->n_pool--;
		p->pipe_r = f->pool[f->n_pool][0];
		p->pipe_w = f->pool[f->n_pool][1];
		return 0;
	}
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	/*
	 * Larger pipes mean fewer splice calls. Past the user's pipe page
	 * budget the kernel refuses (EPERM); the default size still works.
	 */
	if (f->pipe_size > 0 &&
	    fcntl(fds[1], F_SETPIPE_SZ, f->pipe_size) < 0 && errno == EPERM)
		f->pipe_size = 0;
	p->pipe_r = fds[0];
	p->pipe_w = fds[1];
	return 0;
}

static void ask_release(struct fwd *f, struct conn *c);
static bool intercept_hook(struct fwd *f, struct conn *c, const char *sni);

static void conn_free(struct fwd *f, struct conn *c, bool reset)
{
	if (c->state == C_ASK)
		ask_release(f, c);
	/* Allowed and dialed: the one net.allow line, with its byte counts */
	if (c->allowed && c->peer.family)
		log_allow(f, c);
	if (reset) {
		close_reset(c->jail_fd);
		close_reset(c->up_fd);
	} else {
		if (c->jail_fd >= 0)
			close(c->jail_fd);
		if (c->up_fd >= 0)
			close(c->up_fd);
	}
	pipe_put(f, &c->up);
	pipe_put(f, &c->down);
	c->jail_fd = c->up_fd = -1;
	c->state = C_FREE;
	c->gen++;
	f->free_idx[f->n_free++] = conn_idx(f, c);
}

static void conn_deny(struct fwd *f, struct conn *c, const char *reason)
{
	log_deny(f, c, reason);
	conn_free(f, c, true);
}

/* An allowed connection that could not be made */
static void conn_fail(struct fwd *f, struct conn *c, const char *why)
{
	c->allowed = false;
	log_error(f, c, why);
	conn_free(f, c, true);
}

static struct conn *conn_new(struct fwd *f, int jail_fd)
{
	struct conn *c;
	uint32_t gen;
	unsigned int idx;
	bool on_ready;

	if (!f->n_free)
		return NULL;
	idx = f->free_idx[--f->n_free];
	c = &f->conns[idx];
	gen = c->gen;
	/* Still listed if it was freed while on the ready list */
	on_ready = c->on_ready;
	memset(c, 0, sizeof(*c));
	c->gen = gen;
	c->on_ready = on_ready;
	c->jail_fd = jail_fd;
	c->up_fd = -1;
	c->up.pipe_r = c->up.pipe_w = -1;
	c->down.pipe_r = c->down.pipe_w = -1;
	c->slot = -1;
	c->t_start = f->now;
	if (idx + 1 > f->hiwater)
		f->hiwater = idx + 1;
	return c;
}

/* ---- connections: relaying ------------------------------------------ */

/*
 * Move bytes @src -> @p's pipe -> @dst until one side would block, the
 * source ends, or FWD_PUMP_ROUNDS rounds are done (then *@more is set:
 * the connection goes on the ready list, so one busy connection cannot
 * starve the others).
 *
 * Return: 0, or negative errno when either socket failed
 */
static int pump(struct fwd *f, struct pump *p, int src, int dst,
		uint64_t *count, bool *more)
{
	int err;

	for (int round = 0;; round++) {
		ssize_t n;

		if (round == FWD_PUMP_ROUNDS) {
			*more = true;
			break;
		}
		if (!p->pending) {
			if (p->eof)
				break;
			if (p->pipe_w < 0 && (err = pipe_get(f, p)) < 0)
				return err;
			n = splice(src, NULL, p->pipe_w, NULL, FWD_PIPE_SIZE,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n == 0) {
				p->eof = true;
				break;
			}
			if (n < 0 && errno == EAGAIN)
				break;	/* EPOLLIN on @src: back here */
			if (n < 0)
				return -errno;
			p->pending = (size_t)n;
		}
		n = splice(p->pipe_r, NULL, dst, NULL, p->pending,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0 && errno == EAGAIN)
			break;	/* EPOLLOUT on @dst brings us back */
		if (n < 0)
			return -errno;
		p->pending -= (size_t)n;
		*count += (uint64_t)n;
	}
	if (!p->pending)
		pipe_put(f, p);
	if (p->eof && !p->pending && !p->shut) {
		shutdown(dst, SHUT_WR);
		p->shut = true;
	}
	return 0;
}

static void ready_add(struct fwd *f, struct conn *c)
{
	if (c->on_ready)
		return;
	c->on_ready = true;
	f->ready[f->n_ready++] = conn_idx(f, c);
}

static void pump_both(struct fwd *f, struct conn *c)
{
	bool more = false;
	int err;

	err = pump(f, &c->up, c->jail_fd, c->up_fd, &c->up_bytes, &more);
	if (err >= 0)
		err = pump(f, &c->down, c->up_fd, c->jail_fd, &c->down_bytes,
			   &more);
	if (err < 0) {
		/* One side reset or failed: tell the other the same way */
		conn_free(f, c, true);
		return;
	}
	if (c->up.shut && c->down.shut) {
		conn_free(f, c, false);
		return;
	}
	if (more)
		ready_add(f, c);
}

static void enter_splice(struct fwd *f, struct conn *c)
{
	c->state = C_SPLICE;
	c->deadline = 0;
	/* The first bytes are still queued in the jail's socket */
	pump_both(f, c);
}

/* ---- connections: dialing ------------------------------------------- */

static void connect_next(struct fwd *f, struct conn *c);

static void proxy_target(const struct conn *c, char *buf, size_t len)
{
	struct dnsd_addr a;

	if (dnsd_addr_parse(c->name, &a) && a.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", c->name, c->port);
	else
		snprintf(buf, len, "%s:%u", c->name, c->port);
}

static void proxy_send(struct fwd *f, struct conn *c)
{
	char target[POLICY_NAME_MAX + 16];
	char req[2048];
	int n;

	proxy_target(c, target, sizeof(target));
	n = snprintf(req, sizeof(req),
		     "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", target,
		     target, f->proxy.auth);
	/* A fresh socket's send buffer takes a short request whole */
	if (n < 0 || (size_t)n >= sizeof(req) ||
	    send(c->up_fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		conn_fail(f, c, "upstream proxy: cannot send CONNECT");
		return;
	}
	c->state = C_PROXY;
	c->deadline = f->now + FWD_CONNECT_MS;
}

/* The proxy's answer to CONNECT: consume exactly its head, then relay */
static void proxy_read(struct fwd *f, struct conn *c)
{
	char *buf = (char *)f->scratch, *end;
	ssize_t n = recv(c->up_fd, buf, 4095, MSG_PEEK);
	size_t head;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		conn_fail(f, c, "upstream proxy closed the connection");
		return;
	}
	buf[n] = '\0';
	end = strstr(buf, "\r\n\r\n");
	if (!end) {
		if (n >= 4095)
			conn_fail(f, c, "upstream proxy: reply too long");
		return;
	}
	head = (size_t)(end - buf) + 4;
	if (strncmp(buf, "HTTP/1.", 7) || strlen(buf) < 12 || buf[9] != '2') {
		char why[64];

		snprintf(why, sizeof(why), "upstream proxy refused: %.3s",
			 strlen(buf) >= 12 ? buf + 9 : "?");
		conn_fail(f, c, why);
		return;
	}
	if (recv(c->up_fd, buf, head, 0) != (ssize_t)head) {
		conn_fail(f, c, "upstream proxy: short read");
		return;
	}
	enter_splice(f, c);
}

/* Start a non-blocking connect to @a:@port. Return: 0 or -errno */
static int dial(struct fwd *f, struct conn *c, const struct dnsd_addr *a,
		const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	set_nodelay(fd);
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 &&
	    errno != EINPROGRESS) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (ep_add(f, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		   tag_of(T_UP, conn_idx(f, c), c->gen)) < 0) {
		close(fd);
		return -ENOMEM;
	}
	c->up_fd = fd;
	c->peer = *a;
	c->state = C_CONNECT;
	c->deadline = f->now + FWD_CONNECT_MS;
	return 0;
}

static void connect_next(struct fwd *f, struct conn *c)
{
	struct sockaddr_storage ss;
	int err = -EHOSTUNREACH;

	if (c->up_fd >= 0) {
		close(c->up_fd);
		c->up_fd = -1;
	}
	if (c->via_proxy) {
		/* One try: the proxy is the only way out */
		if (c->next_cand++ == 0 && f->proxy.on && !f->proxy.broken) {
			struct dnsd_addr pa;

			dnsd_addr_from_sa(&f->proxy.sa, &pa, NULL);
			err = dial(f, c, &pa, &f->proxy.sa, f->proxy.sa_len);
			if (err >= 0)
				return;
		}
		conn_fail(f, c, "upstream proxy unreachable");
		return;
	}
	while (c->next_cand < c->n_cand) {
		const struct dnsd_addr *a = &c->cand[c->next_cand++];
		socklen_t len = addr_to_sa(a, c->port, &ss);

		err = dial(f, c, a, &ss, len);
		if (err >= 0)
			return;
	}
	conn_fail(f, c, strerror(-err));
}

static void on_connected(struct fwd *f, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->up_fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS)
		return;
	if (err) {
		connect_next(f, c);
		return;
	}
	if (c->via_proxy)
		proxy_send(f, c);
	else
		enter_splice(f, c);
}

/*
 * The name's addresses, filtered: the jail's destination first if it is
 * among them (clients that pick an address keep their choice, as long as
 * this host resolved it too).
 */
static void set_candidates(struct fwd *f, struct conn *c,
			   const struct dnsd_answer *e, const char **why)
{
	struct dnsd_addr all[2 * DNSD_MAX_ADDRS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < e->n4 && i < DNSD_MAX_ADDRS; i++)
		dnsd_addr_set(&all[n++], AF_INET, e->a4[i]);
	for (unsigned int i = 0; i < e->n6 && i < DNSD_MAX_ADDRS; i++)
		dnsd_addr_set(&all[n++], AF_INET6, e->a6[i]);
	c->n_cand = 0;
	for (unsigned int i = 0; i < n; i++) {
		const char *r = dnsd_addr_refused(f->dns, &all[i], c->port);

		if (r) {
			*why = r;
			continue;
		}
		if (dnsd_addr_eq(&all[i], &c->dst) && c->n_cand) {
			c->cand[c->n_cand++] = c->cand[0];
			c->cand[0] = all[i];
		} else {
			c->cand[c->n_cand++] = all[i];
		}
	}
}

static void on_name_resolved(struct fwd *f, struct conn *c,
			     const struct dnsd_answer *e)
{
	const char *why = "no address";

	c->slot = -1;
	if (e->rcode != DNS_RCODE_NOERROR || (!e->n4 && !e->n6)) {
		/* Behind a proxy the host may resolve nothing itself */
		if (c->via_proxy) {
			connect_next(f, c);
			return;
		}
		conn_fail(f, c, e->rcode == DNS_RCODE_NXDOMAIN ?
					"name does not resolve" :
					"name resolution failed");
		return;
	}
	set_candidates(f, c, e, &why);
	if (!c->n_cand) {
		c->allowed = false;
		conn_deny(f, c, why);
		return;
	}
	connect_next(f, c);
}

/* An allowed name or address: find where to dial */
static void start_resolve(struct fwd *f, struct conn *c)
{
	const struct dnsd_answer *a = NULL;
	struct dnsd_addr lit;
	int slot;

	c->allowed = true;
	if (dnsd_addr_parse(c->name, &lit)) {
		const char *why = dnsd_addr_refused(f->dns, &lit, c->port);

		if (why) {
			c->allowed = false;
			conn_deny(f, c, why);
			return;
		}
		c->cand[0] = lit;
		c->n_cand = 1;
		connect_next(f, c);
		return;
	}
	slot = dnsd_lookup(f->dns, c->name, f->now, &a);
	if (slot < 0) {
		conn_fail(f, c, "too many lookups in flight");
		return;
	}
	if (a) {
		on_name_resolved(f, c, a);
		return;
	}
	c->slot = slot;
	c->state = C_RESOLVE;
}

/* dnsd_waiter.done(): a lookup some connections may wait for finished */
static void lookup_done(void *ctx, int slot, const struct dnsd_answer *a)
{
	struct fwd *f = ctx;

	for (unsigned int i = 0; i < f->hiwater; i++) {
		struct conn *c = &f->conns[i];

		if (c->state == C_RESOLVE && c->slot == slot)
			on_name_resolved(f, c, a);
	}
}

/* ---- connections: held for a person's answer (--ask) ---------------- */

static void ask_close(struct fwd *f, struct fwd_ask *a)
{
	if (a->reply_fd >= 0) {
		epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, a->reply_fd, NULL);
		close(a->reply_fd);
	}
	a->reply_fd = -1;
	a->used = false;
	a->gen++;
}

/* @c leaves C_ASK without the answer (its client went away) */
static void ask_release(struct fwd *f, struct conn *c)
{
	struct fwd_ask *a = &f->asks[c->ask];

	f->n_held--;
	/* Closing the reply descriptor tells the supervisor: ask.cancel */
	if (--a->n_conns == 0)
		ask_close(f, a);
}

/* Hold @c until the supervisor answers for its name and port */
static void ask_hold(struct fwd *f, struct conn *c, const char *detail)
{
	struct fwd_ask *a = NULL;
	int idx = -1, fd;

	if (f->n_held >= FWD_MAX_HELD) {
		conn_deny(f, c, "too many connections held for an answer");
		return;
	}
	for (int i = 0; i < FWD_MAX_ASKS && !a; i++) {
		struct fwd_ask *x = &f->asks[i];

		if (x->used && x->port == c->port && !strcmp(x->name, c->name))
			a = x;
		else if (!x->used && idx < 0)
			idx = i;
	}
	if (a) {
		idx = (int)(a - f->asks);
	} else {
		if (idx < 0) {
			conn_deny(f, c, "too many questions at once");
			return;
		}
		/* Each question runs --approve-cmd, logs, maybe prompts: a
		 * jail that makes up names does not get to flood them */
		if (!f->ask_tokens) {
			conn_deny(f, c, "too many questions; try again later");
			return;
		}
		f->ask_tokens--;
		a = &f->asks[idx];
		fd = ask_send(f->p->ask_fd, "connect", c->name, c->port,
			      detail);
		if (fd < 0 ||
		    ep_add(f, fd, EPOLLIN,
			   tag_of(T_ASK, (uint32_t)idx, a->gen)) < 0) {
			if (fd >= 0)
				close(fd);
			conn_deny(f, c, "cannot ask");
			return;
		}
		a->used = true;
		a->reply_fd = fd;
		a->port = c->port;
		a->n_conns = 0;
		snprintf(a->name, sizeof(a->name), "%s", c->name);
	}
	a->n_conns++;
	f->n_held++;
	c->state = C_ASK;
	c->ask = idx;
	/* The supervisor times out first; this is for a supervisor stuck */
	c->deadline = f->now + f->cfg->ask_timeout * 1000 + FWD_ASK_MARGIN_MS;
}

/* The supervisor answered (or let go of) ask @idx */
static void on_ask_answer(struct fwd *f, uint64_t tag)
{
	uint32_t idx = (uint32_t)(tag >> 32);
	struct fwd_ask *a = idx < FWD_MAX_ASKS ? &f->asks[idx] : NULL;
	char by[ASK_HOST_MAX + 1] = "", why[ASK_HOST_MAX + 64];
	int r;

	if (!a || !a->used || (a->gen & 0xffffff) != ((tag >> 8) & 0xffffff))
		return;
	r = ask_read_answer(a->reply_fd, by);
	if (r == -EAGAIN)
		return;
	if (r == ASK_ALWAYS)
		dnsd_approve(f->dns, a->name);
	if (r == ASK_DENY)
		snprintf(why, sizeof(why), "denied when asked (%s)", by);
	else
		snprintf(why, sizeof(why), "no answer");
	for (unsigned int i = 0; i < f->hiwater; i++) {
		struct conn *c = &f->conns[i];

		if (c->state != C_ASK || c->ask != (int)idx)
			continue;
		f->n_held--;
		a->n_conns--;
		c->state = C_PEEK;
		c->deadline = 0;
		if (r != ASK_ALLOW && r != ASK_ALWAYS)
			conn_deny(f, c, why);
		/* Allowed now, TLS to a bound or held host is intercepted as
		 * if a rule had allowed it: a push there is still held */
		else if (!c->has_sni || !intercept_hook(f, c, c->name))
			start_resolve(f, c);
	}
	ask_close(f, a);
}

/* "revoke NAME" from the supervisor (jail revoke) */
static void on_ask_chan(struct fwd *f)
{
	char buf[CTL_LINE_MAX];
	struct ctl_msg m;

	for (int round = 0; round < 16; round++) {
		ssize_t n = recv(f->p->ask_fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0) {
			/* The supervisor is gone; it kills us soon enough */
			epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, f->p->ask_fd, NULL);
			return;
		}
		if (n < 0)
			return;
		if (ctl_parse(buf, (size_t)n, &m) < 0 || m.verb != CTL_REVOKE)
			continue;
		for (size_t i = 0; i < f->cfg->n_secrets; i++) {
			unsigned int killed;

			if (strcmp(f->cfg->secrets[i].name, m.name) ||
			    broker_is_revoked(i))
				continue;
			killed = broker_revoke(f->p, i);
			log_write(f, "secret.revoke",
				  (const struct audit_field[]){
					  AF_STR("name", m.name),
					  AF_INT("brokers_stopped", killed) },
				  2);
		}
	}
}

/*
 * --hold-push HOST: only TLS to HOST is carried, and intercepted, so that
 * a push can be held; git over SSH, plain HTTP (whose later requests on
 * the connection would be spliced unread) and any other protocol to HOST
 * are refused, whatever the rules say, with a reason that points to
 * HTTPS. Return: true when @c was refused
 */
static bool hold_push_refuse(struct fwd *f, struct conn *c)
{
	char why[POLICY_NAME_MAX + 128];

	if (c->is_tls && c->port != 22)
		return false;
	for (size_t i = 0; i < f->cfg->n_hold_push; i++) {
		if (strcmp(f->cfg->hold_push[i], c->name))
			continue;
		snprintf(why, sizeof(why),
			 c->port == 22 ?
				 "git over SSH to %s is refused (--hold-push); "
				 "push over HTTPS instead" :
				 "only HTTPS to %s is carried (--hold-push); a "
				 "push over anything else could not be held",
			 c->name);
		conn_deny(f, c, why);
		return true;
	}
	return false;
}

/*
 * --ask: no rule decided @c. Return: true when it was held or refused
 * here, false when it goes ahead (its name was answered "always")
 */
static bool ask_hook(struct fwd *f, struct conn *c, const char *ip,
		     const char *detail)
{
	if (!strcmp(c->name, ip) && dnsd_is_ask_addr(&c->dst)) {
		/* An ask address the resolver never handed out */
		c->name[0] = '\0';
		conn_deny(f, c, "not allowed");
		return true;
	}
	if (dnsd_is_approved(f->dns, c->name))
		return false;
	ask_hold(f, c, detail);
	return true;
}

/* ---- connections: naming and deciding ------------------------------- */

/* The host's upstream proxy as broker.c takes it */
static struct broker_proxy broker_px(const struct fwd *f)
{
	return (struct broker_proxy){ f->proxy.on ? &f->proxy.sa : NULL,
				      f->proxy.sa_len, f->proxy.auth,
				      f->proxy.broken };
}

/*
 * --secret (broker.c): allowed TLS whose SNI is a bound host goes to an
 * interception process of its own. Return: true when @c was handed over
 * or refused (and freed)
 */
static bool intercept_hook(struct fwd *f, struct conn *c, const char *sni)
{
	const struct broker_proxy px = broker_px(f);
	int v;

	/* As for brokered plain HTTP: a queued revoke comes first */
	if (f->p->ask_fd >= 0)
		on_ask_chan(f);
	v = broker_tls(f->p, f->dns, c->jail_fd, sni, c->port, &px);

	if (v == BROKER_PASS)
		return false;
	/* The process keeps the socket: our epoll must stop watching it */
	epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, c->jail_fd, NULL);
	conn_free(f, c, v == BROKER_REFUSED);
	return true;
}

static void decide(struct fwd *f, struct conn *c, const char *claimed,
		   bool is_tls)
{
	const struct jail_config *cfg = f->cfg;
	const char *pinned = dnsd_pinned(f->dns, &c->dst, NULL);
	enum policy_verdict v;
	char ip[INET6_ADDRSTRLEN];

	dnsd_addr_str(&c->dst, ip, sizeof(ip));
	if (is_tls && *claimed && pinned &&
	    !dnsd_pinned(f->dns, &c->dst, claimed)) {
		snprintf(c->name, sizeof(c->name), "%s", claimed);
		conn_deny(f, c, "server name does not match the resolved name");
		return;
	}
	if (is_tls && !*claimed && pinned && c->port == 443) {
		snprintf(c->name, sizeof(c->name), "%s", pinned);
		conn_deny(f, c, "no server name");
		return;
	}
	snprintf(c->name, sizeof(c->name), "%s",
		 *claimed ? claimed : pinned ? pinned : ip);
	c->is_tls = is_tls;
	c->has_sni = is_tls && *claimed;
	if (hold_push_refuse(f, c))
		return;
	v = policy_check_name(cfg->allow, cfg->n_allow, cfg->deny, cfg->n_deny,
			      c->name, c->port);
	c->via_proxy = is_tls && f->proxy.on;
	/* A profile's background host is denied without a question */
	if (v == POLICY_DENY_NOT_ALLOWED && cfg->ask && f->p->ask_fd >= 0 &&
	    !policy_check_quiet(cfg->quiet, cfg->n_quiet, c->name, c->port)) {
		if (ask_hook(f, c, ip,
			     is_tls ? "tls" : *claimed ? "http" : "tcp"))
			return;
		v = POLICY_ALLOW;	/* answered "always" before */
	}
	if (v != POLICY_ALLOW) {
		if (!strcmp(c->name, ip))
			c->name[0] = '\0';	/* no name: log the address */
		conn_deny(f, c, policy_verdict_reason(v));
		return;
	}
	if (is_tls && intercept_hook(f, c, claimed))
		return;
	c->deadline = 0;
	start_resolve(f, c);
}

/*
 * --secret (broker.c): a request to a broker name goes to a broker
 * process of its own; one carrying a placeholder elsewhere is refused.
 * Return: true when @c was handed over or refused (and freed)
 */
static bool secrets_hook(struct fwd *f, struct conn *c,
			 const struct http_head *h)
{
	const struct broker_proxy px = broker_px(f);
	int v;

	/*
	 * A "revoke" queued before this connection came must take effect
	 * before a broker (a copy of our memory) is forked for it: epoll
	 * may report the two in either order
	 */
	if (f->cfg->n_secrets && f->p->ask_fd >= 0)
		on_ask_chan(f);
	v = broker_http(f->p, f->dns, c->jail_fd, f->scratch, h, &px);

	if (v == BROKER_PASS)
		return false;
	/* The broker keeps the socket: our epoll must stop watching it */
	epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, c->jail_fd, NULL);
	conn_free(f, c, v == BROKER_REFUSED);
	return true;
}

/*
 * Look at what the jail sent so far, without consuming it.
 * Context: C_PEEK, on every new segment (edge-triggered)
 */
static void classify(struct fwd *f, struct conn *c)
{
	char name[POLICY_NAME_MAX + 1] = "";
	struct http_head h;
	ssize_t n = recv(c->jail_fd, f->scratch, sizeof(f->scratch), MSG_PEEK);
	int r;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone before saying anything: nothing to log */
		conn_free(f, c, n < 0);
		return;
	}
	c->got_bytes = true;
	if (f->scratch[0] == 0x16) {
		r = tls_parse_sni(f->scratch, (size_t)n, name, sizeof(name));
		if (r >= 0) {
			decide(f, c, r > 0 ? name : "", true);
			return;
		}
	} else {
		r = http_parse_head(f->scratch, (size_t)n, &h);
		if (r == 0 && !secrets_hook(f, c, &h))
			decide(f, c, h.host, false);
		if (r == 0)
			return;
	}
	if (r == -EAGAIN) {
		if ((size_t)n >= sizeof(f->scratch))
			conn_deny(f, c, "request head too large");
		return;
	}
	/* Neither TLS nor HTTP/1: only a pin or the address can name it */
	decide(f, c, "", false);
}

/* --allow-host-port: the gateway's address stands for the host */
static void host_port_conn(struct fwd *f, struct conn *c)
{
	const struct fwd_params *p = f->p;

	snprintf(c->name, sizeof(c->name), "%s", NETNS_HOST_NAME);
	for (size_t i = 0; i < p->n_host_ports; i++) {
		if (p->host_ports[i] != c->port)
			continue;
		c->allowed = true;
		dnsd_addr_parse("127.0.0.1", &c->cand[0]);
		c->n_cand = 1;
		connect_next(f, c);
		return;
	}
	conn_deny(f, c, c->port == 53 ? "DNS over TCP is not served" :
					"host port not allowed");
}

static int original_dst(int fd, int family, struct dnsd_addr *a, uint16_t *port)
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
	return dnsd_addr_from_sa(&ss, a, port) ? 0 : -EAFNOSUPPORT;
}

static void accept_one(struct fwd *f, int fd, int family)
{
	struct conn *c = conn_new(f, fd);

	if (!c) {
		/* At the limit: refuse at once rather than queue */
		close_reset(fd);
		if (log_budget(f))
			log_write(f, "net.deny",
				  (const struct audit_field[]){ AF_STR(
					  "reason", "too many connections") },
				  1);
		return;
	}
	if (original_dst(fd, family, &c->dst, &c->port) < 0) {
		conn_deny(f, c, "no original destination");
		return;
	}
	set_nodelay(fd);
	if (ep_add(f, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		   tag_of(T_JAIL, conn_idx(f, c), c->gen)) < 0) {
		conn_free(f, c, true);
		return;
	}
	if (is_gateway(&c->dst)) {
		host_port_conn(f, c);
		return;
	}
	c->state = C_PEEK;
	c->silent_deadline = f->now + FWD_SILENT_MS;
	c->deadline = f->now + FWD_FIRST_BYTES_MS;
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
			close_reset(fd);
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
		if (!is_up)
			classify(f, c);
		return;
	case C_CONNECT:
		if (is_up)
			on_connected(f, c);
		else if (ev & (EPOLLERR | EPOLLHUP))
			conn_free(f, c, true);
		return;
	case C_PROXY:
		if (is_up)
			proxy_read(f, c);
		else if (ev & (EPOLLERR | EPOLLHUP))
			conn_free(f, c, true);
		return;
	case C_RESOLVE:
	case C_ASK:
		if (ev & (EPOLLERR | EPOLLHUP))
			conn_free(f, c, true);
		return;
	case C_SPLICE:
		pump_both(f, c);
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
		if (!c->got_bytes && f->now >= c->silent_deadline)
			decide(f, c, "", false);
		else if (f->now >= c->deadline)
			conn_deny(f, c, "no request in time");
		return;
	case C_CONNECT:
		if (f->now >= c->deadline)
			connect_next(f, c);
		return;
	case C_PROXY:
		if (f->now >= c->deadline)
			conn_fail(f, c, "upstream proxy: no reply in time");
		return;
	case C_ASK:
		if (f->now >= c->deadline)
			conn_deny(f, c, "no answer in time");
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
	log_refill(f);
	for (unsigned int i = 0; i < f->hiwater; i++)
		tick_conn(f, &f->conns[i]);
	dnsd_tick(f->dns, f->now);
}

static __attribute__((noreturn)) void shut_down(struct fwd *f)
{
	broker_stop_all();
	f->now = now_ms();
	for (unsigned int i = 0; i < f->hiwater; i++)
		if (f->conns[i].state != C_FREE && f->conns[i].allowed &&
		    f->conns[i].peer.family)
			log_allow(f, &f->conns[i]);
	_exit(0);
}

static void on_signal(struct fwd *f)
{
	struct signalfd_siginfo si;

	if (read(f->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	shut_down(f);
}

/* ---- setup --------------------------------------------------------------- */

/*
 * Through crypto.c, which loads libcrypto on first use: linked into the
 * binary, libcrypto's constructor (CPU feature probing) would run at the
 * start of every jail. Return: true when @out holds the encoding
 */
static bool base64(const char *in, char *out, size_t out_len)
{
	return crypto_base64(in, strlen(in), out, out_len) >= 0;
}

/* Return: the value of hex digit @c, or -1 */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* %XX (two hex digits) in a URL's user:password; anything else is kept */
static void url_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		int hi = s[0] == '%' ? hex_digit(s[1]) : -1;
		int lo = hi >= 0 ? hex_digit(s[2]) : -1;

		if (lo >= 0) {
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * "http://[user:pass@]host[:port][/]": resolved once, here, before the
 * jail says anything. An https:// proxy (TLS to the proxy itself) is not
 * supported: TLS connections then fail closed instead of going direct.
 */
static void proxy_setup(struct proxy *px, const char *url)
{
	char buf[512], creds[512] = "", b64[700], *host, *at, *port, *end;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;

	if (!url || !*url)
		return;
	px->on = true;
	px->broken = true;
	if (strlen(url) >= sizeof(buf)) {
		warn("upstream proxy: URL too long");
		return;
	}
	snprintf(buf, sizeof(buf), "%s", url);
	host = buf;
	if (!strncasecmp(host, "http://", 7)) {
		host += 7;
	} else if (strstr(host, "://")) {
		warn("upstream proxy: only http:// proxies are supported");
		return;
	}
	at = strrchr(host, '@');
	if (at) {
		*at = '\0';
		snprintf(creds, sizeof(creds), "%s", host);
		host = at + 1;
	}
	end = strchr(host, '/');
	if (end)
		*end = '\0';
	if (*host == '[') {
		end = strchr(host, ']');
		if (!end)
			return;
		*end = '\0';
		port = end[1] == ':' ? end + 2 : NULL;
		host++;
	} else {
		port = strrchr(host, ':');
		if (port)
			*port++ = '\0';
	}
	if (getaddrinfo(host, port && *port ? port : "80", &hints, &res) ||
	    !res) {
		warn("upstream proxy: cannot resolve \"%s\"", host);
		return;
	}
	memcpy(&px->sa, res->ai_addr, res->ai_addrlen);
	px->sa_len = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(px->desc, sizeof(px->desc), "%s:%s", host,
		 port && *port ? port : "80");
	if (creds[0]) {
		url_unescape(creds);
		if (!base64(creds, b64, sizeof(b64))) {
			warn("upstream proxy: cannot encode its credentials "
			     "(libcrypto.so.3)");
			return;	/* stays broken: fail closed */
		}
		snprintf(px->auth, sizeof(px->auth),
			 "Proxy-Authorization: Basic %s\r\n", b64);
	}
	px->broken = false;
}

/* Keep 0-2 and @keep, close every other inherited descriptor */
static void redirect_stdin_to_null(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
}

static void close_others(const int *keep, size_t n)
{
	int sorted[8];
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

static void setup_loop(struct fwd *f)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
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
		    ep_add(f, f->listen_fd[i], EPOLLIN, tag_of(T_LISTEN, i, 0)))
			die_errno("forwarder: epoll");
		if (f->udp_fd[i] >= 0 &&
		    ep_add(f, f->udp_fd[i], EPOLLIN, tag_of(T_UDP, i, 0)))
			die_errno("forwarder: epoll");
	}
	if (f->p->ask_fd >= 0 &&
	    ep_add(f, f->p->ask_fd, EPOLLIN, tag_of(T_ASKCHAN, 0, 0)))
		die_errno("forwarder: epoll");
	for (int i = 0; i < FWD_MAX_ASKS; i++)
		f->asks[i].reply_fd = -1;
	if (ep_add(f, f->timer_fd, EPOLLIN, tag_of(T_TIMER, 0, 0)) ||
	    ep_add(f, f->sig_fd, EPOLLIN, tag_of(T_SIGNAL, 0, 0)) ||
	    ep_add(f, dnsd_lookup_fd(f->dns), EPOLLIN,
		   tag_of(T_RESOLVER, 0, 0)))
		die_errno("forwarder: epoll");
}

static void setup(struct fwd *f, const struct fwd_params *p)
{
	const int keep[] = { p->tcp4_fd, p->tcp6_fd, p->udp4_fd, p->udp6_fd,
			     p->log_fd, p->ask_fd };
	int err;

	f->p = p;
	f->cfg = p->cfg;
	f->listen_fd[0] = p->tcp4_fd;
	f->listen_fd[1] = p->tcp6_fd;
	f->udp_fd[0] = p->udp4_fd;
	f->udp_fd[1] = p->udp6_fd;
	/* The user's terminal is nothing the forwarder reads */
	redirect_stdin_to_null();
	close_others(keep, ARRAY_SIZE(keep));
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);	/* lookup processes reap themselves */
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
	f->now = f->log_at = now_ms();
	proxy_setup(&f->proxy, p->upstream_proxy);
	f->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	f->dns = dnsd_new(p, (struct dnsd_waiter){ lookup_done, f }, f->now);
	setup_loop(f);
}

static void dispatch(struct fwd *f, const struct epoll_event *ev)
{
	uint64_t tag = ev->data.u64;
	uint32_t idx = (uint32_t)(tag >> 32);
	struct conn *c;

	switch ((enum tag)(tag & 0xff)) {
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
		on_ask_chan(f);
		return;
	case T_ASK:
		on_ask_answer(f, tag);
		return;
	case T_JAIL:
	case T_UP:
		c = conn_get(f, tag);
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
			pump_both(f, c);
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
		f->now = now_ms();
		for (int i = 0; i < n; i++)
			dispatch(f, &ev[i]);
		if (f->n_ready)
			run_ready(f);
	}
}

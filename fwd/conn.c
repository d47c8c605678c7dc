// SPDX-License-Identifier: MIT
/*
 * conn.c - one connection from the jail: its slot and lifetime, its
 * audit events (net.allow, net.deny, net.error, counted per minute), its
 * pipes, its bytes both ways with splice(2), and on plain HTTP each
 * request judged on the way up (reqcheck.c) before its bytes go
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

#define FWD_PUMP_ROUNDS 16	/* splice rounds per direction per turn */

#define FWD_REFUSE_MS 5000	/* a refused request: earlier answers drain */

uint64_t fwd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t fwd_tag_of(enum tag t, uint32_t idx, uint32_t gen)
{
	return (uint64_t)t | ((uint64_t)(gen & 0xffffff) << 8) |
	       ((uint64_t)idx << 32);
}

int fwd_ep_add(struct fwd *f, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(f->ep_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Fill @ss from @a and @port. Return: its length */
socklen_t fwd_addr_to_sa(const struct fwd_addr *a, uint16_t port,
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
bool fwd_is_gateway(const struct fwd_addr *a)
{
	struct fwd_addr gw;

	if (a->family == AF_INET)
		return fwd_addr_parse(JAIL_GATEWAY_IP4, &gw) &&
		       fwd_addr_eq(a, &gw);
	return fwd_addr_parse(NETNS_GATEWAY_IP6, &gw) && fwd_addr_eq(a, &gw);
}

void fwd_set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Close @fd so that the peer sees a reset, not an orderly end */
void fwd_close_reset(int fd)
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
bool fwd_log_budget(struct fwd *f)
{
	if (f->log_tokens) {
		f->log_tokens--;
		return true;
	}
	f->suppressed++;
	return false;
}

void fwd_log_refill(struct fwd *f)
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

void fwd_log_write(struct fwd *f, const char *event,
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
		AF_STR("ip", fwd_addr_str(&c->dst, ip, sizeof(ip))),
		AF_INT("port", c->port),
		AF_STR("reason", reason),
	};

	if (fwd_log_budget(f))
		fwd_log_write(f, "net.deny", fl, ARRAY_SIZE(fl));
}

static void log_error(struct fwd *f, const struct conn *c, const char *why)
{
	char buf[INET6_ADDRSTRLEN];
	const char *ip = c->peer.family ?
				 fwd_addr_str(&c->peer, buf, sizeof(buf)) :
				 NULL;
	const struct audit_field fl[] = {
		AF_STR("host", c->name),
		AF_STR("ip", ip),
		AF_INT("port", c->port),
		AF_STR("error", why),
	};

	if (fwd_log_budget(f))
		fwd_log_write(f, "net.error", fl, ARRAY_SIZE(fl));
}

static void log_allow(struct fwd *f, const struct conn *c)
{
	char ip[INET6_ADDRSTRLEN];
	const struct audit_field fl[] = {
		AF_STR("host", c->name),
		AF_STR("ip", fwd_addr_str(&c->peer, ip, sizeof(ip))),
		AF_INT("port", c->port),
		AF_INT("bytes_up", c->up_bytes),
		AF_INT("bytes_down", c->down_bytes),
		AF_INT("duration_ms", f->now - c->t_start),
		AF_STR("proxy", c->via_proxy ? f->proxy.desc : NULL),
	};

	fwd_log_write(f, "net.allow", fl, ARRAY_SIZE(fl));
}

/* net.allow for @c, or counted into its destination's minute */
void fwd_log_allow_counted(struct fwd *f, const struct conn *c)
{
	bool is_now;

	ratelimit_lock(f->rl);
	is_now = ratelimit_take(f->rl, RL_ALLOW, c->name, c->port, NULL,
				c->up_bytes, c->down_bytes, f->now);
	ratelimit_unlock(f->rl);
	if (is_now)
		log_allow(f, c);
}

/* One event for each destination's minute of counted events */
void fwd_log_counted(struct fwd *f, bool is_all)
{
	struct ratelimit_slot s;

	for (;;) {
		ratelimit_lock(f->rl);
		bool is_due = ratelimit_due(f->rl, f->now, is_all, &s);

		ratelimit_unlock(f->rl);
		if (!is_due)
			return;
		if (s.kind == RL_INJECT) {
			const struct audit_field fl[] = {
				AF_STR("name", s.what[0] ? s.what : NULL),
				AF_STR("host", s.host[0] ? s.host : NULL),
				AF_INT("count", s.n),
				AF_INT("window_s", RATELIMIT_WINDOW_MS / 1000),
			};

			fwd_log_write(f, "secret.inject", fl, ARRAY_SIZE(fl));
			continue;
		}
		const struct audit_field fl[] = {
			AF_STR("host", s.host[0] ? s.host : NULL),
			AF_INT("port", s.port),
			AF_INT("count", s.n),
			AF_INT("bytes_up", s.up),
			AF_INT("bytes_down", s.down),
			AF_INT("window_s", RATELIMIT_WINDOW_MS / 1000),
		};

		fwd_log_write(f, "net.allow", fl, ARRAY_SIZE(fl));
	}
}

/* ---- connections: lifetime ------------------------------------------ */

struct conn *fwd_conn_get(struct fwd *f, uint64_t tag)
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

unsigned int fwd_conn_idx(const struct fwd *f, const struct conn *c)
{
	return (unsigned int)(c - f->conns);
}

static void pipe_put(struct fwd *f, struct fwd_pump *p)
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

static int pipe_get(struct fwd *f, struct fwd_pump *p)
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

void fwd_conn_free(struct fwd *f, struct conn *c, bool reset)
{
	if (c->state == C_ASK)
		fwd_ask_release(f, c);
	if (c->is_published)
		fwd_publish_release(f, c);	/* jail_fd is the pool's */
	/* Allowed and dialed: the one net.allow line, with its byte counts */
	if (c->allowed && c->peer.family)
		fwd_log_allow_counted(f, c);
	fwd_early_drop(c);
	if (reset) {
		fwd_close_reset(c->jail_fd);
		fwd_close_reset(c->up_fd);
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
	f->free_idx[f->n_free++] = fwd_conn_idx(f, c);
}

void fwd_conn_deny(struct fwd *f, struct conn *c, const char *reason)
{
	log_deny(f, c, reason);
	fwd_conn_free(f, c, true);
}

/* The cause of a failed connect, for net.error (as the brokers name it) */
const char *fwd_connect_cause(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "refused";
	case ETIMEDOUT:
		return "timeout";
	case ENETUNREACH:
	case EHOSTUNREACH:
		return "unreachable";
	default:
		return "connect failed";
	}
}

/* An allowed connection that could not be made */
void fwd_conn_fail(struct fwd *f, struct conn *c, const char *why)
{
	c->allowed = false;
	log_error(f, c, why);
	fwd_conn_free(f, c, true);
}

struct conn *fwd_conn_new(struct fwd *f, int jail_fd)
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
	c->early_fd = -1;
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
 * Each splice() asks for a whole pipe (FWD_PIPE_SIZE, 1 MiB: the most an
 * unprivileged process may set), so a download takes what the socket
 * holds in one call; measured, about 220 KiB a call and 440 KiB a
 * wake-up, and the loop is under a tenth of the forwarder's time (the
 * rest is the kernel's TCP work for the second connection). No
 * SPLICE_F_MORE: the forwarder cannot know whether more follows, and
 * MSG_MORE would hold back the last segment of a short answer. No
 * SO_RCVLOWAT either: it would mean fewer wake-ups during a download,
 * but the kernel has no timer for it, so the tail of an answer shorter
 * than the mark would wait for the connection's end.
 *
 * Return: 0, or negative errno when either socket failed
 */
int fwd_pump(struct fwd *f, struct fwd_pump *p, int src, int dst,
		uint64_t *count, bool *more, uint64_t *budget)
{
	int err;

	for (int round = 0;; round++) {
		size_t want = FWD_PIPE_SIZE;
		ssize_t n;

		if (round == FWD_PUMP_ROUNDS) {
			*more = true;
			break;
		}
		if (!p->pending) {
			if (p->eof || (budget && !*budget))
				break;
			if (budget && *budget < want)
				want = (size_t)*budget;
			if (p->pipe_w < 0 && (err = pipe_get(f, p)) < 0)
				return err;
			n = splice(src, NULL, p->pipe_w, NULL, want,
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
			if (budget)
				*budget -= (uint64_t)n;
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
	if (p->eof && !p->pending && !p->shut && !p->hold_fin) {
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
	f->ready[f->n_ready++] = fwd_conn_idx(f, c);
}

/* ---- connections: plain HTTP, request by request ---------------------- */

static const char *status_text(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 405: return "Method Not Allowed";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	default: return "Error";
	}
}

/* Answer the jail with @c's refusal, then close without a reset */
void fwd_http_refuse_now(struct fwd *f, struct conn *c)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n"
			 "jail: %s\n",
			 c->refuse_status, status_text(c->refuse_status),
			 strlen(c->refuse_why) + 7, c->refuse_why);

	if (n > 0 && (size_t)n < sizeof(buf))
		(void)send(c->jail_fd, buf, (size_t)n,
			   MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(c->jail_fd, SHUT_WR);
	/* Bytes left unread at close() would reset the connection, and the
	 * answer with it: what the jail sent after the refused head goes */
	for (int i = 0; i < 64; i++)
		if (recv(c->jail_fd, f->scratch, sizeof(f->scratch),
			 MSG_DONTWAIT | MSG_TRUNC) <= 0)
			break;
	fwd_conn_free(f, c, false);
}

/*
 * Refuse a request of @c (logged net.deny with @why). Answers to the
 * requests carried before it are still on their way: the server is told
 * the end (SHUT_WR), they drain, then the refusal follows them, within
 * FWD_REFUSE_MS. Return: 1 when @c is gone, 0 while it drains
 */
int fwd_http_refuse(struct fwd *f, struct conn *c, int status,
		       const char *why)
{
	log_deny(f, c, why);
	c->refuse_status = status;
	c->refuse_why = why;
	if (!c->rs.n_requests || c->up_fd < 0 || c->down.shut) {
		fwd_http_refuse_now(f, c);
		return 1;
	}
	c->is_refusing = true;
	c->down.hold_fin = true;
	c->deadline = f->now + FWD_REFUSE_MS;
	if (!c->up.shut && !c->up.pending) {
		shutdown(c->up_fd, SHUT_WR);
		c->up.shut = true;
	}
	return 0;
}

/* A placeholder in a head for a host it is not bound to.
 * Return: -1 (none), else as http_refuse() */
static int http_leak(struct fwd *f, struct conn *c, const uint8_t *head,
		     size_t len)
{
	int i = broker_head_leak(f->p, head, len);

	if (i < 0)
		return -1;
	broker_log_leak(f->p, (size_t)i, "http-header", c->name);
	return fwd_http_refuse(f, c, 403,
			   "a secret's placeholder was sent to a host it is "
			   "not bound to");
}

enum { HTTP_WAIT, HTTP_GO, HTTP_GONE };

/*
 * Judge what the jail sent next on a plain-HTTP connection (peeked, not
 * consumed): a head, or body framing. Return: HTTP_GO (@c->budget bytes
 * may go), HTTP_WAIT, HTTP_GONE (refused) or negative errno
 */
static int http_judge_next(struct fwd *f, struct conn *c)
{
	const struct reqcheck_conn rc = { c->name, c->port, 80, false };
	unsigned long long seen = c->rs.n_requests;
	struct reqcheck_verdict v;
	uint64_t body = reqcheck_take_body(&c->rs);
	ssize_t n;
	int r;

	if (body) {
		c->budget = body;
		return HTTP_GO;
	}
	n = recv(c->jail_fd, f->scratch, sizeof(f->scratch),
		 MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? HTTP_WAIT : -errno;
	if (n == 0) {
		c->up.eof = true;
		if (!c->up.shut) {
			shutdown(c->up_fd, SHUT_WR);
			c->up.shut = true;
		}
		return HTTP_WAIT;
	}
	r = reqcheck_feed(&c->rs, &rc, f->scratch, (size_t)n, &v);
	if (r == -EAGAIN && (size_t)n >= sizeof(f->scratch))
		return fwd_http_refuse(f, c, 431, "request head too large") ?
			       HTTP_GONE : HTTP_WAIT;
	if (r == -EAGAIN || r == -EBUSY)
		return HTTP_WAIT;
	if (r < 0)
		return fwd_http_refuse(f, c, v.status, v.why) ? HTTP_GONE :
							    HTTP_WAIT;
	if (c->rs.n_requests != seen) {
		int leak = http_leak(f, c, f->scratch, (size_t)r);

		if (leak >= 0)
			return leak ? HTTP_GONE : HTTP_WAIT;
	}
	c->budget = (uint64_t)r;
	return HTTP_GO;
}

/*
 * jail -> host on a plain-HTTP connection: only bytes judged go, and
 * every head is judged before its first byte goes.
 * Return: 0, 1 when @c is gone, or negative errno
 */
static int pump_http_up(struct fwd *f, struct conn *c, bool *more)
{
	for (int round = 0; round < FWD_PUMP_ROUNDS; round++) {
		int r = HTTP_GO, err;

		if (!c->budget && !c->up.pending && !c->up.eof)
			r = http_judge_next(f, c);
		if (r == HTTP_GONE)
			return 1;
		if (r < 0)
			return r;
		if (r == HTTP_WAIT || c->is_refusing)
			return 0;
		err = fwd_pump(f, &c->up, c->jail_fd, c->up_fd, &c->up_bytes, more,
			   &c->budget);
		if (err < 0)
			return err;
		if (c->budget || c->up.pending || c->up.eof || *more)
			return 0;
	}
	*more = true;
	return 0;
}

/* host -> jail; after an upgrade request, its answer is looked at first */
static int pump_down(struct fwd *f, struct conn *c, bool *more)
{
	if (c->is_http && reqcheck_wants_reply(&c->rs)) {
		uint8_t b[16];
		ssize_t n = recv(c->up_fd, b, sizeof(b),
				 MSG_PEEK | MSG_DONTWAIT);

		if (n > 0 && reqcheck_upgrade_reply(&c->rs, b, (size_t)n) < 0)
			return 0;	/* its first bytes are not all here */
		if (n > 0)
			*more = true;	/* the jail's next bytes may go */
	}
	return fwd_pump(f, &c->down, c->up_fd, c->jail_fd, &c->down_bytes, more,
		    NULL);
}

/*
 * Ports 80 and 443 carry HTTP and TLS only: bytes that are neither would
 * be relayed unread, and the requests behind them with them
 */
static bool is_web_port(uint16_t port)
{
	return port == 80 || port == 443;
}

/* An allowed connection that is neither TLS nor HTTP on a web port.
 * Return: true when @c was refused */
bool fwd_web_port_refuse(struct fwd *f, struct conn *c)
{
	if (!c->is_opaque || !is_web_port(c->port))
		return false;
	fwd_conn_deny(f, c, "neither HTTP nor TLS on a web port");
	return true;
}

/*
 * A client named from the pin because it was silent (a server speaks
 * first) must not start TLS or HTTP late: its name was never read, and
 * the upstream proxy would have been skipped. Return: 1 when @c was
 * refused, else 0 (@c->is_silent cleared once its first bytes passed)
 */
static int late_bytes(struct fwd *f, struct conn *c)
{
	ssize_t n = recv(c->jail_fd, f->scratch, 64, MSG_PEEK | MSG_DONTWAIT);
	const char *why = NULL;
	struct http_head h;
	int r;

	if (n < 0)
		return 0;
	if (n > 0 && f->scratch[0] == 0x16) {
		why = "a TLS ClientHello after the client was silent";
	} else if (n > 0) {
		r = http_parse_head(f->scratch, (size_t)n, &h);
		if (r == -EAGAIN && !memchr(f->scratch, '\n', (size_t)n) &&
		    n < 64)
			return 0;	/* not yet telling */
		if (r == 0 || r == -EAGAIN || r == -E2BIG)
			why = "an HTTP request after the client was silent";
		else if (is_web_port(c->port))
			why = "neither HTTP nor TLS on a web port";
	}
	if (why) {
		fwd_conn_deny(f, c, why);
		return 1;
	}
	c->is_silent = false;
	return 0;
}

static uint64_t fwd_idle_ms(const struct fwd *f)
{
	return (f->cfg->net_idle_timeout ? f->cfg->net_idle_timeout :
					   JAIL_NET_IDLE_DEFAULT) *
	       1000ULL;
}

void fwd_pump_both(struct fwd *f, struct conn *c)
{
	uint64_t before = c->up_bytes + c->down_bytes;
	bool more = false;
	int err = 0;

	if (c->is_silent)
		err = late_bytes(f, c);
	if (err > 0)
		return;		/* refused: @c is gone */
	if (!err && c->is_http && !c->is_refusing)
		err = pump_http_up(f, c, &more);
	else if (!err && !c->is_refusing && !c->is_silent)
		err = fwd_pump(f, &c->up, c->jail_fd, c->up_fd, &c->up_bytes,
			   &more, NULL);
	if (err > 0)
		return;
	if (err >= 0)
		err = pump_down(f, c, &more);
	if (err < 0) {
		/* One side reset or failed: tell the other the same way */
		fwd_conn_free(f, c, true);
		return;
	}
	if (c->up_bytes + c->down_bytes != before)
		c->idle_deadline = f->now + fwd_idle_ms(f);
	if (c->is_refusing && c->down.eof && !c->down.pending) {
		fwd_http_refuse_now(f, c);
		return;
	}
	if (c->up.shut && c->down.shut) {
		fwd_conn_free(f, c, false);
		return;
	}
	if (more)
		ready_add(f, c);
}

void fwd_enter_splice(struct fwd *f, struct conn *c)
{
	c->state = C_SPLICE;
	c->deadline = 0;
	c->idle_deadline = f->now + fwd_idle_ms(f);
	/* The first bytes are still queued in the jail's socket */
	fwd_pump_both(f, c);
}

/* ---- connections: dialing ------------------------------------------- */

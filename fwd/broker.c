// SPDX-License-Identifier: MIT
/*
 * broker.c - requests to hosts a secret is bound to (forwarder process)
 *
 * A client in the jail whose base URL is http://HOST.jail.internal sends
 * plain HTTP there; the gateway redirects it to the forwarder like every
 * other connection. For such a request the forwarder forks one broker
 * process per connection, which:
 *  1. reads the request head (the forwarder only peeked at it);
 *  2. rewrites it (secrets_rewrite_head()): Host: HOST, placeholders of
 *     the secrets bound to HOST replaced by their values, Connection:
 *     close, so that each request has its own connection and its own
 *     substitution; a placeholder of a secret bound elsewhere refuses the
 *     request (secret.leak);
 *  3. resolves HOST on the host, skips the addresses the policy refuses,
 *     connects to port 443 (or asks the host's upstream proxy to, with
 *     CONNECT) and speaks TLS with certificate and host name verification
 *     against the host's trust store (crypto.c);
 *  4. relays the rest of the request and the response as it arrives
 *     (server-sent events stream through), until either side closes.
 * Blocking I/O in a process of its own keeps the forwarder's loop free.
 *
 * Every other plain-HTTP head, and every DNS name, is searched for the
 * placeholders; one found there is refused and logged as secret.leak.
 *
 * TLS straight to a bound host is intercepted (broker_tls()): the
 * forwarder signs a certificate for the name with the jail's CA (once per
 * name, kept for the processes it forks later) and forks a process for
 * the connection, which terminates the jail's TLS with it (ALPN http/1.1
 * only: HTTP/2 is never offered), dials the host as above, and relays
 * request after request on the kept-alive connection: each head passes
 * intercept_request() (the seam for per-request policy), is rewritten by
 * secrets_rewrite_request() and logged as secret.inject; each body is
 * followed by its Content-Length or chunked framing (http.c) to find the
 * next head, and searched for the placeholders of secrets bound elsewhere
 * (secrets_scan_stream()). Framing it cannot follow ends the connection.
 * Responses are not parsed: they stream back as they come.
 *
 * TLS to a --hold-push host is intercepted the same way (without a secret
 * of its own, only the foreign placeholders are looked for). A git push
 * there, POST REPO/git-receive-pack, is held in the process: its head
 * and its body as they come stay here until the command list (push.c)
 * has arrived; then the supervisor is asked (ask_send(), kind "push",
 * the repository and refs as detail) while nothing more is read. Allowed,
 * the held bytes go upstream and the relay goes on; denied, the rest of
 * the body is read away and git gets a receive-pack report refusing every
 * ref. A push body that cannot be read (compressed, malformed, too long
 * a command list) is refused, never sent unasked.
 *
 * Every broker process, of either kind, holds a slot of brokers[], so
 * that one table bounds them all and broker_stop_all() reaches them.
 */
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"

#define BROKER_IO_MS 10000		/* head, connect, handshake */
#define BROKER_IDLE_MS (10 * 60 * 1000)	/* a stream silent this long ends */
#define BROKER_OUT_MAX (4 * HTTP_HEAD_MAX)
#define BROKER_MAX 64			/* broker processes at once */

/*
 * The broker processes alive, so that a jail cannot make the forwarder
 * fork without bound. They reap themselves (SIGCHLD is ignored), so
 * liveness is asked with kill(0): a pid recycled meanwhile by another
 * process of the user holds its slot a little longer, nothing worse.
 */
static pid_t brokers[BROKER_MAX];

/* SIGTERM in an interception process: log the connection and end */
static volatile sig_atomic_t is_stopping;

static void on_stop(int sig)
{
	(void)sig;
	is_stopping = 1;
}

void broker_stop_all(void)
{
	bool is_alive = true;

	for (int i = 0; i < BROKER_MAX; i++)
		if (brokers[i] && kill(brokers[i], SIGTERM) < 0)
			brokers[i] = 0;
	/* A moment for their last log lines, no more */
	for (int round = 0; round < 50 && is_alive; round++) {
		is_alive = false;
		for (int i = 0; i < BROKER_MAX; i++)
			is_alive |= brokers[i] && kill(brokers[i], 0) == 0;
		if (is_alive)
			usleep(10000);
	}
}

/* Bit i: secret i was revoked (jail revoke); inherited by every broker
 * forked afterwards */
static uint32_t revoked;

/* Return: a free slot in brokers[], or -1 when all are alive */
static int broker_slot(void)
{
	for (int i = 0; i < BROKER_MAX; i++)
		if (!brokers[i] || kill(brokers[i], 0) < 0)
			return i;
	return -1;
}

static void log_event(const struct fwd_params *p, const char *event,
		      const struct audit_field *f, size_t n)
{
	if (p->log_fd >= 0)
		audit_write(p->log_fd, p->jail_id, event, f, n);
}

void broker_log_leak(const struct fwd_params *p, size_t secret,
		     const char *where, const char *host)
{
	const struct audit_field f[] = {
		AF_STR("name", p->cfg->secrets[secret].name),
		AF_STR("where", where),
		AF_STR("host", host),
		AF_STR("reason", broker_is_revoked(secret) ?
					 "placeholder of a revoked secret" :
					 "placeholder sent to a host it is not "
					 "bound to"),
	};

	log_event(p, "secret.leak", f, ARRAY_SIZE(f));
}

/* The secrets as secrets_*() take them; values only for @host's */
static size_t make_subs(const struct fwd_params *p, const char *host,
			struct secrets_sub *subs)
{
	const struct jail_config *cfg = p->cfg;

	for (size_t i = 0; i < cfg->n_secrets; i++) {
		const struct secret_req *s = &cfg->secrets[i];
		bool is_bound = false;

		for (size_t k = 0; host && k < s->n_hosts; k++)
			is_bound |= !strcmp(s->hosts[k], host);
		subs[i] = (struct secrets_sub){ s->name, s->placeholder, NULL,
						0 };
		/* Revoked: bound nowhere, so its placeholder is a leak */
		if (is_bound && !broker_is_revoked(i) && p->secret_values &&
		    p->secret_values[i]) {
			subs[i].value = p->secret_values[i];
			subs[i].value_len = strlen(p->secret_values[i]);
		}
	}
	return cfg->n_secrets;
}

bool broker_is_revoked(size_t secret)
{
	return secret < 32 && (revoked & (1u << secret));
}

unsigned int broker_revoke(const struct fwd_params *p, size_t secret)
{
	unsigned int killed = 0;

	if (secret >= p->cfg->n_secrets || secret >= 32)
		return 0;
	revoked |= 1u << secret;
	if (p->secret_values && p->secret_values[secret])
		explicit_bzero(p->secret_values[secret],
			       strlen(p->secret_values[secret]));
	/*
	 * Every broker holds every value (a fork of our memory): none may
	 * send this one again. A slot whose pid was recycled by another of
	 * the user's processes would be hit too, so only our children are
	 * killed: pidfd_open() fails for a pid that is not alive, and the
	 * parent check rules out a stranger.
	 */
	for (int i = 0; i < BROKER_MAX; i++) {
		char path[64], line[256];
		autofclose FILE *st = NULL;
		int ppid = -1;

		if (!brokers[i])
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)brokers[i]);
		st = fopen(path, "re");
		/* "PID (COMM) STATE PPID ...": COMM may hold anything */
		if (st && fgets(line, sizeof(line), st)) {
			const char *rp = strrchr(line, ')');

			if (rp && rp[1] == ' ' && rp[2] && rp[3] == ' ')
				ppid = (int)strtol(rp + 4, NULL, 10);
		}
		if (ppid == getpid() && kill(brokers[i], SIGKILL) == 0)
			killed++;
		brokers[i] = 0;
	}
	return killed;
}

int broker_dns_leak(const struct fwd_params *p, const char *name)
{
	struct secrets_sub subs[JAIL_MAX_SECRETS];
	size_t n = make_subs(p, NULL, subs);

	if (!n)
		return -1;
	return secrets_scan((const uint8_t *)name, strlen(name), subs, n);
}

/* Answer the jail with a short error and end the broker */
static __attribute__((noreturn)) void fail(int jail_fd, const char *status,
					   const char *why)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n"
			 "jail: %s\n",
			 status, strlen(why) + 7, why);

	if (n > 0)
		(void)write_all(jail_fd, buf, (size_t)n);
	shutdown(jail_fd, SHUT_WR);
	_exit(0);
}

/* Every descriptor from 3 up but the @n in @keep closed (the
 * forwarder's others); negative entries are ignored */
static void close_all_but(const int *keep, size_t n)
{
	unsigned int from = 3;

	/* Ascending: at most @n rounds, each skipping the lowest kept */
	for (size_t round = 0; round <= n; round++) {
		int next = -1;

		for (size_t i = 0; i < n; i++)
			if (keep[i] >= (int)from &&
			    (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0)
			break;
		if ((unsigned int)next > from)
			close_range(from, (unsigned int)next - 1, 0);
		from = (unsigned int)next + 1;
	}
	close_range(from, ~0U, 0);
}

/* Read the head the forwarder peeked at. Return: bytes in @buf */
static size_t read_head(int fd, uint8_t *buf, size_t cap,
			struct http_head *h)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = recv(fd, buf + got, cap - got, 0);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		got += (size_t)n;
		r = http_parse_head(buf, got, h);
		if (r == 0)
			return got;
		if (r != -EAGAIN)
			fail(fd, "400 Bad Request", "malformed request");
	}
	fail(fd, "431 Request Header Fields Too Large", "request too large");
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Small writes (a head, a TLS handshake message) go out at once */
static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * Why the last dial() failed, for net.error and the 502's text: each
 * broker process dials for its one connection
 */
static const char *dial_error = "no address";

static const char *connect_error(int err)
{
	return err == ECONNREFUSED ? "refused" :
	       err == ETIMEDOUT || err == EAGAIN || err == EINPROGRESS ?
					  "timeout" :
	       err == ENETUNREACH || err == EHOSTUNREACH ? "unreachable" :
							   "connect failed";
}

/* Return: a connected socket to an allowed address of @host:@port, or -1 */
static int dial(const struct fwd_params *p, const struct dnsd *d,
		const char *host, uint16_t port, struct dnsd_addr *peer)
{
	char service[8];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	struct timeval tv = { BROKER_IO_MS / 1000, 0 };
	int fd = -1;

	hints.ai_family = p->ipv6 ? AF_UNSPEC : AF_INET;
	snprintf(service, sizeof(service), "%u", port);
	dial_error = "no address";
	if (getaddrinfo(host, service, &hints, &res))
		return -1;
	dial_error = "only refused (private or local) addresses";
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		uint16_t got_port;

		if (!dnsd_addr_from_sa(ai->ai_addr, peer, &got_port) ||
		    dnsd_addr_refused(d, peer, port))
			continue;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		set_nodelay(fd);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			dial_error = connect_error(errno);
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * An allowed host that could not be reached is an error, not a denial:
 * net.error with the cause; Return: the 502's text
 */
static const char *upstream_failed(const struct fwd_params *p,
				   const char *host, uint16_t port,
				   bool via_proxy, char *text, size_t len)
{
	const char *why = via_proxy ? "upstream proxy refused CONNECT" :
				      dial_error;
	const struct audit_field f[] = {
		AF_STR("host", host),
		AF_INT("port", port),
		AF_STR("error", why),
	};

	log_event(p, "net.error", f, ARRAY_SIZE(f));
	snprintf(text, len, "cannot connect upstream to %s:%u: %s", host,
		 port, why);
	return text;
}

/* Read a CONNECT answer up to its blank line. Return: true on 2xx */
static bool proxy_answer_ok(int fd)
{
	char buf[8192];
	size_t got = 0;

	/* Byte by byte: nothing after the blank line may be consumed */
	while (got < sizeof(buf) - 1) {
		ssize_t n = recv(fd, buf + got, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got++;
		buf[got] = '\0';
		if (got >= 4 && !memcmp(buf + got - 4, "\r\n\r\n", 4))
			return !strncmp(buf, "HTTP/1.", 7) && got > 12 &&
			       buf[8] == ' ' && buf[9] == '2';
	}
	return false;
}

/* Return: a socket tunnelled to @host:@port by the upstream proxy, or -1 */
static int dial_proxy(const struct broker_proxy *px, const char *host,
		      uint16_t port)
{
	struct timeval tv = { BROKER_IO_MS / 1000, 0 };
	const struct sockaddr *sa = px->sa;
	char req[2048];
	int fd, n;

	n = snprintf(req, sizeof(req),
		     "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u\r\n%s\r\n",
		     host, port, host, port, px->auth);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -1;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	set_nodelay(fd);
	if (connect(fd, sa, px->sa_len) < 0 ||
	    write_all(fd, req, (size_t)n) < 0 || !proxy_answer_ok(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Relay both ways until the server closes. Return: bytes up and down */
static void relay(int jail_fd, struct crypto_tls *t, int up_fd,
		  long long *up, long long *down)
{
	static uint8_t buf[1 << 16];
	bool is_jail_eof = false;

	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = is_jail_eof ? -1 : jail_fd, .events = POLLIN },
			{ .fd = up_fd, .events = POLLIN },
		};
		ssize_t n;

		if (!crypto_tls_pending(t)) {
			int r = poll(pf, 2, BROKER_IDLE_MS);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return;
		} else {
			pf[1].revents = POLLIN;
		}
		if (pf[1].revents) {
			n = crypto_tls_read(t, buf, sizeof(buf));
			if (n == 0 || n == -EIO)
				return;
			if (n > 0) {
				if (write_all(jail_fd, buf, (size_t)n) < 0)
					return;
				*down += n;
			}
		}
		if (pf[0].revents) {
			n = read(jail_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			/* Half-closed: the response still comes */
			if (n <= 0)
				is_jail_eof = true;
			else if (crypto_tls_write(t, buf, (size_t)n) < 0)
				return;
			else
				*up += n;
		}
	}
}

static void log_injected(const struct fwd_params *p, const char *host,
			 uint32_t injected)
{
	for (size_t i = 0; i < p->cfg->n_secrets; i++) {
		const struct audit_field f[] = {
			AF_STR("name", p->cfg->secrets[i].name),
			AF_STR("host", host),
		};

		if (injected & (1u << i))
			log_event(p, "secret.inject", f, ARRAY_SIZE(f));
	}
}

static void log_refused_port(const struct fwd_params *p, const char *host,
			     uint16_t port, const char *reason)
{
	const struct audit_field f[] = {
		AF_STR("host", host),
		AF_INT("port", port),
		AF_STR("reason", reason),
	};

	log_event(p, "net.deny", f, ARRAY_SIZE(f));
}

static void log_refused(const struct fwd_params *p, const char *host,
			const char *reason)
{
	log_refused_port(p, host, 443, reason);
}

/*
 * One brokered connection, start to end.
 * Context: a process forked from the forwarder for @jail_fd
 */
static __attribute__((noreturn)) void serve(const struct fwd_params *p,
					    const struct dnsd *d, int jail_fd,
					    const char *host,
					    const struct broker_proxy *px)
{
	static uint8_t in[HTTP_HEAD_MAX], out[BROKER_OUT_MAX];
	struct secrets_sub subs[JAIL_MAX_SECRETS];
	struct timeval tv = { BROKER_IO_MS / 1000, 0 };
	struct crypto_tls *t = NULL;
	struct http_head h;
	struct dnsd_addr peer;
	char why[256], ip[64];
	uint32_t injected = 0;
	long long up = 0, down = 0;
	size_t got, n = make_subs(p, host, subs);
	int leaked = -1, len, up_fd;

	sigset_t term;

	/* broker_stop_all()'s SIGTERM ends it at once */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_NAME, "jail-broker", 0, 0, 0);
	close_all_but((const int[]){ jail_fd, p->log_fd }, 2);
	fcntl(jail_fd, F_SETFL, 0);
	setsockopt(jail_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	got = read_head(jail_fd, in, sizeof(in), &h);
	len = secrets_rewrite_head(in, h.head_len, host, subs, n, out,
				   sizeof(out), &injected, &leaked);
	if (len == -EACCES) {
		broker_log_leak(p, (size_t)leaked, "http-header", host);
		fail(jail_fd, "403 Forbidden",
		     "a secret's placeholder was sent to a host it is not "
		     "bound to");
	}
	if (len < 0)
		fail(jail_fd, "400 Bad Request", "request head refused");
	memset(&peer, 0, sizeof(peer));
	up_fd = px->sa ? dial_proxy(px, host, 443) :
			 dial(p, d, host, 443, &peer);
	if (up_fd < 0) {
		char text[400];

		fail(jail_fd, "502 Bad Gateway",
		     upstream_failed(p, host, 443, px->sa, text, sizeof(text)));
	}
	if (crypto_tls_connect(up_fd, host, &t, why, sizeof(why)) < 0) {
		char reason[300];

		snprintf(reason, sizeof(reason), "upstream TLS refused: %s",
			 why);
		log_refused(p, host, reason);
		fail(jail_fd, "502 Bad Gateway", reason);
	}
	tv.tv_sec = 0;
	setsockopt(jail_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	log_injected(p, host, injected);
	if (crypto_tls_write(t, out, (size_t)len) < 0 ||
	    (got > h.head_len &&
	     crypto_tls_write(t, in + h.head_len, got - h.head_len) < 0))
		fail(jail_fd, "502 Bad Gateway", "upstream write failed");
	explicit_bzero(out, sizeof(out));
	relay(jail_fd, t, up_fd, &up, &down);
	crypto_tls_free(t);
	shutdown(jail_fd, SHUT_WR);
	{
		const struct audit_field f[] = {
			AF_STR("host", host),
			AF_STR("ip", peer.family ? dnsd_addr_str(&peer, ip,
								 sizeof(ip)) :
						   NULL),
			AF_INT("port", 443),
			AF_INT("bytes_up", up + (long long)got),
			AF_INT("bytes_down", down),
			AF_STR("via", "secret broker"),
		};

		log_event(p, "net.allow", f, ARRAY_SIZE(f));
	}
	_exit(0);
}

int broker_http(const struct fwd_params *p, const struct dnsd *d,
		int jail_fd, const uint8_t *buf, const struct http_head *h,
		const struct broker_proxy *px)
{
	const struct jail_config *cfg = p->cfg;
	struct secrets_sub subs[JAIL_MAX_SECRETS];
	const char *host;
	enum policy_verdict v;
	size_t n;
	int i;
	pid_t pid;
	int slot;

	if (!cfg->n_secrets)
		return BROKER_PASS;
	host = secrets_broker_host(cfg, h->host);
	if (!host) {
		n = make_subs(p, NULL, subs);
		i = secrets_scan(buf, h->head_len, subs, n);
		if (i < 0)
			return BROKER_PASS;
		broker_log_leak(p, (size_t)i, "http-header", h->host);
		return BROKER_REFUSED;
	}
	v = policy_check_name(cfg->allow, cfg->n_allow, cfg->deny, cfg->n_deny,
			      host, 443);
	if (v != POLICY_ALLOW) {
		log_refused(p, host, policy_verdict_reason(v));
		return BROKER_REFUSED;
	}
	if (px->is_broken) {
		/* As for spliced TLS: never around a proxy the host set */
		log_refused(p, host, "upstream proxy unusable");
		return BROKER_REFUSED;
	}
	/* Loaded once here, the trust store serves every broker process */
	(void)crypto_tls_client_init();
	slot = broker_slot();
	pid = slot < 0 ? -1 : fork();
	if (pid < 0) {
		log_refused(p, host, slot < 0 ? "too many brokered requests" :
						"cannot start the broker");
		return BROKER_REFUSED;
	}
	if (pid == 0)
		serve(p, d, jail_fd, host, px);
	brokers[slot] = pid;
	return BROKER_TAKEN;
}

/* ---- TLS interception ------------------------------------------------- */

#define ICPT_BUF (1 << 16)	/* bytes read from either side at once */
#define ICPT_LEAVES \
	((size_t)JAIL_MAX_SECRETS * SECRETS_HOSTS_MAX + JAIL_MAX_HOLD_PUSH)
#define ICPT_HOLD_MAX (2 * PUSH_LIST_MAX)	/* a held push's raw bytes */
#define ICPT_DRAIN_MAX (256ULL << 20)	/* a denied push's body, read away */
#define ICPT_ASK_MARGIN_MS 5000	/* after --ask-timeout: the supervisor */

/* One intercepted connection (the process's only one) */
struct icpt {
	const struct fwd_params *p;
	const struct dnsd *d;
	const struct broker_proxy *px;
	const char *host;		/* the bound or held host the SNI named */
	uint16_t port;
	char authority[POLICY_NAME_MAX + 8];	/* Host header upstream */
	int jail_fd;
	int up_fd;
	struct crypto_tls *jail;
	struct crypto_tls *up;
	struct dnsd_addr peer;
	struct secrets_sub subs[JAIL_MAX_SECRETS];
	size_t n_subs;
	bool has_unbound;		/* placeholders to look for in bodies */
	enum { RQ_HEAD, RQ_LENGTH, RQ_CHUNKED } state;
	uint64_t body_left;		/* RQ_LENGTH */
	struct http_chunked chunked;	/* RQ_CHUNKED */
	struct secrets_stream scan;	/* the body's data */
	struct secrets_stream scan_raw;	/* chunked: framing and trailers too */
	size_t in_len;
	long long up_bytes;
	long long down_bytes;
	long long n_requests;
	/* --hold-push: a push's head, held in @out until it is answered */
	bool is_held;			/* pushes to @host are held */
	enum { PUSH_NONE, PUSH_COLLECT, PUSH_DRAIN } push;
	char repo[256];
	size_t out_len;			/* the held head in @out */
	uint32_t injected;		/* its secrets, logged when sent */
	size_t hold_len;
	size_t list_len;
	unsigned long long drained;
	char why[ASK_HOST_MAX + 128];	/* PUSH_DRAIN: the refusal */
	struct push_cmds cmds;
	uint8_t hold[ICPT_HOLD_MAX];	/* its body as it came, framing too */
	uint8_t list[PUSH_LIST_MAX];	/* its data: the command list */
	uint8_t reply[PUSH_REPORT_MAX + 1024];
	uint8_t in[ICPT_BUF];		/* from the jail, not yet sent on */
	uint8_t down[ICPT_BUF];
	uint8_t out[BROKER_OUT_MAX];	/* a rewritten head */
};

/*
 * The leaf certificates made so far, one per bound host. Made in the
 * forwarder on the first connection for a name, so that every process
 * forked for a later one inherits it instead of signing again.
 */
static struct {
	char name[POLICY_NAME_MAX + 1];
	struct crypto_leaf *leaf;
} leaves[ICPT_LEAVES];
static size_t n_leaves;

static bool is_bound(const struct jail_config *cfg, const char *host)
{
	for (size_t i = 0; i < cfg->n_secrets; i++)
		for (size_t k = 0; k < cfg->secrets[i].n_hosts; k++)
			if (!strcmp(cfg->secrets[i].hosts[k], host))
				return true;
	return false;
}

/* --hold-push HOST */
static bool is_held(const struct jail_config *cfg, const char *host)
{
	for (size_t i = 0; i < cfg->n_hold_push; i++)
		if (!strcmp(cfg->hold_push[i], host))
			return true;
	return false;
}

/* Return: the leaf for @host (a bound host), made now if need be, or NULL */
static struct crypto_leaf *leaf_for(const struct fwd_params *p,
				    const char *host)
{
	for (size_t i = 0; i < n_leaves; i++)
		if (!strcmp(leaves[i].name, host))
			return leaves[i].leaf;
	/* Bound hosts are at most ICPT_LEAVES names: the table never fills */
	if (n_leaves == ICPT_LEAVES ||
	    crypto_leaf_new(p->ca, host, &leaves[n_leaves].leaf) < 0)
		return NULL;
	snprintf(leaves[n_leaves].name, sizeof(leaves[0].name), "%s", host);
	return leaves[n_leaves++].leaf;
}

/* net.allow for the connection, then the end of the process */
static __attribute__((noreturn)) void icpt_finish(struct icpt *ic)
{
	char ip[64];
	const struct audit_field f[] = {
		AF_STR("host", ic->host),
		AF_STR("ip", ic->peer.family ?
				     dnsd_addr_str(&ic->peer, ip, sizeof(ip)) :
				     NULL),
		AF_INT("port", ic->port),
		AF_INT("bytes_up", ic->up_bytes),
		AF_INT("bytes_down", ic->down_bytes),
		AF_INT("requests", ic->n_requests),
		AF_STR("via", "tls interception"),
	};

	explicit_bzero(ic->out, sizeof(ic->out));
	crypto_tls_free(ic->up);
	crypto_tls_free(ic->jail);
	shutdown(ic->jail_fd, SHUT_WR);
	if (ic->up)
		log_event(ic->p, "net.allow", f, ARRAY_SIZE(f));
	_exit(0);
}

/* Answer the jail with a short error over its TLS and end */
static __attribute__((noreturn)) void icpt_refuse(struct icpt *ic,
						  const char *status,
						  const char *why)
{
	char buf[640];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n"
			 "jail: %s\n",
			 status, strlen(why) + 7, why);

	if (n > 0 && (size_t)n < sizeof(buf))
		(void)crypto_tls_write(ic->jail, buf, (size_t)n);
	icpt_finish(ic);
}

/* Connect and verify upstream (@ic->up_fd, @ic->up), or answer the jail
 * why not */
static void icpt_connect(struct icpt *ic)
{
	const struct broker_proxy *px = ic->px;
	char why[256], reason[300];

	ic->up_fd = px->sa ? dial_proxy(px, ic->host, ic->port) :
			     dial(ic->p, ic->d, ic->host, ic->port, &ic->peer);
	if (ic->up_fd < 0)
		icpt_refuse(ic, "502 Bad Gateway",
			    upstream_failed(ic->p, ic->host, ic->port,
					    px->sa, reason, sizeof(reason)));
	if (crypto_tls_connect(ic->up_fd, ic->host, &ic->up, why,
			       sizeof(why)) < 0) {
		snprintf(reason, sizeof(reason), "upstream TLS refused: %s",
			 why);
		log_refused_port(ic->p, ic->host, ic->port, reason);
		icpt_refuse(ic, "502 Bad Gateway", reason);
	}
}

/**
 * intercept_request() - Decide on one request of an intercepted connection
 * @ic:		the connection; @ic->host is the bound or held host it
 *		goes to
 * @h:		the request's head as the jail sent it: method, target
 *		(path), Host
 * @why:	set to the reason when the request is refused
 *
 * Every request of every intercepted connection passes here once its
 * head is parsed, before any byte of it goes upstream: the one place
 * for per-request policy. A git push to a --hold-push host (POST
 * REPO/git-receive-pack) is marked for holding (@ic->push): its head
 * and body stay here until its command list has arrived and a person
 * answered the ask (icpt_push_take()). The GET .../info/refs that
 * precedes it and every fetch pass: they change nothing on the server.
 *
 * Return: NULL to send the request on (or hold it), else the HTTP status
 * to refuse it with (the connection then ends)
 */
static const char *intercept_request(struct icpt *ic,
				     const struct http_head *h,
				     const uint8_t *head, const char **why)
{
	uint16_t port = h->host_port ? h->host_port : 443;
	size_t off, len;

	/* The secrets go where the TLS connection (its SNI) said, and the
	 * server must not be asked for another of its names */
	if (!h->has_host || strcmp(h->host, ic->host) || port != ic->port) {
		*why = "the request's Host is not the host of its connection";
		return "421 Misdirected Request";
	}
	/* A tunnel's bytes have no request boundaries left to follow */
	if (!strcmp(h->method, "CONNECT")) {
		*why = "CONNECT is not carried on an intercepted connection";
		return "405 Method Not Allowed";
	}
	if (!ic->is_held ||
	    !push_is_receive_pack(h, ic->repo, sizeof(ic->repo)))
		return NULL;
	/*
	 * git compresses fetch requests only, but another client may
	 * compress a push: its refs cannot be read without an inflater,
	 * and a push is never sent unasked
	 */
	if (http_find_header(head, h->head_len, "Content-Encoding", &off,
			     &len, 0) == 0 &&
	    !(len == 8 && !strncasecmp((const char *)head + off, "identity",
				       8))) {
		*why = "a push with a compressed body cannot be held "
		       "(--hold-push); push without Content-Encoding";
		return "415 Unsupported Media Type";
	}
	ic->push = PUSH_COLLECT;
	return NULL;
}

/* Send @len bytes on as they are */
static void icpt_send(struct icpt *ic, const uint8_t *b, size_t len)
{
	if (len && crypto_tls_write(ic->up, b, len) < 0)
		icpt_finish(ic);
	ic->up_bytes += (long long)len;
}

/* A head in @b: check, rewrite and send (or hold) it; set up for its body */
static void icpt_head(struct icpt *ic, const uint8_t *b,
		      const struct http_head *h)
{
	const struct fwd_params *p = ic->p;
	struct http_framing fr;
	const char *status, *why = "";
	uint32_t injected = 0;
	int leaked = -1, len, r;

	r = http_request_framing(b, h->head_len, h, &fr);
	if (r == -ENOTSUP)
		icpt_refuse(ic, "501 Not Implemented",
			    "a transfer coding other than chunked");
	if (r < 0)
		icpt_refuse(ic, "400 Bad Request",
			    "the request's length is ambiguous");
	status = intercept_request(ic, h, b, &why);
	if (status) {
		log_refused_port(p, ic->host, ic->port, why);
		icpt_refuse(ic, status, why);
	}
	len = secrets_rewrite_request(b, h->head_len, ic->authority, ic->subs,
				      ic->n_subs, ic->out, sizeof(ic->out),
				      &injected, &leaked);
	if (len == -EACCES) {
		broker_log_leak(p, (size_t)leaked, "http-header", ic->host);
		icpt_refuse(ic, "403 Forbidden",
			    "a secret's placeholder was sent to a host it is "
			    "not bound to");
	}
	if (len < 0)
		icpt_refuse(ic, "400 Bad Request", "request head refused");
	ic->n_requests++;
	memset(&ic->scan, 0, sizeof(ic->scan));
	memset(&ic->scan_raw, 0, sizeof(ic->scan_raw));
	memset(&ic->chunked, 0, sizeof(ic->chunked));
	ic->body_left = fr.length;
	ic->state = fr.is_chunked ? RQ_CHUNKED : fr.length ? RQ_LENGTH :
							     RQ_HEAD;
	/* A push without a body updates nothing: it goes on */
	if (ic->push == PUSH_COLLECT && ic->state != RQ_HEAD) {
		ic->out_len = (size_t)len;
		ic->injected = injected;
		ic->hold_len = ic->list_len = 0;
		return;
	}
	ic->push = PUSH_NONE;
	log_injected(p, ic->host, injected);
	icpt_send(ic, ic->out, (size_t)len);
	explicit_bzero(ic->out, (size_t)len);
}

/* The held push goes upstream after all: its head and what came of it */
static void icpt_push_release(struct icpt *ic)
{
	struct pollfd pf = { .fd = ic->up_fd, .events = POLLIN | POLLRDHUP };

	/*
	 * The answer may have taken minutes: a server that closed the idle
	 * connection meanwhile (or said anything unasked) is dialed again;
	 * nothing of the held request has reached it yet
	 */
	if (poll(&pf, 1, 0) > 0 || crypto_tls_pending(ic->up)) {
		crypto_tls_free(ic->up);
		ic->up = NULL;
		close(ic->up_fd);
		icpt_connect(ic);
	}
	log_injected(ic->p, ic->host, ic->injected);
	icpt_send(ic, ic->out, ic->out_len);
	explicit_bzero(ic->out, ic->out_len);
	icpt_send(ic, ic->hold, ic->hold_len);
	ic->push = PUSH_NONE;
}

/* Log a refused push as net.deny and read its body away (PUSH_DRAIN) */
static void icpt_push_deny(struct icpt *ic, const char *by)
{
	snprintf(ic->why, sizeof(ic->why), "push to %s held and %s", ic->host,
		 by);
	log_refused_port(ic->p, ic->host, ic->port, ic->why);
	explicit_bzero(ic->out, ic->out_len);
	ic->push = PUSH_DRAIN;
	ic->drained = 0;
}

/*
 * Wait for the answer on @fd, the jail's client and SIGTERM alike.
 * Return: enum ask_answer, or -1 (no answer in time, or the supervisor
 * is gone)
 */
static int icpt_push_wait(struct icpt *ic, int fd, char *by)
{
	/* The supervisor times out first; this is for a supervisor stuck */
	uint64_t end = mono_ms() + ic->p->cfg->ask_timeout * 1000 +
		       ICPT_ASK_MARGIN_MS;
	sigset_t none;

	sigemptyset(&none);
	for (uint64_t now = mono_ms(); now < end && !is_stopping;
	     now = mono_ms()) {
		struct pollfd pf[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = ic->jail_fd, .events = POLLRDHUP },
		};
		struct timespec ts = { (time_t)((end - now) / 1000),
				       (long)((end - now) % 1000) * 1000000 };
		int r = ppoll(pf, 2, &ts, &none);

		if (r < 0 && errno != EINTR)
			return -1;
		if (r <= 0)
			continue;
		/* The client gave up: closing @fd tells the supervisor */
		if (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			close(fd);
			icpt_finish(ic);
		}
		r = ask_read_answer(fd, by);
		if (r != -EAGAIN)
			return r < 0 ? -1 : r;
	}
	return -1;
}

/* The command list is complete: ask, then send the push on or refuse it */
static void icpt_push_ask(struct icpt *ic)
{
	char detail[ASK_DETAIL_MAX + 1], by[ASK_HOST_MAX + 1] = "";
	int fd, r;

	push_detail(ic->repo, ic->list, &ic->cmds, detail, sizeof(detail));
	fd = ask_send(ic->p->ask_fd, "push", ic->host, ic->port, detail);
	if (fd < 0) {
		icpt_push_deny(ic, "not asked (the supervisor is busy)");
		return;
	}
	r = icpt_push_wait(ic, fd, by);
	close(fd);
	if (r == ASK_ALLOW || r == ASK_ALWAYS) {
		icpt_push_release(ic);
		return;
	}
	if (r == ASK_DENY) {
		char how[ASK_HOST_MAX + 16];

		snprintf(how, sizeof(how), "denied (%s)", by);
		icpt_push_deny(ic, how);
		return;
	}
	icpt_push_deny(ic, "not answered");
}

/*
 * A denied push's body has ended: answer it as receive-pack would, so
 * that git shows the reason ("! [remote rejected] REF (WHY)" and
 * "remote: jail: WHY"), else with a 403 and the reason as text
 */
static __attribute__((noreturn)) void icpt_push_refused(struct icpt *ic)
{
	char head[256];
	int len = push_refusal(ic->list, &ic->cmds, ic->why, ic->reply,
			       sizeof(ic->reply));
	int n;

	if (len < 0)
		icpt_refuse(ic, "403 Forbidden", ic->why);
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 200 OK\r\n"
		     "Content-Type: application/x-git-receive-pack-result\r\n"
		     "Cache-Control: no-cache\r\nContent-Length: %d\r\n"
		     "Connection: close\r\n\r\n",
		     len);
	if (crypto_tls_write(ic->jail, head, (size_t)n) == 0)
		(void)crypto_tls_write(ic->jail, ic->reply, (size_t)len);
	icpt_finish(ic);
}

/*
 * Body bytes of a held push: @raw (@raw_len bytes as they came) of
 * which the first @data_len are data (the rest chunked framing).
 * Context: @ic->push is PUSH_COLLECT or PUSH_DRAIN
 */
static void icpt_push_take(struct icpt *ic, const uint8_t *raw,
			   size_t raw_len, size_t data_len)
{
	size_t n;
	int r;

	if (ic->push == PUSH_DRAIN) {
		ic->drained += raw_len;
		if (ic->drained > ICPT_DRAIN_MAX)
			icpt_push_refused(ic);
		return;
	}
	if (raw_len > sizeof(ic->hold) - ic->hold_len)
		icpt_refuse(ic, "413 Content Too Large",
			    "a push's command list too long to hold "
			    "(--hold-push)");
	memcpy(ic->hold + ic->hold_len, raw, raw_len);
	ic->hold_len += raw_len;
	n = data_len < sizeof(ic->list) - ic->list_len ?
		    data_len :
		    sizeof(ic->list) - ic->list_len;
	memcpy(ic->list + ic->list_len, raw, n);
	ic->list_len += n;
	r = push_parse_commands(ic->list, ic->list_len, &ic->cmds);
	if (r == -EAGAIN)
		return;
	if (r == -E2BIG)
		icpt_refuse(ic, "413 Content Too Large",
			    "a push's command list too long to hold "
			    "(--hold-push)");
	if (r < 0)
		icpt_refuse(ic, "400 Bad Request",
			    "a push whose command list is malformed");
	/* Nothing to update (git probes with an empty list): on it goes */
	if (!ic->cmds.n_cmds)
		icpt_push_release(ic);
	else
		icpt_push_ask(ic);
}

/* Body bytes from the jail: refused if they carry a foreign placeholder */
static void icpt_scan(struct icpt *ic, struct secrets_stream *st,
		      const uint8_t *b, size_t len)
{
	int i;

	if (!ic->has_unbound || !len)
		return;
	i = secrets_scan_stream(st, b, len, ic->subs, ic->n_subs);
	if (i < 0)
		return;
	broker_log_leak(ic->p, (size_t)i, "http-body", ic->host);
	icpt_refuse(ic, "403 Forbidden",
		    "a secret's placeholder was sent to a host it is not "
		    "bound to");
}

/*
 * Take every whole head and every body byte in @ic->in; keep an
 * incomplete head for the next read. Requests follow each other on the
 * connection: a body's framing says where the next head starts. A held
 * push takes its body bytes piece by piece (icpt_push_take()).
 */
static void icpt_from_jail(struct icpt *ic)
{
	size_t pos = 0, body = 0;	/* body bytes from @body not yet sent */
	bool is_more = true;

	while (pos < ic->in_len && is_more) {
		const uint8_t *b = ic->in + pos;
		size_t left = ic->in_len - pos, dl = 0, n;
		struct http_head h;
		int r;

		switch (ic->state) {
		case RQ_HEAD:
			r = http_parse_head(b, left, &h);
			if (r == -EAGAIN) {
				is_more = false;
				break;
			}
			if (r == -E2BIG)
				icpt_refuse(ic,
					    "431 Request Header Fields Too Large",
					    "request head too large");
			if (r < 0)
				icpt_refuse(ic, "400 Bad Request",
					    "malformed request");
			icpt_head(ic, b, &h);
			pos += h.head_len;
			body = pos;
			break;
		case RQ_LENGTH:
			n = ic->body_left < left ? (size_t)ic->body_left : left;
			icpt_scan(ic, &ic->scan, b, n);
			pos += n;
			ic->body_left -= n;
			if (!ic->body_left)
				ic->state = RQ_HEAD;
			dl = n;
			break;
		case RQ_CHUNKED:
			r = http_chunked_feed(&ic->chunked, b, left, &dl);
			if (r < 0)
				icpt_refuse(ic, "400 Bad Request",
					    "malformed chunked body");
			/* The data alone (a placeholder cut by a chunk
			 * boundary), and every byte (trailer fields) */
			icpt_scan(ic, &ic->scan, b, dl);
			icpt_scan(ic, &ic->scan_raw, b, (size_t)r);
			pos += (size_t)r;
			if (http_chunked_done(&ic->chunked))
				ic->state = RQ_HEAD;
			else if (!r)
				is_more = false;	/* cannot happen */
			break;
		}
		if (ic->push != PUSH_NONE && pos > body) {
			icpt_push_take(ic, b, pos - body, dl);
			body = pos;
			/* Its body ended before the command list did */
			if (ic->state == RQ_HEAD && ic->push == PUSH_COLLECT)
				icpt_refuse(ic, "400 Bad Request",
					    "a push whose command list is "
					    "cut short");
			if (ic->state == RQ_HEAD && ic->push == PUSH_DRAIN)
				icpt_push_refused(ic);
		}
		if (ic->state == RQ_HEAD && pos > body) {
			icpt_send(ic, ic->in + body, pos - body);
			body = pos;
		}
	}
	if (ic->state != RQ_HEAD && pos > body)
		icpt_send(ic, ic->in + body, pos - body);
	memmove(ic->in, ic->in + pos, ic->in_len - pos);
	ic->in_len -= pos;
}

/*
 * What the server sent, to the jail as it comes (a stream stays a
 * stream), in writes of up to ICPT_BUF: every record already read
 * joins the write. Return: 0, or -1 when either side is done
 */
static int icpt_to_jail(struct icpt *ic)
{
	size_t got = 0;
	ssize_t n;

	do {
		n = crypto_tls_read(ic->up, ic->down + got,
				    sizeof(ic->down) - got);
		if (n > 0)
			got += (size_t)n;
	} while (n > 0 && got < sizeof(ic->down) &&
		 crypto_tls_pending(ic->up));
	if (got && crypto_tls_write(ic->jail, ic->down, got) < 0)
		return -1;
	ic->down_bytes += (long long)got;
	return n == 0 || n == -EIO ? -1 : 0;
}

/* Relay until either side closes, is silent too long, or SIGTERM */
static void icpt_relay(struct icpt *ic)
{
	sigset_t term, none;

	/* Taken only inside ppoll(): no stop request falls between the
	 * check and the wait */
	sigemptyset(&none);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	while (!is_stopping) {
		/* A held push may have dialed again: read the fd anew */
		struct pollfd pf[2] = {
			{ .fd = ic->jail_fd, .events = POLLIN },
			{ .fd = ic->up_fd, .events = POLLIN },
		};
		bool jp = crypto_tls_pending(ic->jail);
		bool upp = crypto_tls_pending(ic->up);
		ssize_t n;

		if (!jp && !upp) {
			struct timespec ts = { BROKER_IDLE_MS / 1000, 0 };
			int r = ppoll(pf, 2, &ts, &none);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return;
		}
		if (upp)
			pf[1].revents = POLLIN;
		if (jp)
			pf[0].revents = POLLIN;
		if (pf[1].revents && icpt_to_jail(ic) < 0)
			return;
		if (!pf[0].revents)
			continue;
		n = crypto_tls_read(ic->jail, ic->in + ic->in_len,
				    sizeof(ic->in) - ic->in_len);
		/* A client closes once it has the responses it wanted (TLS
		 * clients do not half-close): so does the connection */
		if (n == 0 || n == -EIO)
			return;
		if (n > 0) {
			ic->in_len += (size_t)n;
			icpt_from_jail(ic);
		}
	}
}

/*
 * One intercepted connection, start to end.
 * Context: a process forked from the forwarder for @jail_fd, whose
 * ClientHello is still unread
 */
static __attribute__((noreturn)) void intercept(const struct fwd_params *p,
						const struct dnsd *d,
						int jail_fd, const char *host,
						uint16_t port,
						const struct broker_proxy *px,
						const struct crypto_leaf *leaf)
{
	static struct icpt ic;
	struct timeval tv = { BROKER_IO_MS / 1000, 0 };
	char why[256];

	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t term;

	/* SIGTERM (the forwarder stopping, or its death) ends the relay
	 * with the connection logged; no SA_RESTART: poll() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	prctl(PR_SET_NAME, "jail-tls", 0, 0, 0);
	/* The ask channel: a held push asks on it (ask_send()) */
	close_all_but((const int[]){ jail_fd, p->log_fd, p->ask_fd }, 3);
	ic.p = p;
	ic.host = host;
	ic.port = port;
	ic.jail_fd = jail_fd;
	ic.up_fd = -1;
	/* Without an ask channel (cannot happen) a push is refused */
	ic.is_held = is_held(p->cfg, host);
	ic.n_subs = make_subs(p, host, ic.subs);
	for (size_t i = 0; i < ic.n_subs; i++)
		ic.has_unbound |= !ic.subs[i].value;
	if (port == 443)
		snprintf(ic.authority, sizeof(ic.authority), "%s", host);
	else
		snprintf(ic.authority, sizeof(ic.authority), "%s:%u", host,
			 port);
	fcntl(jail_fd, F_SETFL, 0);
	setsockopt(jail_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(jail_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (crypto_tls_accept(jail_fd, leaf, &ic.jail, why, sizeof(why)) <
	    0) {
		const struct audit_field f[] = {
			AF_STR("host", host),
			AF_INT("port", port),
			AF_STR("reason", "TLS from the jail failed (a client "
					 "that does not trust the jail's CA?)"),
		};

		log_event(p, "net.error", f, ARRAY_SIZE(f));
		_exit(0);
	}
	ic.d = d;
	ic.px = px;
	icpt_connect(&ic);
	icpt_relay(&ic);
	icpt_finish(&ic);
}

int broker_tls(const struct fwd_params *p, const struct dnsd *d,
	       int jail_fd, const char *sni, uint16_t port,
	       const struct broker_proxy *px)
{
	struct crypto_leaf *leaf;
	pid_t pid;
	int slot;

	if (!p->ca || !*sni || (!is_bound(p->cfg, sni) && !is_held(p->cfg, sni)))
		return BROKER_PASS;
	if (px->is_broken) {
		log_refused_port(p, sni, port, "upstream proxy unusable");
		return BROKER_REFUSED;
	}
	leaf = leaf_for(p, sni);
	/* The trust store too, once, for every interception process */
	(void)crypto_tls_client_init();
	if (!leaf) {
		log_refused_port(p, sni, port, "cannot make a certificate");
		return BROKER_REFUSED;
	}
	slot = broker_slot();
	pid = slot < 0 ? -1 : fork();
	if (pid < 0) {
		log_refused_port(p, sni, port,
				 slot < 0 ? "too many brokered requests" :
					    "cannot start the broker");
		return BROKER_REFUSED;
	}
	if (pid == 0)
		intercept(p, d, jail_fd, sni, port, px, leaf);
	brokers[slot] = pid;
	return BROKER_TAKEN;
}

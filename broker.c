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
 */
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "jail.h"

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

/* Everything but @a and @b closed (the forwarder's other descriptors) */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo < 0) {
		lo = hi;
		hi = -1;
	}
	if (lo > 3)
		close_range(3, (unsigned int)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned int)lo + 1, (unsigned int)hi - 1, 0);
	close_range((unsigned int)(hi > lo ? hi : lo) + 1, ~0U, 0);
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

/* Return: a connected socket to an allowed address of @host:443, or -1 */
static int dial(const struct fwd_params *p, const struct dnsd *d,
		const char *host, struct dnsd_addr *peer)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	struct timeval tv = { BROKER_IO_MS / 1000, 0 };
	int fd = -1;

	hints.ai_family = p->ipv6 ? AF_UNSPEC : AF_INET;
	if (getaddrinfo(host, "443", &hints, &res))
		return -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		uint16_t port;

		if (!dnsd_addr_from_sa(ai->ai_addr, peer, &port) ||
		    dnsd_addr_refused(d, peer, 443))
			continue;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
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

/* Return: a socket tunnelled to @host:443 by the upstream proxy, or -1 */
static int dial_proxy(const struct broker_proxy *px, const char *host)
{
	struct timeval tv = { BROKER_IO_MS / 1000, 0 };
	const struct sockaddr *sa = px->sa;
	char req[2048];
	int fd, n;

	n = snprintf(req, sizeof(req),
		     "CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n%s\r\n",
		     host, host, px->auth);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -1;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
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

static void log_refused(const struct fwd_params *p, const char *host,
			const char *reason)
{
	const struct audit_field f[] = {
		AF_STR("host", host),
		AF_INT("port", 443),
		AF_STR("reason", reason),
	};

	log_event(p, "net.deny", f, ARRAY_SIZE(f));
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

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_NAME, "jail-broker", 0, 0, 0);
	close_all_but(jail_fd, p->log_fd);
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
	up_fd = px->sa ? dial_proxy(px, host) : dial(p, d, host, &peer);
	if (up_fd < 0) {
		log_refused(p, host, px->sa ? "upstream proxy refused CONNECT" :
					      "no allowed address answered");
		fail(jail_fd, "502 Bad Gateway", "cannot connect upstream");
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

// SPDX-License-Identifier: MIT
/*
 * dial.c - resolve, dial, and the upstream proxy: a decided connection reaches its destination by name
 */
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
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"
#include "fwd/internal.h"

#define FWD_CONNECT_MS 10000	/* per address dialed */

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
		fwd_conn_fail(f, c, "upstream proxy: cannot send CONNECT");
		return;
	}
	c->state = C_PROXY;
	c->deadline = f->now + FWD_CONNECT_MS;
}

/* The proxy's answer to CONNECT: consume exactly its head, then relay */
void fwd_proxy_read(struct fwd *f, struct conn *c)
{
	char *buf = (char *)f->scratch, *end;
	ssize_t n = recv(c->up_fd, buf, 4095, MSG_PEEK);
	size_t head;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		fwd_conn_fail(f, c, "upstream proxy closed the connection");
		return;
	}
	buf[n] = '\0';
	end = strstr(buf, "\r\n\r\n");
	if (!end) {
		if (n >= 4095)
			fwd_conn_fail(f, c, "upstream proxy: reply too long");
		return;
	}
	head = (size_t)(end - buf) + 4;
	if (strncmp(buf, "HTTP/1.", 7) || strlen(buf) < 12 || buf[9] != '2') {
		char why[64];

		snprintf(why, sizeof(why), "upstream proxy refused: %.3s",
			 strlen(buf) >= 12 ? buf + 9 : "?");
		fwd_conn_fail(f, c, why);
		return;
	}
	if (recv(c->up_fd, buf, head, 0) != (ssize_t)head) {
		fwd_conn_fail(f, c, "upstream proxy: short read");
		return;
	}
	fwd_enter_splice(f, c);
}

/* Start a non-blocking connect to @a:@port. Return: 0 or -errno */
static int dial(struct fwd *f, struct conn *c, const struct dnsd_addr *a,
		const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	fwd_set_nodelay(fd);
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 &&
	    errno != EINPROGRESS) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (fwd_ep_add(f, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		   fwd_tag_of(T_UP, fwd_conn_idx(f, c), c->gen)) < 0) {
		close(fd);
		return -ENOMEM;
	}
	c->up_fd = fd;
	c->peer = *a;
	c->state = C_CONNECT;
	c->deadline = f->now + FWD_CONNECT_MS;
	return 0;
}

void fwd_connect_next(struct fwd *f, struct conn *c)
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
		fwd_conn_fail(f, c, "upstream proxy unreachable");
		return;
	}
	while (c->next_cand < c->n_cand) {
		const struct dnsd_addr *a = &c->cand[c->next_cand++];
		socklen_t len = fwd_addr_to_sa(a, c->port, &ss);

		err = dial(f, c, a, &ss, len);
		if (err >= 0)
			return;
	}
	fwd_conn_fail(f, c, fwd_connect_cause(c->dial_err ? c->dial_err : -err));
}

void fwd_on_connected(struct fwd *f, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->up_fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS)
		return;
	if (err) {
		c->dial_err = err;
		fwd_connect_next(f, c);
		return;
	}
	if (c->via_proxy)
		proxy_send(f, c);
	else
		fwd_enter_splice(f, c);
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
			fwd_connect_next(f, c);
			return;
		}
		fwd_conn_fail(f, c, e->rcode == DNS_RCODE_NXDOMAIN ?
					"no address (the name does not resolve)" :
					"no address (name resolution failed)");
		return;
	}
	set_candidates(f, c, e, &why);
	if (!c->n_cand) {
		c->allowed = false;
		fwd_conn_deny(f, c, why);
		return;
	}
	fwd_connect_next(f, c);
}

/* An allowed name or address: find where to dial */
void fwd_start_resolve(struct fwd *f, struct conn *c)
{
	const struct dnsd_answer *a = NULL;
	struct dnsd_addr lit;
	int slot;

	c->allowed = true;
	if (dnsd_addr_parse(c->name, &lit)) {
		const char *why = dnsd_addr_refused(f->dns, &lit, c->port);

		if (why) {
			c->allowed = false;
			fwd_conn_deny(f, c, why);
			return;
		}
		c->cand[0] = lit;
		c->n_cand = 1;
		fwd_connect_next(f, c);
		return;
	}
	slot = dnsd_lookup(f->dns, c->name, f->now, &a);
	if (slot < 0) {
		fwd_conn_fail(f, c, "too many lookups in flight");
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
void fwd_lookup_done(void *ctx, int slot, const struct dnsd_answer *a)
{
	struct fwd *f = ctx;

	for (unsigned int i = 0; i < f->hiwater; i++) {
		struct conn *c = &f->conns[i];

		if (c->state == C_RESOLVE && c->slot == slot)
			on_name_resolved(f, c, a);
	}
}

/* ---- connections: held for a person's answer (--ask) ---------------- */

/* Return: true when @out holds the base64 of @in, NUL-terminated */
static bool base64(const char *in, char *out, size_t out_len)
{
	int n = out_len ? base64_encode((const uint8_t *)in, strlen(in),
					(uint8_t *)out, out_len - 1) :
			  -E2BIG;

	if (n < 0)
		return false;
	out[n] = '\0';
	return true;
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
void fwd_proxy_setup(struct proxy *px, const char *url)
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

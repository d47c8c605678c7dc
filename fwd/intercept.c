// SPDX-License-Identifier: MIT
/*
 * intercept.c - the interception process's connections: each one to a
 * host a secret is bound to (or a --hold-push host), every request framed,
 * judged, substituted and relayed, pushes held for an answer (held
 * pushes: heldpush.c; answers: answers.c; HTTP/2: h2.c; a connection's
 * quiet: icptidle.c)
 *
 * A client in the jail whose base URL is http://HOST.jail.internal sends
 * plain HTTP there; the gateway redirects it to the forwarder like every
 * other connection. For such a request the forwarder resolves HOST and
 * keeps the addresses the policy allows, as for any connection (dial.c),
 * then hands the connection to the interception process
 * (broker_serve_plain(), on a thread of its own: icptthread.c) with
 * them, which connects to port 443 of the first that answers (or asks
 * the host's upstream proxy to, with CONNECT), speaks TLS with
 * certificate and host name verification against the host's trust store
 * (crypto.c), and then runs the interception relay below with a plain
 * jail side: every request is judged (its Host must be the broker name it
 * came to), rewritten, followed through its body, and a push to a held
 * host is held, exactly as on an intercepted connection. Each request
 * still has its own upstream connection (Connection: close, as
 * secrets_rewrite_head() writes it): a second request on the jail's
 * connection waits for the first one's answer, then is sent on a new
 * connection. Intercepted connections do the same for the requests whose
 * end a server could see elsewhere (icpt_is_last()).
 * Blocking I/O on a thread of the interception process keeps the
 * forwarder's loop free.
 *
 * Every other plain-HTTP head, and every DNS name, is searched for the
 * placeholders; one found there is refused and logged as secret.leak.
 *
 * TLS straight to a bound host is intercepted (broker_tls()): the
 * forwarder signs a certificate for the name with the jail's CA (once per
 * name, kept for the process it forks later) and hands the connection
 * to the interception process, whose thread for it (broker_serve_tls())
 * terminates the jail's TLS with it (ALPN h2 only
 * when the host chose h2 too: then h2.c bridges the two HTTP/2
 * connections instead), dials the host as above, and relays
 * request after request on the kept-alive connection: each head passes
 * intercept_request() (the seam for per-request policy), is rewritten by
 * secrets_rewrite_request() and logged as secret.inject; each body is
 * followed by its Content-Length or chunked framing (http.c) to find the
 * next head, and searched for the placeholders of secrets bound elsewhere
 * (secrets_scan_stream()). Framing it cannot follow ends the connection.
 * Responses stream back as they come, each followed by its framing
 * (answers.c, reflect.c) so that a value bound to the host that comes
 * back in one is replaced by its placeholder before the jail reads it.
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
 * The interception process holds a slot of brokers[], so that
 * broker_stop_all() and broker_revoke() reach it; it serves at most
 * BROKER_MAX connections of either kind at once (icptthread.c).
 */
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/reflect.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"
#include "fwd/internal.h"
#include "fwd/icpt.h"

/*
 * The leaf certificates made so far, one per bound host. Made in the
 * forwarder on the first connection for a name, so that the interception
 * process forked afterwards inherits it instead of signing again; a name
 * first met after that fork is signed there, once, under leaves_lock.
 */
static struct {
	char name[POLICY_NAME_MAX + 1];
	struct crypto_leaf *leaf;
} leaves[ICPT_LEAVES];

static size_t n_leaves;

static pthread_mutex_t leaves_lock = PTHREAD_MUTEX_INITIALIZER;

bool broker_is_bound(const struct jail_config *cfg, const char *host)
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

/* Return: the leaf for @host (a bound host), made now if need be, or NULL.
 * Context: leaves_lock held */
static struct crypto_leaf *leaf_find(const struct fwd_params *p,
				     const char *host)
{
	for (size_t i = 0; i < n_leaves; i++)
		if (!strcmp(leaves[i].name, host))
			return leaves[i].leaf;
	/*
	 * From the first interception on, small freed blocks join their
	 * neighbours at once instead of waiting in malloc's fast bins: an
	 * idle interception process's malloc_trim() would otherwise merge
	 * the forwarder's waiting blocks, writing (and so copying) the
	 * inherited heap pages they lie in
	 */
	if (!n_leaves)
		(void)mallopt(M_MXFAST, 0);
	/* Bound hosts are at most ICPT_LEAVES names: the table never fills */
	if (n_leaves == ICPT_LEAVES ||
	    crypto_leaf_new(p->ca, host, &leaves[n_leaves].leaf) < 0)
		return NULL;
	snprintf(leaves[n_leaves].name, sizeof(leaves[0].name), "%s", host);
	return leaves[n_leaves++].leaf;
}

static struct crypto_leaf *leaf_for(const struct fwd_params *p,
				    const char *host)
{
	struct crypto_leaf *leaf;

	pthread_mutex_lock(&leaves_lock);
	leaf = leaf_find(p, host);
	pthread_mutex_unlock(&leaves_lock);
	return leaf;
}

/* The jail's side: TLS (interception) or plain (the broker's name) */
int icpt_jail_write(struct icpt *ic, const void *buf, size_t len)
{
	if (ic->is_plain)
		return write_all(ic->jail_fd, buf, len) < 0 ? -EIO : 0;
	return crypto_tls_write(ic->jail, buf, len);
}

static ssize_t jail_read(struct icpt *ic, void *buf, size_t len)
{
	ssize_t n;

	if (!ic->is_plain)
		return crypto_tls_read(ic->jail, buf, len);
	do {
		n = read(ic->jail_fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -EIO : n;
}

static bool jail_pending(struct icpt *ic)
{
	return !ic->is_plain && crypto_tls_pending(ic->jail);
}

/*
 * Which directions of the two TLS sessions kernel TLS took over (ktls in
 * net.allow): "none", or some of jail-send, jail-recv, upstream-send,
 * upstream-recv, comma-separated. NULL for the broker's plain name.
 */
static const char *icpt_ktls(const struct icpt *ic, char *buf, size_t len)
{
	unsigned int j, u;

	if (ic->is_plain)
		return NULL;
	j = ic->jail ? crypto_tls_ktls(ic->jail) : 0;
	u = ic->up ? crypto_tls_ktls(ic->up) : 0;
	if (!j && !u)
		return "none";
	snprintf(buf, len, "%s%s%s%s",
		 j & CRYPTO_KTLS_TX ? ",jail-send" : "",
		 j & CRYPTO_KTLS_RX ? ",jail-recv" : "",
		 u & CRYPTO_KTLS_TX ? ",upstream-send" : "",
		 u & CRYPTO_KTLS_RX ? ",upstream-recv" : "");
	return buf + 1;
}

/* net.allow for the connection, then its end (icpt_end()) */
__attribute__((noreturn)) void icpt_finish(struct icpt *ic)
{
	char ip[64], kt[64];
	const struct audit_field f[] = {
		AF_STR("host", ic->host),
		AF_STR("ip", ic->peer.family ?
				     fwd_addr_str(&ic->peer, ip, sizeof(ip)) :
				     NULL),
		AF_INT("port", ic->port),
		AF_INT("bytes_up", ic->up_bytes),
		AF_INT("bytes_down", ic->down_bytes),
		AF_INT("requests", ic->n_requests),
		AF_STR("via", ic->is_plain ? "secret broker" :
					     "tls interception"),
		AF_STR("ktls", icpt_ktls(ic, kt, sizeof(kt))),
	};

	bool is_logged = ic->up != NULL;

	explicit_bzero(ic->out, sizeof(ic->out));
	icpt_h2_free(ic);
	crypto_tls_free(ic->up);
	if (!ic->is_plain)
		crypto_tls_free(ic->jail);
	ic->up = ic->jail = NULL;
	shutdown(ic->jail_fd, SHUT_WR);
	if (is_logged && broker_counts) {
		ratelimit_lock(broker_counts);
		/* Counted into the forwarder's minute, as spliced ones are */
		if (!ratelimit_take(broker_counts, RL_ALLOW, ic->host, ic->port, NULL,
				    (uint64_t)ic->up_bytes,
				    (uint64_t)ic->down_bytes, broker_mono_ms()))
			is_logged = false;
		ratelimit_unlock(broker_counts);
	}
	if (is_logged)
		broker_log_event(ic->p, "net.allow", f, ARRAY_SIZE(f));
	icpt_end(ic);
}

void icpt_release(struct icpt *ic)
{
	icpt_h2_free(ic);
	crypto_tls_free(ic->up);
	if (!ic->is_plain)
		crypto_tls_free(ic->jail);
	ic->up = ic->jail = NULL;
	if (ic->up_fd >= 0)
		close(ic->up_fd);
	ic->up_fd = -1;
}


/*
 * The answers to the requests carried before a refused one are on their
 * way: they reach the jail first, until the server ends or is silent for
 * ICPT_QUIET_MS, at most ICPT_REFUSE_MS, so that the refusal is read as
 * the answer to the request it refuses
 */
static void icpt_drain_answers(struct icpt *ic)
{
	uint64_t end = broker_mono_ms() + ICPT_REFUSE_MS;

	if (!ic->up || !ic->n_requests)
		return;
	while (broker_mono_ms() < end) {
		struct pollfd pf = { .fd = ic->up_fd, .events = POLLIN };

		if (!crypto_tls_pending(ic->up) &&
		    poll(&pf, 1, ICPT_QUIET_MS) <= 0)
			return;
		if (icpt_to_jail(ic) < 0)
			return;
	}
}

/* Answer the jail with a short error (over its TLS) and end */
__attribute__((noreturn)) void icpt_refuse(struct icpt *ic,
					   const char *status,
					   const char *why)
{
	char buf[640];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n"
			 "jail: %s\n",
			 status, strlen(why) + 7, why);

	icpt_drain_answers(ic);
	if (n > 0 && (size_t)n < sizeof(buf))
		(void)icpt_jail_write(ic, buf, (size_t)n);
	icpt_finish(ic);
}

/* Connect and verify upstream (@ic->up_fd, @ic->up), or answer the jail
 * why not */
void icpt_connect(struct icpt *ic)
{
	const struct upstream_proxy *px = ic->px;
	char why[256], reason[300];

	ic->up_fd = px->on ? broker_dial_proxy(px, ic->host, ic->port) :
			     broker_dial(&ic->dest, ic->port, &ic->peer);
	if (ic->up_fd < 0)
		icpt_refuse(ic, "502 Bad Gateway",
			    broker_upstream_failed(ic->p, ic->host, ic->port,
						   px->on, reason,
						   sizeof(reason)));
	if (crypto_tls_connect(ic->up_fd, ic->host, &ic->up, why,
			       sizeof(why)) < 0) {
		/* An allowed host that failed, not a denial: net.error */
		const struct audit_field f[] = {
			AF_STR("host", ic->host),
			AF_INT("port", ic->port),
			AF_STR("error", reason),
		};

		char text[520];	/* fits icpt_refuse()'s answer */

		snprintf(reason, sizeof(reason), "TLS failure upstream: %s",
			 why);
		broker_log_event(ic->p, "net.error", f, ARRAY_SIZE(f));
		snprintf(text, sizeof(text), "cannot connect upstream to "
			 "%s:%u: %s", ic->host, ic->port, reason);
		icpt_refuse(ic, "502 Bad Gateway", text);
	}
}

/* The text of a status reqcheck_judge() refuses with */
static const char *status_line(int status)
{
	switch (status) {
	case 405: return "405 Method Not Allowed";
	case 415: return "415 Unsupported Media Type";
	case 421: return "421 Misdirected Request";
	case 431: return "431 Request Header Fields Too Large";
	case 501: return "501 Not Implemented";
	default: return "400 Bad Request";
	}
}

/**
 * intercept_request() - Decide on one request of a brokered connection
 * @ic:		the connection; @ic->rc is what every request must name
 * @h:		the request's head as the jail sent it
 * @head:	its bytes
 * @fr:		set to where its body ends
 * @why:	set to the reason when the request is refused
 *
 * Every request of every intercepted or brokered connection passes here
 * once its head is parsed, before any byte of it goes upstream; the
 * judgement is reqcheck_judge(), the one the forwarder makes for spliced
 * plain HTTP too: Host, CONNECT, strict body framing, and a git push to
 * a --hold-push host (POST REPO/git-receive-pack), which is marked for
 * holding (@ic->push): its head and body stay here until its command
 * list has arrived and a person answered the ask (icpt_push_take()).
 * The GET .../info/refs that precedes it and every fetch pass.
 *
 * Return: NULL to send the request on (or hold it), else the HTTP status
 * to refuse it with (the connection then ends)
 */
static const char *intercept_request(struct icpt *ic,
				     const struct http_head *h,
				     const uint8_t *head,
				     struct http_framing *fr, const char **why)
{
	struct reqcheck_verdict v;

	if (reqcheck_judge(&ic->rc, head, h, &v)) {
		*why = v.why;
		return status_line(v.status);
	}
	*fr = v.framing;
	if (!v.is_push)
		return NULL;
	snprintf(ic->repo, sizeof(ic->repo), "%s", v.repo);
	ic->push = PUSH_COLLECT;
	return NULL;
}

/* Send @len bytes on as they are */
void icpt_send(struct icpt *ic, const uint8_t *b, size_t len)
{
	if (len && crypto_tls_write(ic->up, b, len) < 0)
		icpt_finish(ic);
	ic->up_bytes += (long long)len;
}

/*
 * One upstream connection for this request alone (Connection: close)?
 * Always on the broker's name (its contract: each request has its own
 * connection and substitution); elsewhere when the server could take the
 * request's end elsewhere than here: "Expect" (a server that answers
 * before the body may not read it), HTTP/1.0 (other keep-alive rules)
 */
static bool icpt_is_last(const struct icpt *ic, const uint8_t *b,
			 const struct http_head *h)
{
	size_t off, len;

	return ic->is_plain || h->version_minor == 0 ||
	       http_find_header(b, h->head_len, "Expect", &off, &len, 0) == 0;
}

/*
 * The request before was its upstream connection's last: its answer goes
 * to the jail until the server closes (silent BROKER_IO_MS at most),
 * then the next request gets a connection of its own
 */
static void icpt_redial(struct icpt *ic)
{
	uint64_t end = broker_mono_ms() + BROKER_IDLE_MS;

	while (!broker_is_stopping && broker_mono_ms() < end) {
		struct pollfd pf = { .fd = ic->up_fd, .events = POLLIN };

		if (!crypto_tls_pending(ic->up) &&
		    poll(&pf, 1, BROKER_IO_MS) <= 0)
			break;
		if (icpt_to_jail(ic) < 0)
			break;
	}
	icpt_down_end(ic);
	crypto_tls_free(ic->up);
	ic->up = NULL;
	close(ic->up_fd);
	ic->up_fd = -1;
	icpt_connect(ic);
	ic->is_closing = false;
}

/*
 * The secrets bound here that are not for this request (their scope: its
 * method, its normalised path, which is left in @path)
 */
uint32_t icpt_out_of_scope(const struct icpt *ic, const struct http_head *h,
			   char *path, size_t path_len)
{
	bool has_path = scope_normalize_path(h->target, path, path_len) >= 0;
	uint32_t m = 0;

	if (!has_path)
		snprintf(path, path_len, "%s", h->target);
	for (size_t i = 0; i < ic->n_subs && i < ARRAY_SIZE(ic->subs); i++)
		if (ic->subs[i].value && ic->subs[i].scope &&
		    !scope_allows(ic->subs[i].scope, h->method,
				  has_path ? path : NULL))
			m |= 1u << i;
	return m;
}

/* secret.scope for secret @i; the refusal's text (in @ic until the next) */
const char *icpt_scope_log(struct icpt *ic, size_t i, const char *method,
			   const char *path)
{
	char *why = ic->scope_why;
	char scope[2 * SECRETS_SCOPE_MAX * SECRETS_SCOPE_PATH_MAX / 4];
	const struct audit_field f[] = {
		AF_STR("name", ic->subs[i].name),
		AF_STR("host", ic->host),
		AF_STR("method", method),
		AF_STR("path", path),
	};

	broker_log_event(ic->p, "secret.scope", f, ARRAY_SIZE(f));
	if (scope_format(ic->subs[i].scope, scope, sizeof(scope)) < 0)
		snprintf(scope, sizeof(scope), "narrower");
	snprintf(why, sizeof(ic->scope_why),
		 "secret %s is not for this request on %s (its scope: %s)",
		 ic->subs[i].name, ic->host, scope);
	return why;
}

/*
 * A request carried the placeholder of a secret @i outside its scope: it
 * never gets the value. Logged as secret.scope; the jail is answered 403
 * and the connection ends (the rewritten head is wiped unsent)
 */
static __attribute__((noreturn)) void icpt_scope_refuse(struct icpt *ic,
							 size_t i,
							 const char *method,
							 const char *path)
{
	explicit_bzero(ic->out, sizeof(ic->out));
	icpt_refuse(ic, "403 Forbidden", icpt_scope_log(ic, i, method, path));
}

/* A request's body scanned from its start: only the length (the bytes past
 * it are never read), and only where it was not 0, so that the pages of a
 * stream no body went through stay unwritten */
static void stream_restart(struct secrets_stream *st)
{
	if (st->tail_len)
		st->tail_len = 0;
}

/* A head in @b: check, rewrite and send (or hold) it; set up for its body */
static void icpt_head(struct icpt *ic, const uint8_t *b,
		      const struct http_head *h)
{
	const struct fwd_params *p = ic->p;
	struct http_framing fr;
	const char *status, *why = "";
	uint32_t injected = 0, outside;
	char path[HTTP_HEAD_MAX];
	int leaked = -1, len;

	status = intercept_request(ic, h, b, &fr, &why);
	if (status) {
		broker_log_refused_port(p, ic->host, ic->port, why);
		icpt_refuse(ic, status, why);
	}
	if (ic->is_closing)
		icpt_redial(ic);
	ic->is_closing = icpt_is_last(ic, b, h);
	if (ic->is_closing)
		len = secrets_rewrite_head(b, h->head_len, ic->authority,
					   ic->subs, ic->n_subs, ic->out,
					   sizeof(ic->out), &injected, &leaked);
	else
		len = secrets_rewrite_request(b, h->head_len, ic->authority,
					      ic->subs, ic->n_subs, ic->out,
					      sizeof(ic->out), &injected,
					      &leaked);
	if (len == -EACCES) {
		broker_log_leak(p, (size_t)leaked, "http-header", ic->host);
		icpt_refuse(ic, "403 Forbidden",
			    "a secret's placeholder was sent to a host it is "
			    "not bound to");
	}
	if (len < 0)
		icpt_refuse(ic, "400 Bad Request", "request head refused");
	outside = icpt_out_of_scope(ic, h, path, sizeof(path)) & injected;
	for (size_t i = 0; outside && i < ic->n_subs; i++)
		if (outside & (1u << i))
			icpt_scope_refuse(ic, i, h->method, path);
	ic->n_requests++;
	/* Its answer is followed (a HEAD's has no body) */
	if (ic->n_pats &&
	    reflect_resp_request(&ic->resp, !strcmp(h->method, "HEAD")) < 0)
		icpt_refuse(ic, "429 Too Many Requests",
			    "too many requests awaiting their answers");
	stream_restart(&ic->scan);
	stream_restart(&ic->scan_raw);
	memset(&ic->chunked, 0, sizeof(ic->chunked));
	ic->body_left = fr.length;
	ic->state = fr.is_chunked ? RQ_CHUNKED : fr.length ? RQ_LENGTH :
							     RQ_HEAD;
	/* A WebSocket upgrade (carried to a bound host only: its frames
	 * from the server are searched as a stream): nothing more is read
	 * as HTTP until its answer */
	if (ic->n_pats && secrets_is_websocket(b, h->head_len)) {
		if (ic->state != RQ_HEAD)
			icpt_refuse(ic, "400 Bad Request",
				    "a WebSocket upgrade with a body");
		ic->state = RQ_UPGRADE;
	}
	/* A push without a body updates nothing: it goes on */
	if (ic->push == PUSH_COLLECT && ic->state != RQ_HEAD) {
		ic->out_len = (size_t)len;
		ic->injected = injected;
		ic->hold_len = ic->list_len = 0;
		return;
	}
	ic->push = PUSH_NONE;
	broker_log_injected(p, ic->host, injected);
	icpt_send(ic, ic->out, (size_t)len);
	explicit_bzero(ic->out, (size_t)len);
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
		case RQ_UPGRADE:
			is_more = false;	/* held until the answer */
			break;
		case RQ_TUNNEL:
			pos = ic->in_len;	/* frames, sent as they are */
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
 * After an answer: a WebSocket upgrade taken (101) makes the connection
 * a tunnel; one refused leaves it HTTP. Either way what the jail sent
 * meanwhile goes on
 */
static void icpt_upgrade_answered(struct icpt *ic)
{
	const struct reflect_resp *r = &ic->resp;

	if (ic->state != RQ_UPGRADE)
		return;
	if (r->state == RS_RAW)
		ic->state = RQ_TUNNEL;
	else if (!r->n_reqs && r->state == RS_HEAD && !r->head_len)
		ic->state = RQ_HEAD;
	else
		return;
	if (ic->in_len)
		icpt_from_jail(ic);
}

/* Relay until either side closes, is silent too long, or SIGTERM */
static void icpt_relay(struct icpt *ic)
{
	int r;

	/* Taken only inside ppoll() (icpt_wait()): no stop request falls
	 * between the check and the wait */
	icpt_block_stop();
	while (!broker_is_stopping) {
		/* A held push may have dialed again: read the fd anew */
		struct pollfd pf[2] = {
			{ .fd = ic->jail_fd, .events = POLLIN },
			{ .fd = ic->up_fd, .events = POLLIN },
		};
		bool jp = jail_pending(ic);
		bool upp = crypto_tls_pending(ic->up);
		ssize_t n;

		r = icpt_wait(pf, jp || upp);
		if (r == 0)
			continue;
		if (r < 0)
			return;
		if (upp)
			pf[1].revents = POLLIN;
		if (jp)
			pf[0].revents = POLLIN;
		if (pf[1].revents && icpt_to_jail(ic) < 0)
			return;
		if (pf[1].revents)
			icpt_upgrade_answered(ic);
		if (!pf[0].revents)
			continue;
		n = jail_read(ic, ic->in + ic->in_len,
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

/* The secrets as this connection's host sees them, and the values to
 * look for in what comes back */
static void icpt_setup_subs(struct icpt *ic, const char *host)
{
	ic->n_subs = broker_make_subs(ic->p, host, ic->subs);
	for (size_t i = 0; i < ic->n_subs; i++)
		ic->has_unbound |= !ic->subs[i].value;
	ic->n_pats = reflect_make_pats(ic->subs, ic->n_subs, ic->pats,
				       &ic->store);
}

/*
 * The jail's client offers ALPN (crypto.c asks during its handshake):
 * the host is dialed now, offered h2 too when the client offers it, so
 * that the jail is offered h2 only when the host chose it. Pushes to a
 * --hold-push host are followed over HTTP/1.1 alone. A host that cannot
 * be reached is dialed again after the handshake, which answers why.
 */
static bool icpt_alpn(void *arg, bool client_h2)
{
	struct icpt *ic = arg;
	char why[256];
	int fd;

	if (ic->up || !client_h2 || ic->is_held)
		return false;
	fd = ic->px->on ? broker_dial_proxy(ic->px, ic->host, ic->port) :
			  broker_dial(&ic->dest, ic->port, &ic->peer);
	if (fd < 0)
		return false;
	if (crypto_tls_connect_alpn(fd, ic->host, true, &ic->up, why,
				    sizeof(why)) < 0) {
		close(fd);
		return false;
	}
	ic->up_fd = fd;
	ic->is_h2 = crypto_tls_is_h2(ic->up);
	return ic->is_h2;
}

/*
 * A TLS connection's relay, HTTP/2 or HTTP/1.1 as its ALPN chose, to
 * its end: the same way when it starts and when it is resumed after a
 * park
 */
static __attribute__((noreturn)) void relay_to_end(struct icpt *ic)
{
	if (ic->is_h2)
		icpt_h2_relay(ic);
	else
		icpt_relay(ic);
	icpt_finish(ic);
}

/*
 * One intercepted connection, start to end: its ClientHello is still
 * unread on @jail_fd (not taken: its thread closes it).
 * Context: the connection's thread in the interception process
 * (icptthread.c); it ends through icpt_end()
 */
void broker_serve_tls(const struct fwd_params *p, int jail_fd,
		      const struct icpt_handoff *h)
{
	struct timeval tv = { BROKER_IO_MS / 1000, 0 };
	struct icpt *ic = icpt_new();
	struct crypto_leaf *leaf;
	char why[256];

	if (!ic)
		return;
	icpt_idle_watch(ic);
	ic->p = p;
	ic->host = h->host;
	ic->port = h->port;
	ic->jail_fd = jail_fd;
	ic->up_fd = -1;
	/* Without an ask channel (cannot happen) a push is refused */
	ic->is_held = is_held(p->cfg, h->host);
	ic->rc = (struct reqcheck_conn){ h->host, h->port, 443, ic->is_held };
	icpt_setup_subs(ic, h->host);
	if (h->port == 443)
		snprintf(ic->authority, sizeof(ic->authority), "%s", h->host);
	else
		snprintf(ic->authority, sizeof(ic->authority), "%s:%u",
			 h->host, h->port);
	fcntl(jail_fd, F_SETFL, 0);
	setsockopt(jail_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(jail_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ic->dest = h->dest;
	ic->px = &h->px;
	/* Made by the forwarder (broker_tls()), or here for a name it met
	 * after this process was forked */
	leaf = leaf_for(p, h->host);
	if (!leaf || crypto_tls_accept_alpn(jail_fd, leaf, icpt_alpn, ic,
					    &ic->jail, why, sizeof(why)) < 0) {
		const struct audit_field f[] = {
			AF_STR("host", h->host),
			AF_INT("port", h->port),
			AF_STR("reason", "TLS from the jail failed (a client "
					 "that does not trust the jail's CA?)"),
		};

		broker_log_event(p, "net.error", f, ARRAY_SIZE(f));
		icpt_end(ic);
	}
	if (!ic->up)
		icpt_connect(ic);
	relay_to_end(ic);
}

/*
 * A parked connection's relay again where it was, on a new thread, to
 * its end (icpt_park()).
 * Context: the connection's thread in the interception process; it ends
 * through icpt_end()
 */
void broker_resume(struct icpt *ic)
{
	icpt_idle_watch(ic);
	relay_to_end(ic);
}

/*
 * One connection to the broker's plain-HTTP name, start to end: the
 * interception relay with a plain jail side, so that its requests are
 * judged, rewritten, followed through their bodies and (for a
 * --hold-push host) held exactly as those of an intercepted connection.
 * Its first head is still unread on @jail_fd (not taken).
 * Context: the connection's thread in the interception process
 * (icptthread.c); it ends through icpt_end()
 */
void broker_serve_plain(const struct fwd_params *p, int jail_fd,
			const struct icpt_handoff *h)
{
	struct icpt *ic = icpt_new();

	if (!ic)
		return;
	icpt_idle_watch(ic);
	ic->p = p;
	ic->dest = h->dest;
	ic->px = &h->px;
	ic->host = h->host;
	ic->port = 443;
	ic->is_plain = true;
	ic->jail_fd = jail_fd;
	ic->up_fd = -1;
	ic->is_held = is_held(p->cfg, h->host);
	ic->rc = (struct reqcheck_conn){ h->name,
					 h->host_port ? h->host_port : 80, 80,
					 ic->is_held };
	icpt_setup_subs(ic, h->host);
	snprintf(ic->authority, sizeof(ic->authority), "%s", h->host);
	fcntl(jail_fd, F_SETFL, 0);
	icpt_connect(ic);
	icpt_relay(ic);
	icpt_finish(ic);
}

int broker_tls(const struct fwd_params *p, const char *sni, uint16_t port,
	       const struct upstream_proxy *px)
{
	struct crypto_leaf *leaf;

	if (!p->ca || !*sni || (!broker_is_bound(p->cfg, sni) && !is_held(p->cfg, sni)))
		return BROKER_PASS;
	if (px->broken) {
		broker_log_refused_port(p, sni, port, "upstream proxy unusable");
		return BROKER_REFUSED;
	}
	leaf = leaf_for(p, sni);
	/* The trust store too, once, for every interception process */
	(void)crypto_tls_client_init();
	if (!leaf) {
		broker_log_refused_port(p, sni, port, "cannot make a certificate");
		return BROKER_REFUSED;
	}
	return BROKER_WANTED;
}

int broker_tls_start(const struct fwd_params *p, int jail_fd,
		     const char *sni, uint16_t port,
		     const struct upstream_proxy *px,
		     const struct broker_dest *dest)
{
	struct icpt_handoff h = { .port = port, .dest = *dest, .px = *px };
	int err;

	/* Made by broker_tls(), kept since */
	if (!leaf_for(p, sni)) {
		broker_log_refused_port(p, sni, port,
					"cannot make a certificate");
		return BROKER_REFUSED;
	}
	snprintf(h.host, sizeof(h.host), "%s", sni);
	err = icpt_hand_off(p, jail_fd, &h);
	if (err < 0) {
		broker_log_refused_port(p, sni, port, icpt_refusal(err));
		return BROKER_REFUSED;
	}
	return BROKER_TAKEN;
}

// SPDX-License-Identifier: MIT
/*
 * reqcheck.c - the judgement of every HTTP/1 request the forwarder sees
 *
 * A connection's first bytes name a host and the policy decides it; what
 * the jail sends afterwards on the same connection is just as untrusted.
 * Every request head on it, spliced or brokered or intercepted, passes
 * reqcheck_judge(): it must name the connection's host (421 otherwise,
 * so that a server with many names is never asked for one the policy did
 * not decide), it must not open a tunnel (CONNECT), and its body must be
 * framed so that no server can read the end of it elsewhere than the
 * forwarder did (request smuggling: a body on a GET that a server does
 * not read, Content-Length with chunked, two lengths).
 *
 * reqcheck_feed() follows the requests of one connection through their
 * bodies, so that the next head is found, and judged, where the server
 * will find it.
 */
#include "parse/parse.h"

enum {
	RS_HEAD,	/* a head comes next */
	RS_LENGTH,	/* Content-Length body bytes */
	RS_CHUNKED,	/* a chunked body */
	RS_REPLY,	/* after an upgrade request: waiting for the server */
	RS_OPAQUE,	/* the server switched protocols */
};

/* Methods whose body no server is required to read (RFC 9110 9.3) */
static bool is_bodiless_method(const char *m)
{
	static const char *const names[] = { "GET", "HEAD", "OPTIONS",
					      "TRACE" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(m, names[i]))
			return true;
	return false;
}

static int refuse(struct reqcheck_verdict *v, int status, const char *why)
{
	v->status = status;
	v->why = why;
	return -EPERM;
}

static int judge_framing(const uint8_t *head, const struct http_head *h,
			 struct reqcheck_verdict *v)
{
	int r = http_request_framing(head, h->head_len, h, &v->framing);

	if (r == -ENOTSUP)
		return refuse(v, 501, "a transfer coding other than chunked");
	if (r < 0)
		return refuse(v, 400, "the request's length is ambiguous");
	if ((v->framing.is_chunked || v->framing.length) &&
	    is_bodiless_method(h->method))
		return refuse(v, 400, "a body on a request that has none "
				      "(GET, HEAD, OPTIONS, TRACE)");
	return 0;
}

/* Host (or the absolute-form target that stands for it) names @rc */
static int judge_host(const struct reqcheck_conn *rc,
		      const struct http_head *h, struct reqcheck_verdict *v)
{
	uint16_t port = h->host_port ? h->host_port : rc->default_port;

	if (!h->has_host)
		return refuse(v, 400, "a request without Host");
	if (strcasecmp(h->host, rc->host) || port != rc->port)
		return refuse(v, 421, "the request's Host is not the host "
				      "of its connection");
	return 0;
}

/* A push to a held host; its refs must be readable to be asked about */
static int judge_push(const struct reqcheck_conn *rc, const uint8_t *head,
		      const struct http_head *h, struct reqcheck_verdict *v)
{
	size_t off, len;

	if (!rc->is_held || !push_is_receive_pack(h, v->repo, sizeof(v->repo)))
		return 0;
	v->is_push = true;
	if (http_find_header(head, h->head_len, "Content-Encoding", &off,
			     &len, 0) == 0 &&
	    !(len == 8 &&
	      !strncasecmp((const char *)head + off, "identity", 8)))
		return refuse(v, 415, "a push with a compressed body cannot "
				      "be held (--hold-push); push without "
				      "Content-Encoding");
	return 0;
}

int reqcheck_judge(const struct reqcheck_conn *rc, const uint8_t *head,
		   const struct http_head *h, struct reqcheck_verdict *v)
{
	size_t off, len;
	int r;

	memset(v, 0, sizeof(*v));
	/* A tunnel's bytes have no request boundaries left to follow */
	if (!strcmp(h->method, "CONNECT"))
		return refuse(v, 405, "CONNECT is not carried");
	r = judge_host(rc, h, v);
	if (!r)
		r = judge_framing(head, h, v);
	if (!r)
		r = judge_push(rc, head, h, v);
	if (r)
		return r;
	v->is_upgrade = http_find_header(head, h->head_len, "Upgrade", &off,
					 &len, 0) == 0;
	return 0;
}

static int feed_head(struct reqcheck_stream *st,
		     const struct reqcheck_conn *rc, const uint8_t *buf,
		     size_t len, struct reqcheck_verdict *v)
{
	struct http_head h;
	int r = http_parse_head(buf, len, &h);

	memset(v, 0, sizeof(*v));
	if (r == -EAGAIN)
		return -EAGAIN;
	if (r == -E2BIG)
		return refuse(v, 431, "request head too large");
	if (r < 0)
		return refuse(v, 400, "malformed request");
	if (reqcheck_judge(rc, buf, &h, v))
		return -EPERM;
	/* After a switch the bytes are no longer requests: only the first
	 * request may ask, so its answer is the first the server sends */
	if (v->is_upgrade && st->n_requests)
		return refuse(v, 400, "an upgrade after other requests on "
				      "the connection");
	st->n_requests++;
	memset(&st->chunked, 0, sizeof(st->chunked));
	st->left = v->framing.length;
	if (v->framing.is_chunked)
		st->state = RS_CHUNKED;
	else if (st->left)
		st->state = RS_LENGTH;
	else
		st->state = v->is_upgrade ? RS_REPLY : RS_HEAD;
	/* The upgrade waits for its body to end (RS_LENGTH, RS_CHUNKED) */
	if (v->is_upgrade && st->state != RS_REPLY)
		st->state |= 0x100;
	return (int)h.head_len;
}

/* The body has ended: the next head, or the upgrade's answer */
static void body_done(struct reqcheck_stream *st)
{
	st->state = st->state & 0x100 ? RS_REPLY : RS_HEAD;
}

int reqcheck_feed(struct reqcheck_stream *st, const struct reqcheck_conn *rc,
		  const uint8_t *buf, size_t len, struct reqcheck_verdict *v)
{
	size_t dl, n;
	int r;

	if (!len)
		return -EAGAIN;
	switch (st->state & 0xff) {
	case RS_HEAD:
		return feed_head(st, rc, buf, len, v);
	case RS_LENGTH:
		n = st->left < len ? (size_t)st->left : len;
		if (n > INT32_MAX)
			n = INT32_MAX;
		st->left -= n;
		if (!st->left)
			body_done(st);
		return (int)n;
	case RS_CHUNKED:
		r = http_chunked_feed(&st->chunked, buf, len, &dl);
		if (r < 0) {
			memset(v, 0, sizeof(*v));
			return refuse(v, 400, "malformed chunked body");
		}
		if (http_chunked_done(&st->chunked))
			body_done(st);
		return r ? r : -EAGAIN;
	case RS_REPLY:
		return -EBUSY;
	case RS_OPAQUE:
		return len > INT32_MAX ? INT32_MAX : (int)len;
	default:
		memset(v, 0, sizeof(*v));
		return refuse(v, 400, "malformed request");
	}
}

uint64_t reqcheck_body_left(const struct reqcheck_stream *st)
{
	return (st->state & 0xff) == RS_LENGTH ? st->left : 0;
}

uint64_t reqcheck_take_body(struct reqcheck_stream *st)
{
	uint64_t n = reqcheck_body_left(st);

	if (n) {
		st->left = 0;
		body_done(st);
	}
	return n;
}

bool reqcheck_wants_reply(const struct reqcheck_stream *st)
{
	return st->state == RS_REPLY;
}

bool reqcheck_is_opaque(const struct reqcheck_stream *st)
{
	return st->state == RS_OPAQUE;
}

int reqcheck_upgrade_reply(struct reqcheck_stream *st, const uint8_t *buf,
			   size_t len)
{
	/* "HTTP/1.1 101 " */
	if (len < 13)
		return -EAGAIN;
	if (!memcmp(buf, "HTTP/1.", 7) && buf[8] == ' ' &&
	    !memcmp(buf + 9, "101", 3) && (buf[12] == ' ' || buf[12] == '\r'))
		st->state = RS_OPAQUE;
	else
		st->state = RS_HEAD;
	return 0;
}

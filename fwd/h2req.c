// SPDX-License-Identifier: MIT
/*
 * h2req.c - one HTTP/2 request from the jail, judged as HTTP/1.1 (h2.c)
 *
 * The decoded header list is written as the HTTP/1.1 head it stands for
 * and passes the judgement, rewriting and scope check every HTTP/1.1
 * request of an intercepted connection passes (intercept.c); the head
 * that comes out, read back line by line, is the header list sent on.
 */
#include <ctype.h>
#include <strings.h>

#include "fwd/h2.h"

/* ---- a request ------------------------------------------------------ */

static bool h2_is_bodiless(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "HEAD") ||
	       !strcmp(method, "OPTIONS") || !strcmp(method, "TRACE");
}

static size_t h2_put(uint8_t *o, size_t at, size_t cap, const void *p,
		     size_t len)
{
	if (at <= cap && len <= cap - at)
		memcpy(o + at, p, len);
	return at + len;
}

int h2_req_head(const struct h2_hdrs *h, bool has_body, uint8_t *out,
		size_t cap, char *method, size_t method_len, bool *is_te)
{
	size_t ml = 0, pl = 0, al = 0, hl = 0;
	const uint8_t *m = h2_get(h, ":method", &ml);
	const uint8_t *path = h2_get(h, ":path", &pl);
	const uint8_t *auth = h2_get(h, ":authority", &al);
	const uint8_t *host = h2_get(h, "host", &hl);
	size_t at = 0, cl = 0;

	if (!m || !path || !ml || ml >= method_len)
		return -EBADMSG;
	if (!auth) {
		auth = host;
		al = hl;
	}
	if (!auth || (host && (hl != al || strncasecmp((const char *)host,
							(const char *)auth,
							al))))
		return -EBADMSG;
	memcpy(method, m, ml);
	method[ml] = '\0';
	at = h2_put(out, at, cap, m, ml);
	at = h2_put(out, at, cap, " ", 1);
	at = h2_put(out, at, cap, path, pl);
	at = h2_put(out, at, cap, " HTTP/1.1\r\nHost: ", 17);
	at = h2_put(out, at, cap, auth, al);
	at = h2_put(out, at, cap, "\r\n", 2);
	for (size_t i = 0; i < h->n; i++) {
		const uint8_t *v = h->b + h->f[i].value;

		if (h->b[h->f[i].name] == ':' || h2_is(h, i, "host"))
			continue;
		/* gRPC needs "te: trailers", which HTTP/1.1 heads drop */
		if (h2_is(h, i, "te")) {
			*is_te = h->f[i].value_len == 8 &&
				 !strncasecmp((const char *)v, "trailers", 8);
			continue;
		}
		cl += h2_is(h, i, "content-length");
		at = h2_put(out, at, cap, h->b + h->f[i].name,
			    h->f[i].name_len);
		at = h2_put(out, at, cap, ": ", 2);
		at = h2_put(out, at, cap, v, h->f[i].value_len);
		at = h2_put(out, at, cap, "\r\n", 2);
	}
	if (has_body && !cl && !h2_is_bodiless(method))
		at = h2_put(out, at, cap, "Transfer-Encoding: chunked\r\n",
			    28);
	at = h2_put(out, at, cap, "\r\n", 2);
	return at > cap ? -E2BIG : (int)at;
}

/* A header of a rewritten head that HTTP/2 does not carry */
static bool h2_is_hop(const char *name, size_t len)
{
	static const char *const hop[] = { "host", "connection",
					   "keep-alive", "proxy-connection",
					   "upgrade", "te",
					   "transfer-encoding" };

	for (size_t i = 0; i < ARRAY_SIZE(hop); i++)
		if (len == strlen(hop[i]) && !strncasecmp(name, hop[i], len))
			return true;
	return false;
}

size_t h2_head_nv(uint8_t *o, size_t len, const char *method,
		  const char *authority, bool is_te, bool is_secret,
		  nghttp2_nv *nv)
{
	uint8_t *sp1 = memchr(o, ' ', len), *sp2, *eol;
	uint8_t *end = o + len;
	size_t n = 0;
	uint8_t flag = is_secret ? NGHTTP2_NV_FLAG_NO_INDEX :
				   NGHTTP2_NV_FLAG_NONE;

	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
	/* Not a request line: nothing to send (never from a judged head) */
	if (!sp2 || !memchr(o, '\n', len))
		return 0;
	nv[n++] = (nghttp2_nv){ (uint8_t *)":method", (uint8_t *)method, 7,
				strlen(method), NGHTTP2_NV_FLAG_NONE };
	nv[n++] = (nghttp2_nv){ (uint8_t *)":scheme", (uint8_t *)"https", 7,
				5, NGHTTP2_NV_FLAG_NONE };
	nv[n++] = (nghttp2_nv){ (uint8_t *)":authority",
				(uint8_t *)authority, 10, strlen(authority),
				NGHTTP2_NV_FLAG_NONE };
	nv[n++] = (nghttp2_nv){ (uint8_t *)":path", sp1 + 1, 5,
				(size_t)(sp2 - sp1 - 1), flag };
	if (is_te)
		nv[n++] = (nghttp2_nv){ (uint8_t *)"te", (uint8_t *)"trailers",
					2, 8, NGHTTP2_NV_FLAG_NONE };
	for (uint8_t *l = (uint8_t *)memchr(o, '\n', len) + 1; l < end;
	     l = eol + 1) {
		uint8_t *colon, *v;

		eol = memchr(l, '\n', (size_t)(end - l));
		if (!eol || eol - l < 2 || n == H2_HDR_MAX + 8)
			break;
		colon = memchr(l, ':', (size_t)(eol - l));
		if (!colon || h2_is_hop((const char *)l, (size_t)(colon - l)))
			continue;
		for (uint8_t *c = l; c < colon; c++)
			*c = (uint8_t)tolower(*c);
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		nv[n++] = (nghttp2_nv){ l, v, (size_t)(colon - l),
					(size_t)(eol - v - (eol[-1] == '\r')),
					flag };
	}
	return n;
}

/* The judgement of intercept.c on @s's request; NULL: carry it */
static const char *h2_judge(struct h2 *x, struct h2s *s, int len,
			    struct http_head *h, uint32_t *injected,
			    int *out_len, const char **why)
{
	struct icpt *ic = x->ic;
	struct reqcheck_verdict v;
	char path[HTTP_HEAD_MAX];
	uint32_t outside;
	int leaked = -1, r;

	if (len == -E2BIG) {
		*why = "request head too large";
		return "431";
	}
	r = len < 0 ? len : http_parse_head(x->head, (size_t)len, h);
	if (r < 0) {
		*why = "malformed request";
		return "400";
	}
	if (reqcheck_judge(&ic->rc, x->head, h, &v)) {
		*why = v.why;
		broker_log_refused_port(ic->p, ic->host, ic->port, v.why);
		return v.status == 421 ? "421" : v.status == 405 ? "405" :
		       v.status == 501 ? "501" : v.status == 431 ? "431" :
		       v.status == 415 ? "415" : "400";
	}
	*out_len = secrets_rewrite_request(x->head, h->head_len,
					   ic->authority, ic->subs, ic->n_subs,
					   ic->out, sizeof(ic->out), injected,
					   &leaked);
	if (*out_len == -EACCES) {
		broker_log_leak(ic->p, (size_t)leaked, "http-header", ic->host);
		*why = "a secret's placeholder was sent to a host it is not "
		       "bound to";
		return "403";
	}
	if (*out_len < 0) {
		*why = "request head refused";
		return "400";
	}
	outside = icpt_out_of_scope(ic, h, path, sizeof(path)) & *injected;
	for (size_t i = 0; outside && i < ic->n_subs; i++)
		if (outside & (1u << i)) {
			explicit_bzero(ic->out, sizeof(ic->out));
			*why = icpt_scope_log(ic, i, h->method, path);
			return "403";
		}
	(void)s;
	return NULL;
}

/* The jail's request head on @s is complete: judge it, send it on */
void h2_request(struct h2 *x, struct h2s *s, bool has_body)
{
	struct icpt *ic = x->ic;
	nghttp2_data_provider dp = { .source.ptr = s,
				     .read_callback = h2_read_up };
	char method[16];
	const char *status, *why = "";
	uint32_t injected = 0;
	bool is_te = false;
	int len, out_len = 0;
	int32_t uid;
	size_t n;

	len = h2_req_head(&s->req, has_body, x->head, sizeof(x->head) - 64,
			  method, sizeof(method), &is_te);
	status = h2_judge(x, s, len, &x->req_head, &injected, &out_len, &why);
	explicit_bzero(x->head, sizeof(x->head));
	h2_hdrs_free(&s->req);
	if (status) {
		h2_answer(x, s, status, why);
		return;
	}
	n = h2_head_nv(ic->out, (size_t)out_len, method, ic->authority, is_te,
		       injected != 0, x->nv);
	if (x->up_gone)
		uid = -1;
	else
		uid = nghttp2_submit_request(x->up, NULL, x->nv, n,
					     has_body ? &dp : NULL, s);
	explicit_bzero(ic->out, (size_t)out_len);
	if (uid < 0) {
		nghttp2_submit_rst_stream(x->jail, NGHTTP2_FLAG_NONE, s->jid,
					  NGHTTP2_REFUSED_STREAM);
		s->is_refused = true;
		return;
	}
	s->uid = uid;
	ic->n_requests++;
	broker_log_injected(ic->p, ic->host, injected);
}

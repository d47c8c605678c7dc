// SPDX-License-Identifier: MIT
/*
 * h2.c - HTTP/2 through interception: two nghttp2 sessions bridged
 *
 * When the jail's client and the bound host both chose h2 (ALPN, asked
 * of the host first: crypto_tls_accept_alpn()), the interception process
 * runs this relay instead of the HTTP/1 one. A server session faces the
 * jail, a client session the host; each stream of the jail's becomes one
 * of the host's.
 *
 * nghttp2 does the framing, HPACK and flow control: it is the reference
 * implementation, in Debian and kept up, and a hand-written HTTP/2 stack
 * would be a second, less tried parser of what the jail sends. It is
 * linked statically (as libcap and libnl are): only the objects this
 * file uses are taken, and a run without interception loads no shared
 * object more and resolves no symbol more at its start.
 *
 * Every request is judged and rewritten exactly as an HTTP/1.1 one: its
 * HPACK-decoded header list is written as the HTTP/1.1 head it stands
 * for (":authority" as Host) and passes http_parse_head(),
 * reqcheck_judge(), secrets_rewrite_request() and the scope check of
 * intercept.c; the head that comes out is the header list sent on. A
 * refusal answers that stream alone (403, 400, ...), with the same audit
 * events as HTTP/1.1 (secret.leak, secret.scope). Request bodies and
 * trailers are searched for the placeholders of secrets bound elsewhere;
 * response headers, bodies and trailers have every real value replaced
 * by its placeholder (reflect.c, one matcher per stream); a compressed
 * answer is refused on its stream, as over HTTP/1.1.
 *
 * Bounds: H2_STREAMS streams at once (SETTINGS_MAX_CONCURRENT_STREAMS to
 * the jail), a header list of at most H2_HDR_BYTES and H2_HDR_MAX fields,
 * and per stream and direction at most the flow-control window buffered:
 * what one side sent is acknowledged (WINDOW_UPDATE) only once the other
 * side's session has taken it.
 */
#include <nghttp2/nghttp2.h>
#include <ctype.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/mman.h>

#include "fwd/h2.h"

/* ---- streams and buffers -------------------------------------------- */

static struct h2s *h2_new_stream(struct h2 *x, int32_t jid)
{
	for (size_t i = 0; i < H2_STREAMS; i++) {
		if (x->s[i].is_used)
			continue;
		memset(&x->s[i], 0, sizeof(x->s[i]));
		x->s[i].is_used = true;
		x->s[i].jid = jid;
		return &x->s[i];
	}
	return NULL;
}

void h2_hdrs_free(struct h2_hdrs *h)
{
	if (h->b)
		explicit_bzero(h->b, H2_HDR_BYTES);
	free(h->b);
	h->b = NULL;
	h->n = h->used = 0;
}

static void h2_buf_free(struct h2_buf *b)
{
	if (b->b)
		explicit_bzero(b->b, H2_BUF_MAX);
	free(b->b);
	memset(b, 0, sizeof(*b));
}

/* Both sides are done with @s: its slot is free */
static void h2_free_stream(struct h2s *s)
{
	h2_hdrs_free(&s->req);
	h2_hdrs_free(&s->resp);
	h2_hdrs_free(&s->up_tr);
	h2_hdrs_free(&s->down_tr);
	h2_buf_free(&s->up);
	h2_buf_free(&s->down);
	s->is_used = false;
}

static void h2_maybe_free(struct h2s *s)
{
	if (s->jail_closed && (s->up_closed || !s->uid))
		h2_free_stream(s);
}

/* Return: 0, or -E2BIG (a header list over its bounds) */
static int h2_hdrs_add(struct h2_hdrs *h, const uint8_t *name, size_t nl,
		       const uint8_t *value, size_t vl)
{
	if (h->n == H2_HDR_MAX || nl + vl > H2_HDR_BYTES - h->used)
		return -E2BIG;
	if (!h->b)
		h->b = xmalloc(H2_HDR_BYTES);
	h->f[h->n].name = (uint32_t)h->used;
	h->f[h->n].name_len = (uint32_t)nl;
	memcpy(h->b + h->used, name, nl);
	h->used += nl;
	h->f[h->n].value = (uint32_t)h->used;
	h->f[h->n].value_len = (uint32_t)vl;
	memcpy(h->b + h->used, value, vl);
	h->used += vl;
	h->n++;
	return 0;
}

bool h2_is(const struct h2_hdrs *h, size_t i, const char *name)
{
	return h->f[i].name_len == strlen(name) &&
	       !memcmp(h->b + h->f[i].name, name, h->f[i].name_len);
}

/* The value of @name, or NULL (@len set) */
const uint8_t *h2_get(const struct h2_hdrs *h, const char *name,
		      size_t *len)
{
	for (size_t i = 0; i < h->n; i++)
		if (h2_is(h, i, name)) {
			*len = h->f[i].value_len;
			return h->b + h->f[i].value;
		}
	return NULL;
}

/* @h as nghttp2's list, in @nv (H2_HDR_MAX) */
static size_t h2_nv(const struct h2_hdrs *h, nghttp2_nv *nv)
{
	for (size_t i = 0; i < h->n; i++)
		nv[i] = (nghttp2_nv){ h->b + h->f[i].name, h->b + h->f[i].value,
				      h->f[i].name_len, h->f[i].value_len,
				      NGHTTP2_NV_FLAG_NONE };
	return h->n;
}

/* Return: 0, or -E2BIG (more than the window the other side was given) */
static int h2_buf_put(struct h2_buf *b, const uint8_t *p, size_t len)
{
	if (!b->b)
		b->b = xmalloc(H2_BUF_MAX);
	if (b->off) {
		memmove(b->b, b->b + b->off, b->len);
		b->off = 0;
	}
	if (len > H2_BUF_MAX - b->len)
		return -E2BIG;
	memcpy(b->b + b->len, p, len);
	b->len += len;
	return 0;
}

/* ---- what goes to either side ---------------------------------------- */

/*
 * A body's bytes for its session: what @b holds. The bytes taken are
 * acknowledged to the side that sent them (@from, its stream @from_id),
 * so that it sends more only as this side takes it
 */
static ssize_t h2_read_buf(struct h2_buf *b, nghttp2_session *self,
			   int32_t id,
			   nghttp2_session *from, int32_t from_id,
			   const struct h2_hdrs *tr, bool has_tr,
			   uint8_t *out, size_t len, uint32_t *flags)
{
	size_t n = b->len < len ? b->len : len;

	/* An empty buffer may have no memory yet (b->b NULL) */
	if (n)
		memcpy(out, b->b + b->off, n);
	b->off += n;
	b->len -= n;
	/* The stream may be closed on that side: its connection's window
	 * still counts the bytes */
	if (n && from) {
		nghttp2_session_consume_connection(from, n);
		if (from_id)
			(void)nghttp2_session_consume_stream(from, from_id, n);
	}
	if (b->len)
		return (ssize_t)n;
	if (!b->is_eof)
		return n ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
	*flags |= NGHTTP2_DATA_FLAG_EOF;
	if (has_tr) {
		nghttp2_nv nv[H2_HDR_MAX];

		*flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
		if (nghttp2_submit_trailer(self, id, nv, h2_nv(tr, nv)))
			return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return (ssize_t)n;
}

/* The request body, to the host */
ssize_t h2_read_up(nghttp2_session *ses, int32_t id, uint8_t *out,
		   size_t len, uint32_t *flags, nghttp2_data_source *src,
		   void *user)
{
	struct h2 *x = user;
	struct h2s *s = src->ptr;

	(void)ses;
	return h2_read_buf(&s->up, x->up, id, x->jail, s->jid, &s->up_tr,
			   s->has_up_tr, out, len, flags);
}

/* The response body, to the jail */
static ssize_t h2_read_down(nghttp2_session *ses, int32_t id, uint8_t *out,
			    size_t len, uint32_t *flags,
			    nghttp2_data_source *src, void *user)
{
	struct h2 *x = user;
	struct h2s *s = src->ptr;

	(void)ses;
	/* A refusal's text never came from the host */
	return h2_read_buf(&s->down, x->jail, id,
			   s->is_refused || !s->uid ? NULL : x->up, s->uid,
			   &s->down_tr, s->has_down_tr, out, len, flags);
}

void h2_answer(struct h2 *x, struct h2s *s, const char *status,
	       const char *why)
{
	char text[700];
	int n = snprintf(text, sizeof(text), "jail: %s\n", why);
	nghttp2_nv nv[] = {
		{ (uint8_t *)":status", (uint8_t *)status, 7, 3,
		  NGHTTP2_NV_FLAG_NONE },
		{ (uint8_t *)"content-type", (uint8_t *)"text/plain", 12, 10,
		  NGHTTP2_NV_FLAG_NONE },
	};
	nghttp2_data_provider dp = { .source.ptr = s,
				     .read_callback = h2_read_down };

	/* What the host sent that never goes on: its window is freed */
	if (s->uid && s->down.len)
		nghttp2_session_consume_connection(x->up, s->down.len);
	s->is_refused = true;
	s->down.off = s->down.len = 0;
	s->has_down_tr = false;
	if (n > 0 && (size_t)n < sizeof(text))
		(void)h2_buf_put(&s->down, (const uint8_t *)text, (size_t)n);
	s->down.is_eof = true;
	if (nghttp2_submit_response(x->jail, s->jid, nv, ARRAY_SIZE(nv), &dp))
		nghttp2_submit_rst_stream(x->jail, NGHTTP2_FLAG_NONE, s->jid,
					  NGHTTP2_INTERNAL_ERROR);
}

/* ---- what the jail sends (server session) ---------------------------- */

static int h2_j_begin(nghttp2_session *ses, const nghttp2_frame *f,
		      void *user)
{
	struct h2 *x = user;
	struct h2s *s;

	if (f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	s = h2_new_stream(x, f->hd.stream_id);
	if (!s)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	nghttp2_session_set_stream_user_data(ses, f->hd.stream_id, s);
	return 0;
}

static int h2_j_header(nghttp2_session *ses, const nghttp2_frame *f,
		       const uint8_t *name, size_t nl, const uint8_t *value,
		       size_t vl, uint8_t flags, void *user)
{
	struct h2s *s = nghttp2_session_get_stream_user_data(ses,
							     f->hd.stream_id);
	struct h2 *x = user;
	struct h2_hdrs *h;

	(void)flags;
	if (!s || f->hd.type != NGHTTP2_HEADERS)
		return 0;
	h = f->headers.cat == NGHTTP2_HCAT_REQUEST ? &s->req : &s->up_tr;
	/* A trailer with a placeholder bound elsewhere is a leak too */
	if (h == &s->up_tr && x->ic->has_unbound) {
		int i = secrets_scan(value, vl, x->ic->subs, x->ic->n_subs);

		if (i >= 0 && !x->ic->subs[i].value) {
			broker_log_leak(x->ic->p, (size_t)i, "http-body",
					x->ic->host);
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		}
	}
	if (h2_hdrs_add(h, name, nl, value, vl) < 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return 0;
}

static int h2_j_data(nghttp2_session *ses, uint8_t flags, int32_t id,
		     const uint8_t *data, size_t len, void *user)
{
	struct h2 *x = user;
	struct icpt *ic = x->ic;
	struct h2s *s = nghttp2_session_get_stream_user_data(ses, id);
	int i = -1;

	(void)flags;
	if (!s || s->is_refused || !s->uid) {
		/* Read away: the connection's window is not held by it */
		nghttp2_session_consume_connection(ses, len);
		return 0;
	}
	if (ic->has_unbound)
		i = secrets_scan_stream(&s->scan, data, len, ic->subs,
					ic->n_subs);
	if (i >= 0) {
		broker_log_leak(ic->p, (size_t)i, "http-body", ic->host);
		nghttp2_submit_rst_stream(x->up, NGHTTP2_FLAG_NONE, s->uid,
					  NGHTTP2_CANCEL);
		nghttp2_session_consume_connection(ses, len + s->up.len);
		s->up.len = 0;
		if (!s->has_final)
			h2_answer(x, s, "403", "a secret's placeholder was "
				  "sent to a host it is not bound to");
		else
			nghttp2_submit_rst_stream(ses, NGHTTP2_FLAG_NONE, id,
						  NGHTTP2_REFUSED_STREAM);
		s->is_refused = true;
		return 0;
	}
	ic->up_bytes += (long long)len;
	if (h2_buf_put(&s->up, data, len) < 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	(void)nghttp2_session_resume_data(x->up, s->uid);
	return 0;
}

static int h2_j_frame(nghttp2_session *ses, const nghttp2_frame *f,
		      void *user)
{
	struct h2 *x = user;
	struct h2s *s = nghttp2_session_get_stream_user_data(ses,
							     f->hd.stream_id);
	bool is_end = f->hd.flags & NGHTTP2_FLAG_END_STREAM;

	if (!s || (f->hd.type != NGHTTP2_HEADERS &&
		   f->hd.type != NGHTTP2_DATA))
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS &&
	    f->headers.cat == NGHTTP2_HCAT_REQUEST) {
		h2_request(x, s, !is_end);
		return 0;
	}
	if (f->hd.type == NGHTTP2_HEADERS)
		s->has_up_tr = true;
	if (is_end && !s->is_refused && s->uid) {
		s->up.is_eof = true;
		(void)nghttp2_session_resume_data(x->up, s->uid);
	}
	return 0;
}

static int h2_j_close(nghttp2_session *ses, int32_t id, uint32_t err,
		      void *user)
{
	struct h2 *x = user;
	struct h2s *s = nghttp2_session_get_stream_user_data(ses, id);

	if (!s)
		return 0;
	s->jail_closed = true;
	/* What the host sent for it that never goes on */
	if (s->uid && !s->is_refused && s->down.len)
		nghttp2_session_consume_connection(x->up, s->down.len);
	s->down.len = 0;
	if (err && s->uid && !s->up_closed)
		nghttp2_submit_rst_stream(x->up, NGHTTP2_FLAG_NONE, s->uid,
					  err);
	h2_maybe_free(s);
	return 0;
}

/* ---- what the host sends (client session) ---------------------------- */

/*
 * The values in a header's value @p (@len bytes, at most H2_HDR_BYTES)
 * replaced in place by their placeholders, logged as secret.reflect.
 * Return: 0 or -1
 */
static int h2_reflect(struct h2 *x, uint8_t *p, size_t len)
{
	struct icpt *ic = x->ic;
	struct reflect_stream st = { 0 };
	uint32_t hits = 0;
	int w, f;

	if (!ic->n_pats || !len)
		return 0;
	/* As long as what it stands for: a replacement is as long */
	w = reflect_stream_feed(&st, ic->pats, ic->n_pats, p, len, ic->rout,
				sizeof(ic->rout), &hits);
	if (w < 0)
		return -1;
	f = reflect_stream_flush(&st, ic->pats, ic->n_pats, ic->rout + w,
				 sizeof(ic->rout) - (size_t)w);
	if (f < 0 || (size_t)w + (size_t)f != len)
		return -1;
	memcpy(p, ic->rout, len);
	icpt_log_reflect(ic, hits);
	return 0;
}

static int h2_u_header(nghttp2_session *ses, const nghttp2_frame *f,
		       const uint8_t *name, size_t nl, const uint8_t *value,
		       size_t vl, uint8_t flags, void *user)
{
	struct h2s *s = nghttp2_session_get_stream_user_data(ses,
							     f->hd.stream_id);
	struct h2_hdrs *h;

	(void)flags;
	(void)user;
	if (!s || f->hd.type != NGHTTP2_HEADERS)
		return 0;
	h = s->has_final ? &s->down_tr : &s->resp;
	if (h2_hdrs_add(h, name, nl, value, vl) < 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	/* Names are not searched: a header's name is the protocol's */
	if (h2_reflect(user, h->b + h->f[h->n - 1].value, vl) < 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return 0;
}

/* Is @h's content coding one the matcher cannot see into? */
static bool h2_is_coded(const struct h2_hdrs *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const char *v = (const char *)h->b + h->f[i].value;
		size_t at = 0, len = h->f[i].value_len;

		if (!h2_is(h, i, "content-encoding"))
			continue;
		while (at < len) {
			size_t e = at;

			while (e < len && v[e] != ',')
				e++;
			while (at < e && (v[at] == ' ' || v[at] == '\t'))
				at++;
			size_t k = e;
			while (k > at && (v[k - 1] == ' ' || v[k - 1] == '\t'))
				k--;
			if (k > at && (k - at != 8 ||
				       strncasecmp(v + at, "identity", 8)))
				return true;
			at = e + 1;
		}
	}
	return false;
}

/* A compressed answer from a bound host: refused on its stream */
static void h2_coded(struct h2 *x, struct h2s *s)
{
	const char *why = "a compressed answer from a host a secret is bound "
			  "to (its value could not be looked for in it)";
	const struct audit_field f[] = {
		AF_STR("host", x->ic->host),
		AF_INT("port", x->ic->port),
		AF_STR("reason", why),
	};

	broker_log_event(x->ic->p, "net.error", f, ARRAY_SIZE(f));
	nghttp2_submit_rst_stream(x->up, NGHTTP2_FLAG_NONE, s->uid,
				  NGHTTP2_CANCEL);
	h2_answer(x, s, "502", why);
}

/* The host's head on @s is complete: on to the jail */
static void h2_response(struct h2 *x, struct h2s *s, bool is_end)
{
	nghttp2_nv nv[H2_HDR_MAX];
	nghttp2_data_provider dp = { .source.ptr = s,
				     .read_callback = h2_read_down };
	size_t sl = 0, n = h2_nv(&s->resp, nv);
	const uint8_t *st = h2_get(&s->resp, ":status", &sl);
	bool is_interim = st && sl == 3 && st[0] == '1';
	int r;

	if (s->jail_closed || s->is_refused) {
		s->has_final = !is_interim;
		s->down.is_eof |= is_end;
		h2_hdrs_free(&s->resp);
		return;
	}
	if (!is_interim && x->ic->n_pats && !is_end && h2_is_coded(&s->resp)) {
		s->has_final = true;
		h2_hdrs_free(&s->resp);
		h2_coded(x, s);
		return;
	}
	if (is_interim)
		r = nghttp2_submit_headers(x->jail, NGHTTP2_FLAG_NONE, s->jid,
					   NULL, nv, n, NULL);
	else
		r = nghttp2_submit_response(x->jail, s->jid, nv, n,
					    is_end ? NULL : &dp);
	s->has_final |= !is_interim;
	s->down.is_eof |= is_end;
	h2_hdrs_free(&s->resp);
	if (r)
		nghttp2_submit_rst_stream(x->jail, NGHTTP2_FLAG_NONE, s->jid,
					  NGHTTP2_INTERNAL_ERROR);
}

static int h2_u_data(nghttp2_session *ses, uint8_t flags, int32_t id,
		     const uint8_t *data, size_t len, void *user)
{
	struct h2 *x = user;
	struct icpt *ic = x->ic;
	struct h2s *s = nghttp2_session_get_stream_user_data(ses, id);
	uint32_t hits = 0;

	(void)flags;
	ic->down_bytes += (long long)len;
	if (!s || s->jail_closed || s->is_refused) {
		nghttp2_session_consume_connection(ses, len);
		return 0;
	}
	if (!ic->n_pats) {
		if (h2_buf_put(&s->down, data, len) < 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		(void)nghttp2_session_resume_data(x->jail, s->jid);
		return 0;
	}
	for (size_t at = 0; at < len; at += ICPT_SLICE) {
		size_t k = len - at < ICPT_SLICE ? len - at : ICPT_SLICE;
		int w = reflect_stream_feed(&s->refl, ic->pats, ic->n_pats,
					    data + at, k, ic->rout,
					    sizeof(ic->rout), &hits);

		if (w < 0 || h2_buf_put(&s->down, ic->rout, (size_t)w) < 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	icpt_log_reflect(ic, hits);
	/* What the matcher holds back is taken (consumed) when it goes */
	(void)nghttp2_session_resume_data(x->jail, s->jid);
	return 0;
}

/* The host's body ended: what the matcher held goes too */
static void h2_down_end(struct h2 *x, struct h2s *s)
{
	struct icpt *ic = x->ic;
	int w = 0;

	if (ic->n_pats && s->refl.held_len) {
		w = reflect_stream_flush(&s->refl, ic->pats, ic->n_pats,
					 ic->rout, sizeof(ic->rout));
		if (w > 0)
			(void)h2_buf_put(&s->down, ic->rout, (size_t)w);
	}
	s->down.is_eof = true;
	(void)nghttp2_session_resume_data(x->jail, s->jid);
}

static int h2_u_frame(nghttp2_session *ses, const nghttp2_frame *f,
		      void *user)
{
	struct h2 *x = user;
	struct h2s *s;
	bool is_end = f->hd.flags & NGHTTP2_FLAG_END_STREAM;

	if (f->hd.type == NGHTTP2_GOAWAY) {
		/* The jail hears it too: streams it opens later are refused */
		nghttp2_submit_goaway(x->jail, NGHTTP2_FLAG_NONE,
				      nghttp2_session_get_last_proc_stream_id(
					      x->jail),
				      f->goaway.error_code, NULL, 0);
		return 0;
	}
	s = nghttp2_session_get_stream_user_data(ses, f->hd.stream_id);
	if (!s || (f->hd.type != NGHTTP2_HEADERS &&
		   f->hd.type != NGHTTP2_DATA))
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && !s->has_final) {
		h2_response(x, s, is_end);
		return 0;
	}
	if (f->hd.type == NGHTTP2_HEADERS)
		s->has_down_tr = true;
	if (is_end && !s->is_refused && !s->jail_closed)
		h2_down_end(x, s);
	return 0;
}

static int h2_u_close(nghttp2_session *ses, int32_t id, uint32_t err,
		      void *user)
{
	struct h2 *x = user;
	struct h2s *s = nghttp2_session_get_stream_user_data(ses, id);

	if (!s)
		return 0;
	s->up_closed = true;
	/* What the jail sent for it that never goes on */
	if (s->up.len && !s->is_refused)
		nghttp2_session_consume_connection(x->jail, s->up.len);
	s->up.len = 0;
	/* Reset by the host (REFUSED_STREAM lets the client retry) */
	if (err && !s->jail_closed && !s->is_refused)
		nghttp2_submit_rst_stream(x->jail, NGHTTP2_FLAG_NONE, s->jid,
					  err);
	else if (!s->down.is_eof && !s->jail_closed && !s->is_refused)
		nghttp2_submit_rst_stream(x->jail, NGHTTP2_FLAG_NONE, s->jid,
					  NGHTTP2_INTERNAL_ERROR);
	h2_maybe_free(s);
	return 0;
}

/* ---- the relay ------------------------------------------------------ */

/*
 * A session's frames are gathered and written at once when it has sent
 * what it had (h2_flush()): one TLS record and one write(2) for many
 * small frames, not one each
 */
static int h2_flush(struct crypto_tls *t, struct h2_out *o)
{
	int r = o->len ? crypto_tls_write(t, o->b, o->len) : 0;

	/* The host's side carries the real values */
	explicit_bzero(o->b, o->len);
	o->len = 0;
	return r;
}

static ssize_t h2_gather(struct crypto_tls *t, struct h2_out *o,
			 const uint8_t *b, size_t len)
{
	if (len > sizeof(o->b) - o->len && h2_flush(t, o) < 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	if (len >= sizeof(o->b))
		return crypto_tls_write(t, b, len) < 0 ?
			       NGHTTP2_ERR_CALLBACK_FAILURE :
			       (ssize_t)len;
	memcpy(o->b + o->len, b, len);
	o->len += len;
	return (ssize_t)len;
}

static ssize_t h2_send_jail(nghttp2_session *ses, const uint8_t *b,
			    size_t len, int flags, void *user)
{
	struct h2 *x = user;

	(void)ses;
	(void)flags;
	return h2_gather(x->ic->jail, &x->jout, b, len);
}

static ssize_t h2_send_up(nghttp2_session *ses, const uint8_t *b,
			  size_t len, int flags, void *user)
{
	struct h2 *x = user;

	(void)ses;
	(void)flags;
	return h2_gather(x->ic->up, &x->uout, b, len);
}

/* Both sessions, bounded and with manual window updates */
static int h2_sessions(struct h2 *x)
{
	nghttp2_session_callbacks *cb;
	nghttp2_option *opt;
	nghttp2_settings_entry set[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2_STREAMS },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_WINDOW },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, H2_HDR_BYTES },
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
	};
	int r = -1;

	if (nghttp2_session_callbacks_new(&cb))
		return -1;
	if (nghttp2_option_new(&opt)) {
		nghttp2_session_callbacks_del(cb);
		return -1;
	}
	nghttp2_option_set_no_auto_window_update(opt, 1);
	nghttp2_option_set_max_deflate_dynamic_table_size(opt, 4096);
	nghttp2_session_callbacks_set_send_callback(cb, h2_send_jail);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
								h2_j_begin);
	nghttp2_session_callbacks_set_on_header_callback(cb, h2_j_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
								  h2_j_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, h2_j_frame);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
							       h2_j_close);
	if (nghttp2_session_server_new2(&x->jail, cb, x, opt))
		goto out;
	nghttp2_session_callbacks_set_send_callback(cb, h2_send_up);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, NULL);
	nghttp2_session_callbacks_set_on_header_callback(cb, h2_u_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
								  h2_u_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, h2_u_frame);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
							       h2_u_close);
	if (nghttp2_session_client_new2(&x->up, cb, x, opt))
		goto out;
	/* A server push would be a stream the jail never asked for */
	if (nghttp2_submit_settings(x->jail, NGHTTP2_FLAG_NONE, set,
				    ARRAY_SIZE(set) - 1) ||
	    nghttp2_submit_settings(x->up, NGHTTP2_FLAG_NONE, set + 1,
				    ARRAY_SIZE(set) - 1) ||
	    nghttp2_session_set_local_window_size(x->jail, NGHTTP2_FLAG_NONE,
						  0, H2_CONN_WINDOW) ||
	    nghttp2_session_set_local_window_size(x->up, NGHTTP2_FLAG_NONE,
						  0, H2_CONN_WINDOW))
		goto out;
	r = 0;
out:
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cb);
	return r;
}

/* The host is gone: its streams end; those answered in full go on */
static void h2_up_gone(struct h2 *x)
{
	x->up_gone = true;
	for (size_t i = 0; i < H2_STREAMS; i++) {
		struct h2s *s = &x->s[i];

		if (!s->is_used || !s->uid || s->up_closed)
			continue;
		s->up_closed = true;
		if (!s->jail_closed && !s->down.is_eof)
			nghttp2_submit_rst_stream(x->jail, NGHTTP2_FLAG_NONE,
						  s->jid,
						  NGHTTP2_INTERNAL_ERROR);
		h2_maybe_free(s);
	}
}

static bool h2_has_streams(const struct h2 *x)
{
	for (size_t i = 0; i < H2_STREAMS; i++)
		if (x->s[i].is_used && !x->s[i].jail_closed)
			return true;
	return false;
}

/* Read what one side has and feed its session. Return: 0, or -1 (EOF) */
static int h2_pull(struct h2 *x, struct crypto_tls *t, nghttp2_session *s)
{
	ssize_t n;

	do {
		n = crypto_tls_read(t, x->rbuf, sizeof(x->rbuf));
		if (n > 0 && nghttp2_session_mem_recv(s, x->rbuf, (size_t)n) !=
				     n)
			return -1;
	} while (n > 0 && crypto_tls_pending(t));
	return n == 0 || n == -EIO ? -1 : 0;
}

/*
 * Send what both sessions have: the host's, the jail's, and the host's
 * again (what the jail's session took acknowledges the host's bytes).
 * Return: 0 or -1 (the jail is gone)
 */
static int h2_push(struct h2 *x)
{
	if (!x->up_gone && (nghttp2_session_send(x->up) ||
			    h2_flush(x->ic->up, &x->uout) < 0))
		h2_up_gone(x);
	if (nghttp2_session_send(x->jail) ||
	    h2_flush(x->ic->jail, &x->jout) < 0)
		return -1;
	if (!x->up_gone && (nghttp2_session_send(x->up) ||
			    h2_flush(x->ic->up, &x->uout) < 0))
		h2_up_gone(x);
	return 0;
}

/* The loop: until the jail is done, or the host is and no stream is left */
static void h2_loop(struct h2 *x)
{
	struct icpt *ic = x->ic;
	int r;

	while (!broker_is_stopping && h2_push(x) == 0) {
		struct pollfd pf[2] = {
			{ .fd = ic->jail_fd, .events = POLLIN },
			{ .fd = x->up_gone ? -1 : ic->up_fd, .events = POLLIN },
		};
		bool jp = crypto_tls_pending(ic->jail);
		bool upp = !x->up_gone && crypto_tls_pending(ic->up);

		if (!nghttp2_session_want_read(x->jail) &&
		    !nghttp2_session_want_write(x->jail))
			return;
		if (x->up_gone && !h2_has_streams(x)) {
			nghttp2_session_terminate_session(x->jail,
							  NGHTTP2_NO_ERROR);
			if (!nghttp2_session_send(x->jail))
				(void)h2_flush(x->ic->jail, &x->jout);
			return;
		}
		r = icpt_wait(pf, jp || upp);
		if (r == 0)
			continue;
		if (r < 0)
			return;
		if ((upp || pf[1].revents) && h2_pull(x, ic->up, x->up) < 0)
			h2_up_gone(x);
		if ((jp || pf[0].revents) && h2_pull(x, ic->jail, x->jail) < 0)
			return;
	}
}

/**
 * icpt_h2_relay() - Bridge the jail's HTTP/2 connection to the host's
 * @ic:		the connection, both sides having chosen h2
 *
 * Context: the connection's thread in the interception process, after
 * both handshakes; what it holds stays in @ic->h2 until icpt_h2_free()
 */
void icpt_h2_relay(struct icpt *ic)
{
	struct h2 *x;

	icpt_block_stop();
	/* Resumed after a park (icpt_park()): the bridge as it was */
	if (ic->h2) {
		h2_loop(ic->h2);
		return;
	}
	/* The connection's own, its pages touched only as streams use them;
	 * icpt_h2_free() gives it back when the connection ends */
	x = mmap(NULL, sizeof(*x), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x == MAP_FAILED)
		return;
	ic->h2 = x;
	x->ic = ic;
	if (h2_sessions(x) < 0)
		return;
	h2_loop(x);
}

void icpt_h2_free(struct icpt *ic)
{
	struct h2 *x = ic->h2;

	if (!x)
		return;
	for (size_t i = 0; i < H2_STREAMS; i++)
		if (x->s[i].is_used)
			h2_free_stream(&x->s[i]);
	nghttp2_session_del(x->jail);
	nghttp2_session_del(x->up);
	munmap(x, sizeof(*x));
	ic->h2 = NULL;
}

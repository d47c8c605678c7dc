// SPDX-License-Identifier: MIT
/*
 * reflect.c - the real values a bound host sends back, put out of sight
 *
 * A server a secret is bound to may send its value back: an echo or
 * debug endpoint, an error that quotes the request's headers. What comes
 * back from it reaches the jail only after every real value in it was
 * replaced by the secret's placeholder (reflect_stream_feed()).
 *
 * The replacement is as long as the value: the placeholder is made as
 * long as the value (secrets_make_placeholder()), and for a value shorter
 * than a placeholder's random part can be, the placeholder's first bytes
 * stand in. So nothing a server framed changes length: Content-Length
 * and chunk sizes stay right, and the matcher needs no framing to put
 * the value out of sight wherever it lies in one piece.
 *
 * A value can also be cut by chunked framing ("...ab\r\n1a\r\ncd...").
 * reflect_resp_feed() therefore follows the responses of an HTTP/1.1
 * connection (status line, Content-Length, chunked, to the close, 1xx,
 * HEAD, 101): every byte goes through one matcher, and chunk data
 * through a second one that sees the data alone; a chunked body is sent
 * on re-chunked (each piece of data one chunk, its trailer fields as
 * they came), since the data matcher holds bytes back across the
 * server's chunk boundaries.
 *
 * Bytes that could begin a value are held back until the next bytes
 * show whether they do (at most the longest value less one): a value
 * split over reads or records is still replaced whole. At the stream's
 * end, or where the framing ends a stretch, the held bytes go out masked
 * by the replacement's first bytes (more than REFLECT_MASK_MIN of them),
 * so a server that stops in the middle of a value does not hand its
 * beginning over either.
 *
 * Every function here is pure: bytes from the bound host (untrusted) in,
 * bytes for the jail out, no I/O, no allocation. Bounds: a held tail of
 * at most REFLECT_HOLD_MAX bytes, a response head of at most
 * REFLECT_HEAD_MAX, REFLECT_REQS requests awaiting their answer.
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/reflect.h"
#include "parse/parse.h"

/* ---- the matcher ---------------------------------------------------- */

/*
 * The quick look first: one pass over @b for every value at once (a
 * Wu-Manber skip). A window of the first @w bytes of the values slides
 * along @b; the pair of bytes at its end says how far it may move
 * without passing the start of any value (skip[], hashed: a collision
 * only shortens a move), and only where that is 0 are the values
 * compared. Most answers hold no value: one pass instead of one memmem()
 * per pattern (four per secret).
 */
#define SKIP_MIN 256		/* bytes below which memmem() alone looks */
#define SKIP_BITS 12		/* skip[]: 4 KiB on the stack */
#define SKIP_WIN 64		/* the window's most bytes */

static size_t pair_hash(const uint8_t *p)
{
	return ((size_t)p[0] << 4 ^ p[1]) & (((size_t)1 << SKIP_BITS) - 1);
}

/* What one look at the window ending at @e costs and finds */
struct skip_scan {
	const uint8_t *b;
	size_t len, w, all, work;
	const struct reflect_pat *pats;
	size_t n;
	uint8_t skip[(size_t)1 << SKIP_BITS];
};

/*
 * The values compared where the window ending at @e starts. Return: 1
 * when one is there, -1 when the looks so far cost more than 4 passes
 * over the bytes, else 0
 */
static int skip_compare(struct skip_scan *k, size_t e)
{
	size_t at = e + 1 - k->w;

	k->work += k->all;
	if (k->work > 4 * k->len)
		return -1;
	for (size_t i = 0; i < k->n; i++)
		if (k->pats[i].len && k->pats[i].len <= k->len - at &&
		    !memcmp(k->b + at, k->pats[i].from, k->pats[i].len))
			return 1;
	return 0;
}

/* One window at a time, ending at @e up to @end. Return: as above */
static int skip_run(struct skip_scan *k, size_t e, size_t end)
{
	while (e < end) {
		size_t s = k->skip[pair_hash(k->b + e - 1)];
		int r;

		if (s) {
			e += s;
			continue;
		}
		r = skip_compare(k, e);
		if (r)
			return r;
		e++;
	}
	return 0;
}

/*
 * Return: 0 when no value occurs in @b, 1 when one does, -1 when it
 * would cost more than a few passes to tell (many near misses, or values
 * too short for the skip to pay): the caller looks the linear way
 */
static int any_value(const uint8_t *b, size_t len,
		     const struct reflect_pat *pats, size_t n)
{
	struct skip_scan k = { .b = b, .len = len, .w = SKIP_WIN,
			       .pats = pats, .n = n };
	size_t ea, eb, mid;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (pats[i].len && pats[i].len < k.w)
			k.w = pats[i].len;
		k.all += pats[i].len;
	}
	if (k.w < 4)
		return -1;
	memset(k.skip, (int)(k.w - 1), sizeof(k.skip));
	for (size_t i = 0; i < n; i++)
		for (size_t q = 1; pats[i].len && q < k.w; q++) {
			size_t h = pair_hash(pats[i].from + q - 1);

			if (k.skip[h] > k.w - 1 - q)
				k.skip[h] = (uint8_t)(k.w - 1 - q);
		}
	/*
	 * Two windows at once, one from the start, one from the middle
	 * (each move waits for the bytes it lands on: two independent
	 * chains run side by side). The first covers the windows ending
	 * before the middle, the second the rest. Bounded: the
	 * comparisons cost at most 4 passes over @b
	 */
	ea = k.w - 1;
	mid = eb = len / 2 > ea ? len / 2 : ea;
	while (ea < mid && eb < len) {
		size_t sa = k.skip[pair_hash(b + ea - 1)];
		size_t sb = k.skip[pair_hash(b + eb - 1)];

		if (sa && sb) {
			ea += sa;
			eb += sb;
			continue;
		}
		if (!sa && (r = skip_compare(&k, ea++)) != 0)
			return r;
		if (!sb && (r = skip_compare(&k, eb++)) != 0)
			return r;
		ea += sa;
		eb += sb;
	}
	r = skip_run(&k, ea, mid);
	return r ? r : skip_run(&k, eb, len);
}

/* Replace every whole value in @b (@len bytes) in place; note the hits */
static void replace_all(uint8_t *b, size_t len, const struct reflect_pat *pats,
			size_t n, uint32_t *hits)
{
	if (len >= SKIP_MIN && !any_value(b, len, pats, n))
		return;
	for (size_t i = 0; i < n; i++) {
		const struct reflect_pat *p = &pats[i];
		size_t pos = 0;

		if (!p->len || p->len > len)
			continue;
		/* memmem is linear (two-way); each hit moves past itself */
		while (pos + p->len <= len) {
			uint8_t *at = memmem(b + pos, len - pos, p->from,
					     p->len);

			if (!at)
				break;
			memcpy(at, p->to, p->len);
			*hits |= 1u << (p->secret & 31);
			pos = (size_t)(at - b) + p->len;
		}
	}
}

/*
 * The longest end of @b that begins some value without being one.
 * Return: its length (less than REFLECT_HOLD_MAX + 1)
 */
static size_t hold_len(const uint8_t *b, size_t len,
		       const struct reflect_pat *pats, size_t n)
{
	size_t best = 0;

	for (size_t i = 0; i < n; i++) {
		const struct reflect_pat *p = &pats[i];
		size_t from;

		if (!p->len)
			continue;
		from = len >= p->len ? len - p->len + 1 : 0;
		/* The first start that fits is the longest */
		for (size_t j = from; j < len && len - j > best; j++)
			if (b[j] == p->from[0] &&
			    !memcmp(b + j, p->from, len - j)) {
				best = len - j;
				break;
			}
	}
	return best;
}

int reflect_stream_feed(struct reflect_stream *st,
			const struct reflect_pat *pats, size_t n,
			const uint8_t *in, size_t len, uint8_t *out,
			size_t cap, uint32_t *hits)
{
	size_t all, keep;

	if (st->held_len > sizeof(st->held) || n > REFLECT_PATS)
		return -EINVAL;
	if (len > cap || st->held_len > cap - len)
		return -E2BIG;
	memcpy(out, st->held, st->held_len);
	memcpy(out + st->held_len, in, len);
	all = st->held_len + len;
	replace_all(out, all, pats, n, hits);
	keep = hold_len(out, all, pats, n);
	memcpy(st->held, out + all - keep, keep);
	st->held_len = keep;
	return (int)(all - keep);
}

int reflect_stream_flush(struct reflect_stream *st,
			 const struct reflect_pat *pats, size_t n,
			 uint8_t *out, size_t cap)
{
	size_t len = st->held_len;

	if (len > sizeof(st->held) || n > REFLECT_PATS)
		return -EINVAL;
	if (len > cap)
		return -E2BIG;
	memcpy(out, st->held, len);
	/*
	 * Held bytes begin some value: they leave as its replacement does,
	 * unless they are too few to tell a value's start from chance (a
	 * body that ends in a letter that begins a value's base64)
	 */
	for (size_t i = 0; i < n && len > REFLECT_MASK_MIN; i++)
		if (pats[i].len > len && !memcmp(out, pats[i].from, len)) {
			memcpy(out, pats[i].to, len);
			break;
		}
	st->held_len = 0;
	return (int)len;
}

/* ---- the patterns ----------------------------------------------------- */

/*
 * The base64 characters of @b (@len bytes) after @align bytes of an
 * encoded string, those its bits alone make. Return: how many, in @out
 */
static size_t b64_inner(const uint8_t *b, size_t len, size_t align,
			uint8_t *out, size_t cap)
{
	uint8_t in[SECRETS_VALUE_MAX + 2] = { 0 };
	uint8_t enc[REFLECT_PAT_MAX + 4];
	size_t first = (8 * align + 5) / 6, end = (8 * (align + len)) / 6;
	int e;

	if (len > SECRETS_VALUE_MAX || align > 2)
		return 0;
	memcpy(in + align, b, len);
	e = base64_encode(in, align + len, enc, sizeof(enc));
	if (e < 0 || end > (size_t)e || end <= first || end - first > cap)
		return 0;
	memcpy(out, enc + first, end - first);
	explicit_bzero(in, sizeof(in));
	return end - first;
}

size_t reflect_make_pats(const struct secrets_sub *subs, size_t n,
			 struct reflect_pat *pats, struct reflect_store *st)
{
	/* Per secret at most 7 patterns' bytes of REFLECT_PAT_MAX: the
	 * store, 8 a secret, never fills */
	size_t k = 0, used = 0;

	for (size_t i = 0; i < n && i < JAIL_MAX_SECRETS; i++) {
		const struct secrets_sub *s = &subs[i];
		size_t pl = strlen(s->placeholder), vl = s->value_len;
		uint8_t *mask = st->bytes + used;

		if (!s->value || !vl || vl > SECRETS_VALUE_MAX)
			continue;
		/* As long as the value: the placeholder, its beginning, or
		 * (a value longer than any placeholder; cannot happen) the
		 * placeholder again and again */
		for (size_t b = 0; b < vl; b++)
			mask[b] = pl ? (uint8_t)s->placeholder[b % pl] : '*';
		used += vl;
		pats[k++] = (struct reflect_pat){ (const uint8_t *)s->value,
						  mask, vl, (unsigned int)i };
		for (size_t a = 0; a < 3; a++) {
			uint8_t *from = st->bytes + used;
			size_t fl = b64_inner((const uint8_t *)s->value, vl, a,
					      from, REFLECT_PAT_MAX);
			uint8_t *to = from + fl;
			size_t tl = b64_inner(mask, vl, a, to, REFLECT_PAT_MAX);

			if (!fl || fl != tl)
				continue;
			pats[k++] = (struct reflect_pat){ from, to, fl,
							  (unsigned int)i };
			used += fl + tl;
		}
	}
	return k;
}

/* ---- HTTP/1.1 responses ------------------------------------------------ */

int reflect_resp_request(struct reflect_resp *r, bool is_head)
{
	if (r->n_reqs >= REFLECT_REQS)
		return -E2BIG;
	r->is_head[(r->first_req + r->n_reqs) % REFLECT_REQS] = is_head;
	r->n_reqs++;
	return 0;
}

/* The request a response answers: HEAD? (a response unasked: no) */
static bool take_request(struct reflect_resp *r)
{
	bool is_head;

	if (!r->n_reqs)
		return false;
	is_head = r->is_head[r->first_req];
	r->first_req = (r->first_req + 1) % REFLECT_REQS;
	r->n_reqs--;
	return is_head;
}

/*
 * The members of every @name header of the head: does the last one equal
 * @tok (@is_last), or does any differ from it (!@is_last)?
 */
static bool header_members(const uint8_t *head, size_t len, const char *name,
			   const char *tok, bool is_last)
{
	struct http_tokens t;

	http_header_tokens(head, len, name, tok, &t);
	return is_last ? t.is_last : t.is_other;
}

int reflect_parse_status(const uint8_t *head, size_t len, unsigned int *status)
{
	unsigned int s = 0;

	/* "HTTP/1.x SSS" */
	if (len < 12 || memcmp(head, "HTTP/1.", 7) || head[8] != ' ')
		return -EBADMSG;
	for (size_t i = 9; i < 12; i++) {
		if (head[i] < '0' || head[i] > '9')
			return -EBADMSG;
		s = s * 10 + (unsigned int)(head[i] - '0');
	}
	if (s < 100 || (len > 12 && head[12] != ' ' && head[12] != '\r' &&
			head[12] != '\n'))
		return -EBADMSG;
	*status = s;
	return 0;
}

/* How the body after a complete head ends (RFC 9112 6.3) */
static int resp_framing(struct reflect_resp *r, const uint8_t *head,
			size_t len, bool is_head_req)
{
	size_t off, vlen;
	unsigned int status;
	uint64_t cl = 0;

	if (reflect_parse_status(head, len, &status) < 0)
		return -EBADMSG;
	r->status = status;
	r->is_encoded = false;
	if (status == 101) {
		r->state = RS_RAW;
		return 0;
	}
	if (status < 200) {
		/* An interim answer; the final one follows */
		r->state = RS_HEAD;
		return 1;
	}
	take_request(r);
	if (is_head_req || status == 204 || status == 304) {
		r->state = RS_HEAD;
		return 0;
	}
	/* A coded body the matcher could not see into: any content coding
	 * but identity, any transfer coding but chunked */
	r->is_encoded = header_members(head, len, "Content-Encoding",
				       "identity", false) ||
			header_members(head, len, "Transfer-Encoding",
				       "chunked", false);
	if (!http_find_header(head, len, "Transfer-Encoding", &off, &vlen, 0)) {
		r->state = header_members(head, len, "Transfer-Encoding",
					  "chunked", true) ? RS_CHUNKED :
							     RS_CLOSE;
		memset(&r->chunked, 0, sizeof(r->chunked));
		return 0;
	}
	if (!http_find_header(head, len, "Content-Length", &off, &vlen, 0)) {
		if (!vlen || vlen > 18)
			return -EBADMSG;
		for (size_t i = 0; i < vlen; i++) {
			if (head[off + i] < '0' || head[off + i] > '9')
				return -EBADMSG;
			cl = cl * 10 + (uint64_t)(head[off + i] - '0');
		}
		r->left = cl;
		r->state = cl ? RS_LENGTH : RS_HEAD;
		return 0;
	}
	r->state = RS_CLOSE;
	return 0;
}

/* Where the output of one step goes: @out, bounded */
struct sink {
	uint8_t *p;
	size_t len, cap;
};

/* Through the stream matcher @st into @o. Return: 0 or -E2BIG */
static int through(struct sink *o, struct reflect_stream *st,
		   const struct reflect_pat *pats, size_t n, const uint8_t *b,
		   size_t len, uint32_t *hits)
{
	int w = reflect_stream_feed(st, pats, n, b, len, o->p + o->len,
				    o->cap - o->len, hits);

	if (w < 0)
		return w;
	o->len += (size_t)w;
	return 0;
}

static int flush_to(struct sink *o, struct reflect_stream *st,
		    const struct reflect_pat *pats, size_t n)
{
	int w = reflect_stream_flush(st, pats, n, o->p + o->len,
				     o->cap - o->len);

	if (w < 0)
		return w;
	o->len += (size_t)w;
	return 0;
}

/* The data matcher's output so far, as one chunk of our own */
static int data_chunk(struct sink *o, struct reflect_resp *r,
		      const struct reflect_pat *pats, size_t n,
		      const uint8_t *b, size_t len, bool is_flush,
		      uint32_t *hits)
{
	size_t at = o->len, most = r->data.held_len + (is_flush ? 0 : len);
	char size[24];
	int w, e;
	/* Room for the size line first, as long as the longest the data
	 * can make: it is written once the size is known, and the data
	 * moves only when its size line is shorter than that */
	int room = snprintf(size, sizeof(size), "%zx\r\n", most);

	if (room < 0 || o->cap - o->len < (size_t)room + 2)
		return -E2BIG;
	o->len += (size_t)room;
	e = is_flush ? flush_to(o, &r->data, pats, n) :
		       through(o, &r->data, pats, n, b, len, hits);
	if (e < 0)
		return e;
	len = o->len - at - (size_t)room;
	if (!len) {
		o->len = at;
		return 0;
	}
	if (o->cap - o->len < 2)
		return -E2BIG;
	w = snprintf(size, sizeof(size), "%zx\r\n", len);
	if (w != room)
		memmove(o->p + at + (size_t)w, o->p + at + (size_t)room, len);
	memcpy(o->p + at, size, (size_t)w);
	o->len = at + (size_t)w + len;
	memcpy(o->p + o->len, "\r\n", 2);
	o->len += 2;
	return 0;
}

/* Has @h (@len bytes, the last a LF) reached its blank line? */
static bool is_head_end(const uint8_t *h, size_t len)
{
	return (len >= 2 && h[len - 2] == '\n') ||
	       (len >= 3 && h[len - 2] == '\r' && h[len - 3] == '\n');
}

/*
 * Head bytes: kept until the blank line, then judged and sent on. A head
 * whose body is coded (Content-Encoding) is not sent: -ENOTSUP
 */
static int resp_head(struct reflect_resp *r, struct sink *o,
		     const struct reflect_pat *pats, size_t n,
		     const uint8_t *b, size_t len, uint32_t *hits)
{
	size_t take = 0;
	bool is_end = false;
	int e;

	while (take < len && !is_end) {
		uint8_t c = b[take++];

		if (r->head_len >= sizeof(r->head))
			return -E2BIG;
		r->head[r->head_len++] = c;
		is_end = c == '\n' && is_head_end(r->head, r->head_len);
	}
	if (!is_end)
		return (int)take;
	e = resp_framing(r, r->head, r->head_len,
			 r->n_reqs && r->is_head[r->first_req]);
	if (e < 0)
		return e;
	if (r->is_encoded && r->state != RS_HEAD)
		return -ENOTSUP;
	e = through(o, &r->raw, pats, n, r->head, r->head_len, hits);
	r->head_len = 0;
	/* Chunk data leaves by the data matcher: nothing held before it */
	if (e >= 0 && r->state == RS_CHUNKED)
		e = flush_to(o, &r->raw, pats, n);
	return e < 0 ? e : (int)take;
}

/* Chunked body bytes: data through the data matcher, re-chunked */
static int resp_chunked(struct reflect_resp *r, struct sink *o,
			const struct reflect_pat *pats, size_t n,
			const uint8_t *b, size_t len, uint32_t *hits)
{
	size_t dl = 0;
	bool was_trailer = http_chunked_in_trailer(&r->chunked);
	int t, e;

	/* Framing a byte at a time: the trailer's start must be seen */
	t = http_chunked_feed(&r->chunked, b,
			      http_chunked_in_data(&r->chunked) ? len : 1, &dl);
	if (t <= 0)
		return t < 0 ? t : -EBADMSG;
	if (dl)
		return (e = data_chunk(o, r, pats, n, b, dl, false, hits)) < 0 ?
			       e : t;
	if (!was_trailer && http_chunked_in_trailer(&r->chunked)) {
		/* The last chunk: what the data matcher held, then ours */
		e = data_chunk(o, r, pats, n, NULL, 0, true, hits);
		if (e < 0)
			return e;
		if (o->cap - o->len < 3)
			return -E2BIG;
		memcpy(o->p + o->len, "0\r\n", 3);
		o->len += 3;
		return t;
	}
	if (was_trailer) {
		e = through(o, &r->raw, pats, n, b, (size_t)t, hits);
		if (e < 0)
			return e;
	}
	if (http_chunked_done(&r->chunked))
		r->state = RS_HEAD;
	return t;
}

/* One step over @b: a prefix of it taken. Return: bytes taken or -errno */
static int resp_step(struct reflect_resp *r, struct sink *o,
		     const struct reflect_pat *pats, size_t n,
		     const uint8_t *b, size_t len, uint32_t *hits)
{
	size_t k;
	int e;

	switch (r->state) {
	case RS_HEAD:
		return resp_head(r, o, pats, n, b, len, hits);
	case RS_LENGTH:
		k = r->left < len ? (size_t)r->left : len;
		e = through(o, &r->raw, pats, n, b, k, hits);
		if (e < 0)
			return e;
		r->left -= k;
		if (!r->left)
			r->state = RS_HEAD;
		return (int)k;
	case RS_CHUNKED:
		return resp_chunked(r, o, pats, n, b, len, hits);
	default:	/* RS_CLOSE, RS_RAW: everything to the end */
		e = through(o, &r->raw, pats, n, b, len, hits);
		return e < 0 ? e : (int)len;
	}
}

int reflect_resp_feed(struct reflect_resp *r, const struct reflect_pat *pats,
		      size_t n, const uint8_t *in, size_t len, uint8_t *out,
		      size_t cap, uint32_t *hits)
{
	struct sink o = { out, 0, cap };
	size_t pos = 0;

	if (len > INT32_MAX / 2 || cap > INT32_MAX)
		return -E2BIG;
	/* Bounded: each step takes at least one byte */
	while (pos < len) {
		int t = resp_step(r, &o, pats, n, in + pos, len - pos, hits);

		if (t < 0)
			return t;
		if (t == 0)
			return -EBADMSG;
		pos += (size_t)t;
	}
	return (int)o.len;
}

int reflect_resp_body(struct reflect_resp *r, const struct reflect_pat *pats,
		      size_t n, uint8_t *b, size_t len, uint32_t *hits)
{
	size_t keep;

	if (n > REFLECT_PATS || len > INT32_MAX / 2 || r->raw.held_len ||
	    !(r->state == RS_CLOSE || r->state == RS_RAW ||
	      (r->state == RS_LENGTH && r->left >= len)))
		return -EAGAIN;
	/* As reflect_stream_feed() with nothing held, where the bytes lie */
	replace_all(b, len, pats, n, hits);
	keep = hold_len(b, len, pats, n);
	memcpy(r->raw.held, b + len - keep, keep);
	r->raw.held_len = keep;
	if (r->state == RS_LENGTH) {
		r->left -= len;
		if (!r->left)
			r->state = RS_HEAD;
	}
	return (int)(len - keep);
}

int reflect_resp_end(struct reflect_resp *r, const struct reflect_pat *pats,
		     size_t n, uint8_t *out, size_t cap)
{
	struct sink o = { out, 0, cap };
	int e = flush_to(&o, &r->data, pats, n);

	if (e >= 0)
		e = flush_to(&o, &r->raw, pats, n);
	return e < 0 ? e : (int)o.len;
}

/* SPDX-License-Identifier: MIT */
/*
 * reflect.h - real values sent back by a bound host, replaced by their
 * placeholders before the jail reads them (reflect.c); used by the
 * interception processes (answers.c, h2.c)
 */
#ifndef FWD_REFLECT_H
#define FWD_REFLECT_H

#include "jail.h"
#include "fwd/fwd.h"

/* ---------------------------------------------------------------------
 * reflect.c: real values sent back by a bound host, replaced
 * ------------------------------------------------------------------- */

/* Bytes of a pattern: a value, or the base64 of one */
#define REFLECT_PAT_MAX ((size_t)4 * ((SECRETS_VALUE_MAX + 4) / 3))
#define REFLECT_HOLD_MAX (REFLECT_PAT_MAX - 1)	/* bytes held back */
/* Per secret: its value, and its base64 at each of 3 alignments */
#define REFLECT_PATS ((size_t)4 * JAIL_MAX_SECRETS)
#define REFLECT_HEAD_MAX (4 * HTTP_HEAD_MAX)	/* a response's head */
#define REFLECT_REQS 64		/* requests awaiting their answers */
#define REFLECT_MASK_MIN 8	/* a held start longer than this is masked */

/* One value to replace, by @to: as many bytes */
struct reflect_pat {
	const uint8_t *from;
	const uint8_t *to;
	size_t len;
	unsigned int secret;	/* its index in the secrets */
};

/* A matcher over one stream: the bytes it holds back; zero it to start */
struct reflect_stream {
	size_t held_len;
	uint8_t held[REFLECT_HOLD_MAX];
};

/* What the patterns of reflect_make_pats() point into */
struct reflect_store {
	/* Packed one after the other: a connection's few patterns fill a
	 * page or two, not one page each */
	uint8_t bytes[2 * REFLECT_PATS * REFLECT_PAT_MAX];
};

/**
 * reflect_make_pats() - The values bound to this host, and their masks
 * @subs:	the secrets; those with a @value are bound here
 * @n:		how many
 * @pats:	result, at most REFLECT_PATS
 * @st:		storage of the patterns and their replacements
 *
 * Per value: the value itself, replaced by its placeholder cut to the
 * value's length; and its base64 (a "Basic" credential quoted back) at
 * each of the 3 alignments a value can have in an encoded string: the
 * characters that the value's bits alone make, replaced by those the
 * placeholder makes at the same place (the one or two characters at each
 * end, which mix in the neighbouring bytes, stay: a few bits of the
 * value's first and last byte).
 *
 * Return: how many patterns
 */
size_t reflect_make_pats(const struct secrets_sub *subs, size_t n,
			 struct reflect_pat *pats, struct reflect_store *st);

/**
 * reflect_stream_feed() - Replace the values in the next bytes of a stream
 * @st:		the stream's state
 * @pats:	the values, @n of them (at most REFLECT_PATS)
 * @in:		the next bytes; untrusted (from a bound host)
 * @len:	how many
 * @out:	the bytes to send on: what @st held before, then @in, every
 *		whole value replaced, less the end that could begin one
 * @cap:	its size, at least @st's held bytes + @len
 * @hits:	bit i set when secret i's value was replaced
 *
 * The output is as long as what it stands for: a value's replacement is
 * as long as the value.
 *
 * Return: bytes written to @out, -E2BIG (@cap) or -EINVAL
 */
int reflect_stream_feed(struct reflect_stream *st,
			const struct reflect_pat *pats, size_t n,
			const uint8_t *in, size_t len, uint8_t *out,
			size_t cap, uint32_t *hits);

/**
 * reflect_stream_flush() - The stream ended: the bytes held, masked
 * @st:		the stream's state, empty afterwards
 * @pats:	the values, @n of them
 * @out:	result: the held bytes; when more than REFLECT_MASK_MIN, the
 *		beginning of a value they are replaced by its replacement's
 * @cap:	its size
 *
 * Return: bytes written, -E2BIG or -EINVAL
 */
int reflect_stream_flush(struct reflect_stream *st,
			 const struct reflect_pat *pats, size_t n,
			 uint8_t *out, size_t cap);

/* The responses of one HTTP/1.1 connection; zero it to start */
struct reflect_resp {
	enum { RS_HEAD, RS_LENGTH, RS_CHUNKED, RS_CLOSE, RS_RAW } state;
	unsigned int status;	/* of the last head */
	bool is_encoded;	/* its body is coded (not identity, chunked) */
	uint64_t left;		/* RS_LENGTH */
	struct http_chunked chunked;
	bool is_head[REFLECT_REQS];	/* the requests sent: HEAD? */
	size_t first_req, n_reqs;
	/* Before the buffers: every answer writes it, while @head's pages
	 * (right after @data's) can be given back once it is 0 */
	size_t head_len;
	struct reflect_stream raw;	/* heads, bodies, trailers */
	struct reflect_stream data;	/* chunk data alone */
	uint8_t head[REFLECT_HEAD_MAX];	/* a head until its blank line */
};

/* A request was sent on the connection. Return: 0, -E2BIG (too many
 * awaiting their answers) */
int reflect_resp_request(struct reflect_resp *r, bool is_head);

/**
 * reflect_parse_status() - The status code of a response head
 * @head:	"HTTP/1.x SSS ..."; untrusted
 * @len:	its length
 * @status:	result, 100..999
 *
 * Return: 0 or -EBADMSG
 */
int reflect_parse_status(const uint8_t *head, size_t len,
			 unsigned int *status);

/* Bytes reflect_resp_feed() may write for @len bytes in */
#define REFLECT_OUT_MAX(len) \
	(5 * (len) + 2 * REFLECT_HOLD_MAX + REFLECT_HEAD_MAX + 64)

/**
 * reflect_resp_feed() - The next bytes of a connection's responses
 * @r:		the connection's state
 * @pats:	the values, @n of them
 * @in:		bytes from the bound host; untrusted
 * @len:	how many
 * @out:	what goes to the jail: heads held to their blank line, every
 *		value replaced (also where chunk framing cuts it), chunked
 *		bodies re-chunked
 * @cap:	its size, REFLECT_OUT_MAX(@len)
 * @hits:	bit i set when secret i's value was replaced
 *
 * Return: bytes written to @out; -EBADMSG (framing it cannot follow),
 * -ENOTSUP (a body with a content or transfer coding: its head not sent),
 * -E2BIG
 */
int reflect_resp_feed(struct reflect_resp *r, const struct reflect_pat *pats,
		      size_t n, const uint8_t *in, size_t len, uint8_t *out,
		      size_t cap, uint32_t *hits);

/**
 * reflect_resp_body() - Body bytes put out of sight where they lie
 * @r:		the connection's responses so far
 * @pats:	reflect_make_pats()'s patterns
 * @n:		how many
 * @b:		bytes from the bound host (untrusted), changed in place
 * @len:	how many
 * @hits:	bit i set when secret i's value was replaced
 *
 * For bytes wholly inside a Content-Length body (or one that runs to the
 * close) with nothing held before them: every value in @b replaced, the
 * end that could begin one held in @r, as reflect_resp_feed() would
 * leave them, without copying them out.
 *
 * Return: how many of @b's first bytes go to the jail as they now are,
 * or -EAGAIN when @b is not such a stretch (reflect_resp_feed() takes it)
 */
int reflect_resp_body(struct reflect_resp *r, const struct reflect_pat *pats,
		      size_t n, uint8_t *b, size_t len, uint32_t *hits);

/* The server closed: what the matchers held, masked. Return: as above */
int reflect_resp_end(struct reflect_resp *r, const struct reflect_pat *pats,
		     size_t n, uint8_t *out, size_t cap);

#endif /* FWD_REFLECT_H */

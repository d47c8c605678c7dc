/* SPDX-License-Identifier: MIT */
/*
 * h2.h - HTTP/2 through interception, shared by h2.c (the two sessions
 * bridged) and h2req.c (a request judged as HTTP/1.1)
 */
#ifndef FWD_H2_H
#define FWD_H2_H

#include <nghttp2/nghttp2.h>

#include "fwd/icpt.h"

#define H2_STREAMS 100			/* streams at once */
#define H2_WINDOW (1 << 18)		/* per stream, each way */
#define H2_CONN_WINDOW (1 << 22)	/* per connection, each way */
#define H2_HDR_BYTES (1 << 16)		/* a header list's names and values */
#define H2_HDR_MAX 200			/* its fields */
#define H2_BUF_MAX (H2_WINDOW + REFLECT_HOLD_MAX + 1024)
#define H2_OUT (1 << 16)		/* frames gathered before a write */

/* A header list as it came: offsets into @b */
struct h2_hdrs {
	size_t n, used;
	struct { uint32_t name, name_len, value, value_len; } f[H2_HDR_MAX];
	uint8_t *b;			/* H2_HDR_BYTES, on first use */
};

/* Bytes for one side, not yet taken by its session */
struct h2_buf {
	uint8_t *b;			/* H2_BUF_MAX, on first use */
	size_t off, len;
	bool is_eof;			/* nothing more after these */
};

/* One stream: the jail's @jid, the host's @uid */
struct h2s {
	bool is_used;
	bool is_refused;		/* answered here, not by the host */
	bool has_final;			/* the host's final head came */
	bool jail_closed, up_closed;
	int32_t jid, uid;
	struct h2_hdrs req, resp;	/* the head being received */
	struct h2_hdrs up_tr, down_tr;	/* trailers, sent after the data */
	bool has_up_tr, has_down_tr;
	struct h2_buf up, down;		/* request and response bodies */
	struct secrets_stream scan;	/* the request body searched */
	struct reflect_stream refl;	/* the response body's matcher */
};

/* Frames gathered for one side (h2_gather()) */
struct h2_out {
	size_t len;
	uint8_t b[H2_OUT];
};

struct h2 {
	struct icpt *ic;
	nghttp2_session *jail, *up;
	bool up_gone;
	struct h2s s[H2_STREAMS];
	struct h2_out jout, uout;	/* to the jail, to the host */
	uint8_t rbuf[ICPT_BUF];
	uint8_t head[HTTP_HEAD_MAX + 64];	/* a request as HTTP/1.1 */
	struct http_head req_head;		/* its parse (h2_request()) */
	nghttp2_nv nv[H2_HDR_MAX + 8];		/* as sent upstream */
};

/* Is field @i of @h named @name? */
bool h2_is(const struct h2_hdrs *h, size_t i, const char *name);

/* The value of @name in @h, or NULL (@len set) */
const uint8_t *h2_get(const struct h2_hdrs *h, const char *name,
		      size_t *len);

/* Wipe and free a header list */
void h2_hdrs_free(struct h2_hdrs *h);

/* The request body's bytes for the host's session (a data provider) */
ssize_t h2_read_up(nghttp2_session *ses, int32_t id, uint8_t *out,
		   size_t len, uint32_t *flags, nghttp2_data_source *src,
		   void *user);

/* Answer @s here with @status and "jail: WHY"; the host never sees it */
void h2_answer(struct h2 *x, struct h2s *s, const char *status,
	       const char *why);

/*
 * The request's header list @h as the HTTP/1.1 head it stands for, in
 * @out (@cap bytes): ":authority" is its Host (a Host field too must say
 * the same), and a body without Content-Length is framed as chunked, so
 * that reqcheck_judge() sees what an HTTP/1.1 server would. Pure.
 * Return: its length, -EBADMSG (pseudo-fields missing) or -E2BIG
 */
int h2_req_head(const struct h2_hdrs *h, bool has_body, uint8_t *out,
		size_t cap, char *method, size_t method_len, bool *is_te);

/*
 * The rewritten head @o (@len bytes, CRLF lines, as secrets.c writes it)
 * as the header list for the host, in @nv (at least H2_HDR_MAX + 8; names
 * lowercased in place, hop-by-hop fields left out). Pure.
 * Return: the number of fields
 */
size_t h2_head_nv(uint8_t *o, size_t len, const char *method,
		  const char *authority, bool is_te, bool is_secret,
		  nghttp2_nv *nv);

/*
 * The jail's request head on @s is complete (@has_body: DATA follows):
 * judge it as HTTP/1.1, then send it to the host or answer it here
 */
void h2_request(struct h2 *x, struct h2s *s, bool has_body);

#endif /* FWD_H2_H */

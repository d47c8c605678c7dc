// SPDX-License-Identifier: MIT
/*
 * http.c - HTTP/1.x request heads from inside the jail (RFC 9110, 9112)
 *
 * When a connection carries no TLS, the forwarder takes the destination
 * from the Host header. The bytes come from the jailed command, so the
 * parser is strict wherever two HTTP implementations could disagree about
 * where a header ends or which host is meant: no obs-fold, no bare CR, no
 * whitespace before a colon, one Host header, and an absolute-form target
 * must name the same host as the Host header.
 *
 * For requests whose body the forwarder follows (TLS interception), it
 * also reads Content-Length and Transfer-Encoding, and the chunked
 * framing of a body, byte by byte: whatever two servers could read as
 * different request boundaries is refused.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "jail.h"
#include "parse/parse.h"

#define HTTP_PORT_TEXT_MAX 8	/* "65535" and slack */

/*
 * Split the next line off @c, without its LF or CRLF. A CR elsewhere is
 * left in the line for the caller's character checks to refuse.
 *
 * Return: 0, or -EAGAIN when @c holds no complete line
 */
static int cur_line(struct cursor *c, struct cursor *line)
{
	const uint8_t *lf = memchr(c->p, '\n', c->left);
	size_t n;

	if (!lf)
		return -EAGAIN;
	n = (size_t)(lf - c->p);
	line->p = c->p;
	line->left = n && lf[-1] == '\r' ? n - 1 : n;
	return cur_skip(c, n + 1);
}

/* tchar (RFC 9110 5.6.2) */
static bool is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

/* field-vchar, SP or HTAB: what a field value may hold */
static bool is_value_char(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Split a token ending at @stop (consumed) off @c; Return: its length */
static size_t take_until(struct cursor *c, uint8_t stop, struct cursor *tok)
{
	const uint8_t *at = memchr(c->p, stop, c->left);
	size_t n = at ? (size_t)(at - c->p) : c->left;

	tok->p = c->p;
	tok->left = n;
	c->p += n;
	c->left -= n;
	if (at)
		cur_skip(c, 1);
	return n;
}

/* METHOD SP TARGET SP HTTP/1.x */
static int parse_request_line(struct cursor *line, struct http_head *h)
{
	struct cursor method, target;
	size_t i;

	if (!take_until(line, ' ', &method) ||
	    method.left >= sizeof(h->method))
		return -EBADMSG;
	for (i = 0; i < method.left; i++)
		if (!is_tchar(method.p[i]))
			return -EBADMSG;
	memcpy(h->method, method.p, method.left);

	if (!take_until(line, ' ', &target))
		return -EBADMSG;
	for (i = 0; i < target.left; i++)
		if (target.p[i] <= 0x20 || target.p[i] >= 0x7f)
			return -EBADMSG;
	if (target.left >= sizeof(h->target))
		return -E2BIG;
	memcpy(h->target, target.p, target.left);

	if (line->left != 8 || memcmp(line->p, "HTTP/1.", 7) ||
	    (line->p[7] != '0' && line->p[7] != '1'))
		return -EBADMSG;
	h->version_minor = (unsigned int)(line->p[7] - '0');
	return 0;
}

/*
 * uri-host [":" port] (RFC 9110 7.2): a host name, an IPv4 literal, or an
 * IPv6 literal in brackets, stored without them. An empty port means none
 * (@port 0).
 */
static int parse_authority(const uint8_t *s, size_t len, char *host,
			   size_t host_len, uint16_t *port)
{
	char text[INET6_ADDRSTRLEN];
	unsigned long long v;
	uint8_t addr[16];
	size_t n, i;

	if (len && s[0] == '[') {
		const uint8_t *close = memchr(s, ']', len);

		n = close ? (size_t)(close - s - 1) : 0;
		if (!n || n >= sizeof(text) || n >= host_len)
			return -EBADMSG;
		memcpy(text, s + 1, n);
		text[n] = '\0';
		if (inet_pton(AF_INET6, text, addr) != 1)
			return -EBADMSG;
		for (i = 0; i <= n; i++) {
			host[i] = text[i];
			if (text[i] >= 'A' && text[i] <= 'F')
				host[i] = (char)(text[i] - 'A' + 'a');
		}
		n += 2;
	} else {
		const uint8_t *colon = memchr(s, ':', len);
		int err;

		n = colon ? (size_t)(colon - s) : len;
		err = policy_normalize_name((const char *)s, n, host,
					    host_len);
		if (err < 0)
			return -EBADMSG;
	}
	*port = 0;
	if (n == len)
		return 0;
	if (s[n] != ':' || len - n - 1 >= HTTP_PORT_TEXT_MAX)
		return -EBADMSG;
	if (len - n == 1)
		return 0;
	memcpy(text, s + n + 1, len - n - 1);
	text[len - n - 1] = '\0';
	if (parse_uint(text, 1, 65535, &v))
		return -EBADMSG;
	*port = (uint16_t)v;
	return 0;
}

/*
 * field-name ":" OWS field-value OWS. Return: 0 with @name and @value
 * split off, or -EBADMSG (obs-fold, space before the colon, bad bytes)
 */
static int split_field(struct cursor *line, struct cursor *name,
		       struct cursor *value)
{
	size_t i;

	if (!memchr(line->p, ':', line->left) || !take_until(line, ':', name))
		return -EBADMSG;
	for (i = 0; i < name->left; i++)
		if (!is_tchar(name->p[i]))
			return -EBADMSG;
	for (i = 0; i < line->left; i++)
		if (!is_value_char(line->p[i]))
			return -EBADMSG;
	while (line->left && is_ows(line->p[0]))
		cur_skip(line, 1);
	while (line->left && is_ows(line->p[line->left - 1]))
		line->left--;
	*value = *line;
	return 0;
}

static bool name_is(const struct cursor *name, const char *want)
{
	size_t n = strlen(want);

	return name->left == n && !strncasecmp((const char *)name->p, want, n);
}

static int parse_header(struct cursor *line, struct http_head *h)
{
	struct cursor name, value;
	int err;

	err = split_field(line, &name, &value);
	if (err || !name_is(&name, "host"))
		return err;
	if (h->has_host || !value.left)
		return -EBADMSG;
	err = parse_authority(value.p, value.left, h->host, sizeof(h->host),
			      &h->host_port);
	if (err)
		return err;
	h->has_host = true;
	return 0;
}

/*
 * An absolute-form target ("http://host/path") names the host the origin
 * server will act on. It must agree with the Host header, or stand in for
 * one, so that the name checked is the name used.
 */
static int check_absolute_target(struct http_head *h)
{
	static const struct {
		const char *scheme;
		uint16_t port;
	} schemes[] = { { "http://", 80 }, { "https://", 443 } };
	char host[sizeof(h->host)];
	const char *auth = NULL;
	uint16_t port, dflt = 0;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(schemes) && !auth; i++) {
		n = strlen(schemes[i].scheme);
		if (!strncasecmp(h->target, schemes[i].scheme, n)) {
			auth = h->target + n;
			dflt = schemes[i].port;
		}
	}
	if (!auth)
		return 0;
	n = strcspn(auth, "/?#");
	if (memchr(auth, '@', n) ||
	    parse_authority((const uint8_t *)auth, n, host, sizeof(host),
			    &port))
		return -EBADMSG;
	if (!h->has_host) {
		memcpy(h->host, host, sizeof(host));
		h->host_port = port;
		h->has_host = true;
		return 0;
	}
	if (strcmp(host, h->host) ||
	    (port ? port : dflt) != (h->host_port ? h->host_port : dflt))
		return -EBADMSG;
	return 0;
}

/*
 * While the request line is incomplete, refuse early what cannot become
 * one: the method must be a short token, so a TLS record or SSH banner is
 * rejected on its first bytes.
 */
static int check_partial_method(const uint8_t *buf, size_t len)
{
	const size_t max = sizeof(((struct http_head *)NULL)->method) - 1;
	size_t i;

	for (i = 0; i < len && buf[i] != ' '; i++)
		if (!is_tchar(buf[i]) || i >= max)
			return -EBADMSG;
	return -EAGAIN;
}

int http_parse_head(const uint8_t *buf, size_t len, struct http_head *h)
{
	struct cursor c = { buf, len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX };
	struct cursor line;
	size_t n_headers = 0;
	int err;

	memset(h, 0, sizeof(*h));
	err = cur_line(&c, &line);
	if (err) {
		err = check_partial_method(buf, c.left);
		return err == -EAGAIN && len >= HTTP_HEAD_MAX ? -E2BIG : err;
	}
	err = parse_request_line(&line, h);
	while (!err) {
		err = cur_line(&c, &line);
		if (err)
			err = len >= HTTP_HEAD_MAX ? -E2BIG : -EAGAIN;
		else if (!line.left)
			break;
		else if (++n_headers > HTTP_MAX_HEADERS)
			err = -E2BIG;
		else
			err = parse_header(&line, h);
	}
	if (!err)
		err = check_absolute_target(h);
	if (err) {
		memset(h, 0, sizeof(*h));
		return err;
	}
	h->head_len = (size_t)(c.p - buf);
	return 0;
}

void http_header_tokens(const uint8_t *head, size_t head_len,
			const char *name, const char *tok,
			struct http_tokens *out)
{
	size_t off = 0, vlen = 0, start = 0, tl = strlen(tok);

	memset(out, 0, sizeof(*out));
	while (!http_find_header(head, head_len, name, &off, &vlen, start)) {
		const uint8_t *v = head + off;
		size_t i = 0;

		start = off + vlen;
		while (i < vlen) {
			size_t k = i, e;

			while (k < vlen && v[k] != ',')
				k++;
			e = k;
			while (i < e && is_ows(v[i]))
				i++;
			while (e > i && is_ows(v[e - 1]))
				e--;
			if (e > i) {
				bool eq = e - i == tl &&
					  !strncasecmp((const char *)v + i,
						       tok, tl);

				out->is_any |= eq;
				out->is_last = eq;
				out->is_other |= !eq;
			}
			i = k + 1;
		}
	}
}

int http_find_header(const uint8_t *head, size_t head_len, const char *name,
		     size_t *val_off, size_t *val_len, size_t start)
{
	struct cursor c = { head, head_len }, line, field, value;

	if (start > head_len)
		return -EINVAL;
	/* Skip the request line, or the rest of the previous match's line */
	cur_skip(&c, start);
	if (cur_line(&c, &line))
		return -ENOENT;
	while (!cur_line(&c, &line) && line.left) {
		if (split_field(&line, &field, &value))
			return -EBADMSG;
		if (name_is(&field, name)) {
			*val_off = (size_t)(value.p - head);
			*val_len = value.left;
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- request bodies: Content-Length and chunked framing ------------- */

#define HTTP_LENGTH_DIGITS 18	/* < 10^18: no overflow in 64 bits */

/*
 * Content-Length (RFC 9110 8.6): 1DIGIT, nothing else. A list ("5, 5")
 * is refused rather than collapsed.
 */
static int parse_length(const uint8_t *v, size_t len, uint64_t *out)
{
	uint64_t n = 0;

	if (!len || len > HTTP_LENGTH_DIGITS)
		return -EBADMSG;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = n;
	return 0;
}

/* How many @name headers @head holds, the last one's value in @off/@len */
static int count_header(const uint8_t *head, size_t head_len,
			const char *name, size_t *off, size_t *len)
{
	size_t start = 0, o, l;
	int n = 0, r;

	/* Each match lies further on: at most HTTP_MAX_HEADERS rounds */
	while ((r = http_find_header(head, head_len, name, &o, &l, start)) ==
	       0) {
		if (++n > HTTP_MAX_HEADERS)
			return -EBADMSG;
		*off = o;
		*len = l;
		start = o + l;
	}
	return r == -ENOENT ? n : r;
}

int http_request_framing(const uint8_t *head, size_t head_len,
			 const struct http_head *h, struct http_framing *fr)
{
	size_t cl_off = 0, cl_len = 0, te_off = 0, te_len = 0;
	int n_cl = count_header(head, head_len, "content-length", &cl_off,
				&cl_len);
	int n_te = count_header(head, head_len, "transfer-encoding", &te_off,
				&te_len);

	memset(fr, 0, sizeof(*fr));
	if (n_cl < 0 || n_te < 0)
		return -EBADMSG;
	/* RFC 9112 6.1: both at once is how requests are smuggled */
	if (n_cl > 1 || (n_cl && n_te))
		return -EBADMSG;
	if (n_te) {
		/* Only "chunked", once: any other coding's end is unknown */
		if (n_te > 1 || h->version_minor == 0 || te_len != 7 ||
		    strncasecmp((const char *)head + te_off, "chunked", 7))
			return -ENOTSUP;
		fr->is_chunked = true;
		return 0;
	}
	if (n_cl)
		return parse_length(head + cl_off, cl_len, &fr->length);
	return 0;
}

enum {
	CH_SIZE,	/* hex digits of chunk-size */
	CH_EXT,		/* after ';': chunk extensions up to CR */
	CH_SIZE_LF,	/* CR seen after the size line */
	CH_DATA,
	CH_DATA_CR,	/* CRLF after the data */
	CH_DATA_LF,
	CH_TRAILER,	/* start of a trailer line, or the final CRLF */
	CH_TRAILER_LINE,
	CH_TRAILER_LF,
	CH_END_LF,	/* CR of the final empty line seen */
	CH_DONE,
};

/* One framing byte @c. Return: 0 or -EBADMSG */
static int chunked_byte(struct http_chunked *st, uint8_t c)
{
	int d;

	switch (st->state) {
	case CH_SIZE:
		d = hex_digit(c);
		if (d >= 0) {
			if (++st->line_len > HTTP_CHUNK_DIGITS)
				return -EBADMSG;
			st->left = st->left << 4 | (uint64_t)d;
			return 0;
		}
		if (!st->line_len)
			return -EBADMSG;
		if (c == ';') {
			st->state = CH_EXT;
			return 0;
		}
		if (c != '\r')
			return -EBADMSG;
		st->state = CH_SIZE_LF;
		return 0;
	case CH_EXT:
		if (c == '\r') {
			st->state = CH_SIZE_LF;
			return 0;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f ||
		    ++st->line_len > HTTP_CHUNK_LINE_MAX)
			return -EBADMSG;
		return 0;
	case CH_SIZE_LF:
		if (c != '\n')
			return -EBADMSG;
		st->line_len = 0;
		st->state = st->left ? CH_DATA : CH_TRAILER;
		return 0;
	case CH_DATA_CR:
		if (c != '\r')
			return -EBADMSG;
		st->state = CH_DATA_LF;
		return 0;
	case CH_DATA_LF:
		if (c != '\n')
			return -EBADMSG;
		st->state = CH_SIZE;
		return 0;
	case CH_TRAILER:
		if (c == '\r') {
			st->state = CH_END_LF;
			return 0;
		}
		if (++st->n_trailers > HTTP_MAX_HEADERS)
			return -EBADMSG;
		st->state = CH_TRAILER_LINE;
		st->line_len = 0;
		/* The first byte of a field name: tchar */
		return is_tchar(c) ? 0 : -EBADMSG;
	case CH_TRAILER_LINE:
		if (c == '\r') {
			st->state = CH_TRAILER_LF;
			return 0;
		}
		if (!is_value_char(c) || ++st->line_len > HTTP_HEAD_MAX)
			return -EBADMSG;
		return 0;
	case CH_TRAILER_LF:
		if (c != '\n')
			return -EBADMSG;
		st->state = CH_TRAILER;
		return 0;
	case CH_END_LF:
		if (c != '\n')
			return -EBADMSG;
		st->state = CH_DONE;
		return 0;
	default:
		return -EBADMSG;
	}
}

int http_chunked_feed(struct http_chunked *st, const uint8_t *buf,
		      size_t len, size_t *data_len)
{
	size_t i = 0;

	*data_len = 0;
	if (st->state == CH_DONE)
		return 0;
	if (st->state == CH_DATA) {
		size_t n = st->left < len ? (size_t)st->left : len;

		if (n > INT32_MAX)
			n = INT32_MAX;
		st->left -= n;
		if (!st->left)
			st->state = CH_DATA_CR;
		*data_len = n;
		return (int)(n > INT32_MAX ? INT32_MAX : n);
	}
	/* Framing bytes up to the next data, the end, or INT32_MAX */
	while (i < len && i < INT32_MAX && st->state != CH_DATA &&
	       st->state != CH_DONE) {
		if (st->state == CH_SIZE && !st->line_len)
			st->left = 0;
		if (chunked_byte(st, buf[i]) < 0)
			return -EBADMSG;
		i++;
	}
	return (int)i;
}

bool http_chunked_done(const struct http_chunked *st)
{
	return st->state == CH_DONE;
}

bool http_chunked_in_data(const struct http_chunked *st)
{
	return st->state == CH_DATA;
}

bool http_chunked_in_trailer(const struct http_chunked *st)
{
	return st->state >= CH_TRAILER && st->state <= CH_END_LF;
}

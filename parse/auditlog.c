// SPDX-License-Identifier: MIT
/*
 * auditlog.c - reading an audit log back: one flat JSON object per line
 *
 * Trust: the log file is the user's, but anything may have been appended
 * to it, so a line is parsed like bytes from the network: through a
 * bounded cursor, strings unescaped into the event's own buffer (at most
 * AUDIT_LINE_MAX bytes), at most AUDIT_EVENT_MAX_FIELDS members. It takes
 * back only what audit.c writes: strings and integers.
 */
#include <limits.h>

#include "jail.h"
#include "parse/parse.h"

/* ------------------------------------------------------------------ */
/* Reading: a flat JSON object of strings and integers                 */

struct reader {
	struct cursor in;
	char *buf;		/* unescaped strings go here */
	size_t buf_len;
	size_t used;
};

static void skip_ws(struct cursor *c)
{
	while (c->left && (c->p[0] == ' ' || c->p[0] == '\t' ||
			   c->p[0] == '\r' || c->p[0] == '\n'))
		cur_skip(c, 1);
}

static int emit(struct reader *r, const void *s, size_t n)
{
	if (r->buf_len - r->used < n)
		return -E2BIG;
	memcpy(r->buf + r->used, s, n);
	r->used += n;
	return 0;
}

static int hex4(struct cursor *c, unsigned int *v)
{
	uint8_t ch;
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (cur_u8(c, &ch))
			return -EBADMSG;
		if (ch >= '0' && ch <= '9')
			*v = *v << 4 | (unsigned int)(ch - '0');
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			*v = *v << 4 | (unsigned int)((ch | 0x20) - 'a' + 10);
		else
			return -EBADMSG;
	}
	return 0;
}

/* \uXXXX, with a following \uXXXX when it is a surrogate pair */
static int unescape_u(struct reader *r)
{
	unsigned int cp, lo;
	struct cursor peek;
	char enc[4];
	size_t n;

	if (hex4(&r->in, &cp))
		return -EBADMSG;
	if (!cp)
		return -EBADMSG;	/* no NUL inside C strings */
	if (cp >= 0xd800 && cp <= 0xdbff) {
		peek = r->in;
		if (peek.left >= 6 && peek.p[0] == '\\' && peek.p[1] == 'u' &&
		    !cur_skip(&peek, 2) && !hex4(&peek, &lo) && lo >= 0xdc00 &&
		    lo <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			r->in = peek;
		} else {
			cp = 0xfffd;
		}
	} else if (cp >= 0xdc00 && cp <= 0xdfff) {
		cp = 0xfffd;
	}
	if (cp < 0x80) {
		enc[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		enc[0] = (char)(0xc0 | cp >> 6);
		enc[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		enc[0] = (char)(0xe0 | cp >> 12);
		enc[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		enc[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		enc[0] = (char)(0xf0 | cp >> 18);
		enc[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		enc[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		enc[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return emit(r, enc, n);
}

static int unescape_one(struct reader *r)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at;
	uint8_t ch;

	if (cur_u8(&r->in, &ch))
		return -EBADMSG;
	if (ch == 'u')
		return unescape_u(r);
	at = ch ? strchr(from, ch) : NULL;
	if (!at)
		return -EBADMSG;
	return emit(r, &to[at - from], 1);
}

/* A JSON string at the cursor, copied into the buffer with its NUL */
static int read_string(struct reader *r, const char **out)
{
	size_t start = r->used;
	uint8_t ch;
	int err;

	if (cur_u8(&r->in, &ch) || ch != '"')
		return -EBADMSG;
	for (;;) {
		size_t n;

		if (!r->in.left)
			return -EBADMSG;
		ch = r->in.p[0];
		if (ch == '"')
			break;
		if (ch == '\\') {
			cur_skip(&r->in, 1);
			err = unescape_one(r);
		} else {
			n = ch < 0x20 ? 0 : utf8_len(r->in.p, r->in.left);
			if (!n)
				return -EBADMSG;
			err = emit(r, r->in.p, n);
			cur_skip(&r->in, n);
		}
		if (err)
			return err;
	}
	cur_skip(&r->in, 1);
	err = emit(r, "", 1);
	if (err)
		return err;
	*out = r->buf + start;
	return 0;
}

/* -?(0|[1-9][0-9]*) within long long */
static int read_int(struct cursor *c, long long *v)
{
	unsigned long long mag = 0, limit = LLONG_MAX;
	bool neg = false;
	size_t digits = 0;

	if (c->left && c->p[0] == '-') {
		neg = true;
		limit += 1;
		cur_skip(c, 1);
	}
	while (c->left && c->p[0] >= '0' && c->p[0] <= '9') {
		unsigned int d = (unsigned int)(c->p[0] - '0');

		if (digits == 1 && mag == 0)
			return -EBADMSG;	/* leading zero */
		if (mag > (limit - d) / 10)
			return -EBADMSG;
		mag = mag * 10 + d;
		digits++;
		cur_skip(c, 1);
	}
	if (!digits)
		return -EBADMSG;
	if (c->left && (c->p[0] == '.' || c->p[0] == 'e' || c->p[0] == 'E'))
		return -EBADMSG;
	*v = neg ? (long long)(0 - mag) : (long long)mag;
	return 0;
}

static bool key_seen(const struct audit_event *ev, const char *key)
{
	size_t i;

	if (!strcmp(key, "ts"))
		return ev->ts;
	if (!strcmp(key, "jail"))
		return ev->jail;
	if (!strcmp(key, "event"))
		return ev->event;
	for (i = 0; i < ev->n_fields; i++)
		if (!strcmp(ev->f[i].key, key))
			return true;
	return false;
}

static int read_member(struct reader *r, struct audit_event *ev)
{
	struct audit_field fld = { .type = AUDIT_STR };
	uint8_t ch;
	int err;

	err = read_string(r, &fld.key);
	if (err)
		return err;
	/* audit_format() refuses an empty key: never take one back */
	if (!fld.key[0] || key_seen(ev, fld.key))
		return -EBADMSG;
	skip_ws(&r->in);
	if (cur_u8(&r->in, &ch) || ch != ':')
		return -EBADMSG;
	skip_ws(&r->in);
	if (!r->in.left)
		return -EBADMSG;
	if (r->in.p[0] == '"') {
		err = read_string(r, &fld.s);
	} else {
		fld.type = AUDIT_INT;
		err = read_int(&r->in, &fld.i);
	}
	if (err)
		return err;
	if (audit_is_reserved_key(fld.key)) {
		const char **slot = !strcmp(fld.key, "ts")	? &ev->ts :
				    !strcmp(fld.key, "jail") ? &ev->jail :
							       &ev->event;

		if (fld.type != AUDIT_STR)
			return -EBADMSG;
		*slot = fld.s;
		return 0;
	}
	if (ev->n_fields == AUDIT_EVENT_MAX_FIELDS)
		return -E2BIG;
	ev->f[ev->n_fields++] = fld;
	return 0;
}

static int read_object(struct reader *r, struct audit_event *ev)
{
	uint8_t ch;
	int err;

	skip_ws(&r->in);
	if (cur_u8(&r->in, &ch) || ch != '{')
		return -EBADMSG;
	do {
		skip_ws(&r->in);
		err = read_member(r, ev);
		if (err)
			return err;
		skip_ws(&r->in);
		if (cur_u8(&r->in, &ch) || (ch != ',' && ch != '}'))
			return -EBADMSG;
	} while (ch == ',');
	skip_ws(&r->in);
	if (r->in.left || !ev->ts || !ev->jail || !ev->event)
		return -EBADMSG;
	return 0;
}

int audit_parse_line(const char *line, size_t len, struct audit_event *ev)
{
	struct reader r = { { (const uint8_t *)line, len },
			    ev->buf,
			    sizeof(ev->buf),
			    0 };
	int err;

	memset(ev, 0, offsetof(struct audit_event, buf));
	err = read_object(&r, ev);
	if (err)
		memset(ev, 0, offsetof(struct audit_event, buf));
	return err;
}

// SPDX-License-Identifier: MIT
/*
 * audit.c - the audit log: one JSON object per line, written and read
 *
 * Values in events come from the jail (host names, paths, command lines),
 * so every string is escaped: control characters as \u00XX, invalid UTF-8
 * as \uFFFD, and over-long values are cut. A line is written with one
 * write() to an O_APPEND descriptor, so lines from the forwarder and from
 * jail itself never interleave. The reader takes back only what the
 * writer produces: a flat object of strings and integers.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

#include "jail.h"

#define AUDIT_VALUE_CUT "..."
#define AUDIT_TRUNC_CAP 64	/* value cap of the second attempt */

/*
 * Length of the well-formed UTF-8 sequence at @p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if there is none.
 */
static size_t utf8_seq_len(const uint8_t *p, size_t left)
{
	size_t n, i;
	uint8_t lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

struct out {
	char *p;
	size_t len;
	size_t used;
	bool is_full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->is_full || o->len - o->used < n) {
		o->is_full = true;
		return;
	}
	memcpy(o->p + o->used, s, n);
	o->used += n;
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A JSON string of at most @cap bytes of @s, then "..." if cut */
static void put_string(struct out *o, const char *s, size_t cap)
{
	const uint8_t *p = (const uint8_t *)s;
	/* Look a sequence past @cap so one that ends at @cap stays whole */
	size_t len = strnlen(s, cap + 4), i = 0;
	char esc[8];

	put(o, "\"", 1);
	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (i + (n ? n : 1) > cap)
			break;
		if (!n) {
			put_str(o, "\\ufffd");
			i++;
			continue;
		}
		if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)p[i];
			put(o, esc, 2);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
			put(o, esc, 6);
		} else if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
			   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			/* U+2028/9 end lines in JavaScript */
			put_str(o, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
		} else {
			put(o, s + i, n);
		}
		i += n;
	}
	if (i < len)
		put_str(o, AUDIT_VALUE_CUT);
	put(o, "\"", 1);
}

/* 2026-11-22T05:00:00.123Z, from days since 1970 (proleptic Gregorian) */
static void put_time(struct out *o, const struct timespec *ts)
{
	long long sec = (long long)ts->tv_sec, days, era, y;
	unsigned int doe, yoe, doy, mp, m, d, sod, ms;
	char text[64];
	int n;

	days = sec / 86400 - (sec % 86400 < 0);
	sod = (unsigned int)(sec - days * 86400);
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned int)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = (long long)yoe + era * 400 + (m <= 2);
	ms = ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000 ?
		     (unsigned int)(ts->tv_nsec / 1000000) :
		     0;
	n = snprintf(text, sizeof(text),
		     "\"%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ\"", y, m, d,
		     sod / 3600, sod / 60 % 60, sod % 60, ms);
	put(o, text, (size_t)n);
}

static bool is_reserved_key(const char *key)
{
	return !strcmp(key, "ts") || !strcmp(key, "jail") ||
	       !strcmp(key, "event");
}

static int check_fields(const struct audit_field *f, size_t n)
{
	size_t i, j;

	if (n > AUDIT_EVENT_MAX_FIELDS)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		/* A key is never cut: two cut keys could become one */
		if (!f[i].key || !f[i].key[0] ||
		    strnlen(f[i].key, AUDIT_VALUE_MAX + 1) > AUDIT_VALUE_MAX ||
		    is_reserved_key(f[i].key) ||
		    (f[i].type != AUDIT_STR && f[i].type != AUDIT_INT))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(f[i].key, f[j].key))
				return -EINVAL;
	}
	return 0;
}

static int format_line(char *buf, size_t buf_len, const struct timespec *ts,
		       const char *id, const char *event,
		       const struct audit_field *f, size_t n, size_t cap)
{
	struct out o = { buf, buf_len, 0, false };
	char num[32];
	size_t i;

	put_str(&o, "{\"ts\":");
	put_time(&o, ts);
	put_str(&o, ",\"jail\":");
	put_string(&o, id ? id : "", cap);
	put_str(&o, ",\"event\":");
	put_string(&o, event ? event : "", cap);
	for (i = 0; i < n; i++) {
		if (f[i].type == AUDIT_STR && !f[i].s)
			continue;
		put(&o, ",", 1);
		put_string(&o, f[i].key, AUDIT_VALUE_MAX);
		put(&o, ":", 1);
		if (f[i].type == AUDIT_STR) {
			put_string(&o, f[i].s, cap);
		} else {
			snprintf(num, sizeof(num), "%lld", f[i].i);
			put_str(&o, num);
		}
	}
	put_str(&o, "}\n");
	put(&o, "", 1);
	if (o.is_full)
		return -E2BIG;
	return (int)(o.used - 1);
}

int audit_format(char *out, size_t out_len, const struct timespec *ts,
		 const char *id, const char *event,
		 const struct audit_field *f, size_t n)
{
	int err = check_fields(f, n);

	if (err)
		return err;
	if (out_len > INT_MAX)
		out_len = INT_MAX;
	return format_line(out, out_len, ts, id, event, f, n, AUDIT_VALUE_MAX);
}

/* The log's size bound for this run (audit_set_max()); 0: none */
static unsigned long long audit_max;
static unsigned long long audit_base;	/* the file's size at the start */
#define AUDIT_MAX_RESERVE 2048	/* kept for log.truncated and exit */

void audit_set_max(int fd, unsigned long long max)
{
	struct stat st;

	audit_max = max;
	audit_base = fd >= 0 && fstat(fd, &st) == 0 ?
			     (unsigned long long)st.st_size :
			     0;
}

/*
 * The size bound: an event goes in while it fits below the reserve; the
 * first that does not is replaced by one log.truncated event (which eats
 * into the reserve, so no later event finds room), and from then on only
 * the exit event is written, in the reserve. Every writer of the log
 * (supervisor, forwarder, brokers) shares the bound through the file's
 * size; two of them crossing it at once may both write log.truncated.
 *
 * Return: true when @len bytes of @event may be written; *@cut is set
 * when log.truncated must be written instead
 */
static bool within_max(int fd, const char *event, size_t len, bool *cut)
{
	struct stat st;
	unsigned long long size;

	*cut = false;
	if (!audit_max || fstat(fd, &st) < 0)
		return true;
	size = (unsigned long long)st.st_size;
	size = size > audit_base ? size - audit_base : 0;
	if (size + len + AUDIT_MAX_RESERVE <= audit_max)
		return true;
	if (!strcmp(event, "exit"))
		return size + len <= audit_max;
	*cut = size + AUDIT_MAX_RESERVE <= audit_max;
	return false;
}

int audit_write(int fd, const char *id, const char *event,
		const struct audit_field *f, size_t n)
{
	static const struct audit_field max_field = {
		.key = "reason",
		.type = AUDIT_STR,
		.s = "the log reached its size bound (--log-max); only exit "
		     "follows",
	};
	bool is_cut = false;
	static const struct audit_field cut = { .key = "truncated",
						.type = AUDIT_INT,
						.i = 1 };
	char line[AUDIT_LINE_MAX];
	struct timespec ts;
	ssize_t w;
	int len;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -errno;
	len = audit_format(line, sizeof(line), &ts, id, event, f, n);
	/* Never lose an event to its size: shorter values, then none */
	if (len == -E2BIG && n <= AUDIT_EVENT_MAX_FIELDS)
		len = format_line(line, sizeof(line), &ts, id, event, f, n,
				  AUDIT_TRUNC_CAP);
	if (len == -E2BIG)
		len = format_line(line, sizeof(line), &ts, id, event, &cut, 1,
				  AUDIT_TRUNC_CAP);
	if (len < 0)
		return len;
	if (!within_max(fd, event, (size_t)len, &is_cut)) {
		if (!is_cut)
			return 0;
		len = audit_format(line, sizeof(line), &ts, id,
				   "log.truncated", &max_field, 1);
		if (len < 0)
			return len;
	}
	/* One write(): O_APPEND keeps concurrent writers' lines whole */
	do {
		w = write(fd, line, (size_t)len);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return w == len ? 0 : -EIO;
}

int audit_open(const char *path)
{
	char dir[PATH_MAX];
	size_t len = strnlen(path, sizeof(dir));
	int fd, flags;
	char *p;

	if (!len)
		return -EINVAL;
	if (len == sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len + 1);
	for (p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	/* O_NONBLOCK: a FIFO planted at @path must not hang jail */
	fd = open(path,
		  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
			  O_NONBLOCK,
		  0600);
	if (fd < 0)
		return -errno;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

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
			n = ch < 0x20 ? 0 : utf8_seq_len(r->in.p, r->in.left);
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
	if (is_reserved_key(fld.key)) {
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

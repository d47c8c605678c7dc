// SPDX-License-Identifier: MIT
/*
 * audit.c - the audit log: one JSON object per line, written
 *
 * Values in events come from the jail (host names, paths, command lines),
 * so every string is escaped: control characters as \u00XX, invalid UTF-8
 * as \uFFFD, and over-long values are cut. A line is written with one
 * write() to an O_APPEND descriptor, so lines from the forwarder and from
 * jail itself never interleave. parse/auditlog.c reads it back.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "jail.h"

#define AUDIT_VALUE_CUT "..."
#define AUDIT_TRUNC_CAP 64	/* value cap of the second attempt */

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
		size_t n = utf8_len(p + i, len - i);

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

static int check_fields(const struct audit_field *f, size_t n)
{
	size_t i, j;

	if (n > AUDIT_EVENT_MAX_FIELDS)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		/* A key is never cut: two cut keys could become one */
		if (!f[i].key || !f[i].key[0] ||
		    strnlen(f[i].key, AUDIT_VALUE_MAX + 1) > AUDIT_VALUE_MAX ||
		    audit_is_reserved_key(f[i].key) ||
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

/*
 * Set once log.truncated is written: shared with every process forked
 * after audit_set_max() (the forwarder, its brokers), so that of several
 * writers crossing the bound at once only one writes it
 */
static int *audit_cut_done;

void audit_set_max(int fd, unsigned long long max)
{
	struct stat st;

	if (!audit_cut_done) {
		void *p = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		audit_cut_done = p == MAP_FAILED ? NULL : p;
	}
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
 * size, and one flag in shared memory says log.truncated was written.
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
	*cut = size + AUDIT_MAX_RESERVE <= audit_max &&
	       (!audit_cut_done ||
		!__atomic_exchange_n(audit_cut_done, 1, __ATOMIC_SEQ_CST));
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

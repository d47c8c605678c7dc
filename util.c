// SPDX-License-Identifier: MIT
/*
 * util.c - error reporting, allocation, number parsing, bounded cursors
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "jail.h"

static int die_channel_fd = -1;
static const char *die_prefix;
static bool is_child;
static void (*die_cleanup)(void);

void freep(void *p)
{
	free(*(void **)p);
}

void close_fdp(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

void die_set_channel(int fd)
{
	die_channel_fd = fd;
}

void die_set_prefix(const char *prefix)
{
	die_prefix = prefix;
}

void die_set_cleanup(void (*fn)(void))
{
	die_cleanup = fn;
}

void die_in_child(void)
{
	is_child = true;
	die_cleanup = NULL;
}

/*
 * Messages are built in one buffer and written with one call, so that a
 * child's error reaches the parent as one SOCK_SEQPACKET record and a
 * line on stderr is never interleaved with another process's output.
 */
static void vreport(const char *fmt, va_list ap, int err, bool to_channel)
{
	char buf[1024];
	int n = die_prefix ? snprintf(buf, sizeof(buf), "jail: %s: ", die_prefix)
			   : snprintf(buf, sizeof(buf), "jail: ");

	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (n >= (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	if (err)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s",
			      strerror(err));
	if (n >= (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (to_channel && die_channel_fd >= 0 &&
	    send(die_channel_fd, buf, (size_t)n, MSG_NOSIGNAL) == n)
		return;
	(void)write_all(STDERR_FILENO, buf, (size_t)n);
}

static __attribute__((noreturn)) void finish(int status)
{
	if (is_child)
		_exit(status);
	if (die_cleanup) {
		void (*fn)(void) = die_cleanup;

		die_cleanup = NULL;
		fn();
	}
	exit(status);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, 0, true);
	va_end(ap);
	finish(EXIT_JAIL_FAILED);
}

void die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, err, true);
	va_end(ap);
	finish(EXIT_JAIL_FAILED);
}

void die_status(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, 0, true);
	va_end(ap);
	finish(status);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, 0, false);
	va_end(ap);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	char *p = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	return p;
}

int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		unsigned int d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = (unsigned int)(*p - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/*
 * Durations: an integer or a decimal with at most three fractional digits,
 * then an optional unit (ms, s, m, h, d); no unit means seconds, as in
 * timeout(1).
 */
int parse_duration(const char *s, unsigned long long *out_ms)
{
	static const struct {
		const char *unit;
		unsigned long long ms;
	} units[] = { { "ms", 1 },	    { "s", 1000 },	{ "", 1000 },
		      { "m", 60000 },	    { "h", 3600000 },
		      { "d", 86400000 } };
	const unsigned long long max_ms = 30ULL * 86400000;
	unsigned long long whole = 0, frac = 0, frac_div = 1, ms;
	const char *p = s;
	size_t digits = 0, i;

	if (!s)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole > max_ms)
			return -ERANGE;
		whole = whole * 10 + (unsigned long long)(*p - '0');
	}
	if (*p == '.') {
		size_t fd = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, fd++) {
			if (fd >= 3)
				return -EINVAL;
			frac = frac * 10 + (unsigned long long)(*p - '0');
			frac_div *= 10;
		}
		if (!fd)
			return -EINVAL;
		digits += fd;
	}
	if (!digits)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(p, units[i].unit))
			break;
	if (i == ARRAY_SIZE(units))
		return -EINVAL;
	if (whole > max_ms)
		return -ERANGE;
	ms = whole * units[i].ms + frac * units[i].ms / frac_div;
	if (ms < 1 || ms > max_ms)
		return -ERANGE;
	*out_ms = ms;
	return 0;
}

int mkdir_parents(const char *path, mode_t mode)
{
	autofree char *p = NULL;

	/* At every start after the first, all of it exists: one call */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		{
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return -errno;
			*s = c;
		}
		if (!*s)
			break;
	}
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int copy_fd(int in, int out, uint64_t max)
{
	char buf[65536];
	uint64_t total = 0;

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		int err;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		total += (uint64_t)n;
		if (total > max)
			return -EFBIG;
		err = write_all(out, buf, (size_t)n);
		if (err < 0)
			return err;
	}
}

int cur_u8(struct cursor *c, uint8_t *v)
{
	if (c->left < 1)
		return -EBADMSG;
	*v = c->p[0];
	c->p++;
	c->left--;
	return 0;
}

int cur_u16(struct cursor *c, uint16_t *v)
{
	if (c->left < 2)
		return -EBADMSG;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return 0;
}

int cur_u24(struct cursor *c, uint32_t *v)
{
	if (c->left < 3)
		return -EBADMSG;
	*v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	c->left -= 3;
	return 0;
}

int cur_skip(struct cursor *c, size_t n)
{
	if (c->left < n)
		return -EBADMSG;
	c->p += n;
	c->left -= n;
	return 0;
}

int cur_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	if (c->left < n)
		return -EBADMSG;
	sub->p = c->p;
	sub->left = n;
	c->p += n;
	c->left -= n;
	return 0;
}

ssize_t recv_fds(int sock, void *buf, size_t len, int *fds, size_t max_fd,
		 size_t *n_fd, int flags)
{
	char cbuf[CMSG_SPACE(RECV_FDS_MAX * sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);

	*n_fd = 0;
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm;
	     cm = CMSG_NXTHDR(&mh, cm)) {
		size_t got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const unsigned char *data = CMSG_DATA(cm);
		bool is_cut = mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC);

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < got; i++) {
			int fd;

			memcpy(&fd, data + i * sizeof(int), sizeof(int));
			if (!is_cut && *n_fd < max_fd)
				fds[(*n_fd)++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

int openat2_fd(int dirfd, const char *path, int flags,
	       unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.resolve = resolve,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

/*
 * Length of the well-formed UTF-8 sequence at @p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if there is none.
 */
size_t utf8_len(const uint8_t *p, size_t left)
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

/* ---- names and encodings ---- */

bool env_name_valid(const char *s, size_t len)
{
	if (!len || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int open_untrusted(int dirfd, const char *rel)
{
	unsigned long long res = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	autoclose int fd = -1;
	struct stat st;

	if (dirfd != AT_FDCWD)
		res |= RESOLVE_BENEATH;
	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
	fd = openat2_fd(dirfd, rel,
			O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY, res);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return TAKE_FD(fd);
}

ssize_t read_bounded(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t read_untrusted(int dirfd, const char *rel, char *buf, size_t size)
{
	autoclose int fd = open_untrusted(dirfd, rel);
	ssize_t got;

	if (fd < 0)
		return fd;
	/* One byte more than fits tells a file too large from one that fits */
	got = read_bounded(fd, buf, size);
	if (got < 0)
		return got;
	if ((size_t)got >= size)
		return -EFBIG;
	buf[got] = '\0';
	return got;
}

ssize_t read_untrusted_head(int dirfd, const char *rel, char *buf,
			    size_t size)
{
	autoclose int fd = open_untrusted(dirfd, rel);
	ssize_t got;

	if (fd < 0)
		return fd;
	got = read_bounded(fd, buf, size - 1);
	if (got >= 0)
		buf[got] = '\0';
	return got;
}

/* ---- text from inside, shown on a terminal --------------------------- */

/*
 * Decode one UTF-8 sequence at @s (at most @left bytes). An ill-formed
 * byte decodes as itself (length 1, code point 0xFFFFFFFF) so that it is
 * escaped, not skipped.
 */
static size_t utf8_decode(const uint8_t *s, size_t left, uint32_t *cp)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2 || s[0] > 0xf4 || n > left)
		goto bad;
	v = s[0] & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		v = v << 6 | (s[i] & 0x3fu);
	}
	/* Overlong forms, surrogates and past U+10FFFF are ill-formed */
	if ((n == 3 && v < 0x800) ||
	    (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		goto bad;
	*cp = v;
	return n;
bad:
	*cp = 0xffffffffu;
	return 1;
}

/* Code points a terminal would act on, or that reorder or split text */
static bool is_unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x61c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff ||
	       cp == 0xffffffffu;
}

size_t str_printable(char *out, size_t out_len, const char *in, size_t max_cp,
		     unsigned int flags)
{
	const uint8_t *p = (const uint8_t *)(in ? in : "");
	size_t left = strlen((const char *)p), used = 0, shown = 0;

	if (!out_len)
		return 0;
	out[0] = '\0';
	while (left) {
		char piece[16];
		uint32_t cp;
		size_t n = utf8_decode(p, left, &cp), k;

		if (max_cp && shown++ == max_cp) {
			k = (size_t)snprintf(piece, sizeof(piece), "...");
		} else if (cp == 0xffffffffu || cp < 0x20 || cp == 0x7f) {
			k = (size_t)snprintf(piece, sizeof(piece), "\\x%02x",
					     p[0]);
		} else if (is_unsafe_cp(cp) ||
			   (cp >= 0x80 && (flags & STR_ASCII))) {
			k = (size_t)snprintf(piece, sizeof(piece), "\\u%04x",
					     (unsigned int)cp);
		} else if (cp == '\\') {
			k = (size_t)snprintf(piece, sizeof(piece), "\\\\");
		} else {
			memcpy(piece, p, n);
			k = n;
		}
		/* Whole pieces only: never half an escape or a character */
		if (k >= out_len - used)
			break;
		memcpy(out + used, piece, k);
		used += k;
		out[used] = '\0';
		if (max_cp && shown > max_cp)
			break;
		p += n;
		left -= n;
	}
	return used;
}

size_t str_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];

	if (la > 63 || lb > 63)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

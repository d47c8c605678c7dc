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
	autofree char *p = xstrdup(path);

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

/* ---- setup sockets ---- */

int setup_send_msg(int sock, char tag, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/*
 * Wait for message @want on @sock; a passed descriptor goes to *@fd.
 * EOF or anything else means the peer died: leave quietly, the peer has
 * reported its own error.
 */
void setup_expect_msg(int sock, char want, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char tag = 0;
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != 1 || tag != want)
		_exit(EXIT_JAIL_FAILED);
	cm = CMSG_FIRSTHDR(&mh);
	if (fd)
		*fd = -1;
	if (fd && cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
}

/*
 * Fork a child linked to us by a socketpair: the parent keeps @sock[0],
 * the child @sock[1]. Return: as fork(), never negative
 */
pid_t fork_with_socket(int sock[2])
{
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
		die_errno("socketpair");
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	close(sock[pid == 0 ? 0 : 1]);
	return pid;
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

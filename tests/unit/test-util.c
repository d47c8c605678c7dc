// SPDX-License-Identifier: MIT
/*
 * test-util.c - unit tests for the number parsers, cursors and recv_fds()
 * in util.c
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>

#include "jail.h"
#include "tests/unit/tap.h"

static void test_parse_uint(void)
{
	unsigned long long v = 7;

	is_int(parse_uint("0", 0, 10, &v), 0, "zero");
	is_int(v, 0, "zero value");
	is_int(parse_uint("42", 0, 100, &v), 0, "42");
	is_int(v, 42, "42 value");
	is_int(parse_uint("007", 0, 100, &v), 0, "leading zeros");
	is_int(v, 7, "leading zeros value");
	is_int(parse_uint("18446744073709551615", 0, ULLONG_MAX, &v), 0,
	       "ULLONG_MAX");
	ok(v == ULLONG_MAX, "ULLONG_MAX value");
	is_int(parse_uint("18446744073709551616", 0, ULLONG_MAX, &v), -ERANGE,
	       "ULLONG_MAX + 1");
	is_int(parse_uint("99999999999999999999999", 0, ULLONG_MAX, &v),
	       -ERANGE, "far overflow");
	v = 5;
	is_int(parse_uint("10", 0, 9, &v), -ERANGE, "above max");
	is_int(v, 5, "out untouched on error");
	is_int(parse_uint("0", 1, 9, &v), -ERANGE, "below min");
	is_int(parse_uint("9", 1, 9, &v), 0, "at max");
	is_int(parse_uint("1", 1, 9, &v), 0, "at min");
	is_int(parse_uint("", 0, 9, &v), -EINVAL, "empty");
	is_int(parse_uint(NULL, 0, 9, &v), -EINVAL, "NULL");
	is_int(parse_uint("-1", 0, 9, &v), -EINVAL, "minus");
	is_int(parse_uint("+1", 0, 9, &v), -EINVAL, "plus");
	is_int(parse_uint(" 1", 0, 9, &v), -EINVAL, "leading space");
	is_int(parse_uint("1 ", 0, 9, &v), -EINVAL, "trailing space");
	is_int(parse_uint("1x", 0, 9, &v), -EINVAL, "trailing junk");
	is_int(parse_uint("0x1", 0, 9, &v), -EINVAL, "hex");
	is_int(parse_uint("1.0", 0, 9, &v), -EINVAL, "decimal point");
}

static void test_parse_duration(void)
{
	unsigned long long ms = 0;

	is_int(parse_duration("90", &ms), 0, "bare seconds");
	is_int(ms, 90000, "90 -> 90000 ms");
	is_int(parse_duration("90s", &ms), 0, "90s");
	is_int(ms, 90000, "90s value");
	is_int(parse_duration("1.5m", &ms), 0, "1.5m");
	is_int(ms, 90000, "1.5m value");
	is_int(parse_duration("250ms", &ms), 0, "250ms");
	is_int(ms, 250, "250ms value");
	is_int(parse_duration("2h", &ms), 0, "2h");
	is_int(ms, 7200000, "2h value");
	is_int(parse_duration("1d", &ms), 0, "1d");
	is_int(ms, 86400000, "1d value");
	is_int(parse_duration("30d", &ms), 0, "30d is the maximum");
	is_int(parse_duration("31d", &ms), -ERANGE, "31d");
	is_int(parse_duration("0.001", &ms), 0, "one millisecond");
	is_int(ms, 1, "0.001 value");
	is_int(parse_duration(".5", &ms), 0, "leading point");
	is_int(ms, 500, ".5 value");
	is_int(parse_duration("0", &ms), -ERANGE, "zero");
	is_int(parse_duration("0.0001", &ms), -EINVAL, "four decimals");
	is_int(parse_duration("0.5ms", &ms), -ERANGE, "under 1 ms");
	is_int(parse_duration("", &ms), -EINVAL, "empty");
	is_int(parse_duration(NULL, &ms), -EINVAL, "NULL");
	is_int(parse_duration("s", &ms), -EINVAL, "unit only");
	is_int(parse_duration("1.", &ms), -EINVAL, "point without digits");
	is_int(parse_duration("1x", &ms), -EINVAL, "unknown unit");
	is_int(parse_duration("1 s", &ms), -EINVAL, "space");
	is_int(parse_duration("-1", &ms), -EINVAL, "negative");
	is_int(parse_duration("1sec", &ms), -EINVAL, "long unit");
	is_int(parse_duration("99999999999999999999999999", &ms), -ERANGE,
	       "overflow");
	is_int(parse_duration("2592000001ms", &ms), -ERANGE, "30d + 1ms");
}

static void test_cursor(void)
{
	static const uint8_t buf[] = { 1, 2, 3, 4, 5, 6 };
	struct cursor c = { buf, sizeof(buf) }, sub;
	uint8_t u8;
	uint16_t u16;
	uint32_t u24;

	is_int(cur_u8(&c, &u8), 0, "u8");
	is_int(u8, 1, "u8 value");
	is_int(cur_u16(&c, &u16), 0, "u16");
	is_int(u16, 0x0203, "u16 big-endian");
	is_int(cur_u24(&c, &u24), 0, "u24");
	is_int(u24, 0x040506, "u24 big-endian");
	is_int(cur_u8(&c, &u8), -EBADMSG, "u8 past end");
	c.p = buf;
	c.left = 2;
	is_int(cur_u24(&c, &u24), -EBADMSG, "u24 short");
	is_int(c.left, 2, "failed read consumes nothing");
	is_int(cur_sub(&c, 3, &sub), -EBADMSG, "sub too long");
	is_int(cur_sub(&c, 1, &sub), 0, "sub");
	ok(sub.p == buf && sub.left == 1 && c.left == 1, "sub split");
	is_int(cur_skip(&c, 2), -EBADMSG, "skip too far");
	is_int(cur_skip(&c, 1), 0, "skip to end");
	is_int(cur_u16(&c, &u16), -EBADMSG, "u16 at end");
}

static void test_printable(void)
{
	char out[64], small[8];

	str_printable(out, sizeof(out), "a\nb\x1b[2Jc", 0, 0);
	is_str(out, "a\\x0ab\\x1b[2Jc", "C0 controls escaped");
	str_printable(out, sizeof(out), "x\x7f\x9b" "21t", 0, 0);
	is_str(out, "x\\x7f\\x9b21t", "DEL and a raw 8-bit CSI escaped");
	str_printable(out, sizeof(out), "x\xc2\x9b" "21t\xc2\x85", 0, 0);
	is_str(out, "x\\u009b21t\\u0085", "UTF-8 encoded C1 escaped");
	str_printable(out, sizeof(out), "a\xe2\x80\xae" "b\xe2\x81\xa6", 0, 0);
	is_str(out, "a\\u202eb\\u2066", "bidi controls escaped");
	str_printable(out, sizeof(out), "caf\xc3\xa9 \xe2\x9c\x93", 0, 0);
	is_str(out, "caf\xc3\xa9 \xe2\x9c\x93", "UTF-8 text kept");
	str_printable(out, sizeof(out), "caf\xc3\xa9", 0, STR_ASCII);
	is_str(out, "caf\\u00e9", "STR_ASCII: non-ASCII escaped");
	str_printable(out, sizeof(out), "\xc0\xaf\xed\xa0\x80", 0, 0);
	is_str(out, "\\xc0\\xaf\\xed\\xa0\\x80", "ill-formed UTF-8 escaped");
	str_printable(out, sizeof(out), "a\\b", 0, 0);
	is_str(out, "a\\\\b", "a backslash doubled");
	str_printable(out, sizeof(out), "abcdef", 3, 0);
	is_str(out, "abc...", "cut to 3 characters");
	str_printable(small, sizeof(small), "ab\x01" "cdef", 0, 0);
	is_str(small, "ab\\x01c", "cut to the buffer");
	str_printable(small, sizeof(small), "abcd\x01", 0, 0);
	is_str(small, "abcd", "never half an escape");
	str_printable(out, sizeof(out), NULL, 0, 0);
	is_str(out, "", "NULL is empty");
}

/* Send @len bytes of @msg with @n descriptors (copies of fd 0) on @sock */
static void send_with_fds(int sock, const char *msg, size_t len, int n)
{
	char cbuf[CMSG_SPACE(8 * sizeof(int))] = "";
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (n) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		for (int i = 0; i < n; i++) {
			int fd = 0;

			memcpy(CMSG_DATA(cm) + (size_t)i * sizeof(int), &fd,
			       sizeof(int));
		}
	}
	(void)!sendmsg(sock, &mh, 0);
}

/* How many descriptors this process holds open now */
static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void test_recv_fds(void)
{
	int sv[2], fds[2] = { -1, -1 }, before;
	char buf[8];
	size_t nfd = 9;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		ok(0, "socketpair");
		return;
	}
	before = open_fds();
	send_with_fds(sv[0], "one", 3, 1);
	is_int(recv_fds(sv[1], buf, sizeof(buf), fds, 2, &nfd, 0), 3,
	       "one descriptor: the message's length");
	is_int((int)nfd, 1, "one descriptor: counted");
	ok(fds[0] >= 0 && (fcntl(fds[0], F_GETFD) & FD_CLOEXEC),
	   "one descriptor: open, close-on-exec");
	close(fds[0]);

	send_with_fds(sv[0], "many", 4, 5);
	is_int(recv_fds(sv[1], buf, sizeof(buf), fds, 2, &nfd, 0), 4,
	       "five descriptors, room for two: the message");
	is_int((int)nfd, 2, "five descriptors, room for two: two kept");
	close(fds[0]);
	close(fds[1]);
	is_int(open_fds(), before, "five descriptors: the other three closed");

	send_with_fds(sv[0], "too long a message", 18, 1);
	is_int(recv_fds(sv[1], buf, 4, fds, 2, &nfd, 0), 4,
	       "a message cut short: the bytes that fit");
	is_int((int)nfd, 0, "a message cut short: no descriptor kept");
	is_int(open_fds(), before, "a message cut short: its descriptor closed");

	send_with_fds(sv[0], "none", 4, 0);
	is_int(recv_fds(sv[1], buf, sizeof(buf), fds, 2, &nfd, 0), 4,
	       "no descriptor: the message");
	is_int((int)nfd, 0, "no descriptor: none counted");

	is_int(recv_fds(sv[1], buf, sizeof(buf), fds, 2, &nfd, MSG_DONTWAIT),
	       -EAGAIN, "nothing queued, MSG_DONTWAIT: -EAGAIN");
	close(sv[0]);
	is_int(recv_fds(sv[1], buf, sizeof(buf), fds, 2, &nfd, 0), 0,
	       "the peer gone: 0");
	close(sv[1]);
}

int main(void)
{
	test_printable();
	test_parse_uint();
	test_parse_duration();
	test_cursor();
	test_recv_fds();
	return done_testing();
}

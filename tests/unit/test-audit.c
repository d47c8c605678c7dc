// SPDX-License-Identifier: MIT
/*
 * test-audit.c - unit tests for audit.c
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

static char line[AUDIT_LINE_MAX];

static void test_format(void)
{
	struct timespec ts = { 1795323600, 123456789 };
	struct audit_field f[] = {
		AF_STR("host", "evil.test"),
		AF_INT("port", 443),
		AF_STR("skipped", NULL),
		AF_STR("reason", "not allowed"),
	};
	const char *want = "{\"ts\":\"2026-11-22T05:00:00.123Z\",\"jail\":"
			   "\"0123abcd\",\"event\":\"net.deny\",\"host\":"
			   "\"evil.test\",\"port\":443,\"reason\":\"not "
			   "allowed\"}\n";
	size_t i;
	int bad = 0;

	is_int(audit_format(line, sizeof(line), &ts, "0123abcd", "net.deny", f,
			    ARRAY_SIZE(f)),
	       strlen(want), "length");
	is_str(line, want, "the line from the contract");
	for (i = 0; i <= strlen(want); i++)
		if (audit_format(line, i, &ts, "0123abcd", "net.deny", f,
				 ARRAY_SIZE(f)) != -E2BIG)
			bad++;
	is_int(bad, 0, "every buffer too small: -E2BIG");
	is_int(audit_format(line, strlen(want) + 1, &ts, "0123abcd",
			    "net.deny", f, ARRAY_SIZE(f)),
	       strlen(want), "exact fit");

	is_int(audit_format(line, sizeof(line), &ts, "x", "start", NULL, 0),
	       61, "no fields");
	is_str(line, "{\"ts\":\"2026-11-22T05:00:00.123Z\",\"jail\":\"x\","
		     "\"event\":\"start\"}\n", "no fields line");
}

static void test_times(void)
{
	static const struct {
		long long sec;
		long nsec;
		const char *want;
	} cases[] = {
		{ 0, 0, "1970-01-01T00:00:00.000Z" },
		{ 1709251199, 999999999, "2024-02-29T23:59:59.999Z" },
		{ 4107542400, 1000000, "2100-03-01T00:00:00.001Z" },
		{ -1, 0, "1969-12-31T23:59:59.000Z" },
		{ -2208988800, 0, "1900-01-01T00:00:00.000Z" },
		{ 951782400, 0, "2000-02-29T00:00:00.000Z" },
		{ 0, 1000000000, "1970-01-01T00:00:00.000Z" },
		{ 0, -5, "1970-01-01T00:00:00.000Z" },
	};
	struct timespec ts;
	char want[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ts.tv_sec = (time_t)cases[i].sec;
		ts.tv_nsec = cases[i].nsec;
		audit_format(line, sizeof(line), &ts, "", "", NULL, 0);
		snprintf(want, sizeof(want),
			 "{\"ts\":\"%s\",\"jail\":\"\",\"event\":\"\"}\n",
			 cases[i].want);
		is_str(line, want, "time %lld.%09ld", cases[i].sec,
		       cases[i].nsec);
	}
	ts.tv_sec = (time_t)LLONG_MAX;
	ok(audit_format(line, sizeof(line), &ts, "", "", NULL, 0) > 0,
	   "far future does not crash");
	ts.tv_sec = (time_t)LLONG_MIN;
	ok(audit_format(line, sizeof(line), &ts, "", "", NULL, 0) > 0,
	   "far past does not crash");
}

static const char *value_of(const char *s)
{
	struct timespec ts = { 0, 0 };
	struct audit_field f = AF_STR("v", s);
	static char v[AUDIT_LINE_MAX];
	const char *p, *end;

	if (audit_format(line, sizeof(line), &ts, "", "", &f, 1) < 0)
		return "(error)";
	p = strstr(line, ",\"v\":\"");
	end = p ? strrchr(line, '"') : NULL;
	if (!p || !end)
		return "(none)";
	p += 6;
	snprintf(v, sizeof(v), "%.*s", (int)(end - p), p);
	return v;
}

static void test_escaping(void)
{
	char big[1200], want[1200];

	is_str(value_of("a\"b\\c/d"), "a\\\"b\\\\c/d", "quote, backslash");
	is_str(value_of("\n\r\t\x01\x1f\x7f"),
	       "\\u000a\\u000d\\u0009\\u0001\\u001f\\u007f", "controls");
	is_str(value_of("\x1b[31mred"), "\\u001b[31mred", "terminal escape");
	is_str(value_of("caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac"),
	       "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac", "valid UTF-8 kept");
	is_str(value_of("\xff"), "\\ufffd", "0xff");
	is_str(value_of("\xc0\xaf"), "\\ufffd\\ufffd", "overlong slash");
	is_str(value_of("\xe0\x80\xaf"), "\\ufffd\\ufffd\\ufffd",
	       "overlong 3-byte");
	is_str(value_of("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd", "surrogate");
	is_str(value_of("\xf4\x90\x80\x80"),
	       "\\ufffd\\ufffd\\ufffd\\ufffd", "above U+10FFFF");
	is_str(value_of("\xe2\x82"), "\\ufffd\\ufffd", "cut sequence");
	is_str(value_of("a\x80z"), "a\\ufffdz", "lone continuation");
	is_str(value_of("\xe2\x80\xa8\xe2\x80\xa9"), "\\u2028\\u2029",
	       "line separators");

	memset(big, 'x', sizeof(big));
	big[AUDIT_VALUE_MAX] = '\0';
	is_str(value_of(big), big, "512 bytes kept whole");
	big[AUDIT_VALUE_MAX] = 'y';
	big[AUDIT_VALUE_MAX + 1] = '\0';
	snprintf(want, sizeof(want), "%.*s...", AUDIT_VALUE_MAX, big);
	is_str(value_of(big), want, "513 bytes cut to 512 + ...");
	big[sizeof(big) - 1] = '\0';
	is_str(value_of(big), want, "long value cut");
	/* a 2-byte character across the cut is left out whole */
	memset(big, 'x', sizeof(big));
	big[AUDIT_VALUE_MAX - 1] = '\xc3';
	big[AUDIT_VALUE_MAX] = '\xa9';
	big[AUDIT_VALUE_MAX + 1] = '\0';
	snprintf(want, sizeof(want), "%.*s...", AUDIT_VALUE_MAX - 1, big);
	is_str(value_of(big), want, "no character split at the cut");
	big[AUDIT_VALUE_MAX - 2] = '\xc3';
	big[AUDIT_VALUE_MAX - 1] = '\xa9';
	big[AUDIT_VALUE_MAX] = '\0';
	is_str(value_of(big), big, "a character ending at 512 stays");
	/* 512 control bytes escape to 3072 bytes and still fit */
	memset(big, '\x01', AUDIT_VALUE_MAX);
	big[AUDIT_VALUE_MAX] = '\0';
	ok(strlen(value_of(big)) == 6 * AUDIT_VALUE_MAX, "512 escapes fit");
}

static void test_format_errors(void)
{
	struct timespec ts = { 0, 0 };
	struct audit_field f[AUDIT_EVENT_MAX_FIELDS + 1];
	struct audit_field two[] = { AF_INT("a", 1), AF_STR("a", "x") };
	struct audit_field res[] = { AF_STR("event", "x") };
	struct audit_field nokey[] = { AF_STR(NULL, "x") };
	struct audit_field empty[] = { AF_STR("", "x") };
	struct audit_field big[4];
	char keys[AUDIT_EVENT_MAX_FIELDS + 1][8], v[AUDIT_VALUE_MAX + 1];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
		f[i] = AF_INT(keys[i], i);
	}
	ok(audit_format(line, sizeof(line), &ts, "", "", f,
			AUDIT_EVENT_MAX_FIELDS) > 0,
	   "16 fields");
	is_int(audit_format(line, sizeof(line), &ts, "", "", f,
			    AUDIT_EVENT_MAX_FIELDS + 1),
	       -E2BIG, "17 fields");
	is_int(audit_format(line, sizeof(line), &ts, "", "", two, 2), -EINVAL,
	       "duplicate key");
	is_int(audit_format(line, sizeof(line), &ts, "", "", res, 1), -EINVAL,
	       "reserved key");
	is_int(audit_format(line, sizeof(line), &ts, "", "", nokey, 1),
	       -EINVAL, "NULL key");
	is_int(audit_format(line, sizeof(line), &ts, "", "", empty, 1),
	       -EINVAL, "empty key");

	memset(v, '\x02', AUDIT_VALUE_MAX);
	v[AUDIT_VALUE_MAX] = '\0';
	for (i = 0; i < ARRAY_SIZE(big); i++)
		big[i] = AF_STR(keys[i], v);
	is_int(audit_format(line, sizeof(line), &ts, "", "", big, 4), -E2BIG,
	       "four escaped 512-byte values do not fit 4 KiB");
	ok(audit_format(line, sizeof(line), &ts, "", "", big, 1) > 0,
	   "one does");
}

static void test_parse(void)
{
	struct timespec ts = { 1795323600, 5000000 };
	struct audit_field f[] = {
		AF_STR("host", "h\"\\\n\x01\xe2\x80\xa8\xc3\xa9"),
		AF_INT("min", LLONG_MIN),
		AF_INT("max", LLONG_MAX),
		AF_STR("bad", "\xff"),
		AF_INT("zero", 0),
	};
	struct audit_event ev;
	int n, i, bad = 0;

	n = audit_format(line, sizeof(line), &ts, "id1", "net.allow", f,
			 ARRAY_SIZE(f));
	is_int(audit_parse_line(line, (size_t)n, &ev), 0, "round trip");
	is_str(ev.ts, "2026-11-22T05:00:00.005Z", "ts");
	is_str(ev.jail, "id1", "jail");
	is_str(ev.event, "net.allow", "event");
	is_int(ev.n_fields, 5, "fields");
	is_str(ev.f[0].key, "host", "key");
	is_str(ev.f[0].s, "h\"\\\n\x01\xe2\x80\xa8\xc3\xa9", "escapes undone");
	ok(ev.f[1].type == AUDIT_INT && ev.f[1].i == LLONG_MIN, "LLONG_MIN");
	ok(ev.f[2].type == AUDIT_INT && ev.f[2].i == LLONG_MAX, "LLONG_MAX");
	is_str(ev.f[3].s, "\xef\xbf\xbd", "invalid byte read as U+FFFD");
	ok(ev.f[4].type == AUDIT_INT && ev.f[4].i == 0, "zero");

	for (i = 0; i < n - 1; i++)
		if (audit_parse_line(line, (size_t)i, &ev) != -EBADMSG)
			bad++;
	is_int(bad, 0, "every truncation before the newline: -EBADMSG");
	is_int(audit_parse_line(line, (size_t)n - 1, &ev), 0,
	       "without the newline");
}

static int parse(const char *s)
{
	struct audit_event ev;

	return audit_parse_line(s, strlen(s), &ev);
}

#define HDR "{\"ts\":\"t\",\"jail\":\"j\",\"event\":\"e\""

static void test_parse_bad(void)
{
	static char big[AUDIT_LINE_MAX * 2];
	struct audit_event ev;
	size_t n, i;

	is_int(parse(HDR "}"), 0, "minimal");
	is_int(parse(" \t" HDR " , \"a\" : -0 }\r\n"), 0, "whitespace");
	is_int(parse(HDR ",\"a\":\"\\u00e9\\ud83d\\ude00\\/\"}"), 0,
	       "unicode escapes");
	audit_parse_line(HDR ",\"a\":\"\\u00e9\\ud83d\\ude00\\/\"}",
			 strlen(HDR ",\"a\":\"\\u00e9\\ud83d\\ude00\\/\"}"),
			 &ev);
	is_str(ev.f[0].s, "\xc3\xa9\xf0\x9f\x98\x80/", "escapes decoded");
	is_int(parse(HDR ",\"a\":\"\\ud83d\"}"), 0, "lone high surrogate");
	is_int(parse(HDR ",\"a\":\"\\ude00x\"}"), 0, "lone low surrogate");
	is_int(parse(HDR ",\"a\":\"\\ud83dx\"}"), 0, "high then text");

	is_int(parse(""), -EBADMSG, "empty");
	is_int(parse("[]"), -EBADMSG, "array");
	is_int(parse("{}"), -EBADMSG, "empty object");
	is_int(parse("{\"ts\":\"t\",\"jail\":\"j\"}"), -EBADMSG,
	       "missing event");
	is_int(parse("{\"ts\":1,\"jail\":\"j\",\"event\":\"e\"}"), -EBADMSG,
	       "integer ts");
	is_int(parse(HDR ",\"ts\":\"u\"}"), -EBADMSG, "ts twice");
	is_int(parse(HDR ",\"a\":1,\"a\":2}"), -EBADMSG, "key twice");
	is_int(parse(HDR ",\"a\":{}}"), -EBADMSG, "nested object");
	is_int(parse(HDR ",\"a\":[1]}"), -EBADMSG, "array value");
	is_int(parse(HDR ",\"a\":true}"), -EBADMSG, "true");
	is_int(parse(HDR ",\"a\":null}"), -EBADMSG, "null");
	is_int(parse(HDR ",\"a\":1.5}"), -EBADMSG, "fraction");
	is_int(parse(HDR ",\"a\":1e3}"), -EBADMSG, "exponent");
	is_int(parse(HDR ",\"a\":01}"), -EBADMSG, "leading zero");
	is_int(parse(HDR ",\"a\":-}"), -EBADMSG, "minus only");
	is_int(parse(HDR ",\"a\":+1}"), -EBADMSG, "plus");
	is_int(parse(HDR ",\"a\":9223372036854775808}"), -EBADMSG,
	       "LLONG_MAX + 1");
	is_int(parse(HDR ",\"a\":-9223372036854775809}"), -EBADMSG,
	       "LLONG_MIN - 1");
	is_int(parse(HDR ",\"a\":1,}"), -EBADMSG, "trailing comma");
	is_int(parse(HDR "}x"), -EBADMSG, "junk after the object");
	is_int(parse(HDR "}{}"), -EBADMSG, "two objects");
	is_int(parse(HDR ",\"a\":\"x\ty\"}"), -EBADMSG, "raw tab");
	is_int(parse(HDR ",\"a\":\"\xff\"}"), -EBADMSG, "raw invalid UTF-8");
	is_int(parse(HDR ",\"a\":\"\\u0000\"}"), -EBADMSG, "\\u0000");
	is_int(parse(HDR ",\"a\":\"\\x\"}"), -EBADMSG, "unknown escape");
	is_int(parse(HDR ",\"a\":\"\\u12\"}"), -EBADMSG, "short \\u");
	is_int(parse(HDR ",\"a\":\"\\u12g4\"}"), -EBADMSG, "bad hex");
	is_int(parse(HDR ",\"a\" 1}"), -EBADMSG, "no colon");
	is_int(parse(HDR ",a:1}"), -EBADMSG, "bare key");
	is_int(parse(HDR ",\"a\":\"x}"), -EBADMSG, "unterminated string");
	is_int(audit_parse_line(HDR ",\"a\":\"x\0\"}", strlen(HDR) + 10, &ev),
	       -EBADMSG, "raw NUL");

	n = (size_t)snprintf(big, sizeof(big), HDR);
	for (i = 0; i < AUDIT_EVENT_MAX_FIELDS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, ",\"k%zu\":%zu",
				      i, i);
	snprintf(big + n, sizeof(big) - n, "}");
	is_int(parse(big), 0, "16 fields");
	snprintf(big + n, sizeof(big) - n, ",\"x\":1}");
	is_int(parse(big), -E2BIG, "17 fields");

	n = (size_t)snprintf(big, sizeof(big), HDR ",\"a\":\"");
	memset(big + n, 'v', AUDIT_LINE_MAX);
	snprintf(big + n + AUDIT_LINE_MAX, sizeof(big) - n - AUDIT_LINE_MAX,
		 "\"}");
	is_int(audit_parse_line(big, strlen(big), &ev), -E2BIG,
	       "strings over AUDIT_LINE_MAX");
	ok(!ev.ts && !ev.n_fields, "event cleared on error");
}

static char dir[] = "/tmp/test-audit.XXXXXX";

static void test_files(void)
{
	char path[PATH_MAX], big[3000], buf[PATH_MAX + 64];
	struct audit_field many[AUDIT_EVENT_MAX_FIELDS];
	char keys[AUDIT_EVENT_MAX_FIELDS][16], *l = NULL;
	size_t l_size = 0;
	FILE *in;
	struct audit_field f[] = { AF_STR("a", big), AF_STR("b", big),
				   AF_STR("c", big) };
	struct audit_event ev;
	struct stat st;
	ssize_t got;
	size_t len;
	int fd, i, pid, status, lines = 0, bad = 0;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/state/jail/log/abc.jsonl", dir);
	fd = audit_open(path);
	ok(fd >= 0, "audit_open creates parents");
	snprintf(buf, sizeof(buf), "%s/state/jail", dir);
	ok(stat(buf, &st) == 0 && (st.st_mode & 0777) == (0700 & ~022 & 0777),
	   "parents are 0700");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file 0600");
	ok((fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) &
						 O_APPEND),
	   "O_CLOEXEC and O_APPEND");
	ok(!(fcntl(fd, F_GETFL) & O_NONBLOCK), "O_NONBLOCK cleared");
	is_int(audit_write(fd, "abc", "start", NULL, 0), 0, "write start");

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(audit_write(fd, "abc", "big", f, 3), 0, "write big values");
	memset(big, '\x03', sizeof(big) - 1);
	is_int(audit_write(fd, "abc", "huge", f, 3), 0,
	       "write values that do not fit whole");
	for (i = 0; i < AUDIT_EVENT_MAX_FIELDS; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		many[i] = AF_STR(keys[i], big);
	}
	is_int(audit_write(fd, "abc", "huger", many, AUDIT_EVENT_MAX_FIELDS),
	       0, "write values that cannot fit at all");

	for (i = 0; i < 4; i++) {
		pid = fork();
		if (pid == 0) {
			struct audit_field g[] = { AF_INT("child", i),
						   AF_STR("pad", big + 2000) };
			int k;

			for (k = 0; k < 200; k++)
				if (audit_write(fd, "abc", "x", g, 2))
					_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	is_int(bad, 0, "4 processes wrote 200 events each");
	close(fd);

	in = fopen(path, "re");
	while (in && (got = getline(&l, &l_size, in)) > 0) {
		len = (size_t)got;
		if (l[len - 1] != '\n' || len >= AUDIT_LINE_MAX ||
		    audit_parse_line(l, len, &ev))
			bad++;
		if (lines == 1 && (ev.n_fields != 3 ||
				   strlen(ev.f[0].s) != AUDIT_VALUE_MAX + 3))
			bad++;
		if (lines == 2 && (ev.n_fields != 3 ||
				   strlen(ev.f[0].s) != 64 + 3))
			bad++;
		if (lines == 3 && (ev.n_fields != 1 ||
				   strcmp(ev.f[0].key, "truncated")))
			bad++;
		lines++;
	}
	if (in)
		fclose(in);
	free(l);
	is_int(lines, 804, "every line present");
	is_int(bad, 0, "every line whole and parseable");

	snprintf(buf, sizeof(buf), "%s/link", dir);
	ok(symlink(path, buf) == 0, "symlink");
	is_int(audit_open(buf), -ELOOP, "symlink refused");
	snprintf(buf, sizeof(buf), "%s/fifo", dir);
	ok(mkfifo(buf, 0600) == 0, "fifo");
	is_int(audit_open(buf), -ENXIO, "FIFO without reader refused");
	snprintf(buf, sizeof(buf), "%s/state/jail/log/abc.jsonl/x", dir);
	is_int(audit_open(buf), -ENOTDIR, "file as a parent");
	is_int(audit_open(""), -EINVAL, "empty path");
	is_int(audit_write(-1, "a", "b", NULL, 0), -EBADF, "bad fd");

	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	if (system(buf))
		diag("could not remove %s", dir);
}

int main(void)
{
	umask(022);
	test_format();
	test_times();
	test_escaping();
	test_format_errors();
	test_parse();
	test_parse_bad();
	test_files();
	return done_testing();
}

// SPDX-License-Identifier: MIT
/*
 * test-ctl.c - unit tests for ctl.c: the ask and control line protocol
 */
#include "jail.h"
#include "cmd/cmd.h"
#include "tests/unit/tap.h"

static struct ctl_msg m;

static int parse(const char *s)
{
	return ctl_parse(s, strlen(s), &m);
}

static void test_requests(void)
{
	is_int(parse("pending\n"), 0, "pending");
	is_int(m.verb, CTL_PENDING, "... verb");
	is_int(parse("pending"), 0, "pending without a newline");
	is_int(parse("secrets\n"), 0, "secrets");
	is_int(m.verb, CTL_SECRETS, "... verb");
	is_int(parse("answer allow example.com\n"), 0, "answer allow");
	is_int(m.verb, CTL_ANSWER, "... verb");
	is_int(m.answer, ASK_ALLOW, "... allow");
	is_str(m.host, "example.com", "... host");
	is_int(parse("answer always 203.0.113.5\n"), 0, "answer always, IP");
	is_int(m.answer, ASK_ALWAYS, "... always");
	is_int(parse("answer deny 2001:db8::1\n"), 0, "answer deny, IPv6");
	is_int(m.answer, ASK_DENY, "... deny");
	is_str(m.host, "2001:db8::1", "... host");
	is_int(parse("answer deny timeout"), 0, "an answer on a reply fd");
	is_str(m.host, "timeout", "... by");
	is_int(parse("revoke GITHUB_TOKEN\n"), 0, "revoke");
	is_str(m.name, "GITHUB_TOKEN", "... name");
}

static void test_replies(void)
{
	is_int(parse("ask 12 3 connect api.example.com 443 tls\n"), 0,
	       "ask with detail");
	is_int(m.verb, CTL_ASK, "... verb");
	is_int(m.seq, 12, "... seq");
	is_int(m.wait_s, 3, "... waited");
	is_str(m.kind, "connect", "... kind");
	is_str(m.host, "api.example.com", "... host");
	is_int(m.port, 443, "... port");
	is_str(m.detail, "tls", "... detail");
	is_int(parse("ask 0 0 push github.com 443 git push to main, 3 refs"),
	       0, "a detail with spaces and punctuation");
	is_str(m.detail, "git push to main, 3 refs", "... kept whole");
	is_int(parse("ask 0 0 connect h 0"), 0, "ask without detail");
	is_str(m.detail, "", "... empty");
	is_int(parse("ask 1 1 connect h 65535"), 0, "port 65535");
	is_int(parse("secret K active\n"), 0, "secret active");
	ok(!m.is_revoked, "... not revoked");
	is_int(parse("secret K revoked\n"), 0, "secret revoked");
	ok(m.is_revoked, "... revoked");
	is_int(parse("end\n"), 0, "end");
	is_int(parse("ok 3\n"), 0, "ok");
	is_int(m.count, 3, "... count");
	is_int(parse("err no such secret in this jail\n"), 0, "err");
	is_str(m.text, "no such secret in this jail", "... text");
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"",
		"\n",
		"PENDING",
		"pending ",
		"pending x",
		" pending",
		"pending\n\n",
		"pending\r\n",
		"answer",
		"answer allow",
		"answer maybe x.test",
		"answer allow x.test extra",
		"answer allow x test",
		"answer allow x/test",
		"answer allow  x.test",
		"ask 1 1 connect h 65536",
		"ask 1 1 connect h -1",
		"ask 1 1 connect h 08",
		"ask 01 1 connect h 80",
		"ask 1 1 Connect h 80",
		"ask 1 1 connect h",
		"ask 1 1 connect h 80 ",
		"ask 1 1 connect h 80 a\tb",
		"ask 1 1 connect h 80 caf\xc3\xa9",
		"ask 1 1 connectconnectconn h 80",
		"ask 1234567890123 1 connect h 80",
		"revoke 1K",
		"revoke K-1",
		"revoke",
		"secret K",
		"secret K gone",
		"ok",
		"ok x",
		"ok 1 2",
		"end x",
		"err",
		"nope",
	};
	char big[CTL_LINE_MAX + 8];
	char host[300];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		is_int(parse(bad[i]), -EBADMSG, "refused: bad[%zu]", i);
	is_int(ctl_parse("pending\0x", 9, &m), -EBADMSG, "a NUL inside");
	snprintf(big, sizeof(big), "err %0*d", (int)sizeof(big) - 5, 0);
	is_int(ctl_parse(big, sizeof(big), &m), -E2BIG, "a line too long");
	snprintf(host, sizeof(host), "answer deny %0256d", 0);
	is_int(parse(host), -EBADMSG, "a host of 256 bytes");
	host[12 + 255] = '\0';
	is_int(parse(host), 0, "a host of 255 bytes");
}

static void test_names(void)
{
	is_str(ask_answer_name(ASK_ALWAYS), "always", "answer names");
}

int main(void)
{
	test_requests();
	test_replies();
	test_bad();
	test_names();
	return done_testing();
}

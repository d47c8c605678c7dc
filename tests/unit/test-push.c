// SPDX-License-Identifier: MIT
/*
 * test-push.c - unit tests for push.c
 */
#include "jail.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "tests/unit/tap.h"

#define Z40 "0000000000000000000000000000000000000000"
#define A40 "1111111111111111111111111111111111111111"
#define B40 "2222222222222222222222222222222222222222"
#define A64 A40 "111111111111111111111111"
#define B64 B40 "222222222222222222222222"

static struct push_cmds c;
static uint8_t buf[2 * PUSH_LIST_MAX];
static size_t blen;

/* Append one pkt-line of @s (@len bytes) to buf */
static void pkt(const char *s, size_t len)
{
	blen += (size_t)snprintf((char *)buf + blen, 5, "%04zx", len + 4);
	memcpy(buf + blen, s, len);
	blen += len;
}

static void pkts(const char *s)
{
	pkt(s, strlen(s));
}

/* A literal with NULs in it */
#define PKTL(s) pkt(s, sizeof(s) - 1)

static void flush(void)
{
	memcpy(buf + blen, "0000", 4);
	blen += 4;
}

static const char *ref(size_t i)
{
	static char r[512];

	snprintf(r, sizeof(r), "%.*s", (int)c.cmds[i].ref_len,
		 (const char *)buf + c.cmds[i].ref_off);
	return r;
}

static int parse(void)
{
	return push_parse_commands(buf, blen, &c);
}

static void test_git_push(void)
{
	static const char first[] = A40 " " B40 " refs/heads/main\0"
				    " report-status side-band-64k quiet "
				    "object-format=sha1 agent=git/2.39.5";
	size_t end;
	int bad = 0;

	blen = 0;
	pkt(first, sizeof(first) - 1);
	pkts(Z40 " " B40 " refs/heads/new\n");
	pkts(A40 " " Z40 " refs/tags/old");
	flush();
	end = blen;
	memcpy(buf + blen, "PACK\0\0\0\2", 8);
	blen += 8;
	is_int(parse(), 0, "git's command list");
	is_int(c.n_cmds, 3, "three commands");
	is_str(ref(0), "refs/heads/main", "first ref, capabilities cut off");
	is_str(ref(1), "refs/heads/new", "second ref, LF chomped");
	ok(!c.cmds[0].is_create && !c.cmds[0].is_delete, "an update");
	ok(c.cmds[1].is_create && c.cmds[2].is_delete, "a create, a delete");
	is_int(c.end, end, "end: after the flush, where the pack starts");
	ok(c.has_report_status, "report-status seen");
	is_int(c.sideband_max, 65520, "side-band-64k seen");
	for (size_t i = 0; i < end; i++)
		if (push_parse_commands(buf, i, &c) != -EAGAIN)
			bad++;
	is_int(bad, 0, "every truncation before the flush: -EAGAIN");

	blen = 0;
	flush();
	is_int(parse(), 0, "git's probe: an empty list");
	is_int(c.n_cmds, 0, "... no command");

	blen = 0;
	pkts("shallow " A40);
	PKTL(A64 " " B64 " refs/heads/x\0report-status-v2 side-band");
	flush();
	is_int(parse(), 0, "shallow line, then a SHA-256 command");
	is_int(c.n_cmds, 1, "... one command");
	ok(c.has_report_status && c.sideband_max == 1000,
	   "report-status-v2, side-band");
}

static void test_signed(void)
{
	blen = 0;
	PKTL("push-cert\0report-status");
	pkts("certificate version 0.1\n");
	pkts("pusher t <t@t> 1700000000 +0000\n");
	pkts("pushee https://allowed.test/repo.git\n");
	pkts("nonce 1700000000-abc\n");
	pkts("\n");
	pkts(A40 " " B40 " refs/heads/main\n");
	pkts(Z40 " " B40 " refs/heads/signed\n");
	pkts("-----BEGIN PGP SIGNATURE-----\n");
	pkts(A40 " " B40 " refs/heads/not-a-command\n");
	pkts("-----END PGP SIGNATURE-----\n");
	pkts("push-cert-end\n");
	pkts(A40 " " B40 " refs/heads/after");
	flush();
	is_int(parse(), 0, "a signed push");
	ok(c.is_signed, "... seen as signed");
	is_int(c.n_cmds, 3, "... the certificate's commands and the one after");
	is_str(ref(0), "refs/heads/main", "... first");
	is_str(ref(1), "refs/heads/signed", "... second");
	is_str(ref(2), "refs/heads/after", "... after the block");
	ok(c.has_report_status, "... capabilities of the push-cert line");

	blen = 0;
	PKTL("push-cert\0report-status");
	pkts("\n");
	pkts("junk in the certificate\n");
	flush();
	is_int(parse(), -EBADMSG, "a certificate with a line that is no "
				  "command is refused");
}

static void test_bad(void)
{
	static const char *const lines[] = {
		A40 " " B40,				/* no ref */
		A40 " " B40 " ",			/* empty ref */
		A40 " " B40 " refs/heads/a b",		/* space in ref */
		A40 " " B40 " refs/heads/\x01",		/* control byte */
		A40 B40 " refs/heads/main",		/* no space */
		A40 " " A64 " refs/heads/main",		/* mixed lengths */
		"111 222 refs/heads/main",		/* short names */
		"g111111111111111111111111111111111111111 " B40 " r",
		"hello",
	};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		blen = 0;
		pkts(lines[i]);
		flush();
		is_int(parse(), -EBADMSG, "refused: line %zu", i);
	}
	blen = 0;
	memcpy(buf, "00010000", 8);
	blen = 8;
	is_int(parse(), -EBADMSG, "a delim packet");
	memcpy(buf, "00040000", 8);
	is_int(parse(), -EBADMSG, "an empty line");
	memcpy(buf, "zz040000", 8);
	is_int(parse(), -EBADMSG, "a length that is not hex");
	memcpy(buf, "fff1", 4);
	blen = 4;
	is_int(parse(), -EBADMSG, "a length over 65520");

	/* PUSH_LIST_MAX bytes without the flush */
	blen = 0;
	while (blen < PUSH_LIST_MAX)
		pkts(A40 " " B40 " r");
	r = parse();
	is_int(r, -E2BIG, "PUSH_LIST_MAX bytes and no flush: -E2BIG");
	/* More commands than PUSH_CMDS_MAX, in more bytes than a caller
	 * holds: the table still ends where it ends */
	blen = 0;
	for (int i = 0; i <= PUSH_CMDS_MAX && blen < sizeof(buf) - 100; i++)
		pkts(A40 " " B40 " r");
	flush();
	is_int(parse(), -E2BIG, "more than PUSH_CMDS_MAX commands: -E2BIG");
	memset(buf, '0', 4);
	memcpy(buf, "ffff", 4);
	blen = PUSH_LIST_MAX;
	ok(push_parse_commands(buf, blen, &c) == -EBADMSG,
	   "an oversized packet is refused, not waited for");
}

static void test_request(void)
{
	struct http_head h = { .method = "POST" };
	char repo[256];

	snprintf(h.target, sizeof(h.target), "/o/r.git/git-receive-pack");
	ok(push_is_receive_pack(&h, repo, sizeof(repo)), "a push");
	is_str(repo, "/o/r.git", "... its repository");
	snprintf(h.target, sizeof(h.target), "/git-receive-pack?x=1");
	ok(push_is_receive_pack(&h, repo, sizeof(repo)), "a push, a query");
	is_str(repo, "", "... at the root");
	snprintf(h.target, sizeof(h.target),
		 "https://allowed.test/r/git-receive-pack");
	ok(push_is_receive_pack(&h, repo, sizeof(repo)), "absolute form");
	is_str(repo, "/r", "... its path");
	snprintf(h.target, sizeof(h.target), "/r/git-upload-pack");
	ok(!push_is_receive_pack(&h, repo, sizeof(repo)), "a fetch: no");
	snprintf(h.target, sizeof(h.target),
		 "/r/info/refs?service=git-receive-pack");
	snprintf(h.method, sizeof(h.method), "GET");
	ok(!push_is_receive_pack(&h, repo, sizeof(repo)),
	   "the ref advertisement: no");
	snprintf(h.target, sizeof(h.target), "/r/git-receive-pack");
	ok(!push_is_receive_pack(&h, repo, sizeof(repo)), "GET: no");
}

static void test_detail(void)
{
	char d[ASK_DETAIL_MAX + 1];

	blen = 0;
	PKTL(A40 " " B40 " refs/heads/main\0report-status");
	pkts(Z40 " " B40 " refs/heads/new");
	pkts(A40 " " Z40 " refs/heads/gone");
	flush();
	is_int(parse(), 0, "three refs");
	push_detail("/r.git", buf, &c, d, sizeof(d));
	is_str(d, "/r.git: refs/heads/main, refs/heads/new (new), "
		  "refs/heads/gone (delete)", "detail");
	push_detail("", buf, &c, d, 64);
	is_str(d, "/: refs/heads/main, refs/heads/new (new) and 1 more",
	       "cut to fit, counted");
	{
		char repo[300];

		memset(repo, 'r', sizeof(repo) - 1);
		repo[sizeof(repo) - 1] = '\0';
		push_detail(repo, buf, &c, d, sizeof(d));
		ok(strlen(d) < sizeof(d) && strstr(d, "...: refs/heads/main"),
		   "a long repository path is cut, the refs still show");
	}

	blen = 0;
	for (int i = 0; i < 40; i++)
		pkts(A40 " " B40 " refs/heads/branch-number-x");
	flush();
	is_int(parse(), 0, "forty refs");
	push_detail("/r.git", buf, &c, d, sizeof(d));
	ok(strlen(d) < sizeof(d) && strstr(d, " more"),
	   "forty refs: cut with a count (%s)", d);
}

/* The pkt-lines of @b..@b+@len, "|"-joined, bands opened */
static void unpkt(const uint8_t *b, size_t len, char *out, size_t out_len)
{
	size_t w = 0;

	while (len >= 4 && w + 1 < out_len) {
		unsigned int n = 0;

		sscanf((const char *)b, "%4x", &n);
		if (n == 0) {
			w += (size_t)snprintf(out + w, out_len - w, "0000|");
			b += 4;
			len -= 4;
			continue;
		}
		w += (size_t)snprintf(out + w, out_len - w, "%.*s|",
				      (int)(n - 4), (const char *)b + 4);
		b += n;
		len -= n;
	}
}

static void test_refusal(void)
{
	uint8_t out[PUSH_REPORT_MAX + 1024];
	char text[2048];
	int n;

	blen = 0;
	PKTL(A40 " " B40 " refs/heads/main\0report-status");
	pkts(Z40 " " B40 " refs/heads/new");
	flush();
	is_int(parse(), 0, "two refs, report-status");
	n = push_refusal(buf, &c, "no", out, sizeof(out));
	ok(n > 0, "refusal made");
	unpkt(out, (size_t)n, text, sizeof(text));
	is_str(text, "unpack ok\n|ng refs/heads/main no\n|"
		     "ng refs/heads/new no\n|0000|", "the report");

	blen = 0;
	PKTL(A40 " " B40 " refs/heads/main\0report-status side-band-64k");
	flush();
	is_int(parse(), 0, "side-band-64k");
	n = push_refusal(buf, &c, "held", out, sizeof(out));
	ok(n > 0, "refusal made");
	ok(n > 9 && out[4] == 2 && !memcmp(out + 5, "jail: held\n", 11),
	   "band 2 first: the reason");
	ok(!memcmp(out + n - 4, "0000", 4), "ends with a flush");
	{
		/* band 1 holds the report: 4 + 1 + report */
		size_t off = 4 + 1 + 11;
		unsigned int l = 0;

		sscanf((const char *)out + off, "%4x", &l);
		ok(out[off + 4] == 1, "band 1 next");
		unpkt(out + off + 5, l - 5, text, sizeof(text));
		is_str(text, "unpack ok\n|ng refs/heads/main held\n|0000|",
		       "... with the report in it");
	}

	blen = 0;
	PKTL(A40 " " B40 " refs/heads/main\0side-band-64k");
	flush();
	is_int(parse(), 0, "no report-status");
	is_int(push_refusal(buf, &c, "x", out, sizeof(out)), -ENOTSUP,
	       "no report-status: -ENOTSUP");
	blen = 0;
	PKTL(A40 " " B40 " refs/heads/main\0report-status");
	flush();
	is_int(parse(), 0, "report-status");
	is_int(push_refusal(buf, &c, "x", out, 10), -E2BIG,
	       "a buffer too small: -E2BIG");
}

int main(void)
{
	test_git_push();
	test_signed();
	test_bad();
	test_request();
	test_detail();
	test_refusal();
	return done_testing();
}

// SPDX-License-Identifier: MIT
/*
 * test-reqcheck.c - unit tests for reqcheck.c
 */
#include "parse/parse.h"
#include "tests/unit/tap.h"

static const struct reqcheck_conn conn = { "a.test", 80, 80, false };
static const struct reqcheck_conn held = { "a.test", 443, 443, true };

/* Judge @s (a whole head) on @rc. Return: 0 or the status refused with */
static int judge(const struct reqcheck_conn *rc, const char *s,
		 struct reqcheck_verdict *v)
{
	struct http_head h;

	if (http_parse_head((const uint8_t *)s, strlen(s), &h))
		return -1;
	if (reqcheck_judge(rc, (const uint8_t *)s, &h, v) == 0)
		return 0;
	return v->status;
}

static void test_judge(void)
{
	struct reqcheck_verdict v;

	is_int(judge(&conn, "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n", &v), 0,
	       "a GET to the connection's host");
	is_int(judge(&conn, "GET / HTTP/1.1\r\nHost: A.Test:80\r\n\r\n", &v),
	       0, "its default port, any case");
	is_int(judge(&conn, "GET / HTTP/1.1\r\nHost: www.a.test\r\n\r\n", &v),
	       421, "another host: 421");
	is_int(judge(&conn, "GET / HTTP/1.1\r\nHost: a.test:8080\r\n\r\n", &v),
	       421, "another port: 421");
	is_int(judge(&conn, "GET http://www.a.test/ HTTP/1.1\r\n\r\n", &v), 421,
	       "absolute-form to another host: 421");
	is_int(judge(&conn, "GET http://a.test/x HTTP/1.1\r\n\r\n", &v), 0,
	       "absolute-form to the connection's host");
	is_int(judge(&conn,
		     "CONNECT a.test:80 HTTP/1.1\r\nHost: a.test:80\r\n\r\n",
		     &v),
	       405, "CONNECT, even to the host itself: 405");
	is_int(judge(&conn, "GET / HTTP/1.0\r\n\r\n", &v), 400,
	       "no Host: 400");
	is_int(judge(&conn,
		     "GET / HTTP/1.1\r\nHost: a.test\r\n"
		     "Content-Length: 5\r\n\r\n",
		     &v),
	       400, "a body on GET: 400");
	is_int(judge(&conn,
		     "HEAD / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: "
		     "chunked\r\n\r\n",
		     &v),
	       400, "a chunked body on HEAD: 400");
	is_int(judge(&conn,
		     "GET / HTTP/1.1\r\nHost: a.test\r\n"
		     "Content-Length: 0\r\n\r\n",
		     &v),
	       0, "Content-Length: 0 on GET is no body");
	is_int(judge(&conn,
		     "POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n",
		     &v),
	       400, "Content-Length and chunked: 400");
	is_int(judge(&conn,
		     "POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n"
		     "Content-Length: 5\r\n\r\n",
		     &v),
	       400, "Content-Length twice: 400");
	is_int(judge(&conn,
		     "POST / HTTP/1.1\r\nHost: a.test\r\n"
		     "Content-Length: +5\r\n\r\n",
		     &v),
	       400, "an invalid Content-Length: 400");
	is_int(judge(&conn,
		     "POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: "
		     "gzip, chunked\r\n\r\n",
		     &v),
	       501, "another transfer coding: 501");
	is_int(judge(&conn,
		     "POST /r/git-receive-pack HTTP/1.1\r\nHost: a.test\r\n"
		     "Content-Length: 4\r\n\r\n",
		     &v),
	       0, "a push to a host not held");
	ok(!v.is_push, "... is not marked");
	is_int(judge(&held,
		     "POST /r/git-receive-pack HTTP/1.1\r\nHost: a.test\r\n"
		     "Content-Length: 4\r\n\r\n",
		     &v),
	       0, "a push to a held host");
	ok(v.is_push && !strcmp(v.repo, "/r"), "... is marked, with its repo");
	is_int(judge(&held,
		     "POST /r/git-receive-pack HTTP/1.1\r\nHost: a.test\r\n"
		     "Content-Encoding: gzip\r\nContent-Length: 4\r\n\r\n",
		     &v),
	       415, "a compressed push to a held host: 415");
	is_int(judge(&conn,
		     "GET /ws HTTP/1.1\r\nHost: a.test\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: upgrade\r\n\r\n",
		     &v),
	       0, "an upgrade request");
	ok(v.is_upgrade, "... is marked");
}

/* Feed @s whole, as often as it lets bytes go. Return: bytes passed, or
 * the negative code that stopped it */
static long feed_all(struct reqcheck_stream *st, const char *s, size_t len,
		     struct reqcheck_verdict *v)
{
	size_t pos = 0;

	while (pos < len) {
		int r = reqcheck_feed(st, &conn, (const uint8_t *)s + pos,
				      len - pos, v);

		if (r < 0)
			return pos ? -(long)pos * 1000 + r : r;
		pos += (size_t)r;
	}
	return (long)pos;
}

static void test_stream(void)
{
	static const char pipelined[] =
		"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"
		"POST /x HTTP/1.1\r\nHost: a.test\r\n"
		"Content-Length: 3\r\n\r\nabc"
		"POST /y HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked"
		"\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
		"GET /z HTTP/1.1\r\nHost: a.test\r\n\r\n";
	static const char second_other[] =
		"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"
		"GET / HTTP/1.1\r\nHost: www.a.test\r\n\r\n";
	static const char smuggle_in_body[] =
		"POST /x HTTP/1.1\r\nHost: a.test\r\nContent-Length: 38\r\n\r\n"
		"GET / HTTP/1.1\r\nHost: www.a.test\r\n\r\n"
		"GET / HTTP/1.1\r\nHost: www.a.test\r\n\r\n";
	struct reqcheck_stream st;
	struct reqcheck_verdict v;
	long r;

	memset(&st, 0, sizeof(st));
	r = feed_all(&st, pipelined, strlen(pipelined), &v);
	is_int(r, (long)strlen(pipelined), "pipelined requests all pass");
	is_int(st.n_requests, 4, "... four heads judged");

	memset(&st, 0, sizeof(st));
	r = feed_all(&st, second_other, strlen(second_other), &v);
	ok(r < 0 && v.status == 421, "a pipelined second request for another "
				     "host: 421");
	is_int(st.n_requests, 1, "... after the first one passed");

	memset(&st, 0, sizeof(st));
	r = feed_all(&st, smuggle_in_body, strlen(smuggle_in_body), &v);
	ok(r < 0 && v.status == 421 && st.n_requests == 1,
	   "a body is passed as a body; the head after it is judged");

	memset(&st, 0, sizeof(st));
	is_int(reqcheck_feed(&st, &conn, (const uint8_t *)"GET / HT", 8, &v),
	       -EAGAIN, "an incomplete head waits");

	memset(&st, 0, sizeof(st));
	r = feed_all(&st,
		     "POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: "
		     "chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
		     63, &v);
	ok(r < 0 && v.status == 400, "a chunk size line without CR: 400");
}

static void test_upgrade(void)
{
	static const char up[] = "GET /ws HTTP/1.1\r\nHost: a.test\r\n"
				 "Upgrade: websocket\r\nConnection: upgrade"
				 "\r\n\r\n";
	struct reqcheck_stream st;
	struct reqcheck_verdict v;

	memset(&st, 0, sizeof(st));
	is_int(reqcheck_feed(&st, &conn, (const uint8_t *)up, strlen(up), &v),
	       (int)strlen(up), "an upgrade request goes");
	is_int(reqcheck_feed(&st, &conn, (const uint8_t *)"xx", 2, &v), -EBUSY,
	       "... then nothing until the answer");
	ok(reqcheck_wants_reply(&st), "... which is waited for");
	is_int(reqcheck_upgrade_reply(&st, (const uint8_t *)"HTTP/1.1 10", 11),
	       -EAGAIN, "a short answer: more bytes");
	is_int(reqcheck_upgrade_reply(
		       &st, (const uint8_t *)"HTTP/1.1 101 Switching", 22),
	       0, "101");
	ok(reqcheck_is_opaque(&st), "... the connection is another protocol");
	is_int(reqcheck_feed(&st, &conn, (const uint8_t *)"\x81\x05hello", 7,
			     &v),
	       7, "... whose bytes go unread");

	memset(&st, 0, sizeof(st));
	reqcheck_feed(&st, &conn, (const uint8_t *)up, strlen(up), &v);
	reqcheck_upgrade_reply(&st, (const uint8_t *)"HTTP/1.1 400 Bad\r\n",
			       18);
	ok(!reqcheck_is_opaque(&st) && !reqcheck_wants_reply(&st),
	   "an upgrade refused by the server: requests go on");
	is_int(reqcheck_feed(&st, &conn,
			     (const uint8_t *)"GET / HTTP/1.1\r\nHost: b.test"
					      "\r\n\r\n",
			     32, &v),
	       -EPERM, "... and are judged");

	memset(&st, 0, sizeof(st));
	reqcheck_feed(&st, &conn,
		      (const uint8_t *)"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
		      32, &v);
	is_int(reqcheck_feed(&st, &conn, (const uint8_t *)up, strlen(up), &v),
	       -EPERM, "an upgrade after another request is refused");
}

int main(void)
{
	test_judge();
	test_stream();
	test_upgrade();
	return done_testing();
}

// SPDX-License-Identifier: MIT
/*
 * test-http.c - unit tests for http.c
 */
#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

static const char curl_get[] =
	"GET /repos/x/y HTTP/1.1\r\n"
	"Host: API.GitHub.com\r\n"
	"User-Agent: curl/7.88.1\r\n"
	"Accept: */*\r\n"
	"\r\n";

static struct http_head h;

static int parse(const char *s)
{
	return http_parse_head((const uint8_t *)s, strlen(s), &h);
}

static void test_good(void)
{
	char buf[256];
	size_t i;
	int bad = 0;

	is_int(parse(curl_get), 0, "curl GET");
	is_str(h.method, "GET", "method");
	is_str(h.target, "/repos/x/y", "target");
	is_str(h.host, "api.github.com", "host lowercased");
	ok(h.has_host && h.host_port == 0, "no port");
	is_int(h.version_minor, 1, "HTTP/1.1");
	is_int(h.head_len, strlen(curl_get), "head_len");

	for (i = 0; i < strlen(curl_get); i++)
		if (http_parse_head((const uint8_t *)curl_get, i, &h) !=
		    -EAGAIN)
			bad++;
	is_int(bad, 0, "every truncation: -EAGAIN");

	snprintf(buf, sizeof(buf), "%sPOST /x HTTP/1.1\r\n", curl_get);
	is_int(parse(buf), 0, "pipelined bytes after the head");
	is_int(h.head_len, strlen(curl_get), "head_len stops at blank line");

	is_int(parse("GET / HTTP/1.0\n\n"), 0, "HTTP/1.0, bare LF");
	ok(!h.has_host && h.version_minor == 0, "1.0 without Host");
	is_int(h.head_len, 16, "bare LF head_len");
	is_int(parse("GET / HTTP/1.1\nHost: a.org\r\n\n"), 0, "mixed EOLs");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org:8080\r\n\r\n"), 0,
	       "host:port");
	ok(!strcmp(h.host, "a.org") && h.host_port == 8080, "port 8080");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org:\r\n\r\n"), 0,
	       "empty port");
	is_int(h.host_port, 0, "empty port is none");
	is_int(parse("GET / HTTP/1.1\r\nhOsT:\t a.org. \t\r\n\r\n"), 0,
	       "name case, OWS, trailing dot");
	is_str(h.host, "a.org", "host trimmed");
	is_int(parse("GET / HTTP/1.1\r\nHost: [2001:DB8::1]:443\r\n\r\n"), 0,
	       "IPv6 host");
	is_str(h.host, "2001:db8::1", "IPv6 without brackets, lowercase");
	is_int(h.host_port, 443, "IPv6 port");
	is_int(parse("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n"), 0, "[::1]");
	is_int(parse("GET / HTTP/1.1\r\nHost: 203.0.113.5:81\r\n\r\n"), 0,
	       "IPv4 host");
	is_str(h.host, "203.0.113.5", "IPv4 host text");
	is_int(parse("OPTIONS * HTTP/1.1\r\nHost: a.org\r\n\r\n"), 0,
	       "asterisk-form");
	is_int(parse("CONNECT a.org:443 HTTP/1.1\r\nHost: a.org:443\r\n\r\n"),
	       0, "authority-form");
	is_int(parse("GET / HTTP/1.1\r\nX-A: \xc3\xa9\x80\r\n"
		     "Host: a.org\r\n\r\n"),
	       0, "obs-text in a value");
	is_int(parse("GET / HTTP/1.1\r\nX-Empty:\r\nHost: a.org\r\n\r\n"), 0,
	       "empty value");
	is_int(parse("M-SEARCH * HTTP/1.1\r\n\r\n"), 0, "token method");
	is_int(parse("ABCDEFGHIJKLMNO / HTTP/1.1\r\n\r\n"), 0,
	       "15-byte method");
}

static void test_absolute(void)
{
	is_int(parse("GET http://a.org/x HTTP/1.1\r\nHost: a.org\r\n\r\n"), 0,
	       "absolute-form, same host");
	is_int(parse("GET HTTP://A.org:80/x HTTP/1.1\r\nHost: a.org\r\n\r\n"),
	       0, "absolute-form, default port spelled out");
	is_int(parse("GET https://a.org/ HTTP/1.1\r\nHost: a.org:443\r\n\r\n"),
	       0, "https default port");
	is_int(parse("GET http://evil.org/ HTTP/1.1\r\nHost: a.org\r\n\r\n"),
	       -EBADMSG, "absolute-form naming another host");
	is_int(parse("GET http://a.org:81/ HTTP/1.1\r\nHost: a.org\r\n\r\n"),
	       -EBADMSG, "absolute-form naming another port");
	is_int(parse("GET http://x@a.org/ HTTP/1.1\r\nHost: a.org\r\n\r\n"),
	       -EBADMSG, "userinfo");
	is_int(parse("GET http://a.org?q HTTP/1.0\r\n\r\n"), 0,
	       "absolute-form without Host");
	ok(h.has_host && !strcmp(h.host, "a.org"), "host from the target");
	is_int(parse("GET http://[::1]:8080/ HTTP/1.0\r\n\r\n"), 0,
	       "absolute-form IPv6");
	ok(!strcmp(h.host, "::1") && h.host_port == 8080, "IPv6 target");
	is_int(parse("GET http:///x HTTP/1.0\r\n\r\n"), -EBADMSG,
	       "empty authority");
}

static void test_bad(void)
{
	is_int(parse(""), -EAGAIN, "empty");
	is_int(parse("\x16\x03\x01\x02\x00"), -EBADMSG, "TLS record");
	is_int(parse("SSH-2.0"), -EAGAIN, "short SSH banner prefix");
	is_int(parse("SSH-2.0-OpenSSH_9.2"), -EBADMSG, "SSH banner prefix");
	is_int(parse("SSH-2.0-OpenSSH_9.2\r\n"), -EBADMSG, "SSH banner line");
	is_int(parse("ABCDEFGHIJKLMNOP"), -EBADMSG,
	       "16-byte partial method");
	is_int(parse("ABCDEFGHIJKLMNOP / HTTP/1.1\r\n\r\n"), -EBADMSG,
	       "16-byte method");
	is_int(parse("G(T / HTTP/1.1\r\n\r\n"), -EBADMSG, "bad method");
	is_int(parse("\r\nGET / HTTP/1.1\r\n\r\n"), -EBADMSG, "leading CRLF");
	is_int(parse("GET  / HTTP/1.1\r\n\r\n"), -EBADMSG, "double space");
	is_int(parse("GET / x HTTP/1.1\r\n\r\n"), -EBADMSG,
	       "space in target");
	is_int(parse("GET /\tx HTTP/1.1\r\n\r\n"), -EBADMSG, "tab in target");
	is_int(parse("GET /\xc3\xa9 HTTP/1.1\r\n\r\n"), -EBADMSG,
	       "high byte in target");
	is_int(parse("GET / HTTP/1.1 \r\n\r\n"), -EBADMSG, "trailing space");
	is_int(parse("GET / HTTP/2.0\r\n\r\n"), -EBADMSG, "HTTP/2.0");
	is_int(parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), -EBADMSG,
	       "HTTP/2 preface");
	is_int(parse("GET / HTTP/1.2\r\n\r\n"), -EBADMSG, "HTTP/1.2");
	is_int(parse("GET / http/1.1\r\n\r\n"), -EBADMSG, "lowercase version");
	is_int(parse("GET /\r\n\r\n"), -EBADMSG, "HTTP/0.9");
	is_int(parse("GET / HTTP/1.1\r\n folded\r\n\r\n"), -EBADMSG,
	       "obs-fold");
	is_int(parse("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"), -EBADMSG,
	       "obs-fold with tab");
	is_int(parse("GET / HTTP/1.1\r\nHost : a.org\r\n\r\n"), -EBADMSG,
	       "space before colon");
	is_int(parse("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), -EBADMSG,
	       "no colon");
	is_int(parse("GET / HTTP/1.1\r\n: x\r\n\r\n"), -EBADMSG, "empty name");
	is_int(parse("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), -EBADMSG,
	       "bare CR in value");
	is_int(parse("GET / HTTP/1.1\r\r\n\r\n"), -EBADMSG,
	       "bare CR before CRLF");
	is_int(http_parse_head((const uint8_t *)"GET / HTTP/1.1\r\nX: a\0b\r\n"
						"\r\n",
			       26, &h),
	       -EBADMSG, "NUL in value");
	is_int(parse("GET / HTTP/1.1\r\nX: \x7f\r\n\r\n"), -EBADMSG, "DEL");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org\r\nHost: a.org\r\n\r\n"),
	       -EBADMSG, "duplicate Host, same value");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org\r\nhost: b.org\r\n\r\n"),
	       -EBADMSG, "duplicate Host");
	is_int(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n"), -EBADMSG,
	       "empty Host");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org, b.org\r\n\r\n"),
	       -EBADMSG, "Host list");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org:0\r\n\r\n"), -EBADMSG,
	       "port 0");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org:65536\r\n\r\n"), -EBADMSG,
	       "port 65536");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org:8x\r\n\r\n"), -EBADMSG,
	       "port junk");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org:1:2\r\n\r\n"), -EBADMSG,
	       "two colons");
	is_int(parse("GET / HTTP/1.1\r\nHost: u@a.org\r\n\r\n"), -EBADMSG,
	       "userinfo in Host");
	is_int(parse("GET / HTTP/1.1\r\nHost: a..org\r\n\r\n"), -EBADMSG,
	       "empty label");
	is_int(parse("GET / HTTP/1.1\r\nHost: [1.2.3.4]\r\n\r\n"), -EBADMSG,
	       "IPv4 in brackets");
	is_int(parse("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), -EBADMSG,
	       "unclosed bracket");
	is_int(parse("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n"), -EBADMSG,
	       "junk after bracket");
	is_int(parse("GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n"),
	       -EBADMSG, "zone id");
	is_int(parse("GET / HTTP/1.1\r\nHost: a.org\r\n"), -EAGAIN,
	       "no blank line yet");
	ok(h.host[0] == '\0' && !h.has_host, "result zeroed on -EAGAIN");
}

static void test_limits(void)
{
	static char buf[HTTP_HEAD_MAX + 4096];
	size_t n, i;

	n = (size_t)snprintf(buf, sizeof(buf), "GET /");
	memset(buf + n, 'a', 2046);
	n += 2046;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, " HTTP/1.1\r\n\r\n");
	is_int(http_parse_head((const uint8_t *)buf, n, &h), 0,
	       "2047-byte target");
	is_int(strlen(h.target), 2047, "target kept");
	n = (size_t)snprintf(buf, sizeof(buf), "GET /");
	memset(buf + n, 'a', 2047);
	n += 2047;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, " HTTP/1.1\r\n\r\n");
	is_int(http_parse_head((const uint8_t *)buf, n, &h), -E2BIG,
	       "2048-byte target");

	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n");
	for (i = 0; i < HTTP_MAX_HEADERS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-%zu: v\r\n",
				      i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	is_int(http_parse_head((const uint8_t *)buf, n, &h), 0,
	       "100 headers");
	n -= 2;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-last: v\r\n\r\n");
	is_int(http_parse_head((const uint8_t *)buf, n, &h), -E2BIG,
	       "101 headers");

	/* A head of exactly HTTP_HEAD_MAX bytes, then one byte more */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nX: ");
	memset(buf + n, 'v', HTTP_HEAD_MAX - n - 4);
	n = HTTP_HEAD_MAX - 4;
	memcpy(buf + n, "\r\n\r\n", 4);
	is_int(http_parse_head((const uint8_t *)buf, HTTP_HEAD_MAX, &h), 0,
	       "head of HTTP_HEAD_MAX bytes");
	is_int(h.head_len, HTTP_HEAD_MAX, "head_len at the limit");
	memmove(buf + 17, buf + 16, HTTP_HEAD_MAX - 16);
	buf[16] = 'X';
	is_int(http_parse_head((const uint8_t *)buf, HTTP_HEAD_MAX + 1, &h),
	       -E2BIG, "one byte over");
	is_int(http_parse_head((const uint8_t *)buf, HTTP_HEAD_MAX - 1, &h),
	       -EAGAIN, "below the limit, incomplete");
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', HTTP_HEAD_MAX - 5);
	is_int(http_parse_head((const uint8_t *)buf, HTTP_HEAD_MAX, &h),
	       -E2BIG, "request line never ends");
}

static void test_find(void)
{
	static const char head[] = "GET / HTTP/1.1\r\n"
				   "Host: a.org\r\n"
				   "Authorization: Bearer PLACEHOLDER\r\n"
				   "x-token:  t1 \r\n"
				   "X-Token:t2\n"
				   "\r\n"
				   "X-Token: body\r\n";
	const uint8_t *p = (const uint8_t *)head;
	size_t off = 0, len = 0, hl;

	is_int(http_parse_head(p, sizeof(head) - 1, &h), 0, "parse head");
	hl = h.head_len;
	is_int(http_find_header(p, hl, "authorization", &off, &len, 0), 0,
	       "find Authorization");
	ok(len == 18 && !memcmp(p + off, "Bearer PLACEHOLDER", len),
	   "Authorization value");
	is_int(http_find_header(p, hl, "X-TOKEN", &off, &len, 0), 0,
	       "first X-Token");
	ok(len == 2 && !memcmp(p + off, "t1", 2), "OWS trimmed");
	is_int(http_find_header(p, hl, "x-token", &off, &len, off + len), 0,
	       "second X-Token");
	ok(len == 2 && !memcmp(p + off, "t2", 2), "second value");
	is_int(http_find_header(p, hl, "x-token", &off, &len, off + len),
	       -ENOENT, "none in the head after that");
	is_int(http_find_header(p, hl, "host", &off, &len, 0), 0, "Host");
	is_int(http_find_header(p, hl, "hos", &off, &len, 0), -ENOENT,
	       "no prefix match");
	is_int(http_find_header(p, hl, "GET / HTTP/1.1", &off, &len, 0),
	       -ENOENT, "request line is not a header");
	is_int(http_find_header(p, hl, "host", &off, &len, hl + 1), -EINVAL,
	       "start past the end");
	is_int(http_find_header(p, hl, "host", &off, &len, hl), -ENOENT,
	       "start at the end");
	is_int(http_find_header((const uint8_t *)"GET / HTTP/1.1\r\nbad\r\n\r\n",
				23, "x", &off, &len, 0),
	       -EBADMSG, "malformed line");
	is_int(http_find_header(p, 10, "host", &off, &len, 0), -ENOENT,
	       "truncated head");
}

static int framing(const char *head, struct http_framing *fr)
{
	int r = parse(head);

	if (r)
		return r;
	return http_request_framing((const uint8_t *)head, h.head_len, &h, fr);
}

static void test_framing(void)
{
	struct http_framing fr;

	is_int(framing(curl_get, &fr), 0, "GET: no body");
	ok(!fr.is_chunked && !fr.length, "... length 0");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n",
		       &fr),
	       0, "Content-Length");
	is_int(fr.length, 12, "... 12");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: "
		       "Chunked\r\n\r\n",
		       &fr),
	       0, "chunked, any case");
	ok(fr.is_chunked, "... chunked");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
		       "Content-Length: 1\r\n\r\n",
		       &fr),
	       -EBADMSG, "two Content-Length, even equal");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n",
		       &fr),
	       -EBADMSG, "a list");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n",
		       &fr),
	       -EBADMSG, "a sign");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
		       "1000000000000000000\r\n\r\n",
		       &fr),
	       -EBADMSG, "19 digits");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
		       "999999999999999999\r\n\r\n",
		       &fr),
	       0, "18 digits");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n",
		       &fr),
	       -EBADMSG, "Content-Length with Transfer-Encoding");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
		       "gzip, chunked\r\n\r\n",
		       &fr),
	       -ENOTSUP, "another coding");
	is_int(framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
		       "chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		       &fr),
	       -ENOTSUP, "chunked twice");
	is_int(framing("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: "
		       "chunked\r\n\r\n",
		       &fr),
	       -ENOTSUP, "chunked in HTTP/1.0");
}

/* Feed @body in pieces of @step; Return: data bytes, or -errno */
static long chunked(const char *body, size_t len, size_t step, char *data,
		    size_t *used)
{
	struct http_chunked st = { 0 };
	size_t pos = 0, w = 0;

	while (pos < len && !http_chunked_done(&st)) {
		size_t n = len - pos < step ? len - pos : step, dl = 0;
		int r = http_chunked_feed(&st, (const uint8_t *)body + pos, n,
					  &dl);

		if (r < 0)
			return r;
		if (r == 0)
			break;
		if (dl) {
			memcpy(data + w, body + pos, dl);
			w += dl;
		}
		pos += (size_t)r;
	}
	*used = pos;
	return http_chunked_done(&st) ? (long)w : -EAGAIN;
}

static void test_chunked(void)
{
	static const char body[] = "3\r\nabc\r\nA;ext=\"x y\"\r\n0123456789\r\n"
				   "0\r\nX-Trailer: t\r\n\r\nGET / HTTP/1.1";
	size_t end = strlen(body) - strlen("GET / HTTP/1.1"), used;
	char data[64];
	int bad = 0;

	for (size_t step = 1; step <= sizeof(body); step++) {
		long n = chunked(body, sizeof(body) - 1, step, data, &used);

		bad += n != 13 || used != end || memcmp(data, "abc0123456789", 13);
	}
	is_int(bad, 0, "every piece size: 13 data bytes, stops at the end");
	is_int(chunked("0\r\n\r\n", 5, 100, data, &used), 0, "empty body");
	is_int(chunked("3\nabc\r\n0\r\n\r\n", 13, 100, data, &used), -EBADMSG,
	       "bare LF after the size");
	is_int(chunked("3\r\nabc\n0\r\n\r\n", 13, 100, data, &used), -EBADMSG,
	       "bare LF after the data");
	is_int(chunked("3\r\nabcd\r\n0\r\n\r\n", 15, 100, data, &used),
	       -EBADMSG, "data longer than its size");
	is_int(chunked(" 3\r\nabc\r\n0\r\n\r\n", 15, 100, data, &used),
	       -EBADMSG, "space before the size");
	is_int(chunked("\r\n", 2, 100, data, &used), -EBADMSG, "no size");
	is_int(chunked("-1\r\n", 4, 100, data, &used), -EBADMSG, "negative");
	is_int(chunked("1000000000000000\r\n", 18, 100, data, &used), -EBADMSG,
	       "16 hex digits");
	is_int(chunked("3;\x01\r\nabc\r\n0\r\n\r\n", 16, 100, data, &used),
	       -EBADMSG, "control byte in an extension");
	is_int(chunked("0\r\n: x\r\n\r\n", 10, 100, data, &used), -EBADMSG,
	       "trailer without a name");
	is_int(chunked("0\r\nX: a\rb\r\n\r\n", 14, 100, data, &used),
	       -EBADMSG, "bare CR in a trailer");
	is_int(chunked("3\r\nab", 5, 100, data, &used), -EAGAIN,
	       "incomplete: wants more");
	{
		struct http_chunked st = { 0 };
		size_t dl = 0;
		static char line[HTTP_CHUNK_LINE_MAX + 8];

		memset(line, 'x', sizeof(line));
		line[0] = '1';
		line[1] = ';';
		is_int(http_chunked_feed(&st, (const uint8_t *)line,
					 sizeof(line), &dl),
		       -EBADMSG, "a size line over HTTP_CHUNK_LINE_MAX");
	}
}

static void test_tokens(void)
{
	const char hd[] = "GET / HTTP/1.1\r\nHost: a\r\n"
			 "Connection: keep-alive , Upgrade\r\n"
			 "Transfer-Encoding: gzip,\r\n"
			 "Transfer-Encoding: ,chunked\r\n\r\n";
	struct http_tokens t;

	http_header_tokens((const uint8_t *)hd, sizeof(hd) - 1, "connection",
			   "upgrade", &t);
	ok(t.is_any && t.is_last && t.is_other,
	   "tokens: a member equal in any case, OWS trimmed, another differs");
	http_header_tokens((const uint8_t *)hd, sizeof(hd) - 1,
			   "Transfer-Encoding", "chunked", &t);
	ok(t.is_any && t.is_last && t.is_other,
	   "tokens: across two header lines, empty members skipped");
	http_header_tokens((const uint8_t *)hd, sizeof(hd) - 1,
			   "Transfer-Encoding", "gzip", &t);
	ok(t.is_any && !t.is_last, "tokens: not the last one");
	http_header_tokens((const uint8_t *)hd, sizeof(hd) - 1, "Upgrade",
			   "websocket", &t);
	ok(!t.is_any && !t.is_last && !t.is_other, "tokens: no such header");
	http_header_tokens((const uint8_t *)hd, sizeof(hd) - 1, "Connection",
			   "upgrad", &t);
	ok(!t.is_any, "tokens: a prefix is not the token");
}

int main(void)
{
	test_tokens();
	test_framing();
	test_chunked();
	test_good();
	test_absolute();
	test_bad();
	test_limits();
	test_find();
	return done_testing();
}

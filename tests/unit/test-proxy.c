// SPDX-License-Identifier: MIT
/*
 * test-proxy.c - unit tests for proxy.c: the CONNECT request and the head
 * of the proxy's answer
 */
#include "fwd/fwd.h"
#include "fwd/internal.h"
#include "tests/unit/tap.h"

static int head(const char *s, size_t *len)
{
	return proxy_answer_head(s, strlen(s), len);
}

static void test_answer(void)
{
	const char ok200[] = "HTTP/1.1 200 Connection established\r\n\r\nTLS";
	size_t len = 0;

	is_int(head(ok200, &len), 200, "200: its status");
	is_int((int)len, (int)strlen(ok200) - 3,
	       "... the head ends after its blank line, nothing beyond");
	is_int(head("HTTP/1.0 407 Proxy Authentication Required\r\n"
		    "Proxy-Authenticate: Basic\r\n\r\n", &len),
	       407, "407: its status");
	is_int(head("HTTP/1.1 200 OK\r\n", &len), 0,
	       "no blank line yet: more is needed");
	is_int(head("HTTP/1", &len), 0, "a prefix of the status line: more");
	is_int(head("", &len), 0, "nothing yet: more");
	is_int(head("SSH-2.0-x\r\n\r\n", &len), -EPROTO,
	       "not HTTP: refused at once");
	is_int(head("HTTX", &len), -EPROTO, "... from its first bytes");
	is_int(head("HTTP/1.1 2x0 OK\r\n\r\n", &len), -EPROTO,
	       "a status that is not three digits");
	is_int(head("HTTP/1.1\r\n\r\n", &len), -EPROTO, "no status at all");
}

static void test_request(void)
{
	struct upstream_proxy px = { .on = true };
	char buf[PROXY_REQUEST_MAX];
	int n;

	n = proxy_connect_request(&px, "api.test", 443, buf, sizeof(buf));
	is_str(buf, "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n"
		    "\r\n", "a name");
	is_int(n, (int)strlen(buf), "... its length");
	proxy_connect_request(&px, "2001:db8::1", 443, buf, sizeof(buf));
	is_str(buf, "CONNECT [2001:db8::1]:443 HTTP/1.1\r\n"
		    "Host: [2001:db8::1]:443\r\n\r\n",
	       "an IPv6 address is bracketed");
	snprintf(px.auth, sizeof(px.auth),
		 "Proxy-Authorization: Basic dTpw\r\n");
	proxy_connect_request(&px, "a.test", 80, buf, sizeof(buf));
	is_str(buf, "CONNECT a.test:80 HTTP/1.1\r\nHost: a.test:80\r\n"
		    "Proxy-Authorization: Basic dTpw\r\n\r\n",
	       "the proxy's credentials go with it");
	is_int(proxy_connect_request(&px, "a.test", 80, buf, 20),
	       -ENAMETOOLONG, "a buffer too small: refused, never cut");
}

int main(void)
{
	test_answer();
	test_request();
	return done_testing();
}

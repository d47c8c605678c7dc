// SPDX-License-Identifier: MIT
/*
 * test-secrets.c - unit tests for secrets.c's pure functions
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "tests/unit/tap.h"

#define PH_A "sk-ant-PLACEHOLDERaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define PH_B "ghp_PLACEHOLDERbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static struct secrets_sub subs[2] = {
	{ "A", PH_A, "sk-ant-REAL-value", 17, NULL },
	{ "B", PH_B, NULL, 0, NULL },	/* bound elsewhere */
};

static uint8_t out[65536];

static int rewrite(const char *head, uint32_t *inj, int *leaked)
{
	int r = secrets_rewrite_head((const uint8_t *)head, strlen(head),
				     "api.example.com", subs, 2, out,
				     sizeof(out) - 1, inj, leaked);

	out[r > 0 ? r : 0] = '\0';
	return r;
}

/* A bound host gets identity in place of the client's codings (a
 * compressed answer would hide a reflected value); elsewhere they stay */
static void test_accept_encoding(void)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: h\r\n"
				   "Accept-Encoding: gzip, br\r\n\r\n";
	uint32_t inj;
	int leaked, r;

	r = rewrite(head, &inj, &leaked);
	ok(r > 0 && strstr((char *)out, "Accept-Encoding: identity\r\n") &&
		   !strstr((char *)out, "gzip"),
	   "bound host: Accept-Encoding: identity only");
	r = secrets_rewrite_head((const uint8_t *)head, strlen(head), "h",
				 subs + 1, 1, out, sizeof(out) - 1, &inj,
				 &leaked);
	out[r > 0 ? r : 0] = '\0';
	ok(r > 0 && strstr((char *)out, "Accept-Encoding: gzip, br\r\n") &&
		   !strstr((char *)out, "identity"),
	   "no secret bound there: the client's own");
}

/* A WebSocket upgrade to a bound host keeps Upgrade, asks for no
 * compression of its frames, and ends in Connection: Upgrade */
static void test_websocket(void)
{
	static const char ws[] = "GET /ws HTTP/1.1\r\nHost: h\r\n"
				 "Upgrade: websocket\r\n"
				 "Connection: keep-alive, Upgrade\r\n"
				 "Sec-WebSocket-Key: a2V5a2V5a2V5a2V5a2V5aw==\r\n"
				 "Sec-WebSocket-Extensions: permessage-deflate\r\n"
				 "x-api-key: " PH_A "\r\n\r\n";
	static const char h2c[] = "GET / HTTP/1.1\r\nHost: h\r\n"
				  "Upgrade: h2c\r\nConnection: Upgrade\r\n\r\n";
	uint32_t inj;
	int leaked, r;

	ok(secrets_is_websocket((const uint8_t *)ws, strlen(ws)),
	   "a WebSocket upgrade is recognised");
	ok(!secrets_is_websocket((const uint8_t *)h2c, strlen(h2c)),
	   "h2c is not");
	r = rewrite(ws, &inj, &leaked);
	ok(r > 0 && strstr((char *)out, "Upgrade: websocket\r\n") &&
		   strstr((char *)out, "\r\nConnection: Upgrade\r\n\r\n") &&
		   !strstr((char *)out, "keep-alive") &&
		   !strstr((char *)out, "Connection: close") &&
		   !strstr((char *)out, "permessage-deflate") &&
		   strstr((char *)out, "x-api-key: sk-ant-REAL-value\r\n"),
	   "upgrade kept, extensions dropped, substituted");
	r = rewrite(h2c, &inj, &leaked);
	ok(r > 0 && !strstr((char *)out, "h2c") &&
		   strstr((char *)out, "Connection: close\r\n\r\n"),
	   "any other upgrade is dropped");
}

static void test_placeholder(void)
{
	uint8_t rnd[4 * SECRETS_PLACEHOLDER_MAX];
	char ph[SECRETS_PLACEHOLDER_MAX + 1];
	static const char *const vals[] = { "sk-ant-api03-abc", "ghp_x",
					    "github_pat_11AB_cd", "plain" };
	int r;

	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)(i * 37 + 11);
	for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
		r = secrets_make_placeholder(vals[i], strlen(vals[i]), rnd,
					     sizeof(rnd), ph, sizeof(ph));
		ok(r >= SECRETS_RANDOM_MIN, "placeholder for %s: %s", vals[i],
		   ph);
		ok(strstr(ph, vals[i]) == NULL, "does not hold the value");
	}
	r = secrets_make_placeholder("sk-ant-x", 8, rnd, sizeof(rnd), ph,
				     sizeof(ph));
	ok(!strncmp(ph, "sk-ant-", 7) && r == 7 + SECRETS_RANDOM_MIN,
	   "sk-ant- prefix kept, 32 random");
	r = secrets_make_placeholder("sk-proj-x", 9, rnd, sizeof(rnd), ph,
				     sizeof(ph));
	ok(!strncmp(ph, "sk-proj-", 8), "sk-proj- prefix kept");
	r = secrets_make_placeholder("plainvalue", 10, rnd, sizeof(rnd), ph,
				     sizeof(ph));
	ok(r == SECRETS_RANDOM_MIN && !strchr(ph, '-') && !strchr(ph, '_'),
	   "no prefix, alphanumeric: %s", ph);
	r = secrets_make_placeholder("plain", 5, rnd, 10, ph, sizeof(ph));
	is_int(r, -EAGAIN, "too few random bytes");
	r = secrets_make_placeholder("plain", 5, rnd, sizeof(rnd), ph, 10);
	is_int(r, -E2BIG, "small buffer");
	memset(rnd, 255, sizeof(rnd));
	r = secrets_make_placeholder("plain", 5, rnd, sizeof(rnd), ph,
				     sizeof(ph));
	is_int(r, -EAGAIN, "biased bytes are all rejected");
}

static void test_rewrite(void)
{
	uint32_t inj;
	int leaked, r;
	char want[1024];
	static const char basic_in[] = "Basic dXNlcjpzay1hbnQtUExBQ0VIT0xERV"
				       "JhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh"
				       "YWFhYWE=";

	r = rewrite("POST /v1/messages HTTP/1.1\r\n"
		    "Host: api.example.com.jail.internal\r\n"
		    "x-api-key: " PH_A "\r\n"
		    "Connection: keep-alive\r\n"
		    "Authorization: Bearer " PH_A "\r\n"
		    "Content-Length: 2\r\n\r\n",
		    &inj, &leaked);
	ok(r > 0, "rewrite: %d", r);
	is_str((char *)out,
	       "POST /v1/messages HTTP/1.1\r\n"
	       "Host: api.example.com\r\n"
	       "Accept-Encoding: identity\r\n"
	       "x-api-key: sk-ant-REAL-value\r\n"
	       "Authorization: Bearer sk-ant-REAL-value\r\n"
	       "Content-Length: 2\r\n"
	       "Connection: close\r\n\r\n",
	       "placeholder replaced, Host set, Connection: close");
	is_int((int)inj, 1, "secret A injected");

	/* base64("user:" PH_A) */
	snprintf(want, sizeof(want),
		 "GET / HTTP/1.1\nHost: x.jail.internal\n"
		 "authorization:   %s\n\n",
		 basic_in);
	r = rewrite(want, &inj, &leaked);
	ok(r > 0 && inj == 1, "Basic: substituted");
	/* base64("user:sk-ant-REAL-value") */
	ok(strstr((char *)out, "authorization: Basic "
			       "dXNlcjpzay1hbnQtUkVBTC12YWx1ZQ==\r\n") != NULL,
	   "Basic: re-encoded: %s", out);

	r = rewrite("GET / HTTP/1.1\r\nHost: a\r\nX-T: " PH_B "\r\n\r\n",
		    &inj, &leaked);
	is_int(r, -EACCES, "unbound placeholder refused");
	is_int(leaked, 1, "which one");
	r = rewrite("GET /?k=" PH_B " HTTP/1.1\r\nHost: a\r\n\r\n", &inj,
		    &leaked);
	is_int(r, -EACCES, "unbound placeholder in the target refused");
	r = rewrite("GET / HTTP/1.1\r\nHost: a\r\nX: no colon\r\nbad\r\n\r\n",
		    &inj, &leaked);
	is_int(r, -EBADMSG, "header without colon");
	r = rewrite("GET / HTTP/1.1\r\nHost: a\r\n", &inj, &leaked);
	is_int(r, -EBADMSG, "no blank line");
	r = secrets_rewrite_head((const uint8_t *)"GET / HTTP/1.1\r\n\r\n",
				 18, "h", subs, 2, out, 10, &inj, &leaked);
	is_int(r, -E2BIG, "small buffer");
}

static void test_scan(void)
{
	const char *dns = "sk-ant-placeholderaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaa"
			  ".allowed.test";
	const char *b = "GET / HTTP/1.1\r\nHost: h\r\nProxy-Authorization: "
			"Basic dXNlcjpzay1hbnQtUExBQ0VIT0xERVJhYWFhYWFhYWFh"
			"YWFhYWFhYWFhYWFhYWFhYWFhYWE=\r\n\r\n";

	is_int(secrets_scan((const uint8_t *)dns, strlen(dns), subs, 2), 0,
	       "split over labels, lowercased");
	is_int(secrets_scan((const uint8_t *)b, strlen(b), subs, 2), 0,
	       "inside Basic");
	is_int(secrets_scan((const uint8_t *)"x.allowed.test", 14, subs, 2),
	       -ENOENT, "clean name");
	is_int(secrets_scan((const uint8_t *)PH_B, strlen(PH_B), subs, 2), 1,
	       "second secret");
}

static void test_rewrite_request(void)
{
	static const char head[] = "POST /v1 HTTP/1.1\r\nHost: api.example.com\r\n"
				   "Connection: keep-alive\r\n"
				   "x-api-key: " PH_A "\r\n"
				   "Content-Length: 2\r\n\r\n";
	uint32_t inj = 0;
	int leaked = 0;
	int r = secrets_rewrite_request((const uint8_t *)head, strlen(head),
					"api.example.com:8443", subs, 2, out,
					sizeof(out) - 1, &inj, &leaked);

	out[r > 0 ? r : 0] = '\0';
	ok(r > 0, "kept-alive rewrite");
	ok(strstr((char *)out, "x-api-key: sk-ant-REAL-value\r\n") != NULL,
	   "substituted");
	ok(strstr((char *)out, "Host: api.example.com:8443\r\n") != NULL,
	   "Host with the port");
	ok(!strstr((char *)out, "Connection"), "no Connection header at all");
	ok(r > 4 && !memcmp(out + r - 4, "\r\n\r\n", 4) &&
		   strstr((char *)out, "Content-Length: 2\r\n\r\n"),
	   "ends after the last header");
	is_int(inj, 1, "injected A");
	r = secrets_rewrite_request((const uint8_t *)"GET / HTTP/1.1\r\nX: " PH_B
				    "\r\n\r\n",
				    23 + strlen(PH_B), "h", subs, 2, out,
				    sizeof(out), &inj, &leaked);
	is_int(r, -EACCES, "unbound placeholder refused");
	is_int(leaked, 1, "... B");
}

/* Scan @body cut into pieces of @step bytes */
static int scan_in_steps(const char *body, size_t step)
{
	struct secrets_stream st = { .tail_len = 0 };
	size_t len = strlen(body);

	for (size_t i = 0; i < len; i += step) {
		size_t n = len - i < step ? len - i : step;
		int r = secrets_scan_stream(&st, (const uint8_t *)body + i, n,
					    subs, 2);

		if (r != -ENOENT)
			return r;
	}
	return -ENOENT;
}

static void test_scan_stream(void)
{
	static char big[70000];
	int bad = 0;

	is_int(scan_in_steps("{\"k\":\"" PH_B "\"}", 4096), 1,
	       "a foreign placeholder in one piece");
	is_int(scan_in_steps("{\"k\":\"" PH_A "\"}", 4096), -ENOENT,
	       "a bound one is not searched");
	for (size_t step = 1; step < 60; step++)
		bad += scan_in_steps("xx" PH_B "yy", step) != 1;
	is_int(bad, 0, "found across every cut, pieces of 1..59 bytes");
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big + 65530, PH_B, strlen(PH_B));
	is_int(scan_in_steps(big, 65536), 1, "across a 64 KiB boundary");
	is_int(scan_in_steps(big, 7), 1, "in small pieces");
	memcpy(big + 65530, "ghp_PLACEHOLDERbbbb-", 20);
	is_int(scan_in_steps(big, 65536), -ENOENT, "a prefix alone is not it");
	{
		struct secrets_stream st = { .tail_len = sizeof(st.tail) + 1 };

		is_int(secrets_scan_stream(&st, (const uint8_t *)"x", 1, subs,
					   2),
		       -EINVAL, "corrupt state refused");
	}
}

int main(void)
{
	test_placeholder();
	test_rewrite();
	test_accept_encoding();
	test_websocket();
	test_scan();
	test_rewrite_request();
	test_scan_stream();
	return done_testing();
}

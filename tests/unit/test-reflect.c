// SPDX-License-Identifier: MIT
/*
 * test-reflect.c - real values sent back by a bound host are replaced,
 * however the bytes are split, framed or chunked (fwd/reflect.c)
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/reflect.h"
#include "parse/parse.h"
#include "tap.h"

#define VAL "sk-ant-REALVALUEREALVALUEREALVALUE0123"
#define PH  "sk-ant-placeholderplaceholderplace9999"

static struct reflect_pat pats[REFLECT_PATS];
static struct reflect_store store;
static size_t n_pats;
static uint8_t out[1 << 20];
static size_t out_len;

static void setup(void)
{
	static const struct secrets_sub subs[] = {
		{ "K", PH, VAL, sizeof(VAL) - 1, NULL },
		{ "J", "ghp_JJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ", NULL, 0, NULL },
		{ "S", "shortplaceholderXXXXXXXXXXXXXXXXXXX", "tiny-v4lue",
		  10, NULL },
	};

	n_pats = reflect_make_pats(subs, 3, pats, &store);
}

/* Feed @in to a fresh stream matcher in pieces of @step; end it */
static uint32_t stream_pieces(const char *in, size_t step)
{
	struct reflect_stream st = { 0 };
	static uint8_t tmp[1 << 16];
	uint32_t hits = 0;
	size_t len = strlen(in);
	int w;

	out_len = 0;
	for (size_t i = 0; i < len; i += step) {
		size_t k = len - i < step ? len - i : step;

		w = reflect_stream_feed(&st, pats, n_pats,
					(const uint8_t *)in + i, k, tmp,
					sizeof(tmp), &hits);
		if (w < 0)
			return 0xdead;
		memcpy(out + out_len, tmp, (size_t)w);
		out_len += (size_t)w;
	}
	w = reflect_stream_flush(&st, pats, n_pats, tmp, sizeof(tmp));
	memcpy(out + out_len, tmp, (size_t)w);
	out_len += (size_t)w;
	out[out_len] = 0;
	return hits;
}

/* A whole connection's answers, fed in pieces of @step */
static int resp_pieces(struct reflect_resp *r, const char *in, size_t step,
		       uint32_t *hits)
{
	static uint8_t tmp[REFLECT_OUT_MAX(4096)];
	size_t len = strlen(in);
	int w;

	out_len = 0;
	for (size_t i = 0; i < len; i += step) {
		size_t k = len - i < step ? len - i : step;

		w = reflect_resp_feed(r, pats, n_pats, (const uint8_t *)in + i,
				      k, tmp, sizeof(tmp), hits);
		if (w < 0)
			return w;
		memcpy(out + out_len, tmp, (size_t)w);
		out_len += (size_t)w;
	}
	w = reflect_resp_end(r, pats, n_pats, tmp, sizeof(tmp));
	memcpy(out + out_len, tmp, (size_t)w);
	out_len += (size_t)w;
	out[out_len] = 0;
	return 0;
}

static void test_stream(void)
{
	const char *in = "x-api-key: " VAL "\r\nand again " VAL " end";
	bool all = true;

	is_int((int)n_pats, 8, "four patterns per value bound here");
	ok(pats[4].len == 10 && !memcmp(pats[4].to, "shortplace", 10),
	   "a short value's replacement: its placeholder's beginning");
	for (size_t step = 1; step <= strlen(in); step++) {
		uint32_t h = stream_pieces(in, step);

		all &= h == 1 && out_len == strlen(in) && !strstr((char *)out, VAL) &&
		       strstr((char *)out, PH) != NULL;
	}
	ok(all, "a value split at every possible point is replaced, the length kept");
	stream_pieces("no value here, but its start: sk-ant-REALVAL", 7);
	ok(!strstr((char *)out, "REALVAL") &&
		   !strcmp((char *)out, "no value here, but its start: sk-ant-placeho"),
	   "a stream ending inside a value: the held start leaves masked");
	stream_pieces("sk-ant-REALVALUEREALVALUEREALVALUE012sk-ant-REALVALUEREALVALUEREALVALUE0123", 5);
	ok(!strstr((char *)out, VAL), "a near miss then the value: replaced");
	is_int((int)stream_pieces("tiny-v4lue,tiny-v4lue", 3), 4,
	       "the short value's bit");
	is_str((char *)out, "shortplace,shortplace", "... replaced twice");
	stream_pieces("plain text, no s at the end", 4);
	is_str((char *)out, "plain text, no s at the end",
	       "bytes without a value pass unchanged");
}

/* "Basic base64(PREFIX:VAL)" for each alignment: no base64 of the value
 * remains, decoded it holds the placeholder's middle */
static void test_base64(void)
{
	static const char *const users[] = { "u:", "us:", "use:" };
	bool all = true;

	for (size_t i = 0; i < ARRAY_SIZE(users); i++) {
		uint8_t cred[256], enc[512], dec[512];
		char line[600];
		int cl = snprintf((char *)cred, sizeof(cred), "%s%s", users[i],
				  VAL);
		int el = base64_encode(cred, (size_t)cl, enc, sizeof(enc));
		int dl;

		snprintf(line, sizeof(line), "Authorization: Basic %.*s\r\n",
			 el, enc);
		all &= stream_pieces(line, 5) == 1;
		dl = base64_decode(out + 21, out_len - 23, dec, sizeof(dec));
		all &= dl == cl && !memmem(dec, (size_t)dl, VAL, 20) &&
		       memmem(dec, (size_t)dl, "laceholderplace", 15) != NULL;
	}
	ok(all, "a Basic credential quoted back: the value's base64 replaced "
		"at each alignment");
}

/* @in with every VAL replaced by PH: what the matcher must give */
static void expected(const char *in, char *exp)
{
	char *at = exp;

	strcpy(exp, in);
	while ((at = strstr(at, VAL)) != NULL) {
		memcpy(at, PH, strlen(PH));
		at += strlen(PH);
	}
}

/*
 * Pieces long enough for the one-pass look (reflect.c's skip): the value
 * at the start, the end and in between, cut at every piece boundary,
 * after runs of near misses (the value less its last byte) many enough
 * to give the quick look up, and few
 */
static void test_long(void)
{
	static char in[40000], exp[40000];
	static const char *const near =
		"sk-ant-REALVALUEREALVALUEREALVALUE012,";
	static const size_t steps[] = { 256, 300, 1000, 4096, 16384, 40000 };
	size_t n;
	bool all = true;

	n = (size_t)snprintf(in, sizeof(in), "%s", VAL);
	while (n < 10000)
		in[n++] = 'x';
	n += (size_t)snprintf(in + n, sizeof(in) - n, "%s", VAL);
	for (size_t i = 0; i < 300; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "%s", near);
	n += (size_t)snprintf(in + n, sizeof(in) - n, "%s", VAL);
	for (size_t i = 0; i < 3; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "%s", near);
	n += (size_t)snprintf(in + n, sizeof(in) - n, "%s", VAL);
	for (; n < 30000; n++)
		in[n] = (char)('a' + n % 26);
	n += (size_t)snprintf(in + n, sizeof(in) - n, "%s", VAL);
	in[n] = 0;
	expected(in, exp);
	for (size_t s = 0; s < ARRAY_SIZE(steps); s++)
		for (size_t shift = 0; shift < strlen(VAL); shift += 7) {
			uint32_t h;

			/* Every value cut at another point by each run */
			memmove(in + 1, in, n + 1);
			in[0] = ' ';
			memmove(exp + 1, exp, n + 1);
			exp[0] = ' ';
			n++;
			h = stream_pieces(in, steps[s]);
			all &= h == 1 && out_len == n &&
			       !strcmp((char *)out, exp);
		}
	ok(all, "values in long pieces, after near misses, cut anywhere: "
		"each replaced, nothing else changed");
	memset(in, 'x', 20000);
	in[20000] = 0;
	is_int((int)stream_pieces(in, 16384), 0,
	       "a long answer without a value");
	ok(out_len == 20000 && !memcmp(out, in, 20000), "... passes unchanged");
}

/*
 * The quick look runs from the start and from the middle at once: a
 * value at every place around the middle of a piece, across it too
 */
static void test_middle(void)
{
	static char in[20000], exp[20000];
	static const size_t lens[] = { 256, 1001, 16384 };
	size_t vl = strlen(VAL);
	bool all = true;

	for (size_t l = 0; l < ARRAY_SIZE(lens); l++)
		for (size_t at = lens[l] / 2 - 2 * vl; at <= lens[l] / 2 + vl;
		     at++) {
			uint32_t h;

			for (size_t i = 0; i < lens[l]; i++)
				in[i] = (char)('a' + i % 26);
			memcpy(in + at, VAL, vl);
			in[lens[l]] = 0;
			expected(in, exp);
			h = stream_pieces(in, lens[l]);
			all &= h == 1 && out_len == lens[l] &&
			       !strcmp((char *)out, exp);
		}
	ok(all, "a value anywhere around a piece's middle: replaced");
}

static void test_resp(void)
{
	struct reflect_resp r = { 0 };
	uint32_t hits = 0;
	char in[4096];
	int e;

	/* Two answers on one connection: Content-Length, then chunked
	 * with the value cut by the framing, and a trailer */
	snprintf(in, sizeof(in),
		 "HTTP/1.1 200 OK\r\nX-Echo: %s\r\nContent-Length: %zu\r\n\r\n%s"
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "a\r\n%.10s\r\n%zx;ext=1\r\n%s\r\n0\r\nX-T: %s\r\n\r\n",
		 VAL, sizeof(VAL) - 1, VAL, VAL, sizeof(VAL) - 1 - 10,
		 VAL + 10, VAL);
	reflect_resp_request(&r, false);
	reflect_resp_request(&r, false);
	for (size_t step = 1; step < 80; step += 13) {
		memset(&r, 0, sizeof(r));
		reflect_resp_request(&r, false);
		reflect_resp_request(&r, false);
		hits = 0;
		e = resp_pieces(&r, in, step, &hits);
		if (e || strstr((char *)out, VAL) || hits != 1)
			break;
	}
	is_int(e, 0, "two answers, chunked and not, fed in pieces");
	ok(!strstr((char *)out, VAL), "no value left (head, body, chunks, trailer)");
	ok(strstr((char *)out, "X-Echo: " PH "\r\n") != NULL,
	   "the head's value is the placeholder");
	ok(strstr((char *)out, "\r\n\r\n" PH "HTTP/1.1 200") != NULL,
	   "the Content-Length body keeps its length");
	ok(strstr((char *)out, PH "\r\n0\r\nX-T: " PH "\r\n\r\n") != NULL,
	   "the chunked body re-chunked, its trailer kept");
	is_int((int)r.n_reqs, 0, "both requests answered");

	memset(&r, 0, sizeof(r));
	reflect_resp_request(&r, true);
	reflect_resp_request(&r, false);
	e = resp_pieces(&r, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
			    "HTTP/1.1 100 Continue\r\n\r\n"
			    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
			    "HTTP/1.1 200 OK\r\n\r\n" VAL,
			7, &hits);
	is_int(e, 0, "HEAD, 100 Continue, then a body to the close");
	ok(strstr((char *)out, "\r\n\r\nabcHTTP/1.1 200 OK\r\n\r\n" PH) != NULL,
	   "... each framed right, the last value replaced");

	memset(&r, 0, sizeof(r));
	reflect_resp_request(&r, false);
	e = resp_pieces(&r, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
			    "Content-Length: 3\r\n\r\nabc", 5, &hits);
	is_int(e, -ENOTSUP, "a compressed body is not passed on");
	ok(out_len == 0, "... not even its head");
	memset(&r, 0, sizeof(r));
	reflect_resp_request(&r, false);
	e = resp_pieces(&r, "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n"
			    "Content-Length: 3\r\n\r\nabc", 5, &hits);
	is_int(e, 0, "Content-Encoding: identity passes");
	memset(&r, 0, sizeof(r));
	reflect_resp_request(&r, false);
	e = resp_pieces(&r, "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n"
			    "Content-Encoding: br, identity\r\n"
			    "Content-Length: 3\r\n\r\nabc", 5, &hits);
	is_int(e, -ENOTSUP, "... but not a coding listed before it");
	memset(&r, 0, sizeof(r));
	reflect_resp_request(&r, false);
	e = resp_pieces(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, "
			    "chunked\r\n\r\n0\r\n\r\n", 5, &hits);
	is_int(e, -ENOTSUP, "a transfer coding but chunked: not passed on");

	memset(&r, 0, sizeof(r));
	reflect_resp_request(&r, false);
	e = resp_pieces(&r, "HTTP/1.1 101 Switching Protocols\r\n\r\n"
			    "\x81\x26" VAL, 3, &hits);
	is_int(e, 0, "101: the rest is a stream");
	ok(strstr((char *)out, PH) && !strstr((char *)out, VAL),
	   "... scanned all the same");

	memset(&r, 0, sizeof(r));
	e = resp_pieces(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "zz\r\n", 4, &hits);
	is_int(e, -EBADMSG, "chunked framing it cannot follow: an error");
	memset(&r, 0, sizeof(r));
	e = resp_pieces(&r, "SSH-2.0-x\r\n\r\n", 4, &hits);
	is_int(e, -EBADMSG, "not an HTTP answer: an error");
	for (int i = 0; i < REFLECT_REQS; i++)
		reflect_resp_request(&r, false);
	is_int(reflect_resp_request(&r, false), -E2BIG,
	       "requests awaiting answers are bounded");
}

/*
 * As resp_pieces(), each piece first offered to reflect_resp_body() (in
 * place), reflect_resp_feed() taking those it refuses. Return: how many
 * it took in place, or -errno
 */
static int body_pieces(struct reflect_resp *r, const char *in, size_t step,
		       uint32_t *hits)
{
	static uint8_t tmp[REFLECT_OUT_MAX(4096)];
	static uint8_t piece[4096];
	size_t len = strlen(in);
	int w, n_in_place = 0;

	out_len = 0;
	for (size_t i = 0; i < len; i += step) {
		size_t k = len - i < step ? len - i : step;

		memcpy(piece, in + i, k);
		w = reflect_resp_body(r, pats, n_pats, piece, k, hits);
		if (w >= 0) {
			memcpy(out + out_len, piece, (size_t)w);
			out_len += (size_t)w;
			n_in_place++;
			continue;
		}
		if (w != -EAGAIN)
			return w;
		w = reflect_resp_feed(r, pats, n_pats, piece, k, tmp,
				      sizeof(tmp), hits);
		if (w < 0)
			return w;
		memcpy(out + out_len, tmp, (size_t)w);
		out_len += (size_t)w;
	}
	w = reflect_resp_end(r, pats, n_pats, tmp, sizeof(tmp));
	memcpy(out + out_len, tmp, (size_t)w);
	out_len += (size_t)w;
	out[out_len] = 0;
	return n_in_place;
}

static void test_body(void)
{
	static char in[3000], want[3000];
	struct reflect_resp r = { 0 };
	char body[1200];
	uint32_t hits = 0;
	bool same = true;
	int n_in_place = 0, e;
	uint8_t b[8] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };

	/* A long Content-Length body with the value in it three times (one
	 * at its very end), the next answer to the close after it */
	memset(body, 'x', sizeof(body));
	memcpy(body + 100, VAL, sizeof(VAL) - 1);
	memcpy(body + 700, VAL, sizeof(VAL) - 1);
	memcpy(body + sizeof(body) - 1 - (sizeof(VAL) - 1), VAL,
	       sizeof(VAL) - 1);
	body[sizeof(body) - 1] = 0;
	snprintf(in, sizeof(in),
		 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s"
		 "HTTP/1.1 200 OK\r\n\r\nsk-ant-RE%s tail sk-ant-REALVAL",
		 strlen(body), body, VAL);
	for (size_t step = 1; step < 700 && same;
	     step += step < 40 ? 1 : 37) {
		memset(&r, 0, sizeof(r));
		reflect_resp_request(&r, false);
		reflect_resp_request(&r, false);
		hits = 0;
		e = resp_pieces(&r, in, step, &hits);
		memcpy(want, out, out_len + 1);
		memset(&r, 0, sizeof(r));
		reflect_resp_request(&r, false);
		reflect_resp_request(&r, false);
		hits = 0;
		e |= body_pieces(&r, in, step, &hits) < 0;
		if (step > 60)
			n_in_place += !e;
		same = !e && !strcmp((char *)out, want) && hits == 1 &&
		       !strstr((char *)out, VAL) &&
		       !strstr((char *)out, "REALVAL");
	}
	ok(same, "bodies put out of sight in place: the same bytes as copied, "
		 "however the reads fall");
	ok(n_in_place > 0,
	   "... and large reads inside a body were taken in place");
	memset(&r, 0, sizeof(r));
	is_int(reflect_resp_body(&r, pats, n_pats, b, sizeof(b), &hits),
	       -EAGAIN, "a head is never taken in place");
	r.state = RS_LENGTH;
	r.left = 4;
	is_int(reflect_resp_body(&r, pats, n_pats, b, sizeof(b), &hits),
	       -EAGAIN, "nor bytes past the body's end");
	r.left = 100;
	r.raw.held_len = 1;
	is_int(reflect_resp_body(&r, pats, n_pats, b, sizeof(b), &hits),
	       -EAGAIN, "nor bytes after held ones");
	memset(&r, 0, sizeof(r));
	r.state = RS_CHUNKED;
	is_int(reflect_resp_body(&r, pats, n_pats, b, sizeof(b), &hits),
	       -EAGAIN, "nor chunked bodies (re-chunked)");
}

static void test_status(void)
{
	unsigned int s = 0;

	ok(!reflect_parse_status((const uint8_t *)"HTTP/1.1 204 No", 15, &s) &&
		   s == 204, "status 204");
	ok(reflect_parse_status((const uint8_t *)"HTTP/1.1 20x", 12, &s) < 0,
	   "a status that is not three digits");
	ok(reflect_parse_status((const uint8_t *)"HTTP/2 200 ", 11, &s) < 0,
	   "not HTTP/1");
}

int main(void)
{
	setup();
	test_stream();
	test_base64();
	test_long();
	test_middle();
	test_resp();
	test_body();
	test_status();
	return done_testing();
}

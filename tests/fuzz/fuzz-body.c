// SPDX-License-Identifier: MIT
/*
 * fuzz-body.c - request bodies on an intercepted connection: framing
 * headers, chunked framing, the placeholder scan
 *
 * Input: byte 0 picks a piece size, the rest is a request as the jail
 * would send it. Following a chunked body must give the same data and
 * the same end however it is cut; the body scan must find a placeholder
 * in pieces exactly when it is in the whole.
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PH "ghp_PLACEHOLDERbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const struct secrets_sub subs[2] = {
	{ "A", "sk-ant-PLACEHOLDERaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "v", 1,
	  NULL },
	{ "B", PH, NULL, 0, NULL },
};

/* Follow a chunked body in pieces of @step: Return: bytes used or -1 */
static long follow(const uint8_t *b, size_t len, size_t step,
		   uint8_t *out, size_t *out_len, bool *is_done)
{
	struct http_chunked st;
	size_t pos = 0;

	memset(&st, 0, sizeof(st));
	*out_len = 0;
	*is_done = false;
	while (pos < len && !http_chunked_done(&st)) {
		size_t n = len - pos < step ? len - pos : step, dl = 7;
		int r = http_chunked_feed(&st, b + pos, n, &dl);

		if (r < 0)
			return -1;
		if ((size_t)r > n || (dl && dl != (size_t)r) || (!r && n))
			__builtin_trap();
		memcpy(out + *out_len, b + pos, dl);
		*out_len += dl;
		pos += (size_t)r;
	}
	*is_done = http_chunked_done(&st);
	return (long)pos;
}

static void check_chunked(const uint8_t *b, size_t len, size_t step)
{
	static uint8_t whole[1 << 16], cut[1 << 16];
	size_t wl, cl;
	bool wd, cd;
	long w, c;

	if (len > sizeof(whole))
		return;
	w = follow(b, len, len ? len : 1, whole, &wl, &wd);
	c = follow(b, len, step, cut, &cl, &cd);
	/* An error may show earlier or later, but a body that ends ends
	 * at the same byte with the same data */
	if (w >= 0 && c >= 0 &&
	    (wd != cd || (wd && (w != c || wl != cl ||
				 memcmp(whole, cut, wl)))))
		__builtin_trap();
	if ((w < 0) != (c < 0) && (wd || cd))
		__builtin_trap();
}

static void check_scan(const uint8_t *b, size_t len, size_t step)
{
	struct secrets_stream st;
	bool in_whole = memmem(b, len, PH, strlen(PH)) != NULL;
	bool in_cut = false;

	memset(&st, 0, sizeof(st));
	for (size_t pos = 0; pos < len && !in_cut; pos += step) {
		size_t n = len - pos < step ? len - pos : step;

		in_cut = secrets_scan_stream(&st, b + pos, n, subs, 2) == 1;
	}
	if (in_whole != in_cut)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_head h;
	struct http_framing fr;
	size_t step;

	if (!size)
		return 0;
	step = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	check_chunked(data, size, step);
	check_scan(data, size, step);
	if (http_parse_head(data, size, &h) == 0 &&
	    http_request_framing(data, h.head_len, &h, &fr) == 0) {
		if (fr.is_chunked && fr.length)
			__builtin_trap();
		check_chunked(data + h.head_len, size - h.head_len, step);
	}
	return 0;
}

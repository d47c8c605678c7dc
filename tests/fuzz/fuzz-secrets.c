// SPDX-License-Identifier: MIT
/*
 * fuzz-secrets.c - placeholder scanning and request head rewriting
 *
 * Input: the first bytes of a connection from the jail. Every head that
 * http_parse_head() accepts is rewritten for a bound host; the result must
 * fit its buffer, parse again as a head naming that host, and never carry
 * the placeholder of the secret that is not bound there.
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PH_A "sk-ant-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define PH_B "ghp_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct secrets_sub subs[] = {
		{ "A", PH_A, "real-value-of-a", 15, NULL },
		{ "B", PH_B, NULL, 0, NULL },
	};
	static uint8_t out[4 * HTTP_HEAD_MAX];
	static struct http_head h, again;
	uint32_t inj = 0;
	int leaked = 0, r;

	r = secrets_scan(data, size, subs, 2);
	if (r != -ENOENT && (r < 0 || r > 1))
		__builtin_trap();
	if (http_parse_head(data, size, &h))
		return 0;
	r = secrets_rewrite_head(data, h.head_len, "api.example.com", subs, 2,
				 out, sizeof(out), &inj, &leaked);
	if (r == -EACCES && leaked != 1)
		__builtin_trap();
	if (r < 0)
		return 0;
	if ((size_t)r > sizeof(out) || inj > 1 || leaked != -1)
		__builtin_trap();
	if (secrets_scan(out, (size_t)r, subs + 1, 1) != -ENOENT)
		__builtin_trap();
	if (!http_parse_head(out, (size_t)r, &again) &&
	    strcmp(again.host, "api.example.com"))
		__builtin_trap();
	return 0;
}

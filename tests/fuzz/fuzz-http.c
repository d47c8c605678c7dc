// SPDX-License-Identifier: MIT
/*
 * fuzz-http.c - HTTP/1 request heads and header lookup
 *
 * Input: the first bytes of a connection. A head that parses must parse
 * the same from exactly its own bytes, not from one byte fewer, and every
 * header value found must lie inside it.
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every match lies on a later line than the previous one */
static void walk(const uint8_t *head, size_t len, const char *name)
{
	size_t off = 0, vlen = 0, start = 0, n;

	for (n = 0; n <= len; n++) {
		if (http_find_header(head, len, name, &off, &vlen, start))
			return;
		if ((n && off <= start) || off + vlen > len)
			__builtin_trap();
		start = off + vlen;
	}
	__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_head h, again;
	size_t off, vlen;

	if (http_parse_head(data, size, &h)) {
		walk(data, size, "x");
		return 0;
	}
	if (h.head_len > size || h.head_len > HTTP_HEAD_MAX ||
	    strlen(h.host) >= sizeof(h.host) || h.version_minor > 1)
		__builtin_trap();
	if (http_parse_head(data, h.head_len, &again) ||
	    memcmp(&h, &again, sizeof(h)))
		__builtin_trap();
	if (http_parse_head(data, h.head_len - 1, &again) == 0)
		__builtin_trap();
	walk(data, h.head_len, "host");
	walk(data, h.head_len, "x-token");
	if (h.has_host && !strchr(h.target, ':') &&
	    http_find_header(data, h.head_len, "Host", &off, &vlen, 0))
		__builtin_trap();
	return 0;
}

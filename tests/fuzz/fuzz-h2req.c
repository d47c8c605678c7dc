// SPDX-License-Identifier: MIT
/*
 * fuzz-h2req.c - an HTTP/2 request's header list as the HTTP/1.1 head it
 * is judged as (h2_req_head()), and a judged head as the header list
 * sent on (h2_head_nv())
 *
 * Input: one byte of flags (bit 0: a body follows), then fields, each
 * NAME NUL VALUE NUL. nghttp2 has already refused names and values with
 * CR, LF or NUL by the time h2req.c sees them, but the conversion is
 * checked on any bytes: it stays within its buffer, and a head that
 * http_parse_head() accepts turns into fields whose names and values
 * hold no CR or LF and lie within the head.
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/reflect.h"
#include "fwd/icpt.h"
#include "fwd/h2.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_nv(const uint8_t *o, size_t len, const nghttp2_nv *nv,
		     size_t n)
{
	for (size_t i = 4; i < n; i++) {
		const nghttp2_nv *f = &nv[i];

		/* "te: trailers", added for gRPC, is not from the head */
		if (f->namelen == 2 && !memcmp(f->name, "te", 2) &&
		    f->valuelen == 8 && !memcmp(f->value, "trailers", 8) &&
		    (f->name < o || f->name >= o + len))
			continue;
		if (f->name < o || f->name + f->namelen > o + len ||
		    f->value < o || f->value + f->valuelen > o + len)
			__builtin_trap();
		if (memchr(f->name, '\n', f->namelen) ||
		    memchr(f->name, '\r', f->namelen) ||
		    memchr(f->value, '\n', f->valuelen) ||
		    memchr(f->value, '\r', f->valuelen))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[H2_HDR_BYTES], head[HTTP_HEAD_MAX + 64];
	static nghttp2_nv nv[H2_HDR_MAX + 8];
	static struct http_head h;
	struct h2_hdrs hd = { .b = buf };
	char method[16];
	bool is_te = false, has_body;
	size_t at = 1;
	int len;

	if (!size || size - 1 > sizeof(buf))
		return 0;
	has_body = data[0] & 1;
	memcpy(buf, data + 1, size - 1);
	/* NAME NUL VALUE NUL, offsets into @buf */
	while (at < size && hd.n < H2_HDR_MAX) {
		const uint8_t *nz = memchr(data + at, 0, size - at), *vz;

		if (!nz)
			break;
		vz = memchr(nz + 1, 0, size - (size_t)(nz + 1 - data));
		if (!vz)
			break;
		hd.f[hd.n].name = (uint32_t)(at - 1);
		hd.f[hd.n].name_len = (uint32_t)(nz - (data + at));
		hd.f[hd.n].value = (uint32_t)(nz + 1 - data - 1);
		hd.f[hd.n].value_len = (uint32_t)(vz - (nz + 1));
		hd.n++;
		at = (size_t)(vz + 1 - data);
	}
	len = h2_req_head(&hd, has_body, head, sizeof(head) - 64, method,
			  sizeof(method), &is_te);
	if (len < 0)
		return 0;
	if ((size_t)len > sizeof(head) - 64 || strlen(method) >= sizeof(method))
		__builtin_trap();
	if (http_parse_head(head, (size_t)len, &h) < 0)
		return 0;
	check_nv(head, h.head_len,
		 nv, h2_head_nv(head, h.head_len, method, "a.test", is_te,
				false, nv));
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz-reflect.c - a bound host's answers, every value replaced
 *
 * Input: the first byte says how the rest is cut into reads (1..256
 * bytes each), the second how many requests awaited their answers and
 * which were HEAD; the rest is what the server sent. Whatever the bytes,
 * framing and cuts, the value never reaches the output whole, and the
 * output fits REFLECT_OUT_MAX.
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No 'P' in the value, no hex digit run or CRLF that framing could make */
#define VAL "sk-ant-SECRETxyzSECRETxyzSECRETxyz"

static struct reflect_pat pats[1];
static const uint8_t mask[sizeof(VAL) - 1] = {
	[0 ... sizeof(VAL) - 2] = 'P',
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct reflect_resp r;
	static uint8_t out[REFLECT_OUT_MAX(256)];
	static uint8_t all[8 * (1 << 16)];
	size_t all_len = 0, step;
	uint32_t hits = 0;
	int w = 0;

	if (size < 2)
		return 0;
	pats[0] = (struct reflect_pat){ (const uint8_t *)VAL, mask,
					sizeof(VAL) - 1, 0 };
	memset(&r, 0, sizeof(r));
	step = (size_t)data[0] + 1;
	for (int i = 0; i < (data[1] & 7); i++)
		reflect_resp_request(&r, data[1] & (8 << (i & 3)));
	data += 2;
	size -= 2;
	for (size_t i = 0; i < size && w >= 0; i += step) {
		size_t k = size - i < step ? size - i : step;

		w = reflect_resp_feed(&r, pats, 1, data + i, k, out,
				      REFLECT_OUT_MAX(k), &hits);
		if (w > (int)REFLECT_OUT_MAX(k))
			__builtin_trap();
		if (w > 0 && all_len + (size_t)w <= sizeof(all)) {
			memcpy(all + all_len, out, (size_t)w);
			all_len += (size_t)w;
		}
	}
	if (w >= 0) {
		w = reflect_resp_end(&r, pats, 1, out, sizeof(out));
		if (w > 0 && all_len + (size_t)w <= sizeof(all)) {
			memcpy(all + all_len, out, (size_t)w);
			all_len += (size_t)w;
		}
	}
	if (memmem(all, all_len, VAL, sizeof(VAL) - 1))
		__builtin_trap();
	return 0;
}

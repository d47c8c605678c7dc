// SPDX-License-Identifier: MIT
/*
 * fuzz-reflect.c - a bound host's answers, every value replaced
 *
 * Input: the first byte says how the rest is cut into reads (1..256
 * bytes each), the second how many requests awaited their answers, which
 * were HEAD, and (its top bit) whether each read is first offered to
 * reflect_resp_body(), in place; the rest is what the server sent.
 * Whatever the bytes, framing and cuts, the value never reaches the
 * output whole, and the output fits REFLECT_OUT_MAX. The patterns are
 * reflect_make_pats()'s: the value and its base64.
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/reflect.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No 'P' in the value, no hex digit run or CRLF that framing could make */
#define VAL "sk-ant-SECRETxyzSECRETxyzSECRETxyz"

#define PH "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP"

static struct reflect_pat pats[REFLECT_PATS];
static struct reflect_store store;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct reflect_resp r;
	static uint8_t out[REFLECT_OUT_MAX(256)];
	static uint8_t piece[256];
	static uint8_t all[8 * (1 << 16)];
	size_t all_len = 0, step;
	static const struct secrets_sub sub = { "K", PH, VAL, sizeof(VAL) - 1,
						NULL };
	uint32_t hits = 0;
	size_t n;
	int w = 0;
	bool is_in_place;

	if (size < 2)
		return 0;
	/* The value and its base64 at 3 alignments */
	n = reflect_make_pats(&sub, 1, pats, &store);
	if (n != 4)
		__builtin_trap();
	memset(&r, 0, sizeof(r));
	step = (size_t)data[0] + 1;
	is_in_place = data[1] & 0x80;
	for (int i = 0; i < (data[1] & 7); i++)
		reflect_resp_request(&r, data[1] & (8 << (i & 3)));
	data += 2;
	size -= 2;
	for (size_t i = 0; i < size && w >= 0; i += step) {
		size_t k = size - i < step ? size - i : step;

		w = -EAGAIN;
		if (is_in_place) {
			memcpy(piece, data + i, k);
			w = reflect_resp_body(&r, pats, n, piece, k, &hits);
			if (w > (int)k)
				__builtin_trap();
			if (w > 0)
				memcpy(out, piece, (size_t)w);
		}
		if (w == -EAGAIN)
			w = reflect_resp_feed(&r, pats, n, data + i, k, out,
					      REFLECT_OUT_MAX(k), &hits);
		if (w > (int)REFLECT_OUT_MAX(k))
			__builtin_trap();
		if (w > 0 && all_len + (size_t)w <= sizeof(all)) {
			memcpy(all + all_len, out, (size_t)w);
			all_len += (size_t)w;
		}
	}
	if (w >= 0) {
		w = reflect_resp_end(&r, pats, n, out, sizeof(out));
		if (w > 0 && all_len + (size_t)w <= sizeof(all)) {
			memcpy(all + all_len, out, (size_t)w);
			all_len += (size_t)w;
		}
	}
	if (memmem(all, all_len, VAL, sizeof(VAL) - 1))
		__builtin_trap();
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz-diff.c - diff_entry() on two arbitrary files
 *
 * Input: the old side, a 0xff byte, the new side (no 0xff: the new side
 * is empty). The first byte picks the modes. The patch must apply back
 * (tests/unit/diffapply.h) to exactly the new side unless either side is
 * binary, and the counts must match the patch's lines.
 */
#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/diffapply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	uint8_t buf[1 << 16];
	size_t len;
};

static int mem_write(void *ctx, const void *p, size_t n)
{
	struct mem *m = ctx;

	if (m->len + n > sizeof(m->buf))
		return -E2BIG;
	memcpy(m->buf + m->len, p, n);
	m->len += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mem m;
	static uint8_t res[1 << 16];
	static const unsigned int modes[] = { 0100644, 0100755, 0120000 };
	struct diff_sink sink = { mem_write, &m };
	const uint8_t *sep;
	struct diff_blob a, b;
	struct diff_stat st;
	size_t na, nb, wl, res_len = 0, plus = 0, minus = 0;
	void *work;
	int err;

	if (size < 1 || size > 8192)
		return 0;
	sep = memchr(data + 1, 0xff, size - 1);
	a = (struct diff_blob){ .is_present = !(data[0] & 8),
				.mode = modes[data[0] % 3],
				.data = data + 1,
				.len = sep ? (size_t)(sep - data - 1) :
					     size - 1 };
	b = (struct diff_blob){ .is_present = !(data[0] & 16) || !a.is_present,
				.mode = modes[(data[0] >> 5) % 3],
				.data = sep ? sep + 1 : data + size,
				.len = sep ? size - (size_t)(sep + 1 - data) :
					     0 };
	na = diff_count_lines(a.data, a.len);
	nb = diff_count_lines(b.data, b.len);
	wl = diff_work_size(na, nb);
	work = malloc(wl);
	if (!work)
		return 0;
	m.len = 0;
	err = diff_entry("dir/f", &a, &b, work, wl, &sink, &st);
	free(work);
	if (err == -E2BIG)
		return 0;
	if (err)
		__builtin_trap();
	if (st.is_binary)
		return 0;
	/* Count the hunks' lines: everything after the first "@@" */
	for (size_t i = 0, bol = 1, in_hunks = 0; i < m.len; i++) {
		if (bol && m.buf[i] == '@')
			in_hunks = 1;
		if (in_hunks && bol && m.buf[i] == '+')
			plus++;
		if (in_hunks && bol && m.buf[i] == '-')
			minus++;
		bol = m.buf[i] == '\n';
	}
	if (plus != st.insertions || minus != st.deletions)
		__builtin_trap();
	if (diffapply(a.is_present ? a.data : NULL, a.is_present ? a.len : 0,
		      m.buf, m.len, res, sizeof(res), &res_len) < 0)
		__builtin_trap();
	if (b.is_present && (res_len != b.len || memcmp(res, b.data, b.len)))
		__builtin_trap();
	if (!b.is_present && res_len)
		__builtin_trap();
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz-reqcheck.c - following the requests of a connection
 *
 * Input: the bytes a client in the jail sends on one connection. Fed in
 * pieces of the size the first byte says, the stream must judge as many
 * heads as when fed whole, pass at least as many bytes (a refusal met
 * inside a piece keeps the framing bytes before it), and never pass
 * more than it was given.
 */
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct reqcheck_conn conn = { "a.test", 80, 80, true };

/* Return: bytes passed before it stopped */
static size_t run(const uint8_t *data, size_t size, size_t piece,
		  unsigned long long *n_requests)
{
	struct reqcheck_stream st;
	struct reqcheck_verdict v;
	size_t pos = 0, avail = 0;

	memset(&st, 0, sizeof(st));
	while (pos < size) {
		int r;

		if (avail < size)
			avail = avail + piece < size ? avail + piece : size;
		r = reqcheck_feed(&st, &conn, data + pos, avail - pos, &v);
		if (r == -EAGAIN && avail < size)
			continue;
		if (r == -EBUSY)
			reqcheck_upgrade_reply(&st,
					       (const uint8_t *)"HTTP/1.1 200 ",
					       13);
		if (r == -EBUSY)
			continue;
		if (r < 0)
			break;
		if (r == 0 || (size_t)r > avail - pos)
			__builtin_trap();
		pos += (size_t)r;
	}
	*n_requests = st.n_requests;
	return pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long n1, n2;
	size_t piece;

	if (!size)
		return 0;
	piece = (size_t)data[0] % 64 + 1;
	if (run(data + 1, size - 1, size, &n1) >
		    run(data + 1, size - 1, piece, &n2) ||
	    n1 != n2)
		__builtin_trap();
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz-dns.c - DNS query parsing and reply building
 *
 * Input: one query message. Whatever parses is answered into small
 * buffers; a reply that fits must parse back as a response to the same
 * question.
 */
#include <sys/socket.h>

#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void answer(const struct dns_query *q, unsigned int rcode)
{
	static const uint8_t addrs[3][16] = { { 203, 0, 113, 1 },
					      { 198, 51, 100, 2 },
					      { 0x20, 0x01, 0x0d, 0xb8 } };
	uint8_t out[512];
	size_t sizes[] = { 0, 12, 64, 300, sizeof(out) }, i;
	int n;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		n = dns_build_reply(q, rcode, AF_INET, addrs,
				    rcode ? 0 : 3, 60, out, sizes[i]);
		if (n > (int)sizes[i] || (n < 0 && n != -E2BIG))
			__builtin_trap();
		n = dns_build_reply(q, rcode, AF_INET6, addrs,
				    rcode ? 0 : 2, 60, out, sizes[i]);
		if (n > (int)sizes[i] || (n < 0 && n != -E2BIG))
			__builtin_trap();
	}
	/* The question echoed must be the question asked */
	if (n > 12 && (out[2] & 0x80) == 0x80 && q->qwire_len &&
	    memcmp(out + 12, q->qwire, q->qwire_len))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_query q;
	int err = dns_parse_query(data, size, &q);

	switch (err) {
	case 0:
		if (strlen(q.name) > POLICY_NAME_MAX ||
		    q.question_end > size || !q.qwire_len)
			__builtin_trap();
		answer(&q, DNS_RCODE_NOERROR);
		break;
	case -EINVAL:
		if (q.name[0] || !q.qwire_len)
			__builtin_trap();
		answer(&q, DNS_RCODE_NXDOMAIN);
		break;
	case -EOPNOTSUPP:
	case -EBADMSG:
		if (q.qwire_len)
			__builtin_trap();
		answer(&q, size >= 12 ? DNS_RCODE_FORMERR : DNS_RCODE_NOTIMP);
		break;
	default:
		__builtin_trap();
	}
	return 0;
}

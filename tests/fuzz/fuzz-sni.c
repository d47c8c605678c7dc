// SPDX-License-Identifier: MIT
/*
 * fuzz-sni.c - TLS ClientHello parsing
 *
 * Input: the first bytes of a connection. Checks that a parse never
 * reports more than it read and that the name it returns is consistent.
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_client_hello ch;
	char small[8];
	int n, m;

	n = tls_client_hello_info(data, size, &ch);
	if (n >= 0) {
		if ((size_t)n != ch.sni_len || strlen(ch.sni) != ch.sni_len ||
		    ch.records_len > size || ch.records_len < 9)
			__builtin_trap();
		if (n && policy_normalize_name(ch.sni, ch.sni_len, ch.sni,
					       sizeof(ch.sni)) != n)
			__builtin_trap();
	}
	m = tls_parse_sni(data, size, small, sizeof(small));
	/* Same answer, but -E2BIG for a name that does not fit @small */
	if (m != n && !(n > 0 && (size_t)n >= sizeof(small) && m == -E2BIG))
		__builtin_trap();
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz-values.c - option value parsers on arbitrary strings
 *
 * Input: any bytes; a NUL-terminated copy goes to parse_uint(),
 * parse_duration(), policy_parse_size(), policy_parse_rule(),
 * policy_normalize_name() and policy_parse_publish().
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[1024], name[POLICY_NAME_MAX + 1];
	unsigned long long v;
	uint16_t hp, pp;
	struct net_rule r;
	int n;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (parse_uint(s, 1, 65535, &v) == 0 && (v < 1 || v > 65535))
		__builtin_trap();
	if (parse_duration(s, &v) == 0 && (v < 1 || v > 30ULL * 86400000))
		__builtin_trap();
	(void)policy_parse_size(s, &v);
	if (policy_parse_rule(s, &r) == 0) {
		if (r.n_ports > 8 || (r.is_ip && r.pattern[0]))
			__builtin_trap();
		if (!r.is_ip && strlen(r.pattern) > POLICY_NAME_MAX + 2)
			__builtin_trap();
	}
	if (policy_parse_publish(s, &hp, &pp) == 0 && (!hp || !pp))
		__builtin_trap();
	n = policy_normalize_name(s, size, name, sizeof(name));
	if (n >= 0 && (size_t)n != strlen(name))
		__builtin_trap();
	return 0;
}

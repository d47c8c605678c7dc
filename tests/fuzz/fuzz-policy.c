// SPDX-License-Identifier: MIT
/*
 * fuzz-policy.c - policy-file lines, the rules in them, and matching
 *
 * Input: one policy-file line. Its value, when there is one, is parsed as
 * a rule, formatted back, and checked against a few names and addresses,
 * including the value itself as a name.
 */
#include <sys/socket.h>

#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rule(const struct net_rule *r, const char *name)
{
	static const uint8_t v4[4] = { 10, 1, 2, 3 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	char text[600];
	struct net_rule again;
	int n;

	policy_check_name(r, 1, NULL, 0, name, 443);
	policy_check_name(NULL, 0, r, 1, "example.org", 80);
	policy_check_name(r, 1, r, 1, "a.example.org", 22);
	policy_check_addr(r, 1, r, 1, AF_INET, v4, 443);
	policy_check_addr(r, 1, NULL, 0, AF_INET6, v6, 8080);
	policy_rule_matches_name(r, "10.1.2.3", 443);

	/* Whatever parses must format to text that parses to the same rule */
	n = policy_format_rule(r, text, sizeof(text));
	if (n < 0)
		__builtin_trap();
	if (policy_parse_rule(text, &again) ||
	    memcmp(&again, r, sizeof(again)))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char key[32], val[1024];
	struct net_rule r;
	int n;

	n = policy_parse_line((const char *)data, size, key, sizeof(key), val,
			      sizeof(val));
	if (n < 0)
		return 0;
	if (n == 0) {
		if (key[0] || val[0])
			__builtin_trap();
		return 0;
	}
	if (strlen(key) == 0 || strlen(key) >= sizeof(key))
		__builtin_trap();
	if (policy_parse_rule(val, &r) == 0)
		check_rule(&r, val);
	return 0;
}

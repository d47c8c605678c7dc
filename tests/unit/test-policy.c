// SPDX-License-Identifier: MIT
/*
 * test-policy.c - unit tests for policy.c
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

static int rule(const char *spec, struct net_rule *r)
{
	return policy_parse_rule(spec, r);
}

static void test_rule_names(void)
{
	struct net_rule r;

	is_int(rule("github.com", &r), 0, "plain name");
	is_str(r.pattern, "github.com", "name kept");
	ok(!r.is_suffix && !r.is_ip && r.n_ports == 0, "name flags");
	is_int(rule("GitHub.COM.", &r), 0, "mixed case, trailing dot");
	is_str(r.pattern, "github.com", "lowercased, dot stripped");
	is_int(rule("*.npmjs.org", &r), 0, "suffix");
	ok(r.is_suffix, "suffix flag");
	is_str(r.pattern, "*.npmjs.org", "suffix pattern");
	is_int(rule("localhost", &r), 0, "single label");
	is_int(rule("my_svc.example.org", &r), 0, "underscore");
	is_int(rule("a-b.example.org", &r), 0, "inner hyphen");

	is_int(rule("", &r), -EINVAL, "empty");
	is_int(rule(".", &r), -EINVAL, "root");
	is_int(rule("*", &r), -EINVAL, "bare star");
	is_int(rule("*.", &r), -EINVAL, "star dot");
	is_int(rule("*.*.org", &r), -EINVAL, "two stars");
	is_int(rule("a*.org", &r), -EINVAL, "star inside");
	is_int(rule("foo..org", &r), -EINVAL, "empty label");
	is_int(rule(".foo.org", &r), -EINVAL, "leading dot");
	is_int(rule("foo.org..", &r), -EINVAL, "two trailing dots");
	is_int(rule("-foo.org", &r), -EINVAL, "leading hyphen");
	is_int(rule("foo-.org", &r), -EINVAL, "trailing hyphen");
	is_int(rule("foo.org-", &r), -EINVAL, "trailing hyphen, last");
	is_int(rule("fo o.org", &r), -EINVAL, "space");
	is_int(rule("foo.org/x", &r), -EINVAL, "slash in name");
	is_int(rule("f\xc3\xb6o.org", &r), -EINVAL, "non-ASCII");
	is_int(rule("127.1", &r), -EINVAL, "short IPv4 form");
	is_int(rule("0x7f.1", &r), -EINVAL, "hex IPv4 form");
	is_int(rule("1.2.3.4.5", &r), -EINVAL, "five numbers");
	is_int(rule("010.0.0.1", &r), -EINVAL, "octal-looking IPv4");
	is_int(rule("256.0.0.1", &r), -EINVAL, "IPv4 octet > 255");
	ok(r.pattern[0] == '\0' && !r.is_ip, "rule zeroed on error");
}

static void test_rule_lengths(void)
{
	char spec[600], label[64];
	struct net_rule r;
	size_t i;

	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(spec, sizeof(spec), "%s.org", label);
	is_int(rule(spec, &r), 0, "63-byte label");
	snprintf(spec, sizeof(spec), "a%s.org", label);
	is_int(rule(spec, &r), -EINVAL, "64-byte label");

	/* 4 * 63 + 3 dots = 255 > 253; 3 * 63 + 61 + 3 = 253 */
	snprintf(spec, sizeof(spec), "%s.%s.%s.%.61s", label, label, label,
		 label);
	is_int(strlen(spec), 253, "253-byte name built");
	is_int(rule(spec, &r), 0, "253-byte name");
	snprintf(spec, sizeof(spec), "%s.%s.%s.%.61s.", label, label, label,
		 label);
	is_int(rule(spec, &r), 0, "253-byte name with trailing dot");
	snprintf(spec, sizeof(spec), "%s.%s.%s.%.62s", label, label, label,
		 label);
	is_int(rule(spec, &r), -EINVAL, "254-byte name");
	snprintf(spec, sizeof(spec), "*.%s.%s.%s.%.61s", label, label, label,
		 label);
	is_int(rule(spec, &r), 0, "suffix over a 253-byte name");
	is_int(strlen(r.pattern), 255, "suffix pattern fits");

	for (i = 0; i < sizeof(spec) - 1; i++)
		spec[i] = 'a';
	spec[sizeof(spec) - 1] = '\0';
	is_int(rule(spec, &r), -E2BIG, "600-byte spec");
}

static void test_rule_ports(void)
{
	struct net_rule r;

	is_int(rule("github.com:443", &r), 0, "one port");
	ok(r.n_ports == 1 && r.port_lo[0] == 443 && r.port_hi[0] == 443,
	   "port 443");
	is_int(rule("github.com:80,443", &r), 0, "two ports");
	ok(r.n_ports == 2 && r.port_lo[1] == 443, "ports 80,443");
	is_int(rule("github.com:1-65535", &r), 0, "full range");
	ok(r.n_ports == 1 && r.port_lo[0] == 1 && r.port_hi[0] == 65535,
	   "range 1-65535");
	is_int(rule("h.org:1,2,3,4,5,6,7,8", &r), 0, "8 items");
	is_int(rule("h.org:1,2,3,4,5,6,7,8,9", &r), -E2BIG, "9 items");
	is_int(rule("h.org:22,8000-8999,443", &r), 0, "mixed list");
	ok(r.n_ports == 3 && r.port_lo[1] == 8000 && r.port_hi[1] == 8999,
	   "mixed list parsed");
	is_int(rule("h.org:0", &r), -ERANGE, "port 0");
	is_int(rule("h.org:65536", &r), -ERANGE, "port 65536");
	is_int(rule("h.org:99999999999999999999999", &r), -ERANGE, "huge");
	is_int(rule("h.org:443-80", &r), -ERANGE, "lo > hi");
	is_int(rule("h.org:", &r), -EINVAL, "empty ports");
	is_int(rule("h.org:80,", &r), -EINVAL, "trailing comma");
	is_int(rule("h.org:,80", &r), -EINVAL, "leading comma");
	is_int(rule("h.org:80-", &r), -EINVAL, "open range");
	is_int(rule("h.org:-80", &r), -EINVAL, "open range start");
	is_int(rule("h.org:1-2-3", &r), -EINVAL, "double range");
	is_int(rule("h.org:+80", &r), -EINVAL, "sign");
	is_int(rule("h.org:80 ", &r), -EINVAL, "trailing space");
	is_int(rule("h.org:http", &r), -EINVAL, "service name");
	is_int(rule(":443", &r), -EINVAL, "no pattern");
}

static void test_rule_ips(void)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct net_rule r;
	char text[128];

	is_int(rule("10.0.0.0/8", &r), 0, "IPv4 CIDR");
	ok(r.is_ip && r.family == AF_INET && r.prefix == 8 && r.addr[0] == 10,
	   "IPv4 CIDR fields");
	is_int(rule("10.1.2.3/8", &r), 0, "IPv4 CIDR with host bits");
	ok(r.addr[1] == 0 && r.addr[3] == 0, "host bits cleared");
	is_int(rule("203.0.113.7", &r), 0, "IPv4 literal");
	is_int(r.prefix, 32, "literal is /32");
	is_int(rule("203.0.113.7:22", &r), 0, "IPv4 with port");
	ok(r.n_ports == 1 && r.port_lo[0] == 22, "IPv4 port");
	is_int(rule("0.0.0.0/0", &r), 0, "IPv4 /0");
	is_int(rule("10.0.0.0/33", &r), -ERANGE, "IPv4 /33");
	is_int(rule("10.0.0.0/", &r), -EINVAL, "empty prefix");
	is_int(rule("10.0.0.0/-1", &r), -EINVAL, "negative prefix");
	is_int(rule("10.0.0.0/8/8", &r), -EINVAL, "two prefixes");
	is_int(rule("2001:db8::/32", &r), 0, "bare IPv6 CIDR");
	ok(r.family == AF_INET6 && r.prefix == 32 && !memcmp(r.addr, v6, 16),
	   "IPv6 CIDR fields");
	is_int(rule("2001:DB8::1", &r), 0, "bare IPv6 literal, upper case");
	is_int(r.prefix, 128, "IPv6 literal is /128");
	is_int(rule("[2001:db8::1]:443", &r), 0, "bracketed IPv6 and port");
	ok(r.n_ports == 1 && r.port_lo[0] == 443, "bracketed port");
	is_int(rule("[2001:db8::/48]:1-1024", &r), 0, "bracketed CIDR");
	is_int(r.prefix, 48, "bracketed prefix");
	is_int(rule("[2001:db8::1]", &r), 0, "brackets without port");
	is_int(rule("[2001:db8::1]x", &r), -EINVAL, "junk after bracket");
	is_int(rule("[2001:db8::1", &r), -EINVAL, "unclosed bracket");
	is_int(rule("[10.0.0.1]:80", &r), -EINVAL, "IPv4 in brackets");
	is_int(rule("[github.com]:80", &r), -EINVAL, "name in brackets");
	is_int(rule("2001:db8::/129", &r), -ERANGE, "IPv6 /129");
	is_int(rule("fe80::1%eth0", &r), -EINVAL, "zone id");
	is_int(rule("::1", &r), 0, "IPv6 loopback");
	is_int(rule("::ffff:10.0.0.0/104", &r), 0, "mapped CIDR");
	ok(r.family == AF_INET && r.prefix == 8 && r.addr[0] == 10,
	   "mapped CIDR becomes IPv4");

	rule("[2001:db8::/48]:1-1024,443", &r);
	is_int(policy_format_rule(&r, text, sizeof(text)), 26, "format v6");
	is_str(text, "[2001:db8::/48]:1-1024,443", "format v6 text");
	rule("10.0.0.0/8", &r);
	policy_format_rule(&r, text, sizeof(text));
	is_str(text, "10.0.0.0/8", "format v4");
	rule("*.Example.org:22", &r);
	policy_format_rule(&r, text, sizeof(text));
	is_str(text, "*.example.org:22", "format name");
	is_int(policy_format_rule(&r, text, 5), -E2BIG, "format too small");
}

static void test_matching(void)
{
	uint8_t a4[4] = { 10, 1, 2, 3 }, a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 9, 8, 7 };
	struct net_rule r;

	rule("github.com", &r);
	ok(policy_rule_matches_name(&r, "github.com", 443), "exact 443");
	ok(policy_rule_matches_name(&r, "github.com", 80), "exact 80");
	ok(!policy_rule_matches_name(&r, "github.com", 22), "default ports");
	ok(policy_rule_matches_name(&r, "GITHUB.com.", 443), "case, dot");
	ok(!policy_rule_matches_name(&r, "api.github.com", 443), "no subs");
	ok(!policy_rule_matches_name(&r, "xgithub.com", 443), "no prefix");
	ok(!policy_rule_matches_name(&r, "github.com.evil", 443), "no tail");
	ok(!policy_rule_matches_name(&r, "github.com..", 443), "two dots");
	ok(!policy_rule_matches_name(&r, "", 443), "empty name");

	rule("*.npmjs.org", &r);
	ok(policy_rule_matches_name(&r, "registry.npmjs.org", 443), "sub");
	ok(policy_rule_matches_name(&r, "a.b.NPMJS.org", 443), "deep sub");
	ok(!policy_rule_matches_name(&r, "npmjs.org", 443), "not apex");
	ok(!policy_rule_matches_name(&r, "evilnpmjs.org", 443), "label edge");
	ok(!policy_rule_matches_name(&r, ".npmjs.org", 443), "empty label");

	rule("10.0.0.0/8:1-65535", &r);
	ok(policy_rule_matches_name(&r, "10.200.0.1", 5432), "IP name");
	ok(!policy_rule_matches_name(&r, "11.0.0.1", 5432), "other IP");
	ok(!policy_rule_matches_name(&r, "ten.example", 5432), "name vs IP");
	ok(policy_rule_matches_addr(&r, AF_INET, a4, 1), "addr in CIDR");
	ok(policy_rule_matches_addr(&r, AF_INET6, mapped, 1), "mapped addr");
	ok(!policy_rule_matches_addr(&r, AF_INET6, a6, 1), "v6 vs v4 rule");
	a4[0] = 11;
	ok(!policy_rule_matches_addr(&r, AF_INET, a4, 1), "addr outside");

	is_int(rule("2001:db8::/32:443", &r), -EINVAL,
	       "bare IPv6 takes no ports");
	rule("[2001:db8::/32]:443", &r);
	ok(policy_rule_matches_addr(&r, AF_INET6, a6, 443), "v6 in CIDR");
	ok(!policy_rule_matches_addr(&r, AF_INET6, a6, 80), "v6 port");
	ok(policy_rule_matches_name(&r, "2001:db8:1::5", 443), "v6 name");
	a6[3] = 0xb9;
	ok(!policy_rule_matches_addr(&r, AF_INET6, a6, 443), "v6 outside");

	rule("10.0.0.0/12", &r);
	a4[0] = 10;
	a4[1] = 15;
	ok(policy_rule_matches_addr(&r, AF_INET, a4, 443), "/12 inside");
	a4[1] = 16;
	ok(!policy_rule_matches_addr(&r, AF_INET, a4, 443), "/12 outside");
	rule("github.com", &r);
	ok(!policy_rule_matches_addr(&r, AF_INET, a4, 443), "name rule");
}

static void test_check(void)
{
	struct net_rule allow[4], deny[3];
	uint8_t a4[4] = { 203, 0, 113, 9 };

	rule("github.com", &allow[0]);
	rule("*.github.com:443", &allow[1]);
	rule("example.org:22", &allow[2]);
	rule("203.0.113.0/24:8080", &allow[3]);
	rule("gist.github.com", &deny[0]);
	rule("evil.github.com:443", &deny[1]);
	rule("203.0.113.9", &deny[2]);

	is_int(policy_check_name(allow, 4, deny, 3, "github.com", 443),
	       POLICY_ALLOW, "allowed");
	is_int(policy_check_name(allow, 4, deny, 3, "api.github.com", 443),
	       POLICY_ALLOW, "allowed by suffix");
	is_int(policy_check_name(allow, 4, deny, 3, "api.github.com", 80),
	       POLICY_DENY_PORT, "suffix on other port");
	is_int(policy_check_name(allow, 4, deny, 3, "gist.github.com", 443),
	       POLICY_DENY_DENIED, "deny wins");
	is_int(policy_check_name(allow, 4, deny, 3, "gist.github.com", 9),
	       POLICY_DENY_DENIED, "portless deny covers every port");
	is_int(policy_check_name(allow, 4, deny, 3, "evil.github.com", 443),
	       POLICY_DENY_DENIED, "deny with port");
	is_int(policy_check_name(allow, 4, deny, 3, "evil.github.com", 80),
	       POLICY_DENY_PORT, "deny port elsewhere, allow port elsewhere");
	is_int(policy_check_name(allow, 4, deny, 3, "example.org", 443),
	       POLICY_DENY_PORT, "port not allowed");
	is_int(policy_check_name(allow, 4, deny, 3, "example.org", 22),
	       POLICY_ALLOW, "port 22 allowed");
	is_int(policy_check_name(allow, 4, deny, 3, "example.com", 443),
	       POLICY_DENY_NOT_ALLOWED, "not allowed");
	is_int(policy_check_name(allow, 4, deny, 3, "bad name!", 443),
	       POLICY_DENY_NOT_ALLOWED, "invalid name");
	is_int(policy_check_name(allow, 4, deny, 3, "203.0.113.8", 8080),
	       POLICY_ALLOW, "IP literal by CIDR");
	is_int(policy_check_name(allow, 4, deny, 3, "203.0.113.9", 8080),
	       POLICY_DENY_DENIED, "IP literal denied");
	is_int(policy_check_name(NULL, 0, NULL, 0, "github.com", 443),
	       POLICY_DENY_NOT_ALLOWED, "empty policy");
	is_int(policy_check_addr(allow, 4, deny, 3, AF_INET, a4, 8080),
	       POLICY_DENY_DENIED, "addr denied");
	a4[3] = 1;
	is_int(policy_check_addr(allow, 4, deny, 3, AF_INET, a4, 8080),
	       POLICY_ALLOW, "addr allowed");
	is_int(policy_check_addr(allow, 4, deny, 3, AF_INET, a4, 443),
	       POLICY_DENY_PORT, "addr port");
	a4[2] = 1;
	is_int(policy_check_addr(allow, 4, deny, 3, AF_INET, a4, 8080),
	       POLICY_DENY_NOT_ALLOWED, "addr not allowed");

	is_str(policy_verdict_reason(POLICY_DENY_NOT_ALLOWED), "not allowed",
	       "reason not allowed");
	is_str(policy_verdict_reason(POLICY_DENY_DENIED), "denied by rule",
	       "reason denied");
	is_str(policy_verdict_reason(POLICY_DENY_PORT), "port not allowed",
	       "reason port");
}

static void test_normalize(void)
{
	char out[300], big[300];

	is_int(policy_normalize_name("Foo.Example.ORG.", 16, out, sizeof(out)),
	       15, "normalize length");
	is_str(out, "foo.example.org", "normalized");
	is_int(policy_normalize_name("a_b.c-d", 7, out, sizeof(out)), 7,
	       "underscore and hyphen");
	is_int(policy_normalize_name("abc", 2, out, sizeof(out)), 2,
	       "length bounds the input");
	is_str(out, "ab", "only len bytes read");
	is_int(policy_normalize_name("", 0, out, sizeof(out)), -EINVAL,
	       "empty");
	is_int(policy_normalize_name(".", 1, out, sizeof(out)), -EINVAL,
	       "root");
	is_int(policy_normalize_name("a..b", 4, out, sizeof(out)), -EINVAL,
	       "empty label");
	is_int(policy_normalize_name("a.b..", 5, out, sizeof(out)), -EINVAL,
	       "two trailing dots");
	is_int(policy_normalize_name("a\0b", 3, out, sizeof(out)), -EINVAL,
	       "NUL");
	is_int(policy_normalize_name("a b", 3, out, sizeof(out)), -EINVAL,
	       "space");
	is_int(policy_normalize_name("a/b", 3, out, sizeof(out)), -EINVAL,
	       "slash");
	is_int(policy_normalize_name("a:1", 3, out, sizeof(out)), -EINVAL,
	       "colon");
	is_int(policy_normalize_name("\xff", 1, out, sizeof(out)), -EINVAL,
	       "high byte");
	is_int(policy_normalize_name("example.org", 11, out, 11), -E2BIG,
	       "no room for NUL");
	is_int(policy_normalize_name("example.org", 11, out, 12), 11,
	       "exact fit");
	memset(big, 'a', sizeof(big));
	is_int(policy_normalize_name(big, 63, out, sizeof(out)), 63,
	       "63-byte label");
	is_int(policy_normalize_name(big, 64, out, sizeof(out)), -EINVAL,
	       "64-byte label");
	strcpy(out, "MiXeD.Case");
	is_int(policy_normalize_name(out, 10, out, sizeof(out)), 10,
	       "in place");
	is_str(out, "mixed.case", "in place result");
}

static bool special4(const char *s)
{
	uint8_t a[4];

	if (inet_pton(AF_INET, s, a) != 1) {
		diag("bad test address %s", s);
		return false;
	}
	return policy_addr_is_special(AF_INET, a);
}

static bool special6(const char *s)
{
	uint8_t a[16];

	if (inet_pton(AF_INET6, s, a) != 1) {
		diag("bad test address %s", s);
		return false;
	}
	return policy_addr_is_special(AF_INET6, a);
}

static void test_special(void)
{
	static const char *const yes4[] = {
		"0.0.0.0",	   "0.1.2.3",	      "10.0.0.1",
		"10.255.255.255",  "100.64.0.1",      "100.127.255.255",
		"127.0.0.1",	   "127.255.0.1",     "169.254.169.254",
		"169.254.0.1",	   "172.16.0.1",      "172.31.255.255",
		"192.0.0.1",	   "192.0.0.170",     "192.168.1.1",
		"198.18.0.1",	   "198.19.255.255",  "224.0.0.1",
		"239.255.255.250", "240.0.0.1",	      "255.255.255.255",
	};
	static const char *const no4[] = {
		"1.1.1.1",	 "8.8.8.8",	    "9.255.255.255",
		"11.0.0.0",	 "100.63.255.255",  "100.128.0.0",
		"126.255.255.255", "128.0.0.1",	    "169.253.0.1",
		"172.15.255.255", "172.32.0.0",	    "192.0.1.1",
		"192.167.1.1",	 "198.17.255.255",  "198.20.0.0",
		"198.51.100.1",	 "203.0.113.1",	    "223.255.255.255",
	};
	static const char *const yes6[] = {
		"::",		    "::1",
		"fe80::1",	    "febf::1",
		"fec0::1",	    "fc00::1",
		"fd00:ec2::254",    "fdff::1",
		"ff02::1",	    "ff05::2",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3",
		"::ffff:169.254.169.254", "::127.0.0.1",
		"::10.0.0.1",	    "64:ff9b::127.0.0.1",
		"64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
		"2002:7f00:1::",    "2002:c0a8:101::1",
		"2001:0:4136:e378:8000:63bf:80ff:fffe",
	};
	static const char *const no6[] = {
		"2001:db8::1",	      "2606:4700::1111",
		"::ffff:8.8.8.8",     "::8.8.8.8",
		"64:ff9b::8.8.8.8",   "2002:808:808::1",
		"fe00::1",	      "fb00::1",
		"::ffff:198.51.100.1", "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
	};
	uint8_t junk[16] = { 0 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes4); i++)
		ok(special4(yes4[i]), "special %s", yes4[i]);
	for (i = 0; i < ARRAY_SIZE(no4); i++)
		ok(!special4(no4[i]), "not special %s", no4[i]);
	for (i = 0; i < ARRAY_SIZE(yes6); i++)
		ok(special6(yes6[i]), "special %s", yes6[i]);
	for (i = 0; i < ARRAY_SIZE(no6); i++)
		ok(!special6(no6[i]), "not special %s", no6[i]);
	ok(policy_addr_is_special(AF_UNIX, junk), "unknown family");
}

static int line(const char *s, char *key, char *val)
{
	return policy_parse_line(s, strlen(s), key, 32, val, 64);
}

static void test_lines(void)
{
	char key[32], val[64];
	char lng[200];

	is_int(line("allow github.com\n", key, val), 1, "key value");
	is_str(key, "allow", "key");
	is_str(val, "github.com", "value");
	is_int(line("  timeout=90s  \r\n", key, val), 1, "key=value, CRLF");
	is_str(key, "timeout", "key =");
	is_str(val, "90s", "value =");
	is_int(line("timeout = 90s", key, val), 1, "spaces around =");
	is_str(val, "90s", "value after ' = '");
	is_int(line("allow-private", key, val), 1, "flag");
	is_str(key, "allow-private", "flag key");
	is_str(val, "", "flag value");
	is_int(line("no-profile   # comment", key, val), 1, "flag, comment");
	is_str(val, "", "flag comment value");
	is_int(line("ro ~/my dir  \t", key, val), 1, "inner space kept");
	is_str(val, "~/my dir", "value trimmed");
	is_int(line("allow a.org # forge", key, val), 1, "trailing comment");
	is_str(val, "a.org", "comment stripped");
	is_int(line("env X=a#b", key, val), 1, "hash inside value");
	is_str(val, "X=a#b", "hash kept");
	is_int(line("env=#x", key, val), 1, "hash right after =");
	is_str(val, "#x", "hash after = kept");
	is_int(line("env \"A=# \\\"q\\\" \\\\\" # c", key, val), 1, "quoted");
	is_str(val, "A=# \"q\" \\", "quoted unescaped");
	is_int(line("env \"\"", key, val), 1, "empty quotes");
	is_str(val, "", "empty quoted value");
	is_int(line("env\t\"x\"\t", key, val), 1, "tabs");
	is_str(val, "x", "tabbed quoted");
	is_int(line("env \"x\"y", key, val), -EINVAL, "junk after quote");
	is_int(line("env \"x", key, val), -EINVAL, "unterminated quote");
	is_int(line("env \"\\n\"", key, val), -EINVAL, "unknown escape");
	is_int(line("env \"x\\", key, val), -EINVAL, "escape at end");
	is_int(line("", key, val), 0, "empty line");
	is_str(key, "", "no key");
	is_int(line("\n", key, val), 0, "newline only");
	is_int(line("   \t ", key, val), 0, "blank");
	is_int(line("# allow evil.org", key, val), 0, "comment");
	is_int(line("   # indented", key, val), 0, "indented comment");
	is_int(line("Allow x", key, val), -EINVAL, "upper-case key");
	is_int(line("al_low x", key, val), -EINVAL, "underscore in key");
	is_int(line("=x", key, val), -EINVAL, "no key");
	is_int(line("allow\x01x", key, val), -EINVAL, "control char");
	is_int(line("allow x\x7f", key, val), -EINVAL, "DEL");
	is_int(line("allow x\ry", key, val), -EINVAL, "inner CR");
	is_int(line("# \x1b[31m", key, val), -EINVAL, "escape in comment");
	is_int(policy_parse_line("allow a\0b", 9, key, 32, val, 64), -EINVAL,
	       "NUL");
	is_int(line("allow caf\xc3\xa9", key, val), 1, "UTF-8 value");

	memset(lng, 'k', sizeof(lng));
	is_int(policy_parse_line(lng, 32, key, 32, val, 64), -E2BIG,
	       "key too long");
	is_int(policy_parse_line(lng, 31, key, 32, val, 64), 1,
	       "longest key");
	memcpy(lng, "env ", 4);
	is_int(policy_parse_line(lng, 67, key, 32, val, 64), 1,
	       "longest value");
	is_int(policy_parse_line(lng, 68, key, 32, val, 64), -E2BIG,
	       "value too long");
	is_int(line("env \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
		    "kkkkkkkkkkkk\"", key, val), -E2BIG, "quoted too long");
	is_int(policy_parse_line("a b", 3, key, 0, val, 64), -E2BIG,
	       "zero key buffer");
}

static void test_sizes(void)
{
	unsigned long long v = 0;

	is_int(policy_parse_size("1048576", &v), 0, "bytes");
	is_int(v, 1048576, "bytes value");
	is_int(policy_parse_size("64k", &v), 0, "64k");
	is_int(v, 65536, "64k value");
	is_int(policy_parse_size("512M", &v), 0, "512M");
	is_int(v, 512ULL << 20, "512M value");
	is_int(policy_parse_size("2G", &v), 0, "2G");
	is_int(v, 2ULL << 30, "2G value");
	is_int(policy_parse_size("2g", &v), 0, "2g");
	is_int(policy_parse_size("1T", &v), 0, "1T");
	is_int(v, 1ULL << 40, "1T value");
	is_int(policy_parse_size("0", &v), 0, "zero");
	is_int(policy_parse_size("16777215T", &v), 0, "largest T");
	is_int(policy_parse_size("16777216T", &v), -ERANGE, "T overflow");
	is_int(policy_parse_size("18446744073709551615", &v), 0, "max");
	is_int(policy_parse_size("18446744073709551616", &v), -ERANGE,
	       "max + 1");
	is_int(policy_parse_size("1000000000000000000000000000", &v), -ERANGE,
	       "many digits");
	is_int(policy_parse_size("", &v), -EINVAL, "empty");
	is_int(policy_parse_size("M", &v), -EINVAL, "unit only");
	is_int(policy_parse_size("1MB", &v), -EINVAL, "two letters");
	is_int(policy_parse_size("1 M", &v), -EINVAL, "space");
	is_int(policy_parse_size("-1", &v), -EINVAL, "negative");
	is_int(policy_parse_size("1.5G", &v), -EINVAL, "fraction");
	is_int(policy_parse_size("1P", &v), -EINVAL, "unknown unit");
}

static void test_publish(void)
{
	uint16_t h = 0, p = 0;

	is_int(policy_parse_publish("8000", &h, &p), 0, "PORT");
	is_int(h, 8000, "PORT: HOSTPORT defaults to PORT");
	is_int(p, 8000, "PORT value");
	is_int(policy_parse_publish("9000:80", &h, &p), 0, "HOSTPORT:PORT");
	is_int(h, 9000, "HOSTPORT value");
	is_int(p, 80, "PORT after HOSTPORT");
	is_int(policy_parse_publish("1:65535", &h, &p), 0, "bounds");
	is_int(policy_parse_publish("0", &h, &p), -EINVAL, "port 0");
	is_int(policy_parse_publish("0:80", &h, &p), -EINVAL, "host port 0");
	is_int(policy_parse_publish("80:0", &h, &p), -EINVAL, "inside port 0");
	is_int(policy_parse_publish("65536", &h, &p), -EINVAL, "65536");
	is_int(policy_parse_publish("1:65536", &h, &p), -EINVAL,
	       "65536 inside");
	is_int(policy_parse_publish("", &h, &p), -EINVAL, "empty");
	is_int(policy_parse_publish(":80", &h, &p), -EINVAL, "empty HOSTPORT");
	is_int(policy_parse_publish("80:", &h, &p), -EINVAL, "empty PORT");
	is_int(policy_parse_publish("1:2:3", &h, &p), -EINVAL, "two colons");
	is_int(policy_parse_publish("80x", &h, &p), -EINVAL, "junk");
	is_int(policy_parse_publish("-1", &h, &p), -EINVAL, "sign");
	is_int(policy_parse_publish(" 80", &h, &p), -EINVAL, "space");
	is_int(policy_parse_publish("00000008:80", &h, &p), -EINVAL,
	       "HOSTPORT too long");
	is_int(policy_parse_publish("127.0.0.1:80", &h, &p), -EINVAL,
	       "an address is not a HOSTPORT");
}

int main(void)
{
	test_rule_names();
	test_rule_lengths();
	test_rule_ports();
	test_rule_ips();
	test_matching();
	test_check();
	test_normalize();
	test_special();
	test_lines();
	test_sizes();
	test_publish();
	return done_testing();
}

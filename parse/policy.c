// SPDX-License-Identifier: MIT
/*
 * policy.c - network policy grammar, matching, policy-file lines and sizes
 *
 * Everything here is pure: text in, struct out, negative errno back. The
 * inputs come from option values and policy files (a project file may have
 * been written by the jailed command) and from names the jail sent (SNI,
 * Host, DNS questions), so every function treats its input as hostile.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <sys/socket.h>

#include "jail.h"
#include "parse/parse.h"

#define RULE_SPEC_MAX 512	/* longest --allow/--deny value accepted */
#define IP_TEXT_MAX 64		/* longest IP literal with prefix */
#define PORT_ITEM_MAX 16	/* "65535-65535" and some slack */
#define SIZE_TEXT_MAX 24	/* digits of a size, more is out of range */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
	/* Not a ?: expression: C would promote both arms to int */
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

static bool is_label_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

int policy_normalize_name(const char *in, size_t len, char *out,
			  size_t out_len)
{
	size_t i, label = 0;

	if (len && in[len - 1] == '.')
		len--;
	if (!len || len > POLICY_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (in[i] == '.') {
			if (!label)
				return -EINVAL;
			label = 0;
			continue;
		}
		if (!is_label_char(in[i]) || ++label > 63)
			return -EINVAL;
	}
	if (!label)
		return -EINVAL;
	if (out_len < len + 1)
		return -E2BIG;
	for (i = 0; i < len; i++)
		out[i] = to_lower(in[i]);
	out[len] = '\0';
	return (int)len;
}

/*
 * Rule names are stricter than names seen on the wire: LDH labels (plus
 * '_', found in real service names) that neither start nor end with a
 * hyphen, and a last label that does not start with a digit. The last rule
 * keeps every name a rule can match out of inet_aton()'s reach ("127.1",
 * "0x7f.1"), so resolving an allowed name never turns into an address
 * literal chosen by the jail.
 */
static int parse_rule_name(const char *s, size_t len, char *out,
			   size_t out_len)
{
	int n = policy_normalize_name(s, len, out, out_len);
	size_t i, last = 0;

	if (n < 0)
		return n;
	for (i = 0; i < (size_t)n; i++) {
		bool starts = i == 0 || out[i - 1] == '.';
		bool ends = i + 1 == (size_t)n || out[i + 1] == '.';

		if (out[i] == '-' && (starts || ends))
			return -EINVAL;
		if (out[i] == '.')
			last = i + 1;
	}
	if (is_digit(out[last]))
		return -EINVAL;
	return n;
}

bool policy_is_wire_name(const char *name, bool is_addr_ok)
{
	char out[POLICY_NAME_MAX + 1];
	uint8_t a[16];

	if (is_addr_ok && (inet_pton(AF_INET, name, a) == 1 ||
			   inet_pton(AF_INET6, name, a) == 1))
		return true;
	return parse_rule_name(name, strlen(name), out, sizeof(out)) >= 0;
}

/* Parse an IP literal with an optional "/prefix"; @s need not end in NUL */
static int parse_ip(const char *s, size_t len, int only_family,
		    struct net_rule *r)
{
	char text[IP_TEXT_MAX];
	unsigned long long prefix;
	char *slash;
	unsigned int max, i;

	if (!len || len >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, len);
	text[len] = '\0';
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (only_family != AF_INET6 && inet_pton(AF_INET, text, r->addr) == 1)
		r->family = AF_INET;
	else if (only_family != AF_INET &&
		 inet_pton(AF_INET6, text, r->addr) == 1)
		r->family = AF_INET6;
	else
		return -EINVAL;
	max = r->family == AF_INET ? 32 : 128;
	prefix = max;
	if (slash) {
		int err = parse_uint(slash + 1, 0, max, &prefix);

		if (err)
			return err;
	}
	r->prefix = (unsigned int)prefix;
	/* Keep the network only: "10.1.2.3/8" means 10.0.0.0/8 */
	for (i = r->prefix; i < max; i++)
		r->addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	r->is_ip = true;
	return 0;
}

static bool is_v4_mapped(const uint8_t *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0,
					 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, pfx, sizeof(pfx));
}

/* An IPv6 rule inside ::ffff:0:0/96 is stored as the IPv4 rule it means */
static void fold_v4_mapped(struct net_rule *r)
{
	if (r->family != AF_INET6 || r->prefix < 96 || !is_v4_mapped(r->addr))
		return;
	memmove(r->addr, r->addr + 12, 4);
	memset(r->addr + 4, 0, 12);
	r->family = AF_INET;
	r->prefix -= 96;
}

static int parse_port_item(const char *s, size_t len, uint16_t *lo,
			   uint16_t *hi)
{
	char text[PORT_ITEM_MAX];
	unsigned long long a, b;
	char *dash;
	int err;

	if (!len)
		return -EINVAL;
	if (len >= sizeof(text))
		return -ERANGE;
	memcpy(text, s, len);
	text[len] = '\0';
	dash = strchr(text, '-');
	if (dash)
		*dash = '\0';
	err = parse_uint(text, 1, 65535, &a);
	if (!err)
		err = dash ? parse_uint(dash + 1, 1, 65535, &b) : 0;
	if (err)
		return err;
	if (!dash)
		b = a;
	if (a > b)
		return -ERANGE;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* PORTS: comma list of at most 8 numbers or ranges, each 1..65535 */
static int parse_ports(const char *s, struct net_rule *r)
{
	const char *p = s;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		int err;

		if (r->n_ports == ARRAY_SIZE(r->port_lo))
			return -E2BIG;
		err = parse_port_item(p, n, &r->port_lo[r->n_ports],
				      &r->port_hi[r->n_ports]);
		if (err)
			return err;
		r->n_ports++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int parse_pattern(const char *s, size_t len, struct net_rule *r)
{
	int n;

	if (memchr(s, '/', len) || parse_ip(s, len, AF_INET, r) == 0)
		return parse_ip(s, len, 0, r);
	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		n = parse_rule_name(s + 2, len - 2, r->pattern + 2,
				    sizeof(r->pattern) - 2);
		if (n < 0)
			return n;
		r->pattern[0] = '*';
		r->pattern[1] = '.';
		r->is_suffix = true;
		return 0;
	}
	n = parse_rule_name(s, len, r->pattern, sizeof(r->pattern));
	return n < 0 ? n : 0;
}

/*
 * policy_parse_rule() - see jail.h. The split between PATTERN and PORTS:
 * a leading '[' is an IPv6 literal that may be followed by ":PORTS"; two
 * or more colons without brackets are a bare IPv6 literal (no ports);
 * otherwise the one colon, if any, starts PORTS.
 */
int policy_parse_rule(const char *spec, struct net_rule *r)
{
	size_t len = strnlen(spec, RULE_SPEC_MAX);
	const char *colon, *ports = NULL;
	int err;

	memset(r, 0, sizeof(*r));
	if (len == RULE_SPEC_MAX)
		return -E2BIG;
	if (spec[0] == '[') {
		const char *close = memchr(spec, ']', len);

		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		err = parse_ip(spec + 1, (size_t)(close - spec - 1), AF_INET6,
			       r);
		if (!err && close[1])
			err = parse_ports(close + 2, r);
	} else {
		colon = strchr(spec, ':');
		if (colon && strchr(colon + 1, ':')) {
			err = parse_ip(spec, len, AF_INET6, r);
		} else {
			if (colon) {
				len = (size_t)(colon - spec);
				ports = colon + 1;
			}
			err = parse_pattern(spec, len, r);
			if (!err && ports)
				err = parse_ports(ports, r);
		}
	}
	if (err) {
		memset(r, 0, sizeof(*r));
		return err;
	}
	fold_v4_mapped(r);
	return 0;
}

static int format_ip(const struct net_rule *r, char *out, size_t out_len)
{
	char text[INET6_ADDRSTRLEN];
	unsigned int max = r->family == AF_INET ? 32 : 128;
	int n;

	if (!inet_ntop(r->family, r->addr, text, sizeof(text)))
		return -EINVAL;
	if (r->prefix == max)
		n = snprintf(out, out_len, "%s", text);
	else
		n = snprintf(out, out_len, "%s/%u", text, r->prefix);
	return n;
}

int policy_format_rule(const struct net_rule *r, char *out, size_t out_len)
{
	bool brackets = r->is_ip && r->family == AF_INET6 && r->n_ports;
	size_t used;
	unsigned int i;
	int n;

	if (!out_len)
		return -E2BIG;
	if (!r->is_ip)
		n = snprintf(out, out_len, "%s", r->pattern);
	else if (brackets)
		n = snprintf(out, out_len, "[");
	else
		n = format_ip(r, out, out_len);
	if (n < 0 || (size_t)n >= out_len)
		return n < 0 ? n : -E2BIG;
	used = (size_t)n;
	if (brackets) {
		n = format_ip(r, out + used, out_len - used);
		if (n < 0 || (size_t)n >= out_len - used)
			return n < 0 ? n : -E2BIG;
		used += (size_t)n;
		n = snprintf(out + used, out_len - used, "]");
		if ((size_t)n >= out_len - used)
			return -E2BIG;
		used += (size_t)n;
	}
	for (i = 0; i < r->n_ports && i < ARRAY_SIZE(r->port_lo); i++) {
		const char *sep = i ? "," : ":";

		if (r->port_lo[i] == r->port_hi[i])
			n = snprintf(out + used, out_len - used, "%s%u", sep,
				     r->port_lo[i]);
		else
			n = snprintf(out + used, out_len - used, "%s%u-%u",
				     sep, r->port_lo[i], r->port_hi[i]);
		if (n < 0 || (size_t)n >= out_len - used)
			return n < 0 ? n : -E2BIG;
		used += (size_t)n;
	}
	return (int)used;
}

bool policy_rule_has_port(const struct net_rule *r, uint16_t port)
{
	unsigned int i;

	if (!r->n_ports)
		return port == 80 || port == 443;
	for (i = 0; i < r->n_ports && i < ARRAY_SIZE(r->port_lo); i++)
		if (port >= r->port_lo[i] && port <= r->port_hi[i])
			return true;
	return false;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b,
			 unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, b, whole))
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xff00u >> rest);
	return (a[whole] & mask) == (b[whole] & mask);
}

static bool addr_in_rule(const struct net_rule *r, int family,
			 const uint8_t *addr)
{
	if (!r->is_ip || !addr)
		return false;
	if (family == AF_INET6 && r->family == AF_INET && is_v4_mapped(addr)) {
		family = AF_INET;
		addr += 12;
	}
	if (family != r->family)
		return false;
	if (r->prefix > (family == AF_INET ? 32u : 128u))
		return false;
	return prefix_equal(addr, r->addr, r->prefix);
}

bool policy_rule_matches_addr(const struct net_rule *r, int family,
			      const uint8_t *addr, uint16_t port)
{
	return addr_in_rule(r, family, addr) && policy_rule_has_port(r, port);
}

/* Does the host part of @r match @name, whatever the port? */
static bool host_matches(const struct net_rule *r, const char *name)
{
	char norm[POLICY_NAME_MAX + 1];
	uint8_t addr[16];
	size_t n, plen;
	int len;

	if (r->is_ip) {
		if (inet_pton(AF_INET, name, addr) == 1)
			return addr_in_rule(r, AF_INET, addr);
		if (inet_pton(AF_INET6, name, addr) == 1)
			return addr_in_rule(r, AF_INET6, addr);
		return false;
	}
	len = policy_normalize_name(name, strnlen(name, POLICY_NAME_MAX + 2),
				    norm, sizeof(norm));
	if (len < 0)
		return false;
	n = (size_t)len;
	if (!r->is_suffix)
		return !strcmp(norm, r->pattern);
	/* "*.example.org" matches "a.example.org", not "example.org" */
	plen = strnlen(r->pattern, sizeof(r->pattern)) - 1;
	return n > plen && !memcmp(norm + n - plen, r->pattern + 1, plen);
}

bool policy_rule_matches_name(const struct net_rule *r, const char *name,
			      uint16_t port)
{
	return host_matches(r, name) && policy_rule_has_port(r, port);
}

enum policy_verdict policy_check_name(const struct net_rule *allow,
				      size_t n_allow,
				      const struct net_rule *deny,
				      size_t n_deny, const char *name,
				      uint16_t port)
{
	bool other_port = false;
	size_t i;

	for (i = 0; i < n_deny; i++)
		if (host_matches(&deny[i], name) &&
		    (!deny[i].n_ports || policy_rule_has_port(&deny[i], port)))
			return POLICY_DENY_DENIED;
	for (i = 0; i < n_allow; i++) {
		if (!host_matches(&allow[i], name))
			continue;
		if (policy_rule_has_port(&allow[i], port))
			return POLICY_ALLOW;
		other_port = true;
	}
	return other_port ? POLICY_DENY_PORT : POLICY_DENY_NOT_ALLOWED;
}

enum policy_verdict policy_check_addr(const struct net_rule *allow,
				      size_t n_allow,
				      const struct net_rule *deny,
				      size_t n_deny, int family,
				      const uint8_t *addr, uint16_t port)
{
	bool other_port = false;
	size_t i;

	for (i = 0; i < n_deny; i++)
		if (addr_in_rule(&deny[i], family, addr) &&
		    (!deny[i].n_ports || policy_rule_has_port(&deny[i], port)))
			return POLICY_DENY_DENIED;
	for (i = 0; i < n_allow; i++) {
		if (!addr_in_rule(&allow[i], family, addr))
			continue;
		if (policy_rule_has_port(&allow[i], port))
			return POLICY_ALLOW;
		other_port = true;
	}
	return other_port ? POLICY_DENY_PORT : POLICY_DENY_NOT_ALLOWED;
}

const char *policy_verdict_reason(enum policy_verdict v)
{
	switch (v) {
	case POLICY_ALLOW:
		return "allowed";
	case POLICY_DENY_NOT_ALLOWED:
		return "not allowed";
	case POLICY_DENY_DENIED:
		return "denied by rule";
	case POLICY_DENY_PORT:
		return "port not allowed";
	}
	return "unknown";
}

/* IPv4 ranges no forwarded connection may reach without an explicit rule */
static bool v4_is_special(const uint8_t *a)
{
	static const struct {
		uint8_t net[4];
		unsigned int bits;
	} ranges[] = {
		{ { 0, 0, 0, 0 }, 8 },		/* "this network" */
		{ { 10, 0, 0, 0 }, 8 },		/* RFC 1918 */
		{ { 100, 64, 0, 0 }, 10 },	/* CGNAT */
		{ { 127, 0, 0, 0 }, 8 },	/* loopback */
		{ { 169, 254, 0, 0 }, 16 },	/* link-local, metadata */
		{ { 172, 16, 0, 0 }, 12 },	/* RFC 1918 */
		{ { 192, 0, 0, 0 }, 24 },	/* IETF protocol assignments */
		{ { 192, 168, 0, 0 }, 16 },	/* RFC 1918 */
		{ { 198, 18, 0, 0 }, 15 },	/* benchmarking */
		{ { 224, 0, 0, 0 }, 4 },	/* multicast */
		{ { 240, 0, 0, 0 }, 4 },	/* reserved, broadcast */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ranges); i++)
		if (prefix_equal(a, ranges[i].net, ranges[i].bits))
			return true;
	return false;
}

static bool v6_is_special(const uint8_t *a)
{
	static const uint8_t zero[16];
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const uint8_t nat64_local[6] = { 0x00, 0x64, 0xff, 0x9b,
						0x00, 0x01 };
	static const uint8_t teredo[4] = { 0x20, 0x01, 0x00, 0x00 };
	uint8_t v4[4];
	size_t i;

	/* ::, ::1 and IPv4-compatible ::a.b.c.d */
	if (!memcmp(a, zero, 12)) {
		if (!memcmp(a + 12, zero, 3) && a[15] <= 1)
			return true;
		return v4_is_special(a + 12);
	}
	if (is_v4_mapped(a) || !memcmp(a, nat64, sizeof(nat64)))
		return v4_is_special(a + 12);
	if (!memcmp(a, nat64_local, sizeof(nat64_local)))
		return true;
	if (a[0] == 0x20 && a[1] == 0x02)	/* 6to4 2002:V4ADDR::/48 */
		return v4_is_special(a + 2);
	if (!memcmp(a, teredo, sizeof(teredo))) {
		/* Teredo carries the client's address inverted */
		for (i = 0; i < 4; i++)
			v4[i] = (uint8_t)~a[12 + i];
		return v4_is_special(v4) || v4_is_special(a + 4);
	}
	if ((a[0] & 0xfe) == 0xfc)		/* ULA fc00::/7 */
		return true;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)	/* fe80::/10 */
		return true;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)	/* fec0::/10 */
		return true;
	return a[0] == 0xff;			/* multicast */
}

bool policy_addr_is_special(int family, const uint8_t *addr)
{
	if (family == AF_INET)
		return v4_is_special(addr);
	if (family == AF_INET6)
		return v6_is_special(addr);
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || c == '-';
}

/* Copy a double-quoted value, "\"" and "\\" escapes; @*pos is past '"' */
static int copy_quoted(const char *s, size_t len, size_t *pos, char *val,
		       size_t val_len)
{
	size_t i = *pos, n = 0;

	for (; i < len && s[i] != '"'; i++) {
		char c = s[i];

		if (c == '\\') {
			if (++i == len || (s[i] != '"' && s[i] != '\\'))
				return -EINVAL;
			c = s[i];
		}
		if (n + 1 >= val_len)
			return -E2BIG;
		val[n++] = c;
	}
	if (i == len)
		return -EINVAL;
	val[n] = '\0';
	*pos = i + 1;
	return 0;
}

/* The rest of the line after "key": separator, then value, then comment */
static int parse_value(const char *s, size_t len, size_t i, char *val,
		       size_t val_len)
{
	size_t end;
	int err;

	while (i < len && is_blank(s[i]))
		i++;
	if (i < len && s[i] == '=')
		for (i++; i < len && is_blank(s[i]); i++)
			;
	if (i < len && s[i] == '"') {
		i++;
		err = copy_quoted(s, len, &i, val, val_len);
		if (err)
			return err;
		if (i < len && !is_blank(s[i]))
			return -EINVAL;
		while (i < len && is_blank(s[i]))
			i++;
		return i == len || s[i] == '#' ? 0 : -EINVAL;
	}
	/* An unquoted value ends at a '#' that follows a blank */
	for (end = i; end < len; end++)
		if (s[end] == '#' && is_blank(s[end - 1]))
			break;
	while (end > i && is_blank(s[end - 1]))
		end--;
	if (end - i + 1 > val_len)
		return -E2BIG;
	memcpy(val, s + i, end - i);
	val[end - i] = '\0';
	return 0;
}

int policy_parse_line(const char *line, size_t len, char *key,
		      size_t key_len, char *val, size_t val_len)
{
	size_t i, k;
	int err;

	if (!key_len || !val_len)
		return -E2BIG;
	key[0] = '\0';
	val[0] = '\0';
	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -EINVAL;
	}
	for (i = 0; i < len && is_blank(line[i]); i++)
		;
	if (i == len || line[i] == '#')
		return 0;
	for (k = i; k < len && is_key_char(line[k]); k++)
		;
	if (k == i || (k < len && !is_blank(line[k]) && line[k] != '='))
		return -EINVAL;
	if (k - i + 1 > key_len)
		return -E2BIG;
	err = parse_value(line, len, k, val, val_len);
	if (err) {
		val[0] = '\0';
		return err;
	}
	memcpy(key, line + i, k - i);
	key[k - i] = '\0';
	return 1;
}

int policy_parse_size(const char *s, unsigned long long *out)
{
	static const char units[] = "kmgt";
	char digits[SIZE_TEXT_MAX];
	unsigned long long v, mult = 1;
	const char *unit;
	size_t n;
	int err;

	for (n = 0; is_digit(s[n]); n++)
		if (n + 1 >= sizeof(digits))
			return -ERANGE;
	if (!n)
		return -EINVAL;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (s[n]) {
		unit = s[n + 1] ? NULL : strchr(units, to_lower(s[n]));
		if (!unit)
			return -EINVAL;
		mult <<= 10 * (unit - units + 1);
	}
	err = parse_uint(digits, 0, ULLONG_MAX / mult, &v);
	if (err)
		return err;
	*out = v * mult;
	return 0;
}

bool policy_check_quiet(const struct net_rule *quiet, size_t n,
			const char *name, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (policy_rule_matches_name(&quiet[i], name, port))
			return true;
	return false;
}

int policy_parse_publish(const char *s, uint16_t *host_port, uint16_t *port)
{
	unsigned long long h, p;
	const char *colon = strchr(s, ':');
	char head[8];

	if (!colon) {
		if (parse_uint(s, 1, 65535, &p) < 0)
			return -EINVAL;
		*host_port = *port = (uint16_t)p;
		return 0;
	}
	if ((size_t)(colon - s) >= sizeof(head))
		return -EINVAL;
	memcpy(head, s, (size_t)(colon - s));
	head[colon - s] = '\0';
	if (parse_uint(head, 1, 65535, &h) < 0 ||
	    parse_uint(colon + 1, 1, 65535, &p) < 0)
		return -EINVAL;
	*host_port = (uint16_t)h;
	*port = (uint16_t)p;
	return 0;
}

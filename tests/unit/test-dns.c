// SPDX-License-Identifier: MIT
/*
 * test-dns.c - unit tests for dns.c
 */
#include <sys/socket.h>

#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

/* What glibc's stub resolver sends for "getent ahostsv4 Example.ORG" */
static const uint8_t q_glibc[] = {
	0x4a, 0x1f, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 'E',  'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'O',  'R',  'G',
	0x00, 0x00, 0x01, 0x00, 0x01,
};

/* dig-style: AAAA with AD set and an OPT record carrying a cookie */
static const uint8_t q_edns[] = {
	0xbe, 0xef, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 'a',  'p',  'i',  0x06, 'g',  'i',  't',  'h',  'u',  'b',  0x03,
	'c',  'o',  'm',  0x00, 0x00, 0x1c, 0x00, 0x01,
	/* OPT: root, type 41, udp 1232, ttl 0, rdlen 12, cookie option */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,
	0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
};

static uint8_t m[1024];

static size_t put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* A header with the given counts into m[]; Return: 12 */
static size_t header(unsigned int flags, unsigned int qd, unsigned int an,
		     unsigned int ns, unsigned int ar)
{
	put16(m, 0x1234);
	put16(m + 2, flags);
	put16(m + 4, qd);
	put16(m + 6, an);
	put16(m + 8, ns);
	put16(m + 10, ar);
	return 12;
}

/* Append "name" (dotted, no escapes) in wire form at m[n] */
static size_t put_name(size_t n, const char *name)
{
	while (*name) {
		size_t len = strcspn(name, ".");

		m[n++] = (uint8_t)len;
		memcpy(m + n, name, len);
		n += len;
		name += len;
		if (*name == '.')
			name++;
	}
	m[n++] = 0;
	return n;
}

static size_t put_qtail(size_t n, unsigned int type)
{
	n += put16(m + n, type);
	n += put16(m + n, 1);
	return n;
}

/*
 * A query whose question is a pointer to @payload, carried as the rdata
 * of an OPT record at offset 29. Return: length
 */
static size_t ptr_query(const uint8_t *payload, size_t len)
{
	size_t n = header(0x0100, 1, 0, 0, 1);

	n += put16(m + n, 0xc000 | 29);
	n = put_qtail(n, 1);
	n = put_name(n, "");
	n += put16(m + n, 41);
	n += put16(m + n, 512);
	n += put16(m + n, 0);
	n += put16(m + n, 0);
	n += put16(m + n, (unsigned int)len);
	memcpy(m + n, payload, len);
	return n + len;
}

static void test_good(void)
{
	struct dns_query q;
	size_t i;
	int bad = 0;

	is_int(dns_parse_query(q_glibc, sizeof(q_glibc), &q), 0, "glibc A");
	is_int(q.id, 0x4a1f, "id");
	is_int(q.flags, 0x0100, "flags");
	is_str(q.name, "example.org", "name normalised");
	ok(q.qtype == DNS_TYPE_A && q.qclass == 1, "type A, class IN");
	is_int(q.question_end, sizeof(q_glibc), "question_end");
	is_int(q.qwire_len, sizeof(q_glibc) - 12, "qwire_len");
	ok(!memcmp(q.qwire, q_glibc + 12, q.qwire_len), "question kept as is");
	ok(!q.has_edns, "no EDNS");

	for (i = 0; i < sizeof(q_glibc); i++)
		if (dns_parse_query(q_glibc, i, &q) != -EBADMSG)
			bad++;
	is_int(bad, 0, "every truncation of the glibc query: -EBADMSG");

	is_int(dns_parse_query(q_edns, sizeof(q_edns), &q), 0, "EDNS AAAA");
	is_str(q.name, "api.github.com", "EDNS name");
	is_int(q.qtype, DNS_TYPE_AAAA, "AAAA");
	ok(q.has_edns && q.edns_udp_size == 1232, "OPT seen");
	is_int(q.question_end, 12 + 20, "question_end before OPT");
	bad = 0;
	for (i = 0; i < sizeof(q_edns); i++)
		if (dns_parse_query(q_edns, i, &q) != -EBADMSG)
			bad++;
	is_int(bad, 0, "every truncation of the EDNS query: -EBADMSG");

	i = header(0x0100, 1, 0, 0, 0);
	i = put_qtail(put_name(i, ""), 2);
	is_int(dns_parse_query(m, i, &q), 0, "root NS");
	is_str(q.name, "", "root is empty");
	is_int(q.qwire_len, 5, "root question");

	i = header(0x0100, 1, 0, 0, 0);
	i = put_qtail(put_name(i, "_sip._tcp.x-y.org"), DNS_TYPE_SVCB);
	is_int(dns_parse_query(m, i, &q), 0, "underscore labels");
	is_str(q.name, "_sip._tcp.x-y.org", "underscore name");
}

static void test_bad(void)
{
	struct dns_query q;
	size_t n;

	is_int(dns_parse_query(m, 0, &q), -EBADMSG, "empty");
	n = put_qtail(put_name(header(0x8100, 1, 0, 0, 0), "a.org"), 1);
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "a response");
	n = put_qtail(put_name(header(0x2900, 1, 0, 0, 0), "a.org"), 1);
	is_int(dns_parse_query(m, n, &q), -EOPNOTSUPP, "UPDATE opcode");
	ok(q.id == 0x1234 && q.flags == 0x2900 && !q.qwire_len,
	   "id and flags kept for NOTIMP");
	n = put_qtail(put_name(header(0x0800, 1, 0, 0, 0), "a.org"), 1);
	is_int(dns_parse_query(m, n, &q), -EOPNOTSUPP, "IQUERY opcode");
	n = header(0x0100, 0, 0, 0, 0);
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "no question");
	is_int(q.id, 0x1234, "id kept for FORMERR");
	n = put_qtail(put_name(header(0x0100, 2, 0, 0, 0), "a.org"), 1);
	n = put_qtail(put_name(n, "b.org"), 1);
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "two questions");
	n = put_qtail(put_name(header(0x0100, 1, 1, 0, 0), "a.org"), 1);
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "answer count");
	n = put_qtail(put_name(header(0x0100, 1, 0, 1, 0), "a.org"), 1);
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "authority count");
	n = put_qtail(put_name(header(0x0100, 1, 0, 0, 2), "a.org"), 1);
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "two additional");
	n = put_qtail(put_name(header(0x0100, 1, 0, 0, 0), "a.org"), 1);
	m[n++] = 0;
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "trailing byte");
	ok(!q.qwire_len && !q.name[0], "question cleared on -EBADMSG");

	/* an additional record that is not OPT */
	n = put_qtail(put_name(header(0x0100, 1, 0, 0, 1), "a.org"), 1);
	n = put_name(n, "");
	n += put16(m + n, 1);	/* type A */
	n += put16(m + n, 1);
	n += put16(m + n, 0);
	n += put16(m + n, 0);
	n += put16(m + n, 4);
	memset(m + n, 7, 4);
	is_int(dns_parse_query(m, n + 4, &q), -EBADMSG, "A in additional");
	/* OPT with a non-root owner */
	n = put_qtail(put_name(header(0x0100, 1, 0, 0, 1), "a.org"), 1);
	n = put_name(n, "x");
	n += put16(m + n, 41);
	n += put16(m + n, 512);
	n += put16(m + n, 0);
	n += put16(m + n, 0);
	n += put16(m + n, 0);
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "OPT with owner name");
	/* OPT rdata longer than the message */
	n = put_qtail(put_name(header(0x0100, 1, 0, 0, 1), "a.org"), 1);
	n = put_name(n, "");
	n += put16(m + n, 41);
	n += put16(m + n, 512);
	n += put16(m + n, 0);
	n += put16(m + n, 0);
	n += put16(m + n, 5);
	is_int(dns_parse_query(m, n + 4, &q), -EBADMSG, "OPT rdata overrun");
	is_int(dns_parse_query(m, n + 5, &q), 0, "OPT rdata exact");
}

static void test_names(void)
{
	struct dns_query q;
	char label[64], name[300];
	size_t n, i;

	/* 0x40 and 0x80 label types */
	n = header(0x0100, 1, 0, 0, 0);
	m[n++] = 0x41;
	is_int(dns_parse_query(m, put_qtail(n + 1, 1), &q), -EBADMSG,
	       "label type 01");
	m[12] = 0x81;
	is_int(dns_parse_query(m, put_qtail(n + 1, 1), &q), -EBADMSG,
	       "label type 10");

	/* a pointer to itself */
	n = header(0x0100, 1, 0, 0, 0);
	n += put16(m + n, 0xc00c);
	is_int(dns_parse_query(m, put_qtail(n, 1), &q), -EBADMSG,
	       "pointer loop");
	/* "a" then a pointer back to the "a" */
	n = header(0x0100, 1, 0, 0, 0);
	m[n++] = 1;
	m[n++] = 'a';
	n += put16(m + n, 0xc00c);
	is_int(dns_parse_query(m, put_qtail(n, 1), &q), -EBADMSG,
	       "label then loop");
	/* a pointer past the end */
	n = header(0x0100, 1, 0, 0, 0);
	n += put16(m + n, 0xc000 | 900);
	is_int(dns_parse_query(m, put_qtail(n, 1), &q), -EBADMSG,
	       "pointer past the end");
	/* a pointer to a name in the OPT rdata after the question */
	n = ptr_query((const uint8_t *)"\1b\1c", 5);
	is_int(dns_parse_query(m, n, &q), 0, "forward pointer");
	is_str(q.name, "b.c", "name behind the pointer");
	is_int(q.question_end, 18, "question_end after the pointer");
	is_int(q.qwire_len, 5 + 4, "qwire decompressed");

	/* chains of pointers: 16 jumps are fine, 17 are not */
	for (i = 15; i <= 16; i++) {
		uint8_t chain[64];
		size_t k, c = 0;

		/* question -> 29 -> 31 -> ... (i pointers) -> "x" */
		for (k = 0; k < i; k++)
			c += put16(chain + c, 0xc000 | (unsigned int)(31 + c));
		memcpy(chain + c, "\1x", 3);
		n = ptr_query(chain, c + 3);
		is_int(dns_parse_query(m, n, &q), i == 15 ? 0 : -EBADMSG,
		       "%zu jumps", i + 1);
	}
	n = ptr_query((const uint8_t *)"\xc0\x1d", 2);
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "pointer to itself");

	/* lengths: 255 wire bytes is the maximum */
	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label, label, label,
		 label);
	n = put_qtail(put_name(header(0x0100, 1, 0, 0, 0), name), 1);
	is_int(dns_parse_query(m, n, &q), 0, "255-byte wire name");
	is_int(strlen(q.name), 253, "253-byte text name");
	snprintf(name, sizeof(name), "%s.%s.%s.%.62s", label, label, label,
		 label);
	n = put_qtail(put_name(header(0x0100, 1, 0, 0, 0), name), 1);
	is_int(dns_parse_query(m, n, &q), -EBADMSG, "256-byte wire name");

	/* 128 one-byte labels exceed both limits */
	n = header(0x0100, 1, 0, 0, 0);
	for (i = 0; i < 128; i++) {
		m[n++] = 1;
		m[n++] = 'a';
	}
	m[n++] = 0;
	is_int(dns_parse_query(m, put_qtail(n, 1), &q), -EBADMSG,
	       "128 labels");

	/* well-formed, but not host names */
	n = header(0x0100, 1, 0, 0, 0);
	m[n++] = 3;
	memcpy(m + n, "a.b", 3);
	n += 3;
	m[n++] = 0;
	n = put_qtail(n, 1);
	is_int(dns_parse_query(m, n, &q), -EINVAL, "dot inside a label");
	ok(q.qwire_len == 9 && !q.name[0] && q.id == 0x1234,
	   "question kept for the answer");
	m[13] = ' ';
	is_int(dns_parse_query(m, n, &q), -EINVAL, "space in a label");
	m[13] = 0;
	is_int(dns_parse_query(m, n, &q), -EINVAL, "NUL in a label");
	m[13] = 0xc3;
	is_int(dns_parse_query(m, n, &q), -EINVAL, "high byte in a label");
	n = put_qtail(put_name(header(0x0100, 1, 0, 0, 0), "*.a.org"), 1);
	is_int(dns_parse_query(m, n, &q), -EINVAL, "wildcard label");
}

static void test_reply(void)
{
	static const uint8_t a2[2][16] = { { 203, 0, 113, 7 },
					   { 198, 51, 100, 1 } };
	static const uint8_t want_a[] = {
		0x4a, 0x1f, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00,
		0x00, 0x00, 0x07, 'E',	'x',  'a',  'm',  'p',	'l',  'e',
		0x03, 'O',  'R',  'G',	0x00, 0x00, 0x01, 0x00, 0x01,
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c,
		0x00, 0x04, 203,  0,	113,  7,
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c,
		0x00, 0x04, 198,  51,	100,  1,
	};
	uint8_t out[512], a6[1][16] = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct dns_query q, bad;
	int n, i, e2big = 0;

	dns_parse_query(q_glibc, sizeof(q_glibc), &q);
	n = dns_build_reply(&q, DNS_RCODE_NOERROR, AF_INET, a2, 2, 60, out,
			    sizeof(out));
	is_int(n, sizeof(want_a), "A reply length");
	ok(n == sizeof(want_a) && !memcmp(out, want_a, sizeof(want_a)),
	   "A reply bytes, question case kept");
	for (i = 0; i < (int)sizeof(want_a); i++)
		if (dns_build_reply(&q, 0, AF_INET, a2, 2, 60, out,
				    (size_t)i) != -E2BIG)
			e2big++;
	is_int(e2big, 0, "every short buffer: -E2BIG");

	n = dns_build_reply(&q, DNS_RCODE_NOERROR, AF_INET, NULL, 0, 60, out,
			    sizeof(out));
	is_int(n, 29, "NODATA length");
	ok(out[3] == 0x80 && out[7] == 0 && out[5] == 1, "NODATA header");
	n = dns_build_reply(&q, DNS_RCODE_NXDOMAIN, 0, NULL, 0, 0, out,
			    sizeof(out));
	ok(n == 29 && out[2] == 0x81 && out[3] == 0x83, "NXDOMAIN");

	dns_parse_query(q_edns, sizeof(q_edns), &q);
	n = dns_build_reply(&q, 0, AF_INET6, (const uint8_t(*)[16])a6, 1,
			    300, out, sizeof(out));
	is_int(n, 12 + 20 + 28, "AAAA reply length");
	ok(out[2] == 0x81 && out[3] == 0x80, "RD echoed, AD not");
	ok(out[12 + 20 + 3] == 28 && out[12 + 20 + 11] == 16 &&
	   !memcmp(out + 12 + 20 + 12, a6[0], 16) && out[11] == 0,
	   "AAAA record, no OPT in reply");

	is_int(dns_parse_query(m, 0, &bad), -EBADMSG, "empty message");
	n = dns_build_reply(&bad, DNS_RCODE_FORMERR, 0, NULL, 0, 0, out,
			    sizeof(out));
	ok(n == 12 && out[5] == 0 && out[3] == 0x81, "FORMERR, no question");
	is_int(dns_build_reply(&bad, 0, AF_INET, a2, 1, 0, out, sizeof(out)),
	       -EINVAL, "answers without a question");
	is_int(dns_build_reply(&q, 3, AF_INET, a2, 1, 0, out, sizeof(out)),
	       -EINVAL, "answers with NXDOMAIN");
	is_int(dns_build_reply(&q, 16, AF_INET, NULL, 0, 0, out, sizeof(out)),
	       -EINVAL, "rcode 16");
	is_int(dns_build_reply(&q, 0, AF_UNIX, a2, 1, 0, out, sizeof(out)),
	       -EINVAL, "unknown family");
	is_int(dns_build_reply(&q, 0, AF_INET, NULL, 1, 0, out, sizeof(out)),
	       -EINVAL, "NULL addresses");
	is_int(dns_build_reply(&q, 0, AF_INET, a2, 1000, 0, out, sizeof(out)),
	       -E2BIG, "too many answers");
	is_int(dns_build_reply(&q, 0, AF_INET, a2, 0, 0, out, 0), -E2BIG,
	       "zero-length buffer");
}

int main(void)
{
	test_good();
	test_bad();
	test_names();
	test_reply();
	return done_testing();
}

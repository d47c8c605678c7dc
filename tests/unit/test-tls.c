// SPDX-License-Identifier: MIT
/*
 * test-tls.c - unit tests for tls.c
 */
#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

/* Captured from "openssl s_client -connect 127.0.0.1:PORT -servername
 * example.org" (OpenSSL 3.0), TLS 1.3 with TLS 1.2 fallback */
static const uint8_t hello_example_org[317] = {
	0x16, 0x03, 0x01, 0x01, 0x38, 0x01, 0x00, 0x01, 0x34, 0x03, 0x03, 0x36,
	0xe8, 0xdc, 0x17, 0x0f, 0xe7, 0x9e, 0x5d, 0xe2, 0xdf, 0x3f, 0xd5, 0xb1,
	0xc7, 0xe0, 0xf5, 0xa9, 0xdb, 0xc4, 0x0e, 0x4d, 0x81, 0x06, 0x46, 0x74,
	0x7d, 0xbc, 0x6c, 0x11, 0x17, 0x55, 0x41, 0x20, 0x1a, 0xb7, 0xcc, 0xb5,
	0xc1, 0x98, 0x79, 0x23, 0x17, 0x47, 0xcc, 0xb6, 0xca, 0x11, 0xec, 0xb9,
	0x02, 0xfe, 0x23, 0xd1, 0x04, 0x46, 0xa6, 0xff, 0x79, 0x10, 0xdc, 0x7d,
	0xe5, 0x66, 0x77, 0x7e, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0xad,
	0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67, 0x00, 0x0b, 0x00, 0x04,
	0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d,
	0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01,
	0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16,
	0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28,
	0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09,
	0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01,
	0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02,
	0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03,
	0x03, 0x03, 0x02, 0x03, 0x01, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00,
	0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x48, 0x7a, 0xd3,
	0x45, 0xdc, 0x86, 0x6e, 0x03, 0xd7, 0x9b, 0x5d, 0x60, 0xc1, 0xdb, 0xc4,
	0x07, 0xb6, 0xec, 0x8c, 0xc7, 0x4e, 0xe6, 0xa9, 0x78, 0x8b, 0xd2, 0xdc,
	0x16, 0xc1, 0xac, 0xe2, 0x0c,
};

/* The same with -noservername */
static const uint8_t hello_no_sni[297] = {
	0x16, 0x03, 0x01, 0x01, 0x24, 0x01, 0x00, 0x01, 0x20, 0x03, 0x03, 0xa0,
	0xb5, 0x11, 0x4e, 0xc6, 0xf7, 0x9f, 0x78, 0x1b, 0x1c, 0x99, 0xbc, 0x54,
	0x45, 0xcc, 0xf0, 0xfc, 0xa8, 0xda, 0x60, 0x6e, 0xe1, 0x89, 0x44, 0xc0,
	0x8d, 0x27, 0xb6, 0xd6, 0x06, 0x27, 0x64, 0x20, 0xa1, 0xc7, 0xea, 0xd7,
	0x0c, 0x31, 0xe0, 0x9c, 0x27, 0x74, 0x83, 0x07, 0xa1, 0xb6, 0x18, 0xf7,
	0x74, 0x3b, 0xb0, 0x73, 0x16, 0x4a, 0xb1, 0x5a, 0x2b, 0xb0, 0xb2, 0x4d,
	0xb3, 0x4f, 0xb6, 0x1e, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x99,
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16,
	0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18,
	0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23,
	0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d,
	0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
	0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05,
	0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01,
	0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09,
	0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01, 0x00, 0x2d, 0x00,
	0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00,
	0x20, 0x31, 0xc7, 0x37, 0x7a, 0x52, 0x64, 0xd3, 0x10, 0x8b, 0x98, 0x07,
	0x6e, 0x7a, 0x7a, 0xf5, 0x44, 0x4b, 0xd0, 0x20, 0x65, 0xea, 0x1f, 0x56,
	0xa3, 0xaf, 0x6f, 0x50, 0x4a, 0x16, 0xb8, 0x67, 0x1a,
};

/* The same with -tls1_2 -servername www.example.com */
static const uint8_t hello_tls12[212] = {
	0x16, 0x03, 0x01, 0x00, 0xcf, 0x01, 0x00, 0x00, 0xcb, 0x03, 0x03, 0x83,
	0x36, 0xea, 0xb2, 0xd2, 0xf1, 0xf2, 0xc6, 0xbe, 0xce, 0xd8, 0xaa, 0x46,
	0x6b, 0x13, 0xd7, 0x72, 0xf5, 0x6b, 0x4d, 0xef, 0xa2, 0x26, 0x20, 0x41,
	0xe1, 0xf1, 0x69, 0xc1, 0x0e, 0x08, 0xea, 0x00, 0x00, 0x38, 0xc0, 0x2c,
	0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b,
	0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23,
	0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09,
	0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c,
	0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x6a, 0x00, 0x00,
	0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f, 0x77, 0x77, 0x77, 0x2e, 0x65,
	0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x0b,
	0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a,
	0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23,
	0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d,
	0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
	0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05,
	0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01,
	0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
};

/* Room for a TLS_HELLO_MAX hello split into records, and some slack */
#define BIG (TLS_HELLO_MAX + 4096)

static uint8_t msg[BIG], rec[BIG + 64 * 5];

static size_t put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/*
 * Build a ClientHello handshake message carrying @ext (the extensions
 * block contents, @ext_len bytes) into msg[]; @ext == NULL: no extensions
 * block at all. Return: message length.
 */
static size_t build_msg(const uint8_t *ext, size_t ext_len)
{
	size_t n = 4, body;

	n += put16(msg + n, 0x0303);
	memset(msg + n, 0xab, 32);
	n += 32;
	msg[n++] = 0;			/* session id */
	n += put16(msg + n, 2);		/* one cipher suite */
	n += put16(msg + n, 0x1301);
	msg[n++] = 1;			/* null compression */
	msg[n++] = 0;
	if (ext) {
		n += put16(msg + n, ext_len);
		memcpy(msg + n, ext, ext_len);
		n += ext_len;
	}
	body = n - 4;
	msg[0] = 1;
	msg[1] = (uint8_t)(body >> 16);
	msg[2] = (uint8_t)(body >> 8);
	msg[3] = (uint8_t)body;
	return n;
}

/* Wrap msg[0..len) in handshake records of at most @frag bytes into rec[] */
static size_t wrap(const uint8_t *m, size_t len, size_t frag)
{
	size_t n = 0, off = 0;

	while (off < len) {
		size_t k = len - off < frag ? len - off : frag;

		rec[n++] = 0x16;
		n += put16(rec + n, 0x0301);
		n += put16(rec + n, k);
		memcpy(rec + n, m + off, k);
		n += k;
		off += k;
	}
	return n;
}

/* An extensions block holding one server_name with one host_name */
static size_t sni_ext(uint8_t *e, const char *name, size_t name_len)
{
	size_t n = 0;

	n += put16(e + n, 0x0000);
	n += put16(e + n, name_len + 5);
	n += put16(e + n, name_len + 3);
	e[n++] = 0;
	n += put16(e + n, name_len);
	memcpy(e + n, name, name_len);
	return n + name_len;
}

static int parse_built(const uint8_t *ext, size_t ext_len, char *name,
		       size_t name_len)
{
	size_t m = build_msg(ext, ext_len);
	size_t r = wrap(msg, m, 16384);

	return tls_parse_sni(rec, r, name, name_len);
}

static void test_captured(void)
{
	struct tls_client_hello ch;
	uint8_t buf[sizeof(hello_example_org) + 8];
	char name[256];
	size_t i;
	int bad = 0;

	is_int(tls_parse_sni(hello_example_org, sizeof(hello_example_org),
			     name, sizeof(name)),
	       11, "captured hello: SNI length");
	is_str(name, "example.org", "captured hello: SNI");
	is_int(tls_client_hello_info(hello_example_org,
				     sizeof(hello_example_org), &ch),
	       11, "captured hello: info");
	ok(!ch.has_ech, "captured hello: no ECH");
	is_int(ch.version, 0x0303, "captured hello: legacy_version");
	is_int(ch.records_len, sizeof(hello_example_org), "records_len");

	for (i = 0; i < sizeof(hello_example_org); i++)
		if (tls_parse_sni(hello_example_org, i, name, sizeof(name)) !=
		    -EAGAIN)
			bad++;
	is_int(bad, 0, "every truncation of the captured hello: -EAGAIN");

	memcpy(buf, hello_example_org, sizeof(hello_example_org));
	memcpy(buf + sizeof(hello_example_org), "\x17\x03\x03\x00\x03xyz", 8);
	is_int(tls_parse_sni(buf, sizeof(buf), name, sizeof(name)), 11,
	       "bytes after the hello are ignored");
	is_int(tls_parse_sni(hello_example_org, sizeof(hello_example_org),
			     name, 12),
	       11, "name buffer exactly big enough");
	is_int(tls_parse_sni(hello_example_org, sizeof(hello_example_org),
			     name, 11),
	       -E2BIG, "name buffer one too small");

	is_int(tls_parse_sni(hello_no_sni, sizeof(hello_no_sni), name,
			     sizeof(name)),
	       0, "captured hello without SNI");
	is_str(name, "", "no SNI: empty name");
	is_int(tls_parse_sni(hello_tls12, sizeof(hello_tls12), name,
			     sizeof(name)),
	       15, "captured TLS 1.2 hello");
	is_str(name, "www.example.com", "TLS 1.2 SNI");
}

static void test_fragmented(void)
{
	const uint8_t *m = hello_example_org + 5;
	size_t m_len = sizeof(hello_example_org) - 5, frag, i, r;
	char name[256];
	int bad = 0, bad_trunc = 0;

	for (frag = 1; frag <= m_len; frag++) {
		r = wrap(m, m_len, frag);
		if (tls_parse_sni(rec, r, name, sizeof(name)) != 11 ||
		    strcmp(name, "example.org"))
			bad++;
		if (frag > 40 && frag != 100 && frag != 200)
			continue;
		for (i = 0; i < r; i++)
			if (tls_parse_sni(rec, i, name, sizeof(name)) !=
			    -EAGAIN)
				bad_trunc++;
	}
	is_int(bad, 0, "hello fragmented into records of 1..%zu bytes", m_len);
	is_int(bad_trunc, 0, "every truncation of fragmented hellos: -EAGAIN");

	r = wrap(m, m_len, 100);
	rec[105] = 0x15;	/* an alert record between two fragments */
	is_int(tls_parse_sni(rec, r, name, sizeof(name)), -EBADMSG,
	       "alert between fragments");
	r = wrap(m, m_len, 100);
	rec[106] = 0x02;
	is_int(tls_parse_sni(rec, r, name, sizeof(name)), -EBADMSG,
	       "bad version in second record");
	r = wrap(m, m_len, 100);
	rec[108] = 0;
	rec[109] = 0;
	is_int(tls_parse_sni(rec, r, name, sizeof(name)), -EBADMSG,
	       "zero-length second record");
}

static void test_not_tls(void)
{
	static const uint8_t zero_rec[] = { 0x16, 3, 1, 0, 0 };
	static const uint8_t huge_rec[] = { 0x16, 3, 1, 0x40, 0x01 };
	static const uint8_t server_hello[] = { 0x16, 3, 3, 0, 4, 2, 0, 0, 0 };
	static const uint8_t huge_hello[] = { 0x16, 3, 1, 0, 4, 1, 0, 0x3f,
					      0xfd };
	static const uint8_t max_hello[] = { 0x16, 3, 1, 0, 4, 1, 0, 0x3f,
					     0xfc };
	char name[256];

	is_int(tls_parse_sni((const uint8_t *)"", 0, name, sizeof(name)),
	       -EAGAIN, "empty input");
	is_int(tls_parse_sni((const uint8_t *)"GET / HTTP/1.1\r\n", 16, name,
			     sizeof(name)),
	       -EBADMSG, "HTTP");
	is_int(tls_parse_sni((const uint8_t *)"G", 1, name, sizeof(name)),
	       -EBADMSG, "first byte of HTTP");
	is_int(tls_parse_sni((const uint8_t *)"SSH-2.0-x\r\n", 11, name,
			     sizeof(name)),
	       -EBADMSG, "SSH");
	is_int(tls_parse_sni((const uint8_t *)"\x16\x04", 2, name,
			     sizeof(name)),
	       -EBADMSG, "second byte not 3");
	is_int(tls_parse_sni((const uint8_t *)"\x16\x03", 2, name,
			     sizeof(name)),
	       -EAGAIN, "two good bytes");
	is_int(tls_parse_sni((const uint8_t *)"\x17\x03\x03\x00\x01x", 6,
			     name, sizeof(name)),
	       -EBADMSG, "application data");
	is_int(tls_parse_sni(zero_rec, sizeof(zero_rec), name, sizeof(name)),
	       -EBADMSG, "zero-length record");
	is_int(tls_parse_sni(huge_rec, sizeof(huge_rec), name, sizeof(name)),
	       -EBADMSG, "record over 16384");
	is_int(tls_parse_sni(server_hello, sizeof(server_hello), name,
			     sizeof(name)),
	       -EBADMSG, "ServerHello");
	is_int(tls_parse_sni(huge_hello, sizeof(huge_hello), name,
			     sizeof(name)),
	       -EBADMSG, "hello over TLS_HELLO_MAX");
	is_int(tls_parse_sni(max_hello, sizeof(max_hello), name,
			     sizeof(name)),
	       -EAGAIN, "hello of TLS_HELLO_MAX announced");
}

static void test_built(void)
{
	uint8_t e[2048];
	char name[256], big[300];
	struct tls_client_hello ch;
	size_t n, i;

	n = sni_ext(e, "Mixed.Example.ORG.", 18);
	is_int(parse_built(e, n, name, sizeof(name)), 17, "normalised SNI");
	is_str(name, "mixed.example.org", "lowercase, dot stripped");
	is_int(parse_built(NULL, 0, name, sizeof(name)), 0, "no extensions");
	is_int(parse_built(e, 0, name, sizeof(name)), 0,
	       "empty extensions block");

	n = sni_ext(e, "a.org", 5);
	n += sni_ext(e + n, "b.org", 5);
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG,
	       "two server_name extensions");

	/* one server_name list with two host_names */
	n = 0;
	n += put16(e + n, 0);
	n += put16(e + n, 2 + 8 + 8);
	n += put16(e + n, 8 + 8);
	e[n++] = 0;
	n += put16(e + n, 5);
	memcpy(e + n, "a.org", 5);
	n += 5;
	e[n++] = 0;
	n += put16(e + n, 5);
	memcpy(e + n, "b.org", 5);
	n += 5;
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG,
	       "two host_names");
	e[6] = 7;	/* first entry of an unknown name type */
	is_int(parse_built(e, n, name, sizeof(name)), 5,
	       "unknown name type skipped");
	is_str(name, "b.org", "the host_name one");

	n = sni_ext(e, "", 0);
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG, "empty name");
	n = sni_ext(e, "a\0b.org", 7);
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG, "NUL in name");
	n = sni_ext(e, "a b.org", 7);
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG, "space");
	n = sni_ext(e, "a..org", 6);
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG, "empty label");
	memset(big, 'a', sizeof(big));
	for (i = 60; i < sizeof(big); i += 61)
		big[i] = '.';
	n = sni_ext(e, big, 253);
	is_int(parse_built(e, n, name, sizeof(name)), 253, "253-byte name");
	n = sni_ext(e, big, 254);
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG,
	       "254-byte name");
	n = sni_ext(e, big, 253);
	is_int(parse_built(e, n, name, 253), -E2BIG, "name buffer too small");

	/* the server_name extension's own lengths */
	n = sni_ext(e, "a.org", 5);
	e[5]++;		/* list length disagrees with extension length */
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG, "list length");
	n = sni_ext(e, "a.org", 5);
	e[8]++;		/* name longer than the list */
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG, "name length");
	n = 0;
	n += put16(e + n, 0);
	n += put16(e + n, 0);
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG,
	       "empty server_name extension");

	/* extensions block */
	n = sni_ext(e, "a.org", 5);
	e[3] += 1;	/* extension longer than the block */
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG,
	       "extension overruns block");
	n = sni_ext(e, "a.org", 5);
	e[n++] = 0;
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG,
	       "trailing byte in extensions");

	n = sni_ext(e, "a.org", 5);
	n += put16(e + n, 0xfe0d);
	n += put16(e + n, 1);
	e[n++] = 0;
	is_int(tls_client_hello_info(rec, wrap(msg, build_msg(e, n), 16384),
				     &ch),
	       5, "ECH hello parses");
	ok(ch.has_ech, "ECH flagged");
	is_str(ch.sni, "a.org", "outer SNI reported");
	n += put16(e + n, 0xfe0d);
	n += put16(e + n, 0);
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG,
	       "ECH extension twice");

	n = 0;
	for (i = 0; i < 128; i++) {
		n += put16(e + n, 0x1000 + i);
		n += put16(e + n, 0);
	}
	is_int(parse_built(e, n, name, sizeof(name)), 0, "128 extensions");
	n += put16(e + n, 0x2000);
	n += put16(e + n, 0);
	is_int(parse_built(e, n, name, sizeof(name)), -EBADMSG,
	       "129 extensions");
}

static void test_hello_body(void)
{
	char name[256];
	size_t m;

	m = build_msg(NULL, 0);
	msg[4] = 2;	/* legacy_version 2.3 */
	is_int(tls_parse_sni(rec, wrap(msg, m, 16384), name, sizeof(name)),
	       -EBADMSG, "legacy_version major 2");
	m = build_msg(NULL, 0);
	msg[38] = 33;	/* session id too long */
	is_int(tls_parse_sni(rec, wrap(msg, m, 16384), name, sizeof(name)),
	       -EBADMSG, "33-byte session id");
	m = build_msg(NULL, 0);
	msg[40] = 3;	/* odd cipher suites length */
	is_int(tls_parse_sni(rec, wrap(msg, m, 16384), name, sizeof(name)),
	       -EBADMSG, "odd cipher suites length");
	m = build_msg(NULL, 0);
	msg[40] = 0;	/* no cipher suites */
	is_int(tls_parse_sni(rec, wrap(msg, m, 16384), name, sizeof(name)),
	       -EBADMSG, "no cipher suites");
	m = build_msg(NULL, 0);
	msg[43] = 0;	/* no compression methods */
	is_int(tls_parse_sni(rec, wrap(msg, m, 16384), name, sizeof(name)),
	       -EBADMSG, "no compression methods");
	m = build_msg(NULL, 0);
	msg[3] -= 1;	/* hello ends inside the compression methods */
	is_int(tls_parse_sni(rec, wrap(msg, m - 1, 16384), name,
			     sizeof(name)),
	       -EBADMSG, "truncated body");
	m = build_msg(NULL, 0);
	msg[m] = 0;	/* a lone byte where extensions would start */
	msg[3] += 1;
	is_int(tls_parse_sni(rec, wrap(msg, m + 1, 16384), name,
			     sizeof(name)),
	       -EBADMSG, "one byte of extensions length");
}

static void test_size_limits(void)
{
	static uint8_t e[TLS_HELLO_MAX];
	char name[256];
	size_t n, m, pad;
	int bad = 0;

	/* Fill the hello to exactly TLS_HELLO_MAX with a padding extension */
	n = sni_ext(e, "big.example.org", 15);
	pad = TLS_HELLO_MAX - build_msg(e, n) - 4;
	n += put16(e + n, 0x0015);
	n += put16(e + n, pad);
	memset(e + n, 0, pad);
	n += pad;
	m = build_msg(e, n);
	is_int(m, TLS_HELLO_MAX, "built a TLS_HELLO_MAX hello");
	is_int(tls_parse_sni(rec, wrap(msg, m, 16384), name, sizeof(name)), 15,
	       "TLS_HELLO_MAX hello in one full record");
	is_int(tls_parse_sni(rec, wrap(msg, m, 1000), name, sizeof(name)), 15,
	       "TLS_HELLO_MAX hello in 17 records");
	for (size_t i = 0; i < wrap(msg, m, 1000); i += 97)
		if (tls_parse_sni(rec, i, name, sizeof(name)) != -EAGAIN)
			bad++;
	is_int(bad, 0, "truncations of the big hello: -EAGAIN");

	n += 1;
	e[n - 1] = 0;
	e[sni_ext(e, "big.example.org", 15) + 3] += 1;
	m = build_msg(e, n);
	is_int(m, TLS_HELLO_MAX + 1, "built a hello one byte too big");
	is_int(tls_parse_sni(rec, wrap(msg, m, 16384), name, sizeof(name)),
	       -EBADMSG, "hello over TLS_HELLO_MAX");
}

int main(void)
{
	test_captured();
	test_fragmented();
	test_not_tls();
	test_built();
	test_hello_body();
	test_size_limits();
	return done_testing();
}

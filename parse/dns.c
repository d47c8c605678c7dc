// SPDX-License-Identifier: MIT
/*
 * dns.c - DNS queries from the jail's stub resolvers, and the replies to
 * them (RFC 1035, RFC 6891)
 *
 * The jail's resolver only ever answers; it never forwards what the jail
 * sent. So the parser accepts the one shape a stub resolver sends (a
 * standard query, one question, at most an EDNS OPT record) and refuses
 * everything else, and the reply is rebuilt from the parsed fields.
 */
#include <sys/socket.h>

#include "jail.h"
#include "parse/parse.h"

#define DNS_HEADER_LEN 12
#define DNS_NAME_WIRE_MAX 255	/* RFC 1035 3.1, length bytes included */
#define DNS_MAX_LABELS 127
#define DNS_MAX_JUMPS 16
#define DNS_TYPE_OPT 41
#define DNS_CLASS_IN 1
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_CD 0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)

/*
 * Read a possibly compressed name at @c into @wire (uncompressed, case
 * kept). @c ends after the name's first pointer or its root label.
 *
 * Bounds: at most DNS_MAX_JUMPS pointers, each inside @msg;
 * DNS_MAX_LABELS labels; DNS_NAME_WIRE_MAX bytes decoded; label types
 * other than plain and pointer refused.
 */
static int read_name(const uint8_t *msg, size_t msg_len, struct cursor *c,
		     uint8_t *wire, size_t *wire_len)
{
	struct cursor at = *c, label;
	unsigned int jumps = 0, labels = 0;
	bool jumped = false;
	size_t w = 0;
	uint8_t n, lo;

	for (;;) {
		if (cur_u8(&at, &n))
			return -EBADMSG;
		if ((n & 0xc0) == 0xc0) {
			size_t off;

			if (cur_u8(&at, &lo))
				return -EBADMSG;
			off = (size_t)(n & 0x3f) << 8 | lo;
			if (!jumped)
				*c = at;
			jumped = true;
			if (++jumps > DNS_MAX_JUMPS || off >= msg_len)
				return -EBADMSG;
			at.p = msg + off;
			at.left = msg_len - off;
			continue;
		}
		if (n & 0xc0)
			return -EBADMSG;
		wire[w++] = n;
		if (!n)
			break;
		/* Room for this label and the root label after it */
		if (++labels > DNS_MAX_LABELS ||
		    w + n + 1 > DNS_NAME_WIRE_MAX || cur_sub(&at, n, &label))
			return -EBADMSG;
		memcpy(wire + w, label.p, n);
		w += n;
	}
	if (!jumped)
		*c = at;
	*wire_len = w;
	return 0;
}

static bool is_host_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/*
 * Host name text of an uncompressed wire name, lowercased; the root name
 * is "". Return: 0, or -EINVAL when a label holds anything but letters,
 * digits, '-' and '_' (no dots inside labels, no binary)
 */
static int wire_to_text(const uint8_t *wire, char *name, size_t name_len)
{
	char text[DNS_NAME_WIRE_MAX];
	size_t t = 0, i = 0, k;
	int n;

	while (wire[i]) {
		size_t len = wire[i++];

		if (t)
			text[t++] = '.';
		for (k = 0; k < len; k++) {
			uint8_t ch = wire[i + k];

			if (!is_host_char(ch))
				return -EINVAL;
			text[t++] = (char)ch;
		}
		i += len;
	}
	if (!t) {
		name[0] = '\0';
		return 0;
	}
	n = policy_normalize_name(text, t, name, name_len);
	return n < 0 ? -EINVAL : 0;
}

/* The OPT pseudo-record (RFC 6891 6.1.2): root name, type 41 */
static int skip_opt(struct cursor *c, struct dns_query *q)
{
	uint16_t type, udp_size, ttl_hi, ttl_lo, rdlen;
	uint8_t root;

	if (cur_u8(c, &root) || root || cur_u16(c, &type) ||
	    type != DNS_TYPE_OPT || cur_u16(c, &udp_size) ||
	    cur_u16(c, &ttl_hi) || cur_u16(c, &ttl_lo) ||
	    cur_u16(c, &rdlen) || cur_skip(c, rdlen))
		return -EBADMSG;
	q->has_edns = true;
	q->edns_udp_size = udp_size;
	return 0;
}

static int parse_question(const uint8_t *buf, size_t len, struct cursor *c,
			  struct dns_query *q)
{
	size_t wire_len;
	int err;

	err = read_name(buf, len, c, q->qwire, &wire_len);
	if (err)
		return err;
	if (cur_u16(c, &q->qtype) || cur_u16(c, &q->qclass))
		return -EBADMSG;
	q->qwire[wire_len] = (uint8_t)(q->qtype >> 8);
	q->qwire[wire_len + 1] = (uint8_t)q->qtype;
	q->qwire[wire_len + 2] = (uint8_t)(q->qclass >> 8);
	q->qwire[wire_len + 3] = (uint8_t)q->qclass;
	q->qwire_len = wire_len + 4;
	q->question_end = len - c->left;
	return 0;
}

int dns_parse_query(const uint8_t *buf, size_t len, struct dns_query *q)
{
	struct cursor c = { buf, len };
	uint16_t qd, an, ns, ar;
	int err;

	memset(q, 0, sizeof(*q));
	if (cur_u16(&c, &q->id) || cur_u16(&c, &q->flags) ||
	    cur_u16(&c, &qd) || cur_u16(&c, &an) || cur_u16(&c, &ns) ||
	    cur_u16(&c, &ar))
		return -EBADMSG;
	if (q->flags & DNS_FLAG_QR)
		return -EBADMSG;
	if (DNS_OPCODE(q->flags))
		return -EOPNOTSUPP;
	if (qd != 1 || an || ns || ar > 1)
		return -EBADMSG;
	err = parse_question(buf, len, &c, q);
	if (!err && ar)
		err = skip_opt(&c, q);
	if (!err && c.left)
		err = -EBADMSG;
	if (err) {
		uint16_t id = q->id, flags = q->flags;

		memset(q, 0, sizeof(*q));
		q->id = id;
		q->flags = flags;
		return err;
	}
	return wire_to_text(q->qwire, q->name, sizeof(q->name));
}

static size_t put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

int dns_build_reply(const struct dns_query *q, unsigned int rcode,
		    int family, const uint8_t (*addrs)[16], size_t n_addrs,
		    uint32_t ttl, uint8_t *out, size_t out_len)
{
	size_t alen = family == AF_INET6 ? 16 : 4, n = 0, i;
	unsigned int flags;

	if (rcode > 15 || q->qwire_len > sizeof(q->qwire))
		return -EINVAL;
	if (n_addrs && (rcode || !q->qwire_len || !addrs ||
			(family != AF_INET && family != AF_INET6)))
		return -EINVAL;
	if (out_len < DNS_HEADER_LEN || n_addrs > UINT16_MAX ||
	    n_addrs > (out_len - DNS_HEADER_LEN) / (12 + alen) ||
	    out_len < DNS_HEADER_LEN + q->qwire_len +
			      n_addrs * (12 + alen))
		return -E2BIG;

	flags = DNS_FLAG_QR | DNS_FLAG_RA | rcode |
		(q->flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	n += put16(out + n, q->id);
	n += put16(out + n, flags);
	n += put16(out + n, q->qwire_len ? 1 : 0);
	n += put16(out + n, (unsigned int)n_addrs);
	n += put16(out + n, 0);
	n += put16(out + n, 0);
	memcpy(out + n, q->qwire, q->qwire_len);
	n += q->qwire_len;
	for (i = 0; i < n_addrs; i++) {
		/* The name is the question's: a pointer to offset 12 */
		n += put16(out + n, 0xc000 | DNS_HEADER_LEN);
		n += put16(out + n, family == AF_INET ? DNS_TYPE_A
						      : DNS_TYPE_AAAA);
		n += put16(out + n, DNS_CLASS_IN);
		n += put16(out + n, ttl >> 16);
		n += put16(out + n, ttl & 0xffff);
		n += put16(out + n, (unsigned int)alen);
		memcpy(out + n, addrs[i], alen);
		n += alen;
	}
	return (int)n;
}

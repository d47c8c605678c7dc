// SPDX-License-Identifier: MIT
/*
 * tls.c - the server name and ECH flag of a TLS ClientHello (RFC 8446,
 * RFC 6066, draft-ietf-tls-esni)
 *
 * The forwarder reads the first bytes a client in the jail sends and asks
 * this parser for the host it wants. Those bytes are hostile: they are
 * read only through struct cursor, every length is checked against what
 * encloses it, and a ClientHello that two parsers could read differently
 * (two server names, a duplicated extension, trailing bytes) is refused
 * rather than guessed at.
 */
#include "jail.h"
#include "parse/parse.h"

#define TLS_CONTENT_HANDSHAKE 0x16
#define TLS_HS_CLIENT_HELLO 1
#define TLS_RECORD_MAX 16384		/* TLSPlaintext.length bound */
#define TLS_EXT_SERVER_NAME 0x0000
#define TLS_EXT_ECH 0xfe0d		/* encrypted_client_hello */
#define TLS_EXT_ESNI 0xffce		/* its abandoned predecessor */
#define TLS_SNI_HOST_NAME 0
#define TLS_MAX_EXTENSIONS 128		/* real hellos carry about 20 */

/*
 * Copy the handshake bytes of consecutive handshake records into @hs
 * until the ClientHello message is complete.
 *
 * Bounds: every record is a handshake record of 1..16384 bytes with
 * major version 3; the message is a ClientHello of at most
 * TLS_HELLO_MAX bytes including its 4-byte header.
 *
 * Return: length of the message in @hs with *@consumed set to the bytes
 * of @buf it took, -EAGAIN (incomplete) or -EBADMSG
 */
static int gather_hello(const uint8_t *buf, size_t len, uint8_t *hs,
			size_t *consumed)
{
	struct cursor c = { buf, len };
	size_t have = 0, want = 0;

	while (c.left) {
		uint16_t version, rlen;
		uint8_t type;
		size_t n;

		if (cur_u8(&c, &type) || type != TLS_CONTENT_HANDSHAKE)
			return -EBADMSG;
		/* Refuse a non-TLS stream as soon as its second byte shows */
		if (c.left && c.p[0] != 3)
			return -EBADMSG;
		if (cur_u16(&c, &version) || cur_u16(&c, &rlen))
			return -EAGAIN;
		/* RFC 8446 5.1: no zero-length handshake fragments */
		if (!rlen || rlen > TLS_RECORD_MAX)
			return -EBADMSG;
		n = rlen < c.left ? rlen : c.left;
		if (have + n > TLS_HELLO_MAX)
			n = TLS_HELLO_MAX - have;
		memcpy(hs + have, c.p, n);
		have += n;
		if (have >= 4 && !want) {
			uint32_t body = (uint32_t)hs[1] << 16 |
					(uint32_t)hs[2] << 8 | hs[3];

			if (hs[0] != TLS_HS_CLIENT_HELLO ||
			    body > TLS_HELLO_MAX - 4)
				return -EBADMSG;
			want = 4 + body;
		}
		if (want && have >= want) {
			/* Bytes after the hello in its record are not ours */
			*consumed = (size_t)(c.p - buf) + n - (have - want);
			return (int)want;
		}
		if (n < rlen)
			return -EAGAIN;
		cur_skip(&c, n);
	}
	return -EAGAIN;
}

/* server_name (RFC 6066 3): a list holding at most one host_name */
static int parse_server_name(struct cursor *ext, struct tls_client_hello *ch)
{
	struct cursor list;
	uint16_t list_len;
	bool found = false;

	if (cur_u16(ext, &list_len) || !list_len || list_len != ext->left ||
	    cur_sub(ext, list_len, &list))
		return -EBADMSG;
	while (list.left) {
		struct cursor name;
		uint16_t name_len;
		uint8_t type;
		int n;

		if (cur_u8(&list, &type) || cur_u16(&list, &name_len) ||
		    cur_sub(&list, name_len, &name))
			return -EBADMSG;
		if (type != TLS_SNI_HOST_NAME)
			continue;
		if (found || !name_len)
			return -EBADMSG;
		found = true;
		n = policy_normalize_name((const char *)name.p, name.left,
					  ch->sni, sizeof(ch->sni));
		if (n < 0)
			return -EBADMSG;
		ch->sni_len = (size_t)n;
	}
	return 0;
}

static int parse_extensions(struct cursor *c, struct tls_client_hello *ch)
{
	uint16_t seen[TLS_MAX_EXTENSIONS];
	size_t n_seen = 0, i;

	while (c->left) {
		uint16_t type, ext_len;
		struct cursor ext;
		int err;

		if (cur_u16(c, &type) || cur_u16(c, &ext_len) ||
		    cur_sub(c, ext_len, &ext))
			return -EBADMSG;
		/* RFC 8446 4.2: at most one extension of each type */
		if (n_seen == TLS_MAX_EXTENSIONS)
			return -EBADMSG;
		for (i = 0; i < n_seen; i++)
			if (seen[i] == type)
				return -EBADMSG;
		seen[n_seen++] = type;

		if (type == TLS_EXT_ECH || type == TLS_EXT_ESNI)
			ch->has_ech = true;
		if (type != TLS_EXT_SERVER_NAME)
			continue;
		err = parse_server_name(&ext, ch);
		if (err)
			return err;
	}
	return 0;
}

/* ClientHello body (RFC 8446 4.1.2), after the 4-byte message header */
static int parse_hello(struct cursor *c, struct tls_client_hello *ch)
{
	uint16_t n16, ext_len;
	uint8_t n8;

	if (cur_u16(c, &ch->version) || ch->version >> 8 != 3)
		return -EBADMSG;
	if (cur_skip(c, 32))					/* random */
		return -EBADMSG;
	if (cur_u8(c, &n8) || n8 > 32 || cur_skip(c, n8))	/* session */
		return -EBADMSG;
	if (cur_u16(c, &n16) || n16 < 2 || n16 % 2 || cur_skip(c, n16))
		return -EBADMSG;				/* ciphers */
	if (cur_u8(c, &n8) || n8 < 1 || cur_skip(c, n8))	/* compression */
		return -EBADMSG;
	if (!c->left)		/* SSL 3.0 style: no extensions at all */
		return 0;
	if (cur_u16(c, &ext_len) || ext_len != c->left)
		return -EBADMSG;
	return parse_extensions(c, ch);
}

int tls_client_hello_info(const uint8_t *buf, size_t len,
			  struct tls_client_hello *ch)
{
	uint8_t hs[TLS_HELLO_MAX];
	size_t consumed = 0;
	struct cursor c;
	int n, err;

	memset(ch, 0, sizeof(*ch));
	n = gather_hello(buf, len, hs, &consumed);
	if (n < 0)
		return n;
	c.p = hs + 4;
	c.left = (size_t)n - 4;
	err = parse_hello(&c, ch);
	if (err) {
		memset(ch, 0, sizeof(*ch));
		return err;
	}
	ch->records_len = consumed;
	return (int)ch->sni_len;
}

int tls_parse_sni(const uint8_t *buf, size_t len, char *name,
		  size_t name_len)
{
	struct tls_client_hello ch;
	int n = tls_client_hello_info(buf, len, &ch);

	if (n < 0)
		return n;
	if (name_len < ch.sni_len + 1)
		return -E2BIG;
	memcpy(name, ch.sni, ch.sni_len + 1);
	return n;
}

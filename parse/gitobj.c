// SPDX-License-Identifier: MIT
/*
 * gitobj.c - git's object, pack, index and ref formats as pure parsers
 *
 * Trust: every byte here comes from a git dir the jail could write (a
 * review's upper layer) or from the project's own store; both are read
 * as hostile. Nothing is allocated; every loop is bounded by its input
 * (each step consumes bytes) or by a stated constant:
 *  - objects at most GITOBJ_MAX_SIZE bytes (loose headers, pack entries,
 *    delta sizes), loose headers at most 32 bytes;
 *  - pack entry sizes and offsets at most 10 base-128 bytes, no overflow;
 *  - delta copies within the base, inserts within the delta, the result
 *    exactly the declared size;
 *  - index lookups: a fan-out that never decreases, tables within the
 *    file, at most 32 steps of binary search;
 *  - commits: at most GITOBJ_MAX_PARENTS parents, a subject of at most
 *    GITOBJ_SUBJECT_MAX bytes; ref names of at most GITOBJ_REF_MAX.
 */
#include "jail.h"
#include "parse/gitobj.h"

#define LOOSE_HDR_MAX 32
#define VARINT_MAX 10		/* bytes of a base-128 number */
#define IDX_HDR ((size_t)1032)	/* magic, version, 256 fan-out entries */
#define IDX_TRAILER ((size_t)40)	/* the pack's and the index's SHA-1 */

static const char *const type_names[] = {
	[GITOBJ_COMMIT] = "commit", [GITOBJ_TREE] = "tree",
	[GITOBJ_BLOB] = "blob",	    [GITOBJ_TAG] = "tag",
};

const char *gitobj_type_name(enum gitobj_type t)
{
	if ((size_t)t < ARRAY_SIZE(type_names) && type_names[t])
		return type_names[t];
	return "?";
}

int gitobj_hex_id(const char *hex, size_t len, uint8_t id[GITOBJ_ID_LEN])
{
	if (len < GITOBJ_HEX_LEN)
		return -EBADMSG;
	for (size_t i = 0; i < GITOBJ_ID_LEN; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EBADMSG;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void gitobj_id_hex(const uint8_t id[GITOBJ_ID_LEN],
		   char out[GITOBJ_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < GITOBJ_ID_LEN; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[GITOBJ_HEX_LEN] = '\0';
}

static enum gitobj_type type_of(const uint8_t *s, size_t n)
{
	for (size_t t = 1; t < ARRAY_SIZE(type_names); t++)
		if (type_names[t] && strlen(type_names[t]) == n &&
		    !memcmp(type_names[t], s, n))
			return (enum gitobj_type)t;
	return GITOBJ_NONE;
}

int gitobj_loose_header(const uint8_t *buf, size_t len, enum gitobj_type *type,
			size_t *size, size_t *hdr_len)
{
	const uint8_t *sp = memchr(buf, ' ', len < LOOSE_HDR_MAX ? len :
							     LOOSE_HDR_MAX);
	size_t i, v = 0;

	if (!sp)
		return -EBADMSG;
	*type = type_of(buf, (size_t)(sp - buf));
	if (*type == GITOBJ_NONE)
		return -EBADMSG;
	i = (size_t)(sp - buf) + 1;
	if (i >= len || buf[i] < '0' || buf[i] > '9' ||
	    (buf[i] == '0' && i + 1 < len && buf[i + 1] != '\0'))
		return -EBADMSG;
	for (; i < len && i < LOOSE_HDR_MAX && buf[i] != '\0'; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EBADMSG;
		v = v * 10 + (size_t)(buf[i] - '0');
		if (v > GITOBJ_MAX_SIZE)
			return -E2BIG;
	}
	if (i >= len || i >= LOOSE_HDR_MAX || buf[i] != '\0')
		return -EBADMSG;
	*size = v;
	*hdr_len = i + 1;
	return 0;
}

/* The line at @c (without its '\n') as @line; the cursor moves past it.
 * Return: 0, or -EBADMSG at the end of input */
static int next_line(struct cursor *c, struct cursor *line, bool *has_nl)
{
	const uint8_t *nl;

	if (!c->left)
		return -EBADMSG;
	nl = memchr(c->p, '\n', c->left);
	*has_nl = nl != NULL;
	line->p = c->p;
	line->left = nl ? (size_t)(nl - c->p) : c->left;
	c->p += line->left + !!nl;
	c->left -= line->left + !!nl;
	return 0;
}

/* "KEY HEX" exactly: @line begins with @key and a full id follows */
static bool is_id_line(const struct cursor *line, const char *key,
		       uint8_t id[GITOBJ_ID_LEN])
{
	size_t kl = strlen(key);

	return line->left == kl + GITOBJ_HEX_LEN &&
	       !memcmp(line->p, key, kl) &&
	       gitobj_hex_id((const char *)line->p + kl, GITOBJ_HEX_LEN, id) ==
		       0;
}

/* The subject: the first line of the message, cut at a NUL or the bound */
static void take_subject(struct cursor *c, char *out)
{
	size_t n = 0;

	while (n < c->left && n < GITOBJ_SUBJECT_MAX && c->p[n] != '\n' &&
	       c->p[n] != '\0')
		n++;
	memcpy(out, c->p, n);
	out[n] = '\0';
}

int gitobj_parse_commit(const uint8_t *buf, size_t len,
			struct gitobj_commit *cm)
{
	struct cursor c = { buf, len }, line;
	bool has_nl;

	memset(cm, 0, sizeof(*cm));
	if (next_line(&c, &line, &has_nl) < 0 || !has_nl ||
	    !is_id_line(&line, "tree ", cm->tree))
		return -EBADMSG;
	/* Header lines up to the blank line; parents come first */
	while (c.left) {
		uint8_t id[GITOBJ_ID_LEN];

		if (next_line(&c, &line, &has_nl) < 0)
			return -EBADMSG;
		if (!line.left) {
			take_subject(&c, cm->subject);
			return 0;
		}
		if (line.left > 7 && !memcmp(line.p, "parent ", 7)) {
			if (!is_id_line(&line, "parent ", id))
				return -EBADMSG;
			if (cm->n_parents == GITOBJ_MAX_PARENTS)
				return -E2BIG;
			memcpy(cm->parent[cm->n_parents++], id, sizeof(id));
		}
	}
	return 0;	/* no message at all */
}

int gitobj_parse_tag(const uint8_t *buf, size_t len,
		     uint8_t object[GITOBJ_ID_LEN], enum gitobj_type *type)
{
	struct cursor c = { buf, len }, line;
	bool has_nl;

	if (next_line(&c, &line, &has_nl) < 0 || !has_nl ||
	    !is_id_line(&line, "object ", object))
		return -EBADMSG;
	if (next_line(&c, &line, &has_nl) < 0 || !has_nl || line.left < 6 ||
	    memcmp(line.p, "type ", 5))
		return -EBADMSG;
	*type = type_of(line.p + 5, line.left - 5);
	return *type == GITOBJ_NONE ? -EBADMSG : 0;
}

int gitobj_tree_next(struct cursor *c, struct gitobj_tree_entry *e)
{
	const uint8_t *nul;
	size_t i = 0;

	if (!c->left)
		return 0;
	e->mode = 0;
	for (; i < c->left && c->p[i] != ' '; i++) {
		if (i == 7 || c->p[i] < '0' || c->p[i] > '7')
			return -EBADMSG;
		e->mode = e->mode * 8 + (unsigned int)(c->p[i] - '0');
	}
	if (!i || i >= c->left)
		return -EBADMSG;
	i++;
	nul = memchr(c->p + i, '\0', c->left - i);
	if (!nul || nul == c->p + i ||
	    memchr(c->p + i, '/', (size_t)(nul - (c->p + i))))
		return -EBADMSG;
	e->name = (const char *)c->p + i;
	e->name_len = (size_t)(nul - (c->p + i));
	i += e->name_len + 1;
	if (c->left - i < GITOBJ_ID_LEN)
		return -EBADMSG;
	e->id = c->p + i;
	i += GITOBJ_ID_LEN;
	c->p += i;
	c->left -= i;
	return 1;
}

int gitobj_tree_find(const uint8_t *buf, size_t len, const char *name,
		     size_t name_len, struct gitobj_tree_entry *e)
{
	struct cursor c = { buf, len };
	struct gitobj_tree_entry t;
	int found = 0, err;

	while ((err = gitobj_tree_next(&c, &t)) == 1)
		if (!found && t.name_len == name_len &&
		    !memcmp(t.name, name, name_len)) {
			*e = t;
			found = 1;
		}
	return err < 0 ? err : found;
}

/* git's offset encoding: big-endian base-128, each continuation adds 1 */
int gitobj_offset_varint(struct cursor *c, uint64_t *out)
{
	uint8_t b;
	uint64_t v;

	if (cur_u8(c, &b) < 0)
		return -EBADMSG;
	v = b & 127;
	for (int n = 1; b & 128; n++) {
		if (n == VARINT_MAX || v >= (UINT64_MAX >> 7) - 1 ||
		    cur_u8(c, &b) < 0)
			return -EBADMSG;
		v = ((v + 1) << 7) | (b & 127);
	}
	*out = v;
	return 0;
}

/* The distance back to an offset delta's base: never zero */
static int ofs_distance(struct cursor *c, uint64_t *out)
{
	if (gitobj_offset_varint(c, out) < 0 || !*out)
		return -EBADMSG;
	return 0;
}

int gitobj_pack_entry(const uint8_t *buf, size_t len,
		      struct gitobj_pack_entry *e)
{
	struct cursor c = { buf, len };
	uint8_t b;
	uint64_t size;
	unsigned int shift = 4;

	memset(e, 0, sizeof(*e));
	if (cur_u8(&c, &b) < 0)
		return -EBADMSG;
	e->type = (enum gitobj_type)((b >> 4) & 7);
	size = b & 15;
	for (int n = 1; b & 128; n++, shift += 7) {
		if (n == VARINT_MAX || cur_u8(&c, &b) < 0)
			return -EBADMSG;
		if (shift > 57 && (b & 127) >> (64 - shift))
			return -E2BIG;
		size |= (uint64_t)(b & 127) << shift;
		if (size > GITOBJ_MAX_SIZE)
			return -E2BIG;
	}
	if (size > GITOBJ_MAX_SIZE)
		return -E2BIG;
	e->size = (size_t)size;
	switch (e->type) {
	case GITOBJ_COMMIT:
	case GITOBJ_TREE:
	case GITOBJ_BLOB:
	case GITOBJ_TAG:
		break;
	case GITOBJ_OFS_DELTA:
		if (ofs_distance(&c, &e->base_distance) < 0)
			return -EBADMSG;
		break;
	case GITOBJ_REF_DELTA:
		if (c.left < GITOBJ_ID_LEN)
			return -EBADMSG;
		memcpy(e->base_id, c.p, GITOBJ_ID_LEN);
		c.p += GITOBJ_ID_LEN;
		c.left -= GITOBJ_ID_LEN;
		break;
	default:
		return -EBADMSG;
	}
	e->hdr_len = len - c.left;
	return 0;
}

/* A delta's size: little-endian base-128, at most VARINT_MAX bytes */
static int delta_varint(struct cursor *c, size_t *out)
{
	uint64_t v = 0;
	uint8_t b;
	unsigned int shift = 0;

	do {
		if (shift >= 7 * VARINT_MAX || cur_u8(c, &b) < 0)
			return -EBADMSG;
		if (shift > 57 && (b & 127) >> (64 - shift))
			return -E2BIG;
		v |= (uint64_t)(b & 127) << shift;
		if (v > GITOBJ_MAX_SIZE)
			return -E2BIG;
		shift += 7;
	} while (b & 128);
	*out = (size_t)v;
	return 0;
}

static int delta_header(struct cursor *c, size_t *base_size,
			size_t *result_size)
{
	int err = delta_varint(c, base_size);

	return err < 0 ? err : delta_varint(c, result_size);
}

int gitobj_delta_sizes(const uint8_t *d, size_t len, size_t *base_size,
		       size_t *result_size)
{
	struct cursor c = { d, len };

	return delta_header(&c, base_size, result_size);
}

/* A copy instruction @cmd: its offset and size bytes. Return: 0/-EBADMSG */
static int copy_args(struct cursor *c, uint8_t cmd, size_t *off, size_t *n)
{
	uint32_t o = 0, s = 0;
	uint8_t b;

	for (unsigned int i = 0; i < 4; i++)
		if (cmd & (1u << i)) {
			if (cur_u8(c, &b) < 0)
				return -EBADMSG;
			o |= (uint32_t)b << (8 * i);
		}
	for (unsigned int i = 0; i < 3; i++)
		if (cmd & (0x10u << i)) {
			if (cur_u8(c, &b) < 0)
				return -EBADMSG;
			s |= (uint32_t)b << (8 * i);
		}
	*off = o;
	*n = s ? s : 0x10000;
	return 0;
}

ssize_t gitobj_delta_apply(const uint8_t *base, size_t base_len,
			   const uint8_t *d, size_t d_len, uint8_t *out,
			   size_t out_len)
{
	struct cursor c = { d, d_len };
	size_t want_base, want_out, done = 0;
	int err = delta_header(&c, &want_base, &want_out);

	if (err < 0)
		return err;
	if (want_base != base_len)
		return -EBADMSG;
	if (want_out > out_len)
		return -E2BIG;
	while (c.left) {
		uint8_t cmd = 0;
		size_t off = 0, n;

		(void)cur_u8(&c, &cmd);
		if (cmd & 0x80) {
			if (copy_args(&c, cmd, &off, &n) < 0 ||
			    off > base_len || n > base_len - off)
				return -EBADMSG;
		} else if (cmd) {
			n = cmd;
			if (n > c.left)
				return -EBADMSG;
		} else {
			return -EBADMSG;	/* reserved */
		}
		if (n > want_out - done)
			return -EBADMSG;
		memcpy(out + done, cmd & 0x80 ? base + off : c.p, n);
		if (!(cmd & 0x80)) {
			c.p += n;
			c.left -= n;
		}
		done += n;
	}
	return done == want_out ? (ssize_t)done : -EBADMSG;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int gitobj_idx_check(const uint8_t *idx, size_t len, size_t *n_objects)
{
	static const uint8_t magic[8] = { 0xff, 't', 'O', 'c', 0, 0, 0, 2 };
	uint32_t prev = 0;
	size_t n;

	if (len < IDX_HDR + IDX_TRAILER || memcmp(idx, magic, sizeof(magic)))
		return -EBADMSG;
	for (size_t i = 0; i < 256; i++) {
		uint32_t v = be32(idx + 8 + 4 * i);

		if (v < prev)
			return -EBADMSG;
		prev = v;
	}
	n = prev;
	/* names, CRCs, offsets; then 8-byte large offsets; then trailer */
	if (n > (len - IDX_HDR - IDX_TRAILER) / (GITOBJ_ID_LEN + 8) ||
	    (len - IDX_HDR - IDX_TRAILER - n * (GITOBJ_ID_LEN + 8)) % 8)
		return -EBADMSG;
	*n_objects = n;
	return 0;
}

/* The offset of entry @i of an index of @n objects. Return: 0/-EBADMSG */
static int idx_offset(const uint8_t *idx, size_t len, size_t n, size_t i,
		      uint64_t *offset)
{
	const uint8_t *offs = idx + IDX_HDR + n * (GITOBJ_ID_LEN + 4);
	const uint8_t *large = offs + 4 * n;
	size_t n_large = (len - IDX_HDR - IDX_TRAILER -
			  n * (GITOBJ_ID_LEN + 8)) / 8;
	uint32_t v = be32(offs + 4 * i);

	if (!(v & 0x80000000u)) {
		*offset = v;
		return 0;
	}
	v &= 0x7fffffffu;
	if (v >= n_large)
		return -EBADMSG;
	*offset = (uint64_t)be32(large + 8 * (size_t)v) << 32 |
		  be32(large + 8 * (size_t)v + 4);
	return *offset >> 63 ? -EBADMSG : 0;
}

int gitobj_idx_lookup(const uint8_t *idx, size_t len,
		      const uint8_t id[GITOBJ_ID_LEN], uint64_t *offset)
{
	const uint8_t *names = idx + IDX_HDR;
	size_t n, lo, hi;

	if (gitobj_idx_check(idx, len, &n) < 0)
		return -EBADMSG;
	lo = id[0] ? be32(idx + 8 + 4 * (size_t)(id[0] - 1)) : 0;
	hi = be32(idx + 8 + 4 * (size_t)id[0]);
	/* At most 32 halvings: hi - lo < 2^32 */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = memcmp(names + mid * GITOBJ_ID_LEN, id,
				 GITOBJ_ID_LEN);

		if (!cmp)
			return idx_offset(idx, len, n, mid, offset) < 0 ?
				       -EBADMSG :
				       1;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

bool gitobj_ref_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > GITOBJ_REF_MAX || name[0] == '/' || name[n - 1] == '/' ||
	    strstr(name, "..") || strstr(name, "//"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] >= 0x7f)
			return false;
	return true;
}

int gitobj_parse_ref(const uint8_t *buf, size_t len, uint8_t id[GITOBJ_ID_LEN],
		     char *target, size_t size)
{
	size_t n = len;

	/* One line: a trailing newline (or CRLF) is allowed */
	if (n && buf[n - 1] == '\n')
		n--;
	if (n && buf[n - 1] == '\r')
		n--;
	if (memchr(buf, '\n', n) || memchr(buf, '\0', n))
		return -EBADMSG;
	if (n >= 5 && !memcmp(buf, "ref: ", 5)) {
		if (n - 5 >= size || n - 5 > GITOBJ_REF_MAX)
			return -E2BIG;
		memcpy(target, buf + 5, n - 5);
		target[n - 5] = '\0';
		return gitobj_ref_name_ok(target) ? 2 : -EBADMSG;
	}
	if (n != GITOBJ_HEX_LEN ||
	    gitobj_hex_id((const char *)buf, n, id) < 0)
		return -EBADMSG;
	return 1;
}

int gitobj_packed_next(struct cursor *c, char *name, size_t size,
		       uint8_t id[GITOBJ_ID_LEN])
{
	struct cursor line;
	bool has_nl;

	while (c->left) {
		if (next_line(c, &line, &has_nl) < 0)
			return -EBADMSG;
		if (!line.left || line.p[0] == '#' || line.p[0] == '^')
			continue;
		if (line.left <= GITOBJ_HEX_LEN + 1 ||
		    line.p[GITOBJ_HEX_LEN] != ' ' ||
		    gitobj_hex_id((const char *)line.p, GITOBJ_HEX_LEN, id) < 0)
			return -EBADMSG;
		line.p += GITOBJ_HEX_LEN + 1;
		line.left -= GITOBJ_HEX_LEN + 1;
		if (line.left && line.p[line.left - 1] == '\r')
			line.left--;
		if (line.left >= size || line.left > GITOBJ_REF_MAX)
			return -E2BIG;
		memcpy(name, line.p, line.left);
		name[line.left] = '\0';
		if (strlen(name) != line.left || !gitobj_ref_name_ok(name))
			return -EBADMSG;
		return 1;
	}
	return 0;
}

int gitobj_packed_find(const uint8_t *buf, size_t len, const char *name,
		       uint8_t id[GITOBJ_ID_LEN])
{
	struct cursor c = { buf, len };
	char ref[GITOBJ_REF_MAX + 1];
	int r;

	while ((r = gitobj_packed_next(&c, ref, sizeof(ref), id)) == 1)
		if (!strcmp(ref, name))
			return 1;
	return r;
}

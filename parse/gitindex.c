// SPDX-License-Identifier: MIT
/*
 * gitindex.c - git's index file (versions 2, 3 and 4) as a pure parser
 *
 * The index is what the host's next `git commit` commits, so --review
 * reads the one a jail left to see whether it stages a change to a
 * protected path (host/reviewindex.c). Every byte is hostile. Layout:
 *
 *   "DIRC", version (u32), number of entries (u32), all big-endian;
 *   each entry: ten u32 of stat data and mode, a SHA-1, u16 flags
 *   (assume-valid, extended, 2 bits of stage, 12 bits of path length),
 *   u16 extended flags when the extended bit is set (skip-worktree,
 *   intent-to-add), then the path: in v2 and v3 NUL-terminated and
 *   padded with NULs to a multiple of 8 bytes from the entry's start; in
 *   v4 a varint of bytes to drop from the previous path's end and the
 *   NUL-terminated rest, unpadded;
 *   extensions: 4-byte signature, u32 length, data;
 *   the SHA-1 of all that.
 *
 * Nothing is allocated: the path is rebuilt in the reader's buffer (v4
 * needs the previous one anyway). Bounds: a path of GITINDEX_PATH_MAX
 * bytes, a varint of 10 bytes; each entry consumes at least 63
 * bytes and each extension 8, so every loop ends within the input.
 */
#include "jail.h"
#include "parse/gitindex.h"
#include "parse/gitobj.h"

#define HDR_LEN	   12
#define ENTRY_FIXED 62	/* stat data, mode, id, flags */

#define F_ASSUME_VALID 0x8000
#define F_EXTENDED     0x4000
#define F_STAGE_SHIFT  12
#define F_NAME_MASK    0x0fff
#define X_SKIP_WORKTREE 0x4000
#define X_INTENT_TO_ADD 0x2000

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int gitindex_open(struct gitindex *ix, const uint8_t *buf, size_t len)
{
	memset(ix, 0, sizeof(*ix));
	if (len < HDR_LEN + GITOBJ_ID_LEN || memcmp(buf, "DIRC", 4))
		return -EBADMSG;
	ix->version = be32(buf + 4);
	if (ix->version < 2 || ix->version > 4)
		return -EBADMSG;
	ix->n_entries = be32(buf + 8);
	ix->hashed_len = len - GITOBJ_ID_LEN;
	ix->checksum = buf + ix->hashed_len;
	ix->c.p = buf + HDR_LEN;
	ix->c.left = ix->hashed_len - HDR_LEN;
	return 0;
}

bool gitindex_hash_skipped(const struct gitindex *ix)
{
	for (size_t i = 0; i < GITOBJ_ID_LEN; i++)
		if (ix->checksum[i])
			return false;
	return true;
}

int gitindex_path_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int d = memcmp(a, b, al < bl ? al : bl);

	if (d)
		return d;
	return al < bl ? -1 : al > bl ? 1 : 0;
}

/* Not empty, not absolute, no empty, "." or ".." component */
static bool path_ok(const char *p, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		size_t cl;

		if (i < len && p[i] != '/')
			continue;
		cl = i - start;
		if (!cl || (cl == 1 && p[start] == '.') ||
		    (cl == 2 && p[start] == '.' && p[start + 1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

/* Known modes: a file, an executable, a symlink, a gitlink */
static bool mode_ok(uint32_t m)
{
	return m == 0100644 || m == 0100755 || m == 0120000 || m == 0160000;
}

/*
 * The entry's path (after its flags) into the reader's buffer, keeping
 * @keep bytes of the previous one; checks git's order against it.
 * @c is at the NUL-terminated rest. Return: the rest's length, NUL
 * excluded, or -errno
 */
static ssize_t take_path(struct gitindex *ix, struct cursor *c, size_t keep,
			 unsigned int stage)
{
	const uint8_t *nul = memchr(c->p, '\0', c->left);
	size_t rest, len;
	int d;

	if (!nul)
		return -EBADMSG;
	rest = (size_t)(nul - c->p);
	if (keep > ix->path_len)
		return -EBADMSG;
	len = keep + rest;
	if (len > GITINDEX_PATH_MAX)
		return -E2BIG;
	/* Order: compare before the previous path is overwritten */
	d = ix->i ? gitindex_path_cmp((const char *)c->p, rest,
				      ix->path + keep, ix->path_len - keep) :
		    1;
	if (d < 0 || (d == 0 && (stage <= ix->stage || !ix->stage)))
		return -EBADMSG;
	memcpy(ix->path + keep, c->p, rest);
	ix->path[len] = '\0';
	ix->path_len = len;
	ix->stage = stage;
	if (!path_ok(ix->path, len))
		return -EBADMSG;
	c->p += rest + 1;
	c->left -= rest + 1;
	return (ssize_t)rest;
}

/* After the last entry: extensions up to the checksum */
static int check_extensions(struct gitindex *ix)
{
	while (ix->c.left) {
		const uint8_t *sig = ix->c.p;
		uint32_t len;

		if (ix->c.left < 8)
			return -EBADMSG;
		len = be32(sig + 4);
		if (len > ix->c.left - 8)
			return -EBADMSG;
		if (sig[0] < 'A' || sig[0] > 'Z')
			return -EOPNOTSUPP;
		ix->c.p += 8 + (size_t)len;
		ix->c.left -= 8 + (size_t)len;
	}
	ix->is_done = true;
	return 0;
}

int gitindex_next(struct gitindex *ix, struct gitindex_entry *e)
{
	struct cursor c = ix->c;
	const uint8_t *start = c.p;
	uint16_t flags, xflags = 0;
	uint64_t keep = 0;
	size_t name_len, used;
	ssize_t rest;
	uint32_t mode;

	if (ix->is_done)
		return 0;
	if (ix->i == ix->n_entries) {
		int err = check_extensions(ix);

		return err < 0 ? err : 0;
	}
	if (c.left < ENTRY_FIXED)
		return -EBADMSG;
	mode = be32(start + 24);
	flags = be16(start + 60);
	c.p += ENTRY_FIXED;
	c.left -= ENTRY_FIXED;
	if (!mode_ok(mode))
		return -EBADMSG;
	if (flags & F_EXTENDED) {
		if (cur_u16(&c, &xflags) < 0 ||
		    (xflags & ~(X_SKIP_WORKTREE | X_INTENT_TO_ADD)))
			return -EBADMSG;
	}
	if (ix->version == 4 && (gitobj_offset_varint(&c, &keep) < 0 ||
				 keep > ix->path_len))
		return -EBADMSG;
	rest = take_path(ix, &c, ix->version == 4 ? ix->path_len - keep : 0,
			 (flags >> F_STAGE_SHIFT) & 3);
	if (rest < 0)
		return (int)rest;
	name_len = flags & F_NAME_MASK;
	if (name_len < F_NAME_MASK ? ix->path_len != name_len :
				     ix->path_len < F_NAME_MASK)
		return -EBADMSG;
	if (ix->version < 4) {
		/* NULs up to a multiple of 8 from the entry's start */
		used = (size_t)(c.p - start);
		if (cur_skip(&c, (8 - used % 8) % 8) < 0)
			return -EBADMSG;
	}
	e->mode = mode;
	e->id = start + 40;
	e->stage = ix->stage;
	e->assume_valid = flags & F_ASSUME_VALID;
	e->skip_worktree = xflags & X_SKIP_WORKTREE;
	e->intent_to_add = xflags & X_INTENT_TO_ADD;
	e->path = ix->path;
	e->path_len = ix->path_len;
	ix->c = c;
	ix->i++;
	return 1;
}

// SPDX-License-Identifier: MIT
/*
 * reviewobj.c - git objects of a review's git dir, read without git
 *
 * The review lists the commits a jail made and checks what they do to
 * protected paths (reviewgit.c). It needs commits and trees by id, from
 * the git dir's objects in the upper layer (what the jail wrote) and in
 * the project's own store, loose or packed. Nothing runs git: loose
 * objects are inflated with zlib, packs are found through their .idx
 * (version 2) and read entry by entry, deltas applied (gitobj.c).
 *
 * Every file of the upper layer is hostile input, and so, to be sure,
 * is the project's: opened beneath its directory with no symlink on the
 * way (review_open_beneath()), regular files only, O_NONBLOCK, bounded:
 * an object of at most GITOBJ_MAX_SIZE bytes, a chain of at most
 * STORE_MAX_DEPTH deltas, an index of at most STORE_IDX_MAX bytes, at
 * most STORE_MAX_PACKS packs per store. An object is returned only when
 * its SHA-1 matches the id asked for (libcrypto, loaded on first use);
 * a source that fails (unreadable, malformed, a wrong hash) is passed
 * over for the next one, so what comes back is the object git means by
 * that id, or an error.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>

#include "jail.h"
#include "fwd/fwd.h"
#include "host/host.h"
#include "host/reviewint.h"
#include "parse/gitobj.h"

#define STORE_MAX_DEPTH 50		/* deltas on the way to one object */
#define STORE_MAX_PACKS 64		/* packs per store read */
#define STORE_IDX_MAX (256u << 20)	/* bytes of one .idx */
#define STORE_HDR 32			/* room before an object's content */
/* A loose object's compressed size, at most: zlib's worst case */
#define STORE_LOOSE_MAX (GITOBJ_MAX_SIZE + GITOBJ_MAX_SIZE / 64 + 1024)
#define STORE_CHUNK 65536		/* compressed bytes read at a time */

struct store_pack {
	int pack_fd;
	uint8_t *idx;
	size_t idx_len;
	uint64_t pack_len;
};

/* One side: the upper layer's objects, or the project's */
struct store_side {
	int objects_fd;		/* -1: none */
	bool has_packs;		/* packs listed */
	struct store_pack packs[STORE_MAX_PACKS];
	size_t n_packs;
};

struct review_store {
	struct store_side side[2];	/* 0: upper, 1: project */
};

struct review_store *review_store_open(const struct review *r,
				       const char *gitdir)
{
	struct review_store *s = xcalloc(1, sizeof(*s));
	autofree char *rel = xasprintf("%s/objects", gitdir);
	const int roots[2] = { r->upper_fd, r->project_fd };

	for (int i = 0; i < 2; i++)
		s->side[i].objects_fd = review_open_beneath(
			roots[i], rel, O_RDONLY | O_DIRECTORY);
	return s;
}

struct review_store *review_store_open_dir(int objects_fd)
{
	struct review_store *s = xcalloc(1, sizeof(*s));

	s->side[0].objects_fd = -1;
	s->side[1].objects_fd = objects_fd;
	return s;
}

void review_store_free(struct review_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < 2; i++) {
		struct store_side *d = &s->side[i];

		for (size_t k = 0; k < d->n_packs; k++) {
			close(d->packs[k].pack_fd);
			free(d->packs[k].idx);
		}
		if (d->objects_fd >= 0)
			close(d->objects_fd);
	}
	free(s);
}

/* A regular file @rel beneath @dir_fd, opened; its size in *@size */
static int open_regular(int dir_fd, const char *rel, uint64_t max,
			uint64_t *size)
{
	/* Beneath @dir_fd, no symlink, never blocking, regular only */
	autoclose int fd = open_untrusted(dir_fd, rel);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size > max)
		return -E2BIG;
	*size = (uint64_t)st.st_size;
	return TAKE_FD(fd);
}

/* Read all of @fd's @len bytes into a new buffer. Return: 0 or -errno */
static int read_whole(int fd, size_t len, uint8_t **out)
{
	autofree uint8_t *buf = xmalloc(len ? len : 1);
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EBADMSG;
		got += (size_t)n;
	}
	*out = TAKE_PTR(buf);
	return 0;
}

/* Does @content (after STORE_HDR bytes of room) hash to @id? */
static int check_id(uint8_t *obj, size_t len, enum gitobj_type type,
		    const uint8_t id[GITOBJ_ID_LEN])
{
	char hdr[STORE_HDR];
	int hl = snprintf(hdr, sizeof(hdr), "%s %zu", gitobj_type_name(type),
			  len);
	uint8_t md[GITOBJ_ID_LEN];
	int err;

	if (hl < 0 || hl + 1 > STORE_HDR)
		return -EBADMSG;
	memcpy(obj + STORE_HDR - hl - 1, hdr, (size_t)hl + 1);
	err = crypto_sha1(obj + STORE_HDR - hl - 1, (size_t)hl + 1 + len, md);
	if (err < 0)
		return err;
	return memcmp(md, id, GITOBJ_ID_LEN) ? -EBADMSG : 0;
}

/*
 * Inflate from @z into @out until exactly @len bytes came out and the
 * stream ended; input is refilled by @refill (NULL: all of it is in @z).
 * Each turn consumes input or makes output, or fails.
 * Return: 0 or -EBADMSG
 */
static int inflate_exact(z_stream *z, uint8_t *out, size_t len,
			 int (*refill)(void *ctx, z_stream *z), void *ctx)
{
	/* Where a byte past the end would go: static, as @z outlives us */
	static uint8_t extra;
	bool is_full = false;

	z->next_out = out;
	z->avail_out = (uInt)len;
	for (;;) {
		int zr;

		if (!z->avail_in && refill && refill(ctx, z) < 0)
			return -EBADMSG;
		if (!z->avail_out) {
			/* Full: only the end of the stream may follow */
			if (is_full)
				return -EBADMSG;
			is_full = true;
			z->next_out = &extra;
			z->avail_out = 1;
		}
		zr = inflate(z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			return z->avail_out == (is_full ? 1u : 0u) ? 0 :
								     -EBADMSG;
		if (zr == Z_BUF_ERROR && (!refill || z->avail_in))
			return -EBADMSG;
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return -EBADMSG;
	}
}

/* A loose object from @side; the content is at *@obj + STORE_HDR */
static int read_loose(struct store_side *d, const uint8_t id[GITOBJ_ID_LEN],
		      enum gitobj_type *type, uint8_t **obj, size_t *len)
{
	char hex[GITOBJ_HEX_LEN + 1], rel[GITOBJ_HEX_LEN + 2];
	autofree uint8_t *raw = NULL;
	autofree uint8_t *buf = NULL;
	autoclose int fd = -1;
	uint8_t hdr[STORE_HDR];
	z_stream z = { 0 };
	uint64_t size = 0;
	size_t want = 0, hl = 0, got;
	int err;

	gitobj_id_hex(id, hex);
	snprintf(rel, sizeof(rel), "%.2s/%s", hex, hex + 2);
	fd = open_regular(d->objects_fd, rel, STORE_LOOSE_MAX, &size);
	if (fd < 0)
		return fd;
	err = read_whole(fd, (size_t)size, &raw);
	if (err < 0 || inflateInit(&z) != Z_OK)
		return err < 0 ? err : -ENOMEM;
	z.next_in = raw;
	z.avail_in = (uInt)size;
	z.next_out = hdr;
	z.avail_out = sizeof(hdr);
	/* The header first: "TYPE SIZE\0", then exactly SIZE bytes */
	err = inflate(&z, Z_NO_FLUSH);
	got = sizeof(hdr) - z.avail_out;
	if ((err != Z_OK && err != Z_STREAM_END) ||
	    gitobj_loose_header(hdr, got, type, &want, &hl) < 0) {
		inflateEnd(&z);
		return -EBADMSG;
	}
	buf = xmalloc(STORE_HDR + want + 1);
	if (got - hl > want) {
		inflateEnd(&z);
		return -EBADMSG;
	}
	memcpy(buf + STORE_HDR, hdr + hl, got - hl);
	if (err == Z_STREAM_END)
		err = got - hl == want ? 0 : -EBADMSG;
	else
		err = inflate_exact(&z, buf + STORE_HDR + (got - hl),
				    want - (got - hl), NULL, NULL);
	inflateEnd(&z);
	if (err < 0)
		return err;
	*len = want;
	*obj = TAKE_PTR(buf);
	return 0;
}

/* ---- packs ----------------------------------------------------------- */

static void load_pack(struct store_side *d, int pack_dir, const char *idx)
{
	autofree char *pack = xasprintf("%.*s.pack", (int)strlen(idx) - 4, idx);
	struct store_pack *p = &d->packs[d->n_packs];
	autoclose int ifd = -1;
	uint64_t ilen = 0, plen = 0;
	size_t n;
	char magic[8];

	ifd = open_regular(pack_dir, idx, STORE_IDX_MAX, &ilen);
	if (ifd < 0 || read_whole(ifd, (size_t)ilen, &p->idx) < 0)
		return;
	p->idx_len = (size_t)ilen;
	p->pack_fd = open_regular(pack_dir, pack, UINT64_MAX >> 1, &plen);
	if (gitobj_idx_check(p->idx, p->idx_len, &n) < 0 || p->pack_fd < 0 ||
	    pread(p->pack_fd, magic, 8, 0) != 8 || memcmp(magic, "PACK", 4) ||
	    magic[4] || magic[5] || magic[6] || (magic[7] != 2 && magic[7] != 3)) {
		if (p->pack_fd >= 0)
			close(p->pack_fd);
		free(p->idx);
		p->idx = NULL;
		return;
	}
	p->pack_len = plen;
	d->n_packs++;
}

/* List @d's packs (an .idx with its .pack) on first use */
static void list_packs(struct store_side *d)
{
	autoclose int pdir = -1;
	char **names;
	size_t n;

	if (d->has_packs || d->objects_fd < 0)
		return;
	d->has_packs = true;
	pdir = review_open_beneath(d->objects_fd, "pack",
				   O_RDONLY | O_DIRECTORY);
	if (pdir < 0)
		return;
	n = review_list_dir(pdir, &names);
	for (size_t i = 0; i < n && d->n_packs < STORE_MAX_PACKS; i++) {
		size_t l = strlen(names[i]);

		if (l > 4 && !strcmp(names[i] + l - 4, ".idx"))
			load_pack(d, pdir, names[i]);
	}
	review_free_names(names, n);
}

struct pack_in {
	int fd;
	uint64_t at, end;
	uint8_t buf[STORE_CHUNK];
};

static int pack_refill(void *ctx, z_stream *z)
{
	struct pack_in *in = ctx;
	size_t want = sizeof(in->buf);
	ssize_t n;

	if (in->at >= in->end)
		return -EBADMSG;
	if (in->end - in->at < want)
		want = (size_t)(in->end - in->at);
	n = pread(in->fd, in->buf, want, (off_t)in->at);
	if (n <= 0)
		return -EBADMSG;
	in->at += (uint64_t)n;
	z->next_in = in->buf;
	z->avail_in = (uInt)n;
	return 0;
}

/* The entry of @p at @off: its header, and its inflated data (after
 * STORE_HDR bytes of room) in *@out */
static int read_entry(const struct store_pack *p, uint64_t off,
		      struct gitobj_pack_entry *e, uint8_t **out)
{
	static struct pack_in in;
	uint8_t hdr[32];
	autofree uint8_t *buf = NULL;
	z_stream z = { 0 };
	ssize_t n;
	int err;

	/* An entry lies after the 12-byte header and before the trailer */
	if (off < 12 || off + GITOBJ_ID_LEN >= p->pack_len)
		return -EBADMSG;
	n = pread(p->pack_fd, hdr, sizeof(hdr), (off_t)off);
	if (n <= 0)
		return -EBADMSG;
	err = gitobj_pack_entry(hdr, (size_t)n, e);
	if (err < 0)
		return err;
	buf = xmalloc(STORE_HDR + e->size + 1);
	/* Compressed, an entry is hardly larger than inflated (stored
	 * blocks cost 5 bytes per 64 KiB): past that, it is not git's */
	in.fd = p->pack_fd;
	in.at = off + e->hdr_len;
	in.end = p->pack_len;
	if (in.end - in.at > e->size + e->size / 16 + 4096)
		in.end = in.at + e->size + e->size / 16 + 4096;
	if (inflateInit(&z) != Z_OK)
		return -ENOMEM;
	err = inflate_exact(&z, buf + STORE_HDR, e->size, pack_refill, &in);
	inflateEnd(&z);
	if (err < 0)
		return err;
	*out = TAKE_PTR(buf);
	return 0;
}

static int read_any(struct review_store *s, const uint8_t id[GITOBJ_ID_LEN],
		    int depth, enum gitobj_type *type, uint8_t **obj,
		    size_t *len);

/* Apply @delta (inflated, @dlen bytes, at + STORE_HDR) to *@base */
static int apply_delta(uint8_t **base, size_t *len, const uint8_t *delta,
		       size_t dlen)
{
	size_t bs, rs;
	uint8_t *out;
	ssize_t n;
	int err = gitobj_delta_sizes(delta, dlen, &bs, &rs);

	if (err < 0)
		return err;
	out = xmalloc(STORE_HDR + rs + 1);
	n = gitobj_delta_apply(*base + STORE_HDR, *len, delta, dlen,
			       out + STORE_HDR, rs);
	if (n < 0) {
		free(out);
		return (int)n;
	}
	free(*base);
	*base = out;
	*len = (size_t)n;
	return 0;
}

/*
 * The object at @off of @p: follow OFS_DELTA bases back within the pack
 * and a REF_DELTA base by id, at most STORE_MAX_DEPTH deltas in all, then
 * apply the deltas from the base up
 */
static int read_packed(struct review_store *s, const struct store_pack *p,
		       uint64_t off, int depth, enum gitobj_type *type,
		       uint8_t **obj, size_t *len)
{
	uint8_t *chain[STORE_MAX_DEPTH];
	size_t clen[STORE_MAX_DEPTH], n = 0;
	struct gitobj_pack_entry e;
	uint8_t *base = NULL;
	size_t blen = 0;
	int err;

	for (;;) {
		uint8_t *data = NULL;

		err = read_entry(p, off, &e, &data);
		if (err < 0)
			break;
		if (e.type != GITOBJ_OFS_DELTA && e.type != GITOBJ_REF_DELTA) {
			*type = e.type;
			base = data;
			blen = e.size;
			break;
		}
		if (depth + (int)n >= STORE_MAX_DEPTH) {
			free(data);
			err = -ELOOP;
			break;
		}
		chain[n] = data;
		clen[n++] = e.size;
		if (e.type == GITOBJ_REF_DELTA) {
			err = read_any(s, e.base_id, depth + (int)n, type,
				       &base, &blen);
			break;
		}
		/* Strictly backwards: the chain ends */
		if (e.base_distance > off) {
			err = -EBADMSG;
			break;
		}
		off -= e.base_distance;
	}
	while (n--) {
		if (!err)
			err = apply_delta(&base, &blen, chain[n] + STORE_HDR,
					  clen[n]);
		free(chain[n]);
	}
	if (err < 0) {
		free(base);
		return err;
	}
	*obj = base;
	*len = blen;
	return 0;
}

/* Is @id in one of @d's packs? Return: 1 and @p, @off set; or 0 */
static int find_packed(struct store_side *d, const uint8_t id[GITOBJ_ID_LEN],
		       struct store_pack **p, uint64_t *off)
{
	list_packs(d);
	for (size_t i = 0; i < d->n_packs; i++)
		if (gitobj_idx_lookup(d->packs[i].idx, d->packs[i].idx_len, id,
				      off) == 1) {
			*p = &d->packs[i];
			return 1;
		}
	return 0;
}

/*
 * @id from the first source that holds it whole and with the right hash:
 * the upper layer's loose objects and packs, then the project's
 */
static int read_any(struct review_store *s, const uint8_t id[GITOBJ_ID_LEN],
		    int depth, enum gitobj_type *type, uint8_t **obj,
		    size_t *len)
{
	int first = -ENOENT;

	for (int i = 0; i < 2; i++) {
		struct store_side *d = &s->side[i];
		struct store_pack *p;
		uint64_t off;

		for (int packed = 0; packed < 2; packed++) {
			int err;

			if (d->objects_fd < 0)
				break;
			*obj = NULL;
			if (!packed)
				err = read_loose(d, id, type, obj, len);
			else if (find_packed(d, id, &p, &off))
				err = read_packed(s, p, off, depth, type, obj,
						  len);
			else
				continue;
			if (!err)
				err = check_id(*obj, *len, *type, id);
			/* Without libcrypto, the project's own store is
			 * believed; the upper layer never is */
			if (err == -ENOENT && i == 1 && *obj)
				err = 0;
			if (!err)
				return 0;
			if (*obj) {
				free(*obj);
				*obj = NULL;
			}
			if (first == -ENOENT)
				first = err;
		}
	}
	return first;
}

int review_store_read(struct review_store *s, const uint8_t id[GITOBJ_ID_LEN],
		      enum gitobj_type *type, uint8_t **buf, size_t *len)
{
	uint8_t *obj = NULL;
	int err = read_any(s, id, 0, type, &obj, len);

	if (err < 0)
		return err;
	/* The content, NUL-terminated, to the caller's buffer */
	memmove(obj, obj + STORE_HDR, *len);
	obj[*len] = '\0';
	*buf = obj;
	return 0;
}

bool review_store_in_project(struct review_store *s,
			     const uint8_t id[GITOBJ_ID_LEN])
{
	struct store_side *d = &s->side[1];
	char hex[GITOBJ_HEX_LEN + 1], rel[GITOBJ_HEX_LEN + 2];
	struct store_pack *p;
	struct stat st;
	uint64_t off;

	if (d->objects_fd < 0)
		return false;
	gitobj_id_hex(id, hex);
	snprintf(rel, sizeof(rel), "%.2s/%s", hex, hex + 2);
	if (fstatat(d->objects_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode))
		return true;
	return find_packed(d, id, &p, &off) == 1;
}

int review_read_small(int root, const char *rel, size_t max, uint8_t **buf,
		      size_t *len)
{
	autoclose int fd = -1;
	uint64_t size = 0;
	uint8_t *b = NULL;
	int err;

	fd = open_regular(root, rel, max, &size);
	if (fd < 0)
		return fd;
	err = read_whole(fd, (size_t)size, &b);
	if (err < 0)
		return err;
	b = realloc(b, (size_t)size + 1);
	if (!b)
		die("out of memory");
	b[size] = '\0';
	*buf = b;
	*len = (size_t)size;
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * test-gitindex.c - unit tests for gitindex.c (git's index file as
 * --review reads it): index files written by real git of each version,
 * and hand-built ones that break one rule each
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/gitindex.h"
#include "tests/unit/tap.h"
#include "tests/unit/gitindex-data.h"

/* Read all of @buf; the paths, "path:stage:mode" joined by ' ' */
static int read_all(const uint8_t *buf, size_t len, char *out, size_t size,
		    struct gitindex *ix)
{
	struct gitindex_entry e;
	size_t used = 0;
	int err;

	out[0] = '\0';
	err = gitindex_open(ix, buf, len);
	if (err < 0)
		return err;
	while ((err = gitindex_next(ix, &e)) == 1)
		used += (size_t)snprintf(out + used, size - used,
					 "%s%s:%u:%o%s", used ? " " : "",
					 e.path, e.stage, e.mode,
					 e.intent_to_add ? ":ita" : "");
	return err;
}

static bool hash_ok(const uint8_t *buf, const struct gitindex *ix)
{
	uint8_t md[GITOBJ_ID_LEN];

	return crypto_sha1(buf, ix->hashed_len, md) == 0 &&
	       !memcmp(md, ix->checksum, GITOBJ_ID_LEN);
}

static void test_real(void)
{
	static const char base[] = ".envrc:0:100644 .husky/pre-commit:0:100644"
				   " a:0:100644 dir/b:0:100644 link:0:120000";
	static const char with_new[] =
		".envrc:0:100644 .husky/pre-commit:0:100644 a:0:100644 "
		"dir/b:0:100644 link:0:120000 new:0:100644:ita";
	struct gitindex ix;
	struct gitindex_entry e;
	char got[1024], hex[GITOBJ_HEX_LEN + 1];

	is_int(read_all(idx_v2, sizeof(idx_v2), got, sizeof(got), &ix), 0,
	       "v2: read to the end");
	is_int((int)ix.version, 2, "v2: version");
	is_str(got, base, "v2: paths, stages, modes");
	ok(hash_ok(idx_v2, &ix), "v2: the checksum covers what it says");
	ok(!gitindex_hash_skipped(&ix), "v2: a checksum is there");
	is_int(read_all(idx_v3, sizeof(idx_v3), got, sizeof(got), &ix), 0,
	       "v3: read to the end");
	is_int((int)ix.version, 3, "v3: version");
	is_str(got, with_new, "v3: intent-to-add in the extended flags");
	ok(hash_ok(idx_v3, &ix), "v3: checksum");
	is_int(read_all(idx_v4, sizeof(idx_v4), got, sizeof(got), &ix), 0,
	       "v4: read to the end");
	is_int((int)ix.version, 4, "v4: version");
	is_str(got, with_new, "v4: prefix-compressed paths rebuilt");
	ok(hash_ok(idx_v4, &ix), "v4: checksum");
	is_int(read_all(idx_conflict, sizeof(idx_conflict), got, sizeof(got),
			&ix),
	       0, "conflict: read to the end");
	is_str(got, ".envrc:0:100644 .husky/pre-commit:0:100644 a:1:100644 "
		    "a:2:100644 a:3:100644 dir/b:0:100644 link:0:120000",
	       "conflict: stages 1, 2 and 3 of one path");
	/* Its entries replacing shared ones have empty paths; its "link"
	 * extension is required: refused either way */
	ok(read_all(idx_split, sizeof(idx_split), got, sizeof(got), &ix) < 0,
	   "split index refused");

	gitindex_open(&ix, idx_v2, sizeof(idx_v2));
	is_int(gitindex_next(&ix, &e), 1, "v2: first entry");
	gitobj_id_hex(e.id, hex);
	is_str(hex, "587be6b4c3f93f93c489c0111bba5596147a26cb",
	       "v2: the first entry's blob id");
}

/* No shorter file is read whole with a checksum that holds (one that
 * ends where an extension began is well-formed: the SHA-1 tells) */
static void test_truncated(void)
{
	const struct {
		const uint8_t *b;
		size_t n;
	} files[] = { { idx_v2, sizeof(idx_v2) },
		      { idx_v3, sizeof(idx_v3) },
		      { idx_v4, sizeof(idx_v4) } };
	struct gitindex ix;
	char got[1024];

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		size_t accepted = 0;

		for (size_t n = 0; n < files[f].n; n++)
			if (!read_all(files[f].b, n, got, sizeof(got), &ix) &&
			    hash_ok(files[f].b, &ix))
				accepted++;
		is_int((int)accepted, 0, "file %zu: no truncation is accepted",
		       f);
	}
}

/* ---- hand-built indexes ------------------------------------------- */

struct build {
	uint8_t b[16384];
	size_t n;
	unsigned int version;
	char prev[GITINDEX_PATH_MAX + 1];
};

static void put32(struct build *w, uint32_t v)
{
	w->b[w->n++] = (uint8_t)(v >> 24);
	w->b[w->n++] = (uint8_t)(v >> 16);
	w->b[w->n++] = (uint8_t)(v >> 8);
	w->b[w->n++] = (uint8_t)v;
}

static void start(struct build *w, unsigned int version, uint32_t n)
{
	memset(w, 0, sizeof(*w));
	w->version = version;
	memcpy(w->b, "DIRC", 4);
	w->n = 4;
	put32(w, version);
	put32(w, n);
}

/* One entry; @flags' length bits are set from @path unless @len_bits */
static void entry(struct build *w, const char *path, uint32_t mode,
		  unsigned int stage, uint16_t xflags, int len_bits)
{
	size_t start_at = w->n, pl = strlen(path);
	uint16_t flags = (uint16_t)(stage << 12);

	flags |= (uint16_t)(len_bits >= 0 ? (size_t)len_bits :
					    (pl < 0xfff ? pl : 0xfff));
	if (xflags)
		flags |= 0x4000;
	for (int i = 0; i < 6; i++)
		put32(w, 0);
	put32(w, mode);
	put32(w, 0);
	put32(w, 0);
	put32(w, 0);
	memset(w->b + w->n, 0xab, GITOBJ_ID_LEN);
	w->n += GITOBJ_ID_LEN;
	w->b[w->n++] = (uint8_t)(flags >> 8);
	w->b[w->n++] = (uint8_t)flags;
	if (xflags) {
		w->b[w->n++] = (uint8_t)(xflags >> 8);
		w->b[w->n++] = (uint8_t)xflags;
	}
	if (w->version == 4) {
		size_t keep = 0;

		while (w->prev[keep] && w->prev[keep] == path[keep])
			keep++;
		/* One varint byte is enough for these tests */
		w->b[w->n++] = (uint8_t)(strlen(w->prev) - keep);
		memcpy(w->b + w->n, path + keep, pl - keep + 1);
		w->n += pl - keep + 1;
	} else {
		memcpy(w->b + w->n, path, pl + 1);
		w->n += pl + 1;
		while ((w->n - start_at) % 8)
			w->b[w->n++] = 0;
	}
	snprintf(w->prev, sizeof(w->prev), "%s", path);
}

static void ext(struct build *w, const char *sig, uint32_t len)
{
	memcpy(w->b + w->n, sig, 4);
	w->n += 4;
	put32(w, len);
	memset(w->b + w->n, 0, len);
	w->n += len;
}

static int finish(struct build *w)
{
	struct gitindex ix;
	char got[16384];

	memset(w->b + w->n, 0, GITOBJ_ID_LEN);
	w->n += GITOBJ_ID_LEN;
	return read_all(w->b, w->n, got, sizeof(got), &ix);
}

static void test_rules(void)
{
	static struct build w;
	static char long_path[5000];
	const char *bad[] = { "/a", "a/", "a//b", "./a", "a/../b", ".." };
	struct gitindex ix;

	start(&w, 2, 2);
	entry(&w, "a", 0100644, 0, 0, -1);
	entry(&w, "b", 0100755, 0, 0, -1);
	ext(&w, "TREE", 3);
	ext(&w, "ZZZZ", 0);
	is_int(finish(&w), 0, "built v2 with optional extensions: read");
	ok(gitindex_open(&ix, w.b, w.n) == 0 && gitindex_hash_skipped(&ix),
	   "an all-zero checksum is index.skipHash's");

	start(&w, 2, 1);
	entry(&w, "a", 0100644, 0, 0, -1);
	ext(&w, "sdir", 0);
	is_int(finish(&w), -EOPNOTSUPP, "sparse index (sdir) refused");

	start(&w, 2, 1);
	entry(&w, "a", 0100644, 0, 0, -1);
	ext(&w, "TREE", 3);
	w.b[w.n - 4] = 0x40;	/* its length now beyond the file */
	is_int(finish(&w), -EBADMSG, "an extension past the checksum");

	start(&w, 2, 2);
	entry(&w, "b", 0100644, 0, 0, -1);
	entry(&w, "a", 0100644, 0, 0, -1);
	is_int(finish(&w), -EBADMSG, "entries out of order");

	start(&w, 2, 2);
	entry(&w, "a", 0100644, 0, 0, -1);
	entry(&w, "a", 0100644, 0, 0, -1);
	is_int(finish(&w), -EBADMSG, "the same entry twice");

	start(&w, 2, 2);
	entry(&w, "a", 0100644, 0, 0, -1);
	entry(&w, "a", 0100644, 1, 0, -1);
	is_int(finish(&w), -EBADMSG, "stage 0 and stage 1 of one path");

	start(&w, 2, 1);
	entry(&w, "a", 0100644, 0, 0, 2);
	is_int(finish(&w), -EBADMSG, "a length in the flags that is wrong");

	start(&w, 2, 1);
	entry(&w, "a", 0100664, 0, 0, -1);
	is_int(finish(&w), -EBADMSG, "an unknown mode");

	start(&w, 2, 1);
	entry(&w, "a", 040000, 0, 0, -1);
	is_int(finish(&w), -EBADMSG, "a directory entry without sdir");

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		start(&w, 2, 1);
		entry(&w, bad[i], 0100644, 0, 0, -1);
		is_int(finish(&w), -EBADMSG, "path \"%s\" refused", bad[i]);
	}

	start(&w, 3, 1);
	entry(&w, "a", 0100644, 0, 0x1000, -1);
	is_int(finish(&w), -EBADMSG, "an unknown extended flag");

	start(&w, 3, 1);
	entry(&w, "a", 0100644, 0, 0x4000, -1);
	is_int(finish(&w), 0, "skip-worktree is known");

	memset(long_path, 'x', 4095);
	long_path[4095] = '\0';
	start(&w, 2, 1);
	entry(&w, long_path, 0100644, 0, 0, -1);
	is_int(finish(&w), 0, "a path of 4095 bytes (0xfff in the flags)");
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	/* 5000 bytes do not fit the builder's buffer with room: 4097 */
	long_path[4097] = '\0';
	start(&w, 2, 1);
	entry(&w, long_path, 0100644, 0, 0, -1);
	is_int(finish(&w), -E2BIG, "a path longer than GITINDEX_PATH_MAX");

	start(&w, 4, 2);
	entry(&w, "dir/a", 0100644, 0, 0, -1);
	entry(&w, "dir/b", 0100644, 0, 0, -1);
	is_int(finish(&w), 0, "v4 built: read");
	w.n -= GITOBJ_ID_LEN;
	/* The second entry's varint: drop 9 of a 5-byte path */
	w.b[w.n - 3] = 9;
	is_int(finish(&w), -EBADMSG, "v4: dropping more than the path has");

	start(&w, 2, 3);
	entry(&w, "a", 0100644, 0, 0, -1);
	is_int(finish(&w), -EBADMSG, "fewer entries than the header says");

	start(&w, 5, 0);
	is_int(finish(&w), -EBADMSG, "version 5");
	start(&w, 2, 0);
	memcpy(w.b, "DIRX", 4);
	is_int(finish(&w), -EBADMSG, "bad magic");
	start(&w, 2, 0);
	is_int(finish(&w), 0, "an empty index");
}

static void test_order(void)
{
	ok(gitindex_path_cmp("a", 1, "a/b", 3) < 0, "order: a before a/b");
	ok(gitindex_path_cmp("a-", 2, "a/", 2) < 0, "order: a- before a/");
	ok(gitindex_path_cmp("a/b", 3, "a0", 2) < 0, "order: a/b before a0");
	ok(gitindex_path_cmp("\xc3", 1, "z", 1) > 0,
	   "order: bytes compared unsigned");
	ok(gitindex_path_cmp("x", 1, "x", 1) == 0, "order: equal");
}

int main(void)
{
	test_real();
	test_truncated();
	test_rules();
	test_order();
	return done_testing();
}

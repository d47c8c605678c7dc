// SPDX-License-Identifier: MIT
/*
 * test-gitobj.c - unit tests for gitobj.c (git objects, packs, indexes,
 * refs as --review reads them)
 */
#include "jail.h"
#include "parse/gitobj.h"
#include "tests/unit/tap.h"

#define H40 "0123456789abcdef0123456789abcdef01234567"
#define H40B "89abcdef0123456789abcdef0123456789abcdef"

static int loose(const char *s, size_t n, enum gitobj_type *t, size_t *size)
{
	size_t hl;

	return gitobj_loose_header((const uint8_t *)s, n, t, size, &hl);
}

static void test_ids(void)
{
	uint8_t id[GITOBJ_ID_LEN];
	char hex[GITOBJ_HEX_LEN + 1];

	is_int(gitobj_hex_id(H40, 40, id), 0, "hex id");
	gitobj_id_hex(id, hex);
	is_str(hex, H40, "hex id round trip");
	is_int(gitobj_hex_id("0123", 4, id), -EBADMSG, "short hex id");
	is_int(gitobj_hex_id("g123456789abcdef0123456789abcdef01234567", 40,
			     id),
	       -EBADMSG, "non-hex digit");
}

static void test_loose(void)
{
	enum gitobj_type t;
	size_t size = 0;

	is_int(loose("commit 231\0tree", 15, &t, &size), 0, "loose header");
	ok(t == GITOBJ_COMMIT && size == 231, "loose header: type and size");
	is_int(loose("blob 0\0", 7, &t, &size), 0, "empty blob");
	is_int(loose("blob 01\0", 8, &t, &size), -EBADMSG, "leading zero");
	is_int(loose("bogus 1\0", 8, &t, &size), -EBADMSG, "unknown type");
	is_int(loose("tree 12", 7, &t, &size), -EBADMSG, "no NUL");
	is_int(loose("tree 1x\0", 8, &t, &size), -EBADMSG, "junk in size");
	is_int(loose("blob 99999999999\0", 17, &t, &size), -E2BIG,
	       "size beyond the bound");
	is_int(loose("tree \0", 6, &t, &size), -EBADMSG, "no size");
}

static void test_commit(void)
{
	static const char c1[] = "tree " H40 "\nparent " H40B "\nparent " H40
				 "\nauthor a <a@b> 1 +0000\ncommitter a <a@b>"
				 " 1 +0000\ngpgsig -----BEGIN\n  x\n\n"
				 "the subject\n\nbody\n";
	static char big[8192];
	struct gitobj_commit c;
	char hex[GITOBJ_HEX_LEN + 1];
	size_t n;

	is_int(gitobj_parse_commit((const uint8_t *)c1, strlen(c1), &c), 0,
	       "commit");
	gitobj_id_hex(c.tree, hex);
	is_str(hex, H40, "commit: tree");
	is_int((int)c.n_parents, 2, "commit: two parents");
	gitobj_id_hex(c.parent[0], hex);
	is_str(hex, H40B, "commit: first parent");
	is_str(c.subject, "the subject", "commit: subject");
	is_int(gitobj_parse_commit((const uint8_t *)"tree x\n", 7, &c),
	       -EBADMSG, "commit: bad tree line");
	is_int(gitobj_parse_commit((const uint8_t *)"parent " H40 "\n", 48,
				   &c),
	       -EBADMSG, "commit: no tree first");
	n = (size_t)snprintf(big, sizeof(big), "tree %s\n", H40);
	for (int i = 0; i < GITOBJ_MAX_PARENTS + 1; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "parent %s\n",
				      H40);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\ns\n");
	is_int(gitobj_parse_commit((const uint8_t *)big, n, &c), -E2BIG,
	       "commit: too many parents");
	memset(big, 'x', sizeof(big));
	n = (size_t)snprintf(big, sizeof(big), "tree %s\n\n", H40);
	big[n] = 'x';
	is_int(gitobj_parse_commit((const uint8_t *)big, sizeof(big), &c), 0,
	       "commit: long subject");
	is_int((int)strlen(c.subject), GITOBJ_SUBJECT_MAX,
	       "commit: subject cut at its bound");
	is_int(gitobj_parse_commit((const uint8_t *)"tree " H40 "\nparent "
							  "zz\n\ns",
				   strlen("tree " H40 "\nparent zz\n\ns"), &c),
	       -EBADMSG, "commit: bad parent");
}

static void test_tag(void)
{
	static const char t1[] = "object " H40 "\ntype commit\ntag v1\n\nmsg";
	uint8_t id[GITOBJ_ID_LEN];
	enum gitobj_type t;

	is_int(gitobj_parse_tag((const uint8_t *)t1, strlen(t1), id, &t), 0,
	       "tag");
	ok(t == GITOBJ_COMMIT, "tag: type");
	is_int(gitobj_parse_tag((const uint8_t *)"object x\n", 9, id, &t),
	       -EBADMSG, "tag: bad object line");
}

/* A tree of two entries: ".envrc" (file) and "src" (tree) */
static size_t make_tree(uint8_t *buf)
{
	size_t n = 0;

	memcpy(buf + n, "100644 .envrc", 14);	/* with its NUL */
	n += 14;
	memset(buf + n, 0xaa, GITOBJ_ID_LEN);
	n += GITOBJ_ID_LEN;
	memcpy(buf + n, "40000 src", 10);
	n += 10;
	memset(buf + n, 0xbb, GITOBJ_ID_LEN);
	return n + GITOBJ_ID_LEN;
}

static void test_tree(void)
{
	uint8_t buf[128];
	size_t n = make_tree(buf);
	struct gitobj_tree_entry e;
	struct cursor c = { buf, n };

	is_int(gitobj_tree_next(&c, &e), 1, "tree: first entry");
	ok(e.mode == 0100644 && e.name_len == 6 && e.id[0] == 0xaa,
	   "tree: first entry's mode, name, id");
	is_int(gitobj_tree_next(&c, &e), 1, "tree: second entry");
	ok(e.mode == 040000 && e.id[0] == 0xbb, "tree: a subtree");
	is_int(gitobj_tree_next(&c, &e), 0, "tree: end");
	is_int(gitobj_tree_find(buf, n, "src", 3, &e), 1, "tree: find");
	is_int(gitobj_tree_find(buf, n, "sr", 2, &e), 0, "tree: absent");
	is_int(gitobj_tree_find(buf, n - 1, "src", 3, &e), -EBADMSG,
	       "tree: truncated id");
	buf[0] = '9';
	is_int(gitobj_tree_find(buf, n, "src", 3, &e), -EBADMSG,
	       "tree: non-octal mode");
	buf[0] = '1';
	buf[10] = '/';
	is_int(gitobj_tree_find(buf, n, "src", 3, &e), -EBADMSG,
	       "tree: a name with a slash");
	is_int(gitobj_tree_find((const uint8_t *)"100644 \0", 8, "a", 1, &e),
	       -EBADMSG, "tree: empty name");
}

static void test_pack_entry(void)
{
	struct gitobj_pack_entry e;
	/* commit of 300 bytes: 0x90 | 300 & 15, then 300 >> 4 */
	static const uint8_t commit[] = { 0x80 | 0x10 | (300 & 15), 300 >> 4 };
	static const uint8_t ofs[] = { 0x60 | 5, 0x81, 0x00 };
	static const uint8_t ref[21] = { 0x70 | 3, 1 };
	static const uint8_t huge[] = { 0x9f, 0xff, 0xff, 0xff, 0x7f };
	static const uint8_t endless[12] = { 0x9f, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0x01 };

	is_int(gitobj_pack_entry(commit, sizeof(commit), &e), 0, "pack: commit");
	ok(e.type == GITOBJ_COMMIT && e.size == 300 && e.hdr_len == 2,
	   "pack: commit type, size, header length");
	is_int(gitobj_pack_entry(ofs, sizeof(ofs), &e), 0, "pack: ofs delta");
	/* 0x81 0x00: ((1 + 1) << 7) | 0 = 256 */
	ok(e.type == GITOBJ_OFS_DELTA && e.base_distance == 256 &&
		   e.hdr_len == 3,
	   "pack: ofs delta distance (git's offset encoding)");
	is_int(gitobj_pack_entry(ref, sizeof(ref) - 1, &e), -EBADMSG,
	       "pack: ref delta cut short");
	is_int(gitobj_pack_entry(huge, sizeof(huge), &e), -E2BIG,
	       "pack: size beyond the bound");
	is_int(gitobj_pack_entry(endless, sizeof(endless), &e), -E2BIG,
	       "pack: endless size");
	is_int(gitobj_pack_entry((const uint8_t *)"\x50", 1, &e), -EBADMSG,
	       "pack: reserved type 5");
	is_int(gitobj_pack_entry((const uint8_t *)"\x60\x00", 2, &e),
	       -EBADMSG, "pack: ofs distance 0");
}

static void test_delta(void)
{
	static const uint8_t base[] = "hello, world";
	/* base 12, result 17: copy 0..7 ("hello, "), insert "there", copy
	 * 7..12 ("world") */
	static const uint8_t d[] = { 12, 17, 0x90, 7, 5, 't', 'h', 'e', 'r',
				     'e', 0x91, 7, 5 };
	uint8_t out[32];
	size_t bs, rs;
	uint8_t bad[sizeof(d)];

	is_int(gitobj_delta_sizes(d, sizeof(d), &bs, &rs), 0, "delta sizes");
	ok(bs == 12 && rs == 17, "delta: declared sizes");
	is_int((int)gitobj_delta_apply(base, 12, d, sizeof(d), out,
				       sizeof(out)),
	       17, "delta applies");
	ok(!memcmp(out, "hello, thereworld", 17), "delta: the result");
	is_int((int)gitobj_delta_apply(base, 11, d, sizeof(d), out,
				       sizeof(out)),
	       -EBADMSG, "delta: wrong base size");
	is_int((int)gitobj_delta_apply(base, 12, d, sizeof(d), out, 16),
	       -E2BIG, "delta: output too small");
	memcpy(bad, d, sizeof(d));
	bad[11] = 9;	/* copy 9..14 of a 12-byte base */
	is_int((int)gitobj_delta_apply(base, 12, bad, sizeof(bad), out,
				       sizeof(out)),
	       -EBADMSG, "delta: copy beyond the base");
	memcpy(bad, d, sizeof(d));
	bad[2] = 0;
	is_int((int)gitobj_delta_apply(base, 12, bad, sizeof(bad), out,
				       sizeof(out)),
	       -EBADMSG, "delta: reserved instruction 0");
	is_int((int)gitobj_delta_apply(base, 12, d, 8, out, sizeof(out)),
	       -EBADMSG, "delta: insert beyond the delta");
	is_int((int)gitobj_delta_apply(base, 12, d, 10, out, sizeof(out)),
	       -EBADMSG, "delta: result shorter than declared");
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An index of three objects (ids 0x10.., 0x20.., 0x20 0x01..), the last
 * at a large offset */
static size_t make_idx(uint8_t *buf)
{
	static const uint8_t first[3] = { 0x10, 0x20, 0x20 };
	size_t n = 3, at = 8 + 1024;

	memset(buf, 0, 4096);
	memcpy(buf, "\xfftOc\0\0\0\2", 8);
	for (unsigned int i = 0; i < 256; i++)
		put32(buf + 8 + 4 * i, i < 0x10 ? 0 : i < 0x20 ? 1 : 3);
	for (size_t i = 0; i < n; i++) {
		buf[at + 20 * i] = first[i];
		buf[at + 20 * i + 1] = (uint8_t)(i == 2);
	}
	at += 20 * n + 4 * n;	/* names, CRCs */
	put32(buf + at, 12);
	put32(buf + at + 4, 345);
	put32(buf + at + 8, 0x80000000u);
	at += 4 * n;
	put32(buf + at, 1);	/* large offset 1 << 32 | 7 */
	put32(buf + at + 4, 7);
	return at + 8 + 40;
}

static void test_idx(void)
{
	static uint8_t idx[4096];
	size_t len = make_idx(idx), n = 0;
	uint8_t id[GITOBJ_ID_LEN] = { 0x20 };
	uint64_t off = 0;

	is_int(gitobj_idx_check(idx, len, &n), 0, "idx: valid");
	is_int((int)n, 3, "idx: object count");
	is_int(gitobj_idx_lookup(idx, len, id, &off), 1, "idx: found");
	ok(off == 345, "idx: its offset");
	id[1] = 1;
	is_int(gitobj_idx_lookup(idx, len, id, &off), 1, "idx: large offset");
	ok(off == ((uint64_t)1 << 32 | 7), "idx: the 64-bit offset");
	is_int(gitobj_idx_lookup(idx, len - 8, id, &off), -EBADMSG,
	       "idx: large offset table cut");
	id[0] = 0x30;
	is_int(gitobj_idx_lookup(idx, len, id, &off), 0, "idx: absent");
	is_int(gitobj_idx_check(idx, 100, &n), -EBADMSG, "idx: too short");
	put32(idx + 8 + 4 * 0x40, 1);	/* fan-out decreases */
	is_int(gitobj_idx_check(idx, len, &n), -EBADMSG, "idx: bad fan-out");
	put32(idx + 8 + 4 * 0x40, 3);
	for (unsigned int i = 0x20; i < 256; i++)
		put32(idx + 8 + 4 * i, 1000000);
	is_int(gitobj_idx_check(idx, len, &n), -EBADMSG,
	       "idx: more objects than the file holds");
}

static void test_refs(void)
{
	static const char packed[] = "# pack-refs with: peeled fully-peeled "
				     "sorted \n" H40 " refs/heads/main\n" H40B
				     " refs/tags/v1\n^" H40 "\n";
	struct cursor c = { (const uint8_t *)packed, strlen(packed) };
	uint8_t id[GITOBJ_ID_LEN];
	char name[GITOBJ_REF_MAX + 1], hex[GITOBJ_HEX_LEN + 1];

	is_int(gitobj_parse_ref((const uint8_t *)H40 "\n", 41, id, name,
				sizeof(name)),
	       1, "ref: an id");
	is_int(gitobj_parse_ref((const uint8_t *)"ref: refs/heads/x\n", 18, id,
				name, sizeof(name)),
	       2, "ref: symbolic");
	is_str(name, "refs/heads/x", "ref: its target");
	is_int(gitobj_parse_ref((const uint8_t *)"ref: ../../x", 12, id, name,
				sizeof(name)),
	       -EBADMSG, "ref: a target with ..");
	is_int(gitobj_parse_ref((const uint8_t *)H40 "\n" H40, 81, id, name,
				sizeof(name)),
	       -EBADMSG, "ref: two lines");
	is_int(gitobj_packed_next(&c, name, sizeof(name), id), 1,
	       "packed-refs: first");
	is_str(name, "refs/heads/main", "packed-refs: its name");
	is_int(gitobj_packed_next(&c, name, sizeof(name), id), 1,
	       "packed-refs: second");
	gitobj_id_hex(id, hex);
	is_str(hex, H40B, "packed-refs: its id");
	is_int(gitobj_packed_next(&c, name, sizeof(name), id), 0,
	       "packed-refs: peeled line skipped, end");
	c = (struct cursor){ (const uint8_t *)H40 "refs/x\n", 47 };
	is_int(gitobj_packed_next(&c, name, sizeof(name), id), -EBADMSG,
	       "packed-refs: no space");
	{
		static const char pk[] = "# pack-refs with: peeled\n" H40
					 " refs/heads/main\n" H40B
					 " refs/tags/v1\n";

		is_int(gitobj_packed_find((const uint8_t *)pk, strlen(pk),
					  "refs/tags/v1", id),
		       1, "packed-refs find: the second ref");
		gitobj_id_hex(id, hex);
		is_str(hex, H40B, "packed-refs find: its id");
		is_int(gitobj_packed_find((const uint8_t *)pk, strlen(pk),
					  "refs/heads/x", id),
		       0, "packed-refs find: absent");
		is_int(gitobj_packed_find((const uint8_t *)H40 "refs/x\n", 47,
					  "refs/x", id),
		       -EBADMSG, "packed-refs find: a bad line before it");
	}
	ok(!gitobj_ref_name_ok("refs/a b"), "ref name: a space");
	ok(!gitobj_ref_name_ok("refs//a"), "ref name: //");
	ok(gitobj_ref_name_ok("refs/heads/feature/x"), "ref name: ok");
}

int main(void)
{
	test_ids();
	test_loose();
	test_commit();
	test_tag();
	test_tree();
	test_pack_entry();
	test_delta();
	test_idx();
	test_refs();
	return done_testing();
}

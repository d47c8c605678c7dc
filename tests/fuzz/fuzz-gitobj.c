// SPDX-License-Identifier: MIT
/*
 * fuzz-gitobj.c - git's objects, pack entries, deltas, pack indexes and
 * refs as --review reads them from a jail's upper layer (gitobj.c)
 *
 * Input: one selector byte, then the bytes of a loose header, a commit,
 * a tag, a tree, a pack entry, a delta (its base is the input's first
 * half), an index (looked up with the first 20 bytes), a ref or a
 * packed-refs file. Nothing may be read or written out of bounds, every
 * result must hold its bounds, and only the documented errors come back.
 */
#include "jail.h"
#include "parse/gitobj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(long err)
{
	if (err < 0 && err != -EBADMSG && err != -E2BIG)
		__builtin_trap();
}

static void fuzz_tree(const uint8_t *p, size_t n)
{
	struct cursor c = { p, n };
	struct gitobj_tree_entry e;
	int err;

	while ((err = gitobj_tree_next(&c, &e)) == 1)
		if (!e.name_len || e.name < (const char *)p ||
		    e.id + GITOBJ_ID_LEN > p + n)
			__builtin_trap();
	check_err(err);
	check_err(gitobj_tree_find(p, n, ".envrc", 6, &e));
}

static void fuzz_delta(const uint8_t *p, size_t n)
{
	static uint8_t out[1 << 16];
	size_t half = n / 2, bs, rs;
	ssize_t got;

	check_err(gitobj_delta_sizes(p + half, n - half, &bs, &rs));
	got = gitobj_delta_apply(p, half, p + half, n - half, out,
				 sizeof(out));
	check_err(got);
	if (got > (ssize_t)sizeof(out))
		__builtin_trap();
}

static void fuzz_refs(const uint8_t *p, size_t n)
{
	char name[GITOBJ_REF_MAX + 1];
	uint8_t id[GITOBJ_ID_LEN];
	struct cursor c = { p, n };
	int err;

	err = gitobj_parse_ref(p, n, id, name, sizeof(name));
	check_err(err);
	if (err == 2 && !gitobj_ref_name_ok(name))
		__builtin_trap();
	while ((err = gitobj_packed_next(&c, name, sizeof(name), id)) == 1)
		if (!gitobj_ref_name_ok(name))
			__builtin_trap();
	check_err(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gitobj_commit cm;
	struct gitobj_pack_entry e;
	enum gitobj_type t;
	uint8_t id[GITOBJ_ID_LEN];
	uint64_t off;
	size_t sz, hl, n = size ? size - 1 : 0;
	const uint8_t *p = data + 1;

	if (!size)
		return 0;
	switch (data[0] % 7) {
	case 0:
		check_err(gitobj_loose_header(p, n, &t, &sz, &hl));
		break;
	case 1:
		check_err(gitobj_parse_commit(p, n, &cm));
		if (cm.n_parents > GITOBJ_MAX_PARENTS ||
		    strlen(cm.subject) > GITOBJ_SUBJECT_MAX)
			__builtin_trap();
		check_err(gitobj_parse_tag(p, n, id, &t));
		break;
	case 2:
		fuzz_tree(p, n);
		break;
	case 3:
		check_err(gitobj_pack_entry(p, n, &e));
		break;
	case 4:
		fuzz_delta(p, n);
		break;
	case 5:
		if (n >= GITOBJ_ID_LEN)
			check_err(gitobj_idx_lookup(p, n, p, &off));
		break;
	default:
		fuzz_refs(p, n);
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz-gitindex.c - git's index file as --review reads it from a jail's
 * upper layer (gitindex.c)
 *
 * Input: the index file's bytes. Nothing may be read or written out of
 * bounds, the loop must end, every entry must hold its bounds and rules
 * (a path within GITINDEX_PATH_MAX, NUL-terminated, in git's order, a
 * known mode and stage), and only the documented errors come back.
 */
#include "jail.h"
#include "parse/gitindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gitindex ix;
static char prev[GITINDEX_PATH_MAX + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gitindex_entry e;
	size_t prev_len = 0, n = 0;
	unsigned int prev_stage = 0;
	int err = gitindex_open(&ix, data, size);

	if (err < 0) {
		if (err != -EBADMSG)
			__builtin_trap();
		return 0;
	}
	if (ix.hashed_len + GITOBJ_ID_LEN != size)
		__builtin_trap();
	while ((err = gitindex_next(&ix, &e)) == 1) {
		int d;

		if (e.path_len == 0 || e.path_len > GITINDEX_PATH_MAX ||
		    e.path[e.path_len] || strlen(e.path) != e.path_len ||
		    e.stage > 3 || e.id < data ||
		    e.id + GITOBJ_ID_LEN > data + ix.hashed_len)
			__builtin_trap();
		d = n ? gitindex_path_cmp(e.path, e.path_len, prev,
					  prev_len) :
			1;
		if (d < 0 || (d == 0 && e.stage <= prev_stage))
			__builtin_trap();
		memcpy(prev, e.path, e.path_len + 1);
		prev_len = e.path_len;
		prev_stage = e.stage;
		/* Each entry consumes at least 63 bytes */
		if (++n > size / 63)
			__builtin_trap();
	}
	if (err < 0 && err != -EBADMSG && err != -E2BIG && err != -EOPNOTSUPP)
		__builtin_trap();
	if (err == 0 && (n != ix.n_entries || gitindex_next(&ix, &e) != 0))
		__builtin_trap();
	return 0;
}

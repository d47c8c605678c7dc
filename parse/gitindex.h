/* SPDX-License-Identifier: MIT */
/*
 * gitindex.h - git's index file (the staging area), read as bytes a jail
 * could have written (--review's check of what the host's next
 * `git commit` would commit)
 *
 * Pure: no I/O, no globals, no allocation. Checking the trailing SHA-1
 * is the caller's (it needs libcrypto): gitindex_open() says which bytes
 * it covers.
 */
#ifndef PARSE_GITINDEX_H
#define PARSE_GITINDEX_H

#include "jail.h"
#include "parse/gitobj.h"

#define GITINDEX_PATH_MAX 4096	/* bytes of one entry's path, at most */

/* One entry; @path lies in the reader, @id in the index's bytes */
struct gitindex_entry {
	unsigned int mode;	/* 0100644, 0100755, 0120000 or 0160000 */
	const uint8_t *id;	/* GITOBJ_ID_LEN bytes */
	unsigned int stage;	/* 0, or 1-3 during a merge */
	bool assume_valid;
	bool skip_worktree;
	bool intent_to_add;
	const char *path;	/* NUL-terminated; valid until the next call */
	size_t path_len;
};

/* A reader over one index file; set up by gitindex_open() */
struct gitindex {
	struct cursor c;	/* what is left before the checksum */
	unsigned int version;	/* 2, 3 or 4 */
	uint32_t n_entries;	/* as the header says */
	uint32_t i;		/* entries read */
	const uint8_t *checksum;	/* the last GITOBJ_ID_LEN bytes */
	size_t hashed_len;	/* the bytes it is the SHA-1 of */
	bool is_done;		/* the end was reached and checked */
	unsigned int stage;	/* the previous entry's */
	size_t path_len;	/* the previous entry's path, for v4 and */
	char path[GITINDEX_PATH_MAX + 1];	/* the order */
};

/**
 * gitindex_open() - Start reading an index file
 * @ix:		the reader
 * @buf:	the file's bytes; untrusted; must outlive @ix
 * @len:	their length
 *
 * Checks the header ("DIRC", version 2, 3 or 4, an entry count) and
 * that a trailing SHA-1 fits. The SHA-1 is not checked here: it is
 * @ix->checksum over the first @ix->hashed_len bytes (all zero when git
 * was told not to write it: index.skipHash).
 *
 * Return: 0 or -EBADMSG
 */
int gitindex_open(struct gitindex *ix, const uint8_t *buf, size_t len);

/**
 * gitindex_next() - The next entry, or the end
 * @ix:		a reader from gitindex_open()
 * @e:		the entry, when 1 is returned
 *
 * Each entry is checked: a known mode, known flags, a path that is not
 * empty, not absolute, without empty, "." or ".." components, whose
 * length matches its flags (v2, v3) or whose prefix is within the
 * previous path (v4), and entries in git's order (path, then stage;
 * a path at stage 0 stands alone). After the last entry the extensions
 * are walked by their lengths up to the checksum: optional ones
 * (signature starting with 'A'-'Z') are skipped; a required one (a
 * split index's "link", a sparse index's "sdir", any unknown) makes the
 * index unreadable here. Each call consumes at least 63 bytes or ends,
 * so a loop ends within the input.
 *
 * Return: 1 (an entry), 0 (the end: the whole file is well-formed),
 * -EBADMSG, -E2BIG (a path longer than GITINDEX_PATH_MAX) or
 * -EOPNOTSUPP (a required extension)
 */
int gitindex_next(struct gitindex *ix, struct gitindex_entry *e);

/* Is the trailing checksum all zero (index.skipHash)? */
bool gitindex_hash_skipped(const struct gitindex *ix);

/**
 * gitindex_path_cmp() - git's order of index entries
 * @a:		a path (@al bytes)
 * @al:		its length
 * @b:		another (@bl bytes)
 * @bl:		its length
 *
 * Bytes compared as unsigned, a prefix first.
 *
 * Return: <0, 0 or >0
 */
int gitindex_path_cmp(const char *a, size_t al, const char *b, size_t bl);

#endif /* PARSE_GITINDEX_H */

/* SPDX-License-Identifier: MIT */
/*
 * gitobj.h - git's object and ref formats, read as bytes a jail could
 * have written (--review's account of the commits made inside)
 *
 * Pure: no I/O, no globals, no allocation. The I/O (finding, inflating
 * and hashing objects) is host/reviewobj.c's.
 */
#ifndef PARSE_GITOBJ_H
#define PARSE_GITOBJ_H

#include "jail.h"

#define GITOBJ_ID_LEN 20		/* SHA-1 */
#define GITOBJ_HEX_LEN 40
#define GITOBJ_MAX_SIZE (16u << 20)	/* bytes of one object, at most */
#define GITOBJ_MAX_PARENTS 16		/* parents of one commit read */
#define GITOBJ_SUBJECT_MAX 120		/* bytes of a subject kept */
#define GITOBJ_REF_MAX 255		/* bytes of a ref name */

enum gitobj_type {
	GITOBJ_NONE = 0,
	GITOBJ_COMMIT = 1,
	GITOBJ_TREE = 2,
	GITOBJ_BLOB = 3,
	GITOBJ_TAG = 4,
	GITOBJ_OFS_DELTA = 6,	/* in a pack only */
	GITOBJ_REF_DELTA = 7,	/* in a pack only */
};

/**
 * gitobj_offset_varint() - git's "offset" base-128 number at @c
 * @c:		the cursor; moves past the number
 * @out:	set to the number
 *
 * Big-endian groups of 7 bits, each continued group adding one before the
 * shift (so that every value has one encoding): the delta base distance in
 * a pack and the bytes a v4 index path drops. At most 10 bytes, no
 * overflow.
 *
 * Return: 0 or -EBADMSG
 */
int gitobj_offset_varint(struct cursor *c, uint64_t *out);

/* "commit", "tree", "blob", "tag"; "?" for anything else */
const char *gitobj_type_name(enum gitobj_type t);

/* 40 hex digits at @hex into @id. Return: 0 or -EBADMSG */
int gitobj_hex_id(const char *hex, size_t len, uint8_t id[GITOBJ_ID_LEN]);
/* @id as 40 lowercase hex digits and a NUL */
void gitobj_id_hex(const uint8_t id[GITOBJ_ID_LEN],
		   char out[GITOBJ_HEX_LEN + 1]);

/**
 * gitobj_loose_header() - The header of an inflated loose object
 * @buf:	the first bytes inflated ("commit 231\0..."); untrusted
 * @len:	how many
 * @type:	set to the object's type
 * @size:	set to its declared size
 * @hdr_len:	set to the header's length, NUL included
 *
 * The type is one of the four object types, the size decimal without a
 * leading zero, the header at most 32 bytes.
 *
 * Return: 0, -EBADMSG (not such a header) or -E2BIG (size above
 * GITOBJ_MAX_SIZE)
 */
int gitobj_loose_header(const uint8_t *buf, size_t len, enum gitobj_type *type,
			size_t *size, size_t *hdr_len);

/* A commit, as much as the review needs */
struct gitobj_commit {
	uint8_t tree[GITOBJ_ID_LEN];
	uint8_t parent[GITOBJ_MAX_PARENTS][GITOBJ_ID_LEN];
	size_t n_parents;
	char subject[GITOBJ_SUBJECT_MAX + 1];	/* raw bytes, NUL-ended;
						 * escape before showing */
};

/**
 * gitobj_parse_commit() - Tree, parents and subject of a commit object
 * @buf:	the object's content, without its header; untrusted
 * @len:	its length
 * @c:		result
 *
 * "tree HEX" first, then "parent HEX" lines, then any other header
 * lines; the subject is the first line after the blank line, cut at
 * GITOBJ_SUBJECT_MAX bytes and at a NUL.
 *
 * Return: 0, -EBADMSG, or -E2BIG (more than GITOBJ_MAX_PARENTS parents)
 */
int gitobj_parse_commit(const uint8_t *buf, size_t len,
			struct gitobj_commit *c);

/**
 * gitobj_parse_tag() - What an annotated tag points at
 * @buf:	the object's content; untrusted
 * @len:	its length
 * @object:	set to the "object" line's id
 * @type:	set to the "type" line's type
 *
 * Return: 0 or -EBADMSG
 */
int gitobj_parse_tag(const uint8_t *buf, size_t len,
		     uint8_t object[GITOBJ_ID_LEN], enum gitobj_type *type);

/* One entry of a tree object; @name and @id point into the tree */
struct gitobj_tree_entry {
	unsigned int mode;	/* 040000 tree, 0100644, 0120000 ... */
	const char *name;	/* not NUL-terminated */
	size_t name_len;
	const uint8_t *id;
};

/**
 * gitobj_tree_next() - The next entry of a tree object
 * @c:		cursor over the tree's content; untrusted
 * @e:		the entry, when 1 is returned
 *
 * An entry is "MODE NAME\0ID": an octal mode of 1 to 7 digits, a name
 * that is not empty and holds no '/', GITOBJ_ID_LEN bytes of id. Each
 * call consumes at least 22 bytes, so a loop ends within the input.
 *
 * Return: 1 (an entry), 0 (the end) or -EBADMSG
 */
int gitobj_tree_next(struct cursor *c, struct gitobj_tree_entry *e);

/**
 * gitobj_tree_find() - The entry named @name of a tree object
 * @buf:	the tree's content; untrusted
 * @len:	its length
 * @name:	the name looked for (@name_len bytes)
 * @name_len:	its length
 * @e:		the entry, when 1 is returned
 *
 * Reads the whole tree (a malformed tree is an error wherever it is).
 *
 * Return: 1 (found), 0 (absent) or -EBADMSG
 */
int gitobj_tree_find(const uint8_t *buf, size_t len, const char *name,
		     size_t name_len, struct gitobj_tree_entry *e);

/* The header of one entry of a pack file */
struct gitobj_pack_entry {
	enum gitobj_type type;
	size_t size;		/* inflated size (of the delta, for deltas) */
	size_t hdr_len;		/* bytes before the compressed data */
	uint64_t base_distance;	/* OFS_DELTA: the base lies this far back */
	uint8_t base_id[GITOBJ_ID_LEN];	/* REF_DELTA: the base's id */
};

/**
 * gitobj_pack_entry() - Parse the header of a pack entry
 * @buf:	bytes at the entry's offset; untrusted
 * @len:	how many (32 are always enough)
 * @e:		result
 *
 * The size is a little-endian base-128 number of at most 10 bytes, an
 * OFS_DELTA distance git's offset encoding of at most 10 bytes, never
 * zero, without overflow.
 *
 * Return: 0, -EBADMSG, or -E2BIG (a size above GITOBJ_MAX_SIZE)
 */
int gitobj_pack_entry(const uint8_t *buf, size_t len,
		      struct gitobj_pack_entry *e);

/**
 * gitobj_delta_sizes() - The base and result sizes a delta declares
 * @d:		the inflated delta; untrusted
 * @len:	its length
 * @base_size:	set to the size of the base it applies to
 * @result_size: set to the size of its result
 *
 * Return: 0, -EBADMSG, or -E2BIG (a size above GITOBJ_MAX_SIZE)
 */
int gitobj_delta_sizes(const uint8_t *d, size_t len, size_t *base_size,
		       size_t *result_size);

/**
 * gitobj_delta_apply() - Apply a git delta to its base
 * @base:	the base object's content
 * @base_len:	its length, which must be the delta's declared base size
 * @d:		the inflated delta; untrusted
 * @d_len:	its length
 * @out:	the result
 * @out_len:	its size; at least the delta's declared result size
 *
 * Every copy lies within @base, every insert within @d, the result is
 * exactly the declared size; the reserved instruction 0 is refused. The
 * loop consumes at least one byte of @d per instruction.
 *
 * Return: the result's length, -EBADMSG or -E2BIG (@out too small)
 */
ssize_t gitobj_delta_apply(const uint8_t *base, size_t base_len,
			   const uint8_t *d, size_t d_len, uint8_t *out,
			   size_t out_len);

/**
 * gitobj_idx_check() - Is @idx a pack index (version 2) git could use?
 * @idx:	the .idx file's bytes; untrusted
 * @len:	its length
 * @n_objects:	set to the number of objects it lists
 *
 * Checks the magic, the version, that the fan-out table never decreases
 * and that the file is long enough for its tables.
 *
 * Return: 0 or -EBADMSG
 */
int gitobj_idx_check(const uint8_t *idx, size_t len, size_t *n_objects);

/**
 * gitobj_idx_lookup() - Where object @id lies in a pack
 * @idx:	a pack index that passed gitobj_idx_check()
 * @len:	its length
 * @id:		the object looked for
 * @offset:	set to its offset in the pack, when 1 is returned
 *
 * Binary search within the fan-out's range (at most 32 steps); a large
 * offset must lie in the 64-bit table.
 *
 * Return: 1 (found), 0 (absent) or -EBADMSG
 */
int gitobj_idx_lookup(const uint8_t *idx, size_t len,
		      const uint8_t id[GITOBJ_ID_LEN], uint64_t *offset);

/**
 * gitobj_parse_ref() - A loose ref file (or HEAD)
 * @buf:	its bytes; untrusted
 * @len:	their length
 * @id:		set for a direct ref
 * @target:	set for a symbolic ref ("ref: refs/heads/main")
 * @size:	size of @target
 *
 * Return: 1 (@id), 2 (@target), -EBADMSG or -E2BIG (@target too small)
 */
int gitobj_parse_ref(const uint8_t *buf, size_t len, uint8_t id[GITOBJ_ID_LEN],
		     char *target, size_t size);

/**
 * gitobj_packed_next() - The next ref of a packed-refs file
 * @c:		cursor over the file; untrusted
 * @name:	set to the ref's name, NUL-terminated
 * @size:	size of @name
 * @id:		set to its value
 *
 * Skips the "# pack-refs with:" header and "^" peeled lines. A name is
 * printable ASCII without spaces, at most GITOBJ_REF_MAX bytes. Each call
 * consumes at least one line.
 *
 * Return: 1 (a ref), 0 (the end), -EBADMSG or -E2BIG
 */
int gitobj_packed_next(struct cursor *c, char *name, size_t size,
		       uint8_t id[GITOBJ_ID_LEN]);

/**
 * gitobj_packed_find() - The value of ref @name in a packed-refs file
 * @buf:	the file; untrusted
 * @len:	its length
 * @name:	the ref, NUL-terminated
 * @id:		set to its value when found (the first line naming it)
 *
 * Return: 1 (found), 0 (not there), or -errno of gitobj_packed_next()
 * for a line before it
 */
int gitobj_packed_find(const uint8_t *buf, size_t len, const char *name,
		       uint8_t id[GITOBJ_ID_LEN]);

/* Is @name (NUL-terminated) a ref name the review accepts: printable
 * ASCII, no space, no "..", no "//", not starting or ending in '/'? */
bool gitobj_ref_name_ok(const char *name);

#endif /* PARSE_GITOBJ_H */

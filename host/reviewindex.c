// SPDX-License-Identifier: MIT
/*
 * reviewindex.c - what a review's git index stages along protected paths
 *
 * The index is what the host's next `git commit` commits. A jail that
 * runs `git rm --cached .envrc`, or stages a new .envrc or a hook under
 * core.hooksPath, commits nothing, moves no ref, and yet the person's
 * next commit on the host would carry that change. So when the run
 * changed a git dir's index, the index it left is compared, entry by
 * entry, with the one the project had (none: an empty index), and every
 * entry that was added, removed or changed (mode, blob, intent-to-add)
 * at, beneath or above a protected path is reported; reviewgit.c then
 * holds the index back with the refs. A gitlink added or changed is
 * passed on too: the submodule commit it names is checked in turn.
 *
 * The new index is hostile: read beneath the upper layer, at most
 * INDEX_MAX bytes, parsed by gitindex.c, and its trailing SHA-1 checked
 * with libcrypto (an all-zero one is index.skipHash's, which git reads
 * too). An index that cannot be read, parsed or verified is an error:
 * the caller holds it (fail closed).
 */
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/gitindex.h"
#include "host/host.h"
#include "host/reviewint.h"

#define INDEX_MAX (256u << 20) /* bytes of one index file */

/* Is @path (@len bytes) at, beneath or above protected path @p? */
static bool near_protected(const char *path, size_t len, const char *p)
{
	size_t pl = strlen(p);

	if (len == pl)
		return !memcmp(path, p, len);
	if (len > pl)
		return path[pl] == '/' && !memcmp(path, p, pl);
	return p[len] == '/' && !memcmp(path, p, len);
}

static const char *protected_of(const char *path, size_t len,
				const char *const *prot, size_t n_prot)
{
	for (size_t i = 0; i < n_prot; i++)
		if (near_protected(path, len, prot[i]))
			return prot[i];
	return NULL;
}

/* Does the run change @rel: the kind of its last change, or 0 */
static char change_kind(const struct review *r, const char *rel)
{
	char kind = 0;

	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->c[i].path, rel))
			kind = r->c[i].kind;
	return kind;
}

/* The new index read and its checksum checked. Return: 0 or -errno
 * (-ENOENT: deleted; -EILSEQ: a wrong checksum) */
static int read_new(const struct review *r, const char *rel, uint8_t **buf,
		    size_t *len, struct gitindex *ix)
{
	uint8_t md[GITOBJ_ID_LEN];
	int err = review_side_read(r, true, rel, INDEX_MAX, buf, len);

	if (err < 0)
		return err;
	err = gitindex_open(ix, *buf, *len);
	if (err < 0 || gitindex_hash_skipped(ix))
		return err;
	/* The upper layer is never believed without the hash */
	err = crypto_sha1(*buf, ix->hashed_len, md);
	if (err < 0)
		return err;
	return memcmp(md, ix->checksum, GITOBJ_ID_LEN) ? -EILSEQ : 0;
}

static const char *why_of(int err)
{
	switch (err) {
	case -EILSEQ:
		return "its checksum is wrong";
	case -EBADMSG:
		return "malformed";
	case -EOPNOTSUPP:
		return "a split or sparse index, not read here";
	case -E2BIG:
		return "too large";
	default:
		return strerror(-err);
	}
}

/* One side's cursor: the current entry, or none left */
struct side {
	const char *name;	/* for the error line */
	struct gitindex ix;
	struct gitindex_entry e;
	bool has;
};

static int advance(struct side *s, char *why, size_t size)
{
	int err = s->has ? gitindex_next(&s->ix, &s->e) : 0;

	s->has = err == 1;
	if (err >= 0)
		return 0;
	snprintf(why, size, "%s could not be read (%s)", s->name, why_of(err));
	return err;
}

/* Order of the two sides' current entries (a missing one sorts last) */
static int order(const struct side *a, const struct side *b)
{
	int d;

	if (!a->has || !b->has)
		return a->has ? -1 : b->has ? 1 : 0;
	d = gitindex_path_cmp(a->e.path, a->e.path_len, b->e.path,
			      b->e.path_len);
	if (d)
		return d;
	return (int)a->e.stage - (int)b->e.stage;
}

static bool same_entry(const struct gitindex_entry *a,
		       const struct gitindex_entry *b)
{
	return a->mode == b->mode && a->intent_to_add == b->intent_to_add &&
	       !memcmp(a->id, b->id, GITOBJ_ID_LEN);
}

/* Walk both indexes in git's order; report protected differences */
static int compare(struct side *old, struct side *new,
		   const char *const *prot, size_t n_prot,
		   review_index_cb *cb, void *ctx, char *why, size_t size)
{
	char last[GITINDEX_PATH_MAX + 1] = "";
	int n = 0, err = 0;

	old->has = new->has = true;
	err = advance(old, why, size);
	if (err == 0)
		err = advance(new, why, size);
	if (err < 0)
		return err;
	while (old->has || new->has) {
		int d = order(old, new);
		const struct gitindex_entry *e = d <= 0 ? &old->e : &new->e;
		char kind = 'M';
		const char *p = NULL;

		if (d)
			kind = d < 0 ? 'D' : 'A';
		if (d || !same_entry(&old->e, &new->e))
			p = protected_of(e->path, e->path_len, prot, n_prot);
		/* One report per path, whatever its stages */
		if (p && strcmp(last, e->path)) {
			memcpy(last, e->path, e->path_len + 1);
			cb(ctx, kind, e->path, NULL);
			n++;
		}
		/* A submodule's commit the host may check out next */
		if (d >= 0 && new->e.mode == 0160000 &&
		    (d || !same_entry(&old->e, &new->e)))
			cb(ctx, 'G', new->e.path, new->e.id);
		if (d <= 0 && (err = advance(old, why, size)) < 0)
			return err;
		if (d >= 0 && (err = advance(new, why, size)) < 0)
			return err;
	}
	return n;
}

int review_index_diff(const uint8_t *obuf, size_t olen, const uint8_t *nbuf,
		      size_t nlen, const char *const *prot, size_t n_prot,
		      review_index_cb *cb, void *ctx, char *why, size_t size)
{
	autofree struct side *old = xcalloc(1, sizeof(*old));
	autofree struct side *new = xcalloc(1, sizeof(*new));
	int err;

	new->name = "the index";
	old->name = "the project's own index";
	err = gitindex_open(&new->ix, nbuf, nlen);
	if (err == 0)
		err = gitindex_open(&old->ix, obuf, olen);
	if (err < 0) {
		snprintf(why, size, "an index could not be read (%s)",
			 why_of(err));
		return err;
	}
	return compare(old, new, prot, n_prot, cb, ctx, why, size);
}

int review_index_check(const struct review *r, const char *gitdir,
		       const char *const *prot, size_t n_prot,
		       review_index_cb *cb, void *ctx, char *why, size_t size)
{
	static const uint8_t empty[32] = "DIRC\0\0\0\2\0\0\0\0";
	autofree char *rel = xasprintf("%s/index", gitdir);
	autofree uint8_t *nbuf = NULL;
	autofree uint8_t *obuf = NULL;
	autofree struct side *old = xcalloc(1, sizeof(*old));
	autofree struct side *new = xcalloc(1, sizeof(*new));
	size_t nlen = 0, olen = 0;
	int err;

	if (!change_kind(r, rel))
		return 0;
	new->name = "the index";
	old->name = "the project's own index";
	err = read_new(r, rel, &nbuf, &nlen, &new->ix);
	/* Deleted: the next commit stages the deletion of everything */
	if (err == -ENOENT)
		err = gitindex_open(&new->ix, empty, sizeof(empty));
	if (err < 0) {
		snprintf(why, size, "the index could not be read (%s)",
			 why_of(err));
		return err;
	}
	err = review_side_read(r, false, rel, INDEX_MAX, &obuf, &olen);
	if (err == -ENOENT)
		err = gitindex_open(&old->ix, empty, sizeof(empty));
	else if (err == 0)
		err = gitindex_open(&old->ix, obuf, olen);
	if (err < 0) {
		snprintf(why, size, "the project's own index could not be read "
			 "(%s)", why_of(err));
		return err;
	}
	return compare(old, new, prot, n_prot, cb, ctx, why, size);
}

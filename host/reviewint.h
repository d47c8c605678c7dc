/* SPDX-License-Identifier: MIT */
/*
 * reviewint.h - what the files of --review share among themselves (not for other folders)
 */
#ifndef HOST_REVIEWINT_H
#define HOST_REVIEWINT_H

#include "jail.h"
#include "host/host.h"
#include "parse/gitobj.h"

/* ---------------------------------------------------------------------
 * review.c, reviewmark.c, reviewshow.c, reviewapply.c
 * ------------------------------------------------------------------- */

#define REVIEW_MAX_CHANGES 100000	/* entries listed, at most */

#define REVIEW_MAX_DEPTH 128		/* directory levels looked into */

int review_open_beneath(int root, const char *rel, int flags);
int review_remove_beneath(int pfd, const char *name, int depth);
bool review_is_protected_path(const struct review *r, const char *rel,
			      char kind);
bool review_is_protected_change(const struct review *r,
				const struct review_change *c);
void review_mark_aliases(struct review *r);
int review_load_blob(int root, const char *rel, enum review_ftype t,
		     unsigned int perm, struct diff_blob *b, char **buf);
ssize_t review_diff_change(struct review *r, struct review_change *c,
			   const struct diff_sink *sink);
void review_patch_order(struct review *r, int pass, struct review_change **out,
			size_t *n);
void review_put_safe(FILE *f, const char *s);
void review_log(struct review *r, const char *event,
		      const struct audit_field *f, size_t n);

/* ---------------------------------------------------------------------
 * reviewobj.c: git objects by id, from the upper layer and the project
 * ------------------------------------------------------------------- */

struct review_store;

/* The object stores of git dir @gitdir (relative to the project) in the
 * upper layer and in the project; free with review_store_free() */
struct review_store *review_store_open(const struct review *r,
				       const char *gitdir);
void review_store_free(struct review_store *s);
/* The object store of one git dir, its objects/ opened as @objects_fd
 * (taken over; -1: none) */
struct review_store *review_store_open_dir(int objects_fd);

/**
 * review_store_read() - An object by id, whole, with its hash checked
 * @s:		the stores
 * @id:		the object's id
 * @type:	set to its type
 * @buf:	set to its content, NUL-terminated; caller frees
 * @len:	set to its length
 *
 * Return: 0, -ENOENT (in no store), or the error of the first store that
 * held it but failed (-EBADMSG: malformed or a wrong hash, -E2BIG,
 * -ELOOP: too many deltas)
 */
int review_store_read(struct review_store *s, const uint8_t id[GITOBJ_ID_LEN],
		      enum gitobj_type *type, uint8_t **buf, size_t *len);

/* Is @id in the project's own store (loose or packed)? */
bool review_store_in_project(struct review_store *s,
			     const uint8_t id[GITOBJ_ID_LEN]);

/* A regular file @rel beneath @root, at most @max bytes, NUL-terminated
 * (caller frees). Return: 0 or -errno */
int review_read_small(int root, const char *rel, size_t max, uint8_t **buf,
		      size_t *len);

/* ---------------------------------------------------------------------
 * reviewrefs.c: a git dir's refs before and after the run
 * ------------------------------------------------------------------- */

/* The refs of one git dir; set @r and @gitdir, the rest is read here */
struct review_refs {
	const struct review *r;
	const char *gitdir;	/* relative to the project */
	/* A linked worktree's: its common dir's refs, whose packed-refs
	 * review_refs_load() read; refs/ but refs/bisect/, refs/worktree/
	 * and refs/rewritten/ are looked up there */
	const struct review_refs *common;
	uint8_t *packed[2];	/* packed-refs: 0 before, 1 after the run */
	size_t packed_len[2];
};

/* @rel as it was (@is_new false: the project's) or as the run left it,
 * at most @max bytes. Return: 0 or -errno (-ENOENT: absent) */
int review_side_read(const struct review *r, bool is_new, const char *rel,
		     size_t max, uint8_t **buf, size_t *len);

/**
 * review_refs_changed() - The names of refs that may have changed
 * @w:		the git dir's refs; its packed-refs of both sides are read
 * @v:		set to the names (caller frees each and the array)
 * @n:		set to their number
 *
 * Loose refs the scan found changed, and the entries in which the two
 * packed-refs files differ. Return: 0 or -errno (-E2BIG: too many)
 */
int review_refs_changed(struct review_refs *w, char ***v, size_t *n);

/**
 * review_ref_value() - A ref's value before or after the run
 * @w:		from review_refs_changed()
 * @is_new:	after the run
 * @name:	"refs/..." or "HEAD"
 * @id:		set to its value
 * @target:	if not NULL, set to its first symbolic target, or ""
 * @size:	size of @target
 *
 * Return: 1 (@id set), 0 (no such ref) or -errno
 */
int review_ref_value(const struct review_refs *w, bool is_new, const char *name,
		     uint8_t id[GITOBJ_ID_LEN], char *target, size_t size);

/* A ref's name for a person ("main", "tag v1", "origin/main"), escaped */
void review_ref_label(const char *name, char *out, size_t size);

/* Read packed-refs of both sides. Return: 0 or -errno */
int review_refs_load(struct review_refs *w);

/* Did HEAD, refs/ or packed-refs of @gitdir change? */
bool review_refs_touched(const struct review *r, const char *gitdir);

/* Is @gitdir's repository SHA-256 (extensions.objectFormat), after the run? */
bool review_is_sha256(const struct review *r, const char *gitdir);

void review_refs_free(struct review_refs *w);

/* ---------------------------------------------------------------------
 * reviewindex.c: what a git dir's index stages along protected paths
 * ------------------------------------------------------------------- */

/* One staged change: 'A' (added), 'D' (removed) or 'M' at a protected
 * path, or 'G' a gitlink added or changed (@gitlink: the commit it
 * names); @path is from inside: escape before showing */
typedef void review_index_cb(void *ctx, char kind, const char *path,
			     const uint8_t *gitlink);

/**
 * review_index_check() - Protected paths the run's index stages
 * @r:		the review, scanned
 * @gitdir:	the git dir, relative to the project
 * @prot:	the protected paths, relative to its work tree
 * @n_prot:	how many
 * @cb:		called once per path that differs at, beneath or above a
 *		protected path, and once per gitlink added or changed
 * @ctx:	for @cb
 * @why:	on error, set to one line saying what could not be read
 * @size:	size of @why
 *
 * Does nothing when the run did not change the index. A deleted index
 * is an empty one; the project's missing one too.
 *
 * Return: the number of @cb calls, or -errno (the index or the
 * project's could not be read or verified: hold it)
 */
int review_index_check(const struct review *r, const char *gitdir,
		       const char *const *prot, size_t n_prot,
		       review_index_cb *cb, void *ctx, char *why, size_t size);

/**
 * review_index_diff() - Protected paths one index stages against another
 * @obuf:	the index before (an empty one: "DIRC", version, 0 entries)
 * @olen:	its length
 * @nbuf:	the index after, untrusted
 * @nlen:	its length
 * @prot:	the protected paths, relative to the work tree
 * @n_prot:	how many
 * @cb:		as for review_index_check()
 * @ctx:	for @cb
 * @why:	on error, one line saying what could not be read
 * @size:	size of @why
 *
 * The checksums are not checked here.
 *
 * Return: the number of @cb calls, or -errno (unreadable: hold it)
 */
int review_index_diff(const uint8_t *obuf, size_t olen, const uint8_t *nbuf,
		      size_t nlen, const char *const *prot, size_t n_prot,
		      review_index_cb *cb, void *ctx, char *why, size_t size);

/* ---------------------------------------------------------------------
 * reviewsub.c: submodules' and linked worktrees' git dirs in a git dir
 * ------------------------------------------------------------------- */

struct review_subgit {
	char *rel;	/* ".git/modules/sub", relative to the project */
	char *common;	/* a linked worktree's common dir, else NULL */
	char *label;	/* "submodule sub", "worktree wt" (from inside) */
	/* Commits its superproject's new commits or index name (gitlinks):
	 * host `git submodule update` checks them out */
	uint8_t (*links)[GITOBJ_ID_LEN];
	size_t n_links;
};

/**
 * review_git_subdirs() - The sub git dirs in which the run changed files
 * @r:		the review, scanned
 * @gitdir:	a git dir, relative to the project
 * @out:	set to them, outer ones first; free with
 *		review_git_subdirs_free()
 * @n:		set to their number
 *
 * Return: 0 or -E2BIG (too many: @out holds the first ones)
 */
int review_git_subdirs(const struct review *r, const char *gitdir,
		       struct review_subgit **out, size_t *n);
void review_git_subdirs_free(struct review_subgit *v, size_t n);

/**
 * review_git_links() - Note the gitlinks a superproject's tree or index
 * holds, for its submodules' walks
 * @v:		the sub git dirs (review_git_subdirs())
 * @n:		how many
 * @gitdir:	the superproject's git dir
 * @store:	its objects (for @tree), or NULL when @tree is NULL
 * @tree:	a new commit's tree; or NULL, and @path, @id an index entry's
 * @path:	with @tree NULL: the gitlink's path in the work tree
 * @id:		with @tree NULL: the commit it names
 *
 * With @tree, the entry at each submodule's path (its name) is looked
 * up. Return: 0 or -errno (-E2BIG: too many; a tree unreadable)
 */
int review_git_links(struct review_subgit *v, size_t n, const char *gitdir,
		     struct review_store *store, const uint8_t *tree,
		     const char *path, const uint8_t *id);

/* One changed git dir of a review (reviewgit.c fills it) */
struct review_gitdir {
	char *rel;    /* "x/.git", relative to the project */
	bool is_new;  /* the project had no such directory */
	bool is_held; /* apply holds back its ref state */
	char *why;    /* why, for one line */
	char **lines;
	size_t n_lines, n_cut;
	size_t n_commits, n_refs;
	struct review_subgit *subs; /* submodules', worktrees' git dirs */
	size_t n_subs;
};

/* @path (in @g) relative to the deepest git dir it lies in: @g's own,
 * a submodule's or a worktree's */
const char *review_git_rest_in(const struct review_gitdir *g,
			       const char *path);

/* ---------------------------------------------------------------------
 * reviewgit.c: a git dir's changes told as commits, and what apply holds
 * ------------------------------------------------------------------- */

/* The length of the git dir ("x/.git") @path lies strictly inside, or 0 */
size_t review_gitdir_len(const char *path);

/* Which git dir of @r holds @path: its index, or -1 */
int review_gitdir_of(const struct review *r, const char *path);

/* Git dir @i's path, relative to the project */
const char *review_gitdir_rel(const struct review *r, size_t i);

/* Read every changed git dir's refs and commits (after the scan) */
void review_git_scan(struct review *r);

/* The lines of git dir @i under its heading */
void review_git_print(const struct review *r, size_t i);

/* Is @c held back from apply (a ref state change of a held git dir)? */
bool review_git_is_held(const struct review *r, const struct review_change *c);

/* One line per git dir held back, and why */
void review_git_say_held(const struct review *r, bool at_apply);

/* One review.git event per changed git dir */
void review_git_log(struct review *r);

void review_git_free(struct review *r);

#endif /* HOST_REVIEWINT_H */

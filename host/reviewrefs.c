// SPDX-License-Identifier: MIT
/*
 * reviewrefs.c - a review's git refs as they were and as the run left them
 *
 * A git dir's files in the result are the upper layer's where the scan
 * found a change, else the project's (a deletion is a whiteout, listed as
 * a change). So the refs after the run are read through the change list:
 * a loose ref the upper layer wrote, else the project's, else the
 * packed-refs of that side. Every file is hostile input: regular files
 * only, bounded (REF_FILE_MAX, PACKED_MAX), read beneath their tree with
 * no symlink on the way (review_read_small()); symbolic refs are followed
 * SYMREF_DEPTH times at most and only to names under refs/; at most
 * REFS_MAX changed refs per git dir.
 */
#include "jail.h"
#include "parse/parse.h"
#include "host/host.h"
#include "host/reviewint.h"

#define SYMREF_DEPTH 5
#define PACKED_MAX   (64u << 20)
#define REF_FILE_MAX 4096
#define REFS_MAX     1000 /* changed refs per git dir */

/* ---- files of the result (the upper layer over the project) ---------- */

/* The last change of @rel (a deletion may be followed by an addition) */
static const struct review_change *change_at(const struct review *r,
					     const char *rel)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->c[mid].path, rel) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= r->n || strcmp(r->c[lo].path, rel))
		return NULL;
	while (lo + 1 < r->n && !strcmp(r->c[lo + 1].path, rel))
		lo++;
	return &r->c[lo];
}

/* @rel as it was (@is_new false) or as it is after the run */
int review_side_read(const struct review *r, bool is_new, const char *rel,
		     size_t max, uint8_t **buf, size_t *len)
{
	const struct review_change *c = is_new ? change_at(r, rel) : NULL;

	if (!c)
		return review_read_small(r->project_fd, rel, max, buf, len);
	if (c->kind == 'D')
		return -ENOENT;
	if (c->new_t != REVIEW_FT_REG)
		return -EINVAL;
	return review_read_small(r->upper_fd, rel, max, buf, len);
}

/* ---- refs ------------------------------------------------------------ */

/*
 * The value of ref @name (or "HEAD") on side @is_new, symbolic refs
 * followed. @target, when not NULL, is set to the first symbolic target.
 * Return: 1 (@id set), 0 (no such ref), or -errno
 */
/* Does ref @name of a linked worktree live in its common dir? */
static bool is_common_ref(const struct review_refs *w, const char *name)
{
	return w->common && !strncmp(name, "refs/", 5) &&
	       strncmp(name, "refs/bisect/", 12) &&
	       strncmp(name, "refs/worktree/", 14) &&
	       strncmp(name, "refs/rewritten/", 15);
}

int review_ref_value(const struct review_refs *w, bool is_new, const char *name,
		     uint8_t id[GITOBJ_ID_LEN], char *target, size_t size)
{
	char cur[GITOBJ_REF_MAX + 1], next[GITOBJ_REF_MAX + 1];

	if (target)
		target[0] = '\0';
	snprintf(cur, sizeof(cur), "%s", name);
	for (int hop = 0; hop < SYMREF_DEPTH; hop++) {
		const struct review_refs *at = is_common_ref(w, cur) ?
						       w->common : w;
		autofree char *rel = xasprintf("%s/%s", at->gitdir, cur);
		autofree uint8_t *buf = NULL;
		size_t len = 0;
		int err = review_side_read(w->r, is_new, rel, REF_FILE_MAX,
					   &buf, &len);

		if (err == -ENOENT || err == -ENOTDIR)
			return at->packed[is_new] ?
				       gitobj_packed_find(at->packed[is_new],
							  at->packed_len[is_new],
							  cur, id) :
				       0;
		if (err < 0)
			return err;
		err = gitobj_parse_ref(buf, len, id, next, sizeof(next));
		if (err != 2)
			return err;
		if (strncmp(next, "refs/", 5))
			return -EBADMSG;
		if (target && !target[0])
			snprintf(target, size, "%s", next);
		memcpy(cur, next, sizeof(cur));
	}
	return -ELOOP;
}

/* A ref's name for a person: "main", "tag v1", "origin/main" */
void review_ref_label(const char *name, char *out, size_t size)
{
	char s[GITOBJ_REF_MAX * 4 + 1];

	if (!strncmp(name, "refs/heads/", 11))
		name += 11;
	else if (!strncmp(name, "refs/remotes/", 13))
		name += 13;
	str_printable(s, sizeof(s), name, 80, 0);
	snprintf(out, size, "%s%s",
		 !strncmp(name, "refs/tags/", 10) ? "tag " : "",
		 !strncmp(name, "refs/tags/", 10) ? s + 10 : s);
}

static void add_name(char ***v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name))
			return;
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (!*v)
		die("out of memory");
	(*v)[(*n)++] = xstrdup(name);
}

/* The names of packed-refs entries that differ between the two sides */
static int packed_diff(struct review_refs *w, char ***v, size_t *n)
{
	for (int side = 0; side < 2; side++) {
		struct cursor c = {w->packed[side], w->packed_len[side]};
		char name[GITOBJ_REF_MAX + 1];
		uint8_t id[GITOBJ_ID_LEN], other[GITOBJ_ID_LEN];
		int err;

		while ((err = gitobj_packed_next(&c, name, sizeof(name), id)) ==
		       1) {
			int has = w->packed[!side] ?
					  gitobj_packed_find(w->packed[!side],
							     w->packed_len[!side],
							     name, other) :
					  0;

			if (has < 0)
				return has;
			if (!has || memcmp(id, other, sizeof(id)))
				add_name(v, n, name);
			if (*n > REFS_MAX)
				return -E2BIG;
		}
		if (err < 0)
			return err;
	}
	return 0;
}

/* The names of every ref that may have changed: loose and packed */
int review_refs_changed(struct review_refs *w, char ***v, size_t *n)
{
	size_t gl = strlen(w->gitdir);
	autofree char *rel = xasprintf("%s/packed-refs", w->gitdir);
	const struct review_change *pr;
	int err;

	for (size_t i = 0; i < w->r->n; i++) {
		const struct review_change *c = &w->r->c[i];
		const char *rest;

		if (strncmp(c->path, w->gitdir, gl) || c->path[gl] != '/')
			continue;
		rest = c->path + gl + 1;
		if (strncmp(rest, "refs/", 5))
			continue;
		if (c->old_t != REVIEW_FT_REG && c->new_t != REVIEW_FT_REG)
			continue;
		if (!gitobj_ref_name_ok(rest))
			return -EBADMSG;
		add_name(v, n, rest);
		if (*n > REFS_MAX)
			return -E2BIG;
	}
	pr = change_at(w->r, rel);
	err = review_refs_load(w);
	if (err < 0)
		return err;
	return pr ? packed_diff(w, v, n) : 0;
}

int review_refs_load(struct review_refs *w)
{
	autofree char *rel = xasprintf("%s/packed-refs", w->gitdir);

	for (int side = 0; side < 2; side++) {
		int err;

		if (w->packed[side])
			continue;
		err = review_side_read(w->r, side, rel, PACKED_MAX,
				       &w->packed[side], &w->packed_len[side]);
		if (err < 0 && err != -ENOENT)
			return err;
	}
	return 0;
}

/* Is the git dir's repository SHA-256 (extensions.objectFormat)? */
bool review_is_sha256(const struct review *r, const char *gitdir)
{
	autofree char *rel = xasprintf("%s/config", gitdir);
	autofree uint8_t *buf = NULL;
	struct gitrd_state st;
	static struct gitrd_entry e;
	size_t len;

	if (review_side_read(r, true, rel, 1 << 20, &buf, &len) < 0)
		return false;
	gitrd_init(&st, (const char *)buf, len);
	while (gitrd_next(&st, &e) == 1)
		if (!strcmp(e.section, "extensions") &&
		    !strcmp(e.name, "objectformat") &&
		    !strcasecmp(e.value, "sha256"))
			return true;
	return false;
}

/* Did anything of the ref state change: HEAD, refs/, packed-refs? */
bool review_refs_touched(const struct review *r, const char *rel)
{
	size_t gl = strlen(rel);

	for (size_t i = 0; i < r->n; i++) {
		const char *p = r->c[i].path;

		if (strncmp(p, rel, gl) || p[gl] != '/')
			continue;
		p += gl + 1;
		if (!strcmp(p, "HEAD") || !strcmp(p, "packed-refs") ||
		    !strncmp(p, "refs/", 5))
			return true;
	}
	return false;
}

void review_refs_free(struct review_refs *w)
{
	free(w->packed[0]);
	free(w->packed[1]);
}

// SPDX-License-Identifier: MIT
/*
 * reviewsub.c - the git dirs inside a review's git dir: submodules'
 * (.git/modules/NAME, nested: .git/modules/A/modules/B) and linked
 * worktrees' (.git/worktrees/NAME)
 *
 * Each is a repository of its own (a submodule) or a HEAD and index of
 * its own over its common dir's refs and objects (a worktree): a commit
 * made there, or a change staged there, lands on the host like one in
 * the project's .git. reviewgit.c walks each one this finds among the
 * run's changes. A submodule's name may hold '/': the git dir is the
 * shortest directory below modules/ that held a HEAD file before the
 * run, else the shortest that holds one after it (read beneath the
 * project and the upper layer, no symlink followed).
 * At most SUBS_MAX per git dir; more is an error (the caller holds).
 * Also here: which git dir a changed path lies in, and whether apply
 * holds it back.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"
#include "host/reviewint.h"

#define SUBS_MAX 64
#define LINKS_MAX 256	/* gitlink commits per submodule */

/* Does @rel/HEAD exist as a regular file beneath @root? */
static bool holds_head(int root, const char *rel)
{
	autofree char *head = xasprintf("%s/HEAD", rel);
	autoclose int fd = review_open_beneath(root, head, O_PATH | O_CLOEXEC);
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* The sub git dir already found that @path lies in (the deepest) */
static const struct review_subgit *known(const struct review_subgit *v,
					 size_t n, const char *path)
{
	const struct review_subgit *best = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i].rel);

		if (!strncmp(path, v[i].rel, l) && path[l] == '/' &&
		    (!best || l > strlen(best->rel)))
			best = &v[i];
	}
	return best;
}

static int add(struct review_subgit **v, size_t *n, const char *path,
	       size_t len, const char *common, const char *top)
{
	struct review_subgit *s;
	const char *name = path + strlen(top) + 1;
	bool is_wt;

	if (*n == SUBS_MAX)
		return -E2BIG;
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (!*v)
		die("out of memory");
	s = &(*v)[(*n)++];
	memset(s, 0, sizeof(*s));
	s->rel = xasprintf("%.*s", (int)len, path);
	s->common = common ? xstrdup(common) : NULL;
	is_wt = common != NULL;
	/* "modules/a/modules/b" reads "submodule a/modules/b" */
	if (!strncmp(name, "modules/", 8))
		name += 8;
	else if (!strncmp(name, "worktrees/", 10))
		name += 10;
	s->label = xasprintf("%s %.*s", is_wt ? "worktree" : "submodule",
			     (int)(len - (size_t)(name - path)), name);
	return 0;
}

/*
 * The sub git dir @path lies in, below @base (a git dir, @path's
 * prefix): its length, 0 (none), and *@is_wt for a worktree's. With
 * @after, also one the run made (a HEAD in the upper layer)
 */
static size_t step(const struct review *r, const char *path,
		   const char *base, bool after, bool *is_wt)
{
	size_t bl = strlen(base);
	const char *rest = path + bl + 1;

	*is_wt = !strncmp(rest, "worktrees/", 10);
	if (strncmp(rest, "modules/", 8) && !*is_wt)
		return 0;
	for (int i = 0; i < 1 + after; i++) {
		int root = i ? r->upper_fd : r->project_fd;

		for (const char *e = strchr(rest + (*is_wt ? 10 : 8), '/'); e;
		     e = strchr(e + 1, '/')) {
			autofree char *cand = xasprintf("%.*s", (int)(e - path),
							path);

			if (holds_head(root, cand))
				return (size_t)(e - path);
			if (*is_wt)
				break;	/* a worktree's name is one component */
		}
	}
	return 0;
}

/* review_git_subdirs()'s sweep over the changes, adding to @out */
static int find_subdirs(const struct review *r, const char *gitdir,
			bool after, struct review_subgit **out, size_t *n)
{
	size_t gl = strlen(gitdir);

	for (size_t i = 0; i < r->n; i++) {
		const char *path = r->c[i].path;
		const struct review_subgit *k;
		const char *base = gitdir;
		size_t len;
		bool is_wt;

		if (strncmp(path, gitdir, gl) || path[gl] != '/')
			continue;
		k = known(*out, *n, path);
		if (k)
			base = k->rel;
		/* Down through nested submodules and their worktrees */
		while ((len = step(r, path, base, after, &is_wt)) > 0) {
			autofree char *common = is_wt ? xstrdup(base) : NULL;
			int err = add(out, n, path, len, common, gitdir);

			if (err < 0)
				return err;
			base = (*out)[*n - 1].rel;
		}
	}
	return 0;
}

int review_git_subdirs(const struct review *r, const char *gitdir,
		       struct review_subgit **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	/* The git dirs there before the run first: a HEAD the run planted
	 * higher up ("modules/a/HEAD" over submodule "a/b") cannot hide one */
	for (int after = 0; after < 2; after++) {
		int err = find_subdirs(r, gitdir, after, out, n);

		if (err < 0)
			return err;
	}
	return 0;
}

/* The entry at @path of tree @tree: 1 (@id, @mode set), 0, or -errno */
static int tree_entry(struct review_store *s, const uint8_t *tree,
		      const char *path, uint8_t id[GITOBJ_ID_LEN],
		      unsigned int *mode)
{
	memcpy(id, tree, GITOBJ_ID_LEN);
	*mode = 040000;
	for (const char *p = path; *p;) {
		size_t cl = strcspn(p, "/");
		autofree uint8_t *buf = NULL;
		struct gitobj_tree_entry e;
		enum gitobj_type t;
		size_t len;
		int err;

		if (*mode != 040000)
			return 0;
		err = review_store_read(s, id, &t, &buf, &len);
		if (err < 0)
			return err;
		if (t != GITOBJ_TREE)
			return -EBADMSG;
		err = gitobj_tree_find(buf, len, p, cl, &e);
		if (err <= 0)
			return err;
		memcpy(id, e.id, GITOBJ_ID_LEN);
		*mode = e.mode;
		p += cl + (p[cl] == '/');
	}
	return 1;
}

static int add_link(struct review_subgit *sg, const uint8_t id[GITOBJ_ID_LEN])
{
	for (size_t i = 0; i < sg->n_links; i++)
		if (!memcmp(sg->links[i], id, GITOBJ_ID_LEN))
			return 0;
	if (sg->n_links == LINKS_MAX)
		return -E2BIG;
	sg->links = realloc(sg->links, (sg->n_links + 1) * sizeof(*sg->links));
	if (!sg->links)
		die("out of memory");
	memcpy(sg->links[sg->n_links++], id, GITOBJ_ID_LEN);
	return 0;
}

/* A submodule directly under @gitdir: its name (its path, as git
 * makes it), or NULL */
static const char *module_name(const struct review_subgit *sg,
			       const char *gitdir)
{
	size_t gl = strlen(gitdir);

	if (sg->common || strncmp(sg->rel, gitdir, gl) ||
	    strncmp(sg->rel + gl, "/modules/", 9) ||
	    strstr(sg->rel + gl + 9, "/modules/"))
		return NULL;
	return sg->rel + gl + 9;
}

int review_git_links(struct review_subgit *v, size_t n, const char *gitdir,
		     struct review_store *store, const uint8_t *tree,
		     const char *path, const uint8_t *id)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = module_name(&v[i], gitdir);
		uint8_t link[GITOBJ_ID_LEN];
		unsigned int mode;
		int err;

		if (!name || (!tree && strcmp(name, path)))
			continue;
		if (!tree) {
			err = add_link(&v[i], id);
		} else {
			err = tree_entry(store, tree, name, link, &mode);
			if (err == 1)
				err = mode == 0160000 ? add_link(&v[i], link) : 0;
		}
		if (err < 0)
			return err;
	}
	return 0;
}

void review_git_subdirs_free(struct review_subgit *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].links);
		free(v[i].rel);
		free(v[i].common);
		free(v[i].label);
	}
	free(v);
}

/* ---- which git dir a path lies in ------------------------------------ */

size_t review_gitdir_len(const char *path)
{
	for (const char *p = path; *p;) {
		if (!strncmp(p, ".git/", 5) && p[5])
			return (size_t)(p - path) + 4;
		p = strchr(p, '/');
		if (!p)
			break;
		p++;
	}
	return 0;
}

int review_gitdir_of(const struct review *r, const char *path)
{
	size_t gl = review_gitdir_len(path);

	for (size_t i = 0; gl && i < r->n_git; i++)
		if (strlen(r->git[i].rel) == gl &&
		    !strncmp(r->git[i].rel, path, gl))
			return (int)i;
	return -1;
}

const char *review_gitdir_rel(const struct review *r, size_t i)
{
	return r->git[i].rel;
}

const char *review_git_rest_in(const struct review_gitdir *g,
			       const char *path)
{
	size_t gl = strlen(g->rel);

	for (size_t k = 0; k < g->n_subs; k++) {
		size_t sl = strlen(g->subs[k].rel);

		if (sl > gl && !strncmp(path, g->subs[k].rel, sl) &&
		    path[sl] == '/')
			gl = sl;
	}
	return path + gl + 1;
}

bool review_git_is_held(const struct review *r, const struct review_change *c)
{
	int i = review_gitdir_of(r, c->path);
	const char *p;

	if (i < 0 || !r->git[i].is_held)
		return false;
	/* Objects are inert, a submodule's too; objects/info/alternates
	 * is not an object */
	p = review_git_rest_in(&r->git[i], c->path);
	return strncmp(p, "objects/", 8) != 0 ||
	       !strncmp(p, "objects/info/", 13);
}

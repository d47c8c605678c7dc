// SPDX-License-Identifier: MIT
/*
 * githead.c - a commit made inside that carries a protected path, which
 * host git would write into the working tree (gitguard.c step 4)
 *
 * Refs are shared with the host, so a commit made inside lands as it is
 * made. One that adds `.claude/settings.json` or a hook under
 * core.hooksPath does not write the file (it is protected), but host
 * git does, on the person's word alone: `git stash` and `git reset
 * --hard` make the working tree match HEAD, `git stash pop` the last
 * stash, `git reset --hard ORIG_HEAD` (the undo of a rebase) ORIG_HEAD's.
 * So the commits HEAD, refs/stash and ORIG_HEAD name in each git dir with a
 * work tree (a .git, a linked worktree's dir, a submodule's: gittrees.c;
 * shared refs and objects in its common dir) are noted before the jail
 * starts, and when one moved,
 * each protected path of that work tree (the default list and the
 * protected paths below it) is looked up in the commit now named: a file
 * there or below it (or a `.claude` symlink above it) that neither the
 * work tree nor HEAD's commit at the start holds is what host git would
 * write, and is named in one warning line and logged
 * (git.protected_commit). The commit stays (it is the person's branch);
 * the warning says what host command would write what. Every other ref
 * written during the run is looked at the same way at exit (a tag, a
 * remote-tracking ref: `git checkout v1`, `git switch -c x origin/main`
 * and `git reset --hard v1` write its tree), found by its ctime (loose)
 * or by a value packed-refs did not hold at start: no work at start
 * beyond the small packed-refs read there already.
 *
 * The same lookup judges the commits a rebase, am or cherry-pick state
 * dir from the jail names, before it is copied back (gitstate.c, through
 * githead.h).
 *
 * Refs and objects are read as hostile input: beneath the git dir
 * without symlinks, bounded, objects with their hash checked
 * (reviewobj.c), trees parsed by gitobj.c.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <stdio.h>

#include "jail.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "host/host.h"
#include "host/gitguard.h"
#include "host/githead.h"
#include "host/reviewint.h"
#include "parse/gitobj.h"
#include "parse/parse.h"

#define REF_BYTES 4096		/* a loose ref */
#define PACKED_BYTES (64 << 20)	/* packed-refs at exit */
#define START_PACKED_BYTES (1 << 20)	/* packed-refs at start */
#define REF_HOPS 5		/* symbolic refs followed */
#define PATH_DEPTH 32		/* components of a path looked up */
#define LOOK_MAX 4096		/* entries looked at per ref and path */
#define BLOB_BYTES (16 << 20)	/* a work tree file hashed */
#define PEEL_HOPS 8		/* annotated tags of tags followed */
#define STATE_TEXT_BYTES (1 << 20)	/* FETCH_HEAD and the like */

static const char *const watched[GITHEAD_REFS] = { "HEAD", "refs/stash",
						   "ORIG_HEAD" };
/* What host git command writes each one's tree into the working tree */
static const char *const writers[GITHEAD_REFS] = {
	"reset --hard, stash or checkout", "stash pop", "reset --hard ORIG_HEAD"
};

/* A git dir's refs: its descriptor, its common dir's (a linked
 * worktree's shared refs, packed-refs), packed-refs read once if needed */
struct refs {
	int gfd;
	int cfd;
	uint8_t *packed;
	size_t len;
	size_t max;		/* bytes of packed-refs read at most */
	int err;		/* of reading packed-refs; 1: not read yet */
};

/* @name's value in packed-refs. Return: 0 or -errno */
static int packed_value(struct refs *w, const char *name,
			uint8_t id[GITOBJ_ID_LEN])
{
	int r;

	if (w->err == 1) {
		w->packed = gitguard_read_hostile(w->cfd, "packed-refs",
						  w->max, &w->len);
		w->err = w->packed ? 0 : -errno;
	}
	if (w->err < 0)
		return w->err;
	r = gitobj_packed_find(w->packed, w->len, name, id);
	return r == 1 ? 0 : r < 0 ? r : -ENOENT;
}

/* Where ref @name lies: a worktree's own refs in its git dir, the rest
 * in the common dir */
static int dir_of_ref(const struct refs *w, const char *name)
{
	static const char *const own[] = { "refs/worktree/", "refs/bisect/",
					   "refs/rewritten/" };

	if (!strchr(name, '/'))
		return w->gfd;
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		if (!strncmp(name, own[i], strlen(own[i])))
			return w->gfd;
	return w->cfd;
}

/* The commit @name (HEAD or a ref) names. Return: 0 or -errno */
static int resolve(struct refs *w, const char *name,
		   uint8_t id[GITOBJ_ID_LEN])
{
	char cur[GITOBJ_REF_MAX + 1];
	char target[GITOBJ_REF_MAX + 1];

	snprintf(cur, sizeof(cur), "%s", name);
	for (int hop = 0; hop < REF_HOPS; hop++) {
		size_t len = 0;
		autofree uint8_t *buf = gitguard_read_hostile(dir_of_ref(w, cur),
							      cur, REF_BYTES,
							      &len);
		int r;

		if (!buf)
			return errno == ENOENT ? packed_value(w, cur, id) :
						 -errno;
		r = gitobj_parse_ref(buf, len, id, target, sizeof(target));
		if (r == 1)
			return 0;
		if (r != 2 || strncmp(target, "refs/", 5) ||
		    !gitobj_ref_name_ok(target))
			return -EBADMSG;
		memcpy(cur, target, sizeof(cur));
	}
	return -ELOOP;
}

/*
 * Each watched ref of git dir @gfd into @has and @id. At the start
 * (@is_start) a small packed-refs is read for HEAD's branch only: a
 * stash is loose where one was made lately, and a ref not found there
 * counts as moved at exit, compared with the work tree alone.
 */
static void resolve_all(int gfd, int cfd, bool is_start,
			bool has[GITHEAD_REFS],
			uint8_t id[GITHEAD_REFS][GITOBJ_ID_LEN])
{
	struct refs w = { .gfd = gfd, .cfd = cfd, .err = 1,
			  .max = is_start ? START_PACKED_BYTES : PACKED_BYTES };

	for (size_t k = 0; k < GITHEAD_REFS; k++) {
		if (is_start && k > 0)
			w.err = -ENOENT;
		has[k] = resolve(&w, watched[k], id[k]) == 0;
	}
	free(w.packed);
}

/*
 * The common dir of git dir @gfd at @dir: the one its commondir file
 * names (a linked worktree's), else its own (a new descriptor either way)
 */
static int common_fd(const char *dir, int gfd)
{
	size_t len = 0;
	autofree uint8_t *buf = gitguard_read_hostile(gfd, "commondir",
						      PATH_MAX, &len);
	autofree char *path = NULL;
	char s[PATH_MAX];

	if (!buf || gitdirs_parse_pointer((const char *)buf, len, "", s,
					  sizeof(s)) <= 0)
		return openat(gfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	path = s[0] == '/' ? xstrdup(s) : xasprintf("%s/%s", dir, s);
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Is git dir @gfd its own common dir (no commondir file)? */
static bool is_common(int gfd)
{
	struct stat st;

	return fstatat(gfd, "commondir", &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	       errno == ENOENT;
}

/* The branches' values at start, where packed-refs is small */
static void note_packed(struct githead *h, int cfd)
{
	h->packed = gitguard_read_hostile(cfd, "packed-refs",
					  START_PACKED_BYTES, &h->packed_len);
	h->is_packed_read = h->packed || errno == ENOENT;
}

void githead_note(struct gitguard *g)
{
	g->heads = xcalloc(g->n_dirs, sizeof(*g->heads));
	for (size_t i = 0; i < g->n_dirs; i++) {
		autoclose int gfd = -1;
		autoclose int cfd = -1;

		if (!g->top[i])
			continue;
		gfd = open(g->dir[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		cfd = gfd >= 0 ? common_fd(g->dir[i], gfd) : -1;
		if (cfd >= 0)
			resolve_all(gfd, cfd, true, g->heads[i].has,
				    g->heads[i].id);
		if (cfd >= 0 && is_common(gfd))
			note_packed(&g->heads[i], cfd);
	}
}

/* One object of @type, whole: 0 or -errno; caller frees *@buf */
static int read_typed(struct review_store *s, const uint8_t id[GITOBJ_ID_LEN],
		      enum gitobj_type want, uint8_t **buf, size_t *len)
{
	enum gitobj_type type;
	int err = review_store_read(s, id, &type, buf, len);

	if (err == 0 && type != want) {
		free(*buf);
		*buf = NULL;
		return -EBADMSG;
	}
	return err;
}

/* What stands at @rel in @commit's tree */
struct at_path {
	bool found;
	unsigned int mode;
	uint8_t id[GITOBJ_ID_LEN];
	size_t depth;		/* components gone down */
};

/*
 * The tree object @id names: a commit's, a tree itself, or what the
 * annotated tags on the way name (`git checkout t -- .` writes a tree's
 * files as well as a commit's).
 * Return: 0, -ENOTDIR for a blob (no checkout writes one), or -errno
 */
static int root_tree(struct review_store *s, const uint8_t id[GITOBJ_ID_LEN],
		     uint8_t tree[GITOBJ_ID_LEN])
{
	uint8_t cur[GITOBJ_ID_LEN];

	memcpy(cur, id, GITOBJ_ID_LEN);
	for (int hop = 0; hop < PEEL_HOPS; hop++) {
		autofree uint8_t *buf = NULL;
		struct gitobj_commit c;
		enum gitobj_type type, to;
		size_t len = 0;
		int err = review_store_read(s, cur, &type, &buf, &len);

		if (err < 0)
			return err;
		if (type == GITOBJ_TREE) {
			memcpy(tree, cur, GITOBJ_ID_LEN);
			return 0;
		}
		if (type == GITOBJ_COMMIT) {
			err = gitobj_parse_commit(buf, len, &c);
			if (err == 0)
				memcpy(tree, c.tree, GITOBJ_ID_LEN);
			return err;
		}
		if (type != GITOBJ_TAG)
			return -ENOTDIR;
		err = gitobj_parse_tag(buf, len, cur, &to);
		if (err < 0)
			return err;
	}
	return -ELOOP;
}

/*
 * The entry at @rel in @commit's tree, or the first one on the way that
 * is not a tree (a symlink or file where a directory is named).
 * Return: 0 (@a->found says whether there is one) or -errno
 */
static int entry_at(struct review_store *s, const uint8_t commit[GITOBJ_ID_LEN],
		    const char *rel, struct at_path *a)
{
	autofree uint8_t *buf = NULL;
	uint8_t tree[GITOBJ_ID_LEN];
	size_t len = 0;
	int err = root_tree(s, commit, tree);

	*a = (struct at_path){ .found = false };
	if (err < 0)
		return err;
	for (const char *p = rel; a->depth < PATH_DEPTH; a->depth++) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		struct gitobj_tree_entry e = { 0 };

		free(buf);
		buf = NULL;
		err = read_typed(s, tree, GITOBJ_TREE, &buf, &len);
		if (err < 0)
			return err;
		err = gitobj_tree_find(buf, len, p, n, &e);
		if (err <= 0)
			return err;
		if (!e.id)
			return -EBADMSG;
		if (!slash || e.mode != 040000) {
			a->found = true;
			a->mode = e.mode;
			memcpy(a->id, e.id, GITOBJ_ID_LEN);
			return 0;
		}
		memcpy(tree, e.id, GITOBJ_ID_LEN);
		p = slash + 1;
	}
	return -E2BIG;
}

/* What a check of one ref compares with */
struct look {
	struct review_store *s;
	const uint8_t *before;	/* HEAD's commit at the start, or NULL */
	int top_fd;		/* the work tree, O_PATH */
	size_t n;		/* entries looked at */
};

static size_t depth_of(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

/* Is blob @id (a file, or a symlink by @mode) what the work tree holds
 * at @path? Read beneath it without following a symlink, bounded */
static bool in_work_tree(int top_fd, const char *path, unsigned int mode,
			 const uint8_t id[GITOBJ_ID_LEN])
{
	autofree uint8_t *buf = NULL;
	autofree uint8_t *obj = NULL;
	uint8_t md[GITOBJ_ID_LEN];
	size_t len = 0, hl;
	char hdr[32];

	if (mode == 0120000) {
		autoclose int fd = openat2_fd(top_fd, path,
					      O_PATH | O_NOFOLLOW,
					      GITGUARD_RESOLVE);
		ssize_t n;

		buf = xmalloc(PATH_MAX);
		n = fd < 0 ? -1 : readlinkat(fd, "", (char *)buf, PATH_MAX);
		if (n < 0)
			return false;
		len = (size_t)n;
	} else {
		buf = gitguard_read_hostile(top_fd, path, BLOB_BYTES, &len);
		if (!buf)
			return false;
	}
	hl = (size_t)snprintf(hdr, sizeof(hdr), "blob %zu", len) + 1;
	obj = xmalloc(hl + len + 1);
	memcpy(obj, hdr, hl);
	memcpy(obj + hl, buf, len);
	return crypto_sha1(obj, hl + len, md) == 0 &&
	       !memcmp(md, id, GITOBJ_ID_LEN);
}

/*
 * Does the entry @id (of @mode) at @path, or one below it, carry what
 * neither the work tree nor HEAD's commit at the start holds there?
 * What host git would write. Unreadable, or too large to look at: it
 * does.
 */
static bool carries(struct look *l, const char *path, unsigned int mode,
		    const uint8_t id[GITOBJ_ID_LEN])
{
	autofree uint8_t *buf = NULL;
	struct gitobj_tree_entry e;
	struct at_path b;
	struct cursor c;
	size_t len = 0;
	int r;

	if (++l->n > LOOK_MAX || depth_of(path) >= PATH_DEPTH)
		return true;
	if (mode != 040000) {
		if (l->before && entry_at(l->s, l->before, path, &b) == 0 &&
		    b.found && b.depth == depth_of(path) && b.mode == mode &&
		    !memcmp(b.id, id, GITOBJ_ID_LEN))
			return false;
		/* A gitlink writes no file; its repository is judged */
		return mode != 0160000 &&
		       !in_work_tree(l->top_fd, path, mode, id);
	}
	if (read_typed(l->s, id, GITOBJ_TREE, &buf, &len) < 0)
		return true;
	c = (struct cursor){ buf, len };
	while ((r = gitobj_tree_next(&c, &e)) == 1) {
		autofree char *sub = xasprintf("%s/%.*s", path,
					       (int)e.name_len, e.name);

		if (carries(l, sub, e.mode, e.id))
			return true;
	}
	return r < 0;
}

/* Does @now carry at protected @rel (or above it) what host git would
 * write? */
static bool carries_at(struct look *l, const uint8_t now[GITOBJ_ID_LEN],
		       const char *rel)
{
	struct at_path a;
	autofree char *at = NULL;
	const char *p = rel;
	int err = entry_at(l->s, now, rel, &a);

	if (err == -ENOTDIR)
		return false;	/* a ref naming a blob: nothing is checked out */
	if (err < 0)
		return true;
	if (!a.found)
		return false;
	/* A file or symlink above the protected path: that entry */
	for (size_t i = 0; i < a.depth && p; i++)
		if ((p = strchr(p, '/')))
			p++;
	at = p && a.depth < depth_of(rel) ?
		     xasprintf("%.*s", (int)(p - rel - 1), rel) :
		     xstrdup(rel);
	return carries(l, at, a.mode, a.id);
}

/*
 * A stash (refs/stash, a rebase's or merge's autostash): `git stash pop`
 * also restores its untracked files (its third parent's tree) and, with
 * --index, its index (the second's). Does @id or one of those carry at
 * @rel what host git would write?
 */
static bool stash_carries_at(struct look *l, const uint8_t id[GITOBJ_ID_LEN],
			     const char *rel)
{
	autofree uint8_t *buf = NULL;
	struct gitobj_commit c;
	size_t len = 0;

	if (carries_at(l, id, rel))
		return true;
	if (read_typed(l->s, id, GITOBJ_COMMIT, &buf, &len) < 0 ||
	    gitobj_parse_commit(buf, len, &c) < 0)
		return true;
	for (size_t k = 1; k < c.n_parents && k < 3; k++)
		if (carries_at(l, c.parent[k], rel))
			return true;
	return false;
}

static bool is_stash(const char *ref)
{
	size_t n = strlen(ref);

	return !strncmp(ref, "refs/stash", 10) ||
	       (n >= 9 && !strcasecmp(ref + n - 9, "autostash"));
}

/* One git dir's check at exit */
struct githead_dir {
	const struct jail_run *run;
	const char *gitdir;
	const char *top;
	int cfd;
	struct refs refs;	/* its own refs, for githead_resolve() */
	struct look l;
	char *prot[JAIL_MAX_MOUNTS + 64];
	size_t n_prot;
	bool is_open;
};

/* The object store, the work tree and the protected paths, once */
static void check_open(struct githead_dir *ck)
{
	if (ck->is_open)
		return;
	ck->is_open = true;
	ck->l.s = review_store_open_dir(openat(ck->cfd, "objects",
					       O_RDONLY | O_DIRECTORY |
						       O_CLOEXEC));
	ck->l.top_fd = open(ck->top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck->n_prot = gitstage_protected(ck->run->cfg, ck->top, ck->prot,
					ARRAY_SIZE(ck->prot));
}

/* Say each protected path commit @id, which @ref (in @gitdir) names
 * now, carries; @how: the host git command that would write it */
static void check_commit(struct githead_dir *ck,
			 const uint8_t id[GITOBJ_ID_LEN], const char *ref,
			 const char *how)
{
	uint8_t tree[GITOBJ_ID_LEN];
	int err;

	check_open(ck);
	/*
	 * A commit that cannot be read here (its objects elsewhere, through
	 * objects/info/alternates, or broken) carries anything as far as
	 * this check knows: said once, not once per protected path
	 */
	err = root_tree(ck->l.s, id, tree);
	if (err < 0 && err != -ENOTDIR) {
		autofree char *where = xasprintf("%s/%s", ck->gitdir, ref);
		autofree char *v = gitguard_shown(where);

		warn("git: \"%s\" now names a commit made during the run that "
		     "cannot be read here (%s): host git %s may write any "
		     "file into the working tree; look at it first (git show "
		     "%s)",
		     v, strerror(-err), how, ref);
		gitguard_audit(ck->run, "git.protected_commit", where,
			       "unreadable commit");
		return;
	}
	for (size_t p = 0; p < ck->n_prot; p++) {
		autofree char *where = NULL;
		autofree char *v = NULL;
		autofree char *r = NULL;

		if (!(is_stash(ref) ? stash_carries_at(&ck->l, id, ck->prot[p]) :
				      carries_at(&ck->l, id, ck->prot[p])))
			continue;
		where = xasprintf("%s/%s", ck->gitdir, ref);
		v = gitguard_shown(where);
		r = gitguard_shown(ck->prot[p]);
		warn("git: \"%s\" now names a commit made during the run that "
		     "carries protected \"%s\": host git %s would write it "
		     "into the working tree; look at it first (git show %s)",
		     v, r, how, ref);
		gitguard_audit(ck->run, "git.protected_commit", where,
			       ck->prot[p]);
	}
}

/* The name a person gives host git for @ref: v1, origin/main, main */
static const char *short_name(const char *ref)
{
	static const char *const prefixes[] = { "refs/heads/", "refs/tags/",
						"refs/remotes/" };

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(ref, prefixes[i], strlen(prefixes[i])))
			return ref + strlen(prefixes[i]);
	return ref;
}

/*
 * Refs looked at below refs/: all but the stash (watched like HEAD) and
 * replace refs (made during the run, they are removed afterwards)
 */
static bool is_looked_at(const char *ref)
{
	return strcmp(ref, "refs/stash") != 0 &&
	       strncmp(ref, "refs/replace/", strlen("refs/replace/")) != 0;
}

static void check_ref(struct githead_dir *ck, const char *ref,
		      const uint8_t id[GITOBJ_ID_LEN])
{
	autofree char *shown = gitguard_shown(short_name(ref));
	autofree char *how = xasprintf("checkout %s", shown);

	check_commit(ck, id, ref, how);
}

/*
 * Loose refs below refs/ (@fd, taken over) at @ref written during the
 * run (the kernel sets ctime) and not naming @head
 */
static void check_loose(struct githead_dir *ck, struct refs *w, int fd,
			const char *ref, time_t started,
			const uint8_t *head, int depth, size_t *n)
{
	DIR *d = fdopendir(fd);	/* owns @fd from here */
	struct dirent *e;

	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) && ++*n < LOOK_MAX) {
		autofree char *sub = NULL;
		uint8_t id[GITOBJ_ID_LEN];
		struct stat st;

		if (e->d_name[0] == '.' ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		sub = xasprintf("%s/%s", ref, e->d_name);
		if (S_ISDIR(st.st_mode) && depth < PATH_DEPTH) {
			int s = openat(dirfd(d), e->d_name,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					       O_NONBLOCK | O_CLOEXEC);

			if (s >= 0)
				check_loose(ck, w, s, sub, started, head,
					    depth + 1, n);
			continue;
		}
		if (!S_ISREG(st.st_mode) || st.st_ctim.tv_sec + 1 < started ||
		    !is_looked_at(sub) || strlen(sub) > GITOBJ_REF_MAX ||
		    resolve(w, sub, id) < 0 ||
		    (head && !memcmp(id, head, GITOBJ_ID_LEN)))
			continue;
		check_ref(ck, sub, id);
	}
	closedir(d);
}

/*
 * The refs a person checks out by name: `git checkout main` writes the
 * tree the jail moved main to, `git checkout v1` a tag's, `git switch -c
 * x origin/main` a remote-tracking ref's. Each ref below refs/ written
 * during the run (loose: by ctime; packed: a value not in packed-refs at
 * start) and not naming HEAD's commit (said above) is looked at.
 */
static void check_refs(struct githead_dir *ck, const struct githead *h,
		       time_t started, const uint8_t *head)
{
	struct refs w = { .gfd = ck->cfd, .cfd = ck->cfd, .err = 1,
			  .max = PACKED_BYTES };
	int fd = openat2_fd(ck->cfd, "refs",
			    O_RDONLY | O_DIRECTORY | O_NONBLOCK,
			    GITGUARD_RESOLVE);
	char ref[GITOBJ_REF_MAX + 1];
	uint8_t id[GITOBJ_ID_LEN], was[GITOBJ_ID_LEN];
	struct cursor c;
	size_t n = 0;
	struct stat st;

	if (fd >= 0)
		check_loose(ck, &w, fd, "refs", started, head, 0, &n);
	/* packed-refs not rewritten during the run: nothing packed moved */
	if (fstatat(ck->cfd, "packed-refs", &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_ctim.tv_sec + 1 < started)
		return;
	(void)packed_value(&w, "HEAD", id);	/* reads packed-refs once */
	if (w.err < 0)
		goto out;
	c = (struct cursor){ w.packed, w.len };
	while (n++ < LOOK_MAX &&
	       gitobj_packed_next(&c, ref, sizeof(ref), id) == 1) {
		if (strncmp(ref, "refs/", 5) || !is_looked_at(ref) ||
		    (head && !memcmp(id, head, GITOBJ_ID_LEN)) ||
		    fstatat(ck->cfd, ref, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue;	/* a loose one wins, looked at above */
		if (h->is_packed_read &&
		    gitobj_packed_find(h->packed, h->packed_len, ref, was) == 1 &&
		    !memcmp(was, id, GITOBJ_ID_LEN))
			continue;
		check_ref(ck, ref, id);
	}
out:
	free(w.packed);
}

/*
 * State files naming commits that a host command checks out or applies,
 * written during the run: `git merge --abort` (or the commit that ends
 * the merge) applies MERGE_AUTOSTASH like `git stash pop`, `git bisect
 * reset` checks out BISECT_START, `git merge FETCH_HEAD` merges its
 * lines
 */
static void check_state_ids(struct githead_dir *ck, int gfd, time_t started)
{
	static const char *const names[][2] = {
		{ "MERGE_AUTOSTASH", "merge --abort" },
		{ "BISECT_START", "bisect reset" },
		{ "FETCH_HEAD", "merge FETCH_HEAD" },
	};

	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		autofree uint8_t *buf = NULL;
		uint8_t id[GITOBJ_ID_LEN];
		struct cursor c;
		struct stat st;
		size_t len = 0, n = 0;

		if (fstatat(gfd, names[k][0], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_ctim.tv_sec + 1 < started)
			continue;
		buf = gitguard_read_hostile(gfd, names[k][0], STATE_TEXT_BYTES,
					    &len);
		c = (struct cursor){ buf, buf ? len : 0 };
		while (n++ < LOOK_MAX && gitstate_next_line_id(&c, id) == 1)
			check_commit(ck, id, names[k][0], names[k][1]);
	}
}

/*
 * The entries of the stash's reflog added during the run (beyond the
 * @before bytes it had when the jail ended, before the copy-back of
 * logs/): `git stash pop stash@{N}` applies an older one as well. The
 * newest is refs/stash itself, looked at above.
 */
static void check_stash_log(struct githead_dir *ck, off_t before,
			    const uint8_t *top)
{
	size_t len = 0, lines = 0, k = 0;
	autofree uint8_t *buf = gitguard_read_hostile(ck->cfd,
						      "logs/refs/stash",
						      PACKED_BYTES, &len);
	uint8_t id[GITOBJ_ID_LEN];
	struct cursor c;

	if (!buf || before < 0 || (size_t)before >= len)
		return;
	/* Not at a line's start: the host's own file changed; all of it */
	if (before && buf[before - 1] != '\n')
		before = 0;
	for (size_t i = (size_t)before; i < len; i++)
		lines += buf[i] == '\n';
	c = (struct cursor){ buf + before, len - (size_t)before };
	while (k < LOOK_MAX && reflog_next_new(&c, id) == 1) {
		autofree char *ref = xasprintf("refs/stash@{%zu}", lines - 1 - k);

		k++;
		if (!top || memcmp(id, top, GITOBJ_ID_LEN))
			check_commit(ck, id, ref, "stash pop");
	}
}

struct githead_dir *githead_dir_new(const struct jail_run *run,
				    const struct gitguard *g, size_t i)
{
	const struct githead *h = &g->heads[i];
	struct githead_dir *ck = xcalloc(1, sizeof(*ck));

	ck->run = run;
	ck->gitdir = g->dir[i];
	ck->top = g->top[i];
	ck->cfd = common_fd(g->dir[i], g->dir_fd[i]);
	ck->refs = (struct refs){ .gfd = g->dir_fd[i], .cfd = ck->cfd,
				  .err = 1, .max = PACKED_BYTES };
	ck->l = (struct look){ .before = h->has[0] ? h->id[0] : NULL,
			       .top_fd = -1 };
	if (ck->cfd < 0) {
		free(ck);
		return NULL;
	}
	return ck;
}

void githead_dir_free(struct githead_dir *ck)
{
	while (ck->n_prot--)
		free(ck->prot[ck->n_prot]);
	free(ck->refs.packed);
	review_store_free(ck->l.s);
	if (ck->l.top_fd >= 0)
		close(ck->l.top_fd);
	close(ck->cfd);
	free(ck);
}

char *githead_carried(struct githead_dir *ck, const uint8_t id[GITOBJ_ID_LEN],
		      bool is_stash_commit)
{
	check_open(ck);
	for (size_t p = 0; p < ck->n_prot; p++)
		if (is_stash_commit ? stash_carries_at(&ck->l, id, ck->prot[p]) :
				      carries_at(&ck->l, id, ck->prot[p]))
			return xstrdup(ck->prot[p]);
	return NULL;
}

int githead_resolve(struct githead_dir *ck, const char *ref,
		    uint8_t id[GITOBJ_ID_LEN])
{
	return resolve(&ck->refs, ref, id);
}

size_t githead_protected(struct githead_dir *ck, char *const **paths)
{
	check_open(ck);
	*paths = ck->prot;
	return ck->n_prot;
}

/* Git dir @i of @g: say each protected path a moved ref now carries;
 * @stash_len: the size of its stash's reflog before the copy-back */
static void check_dir(const struct jail_run *run, const struct gitguard *g,
		      size_t i, off_t stash_len)
{
	const struct githead *h = &g->heads[i];
	bool has[GITHEAD_REFS];
	uint8_t now[GITHEAD_REFS][GITOBJ_ID_LEN];
	struct githead_dir *ck = githead_dir_new(run, g, i);

	if (!ck)
		return;
	resolve_all(g->dir_fd[i], ck->cfd, false, has, now);
	for (size_t k = 0; k < GITHEAD_REFS; k++)
		if (has[k] && (!h->has[k] ||
			       memcmp(now[k], h->id[k], GITOBJ_ID_LEN)))
			check_commit(ck, now[k], watched[k], writers[k]);
	check_state_ids(ck, g->dir_fd[i], g->started);
	/* The refs are the common dir's: looked at from its own */
	if (is_common(g->dir_fd[i])) {
		check_refs(ck, h, g->started, has[0] ? now[0] : NULL);
		check_stash_log(ck, stash_len, has[1] ? now[1] : NULL);
	}
	githead_dir_free(ck);
}

void githead_check(const struct jail_run *run, const struct gitguard *g,
		   const off_t *stash_len)
{
	for (size_t i = 0; g->heads && i < g->n_dirs; i++)
		if (g->dir_fd[i] >= 0 && g->top[i])
			check_dir(run, g, i, stash_len[i]);
}

off_t githead_stash_log_len(int gfd)
{
	struct stat st;

	return fstatat(gfd, "logs/refs/stash", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			       S_ISREG(st.st_mode) ?
		       st.st_size :
		       0;
}

// SPDX-License-Identifier: MIT
/*
 * reviewgit.c - a review's git dirs told as commits, and the ref changes
 * apply holds back
 *
 * A commit made inside the jail is, in the upper layer, a handful of new
 * files under .git: objects, a ref, logs, the index. Listed one by one
 * they bury the project's own changes, and applied silently they land a
 * history that may add, delete or change a protected path (.envrc,
 * .gitmodules ...) which apply itself would have refused as a file: the
 * next checkout or reset on the host writes it. So for each git dir with
 * changes (the project's .git, a nested repository's), after the scan:
 *
 *  1. the refs whose value changed are found: loose refs changed in the
 *     upper layer, and the entries of packed-refs that differ; HEAD;
 *  2. from each new tip the commits are walked back (reviewobj.c reads
 *     them, hash-checked) until the old tip or a commit the project's own
 *     store holds: those are the new commits, listed with their subjects;
 *  3. each new commit's tree is compared with each parent's along every
 *     protected path (only the trees on those paths are read), and each
 *     moved ref's new tip with its old one;
 *  4. a changed index is compared with the project's along every
 *     protected path (reviewindex.c): what is staged is committed next;
 *  5. so is each submodule's and linked worktree's git dir inside it
 *     (reviewsub.c), protected paths relative to its work tree, with
 *     the submodule commits new gitlinks name (`submodule update`);
 *  6. if any of them touches a protected path, or anything could not be
 *     read within the bounds, apply holds back the git dir's ref state
 *     (everything but objects/, which is inert) unless the person asks
 *     for protected changes; the summary says which commit and path.
 *
 * Bounds: WALK_MAX new commits per review, FF_MAX old commits looked
 * through to tell a fast-forward, WALK_SECONDS in all, REFS_MAX changed
 * refs per git dir, LINES_MAX summary lines per git dir. SHA-256
 * repositories are not read: their ref changes are held back.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "jail.h"
#include "parse/parse.h"
#include "host/host.h"
#include "host/reviewint.h"

#define WALK_MAX     10000 /* new commits walked, per review */
#define FF_MAX	     1000  /* project commits looked through */
#define WALK_SECONDS 20	   /* reading commits, per review */
#define LINES_MAX    200   /* summary lines per git dir */
#define SHOWN_MAX    20	   /* commits listed per ref */
#define FLAGS_MAX    10	   /* protected-path lines per git dir */
#define PEEL_DEPTH   4
#define SEEN_SLOTS   32768 /* > WALK_MAX + FF_MAX, a power of two */

/* A set of commit ids with one state byte each (0: not in the set) */
struct id_set {
	uint8_t (*id)[GITOBJ_ID_LEN];
	uint8_t *state;
};

struct id_list {
	uint8_t (*v)[GITOBJ_ID_LEN];
	size_t n, cap;
};

/* What the analysis of one git dir carries */
struct gitwalk {
	struct review *r;
	struct review_gitdir *g;
	struct review_store *store;
	struct review_refs *refs;
	const char *where; /* "submodule x", or NULL: the git dir itself */
	/* The protected paths, relative to the work tree */
	const char *prot[REVIEW_MAX_PROTECT + 32];
	size_t n_prot;
	struct id_set walked;  /* commits of this ref's walk */
	struct id_set checked; /* new commits checked: 1 fine, 2 flagged */
	size_t n_flags;
	char **held; /* protected-path lines not yet added */
	size_t n_held;
	char first[200]; /* the first of them, for the apply line */
	int err;
	char why[256];
};

static size_t n_walked; /* per review_git_scan() */
static struct timespec deadline;

static void add_line(struct review_gitdir *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_line(struct review_gitdir *g, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (g->n_lines == LINES_MAX) {
		g->n_cut++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	g->lines = realloc(g->lines, (g->n_lines + 1) * sizeof(*g->lines));
	if (!g->lines)
		die("out of memory");
	g->lines[g->n_lines++] = s;
}

/* Remember the first failure; the git dir's refs are then held */
static void fail(struct gitwalk *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct gitwalk *w, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (w->err)
		return;
	w->err = err ? err : -EBADMSG;
	snprintf(w->why, sizeof(w->why), "%s%s", w->where ? w->where : "",
		 w->where ? ": " : "");
	n = strlen(w->why);
	va_start(ap, fmt);
	vsnprintf(w->why + n, sizeof(w->why) - n, fmt, ap);
	va_end(ap);
	n = strlen(w->why);
	if (err && n < sizeof(w->why))
		snprintf(w->why + n, sizeof(w->why) - n, " (%s)",
			 err == -EBADMSG ? "malformed or a wrong hash" :
					   strerror(-err));
}

/* The first protected change, for the apply line */
static void note_first(struct gitwalk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_first(struct gitwalk *w, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (w->first[0])
		return;
	snprintf(w->first, sizeof(w->first), "%s%s",
		 w->where ? w->where : "", w->where ? ": " : "");
	n = strlen(w->first);
	va_start(ap, fmt);
	vsnprintf(w->first + n, sizeof(w->first) - n, fmt, ap);
	va_end(ap);
}

static void short_id(const uint8_t id[GITOBJ_ID_LEN], char out[8])
{
	char hex[GITOBJ_HEX_LEN + 1];

	gitobj_id_hex(id, hex);
	memcpy(out, hex, 7);
	out[7] = '\0';
}

/* @s from inside, printable, at most 80 characters */
static void safe(char *out, size_t size, const char *s)
{
	str_printable(out, size, s, 80, 0);
}

/* ---- commits and trees ----------------------------------------------- */

static bool out_of_time(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec &&
						now.tv_nsec > deadline.tv_nsec);
}

/* An object of type @want. Return: 0 or -errno (-EBADMSG: another type) */
static int read_typed(struct gitwalk *w, const uint8_t id[GITOBJ_ID_LEN],
		      enum gitobj_type want, uint8_t **buf, size_t *len)
{
	enum gitobj_type t;
	int err = review_store_read(w->store, id, &t, buf, len);

	if (err < 0)
		return err;
	if (t != want) {
		free(*buf);
		*buf = NULL;
		return -EBADMSG;
	}
	return 0;
}

static int read_commit(struct gitwalk *w, const uint8_t id[GITOBJ_ID_LEN],
		       struct gitobj_commit *c)
{
	autofree uint8_t *buf = NULL;
	size_t len;
	int err = read_typed(w, id, GITOBJ_COMMIT, &buf, &len);

	return err < 0 ? err : gitobj_parse_commit(buf, len, c);
}

/* Follow annotated tags from @id to what they name. Return: its type */
static int peel(struct gitwalk *w, uint8_t id[GITOBJ_ID_LEN])
{
	for (int i = 0; i < PEEL_DEPTH; i++) {
		autofree uint8_t *buf = NULL;
		enum gitobj_type t;
		size_t len;
		int err = review_store_read(w->store, id, &t, &buf, &len);

		if (err < 0)
			return err;
		if (t != GITOBJ_TAG)
			return (int)t;
		err = gitobj_parse_tag(buf, len, id, &t);
		if (err < 0)
			return err;
	}
	return -ELOOP;
}

/*
 * Compare one protected @path between trees @a and @b (NULL: absent),
 * reading only the trees along it. Return: 0 (the same), 'A' (only in
 * @b), 'D' (only in @a), 'M' (both, different), or -errno
 */
static int path_differs(struct gitwalk *w, const uint8_t *a, const uint8_t *b,
			const char *path)
{
	uint8_t ta[GITOBJ_ID_LEN] = { 0 }, tb[GITOBJ_ID_LEN] = { 0 };

	for (const char *p = path; *p;) {
		size_t cl = strcspn(p, "/");
		struct gitobj_tree_entry ea = {0}, eb = {0};
		const uint8_t *sides[2] = {a, b};
		struct gitobj_tree_entry *es[2] = {&ea, &eb};
		bool last = p[cl] == '\0';

		if (a && b && !memcmp(a, b, GITOBJ_ID_LEN))
			return 0;
		for (int i = 0; i < 2; i++) {
			autofree uint8_t *buf = NULL;
			size_t len;
			int err;

			if (!sides[i])
				continue;
			err = read_typed(w, sides[i], GITOBJ_TREE, &buf, &len);
			if (err < 0)
				return err;
			err = gitobj_tree_find(buf, len, p, cl, es[i]);
			if (err < 0)
				return err;
			if (err == 1)
				memcpy(i ? tb : ta, es[i]->id, GITOBJ_ID_LEN);
			else
				es[i]->id = NULL;
		}
		a = ea.id ? ta : NULL;
		b = eb.id ? tb : NULL;
		if (!a || !b)
			return a == b ? 0 : a ? 'D' : 'A';
		if (last || ea.mode != 040000 || eb.mode != 040000)
			return ea.mode == eb.mode &&
					       !memcmp(a, b, GITOBJ_ID_LEN) ?
				       0 :
				       'M';
		p += cl + 1;
	}
	return 0;
}

/* The first protected path that differs between trees @a and @b */
static int protected_differs(struct gitwalk *w, const uint8_t *a,
			     const uint8_t *b, const char **which)
{
	for (size_t i = 0; i < w->n_prot; i++) {
		int d = path_differs(w, a, b, w->prot[i]);

		if (d) {
			*which = w->prot[i];
			return d;
		}
	}
	return 0;
}

static const char *verb(int d)
{
	return d == 'A' ? "adds" : d == 'D' ? "deletes" : "changes";
}

static void set_init(struct id_set *s)
{
	s->id = xcalloc(SEEN_SLOTS, sizeof(*s->id));
	s->state = xcalloc(SEEN_SLOTS, 1);
}

static void set_free(struct id_set *s)
{
	free(s->id);
	free(s->state);
}

/* The state byte of @id in @s (added with state 0), or NULL when full */
static uint8_t *set_slot(struct id_set *s, const uint8_t id[GITOBJ_ID_LEN])
{
	size_t h = ((size_t)id[0] << 16 | (size_t)id[1] << 8 | id[2]) &
		   (SEEN_SLOTS - 1);

	for (size_t i = 0; i < SEEN_SLOTS;
	     i++, h = (h + 1) & (SEEN_SLOTS - 1)) {
		if (!s->state[h]) {
			memcpy(s->id[h], id, GITOBJ_ID_LEN);
			return &s->state[h];
		}
		if (!memcmp(s->id[h], id, GITOBJ_ID_LEN))
			return &s->state[h];
	}
	return NULL;
}

static void push_id(struct id_list *l, const uint8_t id[GITOBJ_ID_LEN])
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die("out of memory");
	}
	memcpy(l->v[l->n++], id, GITOBJ_ID_LEN);
}

/* Check new commit @id (@c read) against its parents */
static bool check_commit(struct gitwalk *w, const uint8_t id[GITOBJ_ID_LEN],
			 const struct gitobj_commit *c)
{
	const char *which = NULL;
	int d = 0;

	for (size_t i = 0; i < c->n_parents && !d; i++) {
		struct gitobj_commit p;
		int err = read_commit(w, c->parent[i], &p);

		if (err < 0) {
			char s[8];

			short_id(c->parent[i], s);
			fail(w, err, "commit %s could not be read", s);
			return false;
		}
		d = protected_differs(w, p.tree, c->tree, &which);
	}
	if (!c->n_parents)
		d = protected_differs(w, NULL, c->tree, &which);
	/* The submodule commits it names are checked in their walks */
	if (d >= 0 && review_git_links(w->g->subs, w->g->n_subs,
				       w->refs->gitdir, w->store, c->tree,
				       NULL, NULL) < 0) {
		fail(w, 0, "the gitlinks of a commit could not be read, or "
			   "too many");
		return false;
	}
	if (d < 0) {
		fail(w, d, "a tree could not be read");
		return false;
	}
	if (d && w->n_flags++ < FLAGS_MAX) {
		char s[8], subj[GITOBJ_SUBJECT_MAX * 4 + 1], p[PATH_MAX];

		short_id(id, s);
		safe(subj, sizeof(subj), c->subject);
		safe(p, sizeof(p), which);
		note_first(w, "commit %s %s protected %.120s", s, verb(d), p);
		w->held = realloc(w->held, (w->n_held + 1) * sizeof(char *));
		if (!w->held)
			die("out of memory");
		w->held[w->n_held++] = xasprintf("! commit %s \"%s\" %s "
						 "protected %s",
						 s, subj, verb(d), p);
	}
	return d != 0;
}

/* Is @old an ancestor of the project commits in @from (FF_MAX at most)? */
static bool reaches(struct gitwalk *w, const struct id_list *from,
		    const uint8_t old[GITOBJ_ID_LEN])
{
	struct id_list q = {0};
	bool found = false;

	for (size_t i = 0; i < from->n; i++)
		push_id(&q, from->v[i]);
	for (size_t i = 0; i < q.n && i < FF_MAX && !found; i++) {
		struct gitobj_commit c;

		if (!memcmp(q.v[i], old, GITOBJ_ID_LEN))
			found = true;
		else if (read_commit(w, q.v[i], &c) == 0)
			for (size_t k = 0; k < c.n_parents; k++)
				push_id(&q, c.parent[k]);
	}
	free(q.v);
	return found;
}

struct walk_result {
	size_t n_new;
	bool reached_old;
	bool is_flagged;
	char **shown; /* "abc1234 subject" */
	size_t n_shown;
};

/* Walk the new commits from @tip back to @old or the project's store */
static void walk(struct gitwalk *w, const uint8_t *old,
		 const uint8_t tip[GITOBJ_ID_LEN], struct walk_result *res)
{
	struct id_list q = {0}, boundary = {0};

	memset(w->walked.state, 0, SEEN_SLOTS);
	push_id(&q, tip);
	for (size_t i = 0; i < q.n && !w->err; i++) {
		const uint8_t *id = q.v[i];
		struct gitobj_commit c;
		char s[8], subj[GITOBJ_SUBJECT_MAX * 4 + 1];
		uint8_t *walked, *checked;
		int err;

		if (old && !memcmp(id, old, GITOBJ_ID_LEN)) {
			res->reached_old = true;
			continue;
		}
		walked = set_slot(&w->walked, id);
		checked = set_slot(&w->checked, id);
		if (!walked || !checked) {
			fail(w, 0, "too many commits to read");
			break;
		}
		if (*walked)
			continue;
		*walked = 1;
		if (review_store_in_project(w->store, id)) {
			push_id(&boundary, id);
			continue;
		}
		if ((!*checked && ++n_walked > WALK_MAX) || out_of_time()) {
			fail(w, 0,
			     "more than %d new commits, or more than %d s "
			     "to read them",
			     WALK_MAX, WALK_SECONDS);
			break;
		}
		short_id(id, s);
		err = read_commit(w, id, &c);
		if (err < 0) {
			fail(w, err, "commit %s could not be read", s);
			break;
		}
		res->n_new++;
		/* A commit of two refs is checked (and flagged) once */
		if (!*checked)
			*checked = check_commit(w, id, &c) ? 2 : 1;
		if (*checked == 2)
			res->is_flagged = true;
		if (res->n_shown < SHOWN_MAX) {
			safe(subj, sizeof(subj), c.subject);
			res->shown = realloc(res->shown, (res->n_shown +
							  1) * sizeof(char *));
			if (!res->shown)
				die("out of memory");
			res->shown[res->n_shown++] =
				xasprintf("%s %s", s, subj);
		}
		for (size_t k = 0; k < c.n_parents; k++)
			push_id(&q, c.parent[k]);
	}
	if (old && !res->reached_old && !w->err)
		res->reached_old = reaches(w, &boundary, old);
	free(q.v);
	free(boundary.v);
}

/* The commits listed under their ref's line, then what they touch */
static void add_commit_lines(struct gitwalk *w, struct walk_result *res)
{
	for (size_t i = 0; i < res->n_shown; i++) {
		add_line(w->g, "  %s", res->shown[i]);
		free(res->shown[i]);
	}
	if (res->n_new > res->n_shown)
		add_line(w->g, "  ... and %zu more", res->n_new - res->n_shown);
	free(res->shown);
	for (size_t i = 0; i < w->n_held; i++) {
		add_line(w->g, "%s", w->held[i]);
		free(w->held[i]);
	}
	free(w->held);
	w->held = NULL;
	w->n_held = 0;
}

/* Compare the tips' trees when no new commit was flagged */
static void check_tips(struct gitwalk *w, const char *label,
		       const uint8_t old[GITOBJ_ID_LEN],
		       const uint8_t tip[GITOBJ_ID_LEN])
{
	struct gitobj_commit a, b;
	const char *which = NULL;
	char s[8], p[PATH_MAX];
	int d;

	if (w->err || read_commit(w, old, &a) < 0 ||
	    read_commit(w, tip, &b) < 0)
		return;
	d = protected_differs(w, a.tree, b.tree, &which);
	if (d < 0) {
		fail(w, d, "a tree could not be read");
		return;
	}
	if (!d)
		return;
	w->n_flags++;
	short_id(old, s);
	safe(p, sizeof(p), which);
	note_first(w, "%.40s now names a commit that %s protected %.80s",
		   label, verb(d), p);
	add_line(w->g,
		 "! %s now names a commit that %s protected %s "
		 "(was %s)",
		 label, verb(d), p, s);
}

/*
 * One ref that changed, from @old to @tip (either NULL: absent): its
 * line, its new commits, their check
 */
static void account_ref(struct gitwalk *w, const char *label, uint8_t *old,
			uint8_t *tip)
{
	bool has_old = old != NULL;
	struct walk_result res = {0};
	char s[8], os[8];
	int t;

	w->g->n_refs++;
	if (has_old)
		short_id(old, os);
	if (!tip) {
		add_line(w->g, "%s deleted (was %s)", label, os);
		return;
	}
	t = peel(w, tip);
	short_id(tip, s);
	if (t < 0) {
		fail(w, t, "commit %s could not be read", s);
		return;
	}
	if (t != GITOBJ_COMMIT) {
		add_line(w->g, "%s now names a %s (%s)", label,
			 gitobj_type_name((enum gitobj_type)t), s);
		return;
	}
	if (has_old && peel(w, old) != GITOBJ_COMMIT)
		has_old = false;
	walk(w, has_old ? old : NULL, tip, &res);
	w->g->n_commits += res.n_new;
	if (!has_old && !res.n_new)
		add_line(w->g, "new %s at %s", label, s);
	else if (!has_old)
		add_line(w->g, "new %s: %zu new commit%s", label, res.n_new,
			 res.n_new == 1 ? "" : "s");
	else if (!res.reached_old && !res.n_new)
		add_line(w->g, "%s rewound to %s (was %s)", label, s, os);
	else if (!res.reached_old)
		add_line(w->g,
			 "%s rewound from %s (not a fast-forward); %zu "
			 "new commit%s",
			 label, os, res.n_new, res.n_new == 1 ? "" : "s");
	else if (res.n_new)
		add_line(w->g, "%zu new commit%s on %s", res.n_new,
			 res.n_new == 1 ? "" : "s", label);
	else
		add_line(w->g, "%s moved to %s (no new commits)", label, s);
	add_commit_lines(w, &res);
	if (has_old && !res.is_flagged)
		check_tips(w, label, old, tip);
}

/* HEAD: which branch it is on, and where a detached HEAD moved */
static void account_head(struct gitwalk *w)
{
	uint8_t old[GITOBJ_ID_LEN], tip[GITOBJ_ID_LEN];
	char ot[GITOBJ_REF_MAX + 1], nt[GITOBJ_REF_MAX + 1];
	char ol[GITOBJ_REF_MAX * 4 + 8], nl[GITOBJ_REF_MAX * 4 + 8], s[8];
	int ho = review_ref_value(w->refs, false, "HEAD", old, ot, sizeof(ot));
	int hn = review_ref_value(w->refs, true, "HEAD", tip, nt, sizeof(nt));

	if (ho < 0 || hn < 0) {
		fail(w, ho < 0 ? ho : hn, "HEAD could not be read");
		return;
	}
	review_ref_label(ot, ol, sizeof(ol));
	review_ref_label(nt, nl, sizeof(nl));
	if (strcmp(ot, nt)) {
		if (nt[0] && hn == 1)
			add_line(w->g, "HEAD now on %s (was %s%s)", nl,
				 ot[0] ? "on " : "detached", ol);
		else if (hn == 1) {
			short_id(tip, s);
			add_line(w->g, "HEAD detached at %s (was %s%s)", s,
				 ot[0] ? "on " : "detached", ol);
		}
	}
	/* A detached HEAD's commits are nobody else's */
	if (hn == 1 && !nt[0] && (ho != 1 || memcmp(old, tip, sizeof(old))))
		account_ref(w, "HEAD (detached)", ho == 1 ? old : NULL, tip);
	else if (ho == 1 && hn == 1 && memcmp(old, tip, sizeof(old)) &&
		 strcmp(ot, nt))
		check_tips(w, "HEAD", old, tip);
}

/* The protected paths, relative to the git dir's work tree; @wl: the
 * length of its place in the project ("x/" of "x/.git"; 0: everywhere,
 * for a submodule's or worktree's) */
static void tree_paths(struct gitwalk *w, size_t wl)
{
	size_t nd = fsview_n_default_protect;

	for (size_t i = 0;
	     i < nd + w->r->n_protect && w->n_prot < ARRAY_SIZE(w->prot); i++) {
		const char *p = i < nd ? fsview_default_protect[i] :
					 w->r->protect[i - nd];

		if (strncmp(p, w->g->rel, wl))
			continue;
		p += wl;
		if (p[0] && strcmp(p, ".git") && strncmp(p, ".git/", 5))
			w->prot[w->n_prot++] = p;
	}
}

/* What else changed in the git dir, in one short line */
static void other_line(const struct review *r, struct review_gitdir *g)
{
	size_t gl = strlen(g->rel), n_obj = 0, n_logs = 0, n_other = 0;
	bool has_index = false;
	char buf[160] = "";

	for (size_t i = 0; i < r->n; i++) {
		const struct review_change *c = &r->c[i];
		const char *p;

		if (strncmp(c->path, g->rel, gl) || c->path[gl] != '/' ||
		    c->is_quiet || c->new_t == REVIEW_FT_DIR || c->is_protected)
			continue;
		p = review_git_rest_in(g, c->path);
		if (!strncmp(p, "objects/", 8))
			n_obj++;
		else if (!strncmp(p, "logs/", 5))
			n_logs++;
		else if (!strcmp(p, "index"))
			has_index = true;
		else if (strcmp(p, "HEAD") && strcmp(p, "packed-refs") &&
			 strncmp(p, "refs/", 5))
			n_other++;
	}
	if (has_index)
		snprintf(buf, sizeof(buf), "index");
	if (n_logs)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%slogs",
			 buf[0] ? ", " : "");
	if (n_obj)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			 "%s%zu object file%s", buf[0] ? ", " : "", n_obj,
			 n_obj == 1 ? "" : "s");
	if (n_other)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			 "%s%zu other file%s", buf[0] ? ", " : "", n_other,
			 n_other == 1 ? "" : "s");
	if (buf[0])
		add_line(g, "also changed: %s", buf);
}

static void scan_refs(struct gitwalk *w)
{
	char **names = NULL;
	size_t n = 0;
	int err = review_refs_changed(w->refs, &names, &n);

	if (err < 0)
		fail(w, err, "the refs could not be read");
	for (size_t i = 0; i < n && !w->err; i++) {
		uint8_t old[GITOBJ_ID_LEN], tip[GITOBJ_ID_LEN];
		char label[GITOBJ_REF_MAX * 4 + 8];
		int ho = review_ref_value(w->refs, false, names[i], old, NULL,
					  0);
		int hn = review_ref_value(w->refs, true, names[i], tip, NULL,
					  0);

		if (ho < 0 || hn < 0) {
			review_ref_label(names[i], label, sizeof(label));
			fail(w, ho < 0 ? ho : hn, "ref %s could not be read",
			     label);
			break;
		}
		if (ho == hn && (!ho || !memcmp(old, tip, sizeof(old))))
			continue;
		/* "new branch x", "branch x deleted" */
		if (!strncmp(names[i], "refs/heads/", 11) && (!ho || !hn)) {
			snprintf(label, sizeof(label), "branch ");
			review_ref_label(names[i], label + 7,
					 sizeof(label) - 7);
		} else {
			review_ref_label(names[i], label, sizeof(label));
		}
		account_ref(w, label, ho ? old : NULL, hn ? tip : NULL);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!w->err)
		account_head(w);
}

/* One staged change to a protected path (review_index_check()) */
static void index_hit(void *ctx, char kind, const char *path,
		      const uint8_t *gitlink)
{
	struct gitwalk *w = ctx;
	char p[PATH_MAX];
	int err;

	if (kind == 'G') {
		err = review_git_links(w->g->subs, w->g->n_subs,
				       w->refs->gitdir, NULL, NULL, path,
				       gitlink);
		if (err < 0)
			fail(w, err, "too many submodule commits named");
		return;
	}
	safe(p, sizeof(p), path);
	note_first(w, "the index %s protected %.120s", verb(kind), p);
	if (w->n_flags++ < FLAGS_MAX)
		add_line(w->g,
			 "! index (staged, not committed) %s protected %s",
			 verb(kind), p);
}

/*
 * The refs and commits of git dir @refs->gitdir, whose objects are in
 * @objdir, then its index
 */
static void scan_one(struct gitwalk *w, struct review_refs *refs,
		     const char *objdir)
{
	bool is_sha256 = review_is_sha256(w->r, objdir);
	char why[300];

	w->refs = refs;
	if (review_refs_touched(w->r, refs->gitdir)) {
		if (is_sha256) {
			fail(w, 0, "commits not read (sha256 repository)");
		} else {
			w->store = review_store_open(w->r, objdir);
			memset(w->checked.state, 0, SEEN_SLOTS);
			scan_refs(w);
			review_store_free(w->store);
			w->store = NULL;
		}
	}
	if (review_index_check(w->r, refs->gitdir, w->prot, w->n_prot,
			       index_hit, w, why, sizeof(why)) < 0)
		fail(w, 0, "%s%s", why, is_sha256 ? " (sha256 repository)" : "");
}

/*
 * The commits of submodule @sg that its superproject's new commits or
 * index name: those the host did not have, not checked already, are
 * walked like a new ref's (one the store lacks cannot be checked out)
 */
static void scan_links(struct gitwalk *w, const struct review_subgit *sg)
{
	if (!sg->n_links || w->err || review_is_sha256(w->r, sg->rel))
		return;
	w->store = review_store_open(w->r, sg->rel);
	for (size_t i = 0; i < sg->n_links && !w->err; i++) {
		uint8_t id[GITOBJ_ID_LEN], *st = set_slot(&w->checked,
							 sg->links[i]);
		autofree uint8_t *buf = NULL;
		enum gitobj_type t;
		size_t len;

		memcpy(id, sg->links[i], sizeof(id));
		if ((st && *st) || review_store_in_project(w->store, id) ||
		    review_store_read(w->store, id, &t, &buf, &len) == -ENOENT)
			continue;
		account_ref(w, "gitlink", NULL, id);
	}
	review_store_free(w->store);
	w->store = NULL;
}

/* Each submodule's and linked worktree's git dir inside @g */
static void scan_subs(struct gitwalk *w, struct review_refs *top)
{
	struct review_gitdir *g = w->g;

	w->n_prot = 0;
	tree_paths(w, 0);
	for (size_t i = 0; i < g->n_subs && !w->err; i++) {
		const struct review_subgit *sg = &g->subs[i];
		struct review_refs refs = { .r = w->r, .gitdir = sg->rel };
		struct review_refs common = { .r = w->r, .gitdir = sg->common };
		struct review_refs *cr = NULL;
		char label[200];
		int err = 0;

		safe(label, sizeof(label), sg->label);
		add_line(g, "%s:", label);
		w->where = label;
		/* A worktree's branches are its common dir's */
		if (sg->common) {
			cr = !strcmp(sg->common, g->rel) ? top : &common;
			err = review_refs_load(cr);
		}
		refs.common = cr;
		if (err < 0)
			fail(w, err, "the refs could not be read");
		else
			scan_one(w, &refs, sg->common ? sg->common : sg->rel);
		scan_links(w, sg);
		review_refs_free(&refs);
		review_refs_free(&common);
	}
	w->where = NULL;
}

/* Read git dir @g of @r: its lines, and whether apply holds it */
static void scan_gitdir(struct review *r, struct review_gitdir *g)
{
	struct review_refs refs = { .r = r, .gitdir = g->rel };
	struct gitwalk w = { .r = r, .g = g };
	struct stat st;

	g->is_new =
		fstatat(r->project_fd, g->rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		!S_ISDIR(st.st_mode);
	if (g->is_new) {
		add_line(g, "a new repository (its commits are not listed)");
		other_line(r, g);
		return;
	}
	set_init(&w.walked);
	set_init(&w.checked);
	tree_paths(&w, strlen(g->rel) - 4);
	if (review_git_subdirs(r, g->rel, &g->subs, &g->n_subs) < 0)
		fail(&w, 0, "too many submodules' or worktrees' git dirs");
	scan_one(&w, &refs, g->rel);
	scan_subs(&w, &refs);
	other_line(r, g);
	if (w.n_flags > FLAGS_MAX)
		add_line(g, "! ... and %zu more changes to protected paths",
			 w.n_flags - FLAGS_MAX);
	if (w.err) {
		char why[300];

		safe(why, sizeof(why), w.why);
		add_line(g, "! %s", why);
		g->why = xstrdup(why);
	} else if (w.n_flags) {
		g->why = xstrdup(w.first);
	}
	g->is_held = w.err || w.n_flags;
	r->n_git_held += g->is_held;
	for (size_t i = 0; i < w.n_held; i++)
		free(w.held[i]);
	free(w.held);
	set_free(&w.walked);
	set_free(&w.checked);
	review_refs_free(&refs);
}

void review_git_scan(struct review *r)
{
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += WALK_SECONDS;
	n_walked = 0;
	for (size_t i = 0; i < r->n; i++) {
		size_t gl = review_gitdir_len(r->c[i].path);

		if (!gl || review_gitdir_of(r, r->c[i].path) >= 0)
			continue;
		r->git = realloc(r->git, (r->n_git + 1) * sizeof(*r->git));
		if (!r->git)
			die("out of memory");
		memset(&r->git[r->n_git], 0, sizeof(*r->git));
		r->git[r->n_git++].rel =
			xasprintf("%.*s", (int)gl, r->c[i].path);
	}
	for (size_t i = 0; i < r->n_git; i++)
		scan_gitdir(r, &r->git[i]);
}

void review_git_print(const struct review *r, size_t i)
{
	const struct review_gitdir *g = &r->git[i];

	for (size_t k = 0; k < g->n_lines; k++) {
		fputs("  ", stderr);
		fputs(g->lines[k], stderr);
		fputc('\n', stderr);
	}
	if (g->n_cut)
		fprintf(stderr, "  ... (%zu more lines)\n", g->n_cut);
}

void review_git_say_held(const struct review *r, bool at_apply)
{
	for (size_t i = 0; i < r->n_git; i++) {
		const struct review_gitdir *g = &r->git[i];

		if (!g->is_held)
			continue;
		fputs("jail: review: \"", stderr);
		review_put_safe(stderr, g->rel);
		fprintf(stderr, "\": %s its refs, HEAD, index and logs%s: %s\n",
			at_apply ? "skipped" : "not applying",
			at_apply ? " (objects applied)" : " unless asked for",
			g->why);
	}
}

void review_git_log(struct review *r)
{
	for (size_t i = 0; i < r->n_git; i++) {
		const struct review_gitdir *g = &r->git[i];
		const struct audit_field f[] = {
			AF_STR("gitdir", g->rel),
			AF_INT("refs", g->n_refs),
			AF_INT("commits", g->n_commits),
			AF_INT("held", g->is_held),
			AF_STR("reason", g->why),
		};

		review_log(r, "review.git", f, ARRAY_SIZE(f));
	}
}

void review_git_free(struct review *r)
{
	for (size_t i = 0; i < r->n_git; i++) {
		struct review_gitdir *g = &r->git[i];

		for (size_t k = 0; k < g->n_lines; k++)
			free(g->lines[k]);
		free(g->lines);
		free(g->rel);
		free(g->why);
		review_git_subdirs_free(g->subs, g->n_subs);
	}
	free(r->git);
	r->git = NULL;
	r->n_git = 0;
}

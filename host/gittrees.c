// SPDX-License-Identifier: MIT
/*
 * gittrees.c - the writable trees beside the project, held to the
 * project's rules (gitguard.c steps 1 and 4), and the work tree of each
 * git dir
 *
 * A `--rw` tree is written like the project: a git repository there, a
 * .envrc or a .vscode/ at its top is obeyed by the person's next host
 * git, shell or editor there as much as the project's. So each `--rw`
 * tree the person named (a profile's are agents' own state, never a work
 * tree) is walked at start for git dirs, which get private copies like
 * the project's nested repositories, and at exit for repositories made
 * or changed during the run, judged like the project's. The default
 * protected names at its top are kept read-only where they exist; where
 * it is a work tree or holds one, absent ones cannot be made either (the
 * project's placeholders); in another (a cache, data), one made during
 * the run is moved aside at exit (`fs.quarantined`).
 *
 * A persistent `--home` is the jail's own home: its shell startup files
 * and agents' settings are what the next jail runs, inside a jail, so
 * they stay writable. It is seen inside at $HOME, not at its own path, so
 * its git dirs get no private copy; it is walked at exit only, like the
 * project's deep repositories the start walk did not reach: a repository
 * made there during the run, or one whose config, hooks or git pointer
 * changed, is judged and, naming commands, moved aside, for the person
 * may run git in it on the host.
 *
 * The work tree of a git dir: the directory of a .git; for a linked
 * worktree's dir the one its `gitdir` file names; for a submodule's dir
 * its core.worktree. Read at start, where the jail has not run yet, and
 * through gitguard_read_hostile() all the same.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "jail.h"
#include "config/config.h"
#include "host/gittrees.h"
#include "parse/text.h"
#include "host/gitguard.h"

static bool is_below(const char *root, const char *path)
{
	size_t n = strlen(root);

	return !strncmp(path, root, n) && (path[n] == '/' || !path[n] ||
					   !strcmp(root, "/"));
}

static bool is_walked(const struct gitguard *g, const char *path)
{
	if (is_below(g->project, path))
		return true;
	for (size_t i = 0; i < g->n_trees; i++)
		if (is_below(g->tree[i], path))
			return true;
	return false;
}

/* Default names protected at a tree's top: not the git dir's own */
static bool is_tree_name(size_t i)
{
	return strncmp(fsview_default_protect[i], ".git/", 5) != 0;
}

/* Does --rw tree @root hold a git work tree or dir found at start? */
static bool holds_repo(const struct gitguard *g, const char *root)
{
	for (size_t i = 0; i < g->n_dotgit; i++)
		if (is_below(root, g->dotgit[i]))
			return true;
	for (size_t i = 0; i < g->n_dirs; i++)
		if (is_below(root, g->dir[i]))
			return true;
	return false;
}

/*
 * --rw @root: the default names protected, absent ones too (held by
 * placeholders, like the project's) where it holds a repository; else
 * absent ones only noted for the exit check (a cache or data directory
 * gets no placeholders)
 */
static uint32_t protect_top(struct gitguard *g, const char *root)
{
	bool is_work = holds_repo(g, root);
	uint32_t absent = 0;

	for (size_t i = 0; i < fsview_n_default_protect; i++) {
		char *p = xasprintf("%s/%s", root, fsview_default_protect[i]);
		struct stat st;

		if (!is_tree_name(i) || (!is_work && lstat(p, &st) < 0 &&
					 errno == ENOENT)) {
			absent |= is_tree_name(i) ? 1u << i : 0;
			free(p);
			continue;
		}
		gitguard_add_protect(g, p, fsview_default_protect_why[i]);
	}
	return absent;
}

static void add_tree(struct gitguard *g, const char *path, bool is_home)
{
	struct stat st;

	if (is_walked(g, path) || stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	if (g->n_trees >= GITGUARD_MAX_TREES) {
		g->is_truncated = true;
		return;
	}
	g->tree[g->n_trees] = xstrdup(path);
	g->tree_is_home[g->n_trees] = is_home;
	g->n_trees++;
}

void gittrees_collect(struct gitguard *g, const struct jail_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];

		if (m->kind == MOUNT_RW && !m->is_gitdir &&
		    m->origin != ORIGIN_PROFILE && m->origin != ORIGIN_DEFAULT)
			add_tree(g, m->path, false);
	}
	if (cfg->home_src)
		add_tree(g, cfg->home_src, true);
}

/* The directory of the .git a linked worktree's `gitdir` file names */
static char *top_from_gitdir_file(const char *dir, int gfd)
{
	size_t len = 0;
	autofree uint8_t *buf = gitguard_read_hostile(gfd, "gitdir", PATH_MAX,
						      &len);
	autofree char *abs = NULL;
	char s[PATH_MAX];
	int n = buf ? gitdirs_parse_pointer((const char *)buf, len, "", s,
					    sizeof(s)) :
		      -ENOENT;

	if (n < 5 || strcmp(s + n - 5, "/.git"))
		return NULL;
	s[n - 5] = '\0';
	abs = s[0] == '/' ? xstrdup(s) : xasprintf("%s/%s", dir, s);
	return realpath(abs, NULL);
}

/* A submodule's git dir: the directory its core.worktree names */
static char *top_from_config(const char *dir, int gfd)
{
	size_t len = 0;
	autofree uint8_t *buf = gitguard_read_hostile(gfd, "config",
						      GITCFG_INPUT_MAX, &len);
	autofree struct gitcfg_refs *r = NULL;
	autofree char *abs = NULL;

	if (!buf)
		return NULL;
	r = xmalloc(sizeof(*r));
	(void)gitcfg_parse(buf, len, r);
	if (!r->worktree[0])
		return NULL;
	abs = r->worktree[0] == '/' ? xstrdup(r->worktree) :
				      xasprintf("%s/%s", dir, r->worktree);
	return realpath(abs, NULL);
}

void gittrees_find_tops(struct gitguard *g)
{
	for (size_t i = 0; i < g->n_dirs; i++) {
		size_t len = strlen(g->dir[i]);
		autoclose int gfd = -1;

		if (len > 5 && !strcmp(g->dir[i] + len - 5, "/.git")) {
			g->top[i] = xasprintf("%.*s", (int)(len - 5), g->dir[i]);
			continue;
		}
		gfd = open(g->dir[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (gfd < 0)
			continue;
		g->top[i] = top_from_gitdir_file(g->dir[i], gfd);
		if (!g->top[i])
			g->top[i] = top_from_config(g->dir[i], gfd);
	}
}

void gittrees_protect_tops(struct gitguard *g, bool is_review)
{
	for (size_t t = 0; t < g->n_trees; t++)
		if (!g->tree_is_home[t])
			g->tree_absent[t] = protect_top(g, g->tree[t]);
	/*
	 * Under --review the git dirs get no private copy (the project's
	 * changes wait in the overlay), but a --rw tree is no overlay: its
	 * git dirs are read-only whole
	 */
	for (size_t i = 0; is_review && i < g->n_dirs; i++)
		for (size_t t = 0; t < g->n_trees; t++)
			if (!g->tree_is_home[t] && is_below(g->tree[t], g->dir[i]))
				gitguard_add_protect(g, xstrdup(g->dir[i]),
					"under --review, a --rw tree's git dir "
					"is read-only");
}

const char *gitguard_top_of(const struct gitguard *g, const char *gitdir)
{
	for (size_t i = 0; g && i < g->n_dirs; i++)
		if (!strcmp(g->dir[i], gitdir))
			return g->top[i];
	return NULL;
}

/*
 * @rel below @root_fd, absent at start: made during the run, or reached
 * through a symlink put on its way? The shallowest such entry into @at.
 */
static bool made_at(int root_fd, const char *rel, time_t started, char *at,
		    size_t size)
{
	size_t n = 0;

	for (;;) {
		struct stat st;
		size_t k = strcspn(rel + n, "/");

		snprintf(at, size, "%.*s", (int)(n + k), rel);
		/* Each level beneath the tree, no symlink followed */
		if (fstatat(root_fd, at, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return false;
		if (S_ISLNK(st.st_mode) && st.st_ctim.tv_sec + 1 >= started)
			return true;
		if (!rel[n + k])
			return true;
		if (!S_ISDIR(st.st_mode))
			return false;
		n += k + 1;
	}
}

/* Tree @t of @r: each default name absent at start that is there now */
static void check_tree_top(struct gitnew *r, size_t t)
{
	const struct gitguard *g = r->g;
	int fd = r->tree_fd[t];

	for (size_t i = 0; fd >= 0 && i < fsview_n_default_protect; i++) {
		char at[PATH_MAX];
		autofree char *path = NULL;
		autofree char *base = NULL;
		autofree char *to = NULL;
		autofree char *v = NULL;
		autofree char *parent = NULL;
		const char *slash, *name;
		autoclose int pfd = -1;
		int err;

		if (!(g->tree_absent[t] & (1u << i)) ||
		    !made_at(fd, fsview_default_protect[i], g->started, at,
			     sizeof(at)))
			continue;
		path = xasprintf("%s/%s", g->tree[t], at);
		slash = strrchr(at, '/');
		parent = slash ? xasprintf("%.*s", (int)(slash - at), at) :
				 xstrdup(".");
		name = slash ? slash + 1 : at;
		pfd = openat2_fd(fd, parent, O_PATH | O_DIRECTORY,
				 GITGUARD_RESOLVE);
		base = xasprintf("%s.jail-quarantine", name);
		err = pfd < 0 ? pfd : gitguard_rename_aside(pfd, name, base, &to);
		v = gitguard_shown(path);
		if (err < 0)
			warn("\"%s\" was created during the run (%s) and could "
			     "not be moved aside (%s): look before a tool "
			     "opens that tree",
			     v, fsview_default_protect_why[i], strerror(-err));
		else
			warn("\"%s\" was created during the run (%s): moved "
			     "aside to \"%s\"; look before you rename it back",
			     v, fsview_default_protect_why[i], to);
		gitguard_audit(r->run, "fs.quarantined", path,
			       fsview_default_protect_why[i]);
	}
}

void gittrees_check_tops(struct gitnew *r)
{
	for (size_t t = 0; r->g && t < r->g->n_trees; t++)
		check_tree_top(r, t);
}

void gittrees_quiet_envrc(const char *path, int dir, const char *name,
			  void (*fn)(void *, const char *, const struct stat *),
			  void *arg)
{
	autofree char *rel = xasprintf("%s/.envrc", name);
	autofree char *p = NULL;
	struct stat st;

	if (fstatat(dir, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	p = xasprintf("%s/.envrc", path);
	fn(arg, p, &st);
}

void gittrees_warn_cut(const char *root, int max_dirs, int max_entries)
{
	autofree char *v = gitguard_shown(root);

	warn("git: \"%s\" has more than %d directories, or a directory more "
	     "than %d entries: new repositories were not looked for in all "
	     "of it; look for new .git entries before running git there",
	     v, max_dirs, max_entries);
}

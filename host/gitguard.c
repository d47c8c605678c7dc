// SPDX-License-Identifier: MIT
/*
 * gitguard.c - the project's git dirs, private inside the jail
 *
 * Theory of operation:
 *  Host git trusts its git dir completely: `config` (core.fsmonitor,
 *  core.hooksPath, include.path), `hooks/`, `commondir`, `config.worktree`,
 *  the same files of every submodule under `modules/` and of every linked
 *  worktree under `worktrees/`. So inside the jail no git dir may change
 *  except where ordinary git work writes.
 *  1. config_validate() (supervisor) lists the git dirs: the project's
 *     .git, the common and worktree dirs config.c resolved, each git dir
 *     below their worktrees/ and modules/, and the .git dirs of nested
 *     repositories found by a bounded walk of the tree (gitwalk.c). It
 *     parses each one's config and config.worktree (gitconfig.c) and
 *     hands back what they point at (core.hooksPath, include files,
 *     recursively) and the .git pointer files, which config.c protects
 *     like any protected path.
 *  2. run_jail() opens every git dir as an O_PATH descriptor before clone:
 *     the copies' sources and the copy-back's destinations, never looked
 *     up by path again.
 *  3. The command child, first thing in the view, makes a private dir
 *     for each git dir (gitview.c) and passes them to the supervisor in
 *     one message.
 *     The supervisor, idle meanwhile, fills in copies of the top-level
 *     files git replaces by lock and rename (HEAD, index, ORIG_HEAD,
 *     MERGE_*, packed-refs ...) and of the state dirs (rebase-merge/,
 *     sequencer/), reading through the descriptors of step 2; COMMAND
 *     does not run before it says it is done. The child attaches each
 *     private dir over its git dir (parents first) with read-write binds of
 *     objects/, refs/, logs/, rr-cache/, lfs/, and read-only binds of
 *     everything else (config, hooks/, info/, commondir, gitdir,
 *     config.worktree ...). Anything git creates at the top level lands
 *     in the tmpfs.
 *  4. After the jail is gone the supervisor copies back an allowlist of
 *     files and state dirs the jail changed (a state file copied in and
 *     still the very copy made, by inode, size and times, is left alone,
 *     and so is the host's own change to it meanwhile; one not copied in
 *     is copied back only if made inside), each read as hostile input
 *     (regular files,
 *     O_NOFOLLOW|O_NONBLOCK, bounded, resolved beneath the tmpfs with no
 *     symlinks) and validated (HEAD names a ref or an object id, a rebase
 *     todo list holds no exec line), then written beside the real file
 *     and renamed over it.
 *  If the supervisor is killed, the tmpfs dies with the jail: nothing of
 *  the top level lands (objects and refs written meanwhile are there; a
 *  new HEAD, index or packed-refs is lost).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "jail.h"
#include "host/host.h"
#include "host/gitguard.h"
#include "host/gittrees.h"
#include "config/config.h"
#include "parse/parse.h"

#define HOSTILE GITGUARD_RESOLVE
#define STATE_DEPTH 6	/* directory levels of a state dir removed */
#define MAX_ENTRIES GITGUARD_MAX_ENTRIES
#define WALK_DIRS GITGUARD_WALK_DIRS
#define EXIT_DIRS GITGUARD_EXIT_DIRS
#define EXIT_ENTRIES GITGUARD_EXIT_ENTRIES
#define INCLUDE_DEPTH 4		/* include files within include files */
#define STATE_BYTES GITGUARD_STATE_BYTES
#define INDEX_MAX (512 << 20)
#define TEXT_MAX GITGUARD_TEXT_MAX

/* Written by ordinary git work and shared with the host: bound read-write */
static const char *const rw_dirs[] = { "objects", "refs", "logs",
				       "rr-cache", "lfs" };

/* Git dirs of their own inside a git dir */
static const char *const nest_dirs[] = { "worktrees", "modules" };

/* State of an operation in progress: copied in and, checked, back */
static const char *const state_dirs[] = { "rebase-merge", "rebase-apply",
					  "sequencer" };

/* Top-level files git rewrites by lock and rename: copied in and back */
static const struct {
	const char *name;
	enum gitstate_kind kind;
	size_t max;
} state_files[] = {
	{ "HEAD", GITSTATE_HEAD, 4096 },
	{ "index", GITSTATE_INDEX, INDEX_MAX },
	{ "packed-refs", GITSTATE_PACKED, 256 << 20 },
	{ "ORIG_HEAD", GITSTATE_OID, 4096 },
	{ "FETCH_HEAD", GITSTATE_TEXT, TEXT_MAX },
	{ "MERGE_HEAD", GITSTATE_OIDS, 1 << 20 },
	{ "MERGE_MSG", GITSTATE_TEXT, TEXT_MAX },
	{ "MERGE_MODE", GITSTATE_TEXT, 4096 },
	{ "MERGE_RR", GITSTATE_TEXT, TEXT_MAX },
	{ "MERGE_AUTOSTASH", GITSTATE_OID, 4096 },
	{ "AUTO_MERGE", GITSTATE_OID, 4096 },
	{ "CHERRY_PICK_HEAD", GITSTATE_OID, 4096 },
	{ "REVERT_HEAD", GITSTATE_OID, 4096 },
	{ "REBASE_HEAD", GITSTATE_OID, 4096 },
	{ "BISECT_HEAD", GITSTATE_OID, 4096 },
	{ "BISECT_EXPECTED_REV", GITSTATE_OID, 4096 },
	{ "BISECT_START", GITSTATE_TEXT, 4096 },
	{ "BISECT_LOG", GITSTATE_TEXT, TEXT_MAX },
	{ "BISECT_TERMS", GITSTATE_TEXT, 4096 },
	{ "BISECT_NAMES", GITSTATE_TEXT, TEXT_MAX },
	{ "BISECT_ANCESTORS_OK", GITSTATE_TEXT, 4096 },
	{ "COMMIT_EDITMSG", GITSTATE_TEXT, TEXT_MAX },
	{ "SQUASH_MSG", GITSTATE_TEXT, TEXT_MAX },
	{ "TAG_EDITMSG", GITSTATE_TEXT, TEXT_MAX },
	{ "shallow", GITSTATE_OIDS, 16 << 20 },
};

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

static int state_file_index(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_files); i++)
		if (!strcmp(state_files[i].name, name))
			return (int)i;
	return -1;
}

enum gitguard_kind gitguard_kind_of(const char *name, bool is_dir,
				   size_t *max)
{
	int k = state_file_index(name);

	if (is_dir && in_list(rw_dirs, ARRAY_SIZE(rw_dirs), name))
		return GITGUARD_RW_DIR;
	if (is_dir && in_list(state_dirs, ARRAY_SIZE(state_dirs), name))
		return GITGUARD_STATE_DIR;
	if (is_dir && in_list(nest_dirs, ARRAY_SIZE(nest_dirs), name))
		return GITGUARD_NEST_DIR;
	if (!is_dir && k >= 0) {
		*max = state_files[k].max;
		return GITGUARD_STATE_FILE;
	}
	return GITGUARD_OTHER;
}

/* ---- 1. finding the git dirs (supervisor, before the jail) ------------ */

static bool is_git_dir(const char *path)
{
	autofree char *head = xasprintf("%s/HEAD", path);
	autofree char *obj = xasprintf("%s/objects", path);
	autofree char *common = xasprintf("%s/commondir", path);
	struct stat st;

	if (lstat(head, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	return (lstat(obj, &st) == 0 && S_ISDIR(st.st_mode)) ||
	       (lstat(common, &st) == 0 && S_ISREG(st.st_mode));
}

bool gitguard_is_listed(const struct gitguard *g, const char *path)
{
	for (size_t i = 0; i < g->n_dirs; i++)
		if (!strcmp(g->dir[i], path))
			return true;
	return false;
}

const char gitguard_hooks_path_why[] =
	"core.hooksPath: git runs the hooks there";

void gitguard_add_protect(struct gitguard *g, char *path, const char *why)
{
	for (size_t i = 0; i < g->n_protect; i++)
		if (!strcmp(g->protect[i], path)) {
			free(path);
			return;
		}
	if (g->n_protect >= GITGUARD_MAX_PROTECT) {
		g->is_truncated = true;
		free(path);
		return;
	}
	g->protect_why[g->n_protect] = why;
	g->protect[g->n_protect++] = path;
}

static void add_git_dir(struct gitguard *g, const char *path, int depth);

/*
 * Below worktrees/ and modules/: every git dir, looked for through
 * directories that are not (a submodule's name may hold slashes)
 */
static void add_nested(struct gitguard *g, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	if (depth > 4 || !(d = opendir(dir)))
		return;
	while ((e = readdir(d)) && n++ < MAX_ENTRIES) {
		autofree char *p = NULL;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (is_git_dir(p))
			add_git_dir(g, p, depth + 1);
		else
			add_nested(g, p, depth + 1);
	}
	closedir(d);
}

static void add_git_dir(struct gitguard *g, const char *path, int depth)
{
	if (gitguard_is_listed(g, path))
		return;
	if (g->n_dirs >= GITGUARD_MAX_DIRS) {
		g->is_truncated = true;
		return;
	}
	g->dir[g->n_dirs] = xstrdup(path);
	g->dir_fd[g->n_dirs++] = -1;
	for (size_t i = 0; i < ARRAY_SIZE(nest_dirs); i++) {
		autofree char *p = xasprintf("%s/%s", path, nest_dirs[i]);

		add_nested(g, p, depth);
	}
}

static void note_dotgit(struct gitguard *g, const char *path)
{
	if (g->n_dotgit < ARRAY_SIZE(g->dotgit))
		g->dotgit[g->n_dotgit++] = xstrdup(path);
	else
		g->is_truncated = true;
}

static void found_at_start(void *arg, const char *path, const struct stat *st)
{
	struct gitguard *g = arg;
	const char *base = strrchr(path, '/');
	const char *why = base ? gitguard_editor_file_why(base + 1) : NULL;

	/* Met on the way: read-only for the run, no extra lookup */
	if (why) {
		gitguard_add_protect(g, xstrdup(path), why);
		return;
	}
	note_dotgit(g, path);
	if (S_ISDIR(st->st_mode)) {
		if (is_git_dir(path))
			add_git_dir(g, path, 0);
		return;
	}
	/* A symlinked .git: host git follows it, so its target is guarded */
	if (S_ISLNK(st->st_mode)) {
		autofree char *real = realpath(path, NULL);

		if (real && is_git_dir(real))
			add_git_dir(g, real, 0);
	}
	/* A pointer: rewritten, it would send host git to a planted dir */
	gitguard_add_protect(g, xstrdup(path), "a .git pointer names the git dir");
}

/* Resolve @rel against @base (lexically); "~/" is the host home */
static char *resolve_rel(const char *base, const char *rel)
{
	if (rel[0] == '/')
		return xstrdup(rel);
	if (rel[0] == '~' && rel[1] == '/')
		return xasprintf("%s/%s", config_host_home(), rel + 2);
	return xasprintf("%s/%s", base, rel);
}

static char *dir_of(const char *path)
{
	char *d = xstrdup(path);
	char *slash = strrchr(d, '/');

	if (slash && slash != d)
		*slash = '\0';
	return d;
}

static void protect_config(struct gitguard *g, const char *file,
			   const char *work_top, int depth);

static void protect_refs(struct gitguard *g, const struct gitcfg_refs *r,
			 const char *file, const char *work_top, int depth)
{
	autofree char *fdir = dir_of(file);
	autofree char *wt = NULL;

	/* A submodule's config names its working tree */
	if (r->worktree[0] && depth == 0) {
		wt = resolve_rel(fdir, r->worktree);
		work_top = wt;
	}
	if (r->hooks_path[0]) {
		gitguard_add_protect(g, resolve_rel(work_top, r->hooks_path),
			    gitguard_hooks_path_why);
		/* Relative: to each work tree git runs in (a user's too) */
		gitguard_add_protect(g, resolve_rel(g->project, r->hooks_path),
			    gitguard_hooks_path_why);
		for (size_t i = 0; i < g->n_dirs; i++)
			if (g->top[i])
				gitguard_add_protect(g,
					resolve_rel(g->top[i], r->hooks_path),
					gitguard_hooks_path_why);
	}
	for (size_t i = 0; i < r->n_include; i++) {
		/* Git resolves an include against the including file */
		char *inc = resolve_rel(fdir, r->include[i]);

		gitguard_add_protect(g, xstrdup(inc),
			    "included by git's configuration");
		protect_config(g, inc, work_top, depth + 1);
		free(inc);
	}
}

/* Parse one config file and protect what it points at */
static void protect_config(struct gitguard *g, const char *file,
			   const char *work_top, int depth)
{
	autofree struct gitcfg_refs *r = NULL;
	autofree uint8_t *buf = NULL;
	autoclose int dfd = -1;
	autofree char *dir = dir_of(file);
	const char *base = strrchr(file, '/');
	size_t len = 0;

	if (depth > INCLUDE_DEPTH || !base)
		return;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	buf = gitguard_read_hostile(dfd, base + 1, GITCFG_INPUT_MAX, &len);
	if (!buf)
		return;
	r = xmalloc(sizeof(*r));
	/* A broken file: what was found before the error still counts */
	(void)gitcfg_parse(buf, len, r);
	if (r->n_dropped)
		g->is_truncated = true;
	protect_refs(g, r, file, work_top, depth);
}

/*
 * The system's and the user's git config apply in every repository: a
 * relative core.hooksPath there (".githooks") names a directory of the
 * project. The jail cannot change these files; what they name it could.
 */
static void protect_user_config(struct gitguard *g)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	autofree char *global = xasprintf("%s/.gitconfig", config_host_home());
	autofree char *xdg_cfg = xdg && xdg[0] == '/' ?
					 xasprintf("%s/git/config", xdg) :
					 xasprintf("%s/.config/git/config",
						   config_host_home());

	protect_config(g, "/etc/gitconfig", g->project, 0);
	protect_config(g, global, g->project, 0);
	protect_config(g, xdg_cfg, g->project, 0);
}

struct gitguard *gitguard_collect(const struct jail_config *cfg)
{
	struct gitguard *g;

	g = xcalloc(1, sizeof(*g));
	g->project = cfg->project;
	g->started = time(NULL);
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].is_gitdir &&
		    cfg->mounts[i].kind == MOUNT_RW &&
		    is_git_dir(cfg->mounts[i].path))
			add_git_dir(g, cfg->mounts[i].path, 0);
	if (gitguard_walk(cfg->project, 0, found_at_start, g) > WALK_DIRS)
		g->is_truncated = true;
	gittrees_collect(g, cfg);
	for (size_t i = 0; i < g->n_trees; i++)
		if (!g->tree_is_home[i] &&
		    gitguard_walk(g->tree[i], 0, found_at_start, g) > WALK_DIRS)
			g->is_truncated = true;
	gittrees_protect_tops(g, cfg->review != REVIEW_OFF);
	gittrees_find_tops(g);
	protect_user_config(g);
	for (size_t i = 0, n = g->n_dirs; i < n; i++) {
		const char *top = g->top[i] ? g->top[i] : cfg->project;
		autofree char *c = xasprintf("%s/config", g->dir[i]);
		autofree char *cw = xasprintf("%s/config.worktree", g->dir[i]);

		protect_config(g, c, top, 0);
		protect_config(g, cw, top, 0);
	}
	gitguard_protect_tool_files(g);
	githead_note(g);
	return g;
}

void gitguard_open(struct gitguard *g)
{
	for (size_t i = 0; g && i < g->n_dirs; i++)
		/* Real paths from the walk: a symlink now means a swap */
		g->dir_fd[i] = openat2_fd(AT_FDCWD, g->dir[i],
					  O_PATH | O_DIRECTORY,
					  RESOLVE_NO_SYMLINKS |
						  RESOLVE_NO_MAGICLINKS);
}

/* ---- copies, shared with gitview.c ------------------------------------ */

/*
 * Copy the @size bytes fstat() gave, in the kernel: no read to find the
 * end, no user buffer. A file that shrank meanwhile ends early (git
 * replaces these files by rename, never in place).
 */
static int copy_size(int in, int out, size_t size)
{
	while (size) {
		ssize_t n = sendfile(out, in, NULL, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		size -= (size_t)n;
	}
	return 0;
}

int gitguard_copy_file(int src, int dst, const char *name, size_t max)
{
	autoclose int in = openat2_fd(src, name,
				      O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					      O_NOCTTY,
				      HOSTILE);
	autoclose int out = -1;
	struct stat st;

	if (in < 0)
		return in;
	if (fstat(in, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((size_t)st.st_size > max)
		return -EFBIG;
	out = openat(dst, name,
		     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     st.st_mode & 0777);
	if (out < 0)
		return -errno;
	return copy_size(in, out, (size_t)st.st_size);
}

int gitguard_copy_tree(int src, const char *name, int dst, const char *dname,
		     int depth, size_t *budget)
{
	autoclose int s = openat2_fd(src, name, O_RDONLY | O_DIRECTORY,
				     HOSTILE);
	autoclose int d = -1;
	DIR *dir;
	struct dirent *e;
	size_t n = 0;
	int err = 0;

	if (s < 0)
		return s;
	if (depth > 4 || mkdirat(dst, dname, 0755) < 0)
		return depth > 4 ? -ELOOP : -errno;
	d = openat2_fd(dst, dname, O_RDONLY | O_DIRECTORY, HOSTILE);
	if (d < 0)
		return d;
	dir = fdopendir(TAKE_FD(s));
	if (!dir)
		return -errno;
	while (!err && (e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (++n > MAX_ENTRIES) {
			err = -E2BIG;
			break;
		}
		if (e->d_type == DT_DIR)
			err = gitguard_copy_tree(dirfd(dir), e->d_name, d,
						 e->d_name, depth + 1, budget);
		else if (e->d_type == DT_REG)
			err = gitguard_copy_file(dirfd(dir), d, e->d_name, *budget);
		if (!err && e->d_type == DT_REG) {
			struct stat st;

			if (fstatat(d, e->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
				    0 &&
			    (size_t)st.st_size <= *budget)
				*budget -= (size_t)st.st_size;
		}
	}
	closedir(dir);
	return err;
}

/* ---- 4. copy-back (supervisor, after the jail is gone) ---------------- */

/* @s for a terminal: bytes that are not printable ASCII become '?' */
char *gitguard_shown(const char *s)
{
	char *d = xstrdup(s);

	for (char *p = d; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return d;
}

void gitguard_audit(const struct jail_run *run, const char *ev,
		    const char *path, const char *why)
{
	const struct jail_config *cfg = run->cfg;
	const struct audit_field f[] = { AF_STR("path", path),
					 AF_STR("reason", why) };

	if (run->log_fd >= 0)
		audit_write(run->log_fd, cfg->id, ev, f, ARRAY_SIZE(f));
}

/* @name's permission bits in @dir when a regular file, else 0644 */
static mode_t mode_of(int dir, const char *name)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode))
		return st.st_mode & 0777;
	return 0644;
}

static bool same_content(int dir, const char *name, const uint8_t *buf,
			 size_t len, size_t max)
{
	size_t n = 0;
	autofree uint8_t *cur = gitguard_read_hostile(dir, name, max, &n);

	return cur && n == len && !memcmp(cur, buf, len);
}

/* A state file's private copy as gitguard_fill() made it */
#define STAMPS 32		/* per git dir: one per state file */
_Static_assert(ARRAY_SIZE(state_files) <= STAMPS, "a stamp per state file");
struct gitguard_stamp {
	ino_t ino;
	off_t size;
	struct timespec ctim, mtim;
};

void gitguard_note_copy(struct gitguard *g, size_t i, int priv,
			const char *name)
{
	int k = state_file_index(name);
	struct stat st;

	if (k < 0 || i >= g->n_dirs ||
	    fstatat(priv, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!g->stamp)
		g->stamp = xcalloc(g->n_dirs * STAMPS, sizeof(*g->stamp));
	g->stamp[i * STAMPS + (size_t)k] = (struct gitguard_stamp){
		st.st_ino, st.st_size, st.st_ctim, st.st_mtim
	};
	g->copied[i] |= UINT32_C(1) << k;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/*
 * Is state file @k of private dir @priv (git dir @i) still the copy made
 * at the start? Nothing inside can give a changed or new file the inode
 * number and the change time of that copy (the kernel sets ctime; tmpfs
 * never hands out an inode number twice), so an unchanged one is not
 * read again, and the host's own change to the real file stays.
 */
static bool is_unchanged(const struct gitguard *g, size_t i, int priv,
			 size_t k)
{
	const struct gitguard_stamp *s;
	struct stat st;

	if (!g->stamp || !(g->copied[i] & (UINT32_C(1) << k)))
		return false;
	s = &g->stamp[i * STAMPS + k];
	return fstatat(priv, state_files[k].name, &st, AT_SYMLINK_NOFOLLOW) ==
		       0 &&
	       S_ISREG(st.st_mode) && st.st_ino == s->ino &&
	       st.st_size == s->size && same_time(&st.st_ctim, &s->ctim) &&
	       same_time(&st.st_mtim, &s->mtim);
}

/*
 * One allowlisted top-level file from private dir @priv to real @real;
 * @was_copied: it was copied in at the start, so its absence inside now
 * means the jail removed it
 */
static void sync_file(const struct jail_run *run, int priv, int real,
		      const char *gitdir, size_t k, bool was_copied)
{
	const char *name = state_files[k].name;
	autofree uint8_t *buf = NULL;
	autofree char *where = xasprintf("%s/%s", gitdir, name);
	size_t len = 0;
	int err;

	buf = gitguard_read_hostile(priv, name, state_files[k].max, &len);
	/* Without HEAD the host's git would not see a repository at all */
	if (!buf && errno == ENOENT && state_files[k].kind == GITSTATE_HEAD)
		return;
	if (!buf && errno == ENOENT) {
		struct stat st;

		/* Removed inside (a merge concluded): remove it here too */
		if (was_copied &&
		    fstatat(real, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			unlinkat(real, name, 0);
		return;
	}
	if (!buf || gitstate_check(state_files[k].kind, buf, len) < 0) {
		warn("git: \"%s\" from the jail is not a valid %s; not "
		     "copied back",
		     where, name);
		gitguard_audit(run, "git.refused", where, "invalid content");
		return;
	}
	if (state_files[k].kind == GITSTATE_PACKED)
		(void)gitstage_packed_filter(run, real, gitdir, buf, &len);
	if (same_content(real, name, buf, len, state_files[k].max))
		return;
	if (state_files[k].kind == GITSTATE_INDEX &&
	    !gitstage_index_is_safe(run, real, gitdir, buf, len))
		return;
	err = gitguard_replace_file(real, name, buf, len,
				    mode_of(real, name));
	if (err < 0)
		warn("git: write \"%s\": %s", where, strerror(-err));
}

/* The todo list of a rebase or a sequence of picks: no exec line */
static bool todo_is_safe(int priv, const char *name)
{
	static const char *const todos[] = { "git-rebase-todo", "todo" };
	autoclose int d = openat2_fd(priv, name, O_PATH | O_DIRECTORY,
				     HOSTILE);

	if (d < 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(todos); i++) {
		size_t len = 0;
		autofree uint8_t *buf = gitguard_read_hostile(d, todos[i], TEXT_MAX,
						     &len);

		if (!buf && errno == ENOENT)
			continue;
		if (!buf || gitstate_todo_has_exec(buf, len))
			return false;
	}
	return true;
}

/* One state dir (rebase-merge/ ...): replaced whole, or removed */
static void sync_state(const struct jail_run *run, const struct gitguard *g,
		       size_t i, int priv, const char *name)
{
	const char *gitdir = g->dir[i];
	int real = g->dir_fd[i];
	autofree char *tmp = xasprintf(".jail-%s.%d", name, (int)getpid());
	autofree char *where = xasprintf("%s/%s", gitdir, name);
	autoclose int probe = openat2_fd(priv, name, O_PATH, HOSTILE);
	autofree char *bad = NULL;
	size_t budget = STATE_BYTES;
	int err;

	if (probe == -ENOENT) {
		gitguard_remove_tree(real, name, STATE_DEPTH, false);
		return;
	}
	if (!todo_is_safe(priv, name)) {
		warn("git: the todo list in \"%s\" from the jail runs a "
		     "command (exec); the rebase state was not copied back",
		     where);
		gitguard_audit(run, "git.refused", where, "exec in todo list");
		return;
	}
	/* What --continue or --abort on the host would write */
	bad = gitstate_dir_carries(run, g, i, priv, name);
	if (bad) {
		autofree char *v = gitguard_shown(bad);

		warn("git: \"%s\" from the jail applies or checks out what "
		     "carries protected \"%s\" (git rebase, am or cherry-pick "
		     "--continue or --abort on the host would write it); the "
		     "state was not copied back",
		     where, v);
		gitguard_audit(run, "git.refused", where,
			       "names a commit carrying a protected path");
		return;
	}
	gitguard_remove_tree(real, tmp, STATE_DEPTH, false);
	err = gitguard_copy_tree(priv, name, real, tmp, 0, &budget);
	if (err < 0) {
		gitguard_remove_tree(real, tmp, STATE_DEPTH, false);
		warn("git: copy back \"%s\": %s", where, strerror(-err));
		gitguard_audit(run, "git.refused", where, strerror(-err));
		return;
	}
	/* Swapped in whole: host git never sees half a state dir */
	if (renameat2(real, tmp, real, name, RENAME_EXCHANGE) == 0)
		gitguard_remove_tree(real, tmp, STATE_DEPTH, false);
	else if (renameat(real, tmp, real, name) < 0)
		warn("git: copy back \"%s\": %s", where, strerror(errno));
}

/* A new repository's hooks: what `git commit` there would run */
void gitguard_report_hooks(const struct jail_run *run, const char *dotgit)
{
	autofree char *hooks = xasprintf("%s/hooks", dotgit);
	DIR *d = opendir(hooks);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)) && n < 64) {
		size_t len = strlen(e->d_name);
		autofree char *p = NULL;

		if (e->d_name[0] == '.' ||
		    (len > 7 && !strcmp(e->d_name + len - 7, ".sample")))
			continue;
		p = xasprintf("%s/%s", hooks, e->d_name);
		{
			autofree char *v = gitguard_shown(p);

			warn("git: new hook \"%s\" created during the run", v);
		}
		gitguard_audit(run, "git.new_hook", p, "created during the run");
		n++;
	}
	if (d)
		closedir(d);
}

static void found_at_exit(void *arg, const char *path, const struct stat *st)
{
	(void)st;
	gitnew_judge(arg, path);
}

#define STATE_DIR_BIT 32
_Static_assert(ARRAY_SIZE(state_files) <= STATE_DIR_BIT &&
		       STATE_DIR_BIT + ARRAY_SIZE(state_dirs) <= 64,
	       "one bit per state file and state dir");

/*
 * Which state files (bit k for state_files[k]) and state dirs (bit
 * STATE_DIR_BIT + k) directory @dir holds by name, in one read of the
 * directory instead of a lookup per name. A directory too large to read
 * whole (the jail may fill its tmpfs) counts as holding every one of
 * them, so each is looked up as before and none is missed.
 */
static uint64_t state_names_in(int dir)
{
	int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;	/* owns @fd */
	struct dirent *e;
	uint64_t seen = 0;
	size_t n = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return UINT64_MAX;
	}
	while ((e = readdir(d))) {
		int k = state_file_index(e->d_name);

		if (++n > MAX_ENTRIES) {
			seen = UINT64_MAX;
			break;
		}
		if (k >= 0)
			seen |= UINT64_C(1) << k;
		for (size_t j = 0; j < ARRAY_SIZE(state_dirs); j++)
			if (!strcmp(e->d_name, state_dirs[j]))
				seen |= UINT64_C(1) << (STATE_DIR_BIT + j);
	}
	closedir(d);
	return seen;
}

/* The writable trees beside the project, walked whole at exit like it */
static void walk_trees(struct gitnew *r)
{
	const struct gitguard *g = r->g;

	for (size_t t = 0; g && t < g->n_trees; t++) {
		r->tree_fd[t] = open(g->tree[t], O_PATH | O_DIRECTORY |
							 O_CLOEXEC);
		if (gitguard_walk(g->tree[t], g->started, found_at_exit, r) >
		    EXIT_DIRS)
			gittrees_warn_cut(g->tree[t], EXIT_DIRS, EXIT_ENTRIES);
	}
}

/*
 * Under --review the project's changes wait in the overlay for the
 * person, but a --rw tree or --home is written as it is: a repository,
 * a .envrc or a tool file made there lands at once, so those trees are
 * walked and their tops checked like without --review. Their git dirs
 * were read-only whole: no copy-back, no ref moved.
 */
static void finish_review_trees(const struct jail_run *run,
				const struct gitguard *g)
{
	autofree struct gitnew *r = xcalloc(1, sizeof(*r));

	r->run = run;
	r->g = g;
	r->project_fd = -1;
	for (size_t t = 0; t < GITGUARD_MAX_TREES; t++)
		r->tree_fd[t] = -1;
	walk_trees(r);
	gittrees_check_tops(r);
	gitnew_done(r);
}

void gitguard_finish(const struct jail_run *run, const int *tmp_fd,
		     size_t n_fd)
{
	const struct jail_config *cfg = run->cfg;
	const struct gitguard *g = cfg->git;
	autofree struct gitnew *r = NULL;
	off_t stash_len[GITGUARD_MAX_DIRS];

	if (!g && cfg->git_review && cfg->git_review->n_trees) {
		finish_review_trees(run, cfg->git_review);
		return;
	}
	r = xcalloc(1, sizeof(*r));
	r->run = run;
	r->g = g;
	r->project_fd = open(cfg->project, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t t = 0; t < GITGUARD_MAX_TREES; t++)
		r->tree_fd[t] = -1;
	/*
	 * The whole tree: a repository made anywhere is one host git enters
	 * once the person's `git add -A` makes it a gitlink
	 */
	if (g && gitguard_walk(cfg->project, g->started, found_at_exit, r) >
			 EXIT_DIRS)
		gittrees_warn_cut(cfg->project, EXIT_DIRS, EXIT_ENTRIES);
	walk_trees(r);

	/* The stash's reflogs as they were: what the copy-back adds is new */
	for (size_t i = 0; g && i < g->n_dirs; i++)
		stash_len[i] = g->dir_fd[i] >= 0 ?
				       githead_stash_log_len(g->dir_fd[i]) :
				       0;
	/*
	 * The child sent one tmpfs per git dir, in order, then one for
	 * each one's logs/, or none at all
	 */
	for (size_t i = 0; g && n_fd >= 2 * g->n_dirs && i < g->n_dirs; i++) {
		int priv = tmp_fd[i];
		uint64_t seen, in_priv;

		if (priv < 0 || g->dir_fd[i] < 0)
			continue;
		/* Absent on both sides: nothing to copy, nothing to remove */
		in_priv = state_names_in(priv);
		seen = in_priv | state_names_in(g->dir_fd[i]);
		for (size_t k = 0; k < ARRAY_SIZE(state_files); k++) {
			bool was_copied = g->copied[i] & (UINT32_C(1) << k);

			if (!(seen & (UINT64_C(1) << k)))
				continue;
			/* Untouched inside, or never there: the host's */
			if (was_copied ? is_unchanged(g, i, priv, k) :
					 !(in_priv & (UINT64_C(1) << k)))
				continue;
			sync_file(run, priv, g->dir_fd[i], g->dir[i], k,
				  was_copied);
		}
		for (size_t k = 0; k < ARRAY_SIZE(state_dirs); k++)
			if (seen & (UINT64_C(1) << (STATE_DIR_BIT + k)))
				sync_state(run, g, i, priv, state_dirs[k]);
		if (tmp_fd[g->n_dirs + i] >= 0)
			gitlogs_copy_back(run, tmp_fd[g->n_dirs + i],
					  g->dir_fd[i], g->dir[i]);
		if (gitlogs_is_private(tmp_fd[g->n_dirs + i]))
			r->logs_private |= UINT64_C(1) << i;
	}
	/* The gitlinks as they landed: host git enters each at once */
	if (g) {
		githead_check(run, g, stash_len);
		gitnew_drop_symlinks(r);
		for (size_t i = 0; i < g->n_dirs; i++)
			if (g->dir_fd[i] >= 0)
				gitstage_drop_replace_refs(run, g->dir_fd[i],
							   g->dir[i], g->started);
		gitnew_judge_gitlinks(r);
		gitnew_check_agent_dirs(r);
		gittrees_check_tops(r);
	}
	gitnew_done(r);
}

// SPDX-License-Identifier: MIT
/*
 * gitnew.c - git repositories that appeared in the tree during the run
 * (gitguard.c step 4)
 *
 * Also here: symlinks made during the run in the git dirs' shared
 * directories (objects/, refs/, logs/, rr-cache/, lfs/), which host git
 * writes through, are removed.
 *
 * A repository the jail made is trusted by host git like any other: its
 * config (core.fsmonitor, aliases, filters), its hooks and a .git
 * pointer to a git dir planted elsewhere all run on the host. Host git
 * goes into one without being asked: `git status` in the project enters
 * every gitlink of the index whose path holds a .git (the jail commits
 * one with `git add sub`), an editor opens the repositories it finds in
 * the folder, and a project that was no repository at start gets its
 * .git from the jail.
 *
 * A directory of the project made a bare repository (HEAD, objects/,
 * refs/) is one for git run inside it: `git log` in docs/ obeys its
 * core.pager.
 *
 * So after the jail is gone the supervisor judges each .git and each bare
 * repository that was not there at start, found by the bounded walk of
 * the tree, and each .git at a gitlink of the guarded git dirs' indexes
 * and of the new repositories it keeps: it is kept only when it is a
 * plain directory whose config holds what `git init` and `git clone`
 * write (gitcfg_is_inert()), with no hook but git's samples, no
 * commondir and no config.worktree. Anything else is renamed out of git's
 * sight (.git-jail-quarantine beside it; a bare repository's HEAD to
 * HEAD.jail-quarantine; never over an existing name),
 * warned about and logged (git.quarantined); the person looks and renames
 * it back. Every name is resolved beneath the project without following
 * a symlink.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"
#include "host/gitguard.h"
#include "host/gittrees.h"
#include "parse/gitindex.h"
#include "parse/parse.h"

#define HOSTILE GITGUARD_RESOLVE
#define INDEX_MAX (512 << 20)
#define MAX_GITLINKS 1024	/* gitlinks looked at per index */
#define QUARANTINE ".git-jail-quarantine"
#define NEST_DEPTH 4		/* new repositories within new ones */
#define RANDOM_TRIES 4		/* names aside the jail cannot guess */
#define JUDGED_MAX 4096		/* repositories judged; beyond: moved aside */
#define CHANGED_DEPTH 8		/* levels of a git dir looked at for change */
#define CHANGED_ENTRIES 65536	/* entries of one git dir looked at */

/* Does the hooks dir of @gfd hold anything but git's samples? */
static bool has_hooks(int gfd)
{
	int fd = openat2_fd(gfd, "hooks", O_RDONLY | O_DIRECTORY | O_NONBLOCK,
			    HOSTILE);
	DIR *d;
	struct dirent *e;
	bool found = false;
	size_t n = 0;

	if (fd == -ENOENT)
		return false;
	if (fd < 0)
		return true;	/* a symlink, a file: not git's own */
	d = fdopendir(fd);	/* @d owns @fd from here */
	if (!d) {
		close(fd);
		return true;
	}
	while (!found && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (++n > GITGUARD_MAX_ENTRIES)
			found = true;
		else if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			found = !(len > 7 &&
				  !strcmp(e->d_name + len - 7, ".sample"));
	}
	closedir(d);
	return found;
}

static bool is_absent(int gfd, const char *name)
{
	struct stat st;

	return fstatat(gfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	       errno == ENOENT;
}

/* Is the new git dir @gfd one host git may enter without running ours? */
static bool is_inert(int gfd)
{
	autofree uint8_t *buf = NULL;
	size_t len = 0;

	if (!is_absent(gfd, "commondir") ||
	    !is_absent(gfd, "config.worktree") || has_hooks(gfd))
		return false;
	buf = gitguard_read_hostile(gfd, "config", GITCFG_INPUT_MAX, &len);
	if (!buf)
		return errno == ENOENT;
	return gitcfg_is_inert(buf, len) == 1;
}

/*
 * Rename @name in @dir to @base (or @base.N), never over a name. The
 * jail may have made those names already to keep its file in place: then
 * a name it cannot guess (@base.RANDOM).
 */
int gitguard_rename_aside(int dir, const char *name, const char *base,
			  char **to)
{
	for (int i = 0; i < 10 + RANDOM_TRIES; i++) {
		uint64_t r = 0;

		free(*to);
		if (i >= 10 && getrandom(&r, sizeof(r), 0) != sizeof(r))
			return -errno;
		*to = i >= 10 ? xasprintf("%s.%016llx", base,
					  (unsigned long long)r) :
		      i ? xasprintf("%s.%d", base, i) :
			  xstrdup(base);
		if (renameat2(dir, name, dir, *to, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/*
 * Put @rel (a .git, or a bare repository's directory, beneath the
 * project) out of git's sight: the .git is renamed; a bare repository,
 * which is the project's own directory, loses only its HEAD's name
 */
static int quarantine(int project_fd, const char *rel, bool is_bare,
		      char **to)
{
	const char *slash = strrchr(rel, '/');
	autofree char *parent = slash ? xasprintf("%.*s", (int)(slash - rel),
						  rel) :
					xstrdup(".");
	autoclose int pfd = openat2_fd(project_fd, is_bare ? rel : parent,
				       O_PATH | O_DIRECTORY, HOSTILE);

	int err;

	if (pfd < 0)
		return pfd;
	if (is_bare)
		return gitguard_rename_aside(pfd, "HEAD", "HEAD.jail-quarantine",
					     to);
	err = gitguard_rename_aside(pfd, ".git", QUARANTINE, to);
	/*
	 * Aside, a git dir is still one for git run inside it (a look with
	 * `git -C .git-jail-quarantine log` would obey its core.pager):
	 * its HEAD goes aside too, where it is a directory
	 */
	if (err == 0) {
		autoclose int qfd = openat2_fd(pfd, *to, O_PATH | O_DIRECTORY,
					       HOSTILE);
		autofree char *head = NULL;

		if (qfd >= 0)
			(void)gitguard_rename_aside(qfd, "HEAD",
						    "HEAD.jail-quarantine", &head);
	}
	return err;
}

static bool is_dotgit_path(const char *path)
{
	size_t n = strlen(path);

	return n > 5 && !strcmp(path + n - 5, "/.git");
}

/* Guarded for the run (its control files could not change), or judged
 * already? */
static bool seen_before(struct gitnew *r, const char *path)
{
	if (gitguard_is_listed(r->g, path))
		return true;
	for (size_t i = 0; i < r->n_seen; i++)
		if (!strcmp(r->seen[i], path))
			return true;
	if (r->n_seen < ARRAY_SIZE(r->seen))
		r->seen[r->n_seen++] = xstrdup(path);
	return false;
}

static void warn_kept(struct gitnew *r, const char *path)
{
	autofree char *v = gitguard_shown(path);

	warn("git: new repository \"%s\" created during the run; its config "
	     "and hooks are the jail's: review them before running git "
	     "there",
	     v);
	gitguard_audit(r->run, "git.new_repo", path, "created during the run");
}

static void warn_quarantined(struct gitnew *r, const char *path,
			     const char *to, int err, bool is_new)
{
	autofree char *v = gitguard_shown(path);
	autofree char *t = gitguard_shown(to ? to : "");

	if (err < 0) {
		warn("git: new repository \"%s\" names commands or another "
		     "git dir and could not be moved aside (%s): do not run "
		     "git there before you looked",
		     v, strerror(-err));
		gitguard_audit(r->run, "git.quarantined", path,
			       "could not be moved aside");
		return;
	}
	warn("git: %s repository \"%s\" %s during the run names "
	     "commands, hooks or another git dir: moved aside to \"%s\" "
	     "%s; look before you rename it back",
	     is_new ? "new" : "the", v, is_new ? "created" : "changed", t,
	     is_dotgit_path(path) ?
		     "beside it, its HEAD to HEAD.jail-quarantine in it" :
		     "inside it");
	gitguard_audit(r->run, "git.quarantined", path,
		       "config, hooks or pointer of the jail's");
}

static void judge_gitlinks(struct gitnew *r, int gfd, const char *top);

/* The gitlinks of the kept new repository @gfd at @path (its .git) */
static void judge_nested(struct gitnew *r, int gfd, const char *path)
{
	autofree char *top = xasprintf("%.*s", (int)(strlen(path) - 5), path);

	if (r->depth >= NEST_DEPTH)
		return;
	r->depth++;
	judge_gitlinks(r, gfd, top);
	r->depth--;
}

static bool is_recent(const struct gitnew *r, const struct stat *st)
{
	return st->st_ctim.tv_sec + 1 >= r->g->started;
}

/*
 * Did anything below git dir (or directory of one) @fd, taken over,
 * change during the run where ordinary git work does not write: config,
 * hooks/, info/, commondir, a submodule's or a worktree's git dir? The
 * kernel sets ctime: nothing inside can put it back. Unreadable, or too
 * large to look at whole: changed.
 */
static bool control_changed(const struct gitnew *r, int fd, int depth,
			    size_t *n)
{
	DIR *d = fdopendir(fd);	/* owns @fd from here */
	struct stat st;
	struct dirent *e;
	bool changed = false, is_gitdir;

	if (!d) {
		close(fd);
		return true;
	}
	is_gitdir = fstatat(dirfd(d), "HEAD", &st, AT_SYMLINK_NOFOLLOW) == 0;
	while (!changed && (e = readdir(d))) {
		size_t max = 0;
		enum gitguard_kind k;
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (++*n > CHANGED_ENTRIES || depth > CHANGED_DEPTH ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return closedir(d), true;
		k = is_gitdir ? gitguard_kind_of(e->d_name, S_ISDIR(st.st_mode),
						 &max) :
				GITGUARD_OTHER;
		if (k == GITGUARD_RW_DIR || k == GITGUARD_STATE_DIR ||
		    k == GITGUARD_STATE_FILE)
			continue;
		changed = is_recent(r, &st);
		if (changed || !S_ISDIR(st.st_mode))
			continue;
		sub = openat(dirfd(d), e->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK |
				     O_CLOEXEC);
		changed = sub < 0 || control_changed(r, sub, depth + 1, n);
	}
	closedir(d);
	return changed;
}

/*
 * Was repository @rel (a .git, or a bare one's directory) made or
 * changed during the run? One the start walk did not reach (deeper down,
 * in a package tree) was open to the jail like any directory; an old one
 * left alone is the person's and stays as it is. Where the file system
 * keeps no birth time, a new one is found by its new files.
 */
static bool made_or_changed(const struct gitnew *r, int root_fd,
			    const char *rel, int gfd, bool *is_new)
{
	struct statx stx;
	struct stat st;
	size_t n = 0;
	int fd;

	/* Born during the run; a git dir's own ctime moves with its work */
	if (statx(root_fd, rel, AT_SYMLINK_NOFOLLOW, STATX_BTIME,
		  &stx) < 0)
		return true;
	*is_new = (stx.stx_mask & STATX_BTIME) &&
		  stx.stx_btime.tv_sec + 1 >= r->g->started;
	if (*is_new)
		return true;
	/* An old .git file or symlink: rewritten, or its git dir is judged
	 * where it lies */
	if (gfd < 0)
		return fstatat(root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		       is_recent(r, &st);
	fd = openat(gfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 || control_changed(r, fd, 0, &n);
}

/* Was @path among the .git entries the start walk saw? */
static bool was_at_start(const struct gitnew *r, const char *path)
{
	for (size_t i = 0; i < r->g->n_dotgit; i++)
		if (!strcmp(r->g->dotgit[i], path))
			return true;
	return false;
}

/*
 * Judge @rel (@gfd: its git dir, or negative for a .git file or
 * symlink)? One seen at start is no new one: its pointer is protected
 * (a git dir it names is guarded or judged where it lies), and a git
 * dir there beyond the list's bounds, not guarded, is judged when its
 * control files changed. Any other by its birth and change times.
 */
static bool to_judge(const struct gitnew *r, int root_fd, const char *path,
		     const char *rel, int gfd, bool *is_new)
{
	size_t n = 0;
	int fd;

	if (!was_at_start(r, path))
		return made_or_changed(r, root_fd, rel, gfd, is_new);
	*is_new = false;
	if (gfd < 0)
		return false;
	fd = openat(gfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 || control_changed(r, fd, 0, &n);
}

/* The walked tree @path lies in (the project, a --rw tree, --home): its
 * descriptor, and the length of its path; -1 for none */
static int root_of(const struct gitnew *r, const char *path, size_t *n)
{
	const struct gitguard *g = r->g;

	for (size_t t = 0; t <= (g ? g->n_trees : 0); t++) {
		const char *root = t ? g->tree[t - 1] : r->run->cfg->project;

		*n = strlen(root);
		if (!strncmp(path, root, *n) && path[*n] == '/')
			return t ? r->tree_fd[t - 1] : r->project_fd;
	}
	return -1;
}

/*
 * A file of a walked tree that a host tool obeys as it finds it: a
 * .envrc below the top (direnv loads the one of each directory it
 * enters, at once under a whitelisted prefix), a VS Code workspace file
 * (its tasks run when it is opened). Made or rewritten during the run
 * (its ctime): moved aside to NAME.jail-quarantine. @why: the tool
 */
static void judge_tool_file(struct gitnew *r, const char *path,
			    const char *why)
{
	struct stat st;
	size_t n = 0;
	int root_fd = root_of(r, path, &n);
	const char *rel = path + n + 1;
	const char *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;
	autofree char *parent = NULL;
	autofree char *base = NULL;
	autofree char *to = NULL;
	autofree char *v = NULL;
	autoclose int pfd = -1;
	int err;

	if (root_fd < 0 || !r->g ||
	    fstatat(root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_ctim.tv_sec + 1 < r->g->started)
		return;
	/* A protected one could not change: a placeholder if anything */
	for (size_t i = 0; i < r->run->cfg->n_mounts; i++)
		if (r->run->cfg->mounts[i].kind == MOUNT_PROTECT &&
		    !strcmp(r->run->cfg->mounts[i].path, path))
			return;
	parent = slash ? xasprintf("%.*s", (int)(slash - rel), rel) :
			 xstrdup(".");
	base = xasprintf("%s.jail-quarantine", name);
	pfd = openat2_fd(root_fd, parent, O_PATH | O_DIRECTORY, HOSTILE);
	err = pfd < 0 ? pfd : gitguard_rename_aside(pfd, name, base, &to);
	v = gitguard_shown(path);
	if (err < 0)
		warn("\"%s\" was made or changed during the run (%s) and "
		     "could not be moved aside (%s): look before a tool "
		     "opens it",
		     v, why, strerror(-err));
	else
		warn("\"%s\" was made or changed during the run (%s): moved "
		     "aside to \"%s\"; look before you rename it back",
		     v, why, to);
	gitguard_audit(r->run, "fs.quarantined", path, why);
}

void gitnew_judge(struct gitnew *r, const char *path)
{
	size_t n = 0;
	int root_fd = root_of(r, path, &n);
	const char *rel = path + n + 1;
	autoclose int gfd = -1;
	autofree char *to = NULL;
	const char *why;
	bool is_new = true;
	int err;

	if (strlen(path) > 7 && !strcmp(path + strlen(path) - 7, "/.envrc")) {
		judge_tool_file(r, path, "direnv loads it on cd");
		return;
	}
	if ((why = gitguard_editor_file_why(strrchr(path, '/') + 1))) {
		judge_tool_file(r, path, why);
		return;
	}
	if (root_fd < 0 || seen_before(r, path))
		return;
	/* A .git file or symlink names a git dir: the jail chose which */
	gfd = openat2_fd(root_fd, rel,
			 O_PATH | O_DIRECTORY | O_NOFOLLOW, HOSTILE);
	if (gfd == -ENOENT || !to_judge(r, root_fd, path, rel, gfd, &is_new))
		return;
	/* Beyond the bound, nothing is believed: moved aside */
	if (r->n_judged++ < JUDGED_MAX && gfd >= 0 && is_inert(gfd)) {
		if (is_new && r->n_kept++ < GITGUARD_MAX_NEW)
			warn_kept(r, path);
		/* Host git status there goes on into its own gitlinks */
		if (is_dotgit_path(path))
			judge_nested(r, gfd, path);
		return;
	}
	gitguard_report_hooks(r->run, path);
	err = quarantine(root_fd, rel, !is_dotgit_path(path), &to);
	warn_quarantined(r, path, to, err, is_new);
}

/*
 * The gitlinks of the index in git dir @gfd, whose working tree is
 * @top: host git enters each whose path holds a .git
 */
static void judge_gitlinks(struct gitnew *r, int gfd, const char *top)
{
	autofree uint8_t *buf = NULL;
	autofree struct gitindex *ix = xmalloc(sizeof(*ix));
	struct gitindex_entry e;
	size_t len = 0, n = 0;

	buf = gitguard_read_hostile(gfd, "index", INDEX_MAX, &len);
	if (!buf || gitindex_open(ix, buf, len) < 0)
		return;
	while (n < MAX_GITLINKS && gitindex_next(ix, &e) == 1) {
		autofree char *p = NULL;

		if (e.mode != 0160000)
			continue;
		n++;
		p = xasprintf("%s/%s/.git", top, e.path);
		gitnew_judge(r, p);
	}
}

void gitnew_judge_gitlinks(struct gitnew *r)
{
	const struct gitguard *g = r->g;

	for (size_t i = 0; i < g->n_dirs; i++) {
		/* A .git's work tree, a linked worktree's, a submodule's */
		const char *top = g->top[i];

		/* The project's worktree dir, from before its gitdir file */
		if (!top && strstr(g->dir[i], "/worktrees/"))
			top = r->run->cfg->project;
		if (top && g->dir_fd[i] >= 0)
			judge_gitlinks(r, g->dir_fd[i], top);
	}
}

#define LINK_DEPTH 8		/* directory levels below a shared dir */
#define LINK_ENTRIES (1 << 20)	/* entries read in all shared dirs */

/* Directory @fd (taken over) at @path: unlink the symlinks made lately */
/* objects/ab: loose objects, which git writes beside, never through */
static bool is_fanout(const char *name)
{
	return strlen(name) == 2 && isxdigit((unsigned char)name[0]) &&
	       isxdigit((unsigned char)name[1]);
}

static void drop_in(struct gitnew *r, int fd, const char *path, int depth,
		    size_t *n)
{
	bool in_objects = depth == 0 && strlen(path) > 8 &&
			  !strcmp(path + strlen(path) - 8, "/objects");

	DIR *d = fdopendir(fd);
	struct dirent *e;

	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) && ++*n < LINK_ENTRIES) {
		struct stat st;
		autofree char *p = NULL;
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (e->d_type != DT_LNK && e->d_type != DT_DIR &&
		     e->d_type != DT_UNKNOWN) ||
		    (in_objects && e->d_type == DT_DIR && is_fanout(e->d_name)))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		/*
		 * A directory whose entries did not change during the run
		 * (its ctime) and that holds no directory (two links) has
		 * no new symlink
		 */
		if (S_ISDIR(st.st_mode) &&
		    (depth >= LINK_DEPTH ||
		     (st.st_ctim.tv_sec + 1 < r->g->started &&
		      st.st_nlink == 2)))
			continue;
		p = xasprintf("%s/%s", path, e->d_name);
		if (S_ISDIR(st.st_mode)) {
			sub = openat(dirfd(d), e->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_NONBLOCK | O_CLOEXEC);
			if (sub >= 0)
				drop_in(r, sub, p, depth + 1, n);
			continue;
		}
		/* The kernel sets ctime: a symlink made or moved here lately */
		if (!S_ISLNK(st.st_mode) ||
		    st.st_ctim.tv_sec + 1 < r->g->started)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0) {
			autofree char *v = gitguard_shown(p);

			warn("git: symlink \"%s\" made during the run removed: "
			     "host git would write through it",
			     v);
			gitguard_audit(r->run, "git.refused", p,
				       "symlink in a shared git dir");
		}
	}
	closedir(d);
}

void gitnew_drop_symlinks(struct gitnew *r)
{
	const struct gitguard *g = r->g;
	size_t n = 0;

	for (size_t i = 0; i < g->n_dirs; i++) {
		static const char *const shared[] = { "objects", "refs",
						      "logs", "rr-cache",
						      "lfs" };

		for (size_t k = 0; g->dir_fd[i] >= 0 && k < ARRAY_SIZE(shared);
		     k++) {
			size_t max = 0;
			autofree char *p = NULL;
			int fd;

			if (gitguard_kind_of(shared[k], true, &max) !=
				    GITGUARD_RW_DIR ||
			    (!strcmp(shared[k], "logs") &&
			     (r->logs_private & (UINT64_C(1) << i))))
				continue;
			fd = openat2_fd(g->dir_fd[i], shared[k],
					O_RDONLY | O_DIRECTORY | O_NONBLOCK,
					HOSTILE);
			if (fd < 0)
				continue;
			p = xasprintf("%s/%s", g->dir[i], shared[k]);
			drop_in(r, fd, p, 0, &n);
		}
	}
}

void gitnew_check_agent_dirs(struct gitnew *r)
{
	for (size_t i = 0; i < gitguard_n_agent_dirs; i++) {
		const char *name = gitguard_agent_dirs[i];
		autofree char *path = NULL;
		autofree char *base = NULL;
		autofree char *to = NULL;
		autofree char *v = NULL;
		struct stat st;
		int err;

		if (!(r->g->agent_absent & (1u << i)) || r->project_fd < 0 ||
		    fstatat(r->project_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		path = xasprintf("%s/%s", r->run->cfg->project, name);
		base = xasprintf("%s.jail-quarantine", name);
		err = gitguard_rename_aside(r->project_fd, name, base, &to);
		v = gitguard_shown(path);
		if (err < 0)
			warn("\"%s\" was created during the run (%s) and could "
			     "not be moved aside (%s): look before an agent "
			     "or editor opens the project",
			     v, gitguard_agent_dirs_why[i], strerror(-err));
		else
			warn("\"%s\" was created during the run (%s): moved "
			     "aside to \"%s\"; look before you rename it back",
			     v, gitguard_agent_dirs_why[i], to);
		gitguard_audit(r->run, "fs.quarantined", path,
			       gitguard_agent_dirs_why[i]);
	}
}

void gitnew_done(struct gitnew *r)
{
	for (size_t i = 0; i < r->n_seen; i++)
		free(r->seen[i]);
	r->n_seen = 0;
	if (r->project_fd >= 0)
		close(r->project_fd);
	r->project_fd = -1;
	for (size_t t = 0; t < GITGUARD_MAX_TREES; t++) {
		if (r->tree_fd[t] >= 0)
			close(r->tree_fd[t]);
		r->tree_fd[t] = -1;
	}
}

// SPDX-License-Identifier: MIT
/*
 * gitview.c - the private git dirs in the jail's view (gitguard.c step 3)
 *
 * In the command child, before pivot_root(): a private dir (a clone of
 * one directory of a tmpfs made for them all, the logs/ layers beside
 * them) is attached over each guarded git dir, parents first, and
 * filled from the real one,
 * which the supervisor opened before the jail existed and which is
 * reopened here and checked to be the same directory: the real
 * objects/, refs/, rr-cache/, lfs/ read-write, logs/ an overlay over the
 * real one (gitlogs.c), everything else
 * read-only; worktrees/ and modules/ are directories of the tmpfs where
 * each git dir below gets its own private dir. Every name is opened beneath its
 * directory without following a symlink; a top-level symlink is
 * recreated in the tmpfs, where it can do no harm.
 *
 * The copies of the state files and dirs git replaces by lock and rename
 * (HEAD, index, rebase-merge/ ...) and the project's info/exclude are
 * made meanwhile by the supervisor, which is idle then: the child makes
 * the private dirs first and passes them (MSG_GITFS), and waits for
 * MSG_GIT_FILLED before COMMAND runs. The supervisor reads the real git
 * dirs through the descriptors it opened before the jail existed, and
 * writes only into the new tmpfs, before anything of the jail
 * runs; killed meanwhile, it leaves nothing on the host, and the jail,
 * which never gets MSG_GIT_FILLED, never runs COMMAND.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"
#include "host/gitguard.h"
#include "config/config.h"
#include "parse/parse.h"

#define ATTR_RO (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define ATTR_RW (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define HOSTILE GITGUARD_RESOLVE

static bool is_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	return !strncmp(path, root, n) && (path[n] == '/' || !path[n]);
}

/*
 * Bind @name of @src (read-only or not) at the same name in @dst. @dst is
 * a private tmpfs only this process writes: its mount point is made and
 * the mount attached by name there, with no descriptor of its own.
 */
static int bind_entry(int src, int dst, const char *name, bool is_dir,
		      uint64_t attr)
{
	autoclose int from = openat2_fd(src, name, O_PATH | O_NOFOLLOW,
					HOSTILE);
	autoclose int tree = -1;
	struct mount_attr ma = { .attr_set = attr };
	int err;

	if (from < 0)
		return from;
	err = is_dir ? mkdirat(dst, name, 0755) :
		       mknodat(dst, name, S_IFREG | 0644, 0);
	if (err < 0 && errno != EEXIST)
		return -errno;
	tree = open_tree(from, "",
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
				 AT_RECURSIVE);
	if (tree < 0)
		return -errno;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma,
			  sizeof(ma)) < 0)
		return -errno;
	if (move_mount(tree, "", dst, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/* A symlink at the top level is recreated: the tmpfs copy is harmless */
static int copy_symlink(int src, int dst, const char *name)
{
	char target[4096];
	ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	target[n] = '\0';
	return symlinkat(target, dst, name) < 0 ? -errno : 0;
}

static bool has_listed_below(const struct gitguard *g, const char *path)
{
	for (size_t i = 0; i < g->n_dirs; i++)
		if (is_under(g->dir[i], path))
			return true;
	return false;
}

/*
 * worktrees/ and modules/: a writable directory of the tmpfs where the
 * git dirs below get their own private dirs (made as mount points here),
 * anything else read-only
 */
static int mirror_nest(const struct gitguard *g, int src, int dst,
		       const char *name, const char *path, int depth)
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
	if (depth > 5 || (mkdirat(dst, name, 0755) < 0 && errno != EEXIST))
		return depth > 5 ? -ELOOP : -errno;
	d = openat2_fd(dst, name, O_PATH | O_DIRECTORY, HOSTILE);
	if (d < 0)
		return d;
	dir = fdopendir(TAKE_FD(s));
	if (!dir)
		return -errno;
	while (!err && (e = readdir(dir)) && ++n < GITGUARD_MAX_ENTRIES) {
		autofree char *p = NULL;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", path, e->d_name);
		if (gitguard_is_listed(g, p))
			err = mkdirat(d, e->d_name, 0755) < 0 ? -errno : 0;
		else if (e->d_type == DT_DIR && has_listed_below(g, p))
			err = mirror_nest(g, dirfd(dir), d, e->d_name, p,
					  depth + 1);
		else if (e->d_type == DT_LNK)
			err = copy_symlink(dirfd(dir), d, e->d_name);
		else
			err = bind_entry(dirfd(dir), d, e->d_name,
					 e->d_type == DT_DIR, ATTR_RO);
	}
	closedir(dir);
	return err;
}

static bool is_project_git(const struct jail_config *cfg, size_t i)
{
	size_t n = strlen(cfg->project);
	const char *d = cfg->git->dir[i];

	return !strncmp(d, cfg->project, n) && !strcmp(d + n, "/.git");
}

/*
 * The project's info/: read-only binds but for `exclude`, a private copy
 * the supervisor makes (gitguard_fill(); the same directory may be made
 * there first)
 */
static int private_info(int src, int dst)
{
	autoclose int s = openat2_fd(src, "info", O_RDONLY | O_DIRECTORY,
				     HOSTILE);
	autoclose int d = -1;
	size_t k = 0;
	DIR *dir = NULL;
	struct dirent *e;
	int err = 0;

	if (mkdirat(dst, "info", 0755) < 0 && errno != EEXIST)
		return -errno;
	d = openat2_fd(dst, "info", O_PATH | O_DIRECTORY, HOSTILE);
	if (d < 0)
		return d;
	if (s >= 0 && !(dir = fdopendir(TAKE_FD(s))))
		return -errno;
	while (!err && dir && (e = readdir(dir)) && ++k < GITGUARD_MAX_ENTRIES) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!strcmp(e->d_name, "exclude") && e->d_type == DT_REG)
			continue;	/* the supervisor's copy */
		if (e->d_type == DT_LNK)
			err = copy_symlink(dirfd(dir), d, e->d_name);
		else if (e->d_type == DT_REG || e->d_type == DT_DIR)
			err = bind_entry(dirfd(dir), d, e->d_name,
					 e->d_type == DT_DIR, ATTR_RO);
	}
	if (dir)
		closedir(dir);
	return err;
}

/* One top-level entry of git dir @i into its private dir @dst */
static int fill_entry(const struct jail_config *cfg, size_t i, int src,
		      int dst, const struct dirent *e)
{
	const struct gitguard *g = cfg->git;
	const char *name = e->d_name;
	size_t max = 0;
	enum gitguard_kind kind = gitguard_kind_of(name, e->d_type == DT_DIR,
						   &max);
	autofree char *p = NULL;

	if (e->d_type == DT_LNK)
		return copy_symlink(src, dst, name);
	switch (kind) {
	case GITGUARD_RW_DIR:
		return bind_entry(src, dst, name, true, ATTR_RW);
	case GITGUARD_STATE_DIR:
		return 0;	/* copied by the supervisor (gitguard_fill()) */
	case GITGUARD_NEST_DIR:
		p = xasprintf("%s/%s", g->dir[i], name);
		return mirror_nest(g, src, dst, name, p, 0);
	case GITGUARD_STATE_FILE:
		if (e->d_type == DT_REG)
			return 0;	/* copied by the supervisor */
		break;
	case GITGUARD_OTHER:
		break;
	}
	if (e->d_type == DT_DIR && !strcmp(name, "info") &&
	    is_project_git(cfg, i))
		return 0;	/* made by private_info() */
	if (e->d_type == DT_DIR || e->d_type == DT_REG)
		return bind_entry(src, dst, name, e->d_type == DT_DIR,
				  ATTR_RO);
	/* Sockets, FIFOs, devices: nothing git needs */
	return 0;
}

bool gitguard_binds_whole(const struct jail_config *cfg, const char *path)
{
	const struct gitguard *g = cfg->git;
	const char *name = strrchr(path, '/');
	size_t max = 0;

	if (!g || !name)
		return false;
	for (size_t i = 0; i < g->n_dirs; i++) {
		size_t n = strlen(g->dir[i]);

		if (strncmp(path, g->dir[i], n) || path + n != name)
			continue;
		/* info/ of the project's own git dir is made, not bound */
		if (!strcmp(name + 1, "info") && is_project_git(cfg, i))
			return false;
		return gitguard_kind_of(name + 1, true, &max) ==
		       GITGUARD_OTHER;
	}
	return false;
}

int *gitguard_open_sources(const struct jail_config *cfg)
{
	const struct gitguard *g = cfg->git;
	int *fds;

	if (!g || !g->n_dirs)
		return NULL;
	fds = xcalloc(g->n_dirs, sizeof(*fds));
	for (size_t i = 0; i < g->n_dirs; i++) {
		struct stat want, got;

		/*
		 * The supervisor's descriptor lives in its mount namespace,
		 * where nothing can be cloned from: open the path again here
		 * and accept it only if it is the very same directory
		 */
		fds[i] = openat2_fd(AT_FDCWD, g->dir[i],
				    O_RDONLY | O_DIRECTORY,
				    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fds[i] < 0 || g->dir_fd[i] < 0 ||
		    fstat(g->dir_fd[i], &want) < 0 || fstat(fds[i], &got) < 0 ||
		    want.st_dev != got.st_dev || want.st_ino != got.st_ino)
			die("git dir \"%s\": changed before the jail started",
			    g->dir[i]);
	}
	return fds;
}

/*
 * logs/ as an overlay (gitlogs.c), even where the real git dir has none
 * yet; else, with an old kernel, the real one bound read-write
 */
static void private_logs(const struct gitguard *g, size_t i, int src,
			 int dst, int up, bool has_logs)
{
	int err = gitlogs_mount(src, dst, up);

	if (err < 0 && has_logs) {
		warn("git dir \"%s\": logs/ shared with the host (no "
		     "overlay: %s)",
		     g->dir[i], strerror(-err));
		err = bind_entry(src, dst, "logs", true, ATTR_RW);
	}
	if (err < 0 && has_logs) {
		errno = -err;
		die_errno("git dir \"%s\": private copy of \"logs\"",
			  g->dir[i]);
	}
}

static void fill_private(const struct jail_config *cfg, size_t i, int src,
			 int dst, int up)
{
	const struct gitguard *g = cfg->git;
	DIR *dir;
	struct dirent *e;
	size_t n = 0;
	int logs = -1;	/* the real logs/: absent, a directory, other */

	if (!(dir = fdopendir(src)))
		die_errno("git dir \"%s\"", g->dir[i]);
	while ((e = readdir(dir))) {
		int err;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (++n > GITGUARD_MAX_ENTRIES)
			die("git dir \"%s\": more than %d entries", g->dir[i],
			    GITGUARD_MAX_ENTRIES);
		if (!strcmp(e->d_name, "logs") && e->d_type == DT_DIR) {
			logs = 1;
			continue;
		}
		if (!strcmp(e->d_name, "logs"))
			logs = 0;
		err = fill_entry(cfg, i, dirfd(dir), dst, e);
		if (err < 0) {
			errno = -err;
			die_errno("git dir \"%s\": private copy of \"%s\"",
				  g->dir[i], e->d_name);
		}
	}
	if (logs)
		private_logs(g, i, dirfd(dir), dst, up, logs == 1);
	if (is_project_git(cfg, i)) {
		int err = private_info(dirfd(dir), dst);

		if (err < 0) {
			errno = -err;
			die_errno("git dir \"%s\": private info/", g->dir[i]);
		}
	}
	closedir(dir);
}

/* Directory @name of @tmp, made, opened to be written beneath */
static int new_dir(int tmp, const char *name)
{
	if (mkdirat(tmp, name, 0755) < 0)
		return -errno;
	return openat2_fd(tmp, name, O_RDONLY | O_DIRECTORY, HOSTILE);
}

/*
 * One tmpfs for every git dir: a mount of its own each, and one each for
 * the logs/ layers, cost a superblock apiece to make and to tear down.
 * The jail sees only clones of the private dirs (a clone's root is its
 * top: the logs/ layers beside them stay out of reach).
 */
int *gitguard_new_private(const struct jail_config *cfg)
{
	const struct gitguard *g = cfg->git;
	int *fds, tmp;

	if (!g || !g->n_dirs)
		return NULL;
	tmp = fsview_new_tmpfs("0755");
	if (tmp < 0) {
		errno = -tmp;
		die_errno("git dirs: private tmpfs");
	}
	fds = xcalloc(2 * g->n_dirs + 1, sizeof(*fds));
	for (size_t i = 0; i < g->n_dirs; i++) {
		char name[32];

		snprintf(name, sizeof(name), "git%zu", i);
		fds[i] = new_dir(tmp, name);
		snprintf(name, sizeof(name), "logs%zu", i);
		fds[g->n_dirs + i] = gitlogs_new_upper(tmp, name);
		if (fds[i] < 0 || fds[g->n_dirs + i] < 0) {
			errno = fds[i] < 0 ? -fds[i] : -fds[g->n_dirs + i];
			die_errno("git dir \"%s\": private tmpfs", g->dir[i]);
		}
	}
	fds[2 * g->n_dirs] = tmp;
	return fds;
}

/*
 * Attach a clone of private dir @dir right over git dir @i in the view (no
 * scratch mount: unmounting one would cost an RCU grace period).
 * Return: the clone, attached, where the binds go
 */
static int attach_private(const struct gitguard *g, size_t i, int root_fd,
			  int dir)
{
	autoclose int dst = fsview_open_target(root_fd, g->dir[i], true);
	int mnt;

	if (dst < 0) {
		errno = -dst;
		die_errno("git dir \"%s\": private tmpfs", g->dir[i]);
	}
	mnt = open_tree(dir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					 AT_EMPTY_PATH);
	if (mnt < 0 ||
	    move_mount(mnt, "", dst, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		die_errno("git dir \"%s\": attach the private tmpfs",
			  g->dir[i]);
	return mnt;
}

/*
 * Attach the private git dirs' tmpfs itself over the first real git dir
 * in the host's tree of this mount namespace (@src, which stays open: it
 * still reads the directory below). Never attached, it would be
 * dissolved when the supervisor closes its last descriptor, after an RCU
 * grace period of its own (about 0.1 ms at every exit); attached, it goes
 * with the old root pivot() detaches, at the namespace's end. Nothing of
 * the jail can reach it there.
 */
static void hide_tmpfs(const struct gitguard *g, int src, int tmp)
{
	if (move_mount(tmp, "", src, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		die_errno("git dir \"%s\": attach the private tmpfs",
			  g->dir[0]);
}

void gitguard_build(const struct jail_config *cfg, int root_fd, int *src,
		    int *tmp)
{
	const struct gitguard *g = cfg->git;

	if (!g || !g->n_dirs || !src || !tmp)
		return;
	hide_tmpfs(g, src[0], tmp[2 * g->n_dirs]);
	close(tmp[2 * g->n_dirs]);
	/* Parents first: a nested one goes on the directory its parent made */
	for (size_t i = 0; i < g->n_dirs; i++) {
		int mnt = attach_private(g, i, root_fd, tmp[i]);

		fill_private(cfg, i, TAKE_FD(src[i]), mnt, tmp[g->n_dirs + i]);
		close(mnt);
		close(tmp[i]);
		close(tmp[g->n_dirs + i]);
	}
	free(src);
	free(tmp);
}

/* ---- the copies, in the supervisor, while the child binds ------------- */

/*
 * The project's info/exclude: a copy of the real one, if a regular file,
 * and the lines @excl that hide the placeholders of absent protected paths
 * from `git add -A` inside (they are removed at exit; committed, they
 * would show as deletions). Anything else named exclude is the child's.
 */
static int fill_exclude(int real, int priv, const char *excl)
{
	autoclose int s = openat2_fd(real, "info", O_PATH | O_DIRECTORY,
				     HOSTILE);
	autoclose int d = -1;
	autoclose int out = -1;
	int err = -ENOENT;

	if (mkdirat(priv, "info", 0755) < 0 && errno != EEXIST)
		return -errno;
	d = openat2_fd(priv, "info", O_PATH | O_DIRECTORY, HOSTILE);
	if (d < 0)
		return d;
	if (s >= 0)
		err = gitguard_copy_file(s, d, "exclude", GITGUARD_TEXT_MAX);
	if (err == -ELOOP || err == -EINVAL)
		return 0;	/* not a regular file */
	if (err < 0 && err != -ENOENT)
		return err;
	out = err ? openat(d, "exclude",
			   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			   0644) :
		    openat2_fd(d, "exclude", O_WRONLY | O_APPEND, HOSTILE);
	if (out < 0)
		return err ? -errno : out;
	return excl && *excl ? write_all(out, excl, strlen(excl)) : 0;
}

/*
 * The state files and dirs of git dir @i into its private tmpfs @priv;
 * a failure is said here, with the name
 */
static int fill_state(struct gitguard *g, size_t i, int priv)
{
	int fd = openat(g->dir_fd[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;	/* owns @fd */
	struct dirent *e;
	size_t n = 0;
	int err = 0;

	if (!dir) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	while (!err && (e = readdir(dir))) {
		size_t max = 0, budget = GITGUARD_STATE_BYTES;
		enum gitguard_kind kind = gitguard_kind_of(
			e->d_name, e->d_type == DT_DIR, &max);

		if (++n > GITGUARD_MAX_ENTRIES + 2)
			err = -E2BIG;
		else if (kind == GITGUARD_STATE_FILE && e->d_type == DT_REG &&
			 !(err = gitguard_copy_file(dirfd(dir), priv,
						    e->d_name, max)))
			gitguard_note_copy(g, i, priv, e->d_name);
		else if (kind == GITGUARD_STATE_DIR)
			err = gitguard_copy_tree(dirfd(dir), e->d_name, priv,
						 e->d_name, 0, &budget);
		if (err < 0)
			warn("git dir \"%s\": private copy of \"%s\": %s",
			     g->dir[i], e->d_name, strerror(-err));
	}
	closedir(dir);
	return err;
}

int gitguard_fill(const struct jail_config *cfg, const int *tmp_fd,
		  size_t n_fd, const char *excl)
{
	struct gitguard *g = cfg->git;

	if (!g || n_fd != 2 * g->n_dirs) {
		warn("git dirs: %zu private tmpfs mounts for %zu git dirs",
		     n_fd, g ? g->n_dirs : 0);
		return -EINVAL;
	}
	for (size_t i = 0; i < g->n_dirs; i++) {
		int err = g->dir_fd[i] < 0 ? -EBADF :
					     fill_state(g, i, tmp_fd[i]);

		if (err < 0)
			return err;
		if (!is_project_git(cfg, i))
			continue;
		err = fill_exclude(g->dir_fd[i], tmp_fd[i], excl);
		if (err < 0) {
			warn("git dir \"%s\": private info/exclude: %s",
			     g->dir[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

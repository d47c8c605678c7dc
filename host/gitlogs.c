// SPDX-License-Identifier: MIT
/*
 * gitlogs.c - the git dirs' logs/ as an overlay (gitguard.c step 3)
 *
 * Host git appends to every file of logs/ (the reflogs) and follows a
 * symlink there: a logs/HEAD the jail made a symlink to ~/.bashrc would
 * get the next host commit's line, with a branch name the jail chose.
 * So the jail never writes the real logs/: in its private git dir,
 * logs/ is an overlay whose lower layer is the real one (or an empty
 * directory where there is none yet) and whose upper and work dirs lie in
 * a directory of the private git dirs' tmpfs that the jail's view never
 * shows, made by the command child and passed to the supervisor with the
 * private git dirs' (MSG_GITFS). The jail sees every
 * reflog and appends to copies in the upper layer.
 *
 * At a normal exit the supervisor copies back from the upper layer only
 * regular files that are reflogs as git writes them (reflog_check()),
 * each written beside the real one and renamed over it, every name
 * resolved beneath the real logs/ without following a symlink; whiteouts
 * remove regular files (and directories' regular files), as does a
 * directory made anew (opaque) for what it no longer holds; directories
 * are made as directories. A symlink, device or anything else is refused,
 * warned about and logged (git.refused). Killed, the supervisor copies
 * nothing: the upper layer dies with the jail.
 *
 * Where overlayfs cannot be mounted the real logs/ is bound read-write as
 * before, and symlinks made there are removed at exit
 * (gitnew_drop_symlinks()). The child marks the upper tmpfs once the
 * overlay is in place (mounted/, beside upper/ where the jail never
 * reaches): then the real logs/ was never the jail's to write, and that
 * search leaves it out.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"
#include "host/gitguard.h"
#include "parse/parse.h"

#define HOSTILE GITGUARD_RESOLVE
#define LOGS_DEPTH 8		/* directory levels below logs/ */
#define LOG_MAX GITGUARD_STATE_BYTES	/* one reflog */
#define MAX_REFUSED 8		/* warning lines per git dir */

/* ---- the command child: the overlay ----------------------------------- */

int gitlogs_new_upper(int tmp, const char *name)
{
	static const char *const dirs[] = { "upper", "work", "lower" };
	int fd;

	if (mkdirat(tmp, name, 0755) < 0)
		return -errno;
	fd = openat2_fd(tmp, name, O_RDONLY | O_DIRECTORY, HOSTILE);
	for (size_t i = 0; fd >= 0 && i < ARRAY_SIZE(dirs); i++) {
		if (mkdirat(fd, dirs[i], 0755) < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
	}
	return fd;
}

/* An overlay of @lower, @upper, @work; layers as descriptors or paths */
static int new_overlay(int lower, int upper, int work)
{
	int err = -ENOENT;
	int mnt;

	for (int by_fd = 1; by_fd >= 0 && err < 0; by_fd--) {
		autoclose int fs = fsopen("overlay", FSOPEN_CLOEXEC);

		if (fs < 0)
			return -errno;
		err = fsview_overlay_layers(fs, lower, upper, work, by_fd);
		if (err < 0)
			continue;
		mnt = fsmount(fs, FSMOUNT_CLOEXEC,
			      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
		return mnt < 0 ? -errno : mnt;
	}
	return err;
}

int gitlogs_mount(int src, int dst, int up)
{
	autoclose int lower = openat2_fd(src, "logs", O_RDONLY | O_DIRECTORY,
					 HOSTILE);
	autoclose int upper = openat2_fd(up, "upper", O_RDONLY | O_DIRECTORY,
					 HOSTILE);
	autoclose int work = openat2_fd(up, "work", O_RDONLY | O_DIRECTORY,
					HOSTILE);
	autoclose int mnt = -1;

	if (lower == -ENOENT)	/* no reflog yet: the jail may make some */
		lower = openat2_fd(up, "lower", O_RDONLY | O_DIRECTORY,
				   HOSTILE);
	if (lower < 0 || upper < 0 || work < 0)
		return lower < 0 ? lower : upper < 0 ? upper : work;
	mnt = new_overlay(lower, upper, work);
	if (mnt < 0)
		return mnt;
	if (mkdirat(dst, "logs", 0755) < 0 && errno != EEXIST)
		return -errno;
	if (move_mount(mnt, "", dst, "logs", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	/* Unmarked, the exit looks for symlinks in the real logs/ as well */
	(void)mkdirat(up, "mounted", 0700);
	return 0;
}

bool gitlogs_is_private(int up)
{
	struct stat st;

	return up >= 0 &&
	       fstatat(up, "mounted", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* ---- the supervisor, at a normal exit: the copy back ------------------ */

struct copyback {
	const struct jail_run *run;
	const char *dir;	/* the git dir, for messages */
	size_t n_refused;
	size_t n_entries;
};

static void refuse(struct copyback *c, const char *rel, const char *why)
{
	autofree char *p = xasprintf("%s/logs/%s", c->dir, rel);
	autofree char *v = NULL;

	if (c->n_refused++ < MAX_REFUSED) {
		v = gitguard_shown(p);
		warn("git: \"%s\" written during the run not copied back: %s",
		     v, why);
	}
	gitguard_audit(c->run, "git.refused", p, why);
}

/*
 * Lines appended to the real reflog during the run (host git, another
 * jail) are kept: the jail's lines after the part both share follow them.
 * (Without a write meanwhile, the jail's copy replaces the real one: a
 * reflog expire inside removes lines.)
 * Return: the length of the jail's copy to skip (0: replace the real one)
 */
static size_t shared_prefix(int real, const char *name, const uint8_t *buf,
			    size_t len)
{
	size_t n = 0, same = 0;
	autofree uint8_t *cur = gitguard_read_hostile(real, name, LOG_MAX, &n);

	if (!cur || n > LOG_MAX - len)
		return 0;
	while (same < n && same < len && cur[same] == buf[same])
		same++;
	while (same && buf[same - 1] != '\n')
		same--;
	/* The jail's copy grew the real one, or rewrote it (expire) */
	if (same == n || !same)
		return 0;
	return same;
}

/* Append @buf to the regular file @name of @dir, never through a symlink */
static int append_file(int dir, const char *name, const uint8_t *buf,
		       size_t len)
{
	autoclose int fd = openat2_fd(dir, name,
				      O_WRONLY | O_APPEND | O_NOFOLLOW |
					      O_NONBLOCK,
				      HOSTILE);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return fstat(fd, &st) < 0 ? -errno : -EINVAL;
	return write_all(fd, buf, len) < 0 ? -errno : 0;
}

static void copy_log(struct copyback *c, int up, int real, const char *name,
		     const char *rel)
{
	size_t len = 0;
	autofree uint8_t *buf = gitguard_read_hostile(up, name, LOG_MAX, &len);
	struct stat st;
	mode_t mode = 0644;
	size_t skip = 0;
	int err;

	if (!buf) {
		refuse(c, rel, errno == EFBIG ? "too large" : strerror(errno));
		return;
	}
	if (reflog_check(buf, len) < 0) {
		refuse(c, rel, "not a reflog");
		return;
	}
	if (fstatat(real, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode)) {
			refuse(c, rel, "not a regular file on the host");
			return;
		}
		mode = st.st_mode & 0777;
		/* Written meanwhile on the host (the kernel sets mtime) */
		if (st.st_mtim.tv_sec + 1 >= c->run->cfg->git->started)
			skip = shared_prefix(real, name, buf, len);
	}
	if (skip)
		err = append_file(real, name, buf + skip, len - skip);
	else
		err = gitguard_replace_file(real, name, buf, len, mode);
	if (err < 0)
		refuse(c, rel, strerror(-err));
}

/* @name beneath @real as a directory: made if absent */
static int open_dir(int real, const char *name)
{
	int fd = openat2_fd(real, name, O_RDONLY | O_DIRECTORY, HOSTILE);

	if (fd == -ENOENT && mkdirat(real, name, 0755) == 0)
		fd = openat2_fd(real, name, O_RDONLY | O_DIRECTORY, HOSTILE);
	return fd;
}

static void copy_dir(struct copyback *c, int up, int real, const char *rel,
		     int depth);

/* An opaque directory's real one keeps only what the upper one holds */
static void drop_hidden(int up, int real)
{
	int fd = openat(real, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;	/* owns @fd */
	struct dirent *e;
	struct stat st;
	size_t n = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) && ++n < GITGUARD_MAX_ENTRIES)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    fstatat(up, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT)
			gitguard_remove_tree(dirfd(d), e->d_name, LOGS_DEPTH,
					     true);
	closedir(d);
}

static void copy_entry(struct copyback *c, int up, int real,
		       const char *name, const char *rel, int depth)
{
	struct stat st;

	if (fstatat(up, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISREG(st.st_mode)) {
		copy_log(c, up, real, name, rel);
	} else if (overlay_is_whiteout(&st)) {
		/* A whiteout: removed */
		gitguard_remove_tree(real, name, LOGS_DEPTH, true);
	} else if (S_ISDIR(st.st_mode) && depth < LOGS_DEPTH) {
		autoclose int u = openat2_fd(up, name, O_RDONLY | O_DIRECTORY,
					     HOSTILE);
		autoclose int r = open_dir(real, name);

		if (u < 0 || r < 0)
			refuse(c, rel, r == -ENOTDIR || r == -ELOOP ?
					       "not a directory on the host" :
					       strerror(u < 0 ? -u : -r));
		else if (overlay_is_opaque(u))
			drop_hidden(u, r);
		if (u >= 0 && r >= 0)
			copy_dir(c, u, r, rel, depth + 1);
	} else {
		refuse(c, rel, S_ISLNK(st.st_mode) ? "a symlink" :
			       S_ISDIR(st.st_mode) ? "too deep" :
						     "not a regular file");
	}
}

/* Every entry of the upper layer's directory @up into @real */
static void copy_dir(struct copyback *c, int up, int real, const char *rel,
		     int depth)
{
	int fd = openat(up, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;	/* owns @fd */
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) &&
	       ++c->n_entries < (size_t)GITGUARD_MAX_ENTRIES * 16) {
		autofree char *r = NULL;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		r = *rel ? xasprintf("%s/%s", rel, e->d_name) :
			   xstrdup(e->d_name);
		copy_entry(c, dirfd(d), real, e->d_name, r, depth);
	}
	closedir(d);
}

static bool is_empty_dir(int fd)
{
	int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *e;
	bool empty = true;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return true;
	}
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

void gitlogs_copy_back(const struct jail_run *run, int up, int real,
		       const char *dir)
{
	struct copyback c = { .run = run, .dir = dir };
	autoclose int u = openat2_fd(up, "upper", O_RDONLY | O_DIRECTORY,
				     HOSTILE);
	autoclose int r = -1;

	if (u < 0 || is_empty_dir(u))
		return;
	r = open_dir(real, "logs");
	if (r < 0) {
		refuse(&c, ".", r == -ENOTDIR || r == -ELOOP ?
					"not a directory on the host" :
					strerror(-r));
		return;
	}
	copy_dir(&c, u, r, "", 0);
	if (c.n_refused > MAX_REFUSED)
		warn("git: %zu more entries of \"%s/logs\" not copied back "
		     "(see the log)",
		     c.n_refused - MAX_REFUSED, dir);
}

// SPDX-License-Identifier: MIT
/*
 * sysview.c - the system part of the view: the host's system directories
 * read-only, /etc with its secrets hidden and the jail's own files, /proc,
 * /dev and /sys, each fresh where the kernel allows
 */
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "host/host.h"
#include "run/run.h"
#include "view/view.h"

void sysview_build_system(int root_fd, struct view *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(system_dirs); i++) {
		struct stat st;

		if (v->sys_fd[i] < 0)
			continue;
		if (fstatat(v->sys_fd[i], "", &st, AT_EMPTY_PATH) < 0)
			die_errno("stat \"%s\"", system_dirs[i]);
		if (S_ISLNK(st.st_mode))
			view_copy_symlink(root_fd, system_dirs[i]);
		else if (S_ISDIR(st.st_mode))
			view_bind_at(root_fd, v->sys_fd[i], system_dirs[i], ATTR_RO);
		close(v->sys_fd[i]);
		v->sys_fd[i] = -1;
	}
}

/*
 * Bind the empty file read-only on @fd. The first one's mount is kept:
 * each further one is a clone of it, which keeps its flags, so no
 * mount_setattr() per hidden file. (A detached mount kept instead would
 * cost an RCU grace period when closed; an attached one does not.)
 */
static int hide_file(struct view *v, int fd)
{
	int mnt;

	if (v->empty_mnt_fd >= 0)
		return view_attach_clone(v->empty_mnt_fd, fd);
	mnt = view_bind_file(v->empty_file_fd, fd, ATTR_RO);
	if (mnt < 0)
		return mnt;
	v->empty_mnt_fd = mnt;
	return 0;
}

/* Make @path (inside the view) empty: a read-only tmpfs or empty file */
void sysview_hide_at(int root_fd, struct view *v, const char *path)
{
	autoclose int fd = openat2_fd(root_fd, path, O_PATH,
				      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	struct stat st;
	int err;

	if (fd == -ENOENT)
		return;
	if (fd < 0 || fstat(fd, &st) < 0)
		die("hide \"%s\": cannot open", path);
	if (S_ISDIR(st.st_mode)) {
		view_tmpfs_at(root_fd, path, "0755", ATTR_RO);
		return;
	}
	err = hide_file(v, fd);
	if (err < 0) {
		errno = -err;
		die_errno("hide \"%s\"", path);
	}
}

static void hide_etc_secrets(int root_fd, struct view *v)
{
	glob_t g;

	for (size_t i = 0; i < ARRAY_SIZE(etc_secrets); i++)
		sysview_hide_at(root_fd, v, etc_secrets[i]);
	/* The glob runs on the host's /etc, still reachable before pivot */
	if (glob("/etc/ssh/ssh_host_*_key", GLOB_NOSORT, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			sysview_hide_at(root_fd, v, g.gl_pathv[i]);
		globfree(&g);
	}
}

/* Write @len bytes of @data to a scratch file in the root tmpfs, bind it
 * on @path */
static void jail_data_at(int root_fd, const char *path, const void *data,
			 size_t len)
{
	autoclose int fd = -1;
	autoclose int src = -1;
	autoclose int dst = -1;
	const char *scratch = ".jail-scratch";
	int err;

	fd = openat(root_fd, scratch,
		    O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, data, len) < 0)
		die_errno("write \"%s\"", path);
	src = openat(root_fd, scratch, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	dst = view_open_target(root_fd, path, false);
	if (src < 0 || dst < 0)
		die("open \"%s\": cannot create", path);
	err = view_bind_fd(src, dst, ATTR_RO);
	if (err < 0) {
		errno = -err;
		die_errno("bind \"%s\"", path);
	}
	/* The mount keeps the inode alive; the name goes away */
	unlinkat(root_fd, scratch, 0);
}

void sysview_jail_file_at(int root_fd, const char *path, const char *text)
{
	jail_data_at(root_fd, path, text, strlen(text));
}

/*
 * The CA bundle (the host's and the jail CA's certificate, from the
 * supervisor's memfd) over every system bundle path of the view. A path
 * that is a symlink gets the bundle on its target, once per file.
 */
static void build_ca_bundle(const struct jail_run *run, int root_fd)
{
	struct stat st, done[SECRETS_N_BUNDLE_PATHS];
	autofree char *buf = NULL;
	size_t n_done = 0;
	ssize_t n;

	if (fstat(run->ca_bundle_fd, &st) < 0 || st.st_size <= 0)
		die("CA bundle: the supervisor wrote none");
	buf = xmalloc((size_t)st.st_size);
	/* pread: the supervisor's writes moved the shared file offset */
	n = pread(run->ca_bundle_fd, buf, (size_t)st.st_size, 0);
	if (n != st.st_size)
		die_errno("CA bundle: read");
	for (size_t i = 0; i < SECRETS_N_BUNDLE_PATHS; i++) {
		const char *path = secrets_bundle_paths[i];
		autoclose int fd = openat2_fd(root_fd, path, O_PATH,
					      RESOLVE_IN_ROOT |
						      RESOLVE_NO_MAGICLINKS);
		bool is_done = false;
		struct stat t;

		if (fd < 0 || fstat(fd, &t) < 0 || !S_ISREG(t.st_mode))
			continue;
		for (size_t k = 0; k < n_done; k++)
			is_done |= done[k].st_dev == t.st_dev &&
				   done[k].st_ino == t.st_ino;
		if (is_done)
			continue;
		done[n_done++] = t;
		jail_data_at(root_fd, path, buf, (size_t)n);
	}
	if (!n_done)
		die("CA bundle: no system bundle in the view (looked for "
		    "\"%s\" and others)",
		    secrets_bundle_paths[0]);
}

void sysview_build_etc(const struct jail_run *run, int root_fd,
		      struct view *v)
{
	const struct jail_config *cfg = run->cfg;

	hide_etc_secrets(root_fd, v);
	if (cfg->net == NET_HOST)
		return;
	sysview_jail_file_at(root_fd, "/etc/hosts",
		     "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
		     "ip6-loopback\n127.0.1.1\tjail\n");
	sysview_jail_file_at(root_fd, "/etc/resolv.conf",
		     cfg->net == NET_FILTERED ?
			     "nameserver " JAIL_GATEWAY_IP4 "\n"
			     "options edns0 trust-ad\n" :
			     "# no network in this jail\n"
			     "nameserver 127.0.0.1\n");
	if (run->ca_bundle_fd >= 0)
		build_ca_bundle(run, root_fd);
}

/*
 * The jail's procfs is read-only as a whole: a root caller keeps uid 0,
 * and proc checks some writes (/proc/sys, sysrq-trigger) against the uid
 * only. One read-only mount covers them all, where binding each over
 * would cost a mount apiece; Landlock refuses writes there as well.
 */
void sysview_build_proc(int root_fd, struct view *v)
{
	view_mount_fs_at(root_fd, "/proc", "proc", NULL,
		    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    MOUNT_ATTR_NOEXEC);
	for (size_t i = 0; i < ARRAY_SIZE(proc_masked); i++) {
		char p[64];

		snprintf(p, sizeof(p), "/proc/%s", proc_masked[i]);
		sysview_hide_at(root_fd, v, p);
	}
}

/* Make the mount at @path (inside the view) read-only, not recursively */
static void make_readonly(int root_fd, const char *path)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	autoclose int fd = openat2_fd(root_fd, path, O_PATH | O_DIRECTORY,
				      RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);

	if (fd < 0 || mount_setattr(fd, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
		die_errno("make \"%s\" read-only", path);
}

void sysview_build_dev(int root_fd, struct view *v)
{
	static const char *const pts_opts[] = {
		"newinstance", NULL, "ptmxmode", "0666", "mode", "0620", NULL,
		NULL,
	};
	static const char *const links[][2] = {
		{ "/dev/ptmx", "pts/ptmx" },	   { "/dev/fd", "/proc/self/fd" },
		{ "/dev/stdin", "/proc/self/fd/0" },
		{ "/dev/stdout", "/proc/self/fd/1" },
		{ "/dev/stderr", "/proc/self/fd/2" },
	};

	view_scratch_at(root_fd, "/dev", 0755,
			MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		char p[32];

		snprintf(p, sizeof(p), "/dev/%s", dev_nodes[i]);
		/* Device nodes need a mount without nodev */
		view_bind_at(root_fd, v->dev_fd[i], p,
			MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
		close(v->dev_fd[i]);
		v->dev_fd[i] = -1;
	}
	view_mount_fs_at(root_fd, "/dev/pts", "devpts", pts_opts,
		    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	view_scratch_at(root_fd, "/dev/shm", 01777,
			MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][1], root_fd, links[i][0] + 1) < 0)
			die_errno("symlink \"%s\"", links[i][0]);
	/* Device nodes are their own mounts, so they stay writable */
	make_readonly(root_fd, "/dev");
}

/*
 * A fresh sysfs shows the jail's own network namespace. Where the kernel
 * refuses it, the host's /sys is bound read-only with its network
 * interfaces hidden.
 */
void sysview_build_sys(int root_fd, struct view *v)
{
	autoclose int dst = view_open_target(root_fd, "/sys", true);
	autoclose int mnt = view_new_fs("sysfs", NULL, ATTR_RO | MOUNT_ATTR_NOEXEC);
	autoclose int host = -1;

	if (dst < 0)
		die("mount point \"/sys\": cannot create");
	if (mnt >= 0 && view_attach(mnt, dst) == 0)
		return;
	host = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (host < 0 || view_bind_fd(host, dst, ATTR_RO | MOUNT_ATTR_NOEXEC) < 0)
		die("mount /sys: neither a new sysfs nor a bind is allowed");
	sysview_hide_at(root_fd, v, "/sys/class/net");
	sysview_hide_at(root_fd, v, "/sys/devices/virtual/net");
}

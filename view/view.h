/* SPDX-License-Identifier: MIT */
/*
 * view.h - what fsview.c shares with the other parts of the view
 * (sysview.c); not for other folders
 */
#ifndef VIEW_VIEW_H
#define VIEW_VIEW_H

#include <linux/mount.h>

#include "jail.h"

/* Attributes every bind gets: a setuid file inside gains nothing */
#define ATTR_RO (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define ATTR_RW (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

static const char *const system_dirs[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/etc", "/opt",
};

static const char *const etc_secrets[] = {
	"/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-",
	"/etc/sudoers", "/etc/sudoers.d",
};

static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

/*
 * Files in /proc that show host-wide state to whoever can read them: keys
 * of the caller's user outside the jail, and (readable by uid 0, which a
 * root caller keeps) timers and scheduler state of every host process.
 * Masked with an empty file where they exist.
 */
static const char *const proc_masked[] = {
	"keys", "timer_list", "sched_debug", "latency_stats", "kcore",
};

/*
 * An entry of the view still to be mounted once the sources are open:
 * kept in an array so that it can be sorted by depth.
 */
struct view_entry {
	const char *path;	/* inside the view */
	int src_fd;		/* O_PATH, -1 for tmpfs/hide, -2 for $HOME */
	enum mount_kind kind;
	bool is_overlay;	/* the project under --review */
};

struct view {
	struct view_entry e[JAIL_MAX_MOUNTS + 8];
	size_t n;
	int sys_fd[ARRAY_SIZE(system_dirs)];
	int dev_fd[ARRAY_SIZE(dev_nodes)];
	int empty_file_fd;	/* used to hide files */
	int empty_mnt_fd;	/* ... its first read-only mount, or -1 */
	int upper_fd;		/* --review: the overlay's upper and work */
	int work_fd;
	int priv_fd[8];		/* private tmpfs over placeholders */
	size_t n_priv;
};

/* fsview.c: the primitives every part of the view mounts with */
int view_attach(int mnt_fd, int dst_fd);
void view_bind_at(int root_fd, int src_fd, const char *path, uint64_t attr);
int view_bind_fd(int src_fd, int dst_fd, uint64_t attr);
int view_attach_clone(int mnt_fd, int dst_fd);
int view_bind_file(int src_fd, int dst_fd, uint64_t attr);
const char *view_path_under(const char *path, const char *root);
const char *view_writable_tree_of(const struct jail_config *cfg,
				  const char *path);
void view_copy_symlink(int root_fd, const char *path);
void view_mount_fs_at(int root_fd, const char *path, const char *fstype,
			const char *const *opts, uint64_t attr);
int view_new_fs(const char *fstype, const char *const *opts,
		  uint64_t attr);
int view_open_target(int root_fd, const char *path, bool is_dir);
void view_scratch_at(int root_fd, const char *path, mode_t mode,
		     uint64_t attr);
void view_tmpfs_at(int root_fd, const char *path, const char *mode,
		     uint64_t attr);
void view_add(struct view *v, const char *path, int src_fd,
		     enum mount_kind kind);

/* pin.c: protected paths made mount points of themselves */
void view_build_protect(const struct jail_config *cfg, int root_fd);

/* sysview.c: the system part of the view */
/* A jail-owned read-only file with @text at @path (in the view) */
void sysview_jail_file_at(int root_fd, const char *path, const char *text);
void sysview_build_system(int root_fd, struct view *v);
void sysview_build_etc(const struct jail_run *run, int root_fd,
		      struct view *v);
void sysview_build_proc(int root_fd, struct view *v);
void sysview_build_dev(int root_fd, struct view *v);
void sysview_build_sys(int root_fd, struct view *v);
void sysview_hide_at(int root_fd, struct view *v, const char *path);

#endif /* VIEW_VIEW_H */

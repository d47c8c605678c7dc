// SPDX-License-Identifier: MIT
/*
 * fsview.c - the jail's mount view, built on a fresh tmpfs root
 *
 * Theory of operation (all in the setup child, in the new user and mount
 * namespaces, before pivot_root()):
 *  1. Make every inherited mount private, so nothing we do propagates to
 *     the host and nothing the host does later changes the view.
 *  2. Open every bind source as an O_PATH descriptor *before* anything is
 *     mounted over host paths, resolving sources that lie inside a writable
 *     tree with RESOLVE_BENEATH so a symlink the command planted in an
 *     earlier run cannot point a bind outside that tree.
 *  3. Mount a tmpfs over /tmp of this mount namespace as the new root.
 *     Every target is created and opened relative to that root with
 *     RESOLVE_IN_ROOT, and every mount is attached through descriptors
 *     (open_tree + mount_setattr + move_mount), so no path string is ever
 *     resolved twice.
 *  4. System directories read-only, /proc, /dev, the tmpfs mounts, then
 *     the project and the user's mounts ordered by depth so a parent is
 *     always in place before its children. /sys, whose fresh sysfs needs
 *     the jail's network namespace (made meanwhile by another process),
 *     comes last, after step 5, or before the user's mounts when one of
 *     them lies below it.
 *     Under --review the project is an overlayfs whose lower layer is the
 *     project and whose upper layer lies in the review's state directory
 *     (opened in step 2), so nothing the command writes reaches the
 *     project; the protected paths below are bound on top of it.
 *  5. Protected paths: each ancestor inside the project becomes a mount
 *     point (so rename and unlink fail with EBUSY), then the path itself is
 *     bound read-only onto itself (view/pin.c).
 *  6. The root tmpfs becomes read-only, pivot_root(".", ".") stacks the old
 *     root under the new one and a lazy unmount drops it.
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
#include "host/gitguard.h"
#include "run/run.h"
#include "view/view.h"

/*
 * Files in a project that a tool on the host reads and obeys after the
 * run (git, the shell, direnv, IDEs, agents started without jail): each
 * names commands to run. Kept read-only inside, and kept from being
 * created where absent. The reason is what --explain shows. More agents'
 * directories are protected where present and moved aside at exit when
 * made during the run (host/toolfiles.c), which costs no start.
 */
const char *const fsview_default_protect[] = {
	".git/hooks", ".git/config", ".gitmodules", ".jail.conf", ".envrc",
	".vscode", ".idea", ".devcontainer", ".mcp.json",
	".claude/settings.json", ".claude/commands", ".claude/agents",
	".gemini", ".cursor", ".bashrc", ".zshrc", ".profile",
	".bash_profile", ".claude/settings.local.json", ".claude/hooks",
	".devcontainer.json", ".codex", "opencode.json", "opencode.jsonc",
	".opencode", ".aider.conf.yml",
};
const char *const fsview_default_protect_why[] = {
	"git runs its hooks", "git runs commands its config names",
	"git clones and checks out what it names", "jail's own policy",
	"direnv runs it on cd", "VS Code tasks and settings run commands",
	"JetBrains IDEs run configured tools",
	"devcontainer initializeCommand runs on the host",
	"agents start the MCP servers it names",
	"Claude Code hooks run commands", "Claude Code slash commands",
	"Claude Code subagents",
	"Gemini CLI settings, extensions and .env run commands",
	"Cursor rules and MCP servers", "shell startup file",
	"shell startup file", "shell startup file", "shell startup file",
	"Claude Code hooks run commands (local settings)",
	"scripts Claude Code hooks run",
	"devcontainer initializeCommand runs on the host",
	"Codex CLI MCP servers and notify commands",
	"OpenCode MCP servers and formatters run commands",
	"OpenCode MCP servers and formatters run commands",
	"OpenCode plugins run code at start",
	"aider runs lint-cmd and test-cmd after edits",
};
_Static_assert(ARRAY_SIZE(fsview_default_protect) ==
		       ARRAY_SIZE(fsview_default_protect_why),
	       "one reason per default protected path");
/* Every list of protected paths leaves room for 32 defaults */
_Static_assert(ARRAY_SIZE(fsview_default_protect) <= 32,
	       "protected path arrays hold JAIL_MAX_MOUNTS + 32");
const size_t fsview_n_default_protect = ARRAY_SIZE(fsview_default_protect);

/**
 * view_path_under() - @path relative to @root
 * @path: an absolute path
 * @root: an absolute path, maybe a prefix of @path
 *
 * Return: the rest of @path below @root ("." for @root itself), or NULL
 * when @path is not @root or below it
 */
const char *view_path_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return path[1] ? path + 1 : ".";
	if (strncmp(path, root, n))
		return NULL;
	if (path[n] == '\0')
		return ".";
	if (path[n] != '/')
		return NULL;
	return path + n + 1;
}

/**
 * view_writable_tree_of() - the writable tree around @path
 * @cfg: the configuration
 * @path: an absolute path
 *
 * Sources inside such a tree are resolved beneath it.
 *
 * Return: the writable tree (project, --rw, --home) that contains @path,
 * or NULL
 */
const char *view_writable_tree_of(const struct jail_config *cfg,
				  const char *path)
{
	const char *best = NULL;

	/* A tree's own root is resolved beneath the tree around it */
	if (view_path_under(path, cfg->project) && strcmp(path, cfg->project))
		best = cfg->project;
	if (cfg->home_src && view_path_under(path, cfg->home_src) &&
	    strcmp(path, cfg->home_src) &&
	    (!best || strlen(cfg->home_src) > strlen(best)))
		best = cfg->home_src;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];

		if (m->kind != MOUNT_RW || !view_path_under(path, m->path))
			continue;
		if (!strcmp(m->path, path))
			continue;
		if (!best || strlen(m->path) > strlen(best))
			best = m->path;
	}
	return best;
}

/**
 * open_source() - Open a bind source as an O_PATH descriptor
 * @cfg:	validated configuration
 * @path:	absolute host path
 *
 * Context: setup child, before anything is mounted over host paths
 * Must: not follow a symlink inside a writable tree to outside it
 *
 * Return: O_PATH fd, or negative errno
 */
static int open_source_flags(const struct jail_config *cfg, const char *path,
			     int flags)
{
	const char *tree = view_writable_tree_of(cfg, path);
	autoclose int tree_fd = -1;

	if (!tree)
		return openat2_fd(AT_FDCWD, path, flags,
				  RESOLVE_NO_MAGICLINKS);
	/*
	 * The tree itself may lie in another writable tree (a --home in the
	 * project): opened the same way, so that no symlink an earlier run
	 * planted on the way is followed. Each step takes a shorter tree.
	 */
	tree_fd = open_source_flags(cfg, tree, O_PATH | O_DIRECTORY);
	if (tree_fd < 0)
		return tree_fd;
	return openat2_fd(tree_fd, view_path_under(path, tree), flags,
			  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				  RESOLVE_NO_MAGICLINKS);
}

static int open_source(const struct jail_config *cfg, const char *path)
{
	return open_source_flags(cfg, path, O_PATH);
}

/**
 * open_target() - Open (creating if needed) a mount point in the new root
 * @root_fd:	the new root
 * @path:	absolute path inside the view
 * @is_dir:	create a directory (else an empty file) when missing
 *
 * Resolution stays inside the new root whatever symlinks it meets.
 *
 * Return: O_PATH fd (a file it had to create: the write descriptor of its
 * creation, good as a mount point all the same), or negative errno
 */
int view_open_target(int root_fd, const char *path, bool is_dir)
{
	const unsigned long long res = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	autofree char *parent = NULL;
	autoclose int pfd = -1;
	const char *name;
	int fd;

	fd = openat2_fd(root_fd, path, O_PATH, res);
	if (fd != -ENOENT)
		return fd;
	parent = xstrdup(path);
	name = strrchr(parent, '/');
	if (!name || !name[1])
		return -ENOENT;
	parent[name - parent] = '\0';
	name = path + (name - parent) + 1;
	pfd = view_open_target(root_fd, parent[0] ? parent : "/", true);
	if (pfd < 0)
		return pfd;
	if (is_dir) {
		if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST)
			return -errno;
	} else {
		fd = openat(pfd, name,
			    O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
		/* The file just made, beneath the parent resolved in root */
		if (fd >= 0)
			return fd;
	}
	return openat2_fd(root_fd, path, O_PATH, res);
}

/* Attach a detached mount @mnt_fd on @dst_fd. Return: 0 or -errno */
int view_attach(int mnt_fd, int dst_fd)
{
	if (move_mount(mnt_fd, "", dst_fd, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/**
 * view_attach_clone() - attach a clone of the mount @mnt_fd onto @dst_fd
 * @mnt_fd: the root of an attached mount; the clone keeps its flags
 * @dst_fd: where the clone goes
 *
 * Return: 0 or negative errno
 */
int view_attach_clone(int mnt_fd, int dst_fd)
{
	autoclose int tree = open_tree(mnt_fd, "",
				       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					       AT_EMPTY_PATH);

	return tree < 0 ? -errno : view_attach(tree, dst_fd);
}

/**
 * view_bind_file() - bind the file @src_fd onto @dst_fd with @attr
 * @src_fd: the file
 * @dst_fd: where it goes
 * @attr: MOUNT_ATTR_* flags set on the new mount
 *
 * Return: the attached mount's root (a source for view_attach_clone(),
 * which then needs no mount_setattr()), or negative errno
 */
int view_bind_file(int src_fd, int dst_fd, uint64_t attr)
{
	struct mount_attr ma = { .attr_set = attr };
	autoclose int tree = open_tree(src_fd, "",
				       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					       AT_EMPTY_PATH);
	int err;

	if (tree < 0)
		return -errno;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0)
		return -errno;
	err = view_attach(tree, dst_fd);
	/* Attached, @tree names the new mount */
	return err ? err : TAKE_FD(tree);
}

/**
 * bind_fd() - Bind the tree at @src_fd onto @dst_fd with @attr
 *
 * The clone is recursive, so submounts keep hiding what they hide, and
 * @attr is applied recursively, so a read-only bind has no writable
 * submount.
 *
 * Return: 0 or negative errno
 */
int view_bind_fd(int src_fd, int dst_fd, uint64_t attr)
{
	struct mount_attr ma = { .attr_set = attr };
	autoclose int tree = -1;

	tree = open_tree(src_fd, "",
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
				 AT_RECURSIVE);
	if (tree < 0)
		return -errno;
	if (attr && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma,
				  sizeof(ma)) < 0)
		return -errno;
	return view_attach(tree, dst_fd);
}

/* Return: a detached mount of a new @fstype, or negative errno */
int view_new_fs(const char *fstype, const char *const *opts,
		  uint64_t attr)
{
	autoclose int fs = -1;
	int mnt;

	fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	for (; opts && *opts; opts += 2) {
		if (fsconfig(fs, opts[1] ? FSCONFIG_SET_STRING :
					   FSCONFIG_SET_FLAG,
			     opts[0], opts[1], 0) < 0)
			return -errno;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned int)attr);
	return mnt < 0 ? -errno : mnt;
}

/* Mount a new @fstype at @path inside the view; die on failure */
void view_mount_fs_at(int root_fd, const char *path, const char *fstype,
			const char *const *opts, uint64_t attr)
{
	autoclose int dst = view_open_target(root_fd, path, true);
	autoclose int mnt = -1;
	int err;

	if (dst < 0) {
		errno = -dst;
		die_errno("mount point \"%s\"", path);
	}
	mnt = view_new_fs(fstype, opts, attr);
	/* A container engine's masked /proc: say which setting to change */
	if (mnt < 0 && !strcmp(fstype, "proc") && hints_procfs_refusal(-mnt))
		die("mount proc on \"%s\": %s; %s", path, strerror(-mnt),
		    hints_procfs_refusal(-mnt));
	if (mnt < 0) {
		errno = -mnt;
		die_errno("mount %s on \"%s\"", fstype, path);
	}
	err = view_attach(mnt, dst);
	if (err < 0) {
		errno = -err;
		die_errno("attach %s on \"%s\"", fstype, path);
	}
}

void view_tmpfs_at(int root_fd, const char *path, const char *mode,
		     uint64_t attr)
{
	const char *opts[] = { "mode", mode, NULL, NULL };

	view_mount_fs_at(root_fd, path, "tmpfs", opts, attr);
}

/*
 * A new empty directory bound onto itself at @path, writable (@attr)
 * while the root around it becomes read-only: as fresh and as private as
 * a tmpfs of its own, but without a superblock to make now and to tear
 * down when the jail's mount namespace ends, both on the start's and the
 * exit's critical path (about 20 us apiece). Only where @path would be
 * made in the view's own tmpfs, so never over a host directory bound
 * there; elsewhere a tmpfs of its own.
 */
void view_scratch_at(int root_fd, const char *path, mode_t mode,
		     uint64_t attr)
{
	/* Not what the parent mount has (/dev's noexec): @attr exactly */
	const uint64_t flags = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			       MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	struct mount_attr ma = { .attr_set = attr,
				 .attr_clr = flags & ~attr };
	autoclose int dst = view_open_target(root_fd, path, true);
	autoclose int dir = -1;
	autoclose int tree = -1;
	struct stat root_st, st;
	char tmpfs_mode[8];

	if (dst < 0) {
		errno = -dst;
		die_errno("mount point \"%s\"", path);
	}
	if (fstat(root_fd, &root_st) < 0 || fstat(dst, &st) < 0)
		die_errno("stat \"%s\"", path);
	if (st.st_dev != root_st.st_dev) {
		snprintf(tmpfs_mode, sizeof(tmpfs_mode), "%04o", mode);
		view_tmpfs_at(root_fd, path, tmpfs_mode, attr);
		return;
	}
	/* mkdirat()'s mode went through the umask; a tmpfs's would not */
	dir = openat(dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fchmod(dir, mode) < 0)
		die_errno("make \"%s\"", path);
	tree = open_tree(dst, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					  AT_EMPTY_PATH);
	if (tree < 0 ||
	    mount_setattr(tree, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0 ||
	    view_attach(tree, dst) < 0)
		die_errno("mount a fresh directory on \"%s\"", path);
}

/* Bind host @src_fd at @path inside the view; die on failure */
void view_bind_at(int root_fd, int src_fd, const char *path, uint64_t attr)
{
	struct stat st;
	autoclose int dst = -1;
	int err;

	if (fstat(src_fd, &st) < 0)
		die_errno("stat \"%s\"", path);
	dst = view_open_target(root_fd, path, S_ISDIR(st.st_mode));
	if (dst < 0) {
		errno = -dst;
		die_errno("mount point \"%s\"", path);
	}
	err = view_bind_fd(src_fd, dst, attr);
	if (err < 0) {
		errno = -err;
		die_errno("bind \"%s\"", path);
	}
}

/* Recreate a top-level symlink such as /bin -> usr/bin */
void view_copy_symlink(int root_fd, const char *path)
{
	char target[4096];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0)
		die_errno("readlink \"%s\"", path);
	target[n] = '\0';
	if (symlinkat(target, root_fd, path + 1) < 0 && errno != EEXIST)
		die_errno("symlink \"%s\"", path);
}

void view_add(struct view *v, const char *path, int src_fd,
		     enum mount_kind kind)
{
	if (v->n >= ARRAY_SIZE(v->e))
		die("too many mounts (at most %d)", JAIL_MAX_MOUNTS);
	v->e[v->n++] = (struct view_entry){ path, src_fd, kind, false };
}

static size_t path_depth(const char *p)
{
	size_t d = 0;

	for (; *p; p++)
		d += *p == '/';
	return d;
}

/* Stable insertion sort by depth: parents before children, ties in order */
static void view_sort(struct view *v)
{
	for (size_t i = 1; i < v->n; i++)
		for (size_t j = i; j > 0 && path_depth(v->e[j - 1].path) >
						    path_depth(v->e[j].path);
		     j--) {
			struct view_entry t = v->e[j];

			v->e[j] = v->e[j - 1];
			v->e[j - 1] = t;
		}
}

/*
 * --review: the upper and work directories of the project's overlay, in
 * the review's state directory on the host (0700, never in the view)
 */
static void open_review_dirs(const struct jail_run *run, struct view *v)
{
	autofree char *up = xasprintf("%s/upper", run->review_dir);
	autofree char *wk = xasprintf("%s/work", run->review_dir);

	v->upper_fd = open(up, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	v->work_fd = open(wk, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (v->upper_fd < 0 || v->work_fd < 0)
		die_errno("--review: open \"%s\"", run->review_dir);
}

/* Step 2: open every host-side source before the root is replaced */
static void open_sources(const struct jail_run *run, struct view *v)
{
	const struct jail_config *cfg = run->cfg;

	for (size_t i = 0; i < ARRAY_SIZE(system_dirs); i++)
		v->sys_fd[i] = open(system_dirs[i],
				    O_PATH | O_NOFOLLOW | O_CLOEXEC);
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		char p[32];

		snprintf(p, sizeof(p), "/dev/%s", dev_nodes[i]);
		v->dev_fd[i] = open(p, O_PATH | O_CLOEXEC);
		if (v->dev_fd[i] < 0)
			die_errno("open \"%s\"", p);
	}
	if (cfg->home_src) {
		int fd = open_source(cfg, cfg->home_src);

		if (fd < 0) {
			errno = -fd;
			die_errno("--home \"%s\"", cfg->home_src);
		}
		view_add(v, cfg->home, fd, MOUNT_RW);
	} else {
		view_add(v, cfg->home, -2, MOUNT_TMPFS);
	}
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];
		int fd = -1;

		if (m->kind == MOUNT_PROTECT)
			continue;
		if (m->kind == MOUNT_COPY) {
			fd = open_source_flags(cfg, m->path,
					       O_RDONLY | O_NOCTTY | O_NONBLOCK);
			if (fd < 0)
				continue;
		}
		if (m->kind == MOUNT_RO || m->kind == MOUNT_RW) {
			/* A git dir is a real path (gitdirs.c): no symlink */
			fd = m->is_gitdir ?
				     openat2_fd(AT_FDCWD, m->path, O_PATH,
						RESOLVE_NO_SYMLINKS |
							RESOLVE_NO_MAGICLINKS) :
				     open_source(cfg, m->path);
			if (fd == -ENOENT && m->is_try)
				continue;
			if (fd < 0) {
				errno = -fd;
				die_errno("--%s \"%s\"",
					  m->kind == MOUNT_RO ? "ro" : "rw",
					  m->path);
			}
		}
		/* -3: a private tmpfs whose use the exit summary reports */
		view_add(v, m->path, m->is_private ? -3 : fd, m->kind);
	}
	{
		/* An overlay layer is given as an open directory */
		int fd = cfg->review ? open_source_flags(cfg, cfg->project,
							 O_RDONLY |
								 O_DIRECTORY) :
				       open_source(cfg, cfg->project);

		if (fd < 0) {
			errno = -fd;
			die_errno("project \"%s\"", cfg->project);
		}
		view_add(v, cfg->project, fd, MOUNT_RW);
		v->e[v->n - 1].is_overlay = cfg->review != REVIEW_OFF;
	}
	if (cfg->review)
		open_review_dirs(run, v);
}


#define COPY_MAX (16 << 20)

/*
 * A throwaway copy: the host file's bytes in a new file inside a writable
 * tmpfs of the view (the jail's $HOME), so the command may change it and
 * nothing it writes ever reaches the host.
 */
static void copy_at(int root_fd, int src_fd, const char *path)
{
	const unsigned long long res = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	autoclose int dst = -1;
	autoclose int probe = view_open_target(root_fd, path, false);
	struct stat st;
	char buf[65536];
	size_t total = 0;

	if (fstat(src_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > COPY_MAX)
		die("copy \"%s\": not a regular file of at most 16 MiB", path);
	if (probe < 0) {
		errno = -probe;
		die_errno("copy \"%s\"", path);
	}
	dst = openat2_fd(root_fd, path, O_WRONLY | O_TRUNC | O_NOFOLLOW, res);
	if (dst < 0 || fchmod(dst, 0600) < 0) {
		errno = dst < 0 ? -dst : errno;
		die_errno("copy \"%s\"", path);
	}
	for (;;) {
		ssize_t n = read(src_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
		if (total > COPY_MAX || write_all(dst, buf, (size_t)n) < 0)
			die("copy \"%s\": write failed", path);
	}
}

/*
 * Configure the overlay's layers as descriptors (Linux 6.13 and later),
 * else as /proc/self/fd paths, which name the very directories opened in
 * step 2 whatever happened to their paths since.
 */
static int overlay_layers(int fs, int lower, int upper, int work, bool by_fd)
{
	const char *keys[] = { by_fd ? "lowerdir+" : "lowerdir", "upperdir",
			       "workdir" };
	const int fds[] = { lower, upper, work };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char p[32];
		int r;

		snprintf(p, sizeof(p), "/proc/self/fd/%d", fds[i]);
		if (by_fd)
			r = fsconfig(fs, FSCONFIG_SET_FD, keys[i], NULL, fds[i]);
		else
			r = fsconfig(fs, FSCONFIG_SET_STRING, keys[i], p, 0);
		if (r < 0)
			return -errno;
	}
	/* In a user namespace overlayfs keeps its metadata in user.* */
	if (fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	return 0;
}

int fsview_overlay_layers(int fs, int lower, int upper, int work, bool by_fd)
{
	return overlay_layers(fs, lower, upper, work, by_fd);
}

/* --review: the project as an overlay whose writes go to the upper dir */
static void overlay_at(int root_fd, struct view *v, const struct view_entry *e)
{
	autoclose int dst = view_open_target(root_fd, e->path, true);
	autoclose int fs = -1;
	autoclose int mnt = -1;
	int err = -ENOENT;

	if (dst < 0) {
		errno = -dst;
		die_errno("mount point \"%s\"", e->path);
	}
	for (int by_fd = 1; by_fd >= 0 && err < 0; by_fd--) {
		if (fs >= 0)
			close(fs);
		fs = fsopen("overlay", FSOPEN_CLOEXEC);
		if (fs < 0)
			break;
		err = overlay_layers(fs, e->src_fd, v->upper_fd, v->work_fd,
				     by_fd);
	}
	if (fs < 0 || err < 0) {
		errno = fs < 0 ? errno : -err;
		die_errno("--review: mount an overlay on \"%s\" (the kernel "
			  "needs unprivileged overlayfs, Linux 5.11 or later)",
			  e->path);
	}
	mnt = fsmount(fs, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0 || (err = view_attach(mnt, dst)) < 0) {
		errno = mnt < 0 ? errno : -err;
		die_errno("--review: attach the overlay on \"%s\"", e->path);
	}
	close(v->upper_fd);
	close(v->work_fd);
	v->upper_fd = v->work_fd = -1;
}

static void build_entries(int root_fd, struct view *v)
{
	view_sort(v);
	for (size_t i = 0; i < v->n; i++) {
		const struct view_entry *e = &v->e[i];

		switch (e->kind) {
		case MOUNT_RO:
			view_bind_at(root_fd, e->src_fd, e->path, ATTR_RO);
			break;
		case MOUNT_RW:
			if (e->is_overlay)
				overlay_at(root_fd, v, e);
			else
				view_bind_at(root_fd, e->src_fd, e->path, ATTR_RW);
			break;
		case MOUNT_TMPFS:
			/* A throwaway $HOME is private, like a real one */
			if (e->src_fd == -2)
				view_scratch_at(root_fd, e->path, 0700, ATTR_RW);
			else
				view_tmpfs_at(root_fd, e->path, "0755", ATTR_RW);
			if (e->src_fd == -3 && v->n_priv < ARRAY_SIZE(v->priv_fd))
				v->priv_fd[v->n_priv++] = openat2_fd(
					root_fd, e->path, O_PATH | O_DIRECTORY,
					RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
			break;
		case MOUNT_HIDE:
			sysview_hide_at(root_fd, v, e->path);
			break;
		case MOUNT_COPY:
			copy_at(root_fd, e->src_fd, e->path);
			break;
		case MOUNT_PROTECT:
			break;
		}
		if (e->src_fd >= 0)
			close(e->src_fd);
	}
}

size_t fsview_protected(const struct jail_config *cfg, char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < fsview_n_default_protect && n < max; i++)
		out[n++] = xasprintf("%s/%s", cfg->project,
				     fsview_default_protect[i]);
	for (size_t i = 0; i < cfg->n_mounts && n < max; i++)
		if (cfg->mounts[i].kind == MOUNT_PROTECT)
			out[n++] = xstrdup(cfg->mounts[i].path);
	return n;
}

static int make_root(void)
{
	const char *opts[] = { "mode", "0755", NULL, NULL };
	autoclose int dst = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	autoclose int mnt = -1;
	int root_fd;

	if (dst < 0)
		dst = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	mnt = view_new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (dst < 0 || mnt < 0 || view_attach(mnt, dst) < 0)
		die_errno("mount the root tmpfs");
	root_fd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die_errno("open the root tmpfs");
	return root_fd;
}

static void make_empty_file(int root_fd, struct view *v)
{
	autoclose int fd = openat(root_fd, ".jail-empty",
				  O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);

	if (fd < 0)
		die_errno("create the empty file");
	v->empty_file_fd = openat(root_fd, ".jail-empty",
				  O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (v->empty_file_fd < 0)
		die_errno("open the empty file");
}

static void pivot(int root_fd, const struct jail_config *cfg)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };

	unlinkat(root_fd, ".jail-empty", 0);
	if (mount_setattr(root_fd, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
		die_errno("make the root read-only");
	if (fchdir(root_fd) < 0)
		die_errno("chdir to the new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die_errno("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die_errno("detach the old root");
	if (chdir(cfg->cwd) < 0 && chdir(cfg->project) < 0)
		die_errno("chdir \"%s\"", cfg->cwd);
}

int fsview_bind_fd(int src_fd, int dst_fd, uint64_t attr)
{
	return view_bind_fd(src_fd, dst_fd, attr);
}

int fsview_open_target(int root_fd, const char *path, bool is_dir)
{
	return view_open_target(root_fd, path, is_dir);
}

int fsview_new_tmpfs(const char *mode)
{
	const char *opts[] = { "mode", mode, NULL, NULL };

	return view_new_fs("tmpfs", opts, ATTR_RW);
}

bool fsview_path_under(const char *path, const char *root)
{
	return view_path_under(path, root) != NULL;
}

/*
 * Does anything the view binds, or protects, lie at or below /sys? Then
 * the sysfs goes under it, as the first mount of the trees bound
 */
static bool has_path_in_sys(const struct jail_config *cfg)
{
	if (view_path_under(cfg->project, "/sys") ||
	    view_path_under(cfg->home, "/sys"))
		return true;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (view_path_under(cfg->mounts[i].path, "/sys"))
			return true;
	return false;
}

static void build_sys(int root_fd, struct view *v,
		      const struct fsview_waits *w)
{
	/* As late as may be: the caller may have to wait for its netns */
	if (w->before_sys)
		w->before_sys(w->arg);
	sysview_build_sys(root_fd, v);
}

int fsview_build(const struct jail_run *run, const struct fsview_waits *w,
		 int *priv_fd)
{
	const struct jail_config *cfg = run->cfg;
	struct view *v = xcalloc(1, sizeof(*v));
	autoclose int root_fd = -1;
	int n_priv, *git_src, *git_tmp;
	bool is_sys_first = has_path_in_sys(cfg);

	v->upper_fd = v->work_fd = v->empty_mnt_fd = -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die_errno("make mounts private");
	open_sources(run, v);
	git_src = gitguard_open_sources(cfg);
	/* First: the supervisor fills them while we build */
	git_tmp = gitguard_new_private(cfg);
	if (git_tmp && w->private_git)
		w->private_git(w->arg, git_tmp, 2 * cfg->git->n_dirs);
	root_fd = make_root();
	make_empty_file(root_fd, v);
	sysview_build_system(root_fd, v);
	sysview_build_etc(run, root_fd, v);
	sysview_build_proc(root_fd, v);
	sysview_build_dev(root_fd, v);
	view_scratch_at(root_fd, "/tmp", 01777, ATTR_RW);
	view_scratch_at(root_fd, "/var/tmp", 01777, ATTR_RW);
	view_scratch_at(root_fd, "/run", 0755, ATTR_RW);
	/* An entry below /sys goes on top of the sysfs */
	if (is_sys_first)
		build_sys(root_fd, v, w);
	/* The placeholders, made meanwhile, lie in the trees bound next */
	if (w->before_binds)
		w->before_binds(w->arg);
	build_entries(root_fd, v);
	if (cfg->gitconfig)
		sysview_jail_file_at(root_fd, xasprintf("%s/.gitconfig", cfg->home),
			     cfg->gitconfig);
	/* Over the project and its git dirs' binds, under protected paths */
	gitguard_build(cfg, root_fd, git_src, git_tmp);
	for (n_priv = 0; n_priv < (int)v->n_priv; n_priv++)
		priv_fd[n_priv] = v->priv_fd[n_priv];
	view_build_protect(cfg, root_fd);
	/* Nothing lies below it: the view's last mount, the netns's last use */
	if (!is_sys_first)
		build_sys(root_fd, v, w);
	close(v->empty_file_fd);
	if (v->empty_mnt_fd >= 0)
		close(v->empty_mnt_fd);
	free(v);
	pivot(root_fd, cfg);
	return n_priv;
}

size_t fsview_writable(const struct jail_config *cfg, const char **out,
		       size_t max)
{
	static const char *const fixed[] = { "/tmp", "/var/tmp", "/run",
					     "/dev" };
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fixed) && n < max; i++)
		out[n++] = fixed[i];
	if (n < max)
		out[n++] = cfg->home;
	if (n < max)
		out[n++] = cfg->project;
	for (size_t i = 0; i < cfg->n_mounts && n < max; i++)
		if (cfg->mounts[i].kind == MOUNT_RW ||
		    cfg->mounts[i].kind == MOUNT_TMPFS)
			out[n++] = cfg->mounts[i].path;
	return n;
}

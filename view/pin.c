// SPDX-License-Identifier: MIT
/*
 * pin.c - protected paths made mount points of themselves in the view
 *
 * Each ancestor of a protected path inside its writable tree becomes a
 * mount point of itself (rename and unlink then fail with EBUSY), then
 * the path itself is bound read-only onto itself (fsview.c step 5). An
 * absent path is held by a placeholder file the supervisor made
 * (host/placeholder.c): those are hard links of one inode, so each
 * further one gets a clone of the first one's read-only mount, which
 * keeps its flags, and the placeholders right below the project are
 * attached by name without opening them.
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "jail.h"
#include "host/host.h"
#include "view/view.h"

/*
 * Is @fd already the root of a mount, so that its name cannot be renamed
 * or removed (EBUSY), and, where @attr asks for it, a read-only one? Only
 * a file counts as read-only so: a directory's read-only bind must also
 * cover whatever is mounted below it, which is made again recursively;
 * unless @is_whole says it was bound read-only whole, nothing mounted
 * below it since. Inside a private git dir (gitview.c) .git, .git/config
 * and .git/hooks are such mounts.
 */
static bool is_pinned_already(int fd, const struct stat *st, uint64_t attr,
			      bool is_whole)
{
	struct statx stx;
	struct statvfs sv;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0, &stx) < 0 ||
	    !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return false;
	if (!(attr & MOUNT_ATTR_RDONLY))
		return true;
	return (!S_ISDIR(st->st_mode) || is_whole) && fstatvfs(fd, &sv) == 0 &&
	       (sv.f_flag & ST_RDONLY);
}

/* The ancestors pinned so far: one mount each is enough */
struct pinned {
	char *path[JAIL_MAX_MOUNTS + 32];
	size_t n;
	struct {		/* read-only mounts of files bound so far */
		dev_t dev;
		ino_t ino;
		int fd;		/* the attached mount's root */
	} file[4];
	size_t n_file;
	int proj_fd;	/* the project in the view, or -1 */
};

static bool pin_file_known(const struct pinned *pin, const struct stat *st)
{
	for (size_t i = 0; i < pin->n_file; i++)
		if (pin->file[i].dev == st->st_dev &&
		    pin->file[i].ino == st->st_ino)
			return true;
	return false;
}

/*
 * Bind the file @fd (inode @st) read-only onto itself. The placeholders
 * of absent paths are hard links of one inode: a further one gets a
 * clone of the read-only mount of the first, which keeps its flags, so
 * no mount_setattr() each; the inode seen there is the same.
 */
static int pin_file(struct pinned *pin, int fd, const struct stat *st,
		    uint64_t attr)
{
	int mnt;

	for (size_t i = 0; i < pin->n_file; i++)
		if (pin->file[i].dev == st->st_dev &&
		    pin->file[i].ino == st->st_ino)
			return view_attach_clone(pin->file[i].fd, fd);
	mnt = view_bind_file(fd, fd, attr);
	if (mnt < 0)
		return mnt;
	/* The next clone's source */
	if (st->st_nlink > 1 && pin->n_file < ARRAY_SIZE(pin->file))
		pin->file[pin->n_file++] = (typeof(pin->file[0])){
			st->st_dev, st->st_ino, mnt
		};
	else
		close(mnt);
	return 0;
}

/*
 * A placeholder right below the project (@name in @proj_fd, the project
 * in the view): another name of a placeholder bound already gets a clone
 * of that read-only mount, attached by name. No descriptor of the name is
 * opened: move_mount() follows no symlink there, so the mount covers
 * whatever the name is now (a file or a symlink swapped in since the
 * look; a directory is pinned as any path). Return: 0 pinned, 1 not such a
 * placeholder (pin it as any path), or negative errno
 */
static int pin_placeholder(const struct pinned *pin, int proj_fd,
			   const char *name)
{
	autoclose int tree = -1;
	struct statx stx;

	if (proj_fd < 0 || !pin->n_file || strchr(name, '/') ||
	    statx(proj_fd, name, AT_SYMLINK_NOFOLLOW,
		  STATX_TYPE | STATX_INO, &stx) < 0 ||
	    !S_ISREG(stx.stx_mode))
		return 1;
	for (size_t i = 0; i < pin->n_file; i++) {
		if (pin->file[i].ino != stx.stx_ino ||
		    pin->file[i].dev != makedev(stx.stx_dev_major,
						stx.stx_dev_minor))
			continue;
		tree = open_tree(pin->file[i].fd, "",
				 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					 AT_EMPTY_PATH);
		if (tree < 0)
			return -errno;
		/* Swapped for a directory since: pinned as any path */
		if (move_mount(tree, "", proj_fd, name,
			       MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return errno == EINVAL || errno == ENOENT ? 1 : -errno;
		return 0;
	}
	return 1;
}

/*
 * Make @path a mount point of itself, so rename/unlink give EBUSY.
 * @is_whole: a read-only mount there would cover all below it
 * (is_pinned_already())
 */
static int pin_in_place(int root_fd, struct pinned *pin, const char *path,
			uint64_t attr, bool is_whole)
{
	autoclose int fd = openat2_fd(root_fd, path, O_PATH | O_NOFOLLOW,
				      RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* A symlink cannot be a mount point; the exit check covers it */
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	/* An ancestor that is a file is a placeholder: never writable */
	if (!S_ISDIR(st.st_mode))
		attr |= MOUNT_ATTR_RDONLY;
	/* Another name of a placeholder bound already: no need to ask */
	if (S_ISREG(st.st_mode) && pin_file_known(pin, &st))
		return pin_file(pin, fd, &st, attr);
	if (is_pinned_already(fd, &st, attr, is_whole))
		return 0;
	/* A file's mount has nothing below it to make read-only too */
	if (S_ISREG(st.st_mode))
		return pin_file(pin, fd, &st, attr);
	return view_bind_fd(fd, fd, attr);
}

static bool is_pinned(const struct pinned *pin, const char *path)
{
	for (size_t i = 0; i < pin->n; i++)
		if (!strcmp(pin->path[i], path))
			return true;
	return false;
}

/*
 * Pin every ancestor of @path strictly below @tree, top-down; one that an
 * earlier protected path pinned already (.claude for .claude/commands
 * after .claude/settings.json) is not stacked again
 */
static void pin_ancestors(int root_fd, struct pinned *pin, const char *tree,
			  const char *path)
{
	autofree char *p = xstrdup(path);

	for (char *s = p + strlen(tree) + 1; (s = strchr(s, '/')); s++) {
		int err;

		*s = '\0';
		if (is_pinned(pin, p)) {
			*s = '/';
			continue;
		}
		err = pin_in_place(root_fd, pin, p, ATTR_RW, false);
		if (err >= 0 && pin->n < ARRAY_SIZE(pin->path))
			pin->path[pin->n++] = xstrdup(p);
		*s = '/';
		if (err == -ENOENT || err == -ELOOP || err == -ENOTDIR)
			return;
		if (err < 0) {
			errno = -err;
			die_errno("protect ancestor of \"%s\"", path);
		}
	}
}

static void protect_one(const struct jail_config *cfg, int root_fd,
			struct pinned *pin, const char *tree, const char *path)
{
	const char *rel = view_path_under(path, cfg->project);
	int err;

	/* The absent paths of a fresh project: most of them, the cheap way */
	if (rel && tree == cfg->project) {
		err = pin_placeholder(pin, pin->proj_fd, rel);
		if (err <= 0)
			goto out;
	}
	if (tree)
		pin_ancestors(root_fd, pin, tree, path);
	err = pin_in_place(root_fd, pin, path, ATTR_RO,
			   gitguard_binds_whole(cfg, path));
out:
	/* Absent (or below a file): the exit check reports its creation */
	if (err == -ENOENT || err == -ELOOP || err == -ENOTDIR)
		return;
	if (err < 0) {
		errno = -err;
		die_errno("protect \"%s\"", path);
	}
}

/**
 * view_build_protect() - pin every protected path in the view
 * @cfg: the configuration (defaults, --protect, profile paths)
 * @root_fd: the view's root
 *
 * A protected path that is absent, or below a symlink or a file, is left
 * to the exit check; any other failure is fatal.
 */
void view_build_protect(const struct jail_config *cfg, int root_fd)
{
	char *paths[JAIL_MAX_MOUNTS + 32];
	size_t n = fsview_protected(cfg, paths, ARRAY_SIZE(paths));
	struct pinned *pin = xcalloc(1, sizeof(*pin));

	pin->proj_fd = openat2_fd(root_fd, cfg->project, O_PATH | O_DIRECTORY,
				  RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	for (size_t i = 0; i < n; i++) {
		const char *tree = view_path_under(paths[i], cfg->project) ?
					   cfg->project :
					   view_writable_tree_of(cfg, paths[i]);

		protect_one(cfg, root_fd, pin, tree, paths[i]);
		free(paths[i]);
	}
	while (pin->n--)
		free(pin->path[pin->n]);
	while (pin->n_file--)
		close(pin->file[pin->n_file].fd);
	if (pin->proj_fd >= 0)
		close(pin->proj_fd);
	free(pin);
}

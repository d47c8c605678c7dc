// SPDX-License-Identifier: MIT
/*
 * placeholder.c - protected paths that do not exist cannot be created
 *
 * Theory of operation:
 *  A path that does not exist cannot be a mount point, and the kernel has
 *  no way to refuse the creation of one name inside a writable tree
 *  (Landlock grants by hierarchy; seccomp cannot see paths). So before
 *  the jail starts the supervisor holds each missing protected path inside
 *  a writable tree with an empty placeholder file at its first missing
 *  component (.claude for an absent .claude/settings.json, which then
 *  cannot be made at all); the view binds it read-only over itself
 *  (fsview.c build_protect, as the path or as one of its ancestors), so
 *  inside it cannot be written, renamed, removed or replaced, whether or
 *  not the supervisor still lives. A profile path the agent must write
 *  (Claude Code's ~/.claude/plugins) gets a private tmpfs on top instead.
 *  At exit the supervisor removes each placeholder it made that is still
 *  the same empty inode. The list is also written to a registry file in
 *  jail's state directory, locked while the run lasts: a later run that
 *  can take the lock knows its owner was killed and removes what is left
 *  (phreg.c reads the registries).
 *  The registry files are slots used again from run to run (emptied at
 *  exit, not removed): a file created and removed per run costs an inode
 *  allocation, which a file system without a journal makes slower the
 *  more inodes were freed lately. For the same reason the placeholders of
 *  a tree are hard links of one empty file kept for that tree in the
 *  registry directory (shared_source()), where it is on the same mount
 *  and out of the jail's reach; else of one made in the tree for the run.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"
#include "config/config.h"
#include "parse/parse.h"
#include "host/phreg.h"

struct placeholders {
	char *path[MAX_MADE];	/* in creation order, parents first */
	dev_t dev[MAX_MADE];
	ino_t ino[MAX_MADE];
	size_t n;
	int reg_fd;		/* the registry file, locked; or -1 */
	char *reg_path;
	const char *reg_name;	/* ... its name in the registry directory */
	bool is_slot;		/* ... a slot: emptied at exit, not removed */
	const char *tree;	/* the tree of the last placeholder made */
	int tree_fd;		/* ... opened without symlinks, or -1 */
	int src_fd[2];		/* the first empty and JSON placeholder, or -1 */
	struct stat src_st[2];	/* ... their inodes */
	bool no_flink;		/* linkat(AT_EMPTY_PATH) refused: via /proc */
	const char *src_tree;	/* the tree @src_fd were linked into */
	struct stat tree_st;	/* ... its root */
	int dir_fd;		/* the registry directory, or -1 */
	bool no_shared;		/* no shared sources (shared_source()) */
	const struct entry *live;	/* other runs' placeholders */
	size_t n_live;
	/* Registered before they are linked (preregister()), by index */
	const char *prereg[JAIL_MAX_MOUNTS + 32];
	size_t n_prereg;
};

static char *registry_dir(void)
{
	const char *st = getenv("XDG_STATE_HOME");

	if (st && st[0] == '/')
		return xasprintf("%s/jail/placeholders", st);
	return xasprintf("%s/.local/state/jail/placeholders",
			 config_host_home());
}

#define JSON_EMPTY "{}\n"
#define JSON_EMPTY_LEN 3

/* Settings files are JSON: an empty one would not parse */
static bool is_json(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && !strcmp(name + n - 5, ".json");
}

static bool is_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	return !strncmp(path, root, n) && path[n] == '/';
}

/* The writable tree a placeholder for @path would go in, or NULL */
static const char *tree_of(const struct jail_config *cfg, const char *path)
{
	const char *best = NULL;

	/*
	 * Under --review the project is an overlay: nothing made there lands
	 * unreviewed, and apply marks protected paths for a second question
	 */
	if (is_under(path, cfg->project) && !cfg->review)
		best = cfg->project;
	else if (is_under(path, cfg->project))
		return NULL;
	if (cfg->home_src && is_under(path, cfg->home_src))
		best = cfg->home_src;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];

		if (m->kind == MOUNT_RW && is_under(path, m->path) &&
		    (!best || strlen(m->path) > strlen(best)) &&
		    access(m->path, F_OK) == 0)
			best = m->path;
	}
	/* A private git dir discards whatever is made inside */
	for (size_t i = 0; cfg->git && i < cfg->git->n_dirs; i++)
		if (is_under(path, cfg->git->dir[i]) ||
		    !strcmp(path, cfg->git->dir[i]))
			return NULL;
	return best;
}

/* Is @path, the inode @dev @ino, in the registry already? */
static bool is_preregistered(const struct placeholders *p, const char *path,
			     dev_t dev, ino_t ino)
{
	for (size_t k = 0; k < 2; k++) {
		if (p->src_fd[k] < 0 || p->src_st[k].st_dev != dev ||
		    p->src_st[k].st_ino != ino)
			continue;
		for (size_t i = 0; i < p->n_prereg; i++)
			if (!strcmp(p->prereg[i], path))
				return true;
	}
	return false;
}

static void remember_inode(struct placeholders *p, const char *path,
			   dev_t dev, ino_t ino)
{
	char line[PATH_MAX + 64];
	int n;

	if (p->n >= MAX_MADE)
		return;
	p->path[p->n] = xstrdup(path);
	p->dev[p->n] = dev;
	p->ino[p->n++] = ino;
	if (is_preregistered(p, path, dev, ino))
		return;
	/*
	 * One write() per entry, as soon as the placeholder exists: a run
	 * killed right after leaves nothing the next run does not know of
	 */
	n = snprintf(line, sizeof(line), "%llu %llu %s\n",
		     (unsigned long long)dev, (unsigned long long)ino, path);
	if (p->reg_fd >= 0 && n > 0 && (size_t)n < sizeof(line))
		(void)write_all(p->reg_fd, line, (size_t)n);
}

static void remember(struct placeholders *p, const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0)
		remember_inode(p, path, st.st_dev, st.st_ino);
}

/* @tree opened without following a symlink; kept for the next path */
static int tree_fd(struct placeholders *p, const char *tree)
{
	if (p->tree_fd >= 0 && p->tree && !strcmp(p->tree, tree))
		return p->tree_fd;
	if (p->tree_fd >= 0)
		close(p->tree_fd);
	p->tree = tree;
	p->tree_fd = openat2_fd(AT_FDCWD, tree, O_PATH | O_DIRECTORY,
				RESOLVE_NO_SYMLINKS);
	return p->tree_fd;
}

/*
 * A further placeholder of a kind is a hard link to the first one made:
 * no inode is allocated and freed per name (which a file system without
 * a journal makes slower the more were freed lately). The link names the
 * very inode of @src_fd, whatever happened to its first name since:
 * linked from the descriptor itself where the kernel lets us
 * (CAP_DAC_READ_SEARCH), else through /proc/self/fd (a longer lookup).
 * Return: 0 or negative errno
 */
static int link_to(struct placeholders *p, int src_fd, int dir,
		   const char *name)
{
	char proc[64];

	if (!p->no_flink) {
		if (linkat(src_fd, "", dir, name, AT_EMPTY_PATH) == 0)
			return 0;
		if (errno != ENOENT && errno != EPERM)
			return -errno;
		p->no_flink = true;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", src_fd);
	if (linkat(AT_FDCWD, proc, dir, name, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

static int shared_source(struct placeholders *p, int kind);

/* The sources of the placeholders belong to one tree: a new one, anew */
static void switch_tree(struct placeholders *p, const char *tree, int top)
{
	if (p->src_tree == tree)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(p->src_fd); i++)
		if (p->src_fd[i] >= 0)
			close(p->src_fd[i]);
	p->src_fd[0] = p->src_fd[1] = -1;
	p->src_tree = tree;
	if (fstat(top, &p->tree_st) < 0)
		p->no_shared = true;
}

/*
 * The first placeholder of kind @kind in this tree, @name in @dir (at
 * @sofar), as a link of the tree's shared source, which then serves the
 * further ones. Return: 0 made, 1 to make it otherwise (no shared source
 * here), or negative errno
 */
static int link_shared(struct placeholders *p, int dir, const char *name,
		       const char *sofar, int kind)
{
	autoclose int src = shared_source(p, kind);
	struct stat st;
	int err;

	if (src < 0 || fstat(src, &st) < 0)
		return 1;
	err = link_to(p, src, dir, name);
	/* Another mount: one made in the tree, as before */
	if (err == -EXDEV) {
		p->no_shared = true;
		return 1;
	}
	p->src_st[kind] = st;
	p->src_fd[kind] = TAKE_FD(src);
	if (err < 0)
		return err;
	remember_inode(p, sofar, st.st_dev, st.st_ino);
	return 0;
}

/*
 * Make the placeholder @name in @dir (the first missing component of
 * @path, which ends at @len; a directory only with @is_dir) and register
 * it. O_EXCL (and linkat()): never through a symlink, never a file
 * someone else made.
 */
static int create_at(struct placeholders *p, int dir, const char *name,
		     const char *path, size_t len, bool is_last, bool is_dir)
{
	autofree char *sofar = xasprintf("%.*s", (int)len, path);
	autoclose int fd = -1;
	int kind = is_last && is_json(name);
	int err;

	if (!is_dir && p->src_fd[kind] < 0 && !p->no_shared &&
	    (err = link_shared(p, dir, name, sofar, kind)) <= 0)
		return err;
	if (!is_dir && p->src_fd[kind] >= 0 &&
	    link_to(p, p->src_fd[kind], dir, name) == 0) {
		/* Registered as the inode linked, not as what the name shows */
		remember_inode(p, sofar, p->src_st[kind].st_dev,
			       p->src_st[kind].st_ino);
		return 0;
	}
	if (is_dir) {
		if (mkdirat(dir, name, 0755) < 0)
			return -errno;
		fd = openat2_fd(dir, name, O_PATH | O_NOFOLLOW | O_DIRECTORY,
				RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
		if (fd < 0)
			return fd;
	} else {
		fd = openat(dir, name,
			    O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW |
				    O_CLOEXEC,
			    0444);
		if (fd < 0)
			return -errno;
		/* A tool that reads it finds a valid, empty document */
		if (kind)
			(void)write_all(fd, JSON_EMPTY, JSON_EMPTY_LEN);
	}
	remember(p, sofar, fd);
	if (!is_dir && p->src_fd[kind] < 0 &&
	    fstat(fd, &p->src_st[kind]) == 0)
		p->src_fd[kind] = TAKE_FD(fd);
	return 0;
}

/*
 * Hold the first missing component of @path below @tree with an empty
 * placeholder, never through a symlink: an empty file, which keeps the
 * whole name (and all below it) from being created, or with @is_dir (a
 * private tmpfs goes on it) a directory. Directories a run made are
 * costly to remove once they were mount points (the kernel detaches the
 * dead namespace's mounts from them, an RCU grace period each), and a
 * file left behind by a killed run is as harmless.
 *
 * A path that exists whole is left alone: the walk that looks for the
 * first missing component is the test for it, never through a symlink.
 *
 * Return: 0 (made, or there already), or negative errno
 */
static int make_one(struct placeholders *p, const char *tree,
		    const char *path, bool is_dir)
{
	autofree char *rel = xstrdup(path + strlen(tree) + 1);
	int top = tree_fd(p, tree), cur = top;
	char *save = NULL;
	size_t done = strlen(tree);
	int err = 0;

	if (top < 0)
		return top;
	switch_tree(p, tree, top);
	/*
	 * A file right below the tree: made (linked or created, neither
	 * through a symlink) or found there by the one call, no walk first
	 */
	if (!is_dir && !strchr(rel, '/')) {
		err = create_at(p, top, rel, path, strlen(path), true, false);
		return err == -EEXIST ? 0 : err;
	}
	for (char *c = strtok_r(rel, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		bool last = !save || !*save;
		int fd = openat2_fd(cur, c, O_PATH | O_NOFOLLOW,
				    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);

		done += 1 + strlen(c);
		if (fd == -ENOENT) {
			err = create_at(p, cur, c, path, done, last,
					last && is_dir);
			break;
		}
		if (fd < 0) {
			err = fd;
			break;
		}
		if (cur != top)
			close(cur);
		cur = fd;
	}
	if (cur != top)
		close(cur);
	return err;
}

/* Is @name, a file of @size bytes, what make_one() left there? */
static bool is_placeholder_size(const char *name, off_t size)
{
	return size == 0 || (is_json(name) && size == JSON_EMPTY_LEN);
}

/* Is @name in @dir still the empty placeholder we made? */
static bool still_ours(int dir, const char *name, dev_t dev, ino_t ino,
		       bool *is_dir)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_dev != dev || st.st_ino != ino)
		return false;
	*is_dir = S_ISDIR(st.st_mode);
	/* rmdir() itself refuses a directory that is not empty */
	return *is_dir ||
	       (S_ISREG(st.st_mode) && is_placeholder_size(name, st.st_size));
}

/* The directory of the last placeholder removed, opened once for all */
struct parent_dir {
	char *path;
	int fd;
};

static void parent_dir_close(struct parent_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	*d = (struct parent_dir){ NULL, -1 };
}

static void remove_one(struct parent_dir *d, const char *path, dev_t dev,
		       ino_t ino)
{
	autofree char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	bool is_dir = false;

	if (!slash || slash == parent)
		return;
	*slash = '\0';
	if (!d->path || strcmp(d->path, parent)) {
		parent_dir_close(d);
		d->fd = openat2_fd(AT_FDCWD, parent, O_PATH | O_DIRECTORY,
				   RESOLVE_NO_SYMLINKS);
		d->path = TAKE_PTR(parent);
	}
	if (d->fd >= 0 && still_ours(d->fd, slash + 1, dev, ino, &is_dir))
		unlinkat(d->fd, slash + 1, is_dir ? AT_REMOVEDIR : 0);
}

/*
 * What a run killed while it held our slot left in it: dead entries,
 * appended to @dead; the slot is then emptied for our own
 */
static void take_own_slot(const struct placeholders *p, struct entry *dead,
			  size_t *n_dead, size_t max)
{
	autofclose FILE *f = NULL;
	int fd = -1;

	if (p->reg_fd < 0 || !p->is_slot)
		return;
	fd = dup(p->reg_fd);
	f = fd >= 0 ? fdopen(fd, "re") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (phreg_read_entries(f, dead, n_dead, max))
		(void)!ftruncate(p->reg_fd, 0);
	/* The descriptions are shared: our lines start at the beginning */
	(void)lseek(p->reg_fd, 0, SEEK_SET);
}

/*
 * Is @fd (@st) a shared source as shared_source() makes it: ours, 0444,
 * empty or the empty JSON document, and linked nowhere but from the
 * placeholders live runs registered? A link anywhere else (a run whose
 * placeholder could not be removed, a copy someone made) could be
 * written through, so such a source is not used again.
 */
static bool is_sound_source(const struct placeholders *p, int fd,
			    const struct stat *st, int kind)
{
	char buf[JSON_EMPTY_LEN + 1];

	if (!S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    (st->st_mode & 07777) != 0444 ||
	    st->st_size != (kind ? JSON_EMPTY_LEN : 0) ||
	    st->st_nlink != 1 + phreg_live_links(p->live, p->n_live,
						 st->st_dev, st->st_ino))
		return false;
	return !kind || (pread(fd, buf, sizeof(buf), 0) == JSON_EMPTY_LEN &&
			 !memcmp(buf, JSON_EMPTY, JSON_EMPTY_LEN));
}

/* A new shared source @name, put in place of any other by rename */
static int new_source(struct placeholders *p, const char *name, int kind)
{
	autofree char *tmp = xasprintf("%s.%d", name, (int)getpid());
	int fd;

	(void)unlinkat(p->dir_fd, tmp, 0);
	fd = openat(p->dir_fd, tmp,
		    O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return -1;
	if ((kind && write_all(fd, JSON_EMPTY, JSON_EMPTY_LEN) < 0) ||
	    renameat(p->dir_fd, tmp, p->dir_fd, name) < 0) {
		(void)unlinkat(p->dir_fd, tmp, 0);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The file the placeholders of kind @kind in the current tree are hard
 * links of: kept in the registry directory from run to run (a dot name,
 * which no sweep reads), one per tree, so that no inode is allocated and
 * freed per run, and the jail of one tree cannot write another's.
 * Called under the registries' lock. Return: its fd, or -1
 */
static int shared_source(struct placeholders *p, int kind)
{
	autofree char *name = xasprintf(
		".src-%llx-%llx-%s", (unsigned long long)p->tree_st.st_dev,
		(unsigned long long)p->tree_st.st_ino, kind ? "json" : "empty");
	int fd = openat(p->dir_fd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && is_sound_source(p, fd, &st, kind))
		return fd;
	if (fd >= 0)
		close(fd);
	return new_source(p, name, kind);
}

/*
 * Under the registries' lock: remove the placeholders of killed runs that
 * no live run relies on; with @take_own, also those a killed run left in
 * the slot @own holds now. Return: the live entries in @live (caller
 * frees them with phreg_free_entries())
 */
static size_t sweep(const char *dir, const struct placeholders *own,
		    bool take_own, struct entry *live, size_t max_live)
{
	static struct entry dead[MAX_MADE * 2];
	struct parent_dir pd = { NULL, -1 };
	size_t n_dead = 0, n_live;

	n_live = phreg_read_all(dir, own ? own->reg_name : NULL, live,
				 max_live, dead, &n_dead);
	if (own && take_own)
		take_own_slot(own, dead, &n_dead, ARRAY_SIZE(dead));
	/* Children first */
	for (size_t i = n_dead; i-- > 0;)
		if (!phreg_is_live(live, n_live, dead[i].path, dead[i].dev,
			     dead[i].ino))
			remove_one(&pd, dead[i].path, dead[i].dev,
				   dead[i].ino);
	parent_dir_close(&pd);
	phreg_free_entries(dead, n_dead);
	return n_live;
}

static void clean_stale(const char *dir)
{
	static struct entry live[MAX_MADE * 4];
	autoclose int lock = phreg_lock(dir);

	if (lock >= 0)
		phreg_free_entries(live, sweep(dir, NULL, false, live,
						 ARRAY_SIZE(live)));
}

/* Rely on the live placeholders of other runs in our trees, too */
static void adopt(const struct jail_config *cfg, struct placeholders *p,
		  const struct entry *live, size_t n_live)
{
	for (size_t i = 0; i < n_live; i++) {
		autoclose int fd = -1;
		struct stat st;

		if (!tree_of(cfg, live[i].path) ||
		    lstat(live[i].path, &st) < 0 || st.st_dev != live[i].dev ||
		    st.st_ino != live[i].ino)
			continue;
		fd = open(live[i].path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			remember(p, live[i].path, fd);
	}
}

/*
 * The first slot no run holds, locked; what a killed run left in it is
 * swept under the registries' lock (take_own_slot()). Return: its fd
 */
static int claim_slot(const char *dir, struct placeholders *p)
{
	for (unsigned int k = 0; k < REG_SLOTS; k++) {
		autofree char *path = xasprintf("%s/" REG_SLOT_PREFIX "%u",
						dir, k);
		int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			      0600);
		struct stat st;

		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			p->reg_path = TAKE_PTR(path);
			p->reg_name = strrchr(p->reg_path, '/') + 1;
			p->is_slot = true;
			return fd;
		}
		close(fd);
	}
	return -1;
}

static void open_registry(const struct jail_config *cfg,
			  struct placeholders *p)
{
	autofree char *dir = registry_dir();

	p->reg_fd = -1;
	if (mkdir_parents(dir, 0700) < 0)
		return;
	p->reg_fd = claim_slot(dir, p);
	if (p->reg_fd >= 0)
		return;
	/* Every slot held: a file of this run's own */
	free(p->reg_path);
	p->reg_path = xasprintf("%s/%s", dir, cfg->id);
	p->reg_name = strrchr(p->reg_path, '/') + 1;
	p->is_slot = false;
	p->reg_fd = open(p->reg_path,
			 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			 0600);
	if (p->reg_fd >= 0 && flock(p->reg_fd, LOCK_EX) < 0) {
		close(p->reg_fd);
		p->reg_fd = -1;
	}
}

/* Would make_one() hold @path with a link of a shared source, by name? */
static bool is_linked_by_name(const struct jail_config *cfg,
			      const char *path)
{
	const char *rel = path + strlen(cfg->project) + 1;

	return tree_of(cfg, path) == cfg->project && !strchr(rel, '/') &&
	       strcmp(rel, ".git");
}

/*
 * The placeholders right below the project, the most of them, are hard
 * links of the project's shared sources: registered all in one write
 * before any is linked, instead of one write each after it. A run killed
 * in between leaves lines for names it never linked, which the next
 * run's sweep passes over (no such name, or not that inode), as it does
 * for those it adopted. Called under the registries' lock, after the
 * sweep that emptied our slot.
 */
static void preregister(const struct jail_config *cfg, struct placeholders *p,
			char *const *prot, size_t n)
{
	size_t len = 0, cap = 0;
	autofree char *buf = NULL;
	int top;

	if (p->no_shared || p->reg_fd < 0 ||
	    (top = tree_fd(p, cfg->project)) < 0)
		return;
	switch_tree(p, cfg->project, top);
	for (size_t i = 0; i < n; i++) {
		int kind = is_json(prot[i]);
		struct stat st;
		int src;

		if (!is_linked_by_name(cfg, prot[i]) || p->src_fd[kind] >= 0)
			continue;
		src = shared_source(p, kind);
		/* Another mount: each made in the tree, as before */
		if (src < 0 || fstat(src, &st) < 0 ||
		    st.st_dev != p->tree_st.st_dev) {
			if (src >= 0)
				close(src);
			return;
		}
		p->src_fd[kind] = src;
		p->src_st[kind] = st;
	}
	for (size_t i = 0; i < n; i++)
		cap += strlen(prot[i]) + 48;
	buf = xmalloc(cap);
	for (size_t i = 0; i < n && p->n_prereg < ARRAY_SIZE(p->prereg); i++) {
		const struct stat *st = &p->src_st[is_json(prot[i])];

		if (!is_linked_by_name(cfg, prot[i]))
			continue;
		len += (size_t)snprintf(buf + len, cap - len, "%llu %llu %s\n",
					(unsigned long long)st->st_dev,
					(unsigned long long)st->st_ino,
					prot[i]);
		p->prereg[p->n_prereg++] = prot[i];
	}
	if (len && write_all(p->reg_fd, buf, len) < 0)
		p->n_prereg = 0;
}

static void make_for(const struct jail_config *cfg, struct placeholders *p,
		     const char *path, const char *why, bool is_dir)
{
	const char *tree = tree_of(cfg, path);
	autofree char *dotgit = xasprintf("%s/.git", cfg->project);
	int err;

	/*
	 * Inside .git: a git dir is private (gitguard.c), a .git file makes
	 * the path unreachable, and where there is none, git init must still
	 * work (a new repository is reported at exit)
	 */
	if (is_under(path, dotgit))
		return;
	if (!tree)
		return;
	err = make_one(p, tree, path, is_dir);
	/* Below a symlink or a file, or unreadable: as before, not made */
	if (err < 0 && err != -ELOOP && err != -ENOTDIR && err != -EXDEV &&
	    err != -EACCES)
		warn("protect \"%s\": cannot keep it from being created: %s",
		     path, strerror(-err));
	(void)why;
}

static bool is_within(const char *a, const char *b)
{
	return !strcmp(a, b) || is_under(a, b) || is_under(b, a);
}

/*
 * Is the registry directory @dir, or anything in it, within a tree the
 * jail can write (--home or --rw of the state directory, a project that
 * holds it)? Then no source is shared: the jail could write one there.
 */
static bool is_exposed(const struct jail_config *cfg, const char *dir)
{
	autofree char *real = realpath(dir, NULL);

	if (!real || is_within(real, cfg->project) ||
	    (cfg->home_src && is_within(real, cfg->home_src)))
		return true;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == MOUNT_RW &&
		    is_within(real, cfg->mounts[i].path))
			return true;
	return false;
}

void placeholders_clean_stale(void)
{
	autofree char *dir = registry_dir();

	clean_stale(dir);
}

struct placeholders *placeholders_make(const struct jail_config *cfg)
{
	static struct entry live[MAX_MADE * 4];
	struct placeholders *p = xcalloc(1, sizeof(*p));
	char *prot[JAIL_MAX_MOUNTS + 32];
	size_t n = fsview_protected(cfg, prot, ARRAY_SIZE(prot)), n_live;
	autofree char *dir = registry_dir();

	p->tree_fd = p->src_fd[0] = p->src_fd[1] = -1;
	open_registry(cfg, p);
	p->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	p->no_shared = p->dir_fd < 0 || is_exposed(cfg, dir);
	/* Held (closed at return) while the registries are read and written */
	autoclose int lock = phreg_lock(dir);
	n_live = sweep(dir, p, true, live, ARRAY_SIZE(live));
	adopt(cfg, p, live, n_live);
	p->live = live;
	p->n_live = n_live;
	preregister(cfg, p, prot, n);
	for (size_t i = 0, k = 0; i < n; i++) {
		const char *why = NULL;

		if (i >= fsview_n_default_protect) {
			while (cfg->mounts[k].kind != MOUNT_PROTECT)
				k++;
			why = cfg->mounts[k++].why;
		}
		make_for(cfg, p, prot[i], why, false);
	}
	p->n_prereg = 0;
	for (size_t i = 0; i < n; i++)
		free(prot[i]);
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == MOUNT_TMPFS &&
		    cfg->mounts[i].is_private)
			make_for(cfg, p, cfg->mounts[i].path, NULL, true);
	for (size_t i = 0; i < ARRAY_SIZE(p->src_fd); i++)
		if (p->src_fd[i] >= 0)
			close(p->src_fd[i]);
	if (p->tree_fd >= 0)
		close(p->tree_fd);
	if (p->dir_fd >= 0)
		close(p->dir_fd);
	p->tree_fd = p->src_fd[0] = p->src_fd[1] = p->dir_fd = -1;
	phreg_free_entries(live, n_live);
	p->live = NULL;
	p->n_live = 0;
	return p;
}

char *placeholders_exclude(const struct jail_config *cfg,
			   const struct placeholders *p)
{
	size_t len = 1, plen = strlen(cfg->project);
	char *buf;

	for (size_t i = 0; i < p->n; i++)
		if (is_under(p->path[i], cfg->project))
			len += strlen(p->path[i]) - plen + 1;
	buf = xmalloc(len);
	len = 0;
	for (size_t i = 0; i < p->n; i++) {
		const char *rel = p->path[i] + plen + 1;
		size_t n = strlen(rel);

		if (!is_under(p->path[i], cfg->project))
			continue;
		buf[len++] = '\n';
		buf[len++] = '/';
		memcpy(buf + len, rel, n);
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

/* Did the command write to the private tmpfs @fd? */
static bool is_used(int fd)
{
	autoclose int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = d >= 0 ? fdopendir(TAKE_FD(d)) : NULL;
	size_t n = 0;

	while (dir && readdir(dir) && n < 3)
		n++;
	if (dir)
		closedir(dir);
	return n > 2;
}

void placeholders_remove(const struct jail_config *cfg,
			 struct placeholders *p, const int *priv_fd,
			 size_t n_priv)
{
	for (size_t i = 0, k = 0; i < cfg->n_mounts; i++) {
		if (cfg->mounts[i].kind != MOUNT_TMPFS ||
		    !cfg->mounts[i].is_private)
			continue;
		if (k < n_priv && is_used(priv_fd[k]))
			warn("\"%s\" did not exist: the command wrote to a "
			     "private copy, discarded at exit",
			     cfg->mounts[i].path);
		k++;
	}
	static struct entry live[MAX_MADE * 4];
	struct parent_dir pd = { NULL, -1 };
	autofree char *dir = NULL;
	size_t n_live;

	if (!p)
		return;
	dir = registry_dir();
	/* Held (closed at return) while the registries are read and written */
	autoclose int lock = phreg_lock(dir);

	n_live = sweep(dir, p, false, live, ARRAY_SIZE(live));
	/* Children before their parents; one another run relies on stays */
	while (p->n--) {
		if (!phreg_is_live(live, n_live, p->path[p->n], p->dev[p->n],
			     p->ino[p->n]))
			remove_one(&pd, p->path[p->n], p->dev[p->n],
				   p->ino[p->n]);
		free(p->path[p->n]);
	}
	parent_dir_close(&pd);
	phreg_free_entries(live, n_live);
	/* Emptied before it is unlocked: the slot is idle again */
	if (p->reg_fd >= 0 && p->is_slot)
		(void)!ftruncate(p->reg_fd, 0);
	else if (p->reg_path)
		unlink(p->reg_path);
	if (p->reg_fd >= 0)
		close(p->reg_fd);
	free(p->reg_path);
	free(p);
}

int placeholders_registry_fd(const struct placeholders *p)
{
	return p ? p->reg_fd : -1;
}

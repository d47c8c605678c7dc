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
 *  can take the lock knows its owner was killed and removes what is left.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "jail.h"
#include "gitguard.h"

#define MAX_MADE (JAIL_MAX_MOUNTS + 64)

struct placeholders {
	char *path[MAX_MADE];	/* in creation order, parents first */
	dev_t dev[MAX_MADE];
	ino_t ino[MAX_MADE];
	size_t n;
	int reg_fd;		/* the registry file, locked; or -1 */
	char *reg_path;
};

static char *registry_dir(void)
{
	const char *st = getenv("XDG_STATE_HOME");

	if (st && st[0] == '/')
		return xasprintf("%s/jail/placeholders", st);
	return xasprintf("%s/.local/state/jail/placeholders",
			 config_host_home());
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

static void remember(struct placeholders *p, const char *path, int fd)
{
	struct stat st;

	if (p->n >= MAX_MADE || fstat(fd, &st) < 0)
		return;
	p->path[p->n] = xstrdup(path);
	p->dev[p->n] = st.st_dev;
	p->ino[p->n++] = st.st_ino;
	if (p->reg_fd >= 0)
		dprintf(p->reg_fd, "%llu %llu %s\n",
			(unsigned long long)st.st_dev,
			(unsigned long long)st.st_ino, path);
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
 * Return: 0, or negative errno
 */
static int make_one(struct placeholders *p, const char *tree,
		    const char *path, bool is_dir)
{
	autofree char *rel = xstrdup(path + strlen(tree) + 1);
	autoclose int cur = openat2_fd(AT_FDCWD, tree, O_PATH | O_DIRECTORY,
				       RESOLVE_NO_SYMLINKS);
	char *save = NULL;
	size_t done = strlen(tree);

	if (cur < 0)
		return cur;
	for (char *c = strtok_r(rel, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		bool last = !save || !*save;
		autofree char *sofar = xasprintf("%.*s",
						 (int)(done + 1 + strlen(c)),
						 path);
		int fd = openat2_fd(cur, c, O_PATH | O_NOFOLLOW,
				    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);

		done += 1 + strlen(c);
		if (fd == -ENOENT) {
			int r = last && is_dir ?
					mkdirat(cur, c, 0755) :
					openat(cur, c,
					       O_CREAT | O_EXCL | O_WRONLY |
						       O_NOFOLLOW | O_CLOEXEC,
					       0444);

			if (r < 0)
				return -errno;
			if (!(last && is_dir))
				close(r);
			fd = openat2_fd(cur, c, O_PATH | O_NOFOLLOW,
					RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
			if (fd < 0)
				return fd;
			remember(p, sofar, fd);
			close(fd);
			return 0;
		}
		if (fd < 0)
			return fd;
		close(cur);
		cur = fd;
	}
	return 0;
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
	return *is_dir || (S_ISREG(st.st_mode) && st.st_size == 0);
}

static void remove_one(const char *path, dev_t dev, ino_t ino)
{
	autofree char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	autoclose int dfd = -1;
	bool is_dir = false;

	if (!slash || slash == parent)
		return;
	*slash = '\0';
	dfd = openat2_fd(AT_FDCWD, parent, O_PATH | O_DIRECTORY,
			 RESOLVE_NO_SYMLINKS);
	if (dfd >= 0 && still_ours(dfd, slash + 1, dev, ino, &is_dir))
		unlinkat(dfd, slash + 1, is_dir ? AT_REMOVEDIR : 0);
}

/* A registry whose lock we can take belongs to a run that was killed */
static void clean_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		autofree char *p = NULL;
		autofclose FILE *f = NULL;
		char line[8192];
		char *lines[MAX_MADE];
		size_t n = 0;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		f = fopen(p, "re");
		if (!f || flock(fileno(f), LOCK_EX | LOCK_NB) < 0)
			continue;
		while (n < MAX_MADE && fgets(line, sizeof(line), f))
			lines[n++] = xstrdup(line);
		/* Children first */
		while (n--) {
			unsigned long long dev, ino;
			int off = 0;

			lines[n][strcspn(lines[n], "\n")] = '\0';
			if (sscanf(lines[n], "%llu %llu %n", &dev, &ino, &off) ==
				    2 &&
			    off > 0 && lines[n][off] == '/')
				remove_one(lines[n] + off, (dev_t)dev,
					   (ino_t)ino);
			free(lines[n]);
		}
		unlink(p);
	}
	if (d)
		closedir(d);
}

static void open_registry(const struct jail_config *cfg,
			  struct placeholders *p)
{
	autofree char *dir = registry_dir();

	p->reg_fd = -1;
	if (mkdir_parents(dir, 0700) < 0)
		return;
	p->reg_path = xasprintf("%s/%s", dir, cfg->id);
	p->reg_fd = open(p->reg_path,
			 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			 0600);
	if (p->reg_fd >= 0 && flock(p->reg_fd, LOCK_EX) < 0) {
		close(p->reg_fd);
		p->reg_fd = -1;
	}
}

static void make_for(const struct jail_config *cfg, struct placeholders *p,
		     const char *path, const char *why, bool is_dir)
{
	const char *tree = tree_of(cfg, path);
	int err;

	if (!tree || access(path, F_OK) == 0 || errno != ENOENT)
		return;
	err = make_one(p, tree, path, is_dir);
	if (err < 0 && err != -ELOOP && err != -ENOTDIR && err != -EXDEV)
		warn("protect \"%s\": cannot keep it from being created: %s",
		     path, strerror(-err));
	(void)why;
}

void placeholders_clean_stale(void)
{
	autofree char *dir = registry_dir();

	clean_stale(dir);
}

struct placeholders *placeholders_make(const struct jail_config *cfg)
{
	struct placeholders *p = xcalloc(1, sizeof(*p));
	char *prot[JAIL_MAX_MOUNTS + 32];
	size_t n = fsview_protected(cfg, prot, ARRAY_SIZE(prot));

	open_registry(cfg, p);
	for (size_t i = 0, k = 0; i < n; i++) {
		const char *why = NULL;

		if (i >= fsview_n_default_protect) {
			while (cfg->mounts[k].kind != MOUNT_PROTECT)
				k++;
			why = cfg->mounts[k++].why;
		}
		make_for(cfg, p, prot[i], why, false);
		free(prot[i]);
	}
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == MOUNT_TMPFS &&
		    cfg->mounts[i].is_private)
			make_for(cfg, p, cfg->mounts[i].path, NULL, true);
	return p;
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
	if (!p)
		return;
	/* Children before their parents */
	while (p->n--) {
		remove_one(p->path[p->n], p->dev[p->n], p->ino[p->n]);
		free(p->path[p->n]);
	}
	if (p->reg_path)
		unlink(p->reg_path);
	if (p->reg_fd >= 0)
		close(p->reg_fd);
	free(p->reg_path);
	free(p);
}

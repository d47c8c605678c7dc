// SPDX-License-Identifier: MIT
/*
 * gitwalk.c - the walks of the project's tree for .git entries and bare
 * repositories (gitguard.c steps 1 and 4)
 *
 * At start, a bounded walk finds the nested repositories whose git dirs
 * are guarded; at exit, a walk of the whole tree finds the repositories
 * made or changed during the run. Both hand the files an editor obeys
 * (a VS Code workspace, Vim's .exrc) they meet to the same callback. Each directory is read with
 * getdents64() into one buffer per level, every name looked up beside
 * its directory's descriptor.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "jail.h"
#include "host/host.h"
#include "host/gittrees.h"

#define WALK_DEPTH GITGUARD_WALK_DEPTH
#define WALK_DIRS GITGUARD_WALK_DIRS
#define WALK_ENTRIES GITGUARD_WALK_ENTRIES
#define EXIT_DEPTH GITGUARD_EXIT_DEPTH
#define EXIT_DIRS GITGUARD_EXIT_DIRS
#define EXIT_ENTRIES GITGUARD_EXIT_ENTRIES
#define WALK_BUF 16384		/* one getdents64 read of a directory */

struct walk {
	char path[PATH_MAX];	/* of the directory being read */
	size_t n_dirs;		/* directories read (or not: > WALK_DIRS) */
	void (*fn)(void *, const char *, const struct stat *);
	void *arg;
	int max_depth;		/* directory levels gone down */
	size_t max_dirs;	/* directories read */
	bool is_whole;		/* package trees too (node_modules) */
	time_t started;		/* with is_whole: the run's start */
	bool is_cut;		/* a directory was not read whole */
	/* One listing buffer per level, made once: no DIR per directory */
	char *buf[EXIT_DEPTH + 1];
};

/*
 * At exit: may directory @name of @dir be left unread? One whose entries
 * did not change during the run (the kernel sets ctime) and that holds no
 * directory (two links) has no new .git and no git dir below it. A .git
 * file there rewritten in place can only name a git dir, and every git
 * dir in the tree is found and judged where it lies.
 */
static bool is_quiet_leaf(const struct walk *w, int dir, const char *name)
{
	struct stat st;

	return w->is_whole &&
	       fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode) && st.st_nlink == 2 &&
	       st.st_ctim.tv_sec + 1 < w->started;
}

static void walk_dir(struct walk *w, int fd, int depth);

/*
 * Entry @name (type @type) of directory @fd at w->path, @depth levels
 * down: a .git entry goes to w->fn, a directory is gone down into
 */
static void walk_entry(struct walk *w, int fd, int depth, const char *name,
		       unsigned char type)
{
	size_t len = strlen(w->path), nl = strlen(name);
	/* At exit, below the top: a .envrc direnv would load; anywhere: a
	 * file an editor obeys (a VS Code workspace, Vim's .exrc) */
	bool is_dotgit = !strcmp(name, ".git") ||
			 (w->is_whole && depth > 0 && !strcmp(name, ".envrc")) ||
			 (type != DT_DIR && gitguard_editor_file_why(name));
	struct stat st;
	int sub;

	/* Package trees hold no repository of the project's own */
	if (!is_dotgit &&
	    (type != DT_DIR || !strcmp(name, ".") || !strcmp(name, "..") ||
	     (!w->is_whole && !strcmp(name, "node_modules")) ||
	     depth + 1 > w->max_depth))
		return;
	/* Beyond PATH_MAX: unreachable by path, as before */
	if (len + 1 + nl >= sizeof(w->path))
		return;
	w->path[len] = '/';
	memcpy(w->path + len + 1, name, nl + 1);
	if (is_dotgit) {
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			w->fn(w->arg, w->path, &st);
	} else if (is_quiet_leaf(w, fd, name)) {
		gittrees_quiet_envrc(w->path, fd, name, w->fn, w->arg);
	} else if (++w->n_dirs <= w->max_dirs) {
		sub = openat(fd, name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK |
				     O_CLOEXEC);
		if (sub >= 0)
			walk_dir(w, sub, depth + 1);
	}
	w->path[len] = '\0';
}

/*
 * Directory @fd (taken over) at w->path, @depth levels down: call w->fn
 * for each .git entry, go down into the other directories. Names are
 * looked up beside their directory's descriptor, never through the
 * whole path, and a path is made only for what is used. The listing is
 * read with getdents64() into the level's buffer: a DIR would cost a
 * stat, two fcntl calls and an allocation per directory.
 */
static void walk_dir(struct walk *w, int fd, int depth)
{
	/* The tree is the jail's: a huge directory must not stall us */
	size_t n = 0, max = w->is_whole ? EXIT_ENTRIES : WALK_ENTRIES;
	/* HEAD, objects/, refs/ (or a commondir naming them) seen: a git dir */
	unsigned int bare = 0;
	bool is_cut = false;
	struct stat st;
	char *buf;
	long got = 0;

	if (!w->buf[depth])
		w->buf[depth] = xmalloc(WALK_BUF);
	buf = w->buf[depth];
	while (!is_cut &&
	       (got = syscall(SYS_getdents64, fd, buf, WALK_BUF)) > 0) {
		for (long off = 0; off < got;) {
			const struct dirent64 *e = (const void *)(buf + off);
			const char *name = e->d_name;

			off += e->d_reclen;
			if (n++ >= max) {
				is_cut = true;
				break;
			}
			bare |= (e->d_type == DT_REG && !strcmp(name, "HEAD")) |
				(e->d_type == DT_DIR &&
				 !strcmp(name, "objects")) << 1 |
				(e->d_type == DT_DIR && !strcmp(name, "refs"))
					<< 2 |
				(e->d_type == DT_REG &&
				 !strcmp(name, "commondir")) << 3;
			walk_entry(w, fd, depth, name, e->d_type);
		}
	}
	/* Cut short: said like too many directories */
	if (is_cut)
		w->is_cut = true;
	/* A bare repository in the tree: git run inside it obeys its config */
	if (((bare & 7) == 7 || (bare & 9) == 9) && depth > 0 &&
	    fstat(fd, &st) == 0)
		w->fn(w->arg, w->path, &st);
	close(fd);
}

size_t gitguard_walk(const char *root, time_t started,
		     void (*fn)(void *, const char *, const struct stat *),
		     void *arg)
{
	autofree struct walk *w = xcalloc(1, sizeof(*w));
	int fd;

	if (strlen(root) >= sizeof(w->path))
		return 0;
	memcpy(w->path, root, strlen(root) + 1);
	w->n_dirs = 1;
	w->fn = fn;
	w->arg = arg;
	w->is_whole = started != 0;
	w->started = started;
	w->max_depth = w->is_whole ? EXIT_DEPTH : WALK_DEPTH;
	w->max_dirs = w->is_whole ? EXIT_DIRS : WALK_DIRS;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		walk_dir(w, fd, 0);
	for (size_t i = 0; i < ARRAY_SIZE(w->buf); i++)
		free(w->buf[i]);
	return w->is_cut ? SIZE_MAX : w->n_dirs;
}

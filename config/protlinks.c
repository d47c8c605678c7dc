// SPDX-License-Identifier: MIT
/*
 * protlinks.c - a protected path reached through a symlink: its target
 * is protected too
 *
 * A mount cannot sit on a symlink, and the view opens a protected path
 * beneath its tree without following one (fsview.c), so a protected
 * path that is a symlink, or lies below one (.envrc -> envrc.local,
 * .claude -> agent/claude, a hook script ./scripts/lint.sh ->
 * ../tools/lint.sh), was left writable where the host's tools read it:
 * the target. So each protected path whose resolution meets a symlink is
 * resolved here, as the host's tools will (a dangling last link
 * included: what it names may be created inside), and the result is
 * protected as well when it lies in a tree the jail may write. The
 * symlink itself is checked at exit (protect.c).
 *
 * Cost at start: one listing of the project's top level, which answers
 * for most protected paths (absent, or one name there), and one
 * openat2() per path below an existing top-level directory, which fails
 * with ELOOP only where a symlink is met; only then is the path resolved.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "jail.h"
#include "config/config.h"
#include "config/internal.h"

#define LINK_HOPS 16	/* symlinks followed per path, as the kernel's 40 */
#define TOP_MAX 1024	/* top-level entries of the project listed */

static char *resolve_host(const char *path, int *hops);

/* @dir resolved, absent components included; NULL: a loop, too long */
static char *resolve_dir(const char *dir, int *hops)
{
	char *real = realpath(dir, NULL);

	if (real || errno != ENOENT)
		return real;
	return resolve_host(dir, hops);
}

/*
 * @path as the host's tools reach it: every symlink followed, the last
 * component possibly absent (a dangling link names what may be created).
 * Caller frees; NULL when it cannot be resolved.
 */
static char *resolve_host(const char *path, int *hops)
{
	char *p = xstrdup(path);

	while (++*hops <= LINK_HOPS) {
		const char *slash = strrchr(p, '/');
		autofree char *dir = slash && slash != p ?
					     xasprintf("%.*s", (int)(slash - p), p) :
					     xstrdup("/");
		autofree char *real = NULL;
		char buf[PATH_MAX];
		struct stat st;
		ssize_t n;
		char *q;

		if (!slash || !strcmp(slash, "/.") || !strcmp(slash, "/..")) {
			q = realpath(p, NULL);
			free(p);
			return q;
		}
		real = resolve_dir(dir, hops);
		if (!real)
			break;
		q = xasprintf("%s/%s", strcmp(real, "/") ? real : "", slash + 1);
		free(p);
		p = q;
		if (lstat(p, &st) < 0 || !S_ISLNK(st.st_mode))
			return p;
		n = readlink(p, buf, sizeof(buf) - 1);
		if (n <= 0)
			break;
		buf[n] = '\0';
		q = buf[0] == '/' ? xstrdup(buf) : xasprintf("%s/%s", real, buf);
		free(p);
		p = q;
	}
	free(p);
	return NULL;
}

/* Is @a the same as @b or above it? */
static bool is_above_or_same(const char *a, const char *b)
{
	size_t n = strlen(a);

	return !strcmp(a, "/") ||
	       (!strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/'));
}

static bool is_protected(const struct jail_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == MOUNT_PROTECT &&
		    !strcmp(cfg->mounts[i].path, path))
			return true;
	for (size_t i = 0; i < fsview_n_default_protect; i++) {
		size_t n = strlen(cfg->project);

		if (!strncmp(path, cfg->project, n) && path[n] == '/' &&
		    !strcmp(path + n + 1, fsview_default_protect[i]))
			return true;
	}
	return false;
}

/* The project's top-level entries by name and type, read once */
struct top {
	char (*name)[NAME_MAX + 1];
	unsigned char *type;
	size_t n;
	bool is_whole;		/* all read: a name not there is absent */
};

static void read_top(int project_fd, struct top *t)
{
	int fd = openat(project_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;	/* owns @fd */
	struct dirent *e;

	t->name = xcalloc(TOP_MAX, sizeof(*t->name));
	t->type = xcalloc(TOP_MAX, sizeof(*t->type));
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	t->is_whole = true;
	while ((e = readdir(d))) {
		if (t->n == TOP_MAX) {
			t->is_whole = false;
			break;
		}
		snprintf(t->name[t->n], sizeof(t->name[0]), "%s", e->d_name);
		t->type[t->n++] = e->d_type;
	}
	closedir(d);
}

/*
 * May resolving the project's @rel meet a symlink? Most protected paths
 * are absent, or one name at the top: the listing answers; a path below
 * a top-level directory is opened without following a symlink.
 */
static bool meets_symlink(int project_fd, const struct top *t,
			  const char *rel)
{
	const char *slash = strchr(rel, '/');
	size_t len = slash ? (size_t)(slash - rel) : strlen(rel);
	unsigned char type = DT_UNKNOWN;
	bool found = false;
	int fd;

	for (size_t i = 0; i < t->n && !found; i++)
		if (strlen(t->name[i]) == len && !memcmp(t->name[i], rel, len)) {
			found = true;
			type = t->type[i];
		}
	if (t->is_whole && !found)
		return false;
	if (found && type == DT_LNK)
		return true;
	if (found && !slash && type != DT_UNKNOWN)
		return false;
	fd = openat2_fd(project_fd, rel, O_PATH | O_CLOEXEC,
			RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				RESOLVE_NO_MAGICLINKS);
	if (fd >= 0)
		close(fd);
	return fd == -ELOOP || fd == -EXDEV;
}

static void protect_target(struct jail_config *cfg, const char *path)
{
	int hops = 0;
	autofree char *t = resolve_host(path, &hops);

	if (!t || !strcmp(t, path) || is_above_or_same(t, cfg->project) ||
	    !config_writable_inside(cfg, t) || is_protected(cfg, t) ||
	    cfg->n_mounts >= JAIL_MAX_MOUNTS)
		return;
	config_add_mount(cfg, MOUNT_PROTECT, t, false, ORIGIN_DEFAULT);
	cfg->mounts[cfg->n_mounts - 1].why =
		xasprintf(": the target of protected \"%s\"", path);
}

void config_protect_link_targets(struct jail_config *cfg)
{
	char *paths[JAIL_MAX_MOUNTS + 64];
	size_t n = fsview_protected(cfg, paths, ARRAY_SIZE(paths));
	size_t len = strlen(cfg->project);
	autoclose int pfd = open(cfg->project,
				 O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct top t = { .n = 0 };

	if (pfd >= 0)
		read_top(pfd, &t);
	for (size_t i = 0; i < n; i++) {
		bool in_project = pfd >= 0 &&
				  !strncmp(paths[i], cfg->project, len) &&
				  paths[i][len] == '/';

		/* Outside the project (a --rw tree, --home): resolved whole */
		if (!in_project ||
		    meets_symlink(pfd, &t, paths[i] + len + 1))
			protect_target(cfg, paths[i]);
		free(paths[i]);
	}
	free(t.name);
	free(t.type);
}

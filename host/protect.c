// SPDX-License-Identifier: MIT
/*
 * protect.c - protected paths, checked on the host at exit
 *
 * The view pins each protected path read-only (fsview.c); this is the
 * second look, from outside, once the jail is gone: what each path was
 * before the run, and whether it is still that.
 */
#include <limits.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"

/* @path's symlink target (caller frees), or NULL */
static char *link_target(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* Record what each protected path is before the jail starts */
void protect_snapshot(const struct jail_config *cfg,
			     struct protect_list *l)
{
	char *paths[ARRAY_SIZE(l->p)];

	l->n = fsview_protected(cfg, paths, ARRAY_SIZE(paths));
	for (size_t i = 0; i < l->n; i++) {
		struct stat st;

		l->p[i].path = paths[i];
		l->p[i].existed = lstat(paths[i], &st) == 0;
		l->p[i].dev = l->p[i].existed ? st.st_dev : 0;
		l->p[i].ino = l->p[i].existed ? st.st_ino : 0;
		l->p[i].type = l->p[i].existed ? st.st_mode & S_IFMT : 0;
		l->p[i].target = l->p[i].existed && S_ISLNK(st.st_mode) ?
					 link_target(paths[i]) :
					 NULL;
	}
}

/*
 * Is the protected path @p still what it was? A symlink cannot be a mount
 * point, so it is not pinned: another symlink may take its place, and a
 * file system may give the new one the old inode number. Its target and
 * type are compared as well.
 */
static bool is_same_protected(const struct protect_snap *p,
			      const struct stat *st)
{
	autofree char *now = NULL;

	if (st->st_dev != p->dev || st->st_ino != p->ino ||
	    (st->st_mode & S_IFMT) != p->type)
		return false;
	if (!p->target)
		return true;
	now = link_target(p->path);
	return now && !strcmp(now, p->target);
}

/*
 * A protected path that was swapped (through a symlink, or created where
 * it did not exist) is something the next step outside the jail could run
 * or trust: say so. Return: number of paths that changed.
 */
size_t protect_verify(const struct jail_run *run,
			     const struct protect_list *l)
{
	size_t changed = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct protect_snap *p = &l->p[i];
		struct stat st;
		bool exists = lstat(p->path, &st) == 0;
		/* Nested repositories' paths were named inside the project */
		char shown[4 * PATH_MAX + 1];

		str_printable(shown, sizeof(shown), p->path, 0, 0);
		if (!p->existed && exists) {
			warn("protected path \"%s\" was created during the "
			     "run; review it before trusting it",
			     shown);
			record_path_event(run, "fs.protected_created", p->path);
			changed++;
		} else if (p->existed &&
			   (!exists || !is_same_protected(p, &st))) {
			warn("protected path \"%s\" was replaced or removed "
			     "during the run; review it before trusting it",
			     shown);
			record_path_event(run, "fs.protected_changed", p->path);
			changed++;
		}
	}
	return changed;
}

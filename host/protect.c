// SPDX-License-Identifier: MIT
/*
 * protect.c - protected paths, checked on the host at exit
 *
 * The view pins each protected path read-only (fsview.c); this is the
 * second look, from outside, once the jail is gone: what each path was
 * before the run, and whether it is still that.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
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
 * Protected symlink @p of the project, replaced during the run (a file
 * with the jail's content where `.envrc -> envrc.local` was): move what
 * stands there aside, never over a name, and put the symlink back.
 * Resolved beneath the project without following a symlink. Return: 0,
 * or -errno (nothing was put back)
 */
static int restore_symlink(const struct jail_config *cfg,
			   const struct protect_snap *p, char **aside)
{
	size_t n = strlen(cfg->project);
	const char *slash = strrchr(p->path, '/');
	autofree char *parent = NULL;
	autofree char *base = NULL;
	autoclose int pfd = open(cfg->project, O_PATH | O_DIRECTORY | O_CLOEXEC);
	autoclose int dfd = -1;
	const char *name = slash + 1;
	struct stat st;

	if (pfd < 0 || strncmp(p->path, cfg->project, n) || p->path[n] != '/')
		return -EXDEV;
	parent = slash > p->path + n ?
			 xasprintf("%.*s", (int)(slash - p->path - n - 1),
				   p->path + n + 1) :
			 xstrdup(".");
	dfd = openat2_fd(pfd, parent, O_PATH | O_DIRECTORY,
			 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				 RESOLVE_NO_MAGICLINKS);
	if (dfd < 0)
		return dfd;
	base = xasprintf("%s.jail-quarantine", name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		autofree char *to = NULL;
		int err = gitguard_rename_aside(dfd, name, base, &to);

		if (err < 0)
			return err;
		*aside = xasprintf("%.*s/%s", (int)(slash - p->path), p->path,
				   to);
	}
	return symlinkat(p->target, dfd, name) < 0 ? -errno : 0;
}

static void warn_changed(const struct jail_run *run,
			 const struct protect_snap *p)
{
	autofree char *aside = NULL;
	int err = p->target ? restore_symlink(run->cfg, p, &aside) : -EPERM;
	/* Nested repositories' paths were named inside the project */
	char shown[4 * PATH_MAX + 1];

	str_printable(shown, sizeof(shown), p->path, 0, 0);

	if (err == 0) {
		char a[4 * PATH_MAX + 1] = "";

		if (aside)
			str_printable(a, sizeof(a), aside, 0, 0);
		warn("protected symlink \"%s\" was replaced or removed during "
		     "the run: put back%s%s%s",
		     shown, aside ? ", what stood there moved aside to \"" : "",
		     a, aside ? "\"; look at it before trusting it" : "");
	} else {
		warn("protected path \"%s\" was replaced or removed during "
		     "the run; review it before trusting it",
		     shown);
	}
	record_path_event(run, "fs.protected_changed", p->path);
}

static void warn_created(const struct jail_run *run,
			 const struct protect_snap *p)
{
	char shown[4 * PATH_MAX + 1];

	str_printable(shown, sizeof(shown), p->path, 0, 0);
	warn("protected path \"%s\" was created during the run; review it "
	     "before trusting it",
	     shown);
	record_path_event(run, "fs.protected_created", p->path);
}

/*
 * A protected path that was swapped (through a symlink, or created where
 * it did not exist) is something the next step outside the jail could run
 * or trust: say so. A protected symlink of the project that was replaced
 * is put back. Return: number of paths that changed.
 */
size_t protect_verify(const struct jail_run *run,
			     const struct protect_list *l)
{
	size_t changed = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct protect_snap *p = &l->p[i];
		struct stat st;
		bool exists = lstat(p->path, &st) == 0;

		/* The printable name only for a warning: 16 KiB each */
		if (!p->existed && exists) {
			warn_created(run, p);
			changed++;
		} else if (p->existed &&
			   (!exists || !is_same_protected(p, &st))) {
			warn_changed(run, p);
			changed++;
		}
	}
	return changed;
}

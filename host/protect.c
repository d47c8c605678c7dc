// SPDX-License-Identifier: MIT
/*
 * protect.c - protected paths, checked on the host at exit
 *
 * The view pins each protected path read-only (fsview.c); this is the
 * second look, from outside, once the jail is gone: what each path was
 * before the run, and whether it is still that.
 */
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"

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
	}
}

/*
 * A protected path that was swapped (through a symlink, or created where
 * it did not exist) is something the next step outside the jail could run
 * or trust: say so. Return: number of paths that changed.
 */
size_t protect_verify(const struct jail_config *cfg,
			     const struct protect_list *l)
{
	size_t changed = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct protect_snap *p = &l->p[i];
		struct stat st;
		bool exists = lstat(p->path, &st) == 0;

		if (!p->existed && exists) {
			warn("protected path \"%s\" was created during the "
			     "run; review it before trusting it",
			     p->path);
			record_path_event(cfg, "fs.protected_created", p->path);
			changed++;
		} else if (p->existed &&
			   (!exists || st.st_dev != p->dev ||
			    st.st_ino != p->ino)) {
			warn("protected path \"%s\" was replaced or removed "
			     "during the run; review it before trusting it",
			     p->path);
			record_path_event(cfg, "fs.protected_changed", p->path);
			changed++;
		}
	}
	return changed;
}

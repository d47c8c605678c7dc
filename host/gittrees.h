/* SPDX-License-Identifier: MIT */
/*
 * gittrees.h - the writable trees beside the project held to its rules,
 * and the work tree of each git dir (gittrees.c)
 */
#ifndef HOST_GITTREES_H
#define HOST_GITTREES_H

#include <sys/stat.h>

#include "host/gitguard.h"

/**
 * gittrees_collect() - Note the writable trees beside the project that are
 * walked like it (each --rw the person named, a persistent --home)
 * @g:		the list being collected
 * @cfg:	the configuration
 *
 * Context: supervisor, gitguard_collect(), before the start walk
 */
void gittrees_collect(struct gitguard *g, const struct jail_config *cfg);

/**
 * gittrees_protect_tops() - Protect the default names at each --rw tree's
 * top, absent ones too where it holds a repository
 * @g:		the list being collected, after the trees' start walk
 * @is_review:	under --review: the trees' git dirs read-only whole
 *
 * Context: supervisor, gitguard_collect()
 */
void gittrees_protect_tops(struct gitguard *g, bool is_review);

/**
 * gittrees_find_tops() - Set g->top[i], the work tree of each git dir
 * @g:		the list being collected, its git dirs found
 *
 * Context: supervisor, gitguard_collect()
 */
void gittrees_find_tops(struct gitguard *g);

/**
 * gitguard_top_of() - The work tree of a guarded git dir
 * @g:		the git dirs (may be NULL)
 * @gitdir:	one of them, by path
 *
 * Return: its work tree, or NULL (a bare one, or not guarded)
 */
const char *gitguard_top_of(const struct gitguard *g, const char *gitdir);

/**
 * gittrees_check_tops() - Move aside each default protected name made
 * during the run at a --rw tree's top (fs.quarantined)
 * @r:		the exit check's state, tree_fd opened
 *
 * Context: supervisor, gitguard_finish(), after the jail is gone
 */
void gittrees_check_tops(struct gitnew *r);

/**
 * gittrees_quiet_envrc() - Call @fn for the .envrc of a directory the exit
 * walk leaves unread (its entries did not change; the file may have been
 * rewritten in place)
 * @path:	the directory's path
 * @dir:	its parent, open
 * @name:	its name in @dir
 * @fn:		the walk's callback
 * @arg:	its argument
 */
void gittrees_quiet_envrc(const char *path, int dir, const char *name,
			  void (*fn)(void *, const char *, const struct stat *),
			  void *arg);

/* One line: the exit walk of @root was cut short at these bounds */
void gittrees_warn_cut(const char *root, int max_dirs, int max_entries);

#endif /* HOST_GITTREES_H */

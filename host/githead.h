/* SPDX-License-Identifier: MIT */
/*
 * githead.h - the lookups of githead.c that gitstate.c shares: what a
 * commit named in a git dir would have host git write into its work tree
 */
#ifndef HOST_GITHEAD_H
#define HOST_GITHEAD_H

#include "host/host.h"

/* One git dir's check at exit: its refs, objects, work tree and
 * protected paths, each opened or read once when first needed */
struct githead_dir;

/**
 * githead_dir_new() - Start the exit check of a git dir
 * @run:	the run (its protected paths; the audit log)
 * @g:		the git dirs, noted by githead_note()
 * @i:		which one
 *
 * Return: the check (githead_dir_free() frees it), or NULL where the
 * git dir's common dir cannot be opened
 */
struct githead_dir *githead_dir_new(const struct jail_run *run,
				    const struct gitguard *g, size_t i);

/* Close what the check opened and free it */
void githead_dir_free(struct githead_dir *ck);

/**
 * githead_carried() - The first protected path that commit @id would
 * have host git write into the work tree (a file there or below it that
 * neither the work tree nor HEAD's commit at the start holds)
 * @ck:		the check
 * @id:		the commit (or tree, or tag of one)
 * @is_stash_commit: a stash: its untracked files and index looked at too
 *
 * Unreadable, or too large to look at: the first protected path.
 *
 * Return: the path, relative to the work tree (caller frees), or NULL
 */
char *githead_carried(struct githead_dir *ck, const uint8_t id[20],
		      bool is_stash_commit);

/**
 * githead_resolve() - The commit a ref of the git dir names
 * @ck:		the check
 * @ref:	HEAD, or a full ref name below refs/ (checked by the caller)
 * @id:		set to the commit's id
 *
 * Return: 0 or -errno
 */
int githead_resolve(struct githead_dir *ck, const char *ref, uint8_t id[20]);

/**
 * githead_protected() - The protected paths of the git dir's work tree
 * (gitstage_protected())
 * @ck:		the check
 * @paths:	set to them, relative to the work tree, owned by @ck
 *
 * Return: how many
 */
size_t githead_protected(struct githead_dir *ck, char *const **paths);

#endif

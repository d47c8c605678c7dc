/* SPDX-License-Identifier: MIT */
/*
 * reviewpath.h - protected paths of a review decided on resolved paths
 */
#ifndef REVIEWPATH_H
#define REVIEWPATH_H

#include "jail.h"

/**
 * review_resolve() - Resolve @rel through the symlinks of the result
 * @r:		a review with upper_fd and project_fd open
 * @rel:	path relative to the project
 * @is_whole:	resolve the last component too (else only its directories)
 * @out:	the resolved path, relative to the project ("" for the top)
 * @size:	size of @out
 * @links:	called with each symlink met on the way (its own path,
 *		resolved up to it), or NULL
 * @ctx:	passed to @links
 *
 * The result is what the project becomes once every change is applied:
 * the upper layer's entry where it has one (a whiteout: none), else the
 * project's. Symlinks are read, never followed by the kernel, and
 * resolution stops at 40 of them or where a target leaves the project.
 *
 * Return: 0, -ELOOP (too many links), -EXDEV (a target leaves the
 * project), -ENAMETOOLONG
 */
int review_resolve(const struct review *r, const char *rel, bool is_whole,
		   char *out, size_t size,
		   void (*links)(void *ctx, const char *link), void *ctx);

/**
 * review_alias_protected() - Where the protected paths really lie
 * @r:		a review, upper_fd and project_fd open, @r->protect set
 * @paths:	protected paths relative to the project
 * @n_paths:	entries of @paths
 *
 * Adds to @r->alias each protected path's resolved location when it
 * differs, and every symlink met on the way to it: a symlinked parent of
 * a protected path is protected itself.
 */
void review_alias_protected(struct review *r, const char *const *paths,
			    size_t n_paths);

/* Is @rel at or below an alias (or, for a deletion, above one)? */
bool review_is_aliased(const struct review *r, const char *rel, char kind);

#endif /* REVIEWPATH_H */

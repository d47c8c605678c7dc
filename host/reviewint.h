/* SPDX-License-Identifier: MIT */
/*
 * reviewint.h - what the files of --review share among themselves (not for other folders)
 */
#ifndef HOST_REVIEWINT_H
#define HOST_REVIEWINT_H

#include "jail.h"
#include "host/host.h"

/* ---------------------------------------------------------------------
 * review.c, reviewmark.c, reviewshow.c, reviewapply.c
 * ------------------------------------------------------------------- */

#define REVIEW_MAX_CHANGES 100000	/* entries listed, at most */

#define REVIEW_MAX_DEPTH 128		/* directory levels looked into */

int review_open_beneath(int root, const char *rel, int flags);
int review_remove_beneath(int pfd, const char *name, int depth);
bool review_is_protected_path(const struct review *r, const char *rel,
			      char kind);
bool review_is_protected_change(const struct review *r,
				const struct review_change *c);
void review_mark_aliases(struct review *r);
int review_load_blob(int root, const char *rel, enum review_ftype t,
		     unsigned int perm, struct diff_blob *b, char **buf);
ssize_t review_diff_change(struct review *r, struct review_change *c,
			   const struct diff_sink *sink);
void review_patch_order(struct review *r, int pass, struct review_change **out,
			size_t *n);
void review_put_safe(FILE *f, const char *s);
void review_log(struct review *r, const char *event,
		      const struct audit_field *f, size_t n);

#endif /* HOST_REVIEWINT_H */

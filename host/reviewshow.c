// SPDX-License-Identifier: MIT
/*
 * reviewshow.c - a review shown to a person and written to the log
 */
/*
 * review.c - --review: the project's changes, kept aside in an overlay's
 * upper layer, compared with the project, listed, written as a git patch
 * and applied (reviewcmd.c decides which, and when)
 *
 * Under --review the project is an overlayfs inside the jail (fsview.c)
 * whose upper layer is $XDG_STATE_HOME/jail/review/ID/upper on the host,
 * in a 0700 directory the jail never sees. After the jail is gone the
 * supervisor compares that upper layer with the project:
 *
 *  - a whiteout (a 0/0 character device) deletes the project's entry;
 *  - a directory marked opaque (user.overlay.opaque "y") hides every
 *    entry of the project's directory it does not hold itself;
 *  - a regular file or a symlink that differs from the project's (bytes,
 *    target, permission bits or type) is a change; an identical one (a
 *    copy-up without a change) is not;
 *  - anything else (FIFOs, sockets, devices) is listed and never applied.
 *
 * Every upper entry is untrusted: the jailed command chose names, bytes,
 * modes and shapes. Both trees are opened through descriptors with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), final components are
 * never followed, and applying creates each file or symlink under a
 * temporary name and renames it over the target, so a symlink in either
 * tree never takes a write out of the project. Changes to protected paths
 * (SPEC "Filesystem view") are skipped unless the person asked for them.
 *
 * The state directory holds "upper", "work" (overlayfs's) and "meta": the
 * project, command, log and extra protected paths, as NUL-terminated
 * key and value strings.
 */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include "jail.h"
#include "config/config.h"
#include "parse/parse.h"
#include "host/host.h"
#include "host/reviewint.h"

#define REVIEW_SHOW_MAX 200		/* summary lines before "..." */

/* ---- the summary ----------------------------------------------------- */

/* @s (a path or command from inside) escaped by str_printable() */
void review_put_safe(FILE *f, const char *s)
{
	const char *in = s ? s : "?";
	/* An escape is at most 4 bytes per byte of @in */
	autofree char *buf = xmalloc(4 * strlen(in) + 1);

	str_printable(buf, 4 * strlen(in) + 1, in, 0, 0);
	fputs(buf, f);
}

static const char *type_name(enum review_ftype t)
{
	static const char *const names[] = { "absent", "file", "symlink",
					     "directory", "special file" };

	return names[t];
}

static void print_change(const struct review *r, const struct review_change *c)
{
	fprintf(stderr, "%c%c ", c->kind, c->is_protected ? '!' : ' ');
	review_put_safe(stderr, c->path);
	if (c->new_t == REVIEW_FT_DIR ||
	    (c->kind == 'D' && c->old_t == REVIEW_FT_DIR))
		fputc('/', stderr);
	if (c->kind == 'M' && c->old_mode != c->new_mode)
		fprintf(stderr, "  (mode %o -> %o)", c->old_mode, c->new_mode);
	if (c->kind == 'A' && c->new_t == REVIEW_FT_LNK) {
		struct diff_blob b;
		autofree char *buf = NULL;

		if (!review_load_blob(r->upper_fd, c->path, REVIEW_FT_LNK, 0, &b,
			       &buf)) {
			buf[b.len] = '\0';
			fputs(" -> ", stderr);
			review_put_safe(stderr, buf);
		}
	}
	if (c->in_patch && (c->ins || c->del))
		fprintf(stderr, "  (+%zu -%zu)", c->ins, c->del);
	if (c->is_binary)
		fputs("  (binary: not in the patch's text; git apply refuses "
		      "it)",
		      stderr);
	if (c->kind == '?')
		fprintf(stderr, "  (%s: never applied)", type_name(c->new_t));
	if (c->is_protected)
		fputs("  (protected: not applied unless asked for)", stderr);
	else if (!c->in_patch && c->kind != '?' &&
		 (c->new_t != REVIEW_FT_DIR && c->old_t != REVIEW_FT_DIR))
		fputs("  (not in a patch)", stderr);
	fputc('\n', stderr);
}

/* Each changed git dir: its protected entries, then its commits */
static void print_gitdirs(const struct review *r)
{
	for (size_t g = 0; g < r->n_git; g++) {
		fputs("git \"", stderr);
		review_put_safe(stderr, review_gitdir_rel(r, g));
		fputs("\":\n", stderr);
		for (size_t i = 0; i < r->n; i++) {
			const struct review_change *c = &r->c[i];

			if (c->is_protected && !c->is_quiet &&
			    review_gitdir_of(r, c->path) == (int)g)
				print_change(r, c);
		}
		review_git_print(r, g);
	}
}

size_t review_print_summary(const struct review *r)
{
	char stat[128];
	size_t shown = 0, hidden = 0;

	fprintf(stderr, "jail: review %s: changes to \"", r->id);
	review_put_safe(stderr, r->project);
	fputs("\"\n", stderr);
	/* The project's own changes first; git dirs below, as commits */
	for (size_t i = 0; i < r->n; i++) {
		if (r->c[i].is_quiet || review_gitdir_of(r, r->c[i].path) >= 0)
			continue;
		if (shown == REVIEW_SHOW_MAX) {
			hidden++;
			continue;
		}
		shown++;
		print_change(r, &r->c[i]);
	}
	if (hidden)
		fprintf(stderr, "... (%zu more not shown; jail review %s patch "
				"FILE writes them all)\n",
			hidden, r->id);
	if (r->is_truncated)
		fprintf(stderr, "jail: review: more than %d changes or %d "
				"directory levels: only part is listed, and "
				"nothing can be applied or made a patch\n",
			REVIEW_MAX_CHANGES, REVIEW_MAX_DEPTH);
	diff_stat_line(r->n_files, r->ins, r->del, stat, sizeof(stat));
	fprintf(stderr, " %s\n", stat);
	print_gitdirs(r);
	if (r->n_prot)
		fprintf(stderr, "jail: review: %zu change%s to protected paths "
				"(marked !): skipped unless asked for\n",
			r->n_prot, r->n_prot == 1 ? "" : "s");
	review_git_say_held(r, false);
	return hidden;
}

void review_log(struct review *r, const char *event,
		      const struct audit_field *f, size_t n)
{
	if (r->log_fd >= 0)
		audit_write(r->log_fd, r->id, event, f, n);
}

#define REVIEW_LOG_FILES 200	/* review.file events at most */

/* One review.file event per changed path (jail log, --markdown) */
static void review_log_files(struct review *r)
{
	size_t logged = 0;

	for (size_t i = 0; i < r->n && logged < REVIEW_LOG_FILES; i++) {
		const struct review_change *c = &r->c[i];
		const char kind[2] = { c->kind, '\0' };
		const struct audit_field f[] = {
			AF_STR("path", c->path),
			AF_STR("change", c->is_protected ? "!" : kind),
			AF_INT("insertions", c->ins),
			AF_INT("deletions", c->del),
			c->is_binary ? AF_INT("binary", 1) :
				       AF_STR("binary", NULL),
		};

		if (c->is_quiet ||
		    (!c->is_protected && review_gitdir_of(r, c->path) >= 0))
			continue;
		review_log(r, "review.file", f, ARRAY_SIZE(f));
		logged++;
	}
}

void review_log_counts(struct review *r)
{
	const struct audit_field f[] = {
		AF_STR("project", r->project),
		AF_INT("added", r->n_add),
		AF_INT("modified", r->n_mod),
		AF_INT("deleted", r->n_del),
		AF_INT("protected", r->n_prot),
		AF_INT("special", r->n_other),
		AF_INT("files", r->n_files),
		AF_INT("insertions", r->ins),
		AF_INT("deletions", r->del),
	};

	review_log(r, "review", f, ARRAY_SIZE(f));
	review_log_files(r);
	review_git_log(r);
}

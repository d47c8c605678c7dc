// SPDX-License-Identifier: MIT
/*
 * reviewapply.c - a review written as a patch, or applied to the project beneath it
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

/* ---- the patch ------------------------------------------------------- */

static int file_write(void *ctx, const void *p, size_t n)
{
	return write_all(*(int *)ctx, p, n);
}

/* Write the patch to @path through a temporary file renamed over it */
int review_write_patch(struct review *r, const char *path)
{
	const bool to_stdout = !strcmp(path, "-");
	autofree char *tmp = to_stdout ? NULL :
					 xasprintf("%s.jail-%d", path,
						   (int)getpid());
	/* An array of pointers (all pointers have one size here) */
	autofree struct review_change **order = xcalloc(r->n + 1,
							sizeof(void *));
	int fd = STDOUT_FILENO, err = 0;
	struct diff_sink sink = { file_write, &fd };
	size_t n;

	if (r->is_truncated)
		return -E2BIG;
	if (tmp) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				       O_CLOEXEC,
			  0644);
		if (fd < 0)
			return -errno;
	}
	for (int pass = 0; pass < 2 && !err; pass++) {
		review_patch_order(r, pass, order, &n);
		for (size_t i = 0; i < n && !err; i++) {
			ssize_t w = review_diff_change(r, order[i], &sink);

			err = w < 0 ? (int)w : 0;
		}
	}
	if (!tmp)
		return err;
	if (!err && (fsync(fd) < 0 || close(fd) < 0))
		err = -errno;
	else if (err)
		close(fd);
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* ---- applying -------------------------------------------------------- */

/* The project's directory that holds @rel; @name set to its last part */
static int open_parent(struct review *r, const char *rel, const char **name)
{
	autofree char *parent = xstrdup(rel);
	char *slash = strrchr(parent, '/');

	*name = slash ? rel + (slash - parent) + 1 : rel;
	if (slash)
		*slash = '\0';
	return review_open_beneath(r->project_fd, slash ? parent : ".",
			    O_PATH | O_DIRECTORY);
}

/* Copy the upper file @rel into a new file @tmp in @pfd with @mode */
static int copy_in(struct review *r, const char *rel, int pfd,
		   const char *tmp, unsigned int mode)
{
	autoclose int in = review_open_beneath(r->upper_fd, rel,
					O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	autoclose int out = -1;
	struct stat st;
	int err;

	if (in < 0)
		return in;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
		return -EINVAL;
	out = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				       O_CLOEXEC,
		     0600);
	if (out < 0)
		return -errno;
	err = copy_fd(in, out, UINT64_MAX);
	if (err < 0)
		return err;
	/* Permission bits only: no setuid, setgid or sticky bit lands */
	return fchmod(out, mode & 0777) < 0 ? -errno : 0;
}

/* Apply one change. Return: 0 or -errno */
static int apply_change(struct review *r, const struct review_change *c)
{
	const char *name;
	autoclose int pfd = open_parent(r, c->path, &name);
	autofree char *tmp = NULL;
	struct stat st;
	bool exists;
	int err;

	/* A deletion below a directory already deleted or replaced */
	if (c->kind == 'D' && (pfd == -ENOENT || pfd == -ENOTDIR))
		return 0;
	if (pfd < 0)
		return pfd;
	exists = fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (c->kind == 'D')
		return exists ? review_remove_beneath(pfd, name, 0) : 0;
	if (c->new_t == REVIEW_FT_DIR) {
		autoclose int dfd = -1;

		if (exists && !S_ISDIR(st.st_mode) &&
		    unlinkat(pfd, name, 0) < 0)
			return -errno;
		/* Without a trailing slash mkdirat() follows no symlink */
		if ((!exists || !S_ISDIR(st.st_mode)) &&
		    mkdirat(pfd, name, 0700) < 0)
			return -errno;
		dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						O_CLOEXEC);
		if (dfd < 0 || fchmod(dfd, c->new_mode & 0777) < 0)
			return -errno;
		return 0;
	}
	tmp = xasprintf(".jail-review-%s-%d", r->id, (int)getpid());
	if (c->new_t == REVIEW_FT_LNK) {
		struct diff_blob b;
		autofree char *target = NULL;

		err = review_load_blob(r->upper_fd, c->path, REVIEW_FT_LNK, 0, &b,
				&target);
		if (err < 0)
			return err;
		target[b.len] = '\0';
		err = symlinkat(target, pfd, tmp) < 0 ? -errno : 0;
	} else {
		err = copy_in(r, c->path, pfd, tmp, c->new_mode);
	}
	/* A directory in the way was deleted by the change before this */
	if (!err && renameat(pfd, tmp, pfd, name) < 0)
		err = -errno;
	if (err)
		unlinkat(pfd, tmp, 0);
	return err;
}

/* Apply every change (protected ones with @with_protected). Return:
 * number of changes that failed or were skipped */
size_t review_apply(struct review *r, bool with_protected, size_t *skipped)
{
	size_t failed = 0, applied = 0;

	*skipped = 0;
	if (r->is_truncated) {
		fputs("jail: review: not applied: the change is too large to "
		      "review\n",
		      stderr);
		return 1;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct review_change *c = &r->c[i];
		int err;

		/* A held git dir's ref state: one line for all, below */
		if (!with_protected && !c->is_protected &&
		    review_git_is_held(r, c)) {
			++*skipped;
			continue;
		}
		if (c->kind == '?' || (c->is_protected && !with_protected)) {
			if (c->is_protected && !c->is_quiet) {
				fputs("jail: review: skipped protected \"",
				      stderr);
				review_put_safe(stderr, c->path);
				fputs("\"\n", stderr);
			}
			++*skipped;
			continue;
		}
		err = apply_change(r, c);
		if (err < 0) {
			fputs("jail: review: apply \"", stderr);
			review_put_safe(stderr, c->path);
			fprintf(stderr, "\": %s%s\n", strerror(-err),
				err == -ELOOP ? " (a symlink in the project's "
						"way: not followed)" :
						"");
			failed++;
			continue;
		}
		applied++;
	}
	if (!with_protected)
		review_git_say_held(r, true);
	{
		const struct audit_field f[] = {
			AF_INT("applied", applied),
			AF_INT("skipped", *skipped),
			AF_INT("failed", failed),
			AF_INT("protected", with_protected ? r->n_prot : 0),
		};

		review_log(r, "review.apply", f, ARRAY_SIZE(f));
	}
	fprintf(stderr, "jail: review: applied %zu change%s to \"", applied,
		applied == 1 ? "" : "s");
	review_put_safe(stderr, r->project);
	fprintf(stderr, "\"%s\n", failed ? "; some failed (listed above)" :
					   "");
	return failed;
}

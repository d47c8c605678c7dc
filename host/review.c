// SPDX-License-Identifier: MIT
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
#include "host/gitguard.h"
#include "host/reviewint.h"

#define REVIEW_MAX_FILE (32u << 20)	/* bytes of a file diffed */

#define REVIEW_META_MAX (64u << 10)

/* @rel beneath @root, no symlink anywhere on the way */
int review_open_beneath(int root, const char *rel, int flags)
{
	return openat2_fd(root, rel, flags,
			  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				  RESOLVE_NO_MAGICLINKS);
}

static enum review_ftype ftype_of(mode_t m)
{
	if (S_ISREG(m))
		return REVIEW_FT_REG;
	if (S_ISLNK(m))
		return REVIEW_FT_LNK;
	return S_ISDIR(m) ? REVIEW_FT_DIR : REVIEW_FT_OTHER;
}

/* Kernel-doc in host.h */
bool overlay_is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

/* Kernel-doc in host.h */
bool overlay_is_opaque(int dir_fd)
{
	char v[4];
	ssize_t n = fgetxattr(dir_fd, "user.overlay.opaque", v, sizeof(v));

	return n == 1 && v[0] == 'y';
}

/* ---- state directory ----------------------------------------------- */

char *review_state_root(void)
{
	const char *st = getenv("XDG_STATE_HOME");

	if (st && st[0] == '/')
		return xasprintf("%s/jail/review", st);
	return xasprintf("%s/.local/state/jail/review", config_host_home());
}

/* Owned by us, not a symlink, nobody else may enter. Return: 0/-errno */
int review_check_private_dir(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != getuid() || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

static void meta_put(FILE *f, const char *key, const char *value)
{
	fputs(key, f);
	fputc('\0', f);
	fputs(value, f);
	fputc('\0', f);
}

static void write_meta(const struct jail_run *run, const char *dir)
{
	const struct jail_config *cfg = run->cfg;
	autofree char *path = xasprintf("%s/meta", dir);
	char *prot[REVIEW_MAX_PROTECT];
	size_t n = fsview_protected(cfg, prot, ARRAY_SIZE(prot));
	size_t plen = strlen(cfg->project);
	FILE *f = fopen(path, "wxe");
	char cmd[1024] = "";

	if (!f)
		die_errno("--review: write \"%s\"", path);
	for (char *const *a = cfg->argv; *a; a++) {
		size_t used = strlen(cmd);

		snprintf(cmd + used, sizeof(cmd) - used, "%s%s",
			 used ? " " : "", *a);
	}
	meta_put(f, "jail-review", "1");
	meta_put(f, "project", cfg->project);
	meta_put(f, "command", cmd);
	meta_put(f, "log", run->log_path);
	for (size_t i = 0; i < n; i++) {
		if (i >= fsview_n_default_protect &&
		    !strncmp(prot[i], cfg->project, plen) &&
		    prot[i][plen] == '/')
			meta_put(f, "protect", prot[i] + plen + 1);
		free(prot[i]);
	}
	if (fflush(f) != 0 || fclose(f) != 0)
		die_errno("--review: write \"%s\"", path);
}

void review_prepare(struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;
	autofree char *root = review_state_root();
	autofree char *up = NULL;
	autofree char *wk = NULL;
	char *dir = xasprintf("%s/%s", root, cfg->id);
	struct stat st;
	int err;

	err = mkdir_parents(root, 0700);
	if (err == 0)
		err = review_check_private_dir(root);
	if (err < 0) {
		errno = -err;
		die_errno("--review: state directory \"%s\" (must be the "
			  "user's, mode 0700)",
			  root);
	}
	if (mkdir(dir, 0700) < 0)
		die_errno("--review: create \"%s\"", dir);
	run->review_dir = dir;
	up = xasprintf("%s/upper", dir);
	wk = xasprintf("%s/work", dir);
	/* The overlay's root shows the upper directory's mode */
	if (stat(cfg->project, &st) < 0 || mkdir(up, 0700) < 0 ||
	    chmod(up, st.st_mode & 0777) < 0 || mkdir(wk, 0700) < 0)
		die_errno("--review: create \"%s\"", dir);
	write_meta(run, dir);
}

/* Read meta into @r. Return: 0 or -errno (-EBADMSG: malformed) */
int review_read_meta(struct review *r)
{
	autofree char *path = xasprintf("%s/meta", r->dir);
	autoclose int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					      O_CLOEXEC);
	autofree char *buf = NULL;
	struct stat st;
	ssize_t len;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 022) || st.st_size > REVIEW_META_MAX)
		return -EPERM;
	buf = xmalloc((size_t)st.st_size + 1);
	len = read(fd, buf, (size_t)st.st_size);
	if (len != st.st_size)
		return -EIO;
	buf[len] = '\0';
	/* key NUL value NUL ...: every string ends inside the buffer */
	for (size_t i = 0; i < (size_t)len;) {
		const char *k = buf + i, *v;
		size_t kl = strlen(k);

		if (i + kl + 1 >= (size_t)len)
			return -EBADMSG;
		v = k + kl + 1;
		i += kl + 1 + strlen(v) + 1;
		if (i > (size_t)len)
			return -EBADMSG;
		if (!strcmp(k, "project") && !r->project)
			r->project = xstrdup(v);
		else if (!strcmp(k, "command") && !r->command)
			r->command = xstrdup(v);
		else if (!strcmp(k, "log") && !r->log)
			r->log = xstrdup(v);
		else if (!strcmp(k, "protect") &&
			 r->n_protect < REVIEW_MAX_PROTECT)
			r->protect[r->n_protect++] = xstrdup(v);
	}
	return r->project && r->project[0] == '/' ? 0 : -EBADMSG;
}

/* ---- removing a tree ----------------------------------------------- */

size_t review_list_dir(int fd, char ***out);

void review_free_names(char **v, size_t n);

/*
 * Unlink every entry of directory @fd that is not a directory; return in
 * *@sub the name of a subdirectory (caller frees), or NULL when none is
 * left. Return: 0 or -errno
 */
static int clear_files(int fd, char **sub)
{
	DIR *d = fdopendir(dup(fd));
	struct dirent *de;
	int err = 0;

	*sub = NULL;
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		const char *nm = de->d_name;
		struct stat st;

		if (!strcmp(nm, ".") || !strcmp(nm, "..") ||
		    fstatat(fd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			*sub = xstrdup(nm);
			break;
		}
		if (unlinkat(fd, nm, 0) < 0 && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	return err;
}

/* Push @name on the stack of names between the top and @fd */
static void push_name(char ***stack, size_t *depth, size_t *cap, char *name)
{
	if (*depth == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*stack = realloc(*stack, *cap * sizeof(**stack));
		if (!*stack)
			die("out of memory");
	}
	(*stack)[(*depth)++] = name;
}

/*
 * Remove @name in @parent_fd and everything below it, whatever modes the
 * command left on its directories. Holds one descriptor at a time (it
 * climbs back with ".."), so no depth exhausts the descriptor table; the
 * tree is private to us while this runs.
 *
 * Return: 0 or -errno
 */
static int remove_tree(int parent_fd, const char *name)
{
	char **stack = NULL, *sub = NULL;
	size_t depth = 0, cap = 0;
	int fd, err = 0;

	fd = openat(parent_fd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP && errno != EACCES)
			return -errno;
		if (errno == EACCES &&
		    fchmodat(parent_fd, name, 0700, AT_SYMLINK_NOFOLLOW) == 0)
			return remove_tree(parent_fd, name);
		return unlinkat(parent_fd, name, 0) < 0 ? -errno : 0;
	}
	(void)!fchmod(fd, 0700);
	while (!err && (err = clear_files(fd, &sub)) == 0) {
		int next;

		if (sub) {
			/* Down into @sub, whatever mode the command left */
			(void)!fchmodat(fd, sub, 0700, AT_SYMLINK_NOFOLLOW);
			next = openat(fd, sub, O_RDONLY | O_DIRECTORY |
						       O_NOFOLLOW | O_CLOEXEC);
			if (next < 0) {
				err = -errno;
				free(sub);
				break;
			}
			push_name(&stack, &depth, &cap, sub);
		} else if (depth) {
			/* Empty: up, and remove it */
			sub = stack[--depth];
			next = openat(fd, "..", O_RDONLY | O_DIRECTORY |
							O_CLOEXEC);
			if (next < 0 || unlinkat(next, sub, AT_REMOVEDIR) < 0)
				err = -errno;
			free(sub);
		} else {
			break;
		}
		close(fd);
		fd = next;
	}
	if (fd >= 0)
		close(fd);
	while (depth)
		free(stack[--depth]);
	free(stack);
	if (err)
		return err;
	return unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

/*
 * Remove the project's @name in @pfd and everything below it, never
 * following a symlink: one descriptor per level, at most 256 levels.
 *
 * Return: 0 or -errno
 */
int review_remove_beneath(int pfd, const char *name, int depth)
{
	struct stat st;
	char **names;
	size_t n;
	int fd, err = 0;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(pfd, name, 0) < 0 ? -errno : 0;
	if (depth > 256)
		return -ELOOP;
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES &&
	    fchmodat(pfd, name, 0700, AT_SYMLINK_NOFOLLOW) == 0)
		fd = openat(pfd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = review_list_dir(fd, &names);
	for (size_t i = 0; i < n && !err; i++)
		err = review_remove_beneath(fd, names[i], depth + 1);
	review_free_names(names, n);
	close(fd);
	if (err)
		return err;
	return unlinkat(pfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

/* Remove the review's state directory. Return: 0 or -errno */
int review_remove_state(const char *dir)
{
	autofree char *parent = xstrdup(dir);
	char *slash = strrchr(parent, '/');
	autoclose int pfd = -1;

	*slash = '\0';
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	return remove_tree(pfd, slash + 1);
}

static struct review_change *add_change(struct review *r, const char *rel,
					char kind)
{
	struct review_change *c;

	if (r->n >= REVIEW_MAX_CHANGES) {
		r->is_truncated = true;
		return NULL;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->c = realloc(r->c, r->cap * sizeof(*r->c));
		if (!r->c)
			die("out of memory");
	}
	c = &r->c[r->n++];
	memset(c, 0, sizeof(*c));
	c->path = xstrdup(rel);
	c->kind = kind;
	c->is_protected = review_is_protected_path(r, rel, kind);
	return c;
}

/*
 * Past REVIEW_MAX_DEPTH levels the walk stops (the stack and the
 * descriptor table stay bounded) and the review is marked truncated:
 * then nothing is applied or written as a patch.
 */
static bool too_deep(struct review *r, const char *rel)
{
	size_t d = 0;

	for (const char *p = rel; *p; p++)
		d += *p == '/';
	if (d < REVIEW_MAX_DEPTH)
		return false;
	r->is_truncated = true;
	return true;
}

static char *join(const char *dir, const char *name)
{
	return dir[0] ? xasprintf("%s/%s", dir, name) : xstrdup(name);
}

/* The names in directory @fd, sorted; caller frees. Return: count */
size_t review_list_dir(int fd, char ***out)
{
	DIR *d = fdopendir(dup(fd));
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("out of memory");
		}
		v[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	*out = v;
	return n;
}

void review_free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Record the project's @rel (of type @t) and everything below as deleted */
static void add_deleted(struct review *r, const char *rel,
			const struct stat *st)
{
	struct review_change *c = add_change(r, rel, 'D');
	size_t first = r->n;
	autoclose int fd = -1;
	char **names;
	size_t n;

	if (!c)
		return;
	c->old_t = ftype_of(st->st_mode);
	c->old_mode = st->st_mode & 0777;
	if (c->old_t != REVIEW_FT_DIR || too_deep(r, rel))
		return;
	fd = review_open_beneath(r->project_fd, rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	n = review_list_dir(fd, &names);
	for (size_t i = 0; i < n; i++) {
		autofree char *sub = join(rel, names[i]);
		struct stat cst;

		if (fstatat(fd, names[i], &cst, AT_SYMLINK_NOFOLLOW) == 0)
			add_deleted(r, sub, &cst);
	}
	review_free_names(names, n);
	if (r->n > first)
		r->c[first - 1].is_quiet = true;
}

/* Are the bytes (or targets) of @rel the same in both trees? */
static bool same_content(struct review *r, const char *rel, enum review_ftype t,
			 const struct stat *ust, const struct stat *lst)
{
	if (t == REVIEW_FT_LNK) {
		char a[PATH_MAX], b[PATH_MAX];
		autofree char *parent = xstrdup(rel);
		char *slash = strrchr(parent, '/');
		const char *name = slash ? slash + 1 : rel;
		autoclose int ufd = -1;
		autoclose int lfd = -1;
		ssize_t na, nb;

		if (slash)
			*slash = '\0';
		ufd = review_open_beneath(r->upper_fd, slash ? parent : ".", O_PATH);
		lfd = review_open_beneath(r->project_fd, slash ? parent : ".", O_PATH);
		na = ufd < 0 ? -1 : readlinkat(ufd, name, a, sizeof(a));
		nb = lfd < 0 ? -1 : readlinkat(lfd, name, b, sizeof(b));
		return na >= 0 && na == nb && !memcmp(a, b, (size_t)na);
	}
	if (ust->st_size != lst->st_size)
		return false;
	{
		autoclose int ufd = review_open_beneath(r->upper_fd, rel,
						 O_RDONLY | O_NOFOLLOW |
							 O_NONBLOCK);
		autoclose int lfd = review_open_beneath(r->project_fd, rel,
						 O_RDONLY | O_NOFOLLOW |
							 O_NONBLOCK);
		static char a[65536], b[65536];

		if (ufd < 0 || lfd < 0)
			return false;
		for (;;) {
			ssize_t na = read(ufd, a, sizeof(a));
			ssize_t nb = na > 0 ? read(lfd, b, (size_t)na) : 0;

			if (na < 0 || na != nb)
				return false;
			if (na == 0)
				return true;
			if (memcmp(a, b, (size_t)na))
				return false;
		}
	}
}

static void scan_dir(struct review *r, const char *rel, int ufd, int lfd,
		     bool opaque);

/* One entry @name of the upper directory @ufd */
static void scan_entry(struct review *r, const char *rel, const char *name,
		       int ufd, int lfd)
{
	autofree char *sub = join(rel, name);
	struct stat ust, lst;
	bool has_lower = lfd >= 0 &&
			 fstatat(lfd, name, &lst, AT_SYMLINK_NOFOLLOW) == 0;
	enum review_ftype ut;
	enum review_ftype lt = has_lower ? ftype_of(lst.st_mode) :
					   REVIEW_FT_NONE;
	struct review_change *c;

	if (fstatat(ufd, name, &ust, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (overlay_is_whiteout(&ust)) {
		if (has_lower)
			add_deleted(r, sub, &lst);
		return;
	}
	ut = ftype_of(ust.st_mode);
	if (ut == REVIEW_FT_OTHER) {
		if ((c = add_change(r, sub, '?'))) {
			c->new_t = ut;
			c->old_t = lt;
		}
		return;
	}
	if (has_lower && lt != ut) {
		add_deleted(r, sub, &lst);
		has_lower = false;
	}
	if (ut == REVIEW_FT_DIR) {
		autoclose int cu = review_open_beneath(ufd, name,
						O_RDONLY | O_DIRECTORY);
		const int dflags = O_RDONLY | O_DIRECTORY;
		autoclose int cl = has_lower ? review_open_beneath(lfd, name, dflags) :
					       -1;
		size_t at = r->n;

		if (cu < 0 || too_deep(r, sub))
			return;
		c = NULL;
		if (!has_lower || (lst.st_mode & 0777) != (ust.st_mode & 0777))
			c = add_change(r, sub, has_lower ? 'M' : 'A');
		if (c) {
			c->old_t = lt;
			c->new_t = REVIEW_FT_DIR;
			c->old_mode = has_lower ? lst.st_mode & 0777 : 0;
			c->new_mode = ust.st_mode & 0777;
		}
		/* @c may move: the array grows below */
		scan_dir(r, sub, cu, cl, overlay_is_opaque(cu));
		if (c && !has_lower && r->n > at + 1)
			r->c[at].is_quiet = true;
		return;
	}
	if (has_lower && (lst.st_mode & 0777) == (ust.st_mode & 0777) &&
	    same_content(r, sub, ut, &ust, &lst))
		return;
	if (!(c = add_change(r, sub, has_lower ? 'M' : 'A')))
		return;
	c->old_t = lt;
	c->new_t = ut;
	c->old_mode = has_lower ? lst.st_mode & 0777 : 0;
	c->new_mode = ust.st_mode & 0777;
}

/*
 * Compare the upper directory @ufd (the project's @rel) with the project's
 * own @lfd (-1: absent); @opaque hides whatever @lfd holds that @ufd does
 * not.
 */
static void scan_dir(struct review *r, const char *rel, int ufd, int lfd,
		     bool opaque)
{
	char **names, **lnames = NULL;
	size_t n = review_list_dir(ufd, &names), ln = 0;

	for (size_t i = 0; i < n && !r->is_truncated; i++)
		scan_entry(r, rel, names[i], ufd, lfd);
	if (opaque && lfd >= 0)
		ln = review_list_dir(lfd, &lnames);
	for (size_t i = 0; i < ln; i++) {
		struct stat st;
		autofree char *sub = join(rel, lnames[i]);

		if (fstatat(ufd, lnames[i], &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		    fstatat(lfd, lnames[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		add_deleted(r, sub, &st);
	}
	review_free_names(lnames, ln);
	review_free_names(names, n);
}

static int cmp_change(const void *x, const void *y)
{
	const struct review_change *a = x, *b = y;
	int c = strcmp(a->path, b->path);
	static const char order[] = "D?MA";

	if (c)
		return c;
	return (int)(strchr(order, a->kind) - order) -
	       (int)(strchr(order, b->kind) - order);
}

/* Is a change of @c expressible in a patch git applies? */
static bool patchable(const struct review_change *c)
{
	bool reg_or_lnk_old = c->old_t == REVIEW_FT_REG ||
			      c->old_t == REVIEW_FT_LNK;
	bool reg_or_lnk_new = c->new_t == REVIEW_FT_REG ||
			      c->new_t == REVIEW_FT_LNK;

	if (c->is_protected || c->kind == '?')
		return false;
	/* git refuses paths inside .git */
	if (!strcmp(c->path, ".git") || !strncmp(c->path, ".git/", 5))
		return false;
	if (c->kind == 'D')
		return reg_or_lnk_old;
	if (c->kind == 'A')
		return reg_or_lnk_new;
	return reg_or_lnk_old && reg_or_lnk_new;
}

static unsigned int git_mode(enum review_ftype t, unsigned int perm)
{
	if (t == REVIEW_FT_LNK)
		return 0120000;
	return perm & 0100 ? 0100755 : 0100644;
}

/* Read one side of @c into @b (caller frees *@buf). Return: 0/-errno */
int review_load_blob(int root, const char *rel, enum review_ftype t,
		     unsigned int perm, struct diff_blob *b, char **buf)
{
	autofree char *parent = xstrdup(rel);
	char *slash = strrchr(parent, '/');
	autoclose int fd = -1;
	struct stat st;
	size_t got = 0;

	*buf = NULL;
	*b = (struct diff_blob){ .is_present = true,
				 .mode = git_mode(t, perm) };
	if (t == REVIEW_FT_LNK) {
		autoclose int pfd = -1;
		ssize_t n;

		if (slash)
			*slash = '\0';
		pfd = review_open_beneath(root, slash ? parent : ".", O_PATH);
		if (pfd < 0)
			return pfd;
		*buf = xmalloc(PATH_MAX + 1);
		n = readlinkat(pfd, slash ? slash + 1 : rel, *buf, PATH_MAX);
		if (n < 0)
			return -errno;
		b->data = (const uint8_t *)*buf;
		b->len = (size_t)n;
		return 0;
	}
	fd = review_open_beneath(root, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > REVIEW_MAX_FILE) {
		b->is_too_large = true;
		return 0;
	}
	*buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	b->data = (const uint8_t *)*buf;
	b->len = got;
	return 0;
}

struct counting_sink {
	const struct diff_sink *next;	/* NULL: count only */
	size_t bytes;
};

static int count_write(void *ctx, const void *p, size_t n)
{
	struct counting_sink *cs = ctx;

	cs->bytes += n;
	return cs->next ? cs->next->write(cs->next->ctx, p, n) : 0;
}

/*
 * The patch entry of @c to @sink (NULL: count only); sets @c's counts.
 * A type change is two changes already: a deletion and an addition.
 * Return: bytes of the entry, or -errno
 */
ssize_t review_diff_change(struct review *r, struct review_change *c,
			   const struct diff_sink *sink)
{
	struct counting_sink cs = { sink, 0 };
	const struct diff_sink out = { count_write, &cs };
	struct diff_blob a = { 0 }, b = { 0 };
	autofree char *abuf = NULL;
	autofree char *bbuf = NULL;
	autofree void *work = NULL;
	struct diff_stat st;
	size_t wl;
	int err = 0;

	if (c->kind != 'A')
		err = review_load_blob(r->project_fd, c->path, c->old_t, c->old_mode,
				&a, &abuf);
	if (!err && c->kind != 'D')
		err = review_load_blob(r->upper_fd, c->path, c->new_t, c->new_mode,
				&b, &bbuf);
	if (err < 0)
		return err;
	wl = diff_work_size(a.data ? diff_count_lines(a.data, a.len) : 0,
			    b.data ? diff_count_lines(b.data, b.len) : 0);
	work = xmalloc(wl ? wl : 1);
	err = diff_entry(c->path, &a, &b, work, wl, &out, &st);
	if (err < 0)
		return err;
	c->ins = st.insertions;
	c->del = st.deletions;
	c->is_binary = st.is_binary;
	return (ssize_t)cs.bytes;
}

/* Deletions first, so that git removes a directory before a file of its
 * name is created (and the other way round) */
void review_patch_order(struct review *r, int pass, struct review_change **out,
			size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct review_change *c = &r->c[i];

		if (!c->in_patch)
			continue;
		if (pass == 0 && c->kind == 'D')
			out[(*n)++] = c;
		if (pass == 1 && c->kind != 'D')
			out[(*n)++] = c;
	}
}

/* Diff every patchable change, for the summary's counts */
static void count_diffs(struct review *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct review_change *c = &r->c[i];

		if (!patchable(c) || review_diff_change(r, c, NULL) <= 0)
			continue;
		/* (A permission change other than x writes nothing) */
		c->in_patch = true;
		r->n_files++;
		r->ins += c->ins;
		r->del += c->del;
		r->n_binary += c->is_binary;
	}
}

/* Scan the upper layer of @r against its project */
int review_scan(struct review *r)
{
	autofree char *up = xasprintf("%s/upper", r->dir);
	autoclose int ufd = -1;
	autoclose int lfd = -1;

	r->upper_fd = open(up, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->upper_fd < 0)
		return -errno;
	r->project_fd = open(r->project, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->project_fd < 0)
		return -errno;
	ufd = dup(r->upper_fd);
	lfd = dup(r->project_fd);
	review_mark_aliases(r);
	scan_dir(r, "", ufd, lfd, overlay_is_opaque(ufd));
	if (r->n)
		qsort(r->c, r->n, sizeof(*r->c), cmp_change);
	for (size_t i = 0; i < r->n; i++) {
		struct review_change *c = &r->c[i];

		c->is_protected = review_is_protected_change(r, c);

		r->n_add += c->kind == 'A' && !c->is_quiet;
		r->n_mod += c->kind == 'M';
		r->n_del += c->kind == 'D' && !c->is_quiet;
		r->n_other += c->kind == '?';
		r->n_prot += c->is_protected && !c->is_quiet;
	}
	count_diffs(r);
	if (!r->is_truncated)
		review_git_scan(r);
	return 0;
}

void review_free(struct review *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->c[i].path);
	free(r->c);
	review_git_free(r);
	for (size_t i = 0; i < r->n_protect; i++)
		free(r->protect[i]);
	for (size_t i = 0; i < r->n_alias; i++)
		free(r->alias[i]);
	free(r->alias);
	free(r->project);
	free(r->command);
	free(r->log);
	free(r->dir);
	if (r->upper_fd >= 0)
		close(r->upper_fd);
	if (r->project_fd >= 0)
		close(r->project_fd);
}

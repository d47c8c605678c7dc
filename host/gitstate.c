// SPDX-License-Identifier: MIT
/*
 * gitstate.c - a rebase, am or cherry-pick state dir from the jail that
 * would have host git write a protected path is not copied back
 * (gitguard.c step 4)
 *
 * rebase-merge/, rebase-apply/ and sequencer/ are copied in and, once
 * the jail is gone, back: they are how a rebase, `git am` or a
 * cherry-pick stopped inside goes on outside. What they name is what
 * host git applies next on the person's word alone: `git rebase
 * --continue` and `git cherry-pick --continue` pick, merge and reset to
 * what the todo list names, `git am --continue` applies the patches,
 * `--abort` checks out orig-head or head, and the end of a rebase pops
 * its autostash. So before a state dir is copied back, each commit it
 * names (a full id in orig-head, onto, head, autostash; a commit, a
 * label's ref of refs/rewritten/ in the todo list) is looked up like a
 * ref moved during the run (githead.c), and each patch is read for a
 * protected path's first component. One that carries a protected path,
 * cannot be read or passes a bound keeps the state dir out
 * (gitguard.c warns and logs git.refused).
 *
 * The files are read as hostile input: beneath the private git dir
 * without symlinks, bounded; the todo list and patches are parsed by
 * pure parsers (parse/text.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>

#include "jail.h"
#include "host/host.h"
#include "host/gitguard.h"
#include "host/githead.h"
#include "parse/gitobj.h"
#include "parse/parse.h"

#define STATE_ID_BYTES 4096	/* orig-head, onto, head, autostash */
#define TODO_BYTES (16 << 20)	/* a todo list */
#define PATCH_BYTES (64 << 20)	/* one patch of git am */
#define STATE_LABELS 256	/* labels a todo list sets */
#define STATE_PATCHES 4096	/* patches looked at */

/* A file naming one commit (orig-head ...): absent, or what it carries */
static char *id_file_carries(struct githead_dir *ck, int dir, const char *name)
{
	size_t len = 0;
	autofree uint8_t *buf = gitguard_read_hostile(dir, name,
						      STATE_ID_BYTES, &len);
	uint8_t id[GITOBJ_ID_LEN];

	if (!buf)
		return errno == ENOENT ? NULL : xstrdup(name);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len != 2 * (size_t)GITOBJ_ID_LEN ||
	    gitobj_hex_id((const char *)buf, len, id) < 0)
		return xstrdup(name);	/* git would resolve it otherwise */
	/* A rebase's autostash is a stash: its untracked files and index too */
	return githead_carried(ck, id, !strcmp(name, "autostash"));
}

/* Is label @name set by the lines read so far? */
static bool is_set(char (*set)[GITSTATE_LABEL_MAX], size_t n,
		   const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i], name))
			return true;
	return false;
}

/* One item of a todo line: what it carries, or NULL */
static char *item_carries(struct githead_dir *ck,
			  const struct gitstate_todo_line *l, size_t k,
			  char (*set)[GITSTATE_LABEL_MAX], size_t *n_set)
{
	autofree char *ref = NULL;
	uint8_t id[GITOBJ_ID_LEN];

	switch (l->item[k].kind) {
	case GITSTATE_COMMIT:
		return githead_carried(ck, l->item[k].id, false);
	case GITSTATE_LABEL_DEF:
		if (*n_set >= STATE_LABELS)
			return xstrdup("(too many labels)");
		memcpy(set[(*n_set)++], l->item[k].label, GITSTATE_LABEL_MAX);
		return NULL;
	default:
		/* Set by the list: a commit it picked, looked at there */
		if (is_set(set, *n_set, l->item[k].label))
			return NULL;
		ref = xasprintf("refs/rewritten/%s", l->item[k].label);
		/* Else git takes it for a label ref, then any name */
		if (!gitobj_ref_name_ok(ref) ||
		    githead_resolve(ck, ref, id) < 0)
			return xstrdup(l->item[k].label);
		return githead_carried(ck, id, false);
	}
}

/* A todo list: what a commit it applies or resets to carries, or NULL */
static char *todo_carries(struct githead_dir *ck, int dir, const char *name)
{
	size_t len = 0, n_set = 0;
	autofree uint8_t *buf = gitguard_read_hostile(dir, name, TODO_BYTES,
						      &len);
	autofree char (*set)[GITSTATE_LABEL_MAX] =
		xcalloc(STATE_LABELS, GITSTATE_LABEL_MAX);
	autofree struct gitstate_todo_line *l = xmalloc(sizeof(*l));
	struct cursor c = { buf, len };
	char *bad = NULL;
	int r = 0;

	if (!buf)
		return errno == ENOENT ? NULL : xstrdup(name);
	while (!bad && (r = gitstate_todo_line(&c, l)) == 1)
		for (size_t k = 0; !bad && k < l->n; k++)
			bad = item_carries(ck, l, k, set, &n_set);
	return bad ? bad : r < 0 ? xstrdup(name) : NULL;
}

/* The patches of git am (0001 ...): one that names a protected path's
 * first component, or NULL */
static char *patches_carry(struct githead_dir *ck, int dir)
{
	int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;	/* owns @fd */
	struct dirent *e;
	char *const *prot;
	char *bad = NULL;
	size_t n = 0, n_prot;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return xstrdup("rebase-apply");
	}
	n_prot = githead_protected(ck, &prot);
	while (!bad && (e = readdir(d))) {
		autofree uint8_t *buf = NULL;
		size_t len = 0;

		if (strspn(e->d_name, "0123456789") != strlen(e->d_name) ||
		    !e->d_name[0])
			continue;
		if (++n > STATE_PATCHES ||
		    !(buf = gitguard_read_hostile(dirfd(d), e->d_name,
						  PATCH_BYTES, &len))) {
			bad = xstrdup(e->d_name);
			break;
		}
		for (size_t p = 0; !bad && p < n_prot; p++) {
			autofree char *first = xasprintf(
				"%.*s", (int)strcspn(prot[p], "/"), prot[p]);

			if (gitstate_patch_names(buf, len, first))
				bad = xstrdup(prot[p]);
		}
	}
	closedir(d);
	return bad;
}

char *gitstate_dir_carries(const struct jail_run *run,
			   const struct gitguard *g, size_t i, int priv,
			   const char *name)
{
	static const char *const id_files[] = { "orig-head", "onto", "head",
						"autostash" };
	static const char *const todos[] = { "git-rebase-todo", "todo" };
	struct githead_dir *ck;
	autoclose int dir = -1;
	char *bad = NULL;

	if (!g->heads || !g->top[i] || !(ck = githead_dir_new(run, g, i)))
		return NULL;	/* no work tree: nothing is written */
	dir = openat2_fd(priv, name, O_PATH | O_DIRECTORY, GITGUARD_RESOLVE);
	if (dir < 0) {
		githead_dir_free(ck);
		return dir == -ENOENT ? NULL : xstrdup(name);
	}
	for (size_t k = 0; !bad && k < ARRAY_SIZE(id_files); k++)
		bad = id_file_carries(ck, dir, id_files[k]);
	for (size_t k = 0; !bad && k < ARRAY_SIZE(todos); k++)
		bad = todo_carries(ck, dir, todos[k]);
	if (!bad && !strcmp(name, "rebase-apply"))
		bad = patches_carry(ck, dir);
	githead_dir_free(ck);
	return bad;
}

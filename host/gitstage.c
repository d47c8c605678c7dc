// SPDX-License-Identifier: MIT
/*
 * gitstage.c - an index from the jail that stages a protected path is
 * not copied back (gitguard.c step 4)
 *
 * A protected path cannot be written inside, but the index can name it:
 * `git update-index --add --cacheinfo 100644,BLOB,.claude/settings.json`
 * stages a file the working tree does not hold. Host git then writes it
 * on the user's word alone: `git checkout .`, `git restore .`, `git
 * stash` and `git stash pop`, `git reset --hard` all make the working
 * tree match the index, and the next agent, IDE or shell started outside
 * the jail obeys the file. So an index the jail changed is compared,
 * entry by entry, with the host's own (reviewindex.c): an entry added,
 * removed or changed at, beneath or above a protected path (one entry
 * `.claude`, a symlink, stages the whole directory) keeps the whole
 * index from landing, with one warning and `git.refused`. The paths are
 * the default list in every git dir's work tree and each protected path
 * below the work tree of a git dir named .git. An index that cannot be
 * read is refused too (fail closed).
 */
#include "jail.h"
#include "host/host.h"
#include "host/reviewint.h"
#include "parse/gitindex.h"

#define INDEX_MAX (512 << 20)

/* The work tree of git dir @gitdir, when it is a directory named .git */
static char *work_tree_of(const char *gitdir)
{
	size_t len = strlen(gitdir);

	if (len > 5 && !strcmp(gitdir + len - 5, "/.git"))
		return xasprintf("%.*s", (int)(len - 5), gitdir);
	return NULL;
}

size_t gitstage_protected(const struct jail_config *cfg, const char *gitdir,
			  char **out, size_t max)
{
	autofree char *top = work_tree_of(gitdir);
	char *abs[JAIL_MAX_MOUNTS + 64];
	size_t n_abs = fsview_protected(cfg, abs, ARRAY_SIZE(abs)), n = 0;
	size_t tl = top ? strlen(top) : 0;

	for (size_t i = 0; i < fsview_n_default_protect && n < max; i++)
		out[n++] = xstrdup(fsview_default_protect[i]);
	for (size_t i = 0; i < n_abs; i++) {
		if (top && n < max && !strncmp(abs[i], top, tl) &&
		    abs[i][tl] == '/' && abs[i][tl + 1])
			out[n++] = xstrdup(abs[i] + tl + 1);
		free(abs[i]);
	}
	return n;
}

struct staged {
	char first[GITINDEX_PATH_MAX + 1];
	size_t n;
};

static void note_staged(void *ctx, char kind, const char *path,
			const uint8_t *gitlink)
{
	struct staged *s = ctx;

	(void)gitlink;
	if (kind == 'G')
		return;
	if (!s->n++)
		snprintf(s->first, sizeof(s->first), "%s", path);
}

bool gitstage_index_is_safe(const struct jail_run *run, int real,
			    const char *gitdir, const uint8_t *buf,
			    size_t len)
{
	static const uint8_t empty[32] = "DIRC\0\0\0\2\0\0\0\0";
	char *prot[JAIL_MAX_MOUNTS + 64];
	autofree char *where = xasprintf("%s/index", gitdir);
	autofree uint8_t *obuf = NULL;
	autofree char *shown = NULL;
	struct staged s = { .n = 0 };
	char why[256] = "";
	size_t olen = 0;
	size_t n_prot = gitstage_protected(run->cfg, gitdir, prot,
					   ARRAY_SIZE(prot));
	int err;

	obuf = gitguard_read_hostile(real, "index", INDEX_MAX, &olen);
	if (!obuf && errno == ENOENT)
		err = review_index_diff(empty, sizeof(empty), buf, len,
					(const char *const *)prot, n_prot,
					note_staged, &s, why, sizeof(why));
	else if (!obuf)
		err = -EIO, snprintf(why, sizeof(why), "the host's index "
						       "could not be read");
	else
		err = review_index_diff(obuf, olen, buf, len,
					(const char *const *)prot, n_prot,
					note_staged, &s, why, sizeof(why));
	while (n_prot--)
		free(prot[n_prot]);
	if (err == 0)
		return true;
	if (err > 0 && s.n) {
		shown = gitguard_shown(s.first);
		snprintf(why, sizeof(why),
			 "it stages protected \"%s\", which host git would "
			 "write into the working tree",
			 shown);
	} else if (err > 0) {
		return true;	/* gitlinks only: judged by gitnew.c */
	}
	shown = gitguard_shown(where);
	warn("git: \"%s\" from the jail was not copied back: %s", shown,
	     why);
	gitguard_audit(run, "git.refused", where, why);
	return false;
}

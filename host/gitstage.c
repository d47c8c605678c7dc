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
 * the default list in every git dir's work tree and each path below it
 * the jail may not leave there: --protect, a profile's protected, private
 * and throwaway paths, what git's configuration names (gitstage_protected()).
 * The work tree is the .git's directory, a linked worktree's or a
 * submodule's (gittrees.c). An index that cannot be read is refused too
 * (fail closed).
 *
 * Replace refs are the same door by another name: refs/replace/OID makes
 * host git see another object wherever OID is named, so a replacement
 * for HEAD's commit whose tree holds a hook is what `git reset --hard`
 * writes, HEAD itself unchanged. Refs are shared with the host: at exit
 * each loose replace ref made or changed during the run is removed, and a
 * packed-refs from the jail that names a replace ref the host's does not
 * is not copied back (git.refused).
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"
#include "host/gitguard.h"
#include "host/gittrees.h"
#include "host/reviewint.h"
#include "parse/gitindex.h"
#include "parse/gitobj.h"

#define INDEX_MAX (512 << 20)
#define PACKED_MAX (256 << 20)
#define REPLACE_MAX 4096	/* replace refs looked at per git dir */
#define REPLACE "refs/replace/"

/* Must the jail leave nothing at mount @m's path (protected, or a
 * private or throwaway copy)? */
static bool is_kept_from_jail(const struct mount_req *m)
{
	return m->kind == MOUNT_PROTECT || m->kind == MOUNT_COPY ||
	       (m->kind == MOUNT_TMPFS && m->is_private);
}

size_t gitstage_protected(const struct jail_config *cfg, const char *top,
			  char **out, size_t max)
{
	size_t tl = top ? strlen(top) : 0, n = 0;

	for (size_t i = 0; i < fsview_n_default_protect && n < max; i++)
		out[n++] = xstrdup(fsview_default_protect[i]);
	for (size_t i = 0; top && i < cfg->n_mounts && n < max; i++) {
		const char *p = cfg->mounts[i].path;

		if (is_kept_from_jail(&cfg->mounts[i]) && !strncmp(p, top, tl) &&
		    p[tl] == '/' && p[tl + 1])
			out[n++] = xstrdup(p + tl + 1);
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
	size_t n_prot = gitstage_protected(run->cfg,
					   gitguard_top_of(run->cfg->git,
							   gitdir),
					   prot, ARRAY_SIZE(prot));
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

/* Is @name with @id among the refs of the host's packed-refs @buf? */
static bool host_has(const uint8_t *buf, size_t len, const char *name,
		     const uint8_t id[GITOBJ_ID_LEN])
{
	struct cursor c = { buf, len };
	char ref[GITOBJ_REF_MAX + 1];
	uint8_t hid[GITOBJ_ID_LEN];

	while (buf && gitobj_packed_next(&c, ref, sizeof(ref), hid) == 1)
		if (!strcmp(ref, name) && !memcmp(hid, id, GITOBJ_ID_LEN))
			return true;
	return false;
}

/* Line @l (@n bytes, no newline) "OID refs/replace/..." not the host's? */
static bool is_new_replace(const uint8_t *host, size_t hlen, const char *l,
			   size_t n)
{
	char name[GITOBJ_REF_MAX + 1];
	uint8_t id[GITOBJ_ID_LEN];
	size_t k = 2 * GITOBJ_ID_LEN + 1;

	if (n <= k + strlen(REPLACE) || l[k - 1] != ' ' ||
	    strncmp(l + k, REPLACE, strlen(REPLACE)))
		return false;
	if (n - k > GITOBJ_REF_MAX || gitobj_hex_id(l, k - 1, id) < 0)
		return true;
	memcpy(name, l + k, n - k);
	name[n - k] = '\0';
	return !host_has(host, hlen, name, id);
}

size_t gitstage_packed_filter(const struct jail_run *run, int real,
			      const char *gitdir, uint8_t *buf, size_t *len)
{
	autofree uint8_t *host = NULL;
	size_t hlen = 0, in = 0, out = 0, dropped = 0;
	bool is_dropping = false;

	if (!memmem(buf, *len, REPLACE, strlen(REPLACE)))
		return 0;
	host = gitguard_read_hostile(real, "packed-refs", PACKED_MAX, &hlen);
	while (in < *len) {
		const uint8_t *nl = memchr(buf + in, '\n', *len - in);
		size_t n = nl ? (size_t)(nl - (buf + in)) : *len - in;
		size_t with_nl = n + (nl ? 1 : 0);

		/* A peeled line "^OID" belongs to the ref above it */
		if (!(is_dropping && n && buf[in] == '^'))
			is_dropping = is_new_replace(host, hlen,
						     (const char *)buf + in, n);
		if (is_dropping) {
			dropped += buf[in] != '^';
		} else {
			memmove(buf + out, buf + in, with_nl);
			out += with_nl;
		}
		in += with_nl;
	}
	*len = out;
	if (dropped) {
		autofree char *where = xasprintf("%s/packed-refs", gitdir);
		autofree char *v = gitguard_shown(where);

		warn("git: %zu replace ref%s made during the run left out of "
		     "\"%s\": host git would see other objects where its "
		     "commits are named",
		     dropped, dropped == 1 ? "" : "s", v);
		gitguard_audit(run, "git.refused", where, "replace ref");
	}
	return dropped;
}

void gitstage_drop_replace_refs(const struct jail_run *run, int gfd,
				const char *gitdir, time_t started)
{
	int fd = openat2_fd(gfd, "refs/replace",
			    O_RDONLY | O_DIRECTORY | O_NONBLOCK, GITGUARD_RESOLVE);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;	/* owns @fd */
	struct dirent *e;
	size_t n = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) && n++ < REPLACE_MAX) {
		struct stat st;
		autofree char *p = NULL;
		autofree char *v = NULL;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_ctim.tv_sec + 1 < started)
			continue;
		p = xasprintf("%s/refs/replace/%s", gitdir, e->d_name);
		if (S_ISDIR(st.st_mode))
			gitguard_remove_tree(dirfd(d), e->d_name, 2, false);
		else if (unlinkat(dirfd(d), e->d_name, 0) < 0)
			continue;
		v = gitguard_shown(p);
		warn("git: replace ref \"%s\" made during the run removed: "
		     "host git would see other objects where its commits are "
		     "named",
		     v);
		gitguard_audit(run, "git.refused", p, "replace ref");
	}
	closedir(d);
}

// SPDX-License-Identifier: MIT
/*
 * gitconfig.c - pure parsers of git's control files, read from git dirs
 * and trees the jail could write
 *
 * Trust: none. A config file may come from a tree the jail wrote in an
 * earlier run (an included file, a config.worktree) and a state file from
 * the private git dir the jail used during this run. Each function here
 * takes bytes and a length, writes only its output struct, never reads
 * past @len and bounds every loop by @len. Config files are read with
 * gitreader.c's gitrd_next(), the one reader of git's configuration;
 * values longer than GITCFG_VALUE_MAX are cut (and so never name a real
 * path).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "jail.h"
#include "parse/parse.h"
#include "parse/gitobj.h"

static bool is_key(const struct gitrd_entry *e, const char *section,
		   const char *name)
{
	return !strcmp(e->section, section) && !strcmp(e->name, name);
}

/* Keep @e in @out when it names something git would run or read */
static void record(const struct gitrd_entry *e, struct gitcfg_refs *out)
{
	/* A cut value names no real path; a cut section or key is no key */
	if (e->is_cut || e->value_is_cut || !e->has_value)
		return;
	if (is_key(e, "core", "hookspath") && !e->sub[0]) {
		memcpy(out->hooks_path, e->value, strlen(e->value) + 1);
		return;
	}
	if (is_key(e, "core", "worktree") && !e->sub[0]) {
		memcpy(out->worktree, e->value, strlen(e->value) + 1);
		return;
	}
	if (!e->value[0] || !((is_key(e, "include", "path") && !e->sub[0]) ||
			      (is_key(e, "includeif", "path") && e->sub[0])))
		return;
	if (out->n_include >= GITCFG_MAX_PATHS) {
		out->n_dropped++;
		return;
	}
	memcpy(out->include[out->n_include++], e->value, strlen(e->value) + 1);
}

int gitcfg_parse(const uint8_t *buf, size_t len, struct gitcfg_refs *out)
{
	struct gitrd_state st;
	struct gitrd_entry e;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > GITCFG_INPUT_MAX)
		return -E2BIG;
	gitrd_init(&st, (const char *)buf, len);
	while ((r = gitrd_next(&st, &e)) == 1)
		record(&e, out);
	return r < 0 ? -EINVAL : 0;
}

/*
 * What `git init`, `git clone` and everyday work in a new repository
 * write to its config: none names a command, a path git would read, or
 * another working tree. Section and name as gitrd_next() gives them
 * (lower case); a subsection is allowed where @sub is true.
 */
static const struct {
	const char *section;
	const char *name;
	bool sub;
} inert_keys[] = {
	{ "core", "repositoryformatversion", false },
	{ "core", "filemode", false },
	{ "core", "bare", false },
	{ "core", "logallrefupdates", false },
	{ "core", "ignorecase", false },
	{ "core", "precomposeunicode", false },
	{ "core", "symlinks", false },
	{ "extensions", "objectformat", false },
	{ "extensions", "refstorage", false },
	{ "remote", "url", true },
	{ "remote", "fetch", true },
	{ "remote", "promisor", true },
	{ "remote", "partialclonefilter", true },
	{ "branch", "remote", true },
	{ "branch", "merge", true },
	{ "submodule", "url", true },
	{ "submodule", "active", true },
	{ "lfs", "repositoryformatversion", false },
	{ "user", "name", false },
	{ "user", "email", false },
};

static bool is_inert_key(const struct gitrd_entry *e)
{
	if (e->is_cut || e->sub_is_cut)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(inert_keys); i++)
		if (is_key(e, inert_keys[i].section, inert_keys[i].name) &&
		    inert_keys[i].sub == (e->sub[0] != '\0'))
			return true;
	return false;
}

int gitcfg_is_inert(const uint8_t *buf, size_t len)
{
	struct gitrd_state st;
	struct gitrd_entry e;
	int r;

	if (len > GITCFG_INPUT_MAX)
		return -E2BIG;
	gitrd_init(&st, (const char *)buf, len);
	while ((r = gitrd_next(&st, &e)) == 1)
		if (!is_inert_key(&e))
			return 0;
	return r < 0 ? -EINVAL : 1;
}

/* ---- state files ------------------------------------------------------ */

static bool is_hex_oid(const uint8_t *p, size_t n)
{
	if (n != 40 && n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit(p[i]) || isupper(p[i]))
			return false;
	return true;
}

/* A ref name git would accept below refs/ (a conservative subset) */
static bool is_ref_name(const uint8_t *p, size_t n)
{
	if (n < 6 || memcmp(p, "refs/", 5) || p[n - 1] == '/' ||
	    p[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];

		if (ch <= ' ' || ch >= 0x7f || strchr("~^:?*[\\", ch))
			return false;
		if (ch == '.' && i + 1 < n && p[i + 1] == '.')
			return false;
		if (ch == '/' && i + 1 < n && (p[i + 1] == '/' ||
					       p[i + 1] == '.'))
			return false;
	}
	return true;
}

/* Each line (the last may lack its newline) passes @line_ok */
static int check_lines(const uint8_t *buf, size_t len,
		       bool (*line_ok)(const uint8_t *, size_t), size_t max)
{
	size_t n_lines = 0;

	if (!len)
		return -EBADMSG;
	while (len) {
		const uint8_t *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		if (!line_ok(buf, n) || ++n_lines > max)
			return -EBADMSG;
		buf += n + (nl != NULL);
		len -= n + (nl != NULL);
	}
	return 0;
}

static bool oid_line(const uint8_t *p, size_t n)
{
	return is_hex_oid(p, n);
}

static bool head_line(const uint8_t *p, size_t n)
{
	if (n > 5 && !memcmp(p, "ref: ", 5))
		return is_ref_name(p + 5, n - 5);
	return is_hex_oid(p, n);
}

/* "OID refs/NAME" or "^OID": what git accepts after the header */
static bool packed_line(const uint8_t *p, size_t n)
{
	if (n && p[0] == '^')
		return oid_line(p + 1, n - 1);
	for (size_t i = 0; i < n; i++)
		if (p[i] == ' ')
			return oid_line(p, i) && is_ref_name(p + i + 1, n - i - 1);
	return false;
}

/*
 * packed-refs: git refuses every command in the repository over a line
 * it does not expect ("fatal: unexpected line"). Empty is fine.
 */
static int check_packed(const uint8_t *buf, size_t len)
{
	bool is_first = true;

	while (len) {
		const uint8_t *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		if (!(is_first && n && buf[0] == '#') && !packed_line(buf, n))
			return -EBADMSG;
		is_first = false;
		buf += n + (nl != NULL);
		len -= n + (nl != NULL);
	}
	return 0;
}

int gitstate_check(enum gitstate_kind kind, const uint8_t *buf, size_t len)
{
	switch (kind) {
	case GITSTATE_HEAD:
		return check_lines(buf, len, head_line, 1);
	case GITSTATE_OID:
		return check_lines(buf, len, oid_line, 1);
	case GITSTATE_OIDS:
		return check_lines(buf, len, oid_line, 4096);
	case GITSTATE_TEXT:
		return memchr(buf, '\0', len) ? -EBADMSG : 0;
	case GITSTATE_PACKED:
		return check_packed(buf, len);
	case GITSTATE_INDEX:
		return len >= 12 && !memcmp(buf, "DIRC", 4) ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}

bool gitstate_todo_has_exec(const uint8_t *buf, size_t len)
{
	if (memchr(buf, '\0', len))
		return true;
	while (len) {
		const uint8_t *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len, i = 0, w;

		while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		for (w = i; w < n && buf[w] > ' '; w++)
			;
		/* Git takes a command's name or its one-letter form */
		if ((w - i == 4 && !strncasecmp((const char *)buf + i, "exec",
						4)) ||
		    (w - i == 1 && (buf[i] == 'x' || buf[i] == 'X')))
			return true;
		buf += n + (nl != NULL);
		len -= n + (nl != NULL);
	}
	return false;
}

/* One word of @line from *@at on (blanks skipped): its start and length */
static size_t next_word(const uint8_t *line, size_t n, size_t *at,
			const uint8_t **w)
{
	size_t i = *at, start;

	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	start = i;
	while (i < n && line[i] > ' ')
		i++;
	*at = i;
	*w = line + start;
	return i - start;
}

static bool word_is(const uint8_t *w, size_t len, const char *a,
		    const char *b)
{
	return (len == strlen(a) && !memcmp(w, a, len)) ||
	       (b && len == strlen(b) && !memcmp(w, b, len));
}

/* A full object id: 40 hex digits. Return: 0 or -EBADMSG */
static int full_id(const uint8_t *w, size_t len, uint8_t id[GITSTATE_ID_LEN])
{
	_Static_assert(GITSTATE_ID_LEN == GITOBJ_ID_LEN, "one object id size");
	if (len != GITOBJ_HEX_LEN)
		return -EBADMSG;
	return gitobj_hex_id((const char *)w, len, id);
}

static int add_item(struct gitstate_todo_line *l, enum gitstate_item_kind k,
		    const uint8_t *w, size_t len)
{
	if (l->n >= GITSTATE_LINE_ITEMS)
		return -E2BIG;
	l->item[l->n].kind = k;
	if (k == GITSTATE_COMMIT) {
		if (full_id(w, len, l->item[l->n].id) < 0)
			return -EBADMSG;
	} else {
		if (len == 0 || len >= GITSTATE_LABEL_MAX)
			return len ? -E2BIG : -EBADMSG;
		memcpy(l->item[l->n].label, w, len);
		l->item[l->n].label[len] = '\0';
	}
	l->n++;
	return 0;
}

/* A commit or a label: a full id is a commit, anything else a label */
static int add_ref(struct gitstate_todo_line *l, const uint8_t *w, size_t len)
{
	uint8_t id[GITSTATE_ID_LEN];

	return add_item(l, full_id(w, len, id) == 0 ? GITSTATE_COMMIT :
						     GITSTATE_LABEL_USE,
			w, len);
}

/* merge [-C ID | -c ID] PARENT... [# subject] */
static int merge_line(struct gitstate_todo_line *l, const uint8_t *line,
		      size_t n, size_t at)
{
	const uint8_t *w;
	size_t len;
	int err = 0;

	while (err == 0 && (len = next_word(line, n, &at, &w)) && w[0] != '#') {
		if (word_is(w, len, "-C", "-c")) {
			len = next_word(line, n, &at, &w);
			err = add_item(l, GITSTATE_COMMIT, w, len);
		} else {
			err = add_ref(l, w, len);
		}
	}
	return err;
}

/* One command line, its first word @cmd already read up to @at */
static int todo_command(struct gitstate_todo_line *l, const uint8_t *line,
			size_t n, size_t at, const uint8_t *cmd, size_t cl)
{
	static const char *const picks[][2] = {
		{ "pick", "p" },   { "reword", "r" }, { "edit", "e" },
		{ "squash", "s" }, { "fixup", "f" },  { "revert", NULL },
	};
	static const char *const quiet[][2] = {
		{ "drop", "d" }, { "break", "b" }, { "noop", NULL },
		{ "update-ref", "u" },
	};
	const uint8_t *w;
	size_t len;

	for (size_t i = 0; i < ARRAY_SIZE(picks); i++) {
		if (!word_is(cmd, cl, picks[i][0], picks[i][1]))
			continue;
		/* fixup -C / -c: options before the commit */
		while ((len = next_word(line, n, &at, &w)) && w[0] == '-')
			;
		return add_item(l, GITSTATE_COMMIT, w, len);
	}
	for (size_t i = 0; i < ARRAY_SIZE(quiet); i++)
		if (word_is(cmd, cl, quiet[i][0], quiet[i][1]))
			return 0;
	if (word_is(cmd, cl, "label", "l")) {
		len = next_word(line, n, &at, &w);
		return add_item(l, GITSTATE_LABEL_DEF, w, len);
	}
	if (word_is(cmd, cl, "reset", "t")) {
		len = next_word(line, n, &at, &w);
		/* "[new root]": an empty tree, nothing to check */
		return len && w[0] == '[' ? 0 : add_ref(l, w, len);
	}
	if (word_is(cmd, cl, "merge", "m"))
		return merge_line(l, line, n, at);
	return -EBADMSG;	/* exec, or a command git does not know */
}

int gitstate_todo_line(struct cursor *c, struct gitstate_todo_line *l)
{
	const uint8_t *line = c->p, *nl, *cmd;
	size_t n, at = 0, cl;
	int err;

	l->n = 0;
	if (!c->left)
		return 0;
	nl = memchr(c->p, '\n', c->left);
	n = nl ? (size_t)(nl - c->p) : c->left;
	c->p += n + (nl != NULL);
	c->left -= n + (nl != NULL);
	if (memchr(line, '\0', n))
		return -EBADMSG;
	cl = next_word(line, n, &at, &cmd);
	if (!cl || cmd[0] == '#')
		return 1;
	err = todo_command(l, line, n, at, cmd, cl);
	return err < 0 ? err : 1;
}

/* Does @line (@n bytes) name a path with component @name? */
static bool line_names(const uint8_t *line, size_t n, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; nl && i + nl <= n; i++) {
		bool starts = i == 0 || line[i - 1] == '/' ||
			      line[i - 1] == ' ' || line[i - 1] == '"' ||
			      line[i - 1] == '\t';
		uint8_t after = i + nl < n ? line[i + nl] : '\0';

		if (starts && !memcmp(line + i, name, nl) &&
		    (after == '\0' || after == '/' || after == '"' ||
		     after == ' ' || after == '\t' || after == '\r'))
			return true;
	}
	return false;
}

bool gitstate_patch_names(const uint8_t *buf, size_t len, const char *name)
{
	static const char *const heads[] = { "diff --git ", "--- ", "+++ ",
					     "rename from ", "rename to ",
					     "copy from ", "copy to " };

	if (memchr(buf, '\0', len))
		return true;
	while (len) {
		const uint8_t *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		for (size_t i = 0; i < ARRAY_SIZE(heads); i++) {
			size_t hl = strlen(heads[i]);

			if (n >= hl && !memcmp(buf, heads[i], hl) &&
			    line_names(buf + hl, n - hl, name))
				return true;
		}
		buf += n + (nl != NULL);
		len -= n + (nl != NULL);
	}
	return false;
}

int gitstate_next_line_id(struct cursor *c, uint8_t id[GITSTATE_ID_LEN])
{
	while (c->left) {
		const uint8_t *line = c->p, *nl = memchr(c->p, '\n', c->left);
		size_t n = nl ? (size_t)(nl - c->p) : c->left;
		size_t h = 2 * (size_t)GITSTATE_ID_LEN;

		c->p += n + (nl != NULL);
		c->left -= n + (nl != NULL);
		if (n >= h &&
		    (n == h || line[h] == '\t' || line[h] == ' ' ||
		     line[h] == '\r') &&
		    full_id(line, h, id) == 0)
			return 1;
	}
	return 0;
}

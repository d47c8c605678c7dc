// SPDX-License-Identifier: MIT
/*
 * gitreader.c - git's configuration file format, one entry at a time, and
 * which entries may be carried into a jail
 *
 * The one reader of git's configuration files: the identity carried into
 * the jail (config/gitident.c) and the paths a git dir's configuration
 * points at (gitconfig.c) both read through gitrd_next().
 *
 * Trust: the input is the host user's own git configuration, which a jail
 * with --rw of the home or of a dotfiles repository could have written,
 * or a git dir's or an included file the jail may have written, so it is
 * read as hostile: every bound below is enforced, nothing is
 * followed (include.path, includeIf), and what is carried is decided by
 * an allowlist of keys and of value bytes, never by the file.
 *
 * Bounds: a section name of GITRD_SECTION_MAX bytes, a subsection of
 * GITRD_SUB_MAX, a key of GITRD_NAME_MAX, a value of GITRD_VALUE_MAX
 * (after unquoting). A longer part is cut and the entry marked, never an
 * error: git has no such bounds, and a reader that stopped there would
 * miss what git reads after it (gitconfig.c looks for core.hooksPath and
 * include paths). Each call reads one entry, so the caller's loop is
 * bounded by the input's length.
 */
#include "jail.h"
#include "parse/parse.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

static char lower(char c)
{
	unsigned char u = (unsigned char)c;

	if (u >= 'A' && u <= 'Z')
		u = (unsigned char)(u | 0x20);
	return (char)u;
}

static void skip_line(struct gitrd_state *st)
{
	while (st->left && *st->p != '\n') {
		st->p++;
		st->left--;
	}
}

static void skip_spaces(struct gitrd_state *st)
{
	while (st->left && is_space(*st->p)) {
		st->p++;
		st->left--;
	}
}

/* Append @c to @buf (room for @cap bytes and a NUL), or mark it cut */
static void put_cut(char *buf, size_t cap, size_t *n, char c, bool *cut)
{
	if (*n < cap)
		buf[(*n)++] = c;
	else
		*cut = true;
	buf[*n] = '\0';
}

/*
 * "[section]", "[section "sub"]" or the old "[section.sub]" (whose sub
 * git lower-cases). A part longer than its bound is cut and marked, and
 * reading goes on: git has no such bound, so what follows still counts.
 */
static int parse_header(struct gitrd_state *st)
{
	size_t n = 0, k = 0;
	bool old_form = false;

	st->p++;
	st->left--;
	st->is_cut = st->sub_is_cut = false;
	st->section[0] = st->sub[0] = '\0';
	while (st->left && (is_name_char(*st->p) || *st->p == '.')) {
		if (*st->p == '.' && !old_form)
			old_form = true;
		else if (old_form)
			put_cut(st->sub, GITRD_SUB_MAX, &k, lower(*st->p),
				&st->sub_is_cut);
		else
			put_cut(st->section, GITRD_SECTION_MAX, &n,
				lower(*st->p), &st->is_cut);
		st->p++;
		st->left--;
	}
	if (!n)
		return -EBADMSG;
	skip_spaces(st);
	if (st->left && *st->p == '"' && !old_form) {
		st->p++;
		st->left--;
		while (st->left && *st->p != '"') {
			char c = *st->p;

			if (c == '\n' || c == '\0')
				return -EBADMSG;
			if (c == '\\' && st->left > 1) {
				st->p++;
				st->left--;
				c = *st->p;
			}
			put_cut(st->sub, GITRD_SUB_MAX, &k, c,
				&st->sub_is_cut);
			st->p++;
			st->left--;
		}
		if (!st->left)
			return -EBADMSG;
		st->p++;
		st->left--;
	}
	if (!st->left || *st->p != ']')
		return -EBADMSG;
	st->p++;
	st->left--;
	return 0;
}

/* Append @c to the value, or mark it cut */
static void put(struct gitrd_entry *e, size_t *n, char c)
{
	put_cut(e->value, GITRD_VALUE_MAX, n, c, &e->value_is_cut);
}

static int unescape(char c, char *out)
{
	switch (c) {
	case 'n':
		*out = '\n';
		return 0;
	case 't':
		*out = '\t';
		return 0;
	case 'b':
		*out = '\b';
		return 0;
	case '\\':
	case '"':
		*out = c;
		return 0;
	}
	return -EBADMSG;
}

/*
 * The value after "=": quotes group, backslash escapes, a backslash at
 * the end of a line continues it, an unquoted # or ; starts a comment,
 * and unquoted trailing spaces are dropped
 */
static int parse_value(struct gitrd_state *st, struct gitrd_entry *e)
{
	size_t n = 0, keep = 0;
	bool quoted = false;

	skip_spaces(st);
	while (st->left) {
		char c = *st->p;

		if (c == '\n' || c == '\0')
			break;
		st->p++;
		st->left--;
		if (c == '"') {
			quoted = !quoted;
			keep = n;
			continue;
		}
		if (!quoted && (c == '#' || c == ';')) {
			skip_line(st);
			break;
		}
		if (c == '\\') {
			if (!st->left)
				return -EBADMSG;
			c = *st->p;
			st->p++;
			st->left--;
			if (c == '\r' && st->left && *st->p == '\n') {
				st->p++;
				st->left--;
				continue;	/* a continued CRLF line */
			}
			if (c == '\n')
				continue;
			if (unescape(c, &c) < 0)
				return -EBADMSG;
			put(e, &n, c);
			keep = n;
		} else {
			put(e, &n, c);
			if (quoted || !is_space(c))
				keep = n;
		}
	}
	if (quoted || (st->left && *st->p == '\0'))
		return -EBADMSG;
	e->value[keep < n ? keep : n] = '\0';
	return 0;
}

static int parse_entry(struct gitrd_state *st, struct gitrd_entry *e)
{
	size_t n = 0;

	if (!st->section[0])
		return -EBADMSG;	/* a key before any section */
	e->is_cut = st->is_cut;
	e->sub_is_cut = st->sub_is_cut;
	e->value_is_cut = false;
	e->name[0] = '\0';
	while (st->left && is_name_char(*st->p)) {
		put_cut(e->name, GITRD_NAME_MAX, &n, lower(*st->p), &e->is_cut);
		st->p++;
		st->left--;
	}
	if (!n || !((e->name[0] >= 'a' && e->name[0] <= 'z')))
		return -EBADMSG;
	memcpy(e->section, st->section, sizeof(e->section));
	memcpy(e->sub, st->sub, sizeof(e->sub));
	skip_spaces(st);
	e->has_value = st->left && *st->p == '=';
	e->value[0] = '\0';
	if (e->has_value) {
		st->p++;
		st->left--;
		return parse_value(st, e);
	}
	if (st->left && (*st->p == '#' || *st->p == ';'))
		skip_line(st);
	if (st->left && *st->p != '\n')
		return -EBADMSG;
	return 0;
}

void gitrd_init(struct gitrd_state *st, const char *buf, size_t len)
{
	memset(st, 0, sizeof(*st));
	st->p = buf;
	st->left = len;
	/* A UTF-8 byte order mark, as git allows */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		st->p += 3;
		st->left -= 3;
	}
}

int gitrd_next(struct gitrd_state *st, struct gitrd_entry *e)
{
	int err;

	while (st->left) {
		char c = *st->p;

		if (is_space(c) || c == '\n') {
			st->p++;
			st->left--;
		} else if (c == '#' || c == ';') {
			skip_line(st);
		} else if (c == '[') {
			err = parse_header(st);
			if (err)
				return err;
		} else {
			err = parse_entry(st, e);
			return err ? err : 1;
		}
	}
	return 0;
}

/*
 * Keys carried as they are: the identity and settings that neither run a
 * program on the host's behalf nor hold a credential. core.editor and
 * core.pager name programs, but only programs inside the jail: they run
 * there, with the jail's rights, as any command typed there would.
 * Everything else stays out: credential.*, url.*.insteadOf (may hold
 * tokens), http.*, include*, core.sshCommand, core.fsmonitor,
 * core.hooksPath, filter.*, diff.*.textconv, diff.external, *.tool,
 * pager.*, gpg.*, commit.gpgSign (the agent has no key, and git would
 * refuse to commit), user.signingKey.
 */
static const char *const carried_keys[] = {
	"user.name", "user.email", "user.useconfigonly",
	"author.name", "author.email", "committer.name", "committer.email",
	"init.defaultbranch",
	"core.editor", "core.pager", "core.autocrlf", "core.eol",
	"core.safecrlf", "core.quotepath", "core.whitespace", "core.abbrev",
	"core.commentchar", "core.commentstring",
	"pull.rebase", "pull.ff", "push.default", "push.autosetupremote",
	"push.followtags", "fetch.prune", "fetch.prunetags",
	"rebase.autostash", "rebase.autosquash", "rebase.updaterefs",
	"merge.conflictstyle", "merge.ff", "merge.log",
	"diff.algorithm", "diff.colormoved", "diff.colormovedws",
	"diff.renames", "diff.renamelimit", "diff.mnemonicprefix",
	"diff.noprefix", "diff.context", "diff.indentheuristic",
	"status.short", "status.branch", "status.showuntrackedfiles",
	"commit.verbose", "commit.status", "log.date", "log.decorate",
	"log.abbrevcommit", "log.follow", "format.pretty", "branch.sort",
	"branch.autosetuprebase", "branch.autosetupmerge", "tag.sort",
	"column.ui", "help.autocorrect", "rerere.enabled",
	"rerere.autoupdate", "grep.linenumber", "grep.patterntype",
	"blame.date", "apply.whitespace",
};

/* Printable ASCII or well-formed UTF-8; no control byte, no newline */
static bool is_plain_text(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t left = strlen(s);

	while (left) {
		size_t n = *p >= 0x80 ? utf8_len(p, left) : 1;

		if (!n || (*p < 0x20 || *p == 0x7f))
			return false;
		p += n;
		left -= n;
	}
	return true;
}

/* Color specifications: names, numbers, #rrggbb, attributes */
static bool is_color_value(const char *s)
{
	for (; *s; s++)
		if (!is_name_char(*s) && *s != ' ' && *s != '#' && *s != '_')
			return false;
	return true;
}

bool gitrd_is_carried(const struct gitrd_entry *e)
{
	char key[GITRD_SECTION_MAX + GITRD_NAME_MAX + 2];

	if (e->is_cut || e->sub_is_cut || e->value_is_cut)
		return false;
	if (!is_plain_text(e->value) || !is_plain_text(e->sub))
		return false;
	if (!strcmp(e->section, "color"))
		return is_color_value(e->value);
	if (!strcmp(e->section, "advice"))
		return !e->sub[0] && is_color_value(e->value);
	/* An alias that starts with "!" runs a shell command */
	if (!strcmp(e->section, "alias"))
		return !e->sub[0] && e->has_value &&
		       e->value[strspn(e->value, " \t")] != '!';
	if (e->sub[0])
		return false;
	snprintf(key, sizeof(key), "%s.%s", e->section, e->name);
	for (size_t i = 0; i < ARRAY_SIZE(carried_keys); i++)
		if (!strcmp(key, carried_keys[i]))
			return true;
	return false;
}

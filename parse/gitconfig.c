// SPDX-License-Identifier: MIT
/*
 * gitconfig.c - pure parsers of git's control files, read from git dirs
 * and trees the jail could write
 *
 * Trust: none. A config file may come from a tree the jail wrote in an
 * earlier run (an included file, a config.worktree) and a state file from
 * the private git dir the jail used during this run. Each function here
 * takes bytes and a length, writes only its output struct, never reads
 * past @len and bounds every loop by @len; values longer than
 * GITCFG_VALUE_MAX are cut (and so never name a real path).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "parse/parse.h"

struct cfg_cursor {
	const uint8_t *p;
	size_t left;
};

static int peek(const struct cfg_cursor *c)
{
	return c->left ? c->p[0] : -1;
}

static void adv(struct cfg_cursor *c)
{
	if (c->left) {
		c->p++;
		c->left--;
	}
}

static void skip_blank(struct cfg_cursor *c)
{
	while (peek(c) == ' ' || peek(c) == '\t' || peek(c) == '\r')
		adv(c);
}

static void skip_line(struct cfg_cursor *c)
{
	while (c->left && peek(c) != '\n')
		adv(c);
	adv(c);
}

/* The section we are in: name lower-cased, subsection as written */
struct section {
	char name[64];
	char sub[GITCFG_VALUE_MAX];
	bool has_sub;
	bool is_cut;		/* longer than the buffers: never matches */
};

static void put_char(char *buf, size_t cap, size_t *n, int ch, bool *cut)
{
	if (*n + 1 < cap)
		buf[(*n)++] = (char)ch;
	else
		*cut = true;
	buf[*n] = '\0';
}

/* "[name \"sub\"]" or "[name.sub]"; the cursor is past '[' */
static int parse_section(struct cfg_cursor *c, struct section *s)
{
	size_t n = 0, k = 0;

	memset(s, 0, sizeof(*s));
	while (isalnum(peek(c)) || peek(c) == '-' || peek(c) == '.') {
		int ch = tolower(peek(c));

		/* Old form: [section.sub], the sub lower-cased too */
		if (ch == '.' && !s->has_sub) {
			s->has_sub = true;
		} else if (s->has_sub) {
			put_char(s->sub, sizeof(s->sub), &k, ch, &s->is_cut);
		} else {
			put_char(s->name, sizeof(s->name), &n, ch, &s->is_cut);
		}
		adv(c);
	}
	if (peek(c) == ' ' || peek(c) == '\t') {
		skip_blank(c);
		if (peek(c) != '"' || s->has_sub)
			return -EINVAL;
		adv(c);
		s->has_sub = true;
		for (;;) {
			int ch = peek(c);

			if (ch < 0 || ch == '\n')
				return -EINVAL;
			adv(c);
			if (ch == '"')
				break;
			if (ch == '\\') {
				ch = peek(c);
				if (ch < 0 || ch == '\n')
					return -EINVAL;
				adv(c);
			}
			put_char(s->sub, sizeof(s->sub), &k, ch, &s->is_cut);
		}
	}
	if (peek(c) != ']' || !n)
		return -EINVAL;
	adv(c);
	return 0;
}

/*
 * A value up to the end of its (possibly continued) line, unquoted and
 * unescaped like git does; the cursor ends past the newline
 */
static int parse_value(struct cfg_cursor *c, char *out, size_t cap,
		       bool *cut)
{
	bool in_quote = false;
	size_t n = 0, keep = 0;	/* keep: length without trailing blanks */

	out[0] = '\0';
	skip_blank(c);
	for (;;) {
		int ch = peek(c);

		if (ch < 0 || (ch == '\n' && !in_quote))
			break;
		if (ch == '\n')
			return -EINVAL;	/* a newline inside quotes */
		adv(c);
		if (!in_quote && (ch == '#' || ch == ';')) {
			skip_line(c);
			n = keep;
			out[n] = '\0';
			return 0;
		}
		if (ch == '"') {
			in_quote = !in_quote;
			keep = n;
			continue;
		}
		if (ch == '\\') {
			int e = peek(c);

			adv(c);
			if (e == '\n')
				continue;	/* continuation line */
			if (e == '\r' && peek(c) == '\n') {
				adv(c);
				continue;
			}
			ch = e == 'n' ? '\n' : e == 't' ? '\t' :
			     e == 'b' ? '\b' : e == '\\' ? '\\' :
			     e == '"' ? '"' : -1;
			if (ch < 0)
				return -EINVAL;
			put_char(out, cap, &n, ch, cut);
			keep = n;
			continue;
		}
		put_char(out, cap, &n, ch, cut);
		if (in_quote || (ch != ' ' && ch != '\t' && ch != '\r'))
			keep = n;
	}
	if (in_quote)
		return -EINVAL;
	adv(c);
	n = keep < n ? keep : n;
	out[n] = '\0';
	return 0;
}

static void record(const struct section *s, const char *key,
		   const char *value, bool cut, struct gitcfg_refs *out)
{
	if (s->is_cut || cut)
		return;
	if (!strcmp(s->name, "core") && !s->has_sub &&
	    !strcasecmp(key, "hookspath")) {
		memcpy(out->hooks_path, value, strlen(value) + 1);
		return;
	}
	if (!strcmp(s->name, "core") && !s->has_sub &&
	    !strcasecmp(key, "worktree")) {
		memcpy(out->worktree, value, strlen(value) + 1);
		return;
	}
	if (strcasecmp(key, "path") || !value[0])
		return;
	if ((!strcmp(s->name, "include") && !s->has_sub) ||
	    (!strcmp(s->name, "includeif") && s->has_sub)) {
		if (out->n_include >= GITCFG_MAX_PATHS) {
			out->n_dropped++;
			return;
		}
		memcpy(out->include[out->n_include++], value,
		       strlen(value) + 1);
	}
}

/* "name [= value]" at the cursor, within section @s */
static int parse_entry(struct cfg_cursor *c, const struct section *s,
		       struct gitcfg_refs *out)
{
	static const size_t key_cap = 64;
	char key[64], value[GITCFG_VALUE_MAX];
	size_t n = 0;
	bool cut = false;
	int err;

	if (!isalpha(peek(c)))
		return -EINVAL;
	while (isalnum(peek(c)) || peek(c) == '-') {
		put_char(key, key_cap, &n, peek(c), &cut);
		adv(c);
	}
	skip_blank(c);
	if (peek(c) != '=') {
		/* A boolean "name" alone, maybe followed by a comment */
		if (peek(c) == '#' || peek(c) == ';' || peek(c) == '\n' ||
		    peek(c) < 0) {
			skip_line(c);
			return 0;
		}
		return -EINVAL;
	}
	adv(c);
	err = parse_value(c, value, sizeof(value), &cut);
	if (err < 0)
		return err;
	if (!s->name[0])
		return -EINVAL;	/* an entry before any section */
	record(s, key, value, cut, out);
	return 0;
}

int gitcfg_parse(const uint8_t *buf, size_t len, struct gitcfg_refs *out)
{
	struct cfg_cursor c = { buf, len };
	struct section s;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	if (len > GITCFG_INPUT_MAX)
		return -E2BIG;
	/* A UTF-8 byte order mark, as git allows */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		c.p += 3;
		c.left -= 3;
	}
	while (c.left) {
		int ch, err = 0;

		skip_blank(&c);
		ch = peek(&c);
		if (ch < 0)
			break;
		if (ch == '\n') {
			adv(&c);
			continue;
		}
		if (ch == '#' || ch == ';') {
			skip_line(&c);
			continue;
		}
		if (ch == '[') {
			adv(&c);
			err = parse_section(&c, &s);
			if (err < 0)
				return err;
			/* An entry may follow on the header's own line */
			skip_blank(&c);
			ch = peek(&c);
			if (ch == '\n' || ch < 0 || ch == '#' || ch == ';') {
				skip_line(&c);
				continue;
			}
		}
		err = parse_entry(&c, &s, out);
		if (err < 0)
			return err;
	}
	return 0;
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

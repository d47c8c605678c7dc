// SPDX-License-Identifier: MIT
/*
 * cmdrefs.c - the files an agent's JSON settings name as commands
 *
 * Claude Code runs what its settings name without asking: hooks'
 * "command", "statusLine"'s "command", "apiKeyHelper" and the other
 * helpers. The settings file is protected; the script it names
 * (~/.claude/statusline.sh, $CLAUDE_PROJECT_DIR/.claude/hooks/fmt.sh,
 * ./scripts/lint.sh) must be too, or the jail rewrites it and the next
 * run of the agent outside the jail runs the new one.
 *
 * Trust: none. The file lies in a tree the jail could have written in an
 * earlier run. Only the lexical structure of JSON is followed (strings,
 * a string followed by ':' is a key); a malformed file ends the scan
 * with what was found. Every loop is bounded by @len; words longer than
 * CMDREF_LEN - 1 bytes and words beyond CMDREF_MAX are dropped (counted).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "jail.h"
#include "parse/parse.h"

#define KEY_MAX 32

/* Keys whose string value (or array of strings) is run as a command */
static const char *const command_keys[] = {
	"command", "args", "apikeyhelper", "awsauthrefresh",
	"awscredentialexport", "otelheadershelper",
};

static bool is_command_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(command_keys); i++)
		if (!strcmp(key, command_keys[i]))
			return true;
	return false;
}

/* A byte that ends a word of a shell command line */
static bool is_break(unsigned char c)
{
	return isspace(c) || strchr(";&|()<>'\"`=", c) || c == '\0';
}

static void add_word(struct cmdrefs *out, const char *w, size_t n,
		     bool is_program)
{
	if (!n || !memchr(w, '/', n))
		return;
	if (n >= CMDREF_LEN || out->n >= CMDREF_MAX) {
		out->n_dropped++;
		return;
	}
	memcpy(out->path[out->n], w, n);
	out->path[out->n][n] = '\0';
	out->is_program[out->n++] = is_program;
}

/* A byte after which the shell expects a program name */
static bool starts_command(unsigned char c)
{
	return c == ';' || c == '&' || c == '|' || c == '(' || c == '\n' ||
	       c == '`';
}

/*
 * The words of command line @s (@n bytes) that name a path; @may_run:
 * its first word is a program (else an argument of one)
 */
static void add_words(struct cmdrefs *out, const char *s, size_t n,
		      bool may_run)
{
	bool at_start = may_run;
	size_t i = 0;

	while (i < n) {
		size_t start;

		while (i < n && is_break((unsigned char)s[i])) {
			if (starts_command((unsigned char)s[i]))
				at_start = true;
			i++;
		}
		start = i;
		while (i < n && !is_break((unsigned char)s[i]))
			i++;
		if (i > start) {
			add_word(out, s + start, i - start, at_start);
			at_start = false;
		}
	}
}

/*
 * Read the JSON string at @p (just past its '"'), unescaped into @buf
 * (cut at @size - 1 bytes, *@cut set). \uXXXX becomes '?': no path we
 * follow needs one. Return: bytes consumed with the closing '"', or 0
 * when the string does not end
 */
static size_t read_string(const uint8_t *p, size_t left, char *buf,
			  size_t size, bool *cut)
{
	size_t i = 0, k = 0;

	*cut = false;
	while (i < left && p[i] != '"') {
		char c = (char)p[i++];

		if (c == '\\') {
			if (i >= left)
				return 0;
			c = (char)p[i++];
			if (c == 'u') {
				if (left - i < 4)
					return 0;
				i += 4;
				c = '?';
			} else if (c == 'n') {
				c = '\n';
			} else if (c == 't' || c == 'r' || c == 'b' ||
				   c == 'f') {
				c = ' ';
			}
		}
		if (k + 1 < size)
			buf[k++] = c;
		else
			*cut = true;
	}
	if (i >= left)
		return 0;
	buf[k] = '\0';
	return i + 1;
}

static size_t skip_space(const uint8_t *p, size_t left)
{
	size_t i = 0;

	while (i < left && isspace(p[i]))
		i++;
	return i;
}

/* @c in lower case, ASCII letters only (JSON keys we know are ASCII) */
static char ascii_lower(char c)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz";

	if (c >= 'A' && c <= 'Z')
		return lower[c - 'A'];
	return c;
}

int cmdrefs_from_json(const uint8_t *buf, size_t len, struct cmdrefs *out)
{
	char str[CMDREF_LEN * 4] = "";
	char key[KEY_MAX + 1] = "";
	size_t i = 0, n_values = 0;	/* strings since the key */

	memset(out, 0, sizeof(*out));
	if (len > CMDREF_INPUT_MAX)
		return -E2BIG;
	while (i < len) {
		size_t used, k;
		bool cut;

		if (buf[i] != '"') {
			/* A new object member starts a new key */
			if (buf[i] == '{' || buf[i] == '}')
				key[0] = '\0';
			i++;
			continue;
		}
		used = read_string(buf + i + 1, len - i - 1, str, sizeof(str),
				   &cut);
		if (!used)
			return -EINVAL;
		i += 1 + used;
		k = skip_space(buf + i, len - i);
		if (i + k < len && buf[i + k] == ':') {
			size_t n = strlen(str);

			/* A key too long is none we know */
			memset(key, 0, sizeof(key));
			for (size_t j = 0; j < n && n <= KEY_MAX; j++)
				key[j] = ascii_lower(str[j]);
			n_values = 0;
			i += k + 1;
			continue;
		}
		/* A program: the first string of "command", never "args" */
		if (is_command_key(key)) {
			if (cut)
				out->n_dropped++;
			else
				add_words(out, str, strlen(str),
					  !n_values && strcmp(key, "args"));
		}
		n_values++;
	}
	return 0;
}

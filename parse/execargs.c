// SPDX-License-Identifier: MIT
/*
 * execargs.c - what an execve() caller claims to run, made into the
 * bounded text of an exec event
 *
 * Trust: every byte comes from the memory of a process inside the jail,
 * read by the supervisor while the caller waits in execve(). The pointer
 * array may be unterminated, the strings may not end within what was read,
 * and any byte may be anything. Bounds: at most EXEC_ARGS_SHOWN arguments
 * are rendered, each from at most EXEC_ARG_READ bytes, into a caller's
 * buffer that is never overrun; what does not fit is cut with a marker.
 */
#include "jail.h"
#include "parse/parse.h"

/* Bytes that need no quoting in a shell word */
static bool is_plain(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("_@%+=:,./-", c);
}

int exec_argv_count(const uint8_t *p, size_t len, size_t *argc,
		    bool *is_complete)
{
	size_t n = len / sizeof(uint64_t), i;

	*argc = 0;
	*is_complete = false;
	for (i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, p + i * sizeof(v), sizeof(v));
		if (!v) {
			*is_complete = true;
			break;
		}
	}
	*argc = i;
	return 0;
}

uint64_t exec_argv_ptr(const uint8_t *p, size_t len, size_t i)
{
	uint64_t v = 0;

	if (i >= len / sizeof(v))
		return 0;
	memcpy(&v, p + i * sizeof(v), sizeof(v));
	return v;
}

struct sink {
	char *p;
	size_t len;	/* room, NUL excluded */
	size_t used;
};

static bool sink_put(struct sink *s, const char *text, size_t n)
{
	if (s->len - s->used < n)
		return false;
	memcpy(s->p + s->used, text, n);
	s->used += n;
	s->p[s->used] = '\0';
	return true;
}

/* One byte as it is shown: itself, or \xNN for control bytes and DEL */
static size_t show_byte(uint8_t c, char out[5])
{
	if (c < 0x20 || c == 0x7f) {
		snprintf(out, 5, "\\x%02x", c);
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

/*
 * Append @a's bytes up to its NUL, quoted when @quote, stopping while
 * @reserve bytes are still free. Return: true if the whole argument fit.
 */
static bool put_word(struct sink *s, const struct exec_arg *a, bool quote,
		     size_t reserve)
{
	size_t end = strnlen((const char *)a->p, a->len), i;
	char b[5];

	if (quote && !sink_put(s, "'", 1))
		return false;
	for (i = 0; i < end; i++) {
		size_t n = show_byte(a->p[i], b);
		const char *w = b;

		/* A quote inside quotes: close, escaped quote, reopen */
		if (quote && a->p[i] == '\'') {
			w = "'\\''";
			n = 4;
		}
		if (s->len - s->used < n + reserve)
			break;
		sink_put(s, w, n);
	}
	if (quote && !sink_put(s, "'", 1))
		return false;
	/* No NUL within what was read: the argument is longer */
	return i == end && end < a->len;
}

static bool needs_quotes(const struct exec_arg *a)
{
	size_t end = strnlen((const char *)a->p, a->len);

	if (!end)
		return true;
	for (size_t i = 0; i < end; i++)
		if (!is_plain(a->p[i]))
			return true;
	return false;
}

int exec_render_text(const struct exec_arg *a, char *out, size_t out_len)
{
	struct sink s = { out, out_len ? out_len - 1 : 0, 0 };

	if (out_len < sizeof(EXEC_CUT_MARK) + 1)
		return -E2BIG;
	out[0] = '\0';
	if (!put_word(&s, a, false, sizeof(EXEC_CUT_MARK) - 1))
		sink_put(&s, EXEC_CUT_MARK, sizeof(EXEC_CUT_MARK) - 1);
	return (int)s.used;
}

/* " [+N more arguments]", or " [more arguments]" when N is unknown */
static void put_more(struct sink *s, size_t n_more, bool is_known)
{
	char m[EXEC_MORE_MAX];
	int n = is_known ? snprintf(m, sizeof(m), " [+%zu more arguments]",
				    n_more) :
			   snprintf(m, sizeof(m), " [more arguments]");

	/* Nothing before it (argv unreadable): no leading space */
	if (!s->used)
		sink_put(s, m + 1, (size_t)n - 1);
	else
		sink_put(s, m, (size_t)n);
}

int exec_render_argv(const struct exec_arg *a, size_t n_read, size_t argc,
		     bool is_complete, char *out, size_t out_len)
{
	struct sink s = { out, out_len ? out_len - 1 : 0, 0 };
	/* Room kept for a cut marker and the list's marker */
	const size_t reserve = sizeof(EXEC_CUT_MARK) - 1 + EXEC_MORE_MAX;
	size_t i;

	if (out_len < reserve + 8 || n_read > argc)
		return -E2BIG;
	out[0] = '\0';
	for (i = 0; i < n_read; i++) {
		if (i && !sink_put(&s, " ", 1))
			break;
		if (!put_word(&s, &a[i], needs_quotes(&a[i]), reserve)) {
			sink_put(&s, EXEC_CUT_MARK, sizeof(EXEC_CUT_MARK) - 1);
			i++;
			break;
		}
		if (s.len - s.used < reserve + 2) {
			i++;
			break;
		}
	}
	if (i < argc || !is_complete)
		put_more(&s, argc - i, is_complete);
	return (int)s.used;
}

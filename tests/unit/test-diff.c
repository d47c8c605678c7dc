// SPDX-License-Identifier: MIT
/*
 * test-diff.c - unit tests for diff.c: the git patch format, hunks that
 * apply back exactly, the bounds
 */
#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/diffapply.h"
#include "tests/unit/tap.h"

struct mem {
	char *buf;
	size_t len, cap;
};

static int mem_write(void *ctx, const void *p, size_t n)
{
	struct mem *m = ctx;

	if (m->len + n + 1 > m->cap) {
		m->cap = (m->len + n + 1) * 2;
		m->buf = realloc(m->buf, m->cap);
		if (!m->buf)
			return -ENOMEM;
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
	m->buf[m->len] = '\0';
	return 0;
}

static struct diff_blob blob(const char *s, unsigned int mode)
{
	return (struct diff_blob){ .is_present = s != NULL,
				   .mode = mode,
				   .data = (const uint8_t *)s,
				   .len = s ? strlen(s) : 0 };
}

/* Diff @a against @b as file "f"; caller frees */
static char *run(const char *path, struct diff_blob a, struct diff_blob b,
		 struct diff_stat *st, int *err)
{
	struct mem m = { 0 };
	struct diff_sink sink = { mem_write, &m };
	size_t na = a.is_present ? diff_count_lines(a.data, a.len) : 0;
	size_t nb = b.is_present ? diff_count_lines(b.data, b.len) : 0;
	size_t wl = diff_work_size(na, nb);
	void *w = malloc(wl ? wl : 1);

	*err = diff_entry(path, &a, &b, w, wl, &sink, st);
	free(w);
	if (!m.buf)
		m.buf = calloc(1, 1);
	return m.buf;
}

static void test_formats(void)
{
	struct diff_stat st;
	char *out;
	int err;

	out = run("f", blob("a\nb\nc\n", 0100644), blob("a\nB\nc\n", 0100644),
		  &st, &err);
	is_int(err, 0, "modified: ok");
	is_str(out,
	       "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n"
	       " a\n-b\n+B\n c\n",
	       "modified: one hunk with context");
	is_int(st.insertions, 1, "modified: 1 insertion");
	is_int(st.deletions, 1, "modified: 1 deletion");
	free(out);

	out = run("new.txt", blob(NULL, 0), blob("x\ny", 0100755), &st, &err);
	is_str(out,
	       "diff --git a/new.txt b/new.txt\nnew file mode 100755\n"
	       "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+x\n+y\n"
	       "\\ No newline at end of file\n",
	       "new file without a final newline");
	free(out);

	out = run("gone", blob("only\n", 0100644), blob(NULL, 0), &st, &err);
	is_str(out,
	       "diff --git a/gone b/gone\ndeleted file mode 100644\n"
	       "--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-only\n",
	       "deleted file, count 1 left out");
	free(out);

	out = run("e", blob(NULL, 0), blob("", 0100644), &st, &err);
	is_str(out, "diff --git a/e b/e\nnew file mode 100644\n",
	       "new empty file: header only");
	free(out);

	out = run("s.sh", blob("#!/bin/sh\n", 0100644),
		  blob("#!/bin/sh\n", 0100755), &st, &err);
	is_str(out,
	       "diff --git a/s.sh b/s.sh\nold mode 100644\nnew mode 100755\n",
	       "mode change only");
	free(out);

	out = run("l", blob("old-target", 0120000),
		  blob("new-target", 0120000), &st, &err);
	is_str(out,
	       "diff --git a/l b/l\n--- a/l\n+++ b/l\n@@ -1 +1 @@\n"
	       "-old-target\n\\ No newline at end of file\n+new-target\n"
	       "\\ No newline at end of file\n",
	       "symlink target change");
	free(out);

	out = run("same", blob("x\n", 0100644), blob("x\n", 0100644), &st,
		  &err);
	is_str(out, "", "identical sides: nothing");
	free(out);

	out = run("b", blob("a\0b", 0100644), blob("a\0c", 0100644), &st,
		  &err);
	/* strlen() stops at the NUL: build the blobs by hand */
	free(out);
	{
		struct diff_blob x = { true, false, 0100644,
				       (const uint8_t *)"a\0b", 3 };
		struct diff_blob y = { true, false, 0100644,
				       (const uint8_t *)"a\0c", 3 };

		out = run("bin", x, y, &st, &err);
		is_str(out,
		       "diff --git a/bin b/bin\n"
		       "Binary files a/bin and b/bin differ\n",
		       "binary file");
		ok(st.is_binary, "binary flagged");
		free(out);
	}

	out = run("a b", blob("1\n", 0100644), blob("2\n", 0100644), &st,
		  &err);
	is_str(out,
	       "diff --git a/a b b/a b\n--- a/a b\t\n+++ b/a b\t\n"
	       "@@ -1 +1 @@\n-1\n+2\n",
	       "a name with a space: tab after --- and +++");
	free(out);

	out = run("q\"\t\xc3\xa9", blob(NULL, 0), blob("", 0100644), &st,
		  &err);
	is_str(out,
	       "diff --git \"a/q\\\"\\t\\303\\251\" \"b/q\\\"\\t\\303\\251\"\n"
	       "new file mode 100644\n",
	       "a name git quotes");
	free(out);

	out = run("x", blob("a\n", 0100644), blob("a", 0100644), &st, &err);
	is_str(out,
	       "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+a\n"
	       "\\ No newline at end of file\n",
	       "final newline removed");
	free(out);

	out = run("", blob("a", 0100644), blob("b", 0100644), &st, &err);
	is_int(err, -EINVAL, "empty path refused");
	free(out);
	out = run("x", blob(NULL, 0), blob(NULL, 0), &st, &err);
	is_int(err, -EINVAL, "both sides absent refused");
	free(out);
}

static void test_hunks(void)
{
	struct mem a = { 0 }, b = { 0 };
	struct diff_stat st;
	char *out;
	int err;

	for (int i = 1; i <= 30; i++) {
		char l[16];

		snprintf(l, sizeof(l), "%d\n", i);
		mem_write(&a, l, strlen(l));
		if (i == 2)
			mem_write(&b, "two\n", 4);
		else if (i != 25)
			mem_write(&b, l, strlen(l));
	}
	out = run("n", blob(a.buf, 0100644), blob(b.buf, 0100644), &st, &err);
	is_str(out,
	       "diff --git a/n b/n\n--- a/n\n+++ b/n\n"
	       "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
	       "@@ -22,7 +22,6 @@\n 22\n 23\n 24\n-25\n 26\n 27\n 28\n",
	       "two distant changes: two hunks");
	free(out);
	free(b.buf);
	b = (struct mem){ 0 };
	for (int i = 1; i <= 30; i++) {
		char l[16];

		snprintf(l, sizeof(l), "%d\n", i);
		if (i != 5 && i != 11)
			mem_write(&b, l, strlen(l));
	}
	out = run("n", blob(a.buf, 0100644), blob(b.buf, 0100644), &st, &err);
	is_str(out,
	       "diff --git a/n b/n\n--- a/n\n+++ b/n\n"
	       "@@ -2,13 +2,11 @@\n 2\n 3\n 4\n-5\n 6\n 7\n 8\n 9\n 10\n"
	       "-11\n 12\n 13\n 14\n",
	       "changes 6 lines apart: merged");
	free(out);
	free(a.buf);
	free(b.buf);
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Random files of few distinct lines, so that they share a lot */
static void random_file(struct mem *m, size_t lines)
{
	static const char *const pool[] = { "a\n", "b\n", "c\n", "\n",
					    "dd\n", "{\n", "}\n" };

	m->len = 0;
	mem_write(m, "", 0);
	for (size_t i = 0; i < lines; i++) {
		const char *l = pool[rnd() % 7];

		mem_write(m, l, strlen(l));
	}
	if (rnd() % 3 == 0)
		mem_write(m, "tail", 4);
}

static void test_roundtrip(void)
{
	int bad = 0;

	for (int t = 0; t < 400; t++) {
		struct mem a = { 0 }, b = { 0 };
		struct diff_stat st;
		uint8_t res[8192];
		size_t res_len = 0;
		char *out;
		int err;

		random_file(&a, rnd() % 60);
		random_file(&b, rnd() % 60);
		out = run("r", blob(a.buf, 0100644), blob(b.buf, 0100644), &st,
			  &err);
		if (err || diffapply((const uint8_t *)a.buf, a.len,
				     (const uint8_t *)out, strlen(out), res,
				     sizeof(res), &res_len) < 0 ||
		    res_len != b.len || memcmp(res, b.buf, b.len)) {
			if (!bad++)
				diag("first failure:\n%s", out);
		}
		free(out);
		free(a.buf);
		free(b.buf);
	}
	is_int(bad, 0, "400 random pairs: every diff applies back exactly");
}

static void test_bounds(void)
{
	size_t n = DIFF_MAX_LINES + 1;
	char *big = malloc(2 * n + 1);
	struct diff_stat st;
	char *out;
	int err;

	for (size_t i = 0; i < n; i++)
		memcpy(big + 2 * i, "x\n", 2);
	big[2 * n] = '\0';
	out = run("big", blob("x\n", 0100644), blob(big, 0100644), &st, &err);
	is_int(err, 0, "over DIFF_MAX_LINES: ok");
	ok(st.is_binary && st.is_too_large, "over DIFF_MAX_LINES: binary");
	free(out);
	free(big);
	is_int(diff_work_size(DIFF_MAX_LINES + 1, 1), 0,
	       "no work size past the bound");
}

static void test_stat_line(void)
{
	char b[128];

	diff_stat_line(3, 10, 2, b, sizeof(b));
	is_str(b, "3 files changed, 10 insertions(+), 2 deletions(-)",
	       "stat: plural");
	diff_stat_line(1, 1, 0, b, sizeof(b));
	is_str(b, "1 file changed, 1 insertion(+)", "stat: no deletions");
	diff_stat_line(1, 0, 1, b, sizeof(b));
	is_str(b, "1 file changed, 1 deletion(-)", "stat: no insertions");
	diff_stat_line(2, 0, 0, b, sizeof(b));
	is_str(b, "2 files changed, 0 insertions(+), 0 deletions(-)",
	       "stat: nothing but files");
	diff_stat_line(0, 0, 0, b, sizeof(b));
	is_str(b, "0 files changed", "stat: no files");
	is_int(diff_stat_line(3, 1, 1, b, 8), -E2BIG, "stat: too small");
}

int main(void)
{
	test_formats();
	test_hunks();
	test_roundtrip();
	test_bounds();
	test_stat_line();
	return done_testing();
}

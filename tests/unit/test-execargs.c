// SPDX-License-Identifier: MIT
/*
 * test-execargs.c - argv and paths of exec events, from bounded bytes
 * (parse/execargs.c)
 */
#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

static struct exec_arg arg(const char *s)
{
	return (struct exec_arg){ (const uint8_t *)s, strlen(s) + 1 };
}

static void test_count(void)
{
	uint64_t v[4] = { 0x1000, 0x2000, 0, 0x3000 };
	size_t argc = 99;
	bool done = false;

	exec_argv_count((const uint8_t *)v, sizeof(v), &argc, &done);
	ok(argc == 2 && done, "pointers counted up to the NULL");
	exec_argv_count((const uint8_t *)v, 2 * sizeof(v[0]) + 5, &argc,
			&done);
	ok(argc == 2 && !done, "no NULL within what was read: incomplete");
	exec_argv_count((const uint8_t *)v, 7, &argc, &done);
	ok(argc == 0 && !done, "a partial pointer is not a pointer");
	is_int((long long)exec_argv_ptr((const uint8_t *)v, sizeof(v), 1),
	       0x2000, "pointer 1 read back");
	is_int((long long)exec_argv_ptr((const uint8_t *)v, 12, 1), 0,
	       "a pointer beyond what was read is 0");
}

static void test_render(void)
{
	struct exec_arg a[4] = { arg("sh"), arg("-c"), arg("echo 'hi' $x"),
				 arg("") };
	char out[EXEC_ARGV_TEXT];
	int n;

	n = exec_render_argv(a, 4, 4, true, out, sizeof(out));
	is_str(out, "sh -c 'echo '\\''hi'\\'' $x' ''",
	       "plain words bare, others single-quoted, quotes escaped");
	is_int(n, (long long)strlen(out), "the length is returned");
	a[1] = arg("a\nb\x7f");
	exec_render_argv(a, 2, 2, true, out, sizeof(out));
	is_str(out, "sh 'a\\x0ab\\x7f'", "control bytes and DEL as \\xNN");
	exec_render_argv(a, 1, 40, true, out, sizeof(out));
	is_str(out, "sh [+39 more arguments]", "arguments not read counted");
	exec_render_argv(a, 1, 1, false, out, sizeof(out));
	is_str(out, "sh [more arguments]", "an unterminated list is marked");
	exec_render_argv(a, 0, 0, false, out, sizeof(out));
	is_str(out, "[more arguments]", "argv unreadable: only the marker");
	is_int(exec_render_argv(a, 2, 1, true, out, sizeof(out)), -E2BIG,
	       "more read than counted is refused");
	is_int(exec_render_argv(a, 1, 1, true, out, 16), -E2BIG,
	       "a buffer too small is refused");
}

static void test_cut(void)
{
	static char big[EXEC_ARG_READ];
	struct exec_arg a[EXEC_ARGS_SHOWN];
	char out[EXEC_ARGV_TEXT];
	int n;

	/* An argument without its NUL within what was read */
	memset(big, 'a', sizeof(big));
	a[0] = arg("echo");
	a[1] = (struct exec_arg){ (const uint8_t *)big, sizeof(big) };
	n = exec_render_argv(a, 2, 2, true, out, sizeof(out));
	ok(n > 0 && (size_t)n < sizeof(out) &&
		   strstr(out, "aaaa" EXEC_CUT_MARK),
	   "a long argument ends in the cut marker (%d bytes)", n);
	/* Many arguments that do not all fit */
	for (size_t i = 0; i < EXEC_ARGS_SHOWN; i++)
		a[i] = arg("0123456789012345678901234567890123456789");
	n = exec_render_argv(a, EXEC_ARGS_SHOWN, 5000, true, out,
			     sizeof(out));
	ok(n > 0 && (size_t)n < sizeof(out) && strstr(out, " more arguments]"),
	   "a long list is cut and counted: %s", out + n - 24);
	/* Control bytes expand four times; still bounded */
	memset(big, 1, sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a[0] = (struct exec_arg){ (const uint8_t *)big, sizeof(big) };
	a[1] = a[0];
	a[2] = a[0];
	n = exec_render_argv(a, 3, 3, true, out, sizeof(out));
	ok(n > 0 && (size_t)n < sizeof(out) && strstr(out, EXEC_CUT_MARK),
	   "expanded bytes are cut at the buffer (%d bytes)", n);
}

static void test_text(void)
{
	static char big[EXEC_ARG_READ];
	struct exec_arg a = arg("/usr/bin/env");
	char out[EXEC_PATH_TEXT];

	exec_render_text(&a, out, sizeof(out));
	is_str(out, "/usr/bin/env", "a path as it is");
	a = arg("/tmp/a\tb");
	exec_render_text(&a, out, sizeof(out));
	is_str(out, "/tmp/a\\x09b", "a control byte in a path as \\xNN");
	memset(big, 'p', sizeof(big));
	a = (struct exec_arg){ (const uint8_t *)big, sizeof(big) };
	exec_render_text(&a, out, sizeof(out));
	ok(strlen(out) < sizeof(out) && strstr(out, "pp" EXEC_CUT_MARK),
	   "a path without its NUL is cut with the marker");
	a = (struct exec_arg){ (const uint8_t *)big, 0 };
	exec_render_text(&a, out, sizeof(out));
	is_str(out, EXEC_CUT_MARK, "nothing read: only the marker");
	is_int(exec_render_text(&a, out, 4), -E2BIG, "tiny buffer refused");
}

int main(void)
{
	test_count();
	test_render();
	test_cut();
	test_text();
	return done_testing();
}

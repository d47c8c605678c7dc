// SPDX-License-Identifier: MIT
/*
 * fuzz-execargs.c - exec events' argv and path text (execargs.c)
 *
 * Input: the first byte picks how many arguments and how long each is;
 * the rest is cut into those arguments' bytes (as read from a caller's
 * memory, with or without NULs) and read as a pointer array. The text
 * must fit its buffer, end in a NUL and hold no control byte.
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *out, int n, size_t len)
{
	if (n < 0 || (size_t)n >= len || strlen(out) != (size_t)n)
		__builtin_trap();
	for (int i = 0; i < n; i++)
		if ((uint8_t)out[i] < 0x20 || out[i] == 0x7f)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exec_arg a[EXEC_ARGS_SHOWN];
	char out[EXEC_ARGV_TEXT], path[EXEC_PATH_TEXT];
	size_t n_args, argc = 0, each, i;
	bool done = false;
	int n;

	if (size < 1)
		return 0;
	n_args = data[0] % (EXEC_ARGS_SHOWN + 1);
	data++;
	size--;
	exec_argv_count(data, size, &argc, &done);
	if (argc > size / 8 || (argc > 0 &&
				!exec_argv_ptr(data, size, argc - 1)))
		__builtin_trap();
	each = n_args ? size / n_args : 0;
	for (i = 0; i < n_args; i++)
		a[i] = (struct exec_arg){ data + i * each, each };
	n = exec_render_argv(a, n_args, n_args + argc, done, out,
			     sizeof(out));
	check_text(out, n, sizeof(out));
	a[0] = (struct exec_arg){ data, size };
	n = exec_render_text(&a[0], path, sizeof(path));
	check_text(path, n, sizeof(path));
	return 0;
}

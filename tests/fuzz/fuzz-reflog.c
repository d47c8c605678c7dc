// SPDX-License-Identifier: MIT
/*
 * fuzz-reflog.c - the reflog check (reflog.c)
 *
 * Input: a file of .git/logs/ as the jail may have written it. What
 * passes ends in LF, holds no NUL, and has as many lines as it says.
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int r = reflog_check(data, size);
	size_t lines = 0;

	if (r < 0) {
		if (r != -EINVAL)
			__builtin_trap();
		return 0;
	}
	if (size && data[size - 1] != '\n')
		__builtin_trap();
	if (memchr(data, '\0', size))
		__builtin_trap();
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if ((size_t)r != lines)
		__builtin_trap();
	return 0;
}

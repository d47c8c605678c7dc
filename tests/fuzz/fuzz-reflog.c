// SPDX-License-Identifier: MIT
/*
 * fuzz-reflog.c - the reflog check and its reader of NEW ids (reflog.c)
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
	struct cursor c = { data, size };
	uint8_t id[20];
	size_t lines = 0, news = 0;
	int k;

	while ((k = reflog_next_new(&c, id)) == 1)
		if (++news > size)
			__builtin_trap();
	if (k != 0 && k != -EINVAL)
		__builtin_trap();

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

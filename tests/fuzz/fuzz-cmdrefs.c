// SPDX-License-Identifier: MIT
/*
 * fuzz-cmdrefs.c - the paths an agent's JSON settings name as commands
 * (cmdrefs.c)
 *
 * Input: a settings file as an earlier jail may have written it. Every
 * path kept must be NUL-terminated within its buffer, hold a '/', and the
 * count stay within its bound.
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cmdrefs r;
	int err = cmdrefs_from_json(data, size, &r);

	if (err != 0 && err != -EINVAL && err != -E2BIG)
		__builtin_trap();
	if (r.n > CMDREF_MAX)
		__builtin_trap();
	for (size_t i = 0; i < r.n; i++)
		if (!memchr(r.path[i], '\0', sizeof(r.path[i])) ||
		    !strchr(r.path[i], '/'))
			__builtin_trap();
	return 0;
}

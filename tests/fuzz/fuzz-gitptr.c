// SPDX-License-Identifier: MIT
/*
 * fuzz-gitptr.c - the git pointer parser (gitdirs.c)
 *
 * Input: the bytes of a .git file, a commondir or a submodule's git
 * config, as an earlier jail may have written them. A path that parses
 * must fit its buffer, be no longer than the input's first line and hold
 * no control byte; both prefixes are tried, then core.worktree.
 */
#include "config/config.h"
#include "jail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "gitdir: ", "" };
	const uint8_t *nl = memchr(data, '\n', size);
	char out[64];

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		int r = gitdirs_parse_pointer((const char *)data, size,
					      prefixes[i], out, sizeof(out));

		if (r < 0) {
			if (r != -EINVAL && r != -E2BIG)
				__builtin_trap();
			continue;
		}
		if (r == 0 || (size_t)r >= sizeof(out) || (size_t)r > size ||
		    out[r] != '\0' || strlen(out) != (size_t)r)
			__builtin_trap();
		for (int k = 0; k < r; k++)
			if ((unsigned char)out[k] < 0x20 || out[k] == 0x7f)
				__builtin_trap();
		/* The path lies in the first line, after the prefix */
		if (nl && strlen(prefixes[i]) + (size_t)r > (size_t)(nl - data))
			__builtin_trap();
	}
	{
		int r = gitdirs_parse_worktree((const char *)data, size, out,
					       sizeof(out));

		if (r >= 0 && (r == 0 || (size_t)r >= sizeof(out) ||
			       strlen(out) != (size_t)r))
			__builtin_trap();
		if (r < 0 && r != -ENOENT && r != -EINVAL && r != -E2BIG)
			__builtin_trap();
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz-gitconfig.c - git's config syntax (gitcfg_parse, gitcfg_is_inert)
 * and the checks of state files copied back from a private git dir
 * (gitconfig.c)
 *
 * Input: a config file or a state file as the jail could write it. Every
 * value kept must be NUL-terminated within its buffer, the include count
 * within its bound, and the checks must not read past the input.
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gitcfg_refs r;
	int err = gitcfg_parse(data, size, &r);

	if (err != 0 && err != -EINVAL && err != -E2BIG)
		__builtin_trap();
	if (r.n_include > GITCFG_MAX_PATHS ||
	    !memchr(r.hooks_path, '\0', sizeof(r.hooks_path)) ||
	    !memchr(r.worktree, '\0', sizeof(r.worktree)))
		__builtin_trap();
	for (size_t i = 0; i < r.n_include; i++)
		if (!r.include[i][0] ||
		    !memchr(r.include[i], '\0', sizeof(r.include[i])))
			__builtin_trap();
	for (int k = GITSTATE_HEAD; k <= GITSTATE_INDEX; k++) {
		err = gitstate_check((enum gitstate_kind)k, data, size);
		if (err != 0 && err != -EBADMSG)
			__builtin_trap();
	}
	(void)gitstate_todo_has_exec(data, size);
	err = gitcfg_is_inert(data, size);
	if (err != 1 && err != 0 && err != -EINVAL && err != -E2BIG)
		__builtin_trap();
	return 0;
}

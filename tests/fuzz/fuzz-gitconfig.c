// SPDX-License-Identifier: MIT
/*
 * fuzz-gitconfig.c - git's config syntax (gitcfg_parse, gitcfg_is_inert)
 * and the checks of state files copied back from a private git dir: a
 * todo list's commits and labels, a patch's paths (gitconfig.c)
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
	{
		struct cursor c = { data, size };
		static struct gitstate_todo_line l;
		size_t lines = 0;

		while ((err = gitstate_todo_line(&c, &l)) == 1) {
			if (l.n > GITSTATE_LINE_ITEMS || ++lines > size + 1)
				__builtin_trap();
			for (size_t i = 0; i < l.n; i++)
				if (l.item[i].kind != GITSTATE_COMMIT &&
				    !memchr(l.item[i].label, '\0',
					    sizeof(l.item[i].label)))
					__builtin_trap();
		}
		if (err != 0 && err != -EBADMSG && err != -E2BIG)
			__builtin_trap();
		(void)gitstate_patch_names(data, size, ".envrc");
		c = (struct cursor){ data, size };
		lines = 0;
		while (gitstate_next_line_id(&c, l.item[0].id) == 1)
			if (++lines > size)
				__builtin_trap();
	}
	err = gitcfg_is_inert(data, size);
	if (err != 1 && err != 0 && err != -EINVAL && err != -E2BIG)
		__builtin_trap();
	return 0;
}

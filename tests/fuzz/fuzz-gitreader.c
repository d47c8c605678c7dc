// SPDX-License-Identifier: MIT
/*
 * fuzz-gitreader.c - the git configuration reader and its allowlist
 *
 * Input: any bytes, read as a git configuration file to the end; every
 * entry must respect its bounds and be judged by gitrd_is_carried().
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gitrd_state st;
	struct gitrd_entry e;
	size_t left = size + 1;
	int r;

	gitrd_init(&st, (const char *)data, size);
	while ((r = gitrd_next(&st, &e)) == 1) {
		/* Every call consumes input: the loop is bounded */
		if (st.left >= left)
			__builtin_trap();
		left = st.left;
		if (strlen(e.value) > GITRD_VALUE_MAX ||
		    strlen(e.name) > GITRD_NAME_MAX ||
		    strlen(e.sub) > GITRD_SUB_MAX || !e.name[0])
			__builtin_trap();
		(void)gitrd_is_carried(&e);
	}
	if (r != 0 && r != -EBADMSG && r != -E2BIG)
		__builtin_trap();
	return 0;
}

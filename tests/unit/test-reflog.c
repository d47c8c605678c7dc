// SPDX-License-Identifier: MIT
/*
 * test-reflog.c - unit tests for reflog.c
 */
#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

#define H40 "0123456789abcdef0123456789abcdef01234567"
#define Z40 "0000000000000000000000000000000000000000"
#define H64 H40 "0123456789abcdef01234567"
#define ID " A U Thor <a@example.com> 1700000000 +0100"

static int check(const char *s)
{
	return reflog_check((const uint8_t *)s, strlen(s));
}

int main(void)
{
	plan(23);
	is_int(check(""), 0, "empty");
	is_int(check(Z40 " " H40 ID "\tcommit (initial): x\n"), 1,
	       "commit, SHA-1");
	is_int(check(H64 " " H64 ID "\tcheckout: moving from a to b\n"), 1,
	       "SHA-256");
	is_int(check(Z40 " " H40 ID "\n" H40 " " Z40 ID "\tbranch: x\n"), 2,
	       "no message, then one");
	is_int(check(H40 " " H40 " <> 0 -0000\tx;touch${IFS}F;\n"), 1,
	       "an empty identity, any message");
	is_int(check(Z40 " " H40 ID "\tx"), -EINVAL, "no final LF");
	is_int(check(Z40 " " H40 ID "\tx\nrm -rf /\n"), -EINVAL,
	       "a line of shell");
	is_int(check("#!/bin/sh\n"), -EINVAL, "a script");
	is_int(check(Z40 " " H64 ID "\n"), -EINVAL, "hash lengths differ");
	is_int(check("0123456789ABCDEF0123456789abcdef01234567 " H40 ID "\n"),
	       -EINVAL, "upper-case hex");
	is_int(check(Z40 " " H40 " A <a@b> 17x0 +0100\n"), -EINVAL,
	       "a time that is no number");
	is_int(check(Z40 " " H40 " A <a@b> 1700 0100\n"), -EINVAL,
	       "a zone without sign");
	is_int(check(Z40 " " H40 " A a@b 1700 +0100\n"), -EINVAL,
	       "no <email>");
	is_int(check(Z40 "  " H40 ID "\n"), -EINVAL, "two spaces");
	is_int(reflog_check((const uint8_t *)Z40 " " H40 ID "\tx\0y\n",
			    sizeof(Z40 " " H40 ID "\tx\0y\n") - 1),
	       -EINVAL, "a NUL");
	is_int(check("\n"), -EINVAL, "an empty line");
	{
		const char *log = Z40 " " H40 ID "\tstash\n" H40 " " Z40 ID "\n";
		struct cursor c = { (const uint8_t *)log, strlen(log) };
		uint8_t id[20];

		is_int(reflog_next_new(&c, id), 1, "next new: the first line");
		is_int(id[0], 0x01, "next new: its NEW id");
		is_int(reflog_next_new(&c, id), 1, "next new: the second");
		is_int(id[19], 0, "next new: its NEW id, zeros");
		is_int(reflog_next_new(&c, id), 0, "next new: the end");
		c = (struct cursor){ (const uint8_t *)Z40 " " H40 ID,
				     strlen(Z40 " " H40 ID) };
		is_int(reflog_next_new(&c, id), -EINVAL,
		       "next new: a line without LF");
		c = (struct cursor){ (const uint8_t *)"x\n", 2 };
		is_int(reflog_next_new(&c, id), -EINVAL, "next new: junk");
	}
	return done_testing();
}

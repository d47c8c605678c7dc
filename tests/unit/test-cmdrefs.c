// SPDX-License-Identifier: MIT
/*
 * test-cmdrefs.c - unit tests for cmdrefs.c
 */
#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

static struct cmdrefs r;

static int scan(const char *s)
{
	return cmdrefs_from_json((const uint8_t *)s, strlen(s), &r);
}

static bool has(const char *path, bool is_program)
{
	for (size_t i = 0; i < r.n; i++)
		if (!strcmp(r.path[i], path))
			return r.is_program[i] == is_program;
	return false;
}

int main(void)
{
	is_int(scan("{\"hooks\":{\"Stop\":[{\"hooks\":[{\"type\":\"command\","
		    "\"command\":\"$CLAUDE_PROJECT_DIR/.claude/hooks/a.sh\"}]}]}}"),
	       0, "a hook");
	ok(r.n == 1 && has("$CLAUDE_PROJECT_DIR/.claude/hooks/a.sh", true),
	   "the hook's script, as the program");
	is_int(scan("{\"statusLine\": {\"type\": \"command\", \"command\" : "
		    "\"bash ~/.claude/s.sh --x\"}}"),
	       0, "a status line");
	ok(r.n == 1 && has("~/.claude/s.sh", false),
	   "its script, as an argument");
	is_int(scan("{\"COMMAND\":\"a/b; c/d && (e/f)|g/h\\ni/j\"}"), 0,
	       "a command line");
	ok(r.n == 5 && has("a/b", true) && has("c/d", true) &&
		   has("e/f", true) && has("g/h", true) && has("i/j", true),
	   "each command's program, keys in any case");
	is_int(scan("{\"apiKeyHelper\":\"FOO=x/y ./k.sh\"}"), 0, "a helper");
	ok(has("./k.sh", false) && has("x/y", false), "split at '='");
	is_int(scan("{\"args\":[\"./srv.js\",\"-v\"],\"env\":{\"P\":\"/x/y\"}}"),
	       0, "an args array");
	ok(r.n == 1 && has("./srv.js", false), "args kept, env not");
	is_int(scan("{\"command\":[\"./run\",\"a/b\"]}"), 0,
	       "a command array");
	ok(r.n == 2 && has("./run", true) && has("a/b", false),
	   "its first string is the program");
	is_int(scan("{\"description\":\"run ./x.sh\",\"x\":[\"a/b\"]}"), 0,
	       "other keys");
	is_int((int)r.n, 0, "nothing from other keys");
	is_int(scan("{\"command\":\"a\\\"/b\"}"), 0, "an escaped quote");
	ok(r.n == 1 && has("/b", false), "a quote splits words");
	is_int(scan("{\"command\":\"./a.sh"), -EINVAL, "an open string");
	is_int(scan("{\"command\":\"x\\u"), -EINVAL, "a cut escape");
	return done_testing();
}

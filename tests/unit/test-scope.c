// SPDX-License-Identifier: MIT
/*
 * test-scope.c - secret scopes: the grammar, the normalised path of a
 * request, and which requests a scope admits (parse/scope.c)
 */
#include "jail.h"
#include "parse/parse.h"
#include "tap.h"

static void test_parse(void)
{
	static const char *const bad[] = {
		"methods=GET",		/* no ';' */
		";methods=",		/* empty list */
		";methods=get",		/* lowercase */
		";methods=GET,,HEAD",	/* empty member */
		";methods=GETTINGTOOLONGMETHOD",
		";methods=A,B,C,D,E,F,G,H,I",	/* nine */
		";paths=repos/",	/* relative */
		";paths=/a/../b/",	/* dot-dot */
		";paths=/a/./b",	/* dot */
		";paths=/a//b",		/* empty segment */
		";paths=/a/%2e%2e/",	/* escapes */
		";paths=/a;b",		/* parameters */
		";paths=/a b",		/* space */
		";paths=/a\\b",		/* backslash */
		";paths=/a/..",		/* dot-dot at the end */
		";methods=GET;methods=HEAD",	/* twice */
		";color=red",		/* unknown */
	};
	struct secret_scope sc;
	const char *why = NULL;

	ok(!scope_parse("", &sc, &why) && !sc.n_methods && !sc.n_paths,
	   "no scope: any request");
	ok(!scope_parse(";methods=GET,HEAD;paths=/repos/o/r/,/user", &sc,
			&why) &&
		   sc.n_methods == 2 && !strcmp(sc.methods[1], "HEAD") &&
		   sc.n_paths == 2 && !strcmp(sc.paths[0], "/repos/o/r/") &&
		   !strcmp(sc.paths[1], "/user"),
	   "methods and path prefixes");
	ok(!scope_parse(";paths=/x/;methods=POST", &sc, &why) &&
		   sc.n_paths == 1 && sc.n_methods == 1,
	   "either order");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ok(scope_parse(bad[i], &sc, &why) < 0 && *why,
		   "refused with a reason: %s", bad[i]);
}

static void test_normalize(void)
{
	static const struct {
		const char *target, *want;
	} cases[] = {
		{ "/repos/o/r/issues", "/repos/o/r/issues" },
		{ "/repos/o/r/", "/repos/o/r/" },
		{ "/repos/o/r/../../x/y", "/repos/x/y" },
		{ "/repos/o/r/%2e%2e/%2E%2E/x", "/repos/x" },
		{ "/repos/o/r%2f..%2f..%2fx", "/repos/x" },
		{ "/repos/o/r/..%5c..%5cx", "/repos/x" },
		{ "/repos/o/r\\..\\x", "/repos/o/x" },
		{ "//repos//o/./r//", "/repos/o/r/" },
		{ "/../../etc", "/etc" },
		{ "/a/b?x=/repos/o/r/#f", "/a/b" },
		{ "https://api.test/repos/o/r/x?y", "/repos/o/r/x" },
		{ "http://api.test", "/" },
		{ "/", "/" },
	};
	static const char *const bad[] = {
		"*", "repos", "/a%2", "/a%zz", "/a%00b", "/a%20b", "/a;x=1",
		"/a%3bx", "/a%252e%252e/", "/caf\xc3\xa9",
	};
	char out[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = scope_normalize_path(cases[i].target, out, sizeof(out));

		ok(r == (int)strlen(cases[i].want) && !strcmp(out, cases[i].want),
		   "%s -> %s (got %s)", cases[i].target, cases[i].want,
		   r < 0 ? "an error" : out);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ok(scope_normalize_path(bad[i], out, sizeof(out)) < 0,
		   "no path any scope admits: %s", bad[i]);
	ok(scope_normalize_path("/aaaaaaaaaaaaaaaaaaaa", out, 8) == -E2BIG,
	   "bounded by its buffer");
}

static void test_allows(void)
{
	struct secret_scope sc;
	const char *why;
	char p[256];

	scope_parse(";methods=GET,HEAD;paths=/repos/o/r/,/user", &sc, &why);
	ok(scope_allows(&sc, "GET", "/repos/o/r/issues"), "GET under the prefix");
	ok(scope_allows(&sc, "HEAD", "/repos/o/r/"), "HEAD at the prefix");
	ok(!scope_allows(&sc, "POST", "/repos/o/r/issues"), "POST: not listed");
	ok(!scope_allows(&sc, "get", "/repos/o/r/issues"), "methods are exact");
	ok(!scope_allows(&sc, "GET", "/repos/o/other/x"), "another repository");
	ok(!scope_allows(&sc, "GET", "/repos/o/r"), "the prefix less its '/'");
	ok(scope_allows(&sc, "GET", "/user") && scope_allows(&sc, "GET", "/user/x"),
	   "a prefix without '/': itself and below");
	ok(!scope_allows(&sc, "GET", "/users"), "... whole segments only");
	ok(!scope_allows(&sc, "GET", NULL), "no path: not admitted");
	scope_normalize_path("/repos/o/r/%2e%2e/other/x", p, sizeof(p));
	ok(!scope_allows(&sc, "GET", p), "an escaped '..' out of the prefix");
	scope_parse(";methods=GET", &sc, &why);
	ok(scope_allows(&sc, "GET", NULL) && !scope_allows(&sc, "PUT", "/"),
	   "methods alone: any path");
	scope_parse("", &sc, &why);
	ok(scope_allows(&sc, "DELETE", NULL), "no scope: everything");
}

static void test_format(void)
{
	struct secret_scope sc;
	const char *why;
	char out[128];

	scope_parse(";methods=GET,HEAD;paths=/a/,/b", &sc, &why);
	ok(scope_format(&sc, out, sizeof(out)) > 0 &&
		   !strcmp(out, "methods GET,HEAD; paths /a/,/b"),
	   "formatted: %s", out);
	scope_parse(";paths=/a/", &sc, &why);
	ok(scope_format(&sc, out, sizeof(out)) > 0 && !strcmp(out, "paths /a/"),
	   "paths alone: %s", out);
	ok(scope_format(&sc, out, 4) == -E2BIG, "bounded");
}

int main(void)
{
	test_parse();
	test_normalize();
	test_allows();
	test_format();
	return done_testing();
}

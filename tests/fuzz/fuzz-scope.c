// SPDX-License-Identifier: MIT
/*
 * fuzz-scope.c - secret scopes and the normalised path of a request
 *
 * Input: a scope spec, a NUL, then a request target. A scope that parses
 * formats within bounds; a normalised path starts with '/', has no
 * empty, '.' or '..' segment, and normalises to itself again; a scope
 * with paths admits it only under one of its prefixes.
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_normal(const char *p)
{
	size_t len = strlen(p);

	return p[0] == '/' && !strstr(p, "//") && !strstr(p, "/./") &&
	       !strstr(p, "/../") && (len < 2 || strcmp(p + len - 2, "/.")) &&
	       (len < 3 || strcmp(p + len - 3, "/.."));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char spec[1024], target[2048], path[2048], again[2048];
	static char fmt[2 * SECRETS_SCOPE_MAX * SECRETS_SCOPE_PATH_MAX];
	struct secret_scope sc;
	const uint8_t *nul = memchr(data, 0, size);
	size_t sl = nul ? (size_t)(nul - data) : size;
	size_t tl = nul ? size - sl - 1 : 0;
	const char *why;
	int r;

	if (sl >= sizeof(spec) || tl >= sizeof(target))
		return 0;
	memcpy(spec, data, sl);
	spec[sl] = '\0';
	memcpy(target, nul ? nul + 1 : data, tl);
	target[tl] = '\0';
	if (strlen(target) != tl)
		return 0;
	r = scope_parse(spec, &sc, &why);
	if (r < 0 && !*why)
		__builtin_trap();
	if (r == 0 && scope_format(&sc, fmt, sizeof(fmt)) < 0)
		__builtin_trap();
	r = scope_normalize_path(target, path, sizeof(path));
	if (r < 0) {
		if (r == 0 || (sc.n_paths && scope_allows(&sc, "GET", NULL)))
			__builtin_trap();
		return 0;
	}
	if ((size_t)r != strlen(path) || !is_normal(path))
		__builtin_trap();
	if (scope_normalize_path(path, again, sizeof(again)) != r ||
	    strcmp(path, again))
		__builtin_trap();
	if (scope_allows(&sc, "GET", path) && sc.n_paths) {
		bool under = false;

		for (size_t i = 0; i < sc.n_paths; i++)
			under |= !strncmp(path, sc.paths[i],
					  strlen(sc.paths[i]));
		if (!under)
			__builtin_trap();
	}
	return 0;
}

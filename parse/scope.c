// SPDX-License-Identifier: MIT
/*
 * scope.c - a secret's scope (methods and path prefixes on its hosts),
 * and the normalised path of a request it is judged on
 *
 * "--secret GH_TOKEN@api.github.com;methods=GET,HEAD;paths=/repos/o/r/"
 * narrows a broad token: a request to a bound host that carries the
 * placeholder gets the value only if its method is listed and its path,
 * normalised, lies under a listed prefix.
 *
 * The path is the jail's (untrusted) and the server reads it its own way,
 * so the judgement is on a normalised form and fails closed: percent
 * escapes decoded (also '%2e%2e' and '%2f'), '\' taken as '/', empty and
 * '.' segments dropped, '..' taking the segment before away; a path that
 * still holds a byte a server could read as more than itself (controls,
 * spaces, '%' after decoding, ';' path parameters, non-ASCII) is in no
 * scope. A prefix matches whole segments: "/repos/o/r" is not a prefix
 * of "/repos/o/r-other".
 *
 * Pure: bytes in, struct out, no I/O, no allocation. Bounds: at most
 * SECRETS_SCOPE_MAX methods and prefixes, a prefix and a path of at most
 * SECRETS_SCOPE_PATH_MAX and HTTP_HEAD_MAX bytes.
 */
#include "jail.h"
#include "parse/parse.h"

static bool is_method_char(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* A byte a path prefix (and a normalised path) may hold */
static bool is_path_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%' && c != ';' && c != '\\' &&
	       c != '?' && c != '#';
}

/* A scope's list item into @sc. Return: 0, -EBADMSG or -E2BIG */
typedef int scope_item_fn(const char *item, size_t len,
			  struct secret_scope *sc, const char **why);

/* Method @m (@len bytes) of "GET,HEAD" into @sc */
static int take_method(const char *m, size_t len, struct secret_scope *sc,
		       const char **why)
{
	if (!len || len >= sizeof(sc->methods[0])) {
		*why = "a method is 1 to 15 capital letters";
		return -EBADMSG;
	}
	if (sc->n_methods >= SECRETS_SCOPE_MAX) {
		*why = "at most 8 methods";
		return -E2BIG;
	}
	for (size_t j = 0; j < len; j++)
		if (!is_method_char(m[j])) {
			*why = "a method is 1 to 15 capital letters";
			return -EBADMSG;
		}
	memcpy(sc->methods[sc->n_methods], m, len);
	sc->methods[sc->n_methods++][len] = '\0';
	return 0;
}

/* Is @p (@len bytes) a prefix such as /repos/OWNER/REPO/ ? */
static bool is_prefix_ok(const char *p, size_t len)
{
	if (!len || p[0] != '/' || len >= SECRETS_SCOPE_PATH_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_path_char((unsigned char)p[i]))
			return false;
		if (p[i] != '/' || !i)
			continue;
		/* No empty, '.' or '..' segment: the prefix is normal */
		if (p[i - 1] == '/' ||
		    (p[i - 1] == '.' && (i < 2 || p[i - 2] == '/')) ||
		    (i >= 3 && p[i - 1] == '.' && p[i - 2] == '.' &&
		     p[i - 3] == '/'))
			return false;
	}
	/* ... nor at its end */
	return !((len >= 2 && p[len - 1] == '.' && p[len - 2] == '/') ||
		 (len >= 3 && p[len - 1] == '.' && p[len - 2] == '.' &&
		  p[len - 3] == '/'));
}

/* Path prefix @p (@len bytes) of "/a/,/b/" into @sc */
static int take_path(const char *p, size_t len, struct secret_scope *sc,
		     const char **why)
{
	if (!is_prefix_ok(p, len)) {
		*why = "a path prefix starts with '/' and has no "
		       "'.', '..' or empty segment, no '%', ';', '?', "
		       "'#', '\\' or space, at most 255 bytes";
		return -EBADMSG;
	}
	if (sc->n_paths >= SECRETS_SCOPE_MAX) {
		*why = "at most 8 path prefixes";
		return -E2BIG;
	}
	memcpy(sc->paths[sc->n_paths], p, len);
	sc->paths[sc->n_paths++][len] = '\0';
	return 0;
}

/* Each item of the comma list @s (@len bytes; an empty item included)
 * through @take. Return: 0 or @take's first error */
static int parse_list(const char *s, size_t len, scope_item_fn *take,
		      struct secret_scope *sc, const char **why)
{
	size_t i = 0;

	while (i <= len) {
		size_t k = i;
		int r;

		while (k < len && s[k] != ',')
			k++;
		r = take(s + i, k - i, sc, why);
		if (r < 0)
			return r;
		i = k + 1;
	}
	return 0;
}

int scope_parse(const char *spec, struct secret_scope *sc, const char **why)
{
	static const char methods[] = "methods=", paths[] = "paths=";
	size_t pos = 0, len = strlen(spec);

	memset(sc, 0, sizeof(*sc));
	*why = "";
	/* ";KEY=LIST" fields, each key once */
	while (pos < len) {
		const char *f = spec + pos;
		const char *end = memchr(f + 1, ';', len - pos - 1);
		size_t flen = end ? (size_t)(end - f) : len - pos;
		int r;

		if (f[0] != ';') {
			*why = "a scope is ;methods=LIST and/or ;paths=LIST";
			return -EBADMSG;
		}
		if (flen > sizeof(methods) &&
		    !strncmp(f + 1, methods, sizeof(methods) - 1) &&
		    !sc->n_methods)
			r = parse_list(f + sizeof(methods),
				       flen - sizeof(methods), take_method, sc,
				       why);
		else if (flen > sizeof(paths) &&
			 !strncmp(f + 1, paths, sizeof(paths) - 1) &&
			 !sc->n_paths)
			r = parse_list(f + sizeof(paths),
				       flen - sizeof(paths), take_path, sc, why);
		else {
			*why = "a scope is ;methods=LIST and/or ;paths=LIST, "
			       "each once";
			r = -EBADMSG;
		}
		if (r < 0)
			return r;
		pos += flen;
	}
	return 0;
}

/* @t's path (origin or absolute form), decoded into @out. Return: its
 * length or -errno */
static int decode_path(const char *t, char *out, size_t cap)
{
	size_t w = 0;

	if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
		t = strchr(t + 7 + (t[4] == 's' || t[4] == 'S'), '/');
		if (!t)
			t = "/";
	}
	if (t[0] != '/')
		return -EBADMSG;	/* "*" and the like: no path */
	for (size_t i = 0; t[i] && t[i] != '?' && t[i] != '#'; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '%') {
			int hi = hex_digit(t[i + 1]), lo = hi < 0 ? -1 :
							     hex_digit(t[i + 2]);

			if (lo < 0)
				return -EBADMSG;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\\')
			c = '/';
		if (c != '/' && !is_path_char(c))
			return -EBADMSG;
		if (w + 1 >= cap)
			return -E2BIG;
		out[w++] = (char)c;
	}
	out[w] = '\0';
	return (int)w;
}

int scope_normalize_path(const char *target, char *out, size_t out_len)
{
	char dec[HTTP_HEAD_MAX];
	size_t w = 0, i = 0;
	int len = decode_path(target, dec, sizeof(dec));

	if (len < 0)
		return len;
	if (out_len < 2)
		return -E2BIG;
	/* Segment by segment: "" and "." dropped, ".." drops one */
	while (i < (size_t)len) {
		size_t k;

		while (i < (size_t)len && dec[i] == '/')
			i++;
		k = i;
		while (k < (size_t)len && dec[k] != '/')
			k++;
		if (k - i == 2 && dec[i] == '.' && dec[i + 1] == '.') {
			while (w > 0 && out[w - 1] != '/')
				w--;
			if (w > 0)
				w--;
		} else if (k > i && !(k - i == 1 && dec[i] == '.')) {
			if (w + 1 + (k - i) + 2 > out_len)
				return -E2BIG;
			out[w++] = '/';
			memcpy(out + w, dec + i, k - i);
			w += k - i;
		}
		i = k;
	}
	/* A trailing '/' stays: "/repos/o/r/" names the directory */
	if (!w || (len > 0 && dec[len - 1] == '/'))
		out[w++] = '/';
	out[w] = '\0';
	return (int)w;
}

bool scope_allows(const struct secret_scope *sc, const char *method,
		  const char *path)
{
	bool is_ok = !sc->n_methods;

	for (size_t i = 0; i < sc->n_methods && i < SECRETS_SCOPE_MAX; i++)
		is_ok |= !strcmp(sc->methods[i], method);
	if (!is_ok || !sc->n_paths)
		return is_ok;
	if (!path)
		return false;
	for (size_t i = 0; i < sc->n_paths && i < SECRETS_SCOPE_MAX; i++) {
		const char *p = sc->paths[i];
		size_t pl = strnlen(p, SECRETS_SCOPE_PATH_MAX);

		/* Whole segments: the prefix ends in '/', or the path does
		 * there or goes on with one */
		if (!strncmp(path, p, pl) &&
		    (p[pl - 1] == '/' || path[pl] == '\0' || path[pl] == '/'))
			return true;
	}
	return false;
}

int scope_format(const struct secret_scope *sc, char *out, size_t out_len)
{
	size_t w = 0;
	int n;

	out[0] = '\0';
	for (size_t i = 0; i < sc->n_methods && i < SECRETS_SCOPE_MAX; i++) {
		n = snprintf(out + w, out_len - w, "%s%s", i ? "," : "methods ",
			     sc->methods[i]);
		if (n < 0 || (size_t)n >= out_len - w)
			return -E2BIG;
		w += (size_t)n;
	}
	for (size_t i = 0; i < sc->n_paths && i < SECRETS_SCOPE_MAX; i++) {
		n = snprintf(out + w, out_len - w, "%s%s",
			     i ? "," : (w ? "; paths " : "paths "),
			     sc->paths[i]);
		if (n < 0 || (size_t)n >= out_len - w)
			return -E2BIG;
		w += (size_t)n;
	}
	return (int)w;
}

/* SPDX-License-Identifier: MIT */
/*
 * diffapply.h - a strict applier of the hunks diff_entry() writes, used
 * by test-diff.c and fuzz-diff.c to check that a diff turns the old side
 * into the new one exactly
 *
 *	int diffapply(old, old_len, patch, patch_len, out, out_cap, &out_len)
 *
 * Returns 0 when every hunk applies at its stated position with matching
 * context and counts, -1 otherwise. Header lines before the first "@@"
 * are skipped.
 */
#ifndef DIFFAPPLY_H
#define DIFFAPPLY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Next line of @p (with its "\n"), advancing *@pos */
static size_t da_line(const uint8_t *p, size_t len, size_t *pos,
		      const uint8_t **line)
{
	size_t s = *pos, e = s;

	while (e < len && p[e] != '\n')
		e++;
	if (e < len)
		e++;
	*line = p + s;
	*pos = e;
	return e - s;
}

static int da_num(const uint8_t **p, const uint8_t *end, size_t *v)
{
	size_t n = 0;
	int digits = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		n = n * 10 + (size_t)(**p - '0');
		(*p)++;
		digits++;
	}
	*v = n;
	return digits ? 0 : -1;
}

/* "-S[,C]" or "+S[,C]" */
static int da_range(const uint8_t **p, const uint8_t *end, char sign,
		    size_t *start, size_t *count)
{
	if (*p >= end || **p != sign)
		return -1;
	(*p)++;
	if (da_num(p, end, start) < 0)
		return -1;
	*count = 1;
	if (*p < end && **p == ',') {
		(*p)++;
		if (da_num(p, end, count) < 0)
			return -1;
	}
	return 0;
}

/* Line @i of @old (0-based) as pointer and length, or -1 */
static int da_old_line(const uint8_t *old, size_t old_len, size_t i,
		       const uint8_t **l, size_t *ll)
{
	size_t pos = 0, k = 0;

	while (pos < old_len) {
		size_t n = da_line(old, old_len, &pos, l);

		if (k++ == i) {
			*ll = n;
			return 0;
		}
	}
	return -1;
}

static int diffapply(const uint8_t *old, size_t old_len, const uint8_t *patch,
		     size_t patch_len, uint8_t *out, size_t out_cap,
		     size_t *out_len)
{
	size_t pos = 0, next_old = 0, o = 0, total_old = 0;
	const uint8_t *l;
	size_t ll;

	for (size_t p = 0; p < old_len;) {
		da_line(old, old_len, &p, &l);
		total_old++;
	}
	/* Skip the header */
	while (pos < patch_len) {
		size_t save = pos;

		ll = da_line(patch, patch_len, &pos, &l);
		if (ll >= 2 && l[0] == '@' && l[1] == '@') {
			pos = save;
			break;
		}
	}
	while (pos < patch_len) {
		size_t os, oc, ns, nc, first;
		const uint8_t *q, *end;

		ll = da_line(patch, patch_len, &pos, &l);
		end = l + ll;
		if (ll < 4 || memcmp(l, "@@ ", 3))
			return -1;
		q = l + 3;
		if (da_range(&q, end, '-', &os, &oc) < 0 || q >= end ||
		    *q++ != ' ' || da_range(&q, end, '+', &ns, &nc) < 0)
			return -1;
		if (end - q != 4 || memcmp(q, " @@\n", 4))
			return -1;
		first = oc ? os - 1 : os;
		if ((oc && !os) || first < next_old)
			return -1;
		/* Copy the untouched lines before the hunk */
		for (; next_old < first; next_old++) {
			const uint8_t *ol;
			size_t oll;

			if (da_old_line(old, old_len, next_old, &ol,
					&oll) < 0 ||
			    o + oll > out_cap)
				return -1;
			memcpy(out + o, ol, oll);
			o += oll;
		}
		while (oc || nc) {
			const uint8_t *ol;
			size_t oll, body;
			int strip = 0;

			if (pos >= patch_len)
				return -1;
			ll = da_line(patch, patch_len, &pos, &l);
			if (ll < 2 || l[ll - 1] != '\n')
				return -1;
			body = ll - 1;
			/* "\ No newline at end of file" follows? */
			if (pos + 2 <= patch_len && patch[pos] == '\\') {
				const uint8_t *nl;

				da_line(patch, patch_len, &pos, &nl);
				strip = 1;
			}
			if (l[0] == ' ' || l[0] == '-') {
				if (!oc || da_old_line(old, old_len, next_old,
						       &ol, &oll) < 0)
					return -1;
				if (oll != body - 1 + (strip ? 0 : 1) ||
				    memcmp(ol, l + 1, oll))
					return -1;
				next_old++;
				oc--;
			}
			if (l[0] == ' ' || l[0] == '+') {
				size_t n = body - 1 + (strip ? 0 : 1);

				if (!nc || o + n > out_cap)
					return -1;
				memcpy(out + o, l + 1, n);
				o += n;
				nc--;
			}
			if (l[0] != ' ' && l[0] != '-' && l[0] != '+')
				return -1;
		}
	}
	for (; next_old < total_old; next_old++) {
		const uint8_t *ol;
		size_t oll;

		if (da_old_line(old, old_len, next_old, &ol, &oll) < 0 ||
		    o + oll > out_cap)
			return -1;
		memcpy(out + o, ol, oll);
		o += oll;
	}
	*out_len = o;
	return 0;
}

#endif /* DIFFAPPLY_H */

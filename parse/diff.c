// SPDX-License-Identifier: MIT
/*
 * diff.c - git-style unified diffs of two byte buffers (--review)
 *
 * Pure: the caller hands in both files' bytes, a work area sized by
 * diff_work_size() and a sink; nothing is read, allocated or logged here.
 * The bytes are untrusted (the jailed command wrote one side), so every
 * loop is bounded by the input and by DIFF_MAX_COST: a pair of files whose
 * minimal diff would take longer is diffed coarsely (the part that did not
 * resolve in time becomes one deletion and one insertion), which is still
 * a correct patch.
 *
 * The line comparison is Myers' O(ND) algorithm in its linear-space form
 * (middle snake, divide and conquer) after trimming the common prefix and
 * suffix. Lines are compared with their "\n", so a last line without one
 * differs from the same line with one, as in git.
 */
#include <stdarg.h>

#include "jail.h"
#include "parse/parse.h"

/* One line of a side */
struct line {
	const uint8_t *p;
	uint32_t len;
	uint32_t hash;
};

struct dctx {
	const struct line *a, *b;
	uint8_t *da, *db;	/* 1: line deleted from a / inserted in b */
	int *vf, *vb;		/* furthest reaching x per diagonal */
	size_t voff;
	unsigned long long cost;
};

size_t diff_count_lines(const uint8_t *p, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] == '\n';
	return n + (len && p[len - 1] != '\n');
}

bool diff_is_binary(const uint8_t *p, size_t len)
{
	/* git's rule: a NUL in the first 8000 bytes */
	return memchr(p, 0, len < 8000 ? len : 8000) != NULL;
}

/* Lines, hunks and both V arrays for @na and @nb lines */
size_t diff_work_size(size_t na, size_t nb)
{
	size_t v = na + nb + 4;

	if (na > DIFF_MAX_LINES || nb > DIFF_MAX_LINES)
		return 0;
	return (na + nb) * (sizeof(struct line) + 1) + 2 * v * sizeof(int) +
	       64;
}

static void split_lines(const uint8_t *p, size_t len, struct line *out)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\n' && i + 1 < len)
			continue;
		out[n].p = p + start;
		out[n].len = (uint32_t)(i + 1 - start);
		/* FNV-1a: only a filter before the memcmp() */
		out[n].hash = 2166136261u;
		for (size_t k = start; k <= i; k++)
			out[n].hash = (out[n].hash ^ p[k]) * 16777619u;
		n++;
		start = i + 1;
	}
}

static bool line_eq(const struct line *x, const struct line *y)
{
	return x->hash == y->hash && x->len == y->len &&
	       !memcmp(x->p, y->p, x->len);
}

/*
 * Find the middle snake of a[a0..a0+n) against b[b0..b0+m) (both
 * non-empty, first and last lines differing) and return in @sx, @sy a
 * point on an optimal path strictly inside the box. Return: 0, or -1 when
 * the cost budget ran out.
 */
static int middle_snake(struct dctx *c, size_t a0, size_t n, size_t b0,
			size_t m, size_t *sx, size_t *sy)
{
	const long delta = (long)n - (long)m;
	const long max = (long)(n + m + 1) / 2;
	const bool odd = delta & 1;
	int *vf = c->vf + c->voff, *vb = c->vb + c->voff;

	vf[1] = 0;
	vb[1] = 0;
	for (long d = 0; d <= max; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x, y;

			if (k == -d || (k != d && vf[k - 1] < vf[k + 1]))
				x = vf[k + 1];
			else
				x = vf[k - 1] + 1;
			y = x - k;
			while (x < (long)n && y < (long)m &&
			       line_eq(&c->a[a0 + (size_t)x],
				       &c->b[b0 + (size_t)y]))
				x++, y++, c->cost++;
			vf[k] = (int)x;
			if (odd && delta - k >= -(d - 1) &&
			    delta - k <= d - 1 &&
			    vf[k] + vb[delta - k] >= (long)n) {
				*sx = (size_t)x;
				*sy = (size_t)y;
				return 0;
			}
		}
		for (long k = -d; k <= d; k += 2) {
			long x, y;

			if (k == -d || (k != d && vb[k - 1] < vb[k + 1]))
				x = vb[k + 1];
			else
				x = vb[k - 1] + 1;
			y = x - k;
			while (x < (long)n && y < (long)m &&
			       line_eq(&c->a[a0 + n - 1 - (size_t)x],
				       &c->b[b0 + m - 1 - (size_t)y]))
				x++, y++, c->cost++;
			vb[k] = (int)x;
			if (!odd && delta - k >= -d && delta - k <= d &&
			    vb[k] + vf[delta - k] >= (long)n) {
				*sx = n - (size_t)x;
				*sy = m - (size_t)y;
				return 0;
			}
		}
		c->cost += 2 * (unsigned long long)d + 2;
		if (c->cost > DIFF_MAX_COST)
			return -1;
	}
	return -1;
}

static void mark(uint8_t *flags, size_t from, size_t to)
{
	if (to > from)
		memset(flags + from, 1, to - from);
}

/* Mark the changed lines of a[alo..ahi) against b[blo..bhi) */
static void compare(struct dctx *c, size_t alo, size_t ahi, size_t blo,
		    size_t bhi)
{
	size_t x, y;

	/* Bounded by the number of lines: each level makes the box smaller */
	while (alo < ahi && blo < bhi && line_eq(&c->a[alo], &c->b[blo]))
		alo++, blo++;
	while (alo < ahi && blo < bhi &&
	       line_eq(&c->a[ahi - 1], &c->b[bhi - 1]))
		ahi--, bhi--;
	if (alo == ahi || blo == bhi || c->cost > DIFF_MAX_COST ||
	    middle_snake(c, alo, ahi - alo, blo, bhi - blo, &x, &y) < 0) {
		mark(c->da, alo, ahi);
		mark(c->db, blo, bhi);
		return;
	}
	compare(c, alo, alo + x, blo, blo + y);
	compare(c, alo + x, ahi, blo + y, bhi);
}

/* ---- output -------------------------------------------------------- */

struct out {
	const struct diff_sink *sink;
	int err;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (!o->err && n)
		o->err = o->sink->write(o->sink->ctx, p, n);
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, buf, (size_t)n < sizeof(buf) ? (size_t)n :
						      sizeof(buf) - 1);
}

static void put_line(struct out *o, char prefix, const struct line *l)
{
	put(o, &prefix, 1);
	put(o, l->p, l->len);
	if (!l->len || l->p[l->len - 1] != '\n')
		puts_(o, "\n\\ No newline at end of file\n");
}

/* "-START[,COUNT]": GNU's rule, COUNT left out when it is 1 */
static void put_range(struct out *o, char sign, size_t first, size_t count)
{
	if (count == 1)
		putf(o, "%c%zu", sign, first + 1);
	else
		putf(o, "%c%zu,%zu", sign, count ? first + 1 : first, count);
}

/* Equal lines between two changes at most this many: one hunk */
#define MERGE_GAP ((size_t)2 * DIFF_CONTEXT)

/*
 * Emit the hunks for the marked lines. Walks a and b in step: in a change,
 * deletions first, then insertions, as git does.
 */
static void emit_hunks(struct out *o, const struct dctx *c, size_t na,
		       size_t nb, struct diff_stat *st)
{
	size_t i = 0, j = 0;

	for (;;) {
		size_t hi, hj, ei, ej, g, tail;

		/* Equal lines up to the next change */
		while (i < na && j < nb && !c->da[i] && !c->db[j])
			i++, j++;
		if (i >= na && j >= nb)
			break;
		hi = i > DIFF_CONTEXT ? i - DIFF_CONTEXT : 0;
		hj = j - (i - hi);
		ei = i, ej = j;
		for (;;) {
			while ((ei < na && c->da[ei]) || (ej < nb && c->db[ej]))
				if (ei < na && c->da[ei])
					ei++;
				else
					ej++;
			g = 0;
			while (g <= MERGE_GAP && ei + g < na && ej + g < nb &&
			       !c->da[ei + g] && !c->db[ej + g])
				g++;
			if (ei + g >= na && ej + g >= nb) {
				tail = g < DIFF_CONTEXT ? g : DIFF_CONTEXT;
				break;
			}
			if (g > MERGE_GAP) {
				tail = DIFF_CONTEXT;
				break;
			}
			ei += g, ej += g;
		}
		ei += tail, ej += tail;
		puts_(o, "@@ ");
		put_range(o, '-', hi, ei - hi);
		puts_(o, " ");
		put_range(o, '+', hj, ej - hj);
		puts_(o, " @@\n");
		i = hi, j = hj;
		while (i < ei || j < ej) {
			if (i < ei && c->da[i]) {
				put_line(o, '-', &c->a[i++]);
				st->deletions++;
			} else if (j < ej && c->db[j]) {
				put_line(o, '+', &c->b[j++]);
				st->insertions++;
			} else {
				put_line(o, ' ', &c->a[i]);
				i++, j++;
			}
		}
	}
}

static bool needs_quote(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == '"' || *p == '\\' || *p >= 0x7f)
			return true;
	return false;
}

/* @prefix and @path as git writes a name: C-quoted when needed */
static void put_name(struct out *o, const char *prefix, const char *path)
{
	static const char esc[] = "\a\b\t\n\v\f\r";
	static const char letter[] = "abtnvfr";

	if (!needs_quote(path)) {
		puts_(o, prefix);
		puts_(o, path);
		return;
	}
	puts_(o, "\"");
	puts_(o, prefix);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		const char *e = *p ? strchr(esc, *p) : NULL;

		if (e)
			putf(o, "\\%c", letter[e - esc]);
		else if (*p == '"' || *p == '\\')
			putf(o, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			putf(o, "\\%03o", *p);
		else
			put(o, p, 1);
	}
	puts_(o, "\"");
}

static void put_label(struct out *o, const char *what, const char *prefix,
		      const char *path, bool is_present)
{
	puts_(o, what);
	if (!is_present) {
		puts_(o, "/dev/null\n");
		return;
	}
	put_name(o, prefix, path);
	/* git's tab after a name with a space, for GNU patch */
	puts_(o, strchr(path, ' ') ? "\t\n" : "\n");
}

static int text_body(struct out *o, const char *path,
		     const struct diff_blob *old, const struct diff_blob *new,
		     void *work, size_t work_len, struct diff_stat *st)
{
	size_t na = old->is_present ? diff_count_lines(old->data, old->len) : 0;
	size_t nb = new->is_present ? diff_count_lines(new->data, new->len) : 0;
	size_t need = diff_work_size(na, nb), v = na + nb + 4;
	uint8_t *w = work;
	struct dctx c = { 0 };

	if (!need)
		return -E2BIG;
	if (work_len < need)
		return -ENOMEM;
	if (!na && !nb)
		return 0;
	/* Carve the work area: lines, flags, V arrays (aligned) */
	c.a = (struct line *)(void *)w;
	c.b = c.a + na;
	c.vf = (int *)(void *)(w + (na + nb) * sizeof(struct line));
	c.vb = c.vf + v;
	c.voff = v / 2;
	c.da = (uint8_t *)(c.vb + v);
	c.db = c.da + na;
	memset(c.da, 0, na + nb);
	if (na)
		split_lines(old->data, old->len, (struct line *)c.a);
	if (nb)
		split_lines(new->data, new->len, (struct line *)c.b);
	compare(&c, 0, na, 0, nb);
	st->is_coarse = c.cost > DIFF_MAX_COST;
	put_label(o, "--- ", "a/", path, old->is_present);
	put_label(o, "+++ ", "b/", path, new->is_present);
	emit_hunks(o, &c, na, nb, st);
	return 0;
}

int diff_entry(const char *path, const struct diff_blob *old,
	       const struct diff_blob *new, void *work, size_t work_len,
	       const struct diff_sink *sink, struct diff_stat *st)
{
	struct out o = { .sink = sink };
	bool same_data = old->is_present && new->is_present &&
			 old->len == new->len &&
			 (!old->len || !memcmp(old->data, new->data, old->len));
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (!old->is_present && !new->is_present)
		return -EINVAL;
	if (!*path || strlen(path) > 4096)
		return -EINVAL;
	if (same_data && old->mode == new->mode)
		return 0;
	puts_(&o, "diff --git ");
	put_name(&o, "a/", path);
	puts_(&o, " ");
	put_name(&o, "b/", path);
	puts_(&o, "\n");
	if (!old->is_present)
		putf(&o, "new file mode %06o\n", new->mode);
	else if (!new->is_present)
		putf(&o, "deleted file mode %06o\n", old->mode);
	else if (old->mode != new->mode)
		putf(&o, "old mode %06o\nnew mode %06o\n", old->mode,
		     new->mode);
	if (same_data || (old->is_present ? old->len : 0) +
				 (new->is_present ? new->len : 0) == 0)
		return o.err;
	st->is_binary =
		old->is_too_large || new->is_too_large ||
		(old->is_present && diff_is_binary(old->data, old->len)) ||
		(new->is_present && diff_is_binary(new->data, new->len));
	if (!st->is_binary) {
		err = text_body(&o, path, old, new, work, work_len, st);
		if (err == -E2BIG)
			st->is_binary = st->is_too_large = true;
		else if (err < 0)
			return err;
	}
	if (st->is_binary) {
		puts_(&o, "Binary files ");
		if (old->is_present)
			put_name(&o, "a/", path);
		else
			puts_(&o, "/dev/null");
		puts_(&o, " and ");
		if (new->is_present)
			put_name(&o, "b/", path);
		else
			puts_(&o, "/dev/null");
		puts_(&o, " differ\n");
	}
	return o.err;
}

int diff_stat_line(size_t files, size_t ins, size_t del, char *out,
		   size_t out_len)
{
	int n, k;

	if (!out_len)
		return -E2BIG;
	n = snprintf(out, out_len, "%zu file%s changed", files,
		     files == 1 ? "" : "s");
	/* git's print_stat_summary(): a zero count shows only when the
	 * other one is zero too */
	if (files && (ins || !del) && n >= 0 && (size_t)n < out_len) {
		k = snprintf(out + n, out_len - (size_t)n,
			     ", %zu insertion%s(+)", ins, ins == 1 ? "" : "s");
		n = k < 0 ? k : n + k;
	}
	if (files && (del || !ins) && n >= 0 && (size_t)n < out_len) {
		k = snprintf(out + n, out_len - (size_t)n,
			     ", %zu deletion%s(-)", del, del == 1 ? "" : "s");
		n = k < 0 ? k : n + k;
	}
	if (n < 0 || (size_t)n >= out_len)
		return -E2BIG;
	return n;
}

// SPDX-License-Identifier: MIT
/*
 * reflog.c - is this a reflog git wrote?
 *
 * Input: a file of .git/logs/ the jail wrote (the upper layer of its
 * overlay, gitlogs.c). Host git appends to it and reads it; only bytes
 * shaped as git writes them are copied back. Each line is
 *
 *	OLD SP NEW SP NAME SP <EMAIL> SP TIME SP TZ [TAB MSG] LF
 *
 * OLD and NEW of one hash length (40 or 64 lowercase hex digits), TIME
 * decimal, TZ a sign and four digits, MSG anything but LF and NUL.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "jail.h"
#include "parse/parse.h"

static bool is_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static bool is_digits(const uint8_t *p, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* NAME <EMAIL> TIME TZ: the identity, then its date */
static bool is_ident(const uint8_t *p, size_t n)
{
	const uint8_t *lt = memchr(p, '<', n);
	const uint8_t *gt = lt ? memchr(lt, '>', n - (size_t)(lt - p)) : NULL;
	const uint8_t *t, *end = p + n;
	size_t tlen;

	if (!lt || !gt || memchr(gt + 1, '<', (size_t)(end - gt - 1)) ||
	    memchr(lt + 1, '<', (size_t)(gt - lt - 1)))
		return false;
	/* " TIME TZ" after the email */
	t = gt + 1;
	if (end - t < 8 || t[0] != ' ')
		return false;
	t++;
	tlen = (size_t)(end - t) - 6;
	if (tlen > 20 || !is_digits(t, tlen) || t[tlen] != ' ' ||
	    (t[tlen + 1] != '+' && t[tlen + 1] != '-') ||
	    !is_digits(t + tlen + 2, 4))
		return false;
	return true;
}

/* One line without its LF */
static bool is_line(const uint8_t *p, size_t n)
{
	size_t h = n > 81 && p[40] == ' ' && p[81] == ' ' ? 40 : 64;
	const uint8_t *tab;
	size_t id;

	if (n < 2 * h + 2 || p[h] != ' ' || p[2 * h + 1] != ' ' ||
	    !is_hex(p, h) || !is_hex(p + h + 1, h) || memchr(p, '\0', n))
		return false;
	p += 2 * h + 2;
	n -= 2 * h + 2;
	tab = memchr(p, '\t', n);
	id = tab ? (size_t)(tab - p) : n;
	return is_ident(p, id);
}

int reflog_check(const uint8_t *buf, size_t len)
{
	size_t lines = 0;

	while (len) {
		const uint8_t *nl = memchr(buf, '\n', len);
		size_t n;

		if (!nl)
			return -EINVAL;
		n = (size_t)(nl - buf);
		if (!is_line(buf, n))
			return -EINVAL;
		if (lines < INT_MAX)
			lines++;
		buf += n + 1;
		len -= n + 1;
	}
	return (int)lines;
}

int reflog_next_new(struct cursor *c, uint8_t id[20])
{
	const uint8_t *nl;
	size_t n;

	if (!c->left)
		return 0;
	nl = memchr(c->p, '\n', c->left);
	if (!nl)
		return -EINVAL;
	n = (size_t)(nl - c->p);
	/* A SHA-1 line only: the objects are read as SHA-1 */
	if (!is_line(c->p, n) || c->p[40] != ' ' || c->p[81] != ' ')
		return -EINVAL;
	for (size_t i = 0; i < 20; i++) {
		const uint8_t *h = c->p + 41 + 2 * i;
		int hi = h[0] <= '9' ? h[0] - '0' : h[0] - 'a' + 10;
		int lo = h[1] <= '9' ? h[1] - '0' : h[1] - 'a' + 10;

		id[i] = (uint8_t)(hi << 4 | lo);
	}
	c->p += n + 1;
	c->left -= n + 1;
	return 1;
}

// SPDX-License-Identifier: MIT
/*
 * push.c - git smart-HTTP pushes (--hold-push): the receive-pack request's
 * command list, the words of the ask, and the refusal git shows
 *
 * A push over HTTPS is "POST REPO/git-receive-pack" whose body starts
 * with pkt-lines (4 hex digits of length, then the payload):
 *
 *   [shallow SHA]...
 *   OLD NEW REFNAME\0CAPABILITIES      the first command
 *   OLD NEW REFNAME                    more commands
 *   0000                               flush: the list ends
 *   PACKFILE...
 *
 * or, for a signed push (git push --signed), the commands inside a
 * certificate block "push-cert\0CAPS", header lines, an empty line, the
 * commands, the signature, "push-cert-end\n", then more commands or the
 * flush. All of it comes from inside the jail: untrusted. The parser
 * reads it through a bounded cursor, like git's receive-pack would, and
 * refuses what receive-pack would die on, so that the refs shown to the
 * person are the refs the server would update.
 */
#include "jail.h"
#include "parse/parse.h"

#define PKT_LEN_MAX 65520	/* git's LARGE_PACKET_MAX */
#define SB64_MAX 65520		/* side-band-64k packets */
#define SB_MAX 1000		/* side-band packets */

/*
 * The next pkt-line of @c. Return: its payload length (@line set, one
 * trailing LF included), PUSH_FLUSH, -EAGAIN (not all here) or -EBADMSG
 */
#define PUSH_FLUSH (-1)
static int next_pkt(struct cursor *c, struct cursor *line)
{
	unsigned int n = 0;

	if (c->left < 4)
		return -EAGAIN;
	for (int i = 0; i < 4; i++) {
		int v = hex_digit(c->p[i]);

		if (v < 0)
			return -EBADMSG;
		n = n << 4 | (unsigned int)v;
	}
	if (n == 0) {
		(void)cur_skip(c, 4);
		return PUSH_FLUSH;
	}
	/* 0001 (delim) and 0002 (response end) are protocol v2 only; 0004,
	 * an empty line, is nothing receive-pack takes either */
	if (n <= 4 || n > PKT_LEN_MAX)
		return -EBADMSG;
	if (c->left < n)
		return -EAGAIN;
	(void)cur_skip(c, 4);
	(void)cur_sub(c, n - 4, line);
	return (int)(n - 4);
}

/* An object name: 40 (SHA-1) or 64 (SHA-256) hex digits. Return: length */
static size_t oid_len(const uint8_t *p, size_t len)
{
	size_t n = 0;

	while (n < len && n <= 64 && hex_digit(p[n]) >= 0)
		n++;
	return n == 40 || n == 64 ? n : 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '0')
			return false;
	return true;
}

/* Note the capabilities we answer in (report-status, side-band) */
static void take_caps(const uint8_t *p, size_t len, struct push_cmds *out)
{
	size_t i = 0;

	while (i < len) {
		size_t w = i;

		while (w < len && p[w] != ' ')
			w++;
#define IS_CAP(s) (w - i == sizeof(s) - 1 && !memcmp(p + i, s, w - i))
		if (IS_CAP("report-status") || IS_CAP("report-status-v2"))
			out->has_report_status = true;
		if (IS_CAP("side-band-64k"))
			out->sideband_max = SB64_MAX;
		if (IS_CAP("side-band") && !out->sideband_max)
			out->sideband_max = SB_MAX;
#undef IS_CAP
		i = w + 1;
	}
}

/*
 * "OLD NEW REFNAME" at @p (@len bytes, no LF, no NUL) into @out.
 * Return: 0, -EBADMSG (receive-pack's "protocol error") or -E2BIG
 */
static int take_cmd(const uint8_t *base, const uint8_t *p, size_t len,
		    struct push_cmds *out)
{
	size_t h = oid_len(p, len);
	struct push_cmd *cmd;

	if (!h || len < 2 * h + 3 || p[h] != ' ' ||
	    oid_len(p + h + 1, len - h - 1) != h || p[2 * h + 1] != ' ')
		return -EBADMSG;
	/* git's check_refname_format() refuses control bytes and spaces */
	for (size_t i = 2 * h + 2; i < len; i++)
		if (p[i] <= ' ' || p[i] == 0x7f)
			return -EBADMSG;
	if (out->n_cmds == PUSH_CMDS_MAX)
		return -E2BIG;
	cmd = &out->cmds[out->n_cmds++];
	cmd->ref_off = (size_t)(p + 2 * h + 2 - base);
	cmd->ref_len = len - 2 * h - 2;
	cmd->is_create = all_zero(p, h);
	cmd->is_delete = all_zero(p + h + 1, h);
	return 0;
}

/* Line @p..@p+@len without its one trailing LF */
static size_t chomp(const uint8_t *p, size_t len)
{
	return len && p[len - 1] == '\n' ? len - 1 : len;
}

enum { IN_LIST, IN_CERT_HEAD, IN_CERT_CMDS, IN_CERT_SIG };

/* One line of a push certificate. Return: 0, 1 (the block ended) or <0 */
static int cert_line(const uint8_t *base, const uint8_t *p, size_t len,
		     int *state, struct push_cmds *out)
{
	static const char sig[] = "-----BEGIN ";
	size_t l = chomp(p, len);

	if (len == 14 && !memcmp(p, "push-cert-end\n", 14))
		return 1;
	if (*state == IN_CERT_HEAD && l == 0)
		*state = IN_CERT_CMDS;
	else if (*state == IN_CERT_CMDS && l >= sizeof(sig) - 1 &&
		 !memcmp(p, sig, sizeof(sig) - 1))
		*state = IN_CERT_SIG;
	else if (*state == IN_CERT_CMDS)
		return take_cmd(base, p, l, out);
	return 0;
}

int push_parse_commands(const uint8_t *buf, size_t len,
			struct push_cmds *out)
{
	struct cursor c = { buf, len };
	int state = IN_LIST;

	memset(out, 0, sizeof(*out));
	/* Each pkt-line takes at least 4 bytes of @c: bounded by @len */
	for (;;) {
		struct cursor line;
		const uint8_t *nul;
		size_t l;
		int n = next_pkt(&c, &line), r;

		if (n == -EAGAIN)
			return len >= PUSH_LIST_MAX ? -E2BIG : -EAGAIN;
		if (n == PUSH_FLUSH) {
			out->end = len - c.left;
			return 0;
		}
		if (n < 0)
			return n;
		if (state != IN_LIST) {
			r = cert_line(buf, line.p, line.left, &state, out);
			if (r < 0)
				return r;
			if (r == 1)
				state = IN_LIST;
			continue;
		}
		l = chomp(line.p, line.left);
		/* receive-pack checks these before it looks for a NUL */
		if (l > 8 && !memcmp(line.p, "shallow ", 8))
			continue;
		nul = memchr(line.p, '\0', l);
		if (nul) {
			take_caps(nul + 1, l - (size_t)(nul + 1 - line.p), out);
			l = (size_t)(nul - line.p);
		}
		if (l == 9 && !memcmp(line.p, "push-cert", 9)) {
			state = IN_CERT_HEAD;
			out->is_signed = true;
			continue;
		}
		r = take_cmd(buf, line.p, l, out);
		if (r < 0)
			return r;
	}
}

bool push_is_receive_pack(const struct http_head *h, char *repo,
			  size_t repo_len)
{
	static const char tail[] = "/git-receive-pack";
	size_t tl = sizeof(tail) - 1, n;
	const char *q;

	if (strcmp(h->method, "POST"))
		return false;
	q = strchr(h->target, '?');
	n = q ? (size_t)(q - h->target) : strlen(h->target);
	if (n < tl || memcmp(h->target + n - tl, tail, tl))
		return false;
	n -= tl;
	/* The absolute form ("https://host/r/git-receive-pack") names the
	 * host (http_parse_head() checked it): the repository is its path */
	if (h->target[0] != '/') {
		const char *s = strstr(h->target, "//");
		const char *p = s ? strchr(s + 2, '/') : NULL;

		if (!p || (size_t)(p - h->target) > n) {
			snprintf(repo, repo_len, "/");
			return true;
		}
		n -= (size_t)(p - h->target);
		snprintf(repo, repo_len, "%.*s", (int)n, p);
		return true;
	}
	snprintf(repo, repo_len, "%.*s", (int)n, h->target);
	return true;
}

void push_detail(const char *repo, const uint8_t *buf,
		 const struct push_cmds *c, char *out, size_t out_len)
{
	size_t w, i;
	int n;

	if (out_len < 64)
		return;
	/* A long path leaves room for the refs, or at least their count */
	if (strlen(repo) > out_len / 2)
		n = snprintf(out, out_len, "%.*s...:", (int)(out_len / 2 - 3),
			     repo);
	else
		n = snprintf(out, out_len, "%s:", *repo ? repo : "/");
	w = n < 0 ? 0 : (size_t)n < out_len ? (size_t)n : out_len - 1;
	for (i = 0; i < c->n_cmds; i++) {
		const struct push_cmd *cmd = &c->cmds[i];
		char more[32];
		size_t need;

		snprintf(more, sizeof(more), " and %zu more",
			 c->n_cmds - i);
		/* This ref, and room for the count of the ones after it */
		need = 1 + cmd->ref_len + (cmd->is_create ? 6 : 0) +
		       (cmd->is_delete ? 9 : 0) + (i ? 1 : 0) +
		       (i + 1 < c->n_cmds ? strlen(more) : 0);
		if (w + need >= out_len)
			break;
		n = snprintf(out + w, out_len - w, "%s %.*s%s", i ? "," : "",
			     (int)cmd->ref_len, (const char *)buf + cmd->ref_off,
			     cmd->is_delete ? " (delete)" :
			     cmd->is_create ? " (new)" : "");
		if (n > 0)
			w += (size_t)n;
	}
	if (i < c->n_cmds)
		snprintf(out + w, out_len - w, " and %zu more", c->n_cmds - i);
}

/* Append pkt-line @data (@len bytes) to @out. Return: 0 or -E2BIG */
static int put_pkt(uint8_t *out, size_t cap, size_t *w, uint8_t band,
		   const void *data, size_t len)
{
	size_t n = len + 4 + (band ? 1 : 0);

	if (n > PKT_LEN_MAX || *w + n > cap)
		return -E2BIG;
	snprintf((char *)out + *w, 5, "%04zx", n);
	*w += 4;
	if (band)
		out[(*w)++] = band;
	memcpy(out + *w, data, len);
	*w += len;
	return 0;
}

int push_refusal(const uint8_t *buf, const struct push_cmds *c,
		 const char *why, uint8_t *out, size_t out_len)
{
	uint8_t report[PUSH_REPORT_MAX];
	char line[PUSH_LIST_MAX / 8];
	size_t rl = 0, w = 0, step;
	int n;

	if (!c->has_report_status)
		return -ENOTSUP;
	if (put_pkt(report, sizeof(report), &rl, 0, "unpack ok\n", 10) < 0)
		return -E2BIG;
	for (size_t i = 0; i < c->n_cmds; i++) {
		n = snprintf(line, sizeof(line), "ng %.*s %s\n",
			     (int)c->cmds[i].ref_len,
			     (const char *)buf + c->cmds[i].ref_off, why);
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    put_pkt(report, sizeof(report), &rl, 0, line, (size_t)n))
			return -E2BIG;
	}
	if (rl + 4 > sizeof(report))
		return -E2BIG;
	memcpy(report + rl, "0000", 4);
	rl += 4;
	if (!c->sideband_max) {
		if (rl > out_len)
			return -E2BIG;
		memcpy(out, report, rl);
		return (int)rl;
	}
	/* Band 2 is shown by git as "remote: ..." */
	n = snprintf(line, sizeof(line), "jail: %s\n", why);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    put_pkt(out, out_len, &w, 2, line, (size_t)n) < 0)
		return -E2BIG;
	step = c->sideband_max - 5;
	for (size_t off = 0; off < rl; off += step)
		if (put_pkt(out, out_len, &w, 1, report + off,
			    rl - off < step ? rl - off : step) < 0)
			return -E2BIG;
	if (w + 4 > out_len)
		return -E2BIG;
	memcpy(out + w, "0000", 4);
	return (int)(w + 4);
}

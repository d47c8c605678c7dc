// SPDX-License-Identifier: MIT
/*
 * ttycsi.c - which CSI sequences pass the terminal filter (ttyfilter.c)
 *
 * Input: one whole CSI sequence, "ESC [" to its final byte, at most
 * TTY_CSI_MAX bytes, written by COMMAND (untrusted). A CSI passes when
 * csi_rules[] names its private marker, intermediate and final byte, and
 * the rule's check accepts its parameters (at most CSI_MAX_PARAMS of them,
 * each read up to 999999). The rules are an allowlist: what moves the
 * cursor, erases, scrolls, sets colours and the modes full-screen
 * programs use, and the requests answered with numbers the terminal
 * chose. Of the requests dropped, those that only ask for the terminal's
 * own state are counted as probes (TTY_KIND_PROBE), the rest as reports.
 * Pure: no I/O, no allocation, no globals but constant tables.
 */
#include <errno.h>
#include <string.h>

#include "parse/parse.h"

#define ESC 0x1b
#define PASS TTY_PASS

#define CSI_MAX_PARAMS 32

struct csi {
	uint8_t prefix;		/* '<' '=' '>' '?' or 0 */
	uint8_t inter;		/* one intermediate byte, or 0 */
	uint8_t final;
	bool has_colon;		/* sub-parameters (SGR only) */
	size_t n_params;
	unsigned int p[CSI_MAX_PARAMS];	/* empty is 0 */
};

/* Parse "ESC [ ... F". Return: 0, or -EBADMSG for a malformed one */
static int csi_parse(const uint8_t *s, size_t n, struct csi *c)
{
	size_t i = 2;

	memset(c, 0, sizeof(*c));
	c->final = s[n - 1];
	if (i < n - 1 && s[i] >= '<' && s[i] <= '?')
		c->prefix = s[i++];
	c->n_params = 1;
	for (; i < n - 1 && s[i] >= 0x30 && s[i] <= 0x3f; i++) {
		if (s[i] == ';' || s[i] == ':') {
			c->has_colon |= s[i] == ':';
			if (c->n_params == CSI_MAX_PARAMS)
				return -EBADMSG;
			c->n_params++;
		} else if (s[i] <= '9') {
			unsigned int *p = &c->p[c->n_params - 1];

			*p = *p > 99999 ? *p : *p * 10 + (s[i] - '0');
		} else {
			return -EBADMSG;	/* '<=>?' past the start */
		}
	}
	if (i < n - 1)
		c->inter = s[i++];
	return i == n - 1 ? 0 : -EBADMSG;	/* one intermediate at most */
}

static bool in_list(unsigned int v, const unsigned short *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

/* SM/RM (CSI h, CSI l): IRM insert mode, LNM newline mode */
static const unsigned short ansi_modes[] = { 4, 20 };

/*
 * DECSET/DECRST (CSI ? h, CSI ? l). Not here, so dropped: 3 and 40
 * (132 columns resize the window), 1001 (waits for an answer), and
 * whatever is unknown. 2031 and 2048 make the terminal report its colour
 * scheme and size unasked, in numbers it chose, like the mouse and focus
 * reports above (Claude Code turns 2031 on).
 */
static const unsigned short dec_modes[] = {
	1,	/* application cursor keys */
	5,	/* reverse video */
	6,	/* origin mode */
	7,	/* autowrap */
	8,	/* autorepeat */
	9,	/* X10 mouse */
	12,	/* blinking cursor */
	25,	/* cursor visible */
	45,	/* reverse wraparound */
	47,	/* alternate screen */
	66,	/* application keypad */
	67,	/* backarrow sends BS */
	69,	/* left and right margins */
	1000, 1002, 1003,	/* mouse reporting */
	1004,	/* focus events */
	1005, 1006, 1015, 1016,	/* mouse encodings */
	1007,	/* alternate scroll */
	1034, 1035, 1036, 1037, 1039,	/* meta and delete keys */
	1047, 1048, 1049,	/* alternate screen, cursor */
	2004,	/* bracketed paste */
	2026,	/* synchronized output */
	2027,	/* grapheme clusters */
	2031,	/* colour scheme change reports */
	2048,	/* in-band size reports */
};

static uint8_t all_in(const struct csi *c, const unsigned short *l, size_t n)
{
	for (size_t i = 0; i < c->n_params; i++)
		if (!in_list(c->p[i], l, n))
			return TTY_KIND_CSI;
	return PASS;
}

/*
 * CSI n: DSR. 5 (status, answered "OK") and 6 (cursor position) are
 * answered with numbers; full-screen programs need 6. The others ask for
 * the terminal's state (printer, keyboard, colour scheme), in numbers:
 * dropped as probes.
 */
static uint8_t dsr_judge(const struct csi *c)
{
	if (c->n_params != 1)
		return TTY_KIND_PROBE;
	if (c->prefix == '?')
		return c->p[0] == 6 ? PASS : TTY_KIND_PROBE;
	return c->p[0] == 5 || c->p[0] == 6 ? PASS : TTY_KIND_PROBE;
}

/*
 * CSI t: window operations. 1..13 and 24 and up act on the host's
 * window (iconify, move, resize, raise). 14..19 report sizes in numbers.
 * 20 and 21 answer with the icon label and title: text chosen by
 * whoever set it, typed back as input. 22 and 23 push and pop titles.
 */
static uint8_t winop_judge(const struct csi *c)
{
	unsigned int op = c->p[0];

	if (op >= 14 && op <= 19 && op != 17)
		return PASS;
	if (op == 22 || op == 23)
		return PASS;
	if (op == 20 || op == 21)
		return TTY_KIND_REPORT;
	return TTY_KIND_WINDOW;
}

enum csi_check {
	CK_PASS,	/* passes with any parameters */
	CK_REPORT,	/* answered as input with text: dropped */
	CK_PROBE,	/* answered with the terminal's own state: dropped */
	CK_ANSI_MODES,
	CK_DEC_MODES,
	CK_DSR,
	CK_WINOP,
	CK_DA1,		/* device attributes: a fixed answer */
};

struct csi_rule {
	uint8_t prefix;
	uint8_t inter;
	uint8_t final;
	uint8_t check;
};

/* Every CSI that is not here is dropped as "CSI" */
static const struct csi_rule csi_rules[] = {
	/* cursor */
	{ 0, 0, 'A', CK_PASS }, { 0, 0, 'B', CK_PASS },	/* CUU CUD */
	{ 0, 0, 'C', CK_PASS }, { 0, 0, 'D', CK_PASS },	/* CUF CUB */
	{ 0, 0, 'E', CK_PASS }, { 0, 0, 'F', CK_PASS },	/* CNL CPL */
	{ 0, 0, 'G', CK_PASS }, { 0, 0, 'H', CK_PASS },	/* CHA CUP */
	{ 0, 0, 'I', CK_PASS }, { 0, 0, 'Z', CK_PASS },	/* CHT CBT */
	{ 0, 0, '`', CK_PASS }, { 0, 0, 'a', CK_PASS },	/* HPA HPR */
	{ 0, 0, 'd', CK_PASS }, { 0, 0, 'e', CK_PASS },	/* VPA VPR */
	{ 0, 0, 'f', CK_PASS },				/* HVP */
	{ 0, 0, 's', CK_PASS }, { 0, 0, 'u', CK_PASS },	/* save, restore */
	{ 0, ' ', 'q', CK_PASS },			/* cursor style */
	/* erase, insert, delete, scroll */
	{ 0, 0, 'J', CK_PASS }, { 0, 0, 'K', CK_PASS },	/* ED EL */
	{ '?', 0, 'J', CK_PASS }, { '?', 0, 'K', CK_PASS },	/* selective */
	{ 0, 0, '@', CK_PASS }, { 0, 0, 'P', CK_PASS },	/* ICH DCH */
	{ 0, 0, 'L', CK_PASS }, { 0, 0, 'M', CK_PASS },	/* IL DL */
	{ 0, 0, 'X', CK_PASS }, { 0, 0, 'b', CK_PASS },	/* ECH REP */
	{ 0, 0, 'S', CK_PASS }, { 0, 0, 'T', CK_PASS },	/* SU SD */
	{ 0, 0, 'r', CK_PASS },				/* scroll region */
	{ 0, 0, 'g', CK_PASS },				/* clear tab stops */
	/* rendition and modes */
	{ 0, 0, 'm', CK_PASS },				/* SGR */
	{ 0, 0, 'h', CK_ANSI_MODES }, { 0, 0, 'l', CK_ANSI_MODES },
	{ '?', 0, 'h', CK_DEC_MODES }, { '?', 0, 'l', CK_DEC_MODES },
	{ '?', 0, 's', CK_PASS }, { '?', 0, 'r', CK_PASS },	/* save modes */
	{ 0, '!', 'p', CK_PASS },			/* DECSTR soft reset */
	/* keyboard protocols: xterm modifyOtherKeys, kitty's flags */
	{ '>', 0, 'm', CK_PASS }, { '>', 0, 'n', CK_PASS },
	{ '?', 0, 'm', CK_PASS },
	{ '>', 0, 'u', CK_PASS }, { '<', 0, 'u', CK_PASS },
	{ '=', 0, 'u', CK_PASS }, { '?', 0, 'u', CK_PASS },
	/* requests answered with numbers the terminal chose */
	{ 0, 0, 'n', CK_DSR }, { '?', 0, 'n', CK_DSR },
	{ 0, 0, 'c', CK_DA1 }, { '>', 0, 'c', CK_PASS },	/* DA1 DA2 */
	{ 0, 0, 't', CK_WINOP },
	/* requests answered as input with the terminal's own state */
	{ '=', 0, 'c', CK_PROBE },			/* DA3 unit id */
	{ '>', 0, 'q', CK_PROBE },			/* XTVERSION */
	{ 0, '$', 'p', CK_PROBE }, { '?', '$', 'p', CK_PROBE }, /* DECRQM */
	{ 0, 0, 'x', CK_PROBE },			/* DECREQTPARM */
	{ 0, '%', 'm', CK_PROBE },	/* vim's parser test, a no-op */
	/* requests answered as input with more than that */
	{ 0, '$', 'u', CK_REPORT }, { 0, '$', 'w', CK_REPORT },
	{ 0, '*', 'y', CK_REPORT },	/* checksum: reads the screen */
};

/*
 * The common case, decided without parsing: no private marker, no
 * intermediate, digits and ';' only (':' in SGR), and a final byte that
 * passes with any parameters.
 */
static const bool csi_plain_final[128] = {
	['A'] = true, ['B'] = true, ['C'] = true, ['D'] = true, ['E'] = true,
	['F'] = true, ['G'] = true, ['H'] = true, ['J'] = true, ['K'] = true,
	['L'] = true, ['M'] = true, ['P'] = true, ['S'] = true, ['T'] = true,
	['X'] = true, ['Z'] = true, ['@'] = true, ['`'] = true, ['a'] = true,
	['b'] = true, ['d'] = true, ['e'] = true, ['f'] = true, ['g'] = true,
	['m'] = true, ['r'] = true,
};

static bool csi_is_plain_pass(const uint8_t *s, size_t n)
{
	uint8_t final = s[n - 1];

	/* Each of these is also in csi_rules[] with CK_PASS */
	if (final >= 128 || !csi_plain_final[final])
		return false;
	for (size_t i = 2; i < n - 1; i++)
		if (!((s[i] >= '0' && s[i] <= ';') && (s[i] != ':' ||
						      final == 'm')))
			return false;
	return true;
}

uint8_t tty_csi_judge(const uint8_t *s, size_t n)
{
	struct csi c;

	if (csi_is_plain_pass(s, n))
		return PASS;
	if (csi_parse(s, n, &c) < 0)
		return TTY_KIND_CSI;
	if (c.has_colon && (c.final != 'm' || c.prefix))
		return TTY_KIND_CSI;
	for (size_t i = 0; i < sizeof(csi_rules) / sizeof(csi_rules[0]); i++) {
		const struct csi_rule *r = &csi_rules[i];

		if (r->final != c.final || r->prefix != c.prefix ||
		    r->inter != c.inter)
			continue;
		switch (r->check) {
		case CK_PASS:
			return PASS;
		case CK_ANSI_MODES:
			return all_in(&c, ansi_modes, sizeof(ansi_modes) / 2);
		case CK_DEC_MODES:
			return all_in(&c, dec_modes, sizeof(dec_modes) / 2);
		case CK_DSR:
			return dsr_judge(&c);
		case CK_WINOP:
			return winop_judge(&c);
		case CK_DA1:
			return c.n_params == 1 && !c.p[0] ? PASS :
							     TTY_KIND_PROBE;
		case CK_PROBE:
			return TTY_KIND_PROBE;
		default:
			return TTY_KIND_REPORT;
		}
	}
	return TTY_KIND_CSI;
}

/*
 * The length of the CSI at @s (@n bytes) if it is whole there and passes
 * as csi_is_plain_pass() would pass it, else 0: the common case of SGR
 * and cursor movement, decided without the state machine.
 */
size_t tty_csi_plain_len(const uint8_t *s, size_t n)
{
	size_t k = 2;
	bool has_colon = false;

	if (n < 3 || s[0] != ESC || s[1] != '[')
		return 0;
	if (n > TTY_CSI_MAX)
		n = TTY_CSI_MAX;
	for (; k < n && s[k] >= '0' && s[k] <= ';'; k++)
		has_colon |= s[k] == ':';
	if (k == n || s[k] >= 128 || !csi_plain_final[s[k]] ||
	    (has_colon && s[k] != 'm'))
		return 0;
	return k + 1;
}

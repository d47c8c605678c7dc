// SPDX-License-Identifier: MIT
/*
 * ttyfilter.c - an allowlist filter for COMMAND's terminal output
 *
 * Input: every byte COMMAND writes to its pty, untrusted, in reads of any
 * size; a sequence may be split over any number of them, so the parser's
 * state lives in struct tty_filter. Output: the same bytes less what the
 * user's terminal would act on outside the jail.
 *
 * The decision tables below say what passes:
 *  - text: printable ASCII and well-formed UTF-8 (ill-formed UTF-8 becomes
 *    '?'), and the C0 controls that move or clear (BEL BS HT LF VT FF CR
 *    SO SI);
 *  - ESC sequences full-screen programs use (esc_pass[], esc_judge());
 *  - CSI sequences for the cursor, erasing, scrolling, SGR and the modes
 *    of the tables in ttycsi.c; of the requests the terminal answers as
 *    input, only those answered with numbers it chose (cursor position,
 *    device attributes, sizes);
 *  - OSC titles, web and mail hyperlinks, colour settings and prompt
 *    marks (osc_judge()).
 * Everything else is dropped and counted by kind: DCS, APC, PM and SOS
 * always, and raw or UTF-8 encoded 8-bit controls (0x80..0x9F), which
 * some terminals obey like their ESC forms. Requests answered with the
 * terminal's own state (colour queries, XTGETTCAP and DECRQSS in their
 * exact shapes, XTVERSION ...) are counted apart, as probes.
 *
 * Only whole sequences that passed are written, so the terminal is back
 * at its ground state after every call. Bounds: an ESC or CSI sequence
 * holds at most TTY_CSI_MAX bytes, an OSC string TTY_STRING_MAX
 * (TTY_CLIP_MAX for an allowed clipboard write); past that, the sequence
 * is dropped to its end as "overlong". A dropped string is skipped, not
 * kept, however long it is.
 *
 * No allocation, no I/O, no globals but constant tables.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "parse/parse.h"

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a
#define DEL 0x7f

enum state {
	ST_GROUND,
	ST_ESC,		/* after ESC */
	ST_ESC_INTER,	/* ESC and intermediate bytes (0x20..0x2f) */
	ST_CSI,		/* ESC [ and parameter or intermediate bytes */
	ST_STR,		/* OSC, DCS, APC, PM or SOS body */
	ST_STR_ESC,	/* ESC inside a string: ST or a new sequence */
};

/* A verdict: a kind to drop as, or PASS */
#define PASS TTY_PASS

/* ---- text ---------------------------------------------------------- */

/* C0 controls that pass: BEL BS HT LF VT FF CR SO SI */
static bool is_pass_c0(uint8_t c)
{
	return c >= 0x07 && c <= 0x0f;
}

/* Bytes copied as they are at the ground state (the fast path) */
static const bool is_plain[256] = {
	[0x07 ... 0x0f] = true,	/* is_pass_c0() */
	[0x20 ... 0x7e] = true,
};

static void emit(uint8_t *out, size_t *o, const void *p, size_t n)
{
	memcpy(out + *o, p, n);
	*o += n;
}

static void drop(struct tty_filter *f, uint8_t kind)
{
	f->n_dropped[kind]++;
}

/* ---- sequence starts ------------------------------------------------ */

static void begin_esc(struct tty_filter *f)
{
	f->state = ST_ESC;
	f->seq[0] = ESC;
	f->seq_len = 1;
	f->is_dropping = false;
}

/* A string whose verdict is known at its start: skipped to its end */
static void begin_dropped_string(struct tty_filter *f, uint8_t kind,
				 uint8_t str_kind, bool is_8bit)
{
	f->state = ST_STR;
	f->str_kind = str_kind;
	f->str_8bit = is_8bit;
	f->is_dropping = true;
	f->drop_kind = kind;
}

/*
 * An 8-bit control (raw, or U+0080..U+009F in UTF-8). Some terminals obey
 * them like their ESC forms, so the sequence they begin is recognised and
 * dropped whole, never printed as text.
 */
static void on_c1(struct tty_filter *f, uint8_t c)
{
	switch (c) {
	case 0x9b:	/* CSI */
		f->state = ST_CSI;
		f->seq_len = 0;
		f->is_dropping = true;
		f->drop_kind = TTY_KIND_C1;
		return;
	case 0x9d:	/* OSC */
		begin_dropped_string(f, TTY_KIND_C1, TTY_KIND_OSC, true);
		return;
	case 0x90:	/* DCS */
	case 0x98:	/* SOS */
	case 0x9e:	/* PM */
	case 0x9f:	/* APC */
		begin_dropped_string(f, TTY_KIND_C1, TTY_KIND_DCS, true);
		return;
	default:
		drop(f, TTY_KIND_C1);
	}
}

static void on_c0(struct tty_filter *f, uint8_t c, uint8_t *out, size_t *o)
{
	if (c == ESC)
		begin_esc(f);
	else if (is_pass_c0(c))
		emit(out, o, &c, 1);
	else if (c == 0x05)	/* ENQ: the answerback message, as input */
		drop(f, TTY_KIND_REPORT);
	else if (c != 0)	/* NUL is padding, ignored by terminals */
		drop(f, TTY_KIND_CONTROL);
}

/* ---- UTF-8 ---------------------------------------------------------- */

/* Start a UTF-8 sequence at lead byte @c. Return: false if @c cannot be one */
static bool utf8_lead(struct tty_filter *f, uint8_t c)
{
	f->u8_lo = 0x80;
	f->u8_hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		f->u8_need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		f->u8_need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		f->u8_need = 3;
	else
		return false;
	/* No overlong forms, no surrogates, nothing past U+10FFFF */
	if (c == 0xe0)
		f->u8_lo = 0xa0;
	else if (c == 0xed)
		f->u8_hi = 0x9f;
	else if (c == 0xf0)
		f->u8_lo = 0x90;
	else if (c == 0xf4)
		f->u8_hi = 0x8f;
	f->u8[0] = c;
	f->u8_len = 1;
	return true;
}

/*
 * A continuation byte @c while a UTF-8 sequence is open. Return: true if
 * it was taken, false if the sequence was ill-formed (then written as one
 * '?' and @c must be read afresh).
 */
static bool utf8_cont(struct tty_filter *f, uint8_t c, uint8_t *out,
		      size_t *o)
{
	if (c < f->u8_lo || c > f->u8_hi) {
		f->u8_need = 0;
		emit(out, o, "?", 1);
		return false;
	}
	f->u8[f->u8_len++] = c;
	f->u8_lo = 0x80;
	f->u8_hi = 0xbf;
	if (--f->u8_need)
		return true;
	/* U+0080..U+009F: an 8-bit control in UTF-8 clothing */
	if (f->u8[0] == 0xc2 && f->u8[1] < 0xa0)
		on_c1(f, f->u8[1]);
	else
		emit(out, o, f->u8, f->u8_len);
	return true;
}

static void on_ground(struct tty_filter *f, uint8_t c, uint8_t *out,
		      size_t *o)
{
	if (f->u8_need && utf8_cont(f, c, out, o))
		return;
	if (c < 0x20)
		on_c0(f, c, out, o);
	else if (c >= 0x80 && c < 0xa0)
		on_c1(f, c);
	else if (c < DEL || (c > DEL && !f->is_utf8))
		emit(out, o, &c, 1);
	else if (c > DEL && !utf8_lead(f, c))
		emit(out, o, "?", 1);
	/* DEL is ignored by terminals: dropped silently */
}

/* ---- ESC sequences -------------------------------------------------- */

/*
 * ESC F: the final byte alone. What is not here is dropped as "ESC",
 * among it ESC Z (DECID, answered as input), ESC SP F/G (controls in
 * answers) and ESC % (leaving UTF-8, after which UTF-8 text would carry
 * 8-bit controls).
 */
static const char esc_pass[] = {
	'7',	/* DECSC save cursor */
	'8',	/* DECRC restore cursor */
	'=',	/* DECKPAM application keypad */
	'>',	/* DECKPNM normal keypad */
	'D',	/* IND index */
	'E',	/* NEL next line */
	'H',	/* HTS set tab stop */
	'M',	/* RI reverse index */
	'c',	/* RIS full reset (what `reset` sends) */
	'\0',
};

static uint8_t esc_judge(const uint8_t *s, size_t n)
{
	uint8_t first = s[1], final = s[n - 1];

	if (n == 2)
		return final && strchr(esc_pass, final) ? PASS :
		       final == 'Z'			 ? TTY_KIND_PROBE :
							   TTY_KIND_ESC;
	/* ESC ( B, ESC ) 0, ESC ( % 5 ...: designate a character set */
	if (strchr("()*+-./", first) && n <= 4)
		return PASS;
	/* ESC # 3/4/5/6 line size, ESC # 8 DECALN */
	if (first == '#' && n == 3 && strchr("34568", final))
		return PASS;
	return TTY_KIND_ESC;
}

static void finish_esc(struct tty_filter *f, uint8_t *out, size_t *o)
{
	uint8_t v = f->is_dropping ? f->drop_kind :
				     esc_judge(f->seq, f->seq_len);

	if (v == PASS)
		emit(out, o, f->seq, f->seq_len);
	else
		drop(f, v);
	f->state = ST_GROUND;
}

/* Append @c to the ESC or CSI sequence, bounded */
static void seq_add(struct tty_filter *f, uint8_t c)
{
	if (f->is_dropping)
		return;
	if (f->seq_len >= TTY_CSI_MAX) {
		f->is_dropping = true;
		f->drop_kind = TTY_KIND_OVERLONG;
		return;
	}
	f->seq[f->seq_len++] = c;
}

/*
 * A control inside an ESC or CSI sequence: terminals act on C0 controls
 * there and go on with the sequence; CAN and SUB cancel it, ESC starts
 * another. Return: true if @c was handled here.
 */
static bool control_in_seq(struct tty_filter *f, uint8_t c, uint8_t *out,
			   size_t *o)
{
	if (c >= 0x20 && c != DEL)
		return false;
	if (c == ESC) {
		if (f->seq_len > 1 || f->is_dropping)
			drop(f, f->is_dropping ? f->drop_kind :
				f->state == ST_CSI ? TTY_KIND_CSI :
						     TTY_KIND_ESC);
		begin_esc(f);
	} else if (c == CAN || c == SUB) {
		drop(f, f->is_dropping ? f->drop_kind :
			f->state == ST_CSI ? TTY_KIND_CSI :
					     TTY_KIND_ESC);
		f->state = ST_GROUND;
	} else if (c != DEL) {
		on_c0(f, c, out, o);
	}
	return true;
}

static void start_string(struct tty_filter *f, uint8_t intro);

static void on_esc(struct tty_filter *f, uint8_t c, uint8_t *out, size_t *o)
{
	if (control_in_seq(f, c, out, o))
		return;
	if (c >= 0x80) {
		/* Not part of any sequence: dropped, and read afresh */
		drop(f, TTY_KIND_ESC);
		f->state = ST_GROUND;
		on_ground(f, c, out, o);
		return;
	}
	seq_add(f, c);
	if (c < 0x30) {
		f->state = ST_ESC_INTER;
		return;
	}
	if (f->state == ST_ESC && c == '[') {
		f->state = ST_CSI;
		return;
	}
	if (f->state == ST_ESC && strchr("]P_^X", c)) {
		start_string(f, c);
		return;
	}
	finish_esc(f, out, o);
}

/* ---- CSI (the rules are in ttycsi.c) -------------------------------- */

static void on_csi(struct tty_filter *f, uint8_t c, uint8_t *out, size_t *o)
{
	uint8_t v;

	if (control_in_seq(f, c, out, o))
		return;
	if (c >= 0x80) {
		drop(f, f->is_dropping ? f->drop_kind : TTY_KIND_CSI);
		f->state = ST_GROUND;
		on_ground(f, c, out, o);
		return;
	}
	seq_add(f, c);
	if (c < 0x40)
		return;		/* parameter or intermediate byte */
	v = f->is_dropping ? f->drop_kind : tty_csi_judge(f->seq, f->seq_len);
	if (v == PASS)
		emit(out, o, f->seq, f->seq_len);
	else
		drop(f, v);
	f->state = ST_GROUND;
}

/* ---- OSC and other strings ----------------------------------------- */

/* The OSC number at the start of @s (@n bytes), up to ';' or the end */
static int osc_number(const uint8_t *s, size_t n, size_t *end)
{
	unsigned int v = 0;
	size_t i = 0;

	for (; i < n && s[i] >= '0' && s[i] <= '9' && i < 6; i++)
		v = v * 10 + (s[i] - '0');
	*end = i;
	if (!i || (i < n && s[i] != ';'))
		return -1;
	return (int)v;
}

/*
 * OSCs that may pass if their text is right (osc_judge()). Any other
 * is dropped at its start, without being held: 52 (unless allowed) and
 * 5522 as clipboard, 1337 and 5113 as file transfer, the rest as OSC.
 */
static uint8_t osc_candidate(const struct tty_filter *f, int num)
{
	switch (num) {
	case 0: case 1: case 2:		/* titles */
	case 8:				/* hyperlink */
	case 4: case 10: case 11: case 12:	/* set colours */
	case 104: case 110: case 111: case 112:	/* reset colours */
	case 133:			/* prompt marks */
		return PASS;
	case 52:
		return f->allow & TTY_ALLOW_CLIPBOARD ? PASS :
							TTY_KIND_CLIPBOARD;
	case 5522:
		return TTY_KIND_CLIPBOARD;
	case 1337: case 5113:
		return TTY_KIND_FILE;
	default:
		return TTY_KIND_OSC;
	}
}

/*
 * The length of the well-formed UTF-8 sequence at @s (@n bytes), or 0.
 * U+0080..U+009F do not count: they are 8-bit controls.
 */
static size_t utf8_valid_len(const uint8_t *s, size_t n)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xc2 || s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Printable text: no C0, DEL or 8-bit control, UTF-8 well formed */
static bool is_printable_text(const struct tty_filter *f, const uint8_t *s,
			      size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k = 1;

		if (s[i] < 0x20 || s[i] == DEL ||
		    (s[i] >= 0x80 && s[i] < 0xa0))
			return false;
		if (s[i] >= 0x80 && f->is_utf8) {
			k = utf8_valid_len(s + i, n - i);
			if (!k)
				return false;
		}
		i += k;
	}
	return true;
}

/* Printable ASCII without @bad characters */
static bool is_ascii(const uint8_t *s, size_t n, const char *bad)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= DEL || strchr(bad, s[i]))
			return false;
	return true;
}

static bool has_prefix(const uint8_t *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && !strncasecmp((const char *)s, p, k);
}

/*
 * OSC 8 ; PARAMS ; URI: a hyperlink the user may click. Only web and mail
 * links, in printable ASCII: terminals hand other schemes to whatever
 * handler the desktop registered for them, and a file:// link would open
 * a file the jail wrote (in the project) with the host's default
 * application for its type.
 */
static uint8_t hyperlink_judge(const uint8_t *s, size_t n)
{
	const uint8_t *semi = memchr(s, ';', n);
	const uint8_t *uri;
	size_t ulen;

	if (!semi || !is_ascii(s, (size_t)(semi - s), ""))
		return TTY_KIND_OSC;
	uri = semi + 1;
	ulen = n - (size_t)(uri - s);
	if (!ulen)
		return PASS;	/* the end of a link */
	if (!is_ascii(uri, ulen, "") ||
	    !(has_prefix(uri, ulen, "http://") ||
	      has_prefix(uri, ulen, "https://") ||
	      has_prefix(uri, ulen, "mailto:")))
		return TTY_KIND_OSC;
	return PASS;
}

/* OSC 52 ; TARGETS ; BASE64: a write. "?" would read the clipboard */
static uint8_t clipboard_judge(const uint8_t *s, size_t n)
{
	const uint8_t *semi = memchr(s, ';', n);
	size_t i;

	if (!semi)
		return TTY_KIND_CLIPBOARD;
	for (const uint8_t *t = s; t < semi; t++)
		if (!strchr("cpqs01234567", *t) || !*t)
			return TTY_KIND_CLIPBOARD;
	i = (size_t)(semi + 1 - s);
	if (i < n && s[i] == '?')
		return TTY_KIND_REPORT;
	for (; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
		      s[i] == '/' || s[i] == '='))
			return TTY_KIND_CLIPBOARD;
	return PASS;
}

/* A whole OSC, "ESC ] ..." without its terminator */
static uint8_t osc_judge(const struct tty_filter *f, const uint8_t *s,
			 size_t n)
{
	size_t end;
	int num = osc_number(s, n, &end);
	const uint8_t *arg = s + end + (end < n);
	size_t alen = n - end - (end < n);

	if (num < 0 || osc_candidate(f, num) != PASS)
		return num < 0 ? TTY_KIND_OSC : osc_candidate(f, num);
	switch (num) {
	case 0: case 1: case 2:
		return alen <= TTY_STRING_MAX &&
		       is_printable_text(f, arg, alen) ? PASS : TTY_KIND_OSC;
	case 8:
		return hyperlink_judge(arg, alen);
	case 52:
		return clipboard_judge(arg, alen);
	default:
		/* Colours and marks: "?" asks for an answer as input */
		if (memchr(arg, '?', alen))
			return num <= 12 && is_ascii(arg, alen, "") ?
				       TTY_KIND_PROBE : TTY_KIND_REPORT;
		return is_ascii(arg, alen, "") ? PASS : TTY_KIND_OSC;
	}
}

static void start_string(struct tty_filter *f, uint8_t intro)
{
	f->state = ST_STR;
	f->str_8bit = false;
	switch (intro) {
	case ']':
		f->str_kind = TTY_KIND_OSC;
		return;		/* judged by its number, once it is read */
	case 'P':
		/* A probe until a byte shows otherwise (dcs_probe_add()) */
		f->str_kind = TTY_KIND_DCS;
		f->is_dropping = true;
		f->drop_kind = TTY_KIND_PROBE;
		return;
	case '_':
		f->str_kind = TTY_KIND_APC;
		break;
	case '^':
		f->str_kind = TTY_KIND_PM;
		break;
	default:
		f->str_kind = TTY_KIND_SOS;
		break;
	}
	f->is_dropping = true;
	f->drop_kind = f->str_kind;
}

static size_t string_limit(const struct tty_filter *f)
{
	/* "ESC ] 52 ;" */
	if (f->seq_len >= 5 && f->seq[2] == '5' && f->seq[3] == '2' &&
	    f->seq[4] == ';')
		return TTY_CLIP_MAX;
	return TTY_STRING_MAX + 16;
}

/* Add a byte to an OSC that may pass; judge it by its number early */
static void osc_add(struct tty_filter *f, uint8_t c)
{
	size_t end;

	if (f->seq_len >= string_limit(f)) {
		f->is_dropping = true;
		f->drop_kind = TTY_KIND_OVERLONG;
		return;
	}
	f->seq[f->seq_len++] = c;
	if (c != ';' && !(c < '0' || c > '9'))
		return;
	/* The number is complete (or malformed): drop it now if it must */
	if (osc_number(f->seq + 2, f->seq_len - 2, &end) < 0 &&
	    end + 2 < f->seq_len) {
		f->is_dropping = true;
		f->drop_kind = TTY_KIND_OSC;
	} else if (c == ';') {
		uint8_t v = osc_candidate(f, osc_number(f->seq + 2,
							f->seq_len - 2, &end));

		if (v != PASS) {
			f->is_dropping = true;
			f->drop_kind = v;
		}
	}
}

/*
 * A byte of a DCS still taken for a probe, "ESC P" in @f->seq. A DCS is
 * a probe only in the exact shapes terminals answer with their own
 * state: XTGETTCAP ("+q" and hex names), DECRQSS ("$q" and a setting of
 * up to 3 bytes) and vim's parser test ("zz", which terminals ignore).
 * Any other byte makes it a DCS (tmux's passthrough among them).
 */
static void dcs_probe_add(struct tty_filter *f, uint8_t c)
{
	const uint8_t *body = f->seq + 2;
	size_t i = f->seq_len - 2;	/* body bytes before @c */
	bool fits;

	if (i == 0)
		fits = c == '+' || c == '$' || c == 'z';
	else if (i == 1)
		fits = c == (body[0] == 'z' ? 'z' : 'q');
	else if (body[0] == '+')
		fits = i < TTY_CSI_MAX && (c == ';' || (c >= '0' && c <= '9') ||
					   (c >= 'A' && c <= 'F') ||
					   (c >= 'a' && c <= 'f'));
	else if (body[0] == '$')
		fits = i < 5 && c >= 0x20 && c < DEL;
	else
		fits = false;
	if (fits)
		f->seq[f->seq_len++] = c;
	else
		f->drop_kind = TTY_KIND_DCS;
}

/* The kind a string is counted as when it is cut short: never a probe */
static uint8_t cut_string_kind(const struct tty_filter *f)
{
	if (!f->is_dropping || f->drop_kind == TTY_KIND_PROBE)
		return f->str_kind;
	return f->drop_kind;
}

/* The string ended with @term ("\a" or "ESC \") of @term_len bytes */
static void finish_string(struct tty_filter *f, const char *term,
			  size_t term_len, uint8_t *out, size_t *o)
{
	uint8_t v = f->is_dropping ? f->drop_kind :
				     osc_judge(f, f->seq + 2, f->seq_len - 2);

	/* A probe's intro is two bytes at least ("+q", "$q", "zz") */
	if (v == TTY_KIND_PROBE && f->seq_len < 4)
		v = f->str_kind;

	if (v == PASS) {
		emit(out, o, f->seq, f->seq_len);
		emit(out, o, term, term_len);
	} else {
		drop(f, v);
	}
	f->state = ST_GROUND;
}

static void on_string(struct tty_filter *f, uint8_t c, uint8_t *out,
		      size_t *o)
{
	if (c == ESC) {
		f->state = ST_STR_ESC;
	} else if (c == BEL && f->str_kind == TTY_KIND_OSC) {
		finish_string(f, "\a", 1, out, o);
	} else if (c == 0x9c && f->str_8bit) {
		finish_string(f, "", 0, out, o);
	} else if (c == CAN || c == SUB) {
		drop(f, cut_string_kind(f));
		f->state = ST_GROUND;
	} else if (!f->is_dropping && c < 0x20) {
		/* A control in a title or a link: the string is dropped */
		f->is_dropping = true;
		f->drop_kind = f->str_kind;
	} else if (!f->is_dropping) {
		osc_add(f, c);
	} else if (f->drop_kind == TTY_KIND_PROBE) {
		dcs_probe_add(f, c);
	}
}

/* ESC inside a string: "ESC \" ends it, anything else cancels it */
static void on_string_esc(struct tty_filter *f, uint8_t c, uint8_t *out,
			  size_t *o)
{
	if (c == '\\') {
		finish_string(f, "\x1b\\", 2, out, o);
		return;
	}
	drop(f, cut_string_kind(f));
	begin_esc(f);
	on_esc(f, c, out, o);
}

/* ---- the loop ------------------------------------------------------- */

static void step(struct tty_filter *f, uint8_t c, uint8_t *out, size_t *o)
{
	switch (f->state) {
	case ST_GROUND:
		on_ground(f, c, out, o);
		break;
	case ST_ESC:
	case ST_ESC_INTER:
		on_esc(f, c, out, o);
		break;
	case ST_CSI:
		on_csi(f, c, out, o);
		break;
	case ST_STR:
		on_string(f, c, out, o);
		break;
	default:
		on_string_esc(f, c, out, o);
		break;
	}
}

/*
 * Whether the 8 bytes at @s are all printable ASCII (0x20..0x7e), tested
 * at once. It may answer false for some that are (a borrow or a carry
 * from a byte that is not), never true for some that are not.
 */
static bool word_is_printable(const uint8_t *s)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t x;

	memcpy(&x, s, sizeof(x));
	/* bytes below 0x20 borrow; 0x7f and up have (or get) the high bit */
	return !((((x - 0x20 * ones) & ~x) | (x + ones) | x) & high);
}

/*
 * The length of the run at @s (@n bytes) that passes unchanged at the
 * ground state: plain text, whole UTF-8 characters and whole CSIs that
 * pass; copied in one go (the fast path). The state machine would give
 * the same bytes; it takes over where the run ends.
 */
static size_t plain_run_len(const struct tty_filter *f, const uint8_t *s,
			    size_t n)
{
	size_t k = 0, m;

	while (k < n) {
		if (n - k >= 8 && word_is_printable(s + k)) {
			k += 8;
			continue;
		}
		if (is_plain[s[k]]) {
			k++;
			continue;
		}
		m = 0;
		if (s[k] == ESC)
			m = tty_csi_plain_len(s + k, n - k);
		else if (s[k] >= 0xc2 && f->is_utf8)
			m = utf8_valid_len(s + k, n - k);
		if (!m)
			break;
		k += m;
	}
	return k;
}

ssize_t tty_filter_run(struct tty_filter *f, const uint8_t *in, size_t in_len,
		       uint8_t *out, size_t out_len)
{
	size_t i = 0, o = 0;

	if (out_len < in_len || out_len - in_len < TTY_FILTER_SLACK)
		return -E2BIG;
	while (i < in_len) {
		if (f->state == ST_GROUND && !f->u8_need) {
			size_t k = plain_run_len(f, in + i, in_len - i);

			emit(out, &o, in + i, k);
			i += k;
			if (i == in_len)
				break;
			if (in[i] == ESC && i + 1 < in_len &&
			    in[i + 1] == '[') {
				begin_esc(f);
				f->seq[f->seq_len++] = '[';
				f->state = ST_CSI;
				i += 2;
				continue;
			}
		}
		if (f->state == ST_CSI && !f->is_dropping) {
			/* So are a CSI's parameter bytes */
			size_t k = i, room = TTY_CSI_MAX - f->seq_len;

			while (k < in_len && k - i < room && in[k] >= 0x20 &&
			       in[k] < 0x40)
				k++;
			memcpy(f->seq + f->seq_len, in + i, k - i);
			f->seq_len += k - i;
			i = k;
			if (i == in_len)
				break;
		}
		step(f, in[i++], out, &o);
	}
	return (ssize_t)o;
}

void tty_filter_init(struct tty_filter *f, unsigned int allow, bool is_utf8)
{
	memset(f, 0, offsetof(struct tty_filter, seq));
	memset(f->n_dropped, 0, sizeof(f->n_dropped));
	f->allow = allow;
	f->is_utf8 = is_utf8;
	f->state = ST_GROUND;
}

void tty_filter_finish(struct tty_filter *f)
{
	uint8_t kind = f->state >= ST_STR	? cut_string_kind(f) :
		       f->is_dropping		? f->drop_kind :
		       f->state == ST_CSI	? TTY_KIND_CSI :
						  TTY_KIND_ESC;

	/* A lone ESC at the very end is nothing yet */
	if (f->state != ST_GROUND &&
	    !(f->state == ST_ESC && f->seq_len == 1 && !f->is_dropping))
		drop(f, kind);
	f->state = ST_GROUND;
	f->u8_need = 0;
}

unsigned long long tty_filter_dropped(const struct tty_filter *f)
{
	unsigned long long n = 0;

	for (size_t k = 0; k < TTY_N_KINDS; k++)
		n += f->n_dropped[k];
	return n;
}

bool tty_kind_is_probe(enum tty_kind kind)
{
	return kind == TTY_KIND_PROBE;
}

unsigned long long tty_filter_dropped_shown(const struct tty_filter *f)
{
	return tty_filter_dropped(f) - f->n_dropped[TTY_KIND_PROBE];
}

static const char *const kind_tokens[TTY_N_KINDS] = {
	[TTY_KIND_CLIPBOARD] = "clipboard",
	[TTY_KIND_FILE] = "file",
	[TTY_KIND_OSC] = "osc",
	[TTY_KIND_DCS] = "dcs",
	[TTY_KIND_APC] = "apc",
	[TTY_KIND_PM] = "pm",
	[TTY_KIND_SOS] = "sos",
	[TTY_KIND_REPORT] = "report",
	[TTY_KIND_WINDOW] = "window",
	[TTY_KIND_CSI] = "csi",
	[TTY_KIND_ESC] = "esc",
	[TTY_KIND_C1] = "c1",
	[TTY_KIND_CONTROL] = "control",
	[TTY_KIND_OVERLONG] = "overlong",
	[TTY_KIND_PROBE] = "probe",
};

static const char *const kind_labels[TTY_N_KINDS] = {
	[TTY_KIND_CLIPBOARD] = "clipboard",
	[TTY_KIND_FILE] = "file transfer",
	[TTY_KIND_OSC] = "OSC",
	[TTY_KIND_DCS] = "DCS",
	[TTY_KIND_APC] = "APC",
	[TTY_KIND_PM] = "PM",
	[TTY_KIND_SOS] = "SOS",
	[TTY_KIND_REPORT] = "report request",
	[TTY_KIND_WINDOW] = "window operation",
	[TTY_KIND_CSI] = "CSI",
	[TTY_KIND_ESC] = "ESC",
	[TTY_KIND_C1] = "8-bit control",
	[TTY_KIND_CONTROL] = "control character",
	[TTY_KIND_OVERLONG] = "overlong",
	[TTY_KIND_PROBE] = "capability probe",
};

const char *tty_kind_token(enum tty_kind kind)
{
	return (unsigned int)kind < TTY_N_KINDS ? kind_tokens[kind] : "?";
}

const char *tty_kind_label(enum tty_kind kind)
{
	return (unsigned int)kind < TTY_N_KINDS ? kind_labels[kind] : "?";
}

int tty_allow_parse(const char *arg, unsigned int *allow)
{
	const char *p = arg;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 9 && !strncmp(p, "clipboard", n))
			*allow |= TTY_ALLOW_CLIPBOARD;
		else if (n == 3 && !strncmp(p, "raw", n))
			*allow |= TTY_ALLOW_RAW;
		else
			return -EINVAL;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * ttyfilter.h - what of COMMAND's terminal output reaches the user's
 * terminal
 *
 * The relay copies COMMAND's pty output to the user's terminal emulator,
 * which acts on some sequences outside the jail: clipboard writes, file
 * transfers, passthrough to an outer multiplexer, and reports it types
 * back as input. tty_filter_run() passes what full-screen programs need
 * and drops the rest, counting it by kind.
 */
#ifndef JAIL_TTYFILTER_H
#define JAIL_TTYFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* --tty-allow: what passes beyond the default allowlist */
#define TTY_ALLOW_CLIPBOARD 1u	/* OSC 52 clipboard writes (never reads) */
#define TTY_ALLOW_RAW 2u	/* everything: no filtering at all */

#define TTY_CSI_MAX 256		/* bytes of one ESC or CSI sequence */
#define TTY_STRING_MAX 4096	/* bytes of a title, hyperlink or colour */
#define TTY_CLIP_MAX 32768	/* bytes of an allowed OSC 52 write */
/* Output can exceed input by what was held from earlier calls */
#define TTY_FILTER_SLACK (TTY_CLIP_MAX + 16)

/* What was dropped, counted separately */
enum tty_kind {
	TTY_KIND_CLIPBOARD,	/* OSC 52, OSC 5522 */
	TTY_KIND_FILE,		/* OSC 1337 (iTerm2), OSC 5113 (kitty) */
	TTY_KIND_OSC,		/* any other OSC */
	TTY_KIND_DCS,		/* DECRQSS, XTGETTCAP, tmux passthrough ... */
	TTY_KIND_APC,		/* kitty graphics ... */
	TTY_KIND_PM,
	TTY_KIND_SOS,
	TTY_KIND_REPORT,	/* requests the terminal answers as input */
	TTY_KIND_WINDOW,	/* iconify, move, resize the host's window */
	TTY_KIND_CSI,		/* any other CSI */
	TTY_KIND_ESC,		/* any other ESC sequence */
	TTY_KIND_C1,		/* 8-bit controls, raw or UTF-8 encoded */
	TTY_KIND_CONTROL,	/* C0 controls that neither move nor clear */
	TTY_KIND_OVERLONG,	/* a sequence past its length bound */
	TTY_N_KINDS
};

/* The filter's state, carried from one read of the pty to the next */
struct tty_filter {
	unsigned int allow;	/* TTY_ALLOW_* */
	bool is_utf8;		/* the user's terminal decodes UTF-8 */
	uint8_t state;		/* parser state (ttyfilter.c) */
	uint8_t str_kind;	/* the kind of the string being read */
	bool is_dropping;	/* the sequence is judged: drop it */
	uint8_t drop_kind;	/* ... as this kind */
	bool str_8bit;		/* the string began with an 8-bit control */
	uint8_t u8_need;	/* UTF-8 continuation bytes still expected */
	uint8_t u8_len;
	uint8_t u8_lo, u8_hi;	/* the range of the next continuation byte */
	uint8_t u8[4];
	size_t seq_len;
	uint8_t seq[TTY_CLIP_MAX + 8];	/* the sequence read so far */
	unsigned long long n_dropped[TTY_N_KINDS];
};

/**
 * tty_filter_init() - Start a filter at the ground state
 * @f:		the filter
 * @allow:	TTY_ALLOW_* bits
 * @is_utf8:	the user's terminal decodes UTF-8 (else 8-bit, where every
 *		byte 0x80..0x9F is a control)
 */
void tty_filter_init(struct tty_filter *f, unsigned int allow, bool is_utf8);

/**
 * tty_filter_run() - Filter one read of COMMAND's terminal output
 * @f:		the filter, carrying sequences split across reads
 * @in:		bytes COMMAND wrote (untrusted)
 * @in_len:	their number
 * @out:	where what may reach the user's terminal goes
 * @out_len:	its size: at least @in_len + TTY_FILTER_SLACK
 *
 * Pure: no I/O, no allocation. Only whole sequences that are allowed are
 * written, so between two calls the user's terminal is always at its
 * ground state. A sequence not complete at the end of @in is held in @f.
 *
 * Return: bytes written to @out, or -E2BIG when @out_len is too small
 */
ssize_t tty_filter_run(struct tty_filter *f, const uint8_t *in, size_t in_len,
		       uint8_t *out, size_t out_len);

/* End of output: count a sequence still held as dropped, and reset */
void tty_filter_finish(struct tty_filter *f);

/* The total of @f->n_dropped */
unsigned long long tty_filter_dropped(const struct tty_filter *f);

/* A short token for @kind ("clipboard", "dcs"), as the audit log has it */
const char *tty_kind_token(enum tty_kind kind);
/* A few words for @kind ("clipboard write"), for a person */
const char *tty_kind_label(enum tty_kind kind);

/**
 * tty_allow_parse() - Parse one --tty-allow value
 * @arg:	"clipboard", "raw", or a comma list of them
 * @allow:	TTY_ALLOW_* bits added
 *
 * Return: 0, or -EINVAL for an empty or unknown word
 */
int tty_allow_parse(const char *arg, unsigned int *allow);

/* ---- ttycsi.c: the CSI rules of tty_filter_run() -------------------- */

#define TTY_PASS 0xff	/* a verdict: passes (else a tty_kind to drop as) */

/* The verdict on one whole CSI "ESC [ ... F" (@n bytes): TTY_PASS or a kind */
uint8_t tty_csi_judge(const uint8_t *s, size_t n);

/*
 * The length of the CSI at @s (@n bytes) when it is whole there and
 * passes with any parameters (SGR, cursor movement), else 0: the fast
 * path, decided without the state machine
 */
size_t tty_csi_plain_len(const uint8_t *s, size_t n);

/* ---- ttyrelay.c: the supervisor's side (I/O) ------------------------ */

struct jail_config;

/* Whether the user's locale (LC_ALL, LC_CTYPE, LANG) is UTF-8 */
bool ttyrelay_locale_is_utf8(void);

/**
 * ttyrelay_write() - Write COMMAND's output to @fd, filtered by @f
 * @f:		the filter, or NULL under --tty-allow raw
 *
 * Context: supervisor, the pty relay
 * Return: 0, or negative errno from write
 */
int ttyrelay_write(struct tty_filter *f, int fd, const uint8_t *buf,
		   size_t len);

/**
 * ttyrelay_report() - Log and tell what the filter dropped, once
 * @cfg:	the configuration (the log)
 * @f:		the filter, or NULL
 *
 * Counts a sequence left unfinished, then writes one "tty.drop" audit
 * event per kind dropped, with its count, and one line on stderr when
 * anything was dropped.
 * Context: supervisor, after the terminal was restored
 */
void ttyrelay_report(const struct jail_config *cfg, struct tty_filter *f);

#endif

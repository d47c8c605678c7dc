// SPDX-License-Identifier: MIT
/*
 * test-ttyfilter.c - unit tests for ttyfilter.c: what of COMMAND's
 * terminal output passes, whole and split at every byte
 */
#include <errno.h>
#include <stdlib.h>

#include "parse/parse.h"
#include "tests/unit/tap.h"

#define OUT_MAX (1u << 20)

static struct tty_filter flt;
static uint8_t out[OUT_MAX + TTY_FILTER_SLACK];
static size_t out_len;

/* Feed @in in pieces of at most @chunk bytes; output appended to out */
static void feed_more(const void *in, size_t len, size_t chunk)
{
	const uint8_t *p = in;

	while (len) {
		size_t n = len < chunk ? len : chunk;
		ssize_t r = tty_filter_run(&flt, p, n, out + out_len,
					   sizeof(out) - out_len);

		if (r < 0) {
			diag("tty_filter_run: %zd", r);
			abort();
		}
		out_len += (size_t)r;
		p += n;
		len -= n;
	}
}

/* The same, output in out/out_len alone */
static void feed(const void *in, size_t len, size_t chunk)
{
	out_len = 0;
	feed_more(in, len, chunk);
}

static bool out_is(const char *want, size_t want_len)
{
	return out_len == want_len && !memcmp(out, want, want_len);
}

static void show_out(void)
{
	printf("#   got %zu bytes:", out_len);
	for (size_t i = 0; i < out_len && i < 64; i++)
		printf(" %02x", out[i]);
	printf("\n");
}

/* @in passes unchanged, nothing counted */
static void passes(const char *in, size_t len, const char *name)
{
	tty_filter_init(&flt, 0, true);
	feed(in, len, len);
	if (!ok(out_is(in, len) && !tty_filter_dropped(&flt), "pass: %s",
		name))
		show_out();
}

#define PASSES(s, name) passes(s, sizeof(s) - 1, name)

/* @in gives @want, and one @kind (at least) was counted */
static void filters(unsigned int allow, const char *in, size_t len,
		    const char *want, size_t want_len, enum tty_kind kind,
		    const char *name)
{
	tty_filter_init(&flt, allow, true);
	feed(in, len, len);
	if (!ok(out_is(want, want_len) && flt.n_dropped[kind] >= 1,
		"drop %s: %s", tty_kind_token(kind), name)) {
		show_out();
		for (int k = 0; k < TTY_N_KINDS; k++)
			if (flt.n_dropped[k])
				diag("counted %s %llu", tty_kind_token(k),
				     flt.n_dropped[k]);
	}
}

#define DROPS(s, want, kind, name)                                             \
	filters(0, s, sizeof(s) - 1, want, sizeof(want) - 1, kind, name)

static void test_pass(void)
{
	PASSES("hello, world\r\n", "text");
	PASSES("\a\b\t\n\v\f\r\x0e\x0f", "C0 controls that move or clear");
	PASSES("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0", "UTF-8");
	PASSES("\x1b[31mred\x1b[0m\x1b[1;4;38;5;200m", "SGR");
	PASSES("\x1b[38:2::255:0:0m\x1b[4:3m", "SGR with sub-parameters");
	PASSES("\x1b[?1049h\x1b[?1049l\x1b[?47h\x1b[?1047l", "alt screen");
	PASSES("\x1b[?2004h\x1b[?2004l", "bracketed paste");
	PASSES("\x1b[?1000;1002;1003;1006h\x1b[?1015l", "mouse modes");
	PASSES("\x1b[?1004h\x1b[?25l\x1b[?25h\x1b[?2026h\x1b[?1h",
	       "focus, cursor, synchronized output, cursor keys");
	PASSES("\x1b[H\x1b[2J\x1b[5;10H\x1b[K\x1b[1K\x1b[3A\x1b[2B\x1b[C\x1b[D",
	       "cursor and erase");
	PASSES("\x1b[1;24r\x1b[3L\x1b[2M\x1b[2P\x1b[4@\x1b[5X\x1b[2S\x1b[T",
	       "scroll region, insert, delete, scroll");
	PASSES("\x1b[4h\x1b[4l\x1b[3g\x1b[I\x1b[Z\x1b[10G\x1b[5d\x1b[3b",
	       "insert mode, tabs, absolute moves, repeat");
	PASSES("\x1b[2 q\x1b[!p\x1b[s\x1b[u\x1b[?s\x1b[?r",
	       "cursor style, soft reset, saves");
	PASSES("\x1b[6n\x1b[5n\x1b[?6n", "cursor position and status reports");
	PASSES("\x1b[c\x1b[0c\x1b[>c\x1b[>0c", "device attributes 1 and 2");
	PASSES("\x1b[22;0t\x1b[23;0t\x1b[14t\x1b[16t\x1b[18t\x1b[19t",
	       "title stack, size reports");
	PASSES("\x1b[>1u\x1b[<u\x1b[=1;1u\x1b[?u\x1b[>4;2m\x1b[?4m",
	       "keyboard protocols");
	PASSES("\x1b[?2031h\x1b[?2031l\x1b[?2048h\x1b[?2048l",
	       "colour scheme and size reports");
	PASSES("\x1b" "7\x1b" "8\x1b=\x1b>\x1bM\x1b" "D\x1b" "E\x1bH\x1b" "c",
	       "ESC save, restore, keypad, index, reset");
	PASSES("\x1b(B\x1b)0\x1b(0\x1b*B\x1b+B\x1b(%5", "charset designation");
	PASSES("\x1b#8\x1b#3\x1b#6", "line size, alignment");
	PASSES("\x1b]0;title\a\x1b]1;icon\x1b\\"
	       "\x1b]2;t\xc3\xa9tle \xe2\x9c\x93\a",
	       "titles");
	PASSES("\x1b]8;id=1;https://example.com/a?b=c\x1b\\link\x1b]8;;\x1b\\",
	       "hyperlink");
	PASSES("\x1b]8;;http://a.test/\a\x1b]8;;mailto:a@b.test\a",
	       "http and mail links");
	PASSES("\x1b]4;1;rgb:ff/00/00\a\x1b]10;#ffffff\a\x1b]11;black\x1b\\"
	       "\x1b]12;red\a", "colour settings");
	PASSES("\x1b]104\a\x1b]104;1\a\x1b]110\a\x1b]111\a\x1b]112\a",
	       "colour resets");
	PASSES("\x1b]133;A\a\x1b]133;D;0\a", "prompt marks");
}

static void test_drop(void)
{
	DROPS("a\x1b]52;c;aGVsbG8=\ab", "ab", TTY_KIND_CLIPBOARD,
	      "OSC 52 write");
	DROPS("\x1b]52;c;?\a", "", TTY_KIND_CLIPBOARD, "OSC 52 read");
	DROPS("\x1b]52;;aGk=\x1b\\", "", TTY_KIND_CLIPBOARD, "OSC 52, ST");
	DROPS("\x1b]5522;type=read\x1b\\", "", TTY_KIND_CLIPBOARD,
	      "OSC 5522 (kitty clipboard)");
	DROPS("\x1b]1337;File=name=eA==;inline=0:aGk=\a", "", TTY_KIND_FILE,
	      "OSC 1337 file");
	DROPS("\x1b]5113;ac=send;id=x\x1b\\", "", TTY_KIND_FILE,
	      "OSC 5113 file transfer");
	DROPS("\x1b]7;file://h/tmp\a", "", TTY_KIND_OSC, "OSC 7");
	DROPS("\x1b]9;you won\a", "", TTY_KIND_OSC, "OSC 9 notification");
	DROPS("\x1b]777;notify;a;b\a", "", TTY_KIND_OSC, "OSC 777");
	DROPS("\x1b]x;y\a", "", TTY_KIND_OSC, "OSC without a number");
	DROPS("\x1b]0;ti\x01tle\a", "", TTY_KIND_OSC, "title with a control");
	DROPS("\x1b]0;ti\xc2\x9btle\a", "", TTY_KIND_OSC,
	      "title with U+009B");
	DROPS("\x1b]2;ti\x9ctle\a", "", TTY_KIND_OSC, "title with raw ST");
	DROPS("\x1b]8;;javascript:alert(1)\a", "", TTY_KIND_OSC,
	      "hyperlink, other scheme");
	DROPS("\x1b]8;;x-man-page://ls\x1b\\", "", TTY_KIND_OSC,
	      "hyperlink, desktop handler");
	DROPS("\x1b]8;;file:///proj/x.desktop\a", "", TTY_KIND_OSC,
	      "hyperlink to a file");
	DROPS("\x1b]8;;https://a.test/\xc3\xa9\a", "", TTY_KIND_OSC,
	      "hyperlink, not ASCII");
	DROPS("\x1b]4;1;?\a", "", TTY_KIND_PROBE, "OSC 4 query");
	DROPS("\x1b]10;?\a", "", TTY_KIND_PROBE, "OSC 10 query");
	DROPS("\x1b]11;?\x1b\\", "", TTY_KIND_PROBE, "OSC 11 query");
	DROPS("\x1b]133;?\a", "", TTY_KIND_REPORT, "OSC 133 with ?");
	DROPS("\x1bPtmux;\x1b\x1b]52;c;aGk=\a\x1b\\", "", TTY_KIND_DCS,
	      "tmux passthrough");
	DROPS("\x1bP$qm\x1b\\", "", TTY_KIND_PROBE, "DECRQSS");
	DROPS("\x1bP$q\"p\x1b\\", "", TTY_KIND_PROBE, "DECRQSS DECSCL");
	DROPS("\x1bP+q544e\x1b\\", "", TTY_KIND_PROBE, "XTGETTCAP");
	DROPS("\x1bP+q544e;524742\x1b\\", "", TTY_KIND_PROBE,
	      "XTGETTCAP, two names");
	DROPS("\x1bPzz\x1b\\", "", TTY_KIND_PROBE, "vim's DCS test");
	DROPS("\x1bP+q54g\x1b\\", "", TTY_KIND_DCS, "XTGETTCAP, not hex");
	DROPS("\x1bP$qmmmm\x1b\\", "", TTY_KIND_DCS, "DECRQSS, too long");
	DROPS("\x1bP+q5\a4\x1b\\", "", TTY_KIND_DCS, "XTGETTCAP with BEL");
	DROPS("\x1bPzzz\x1b\\", "", TTY_KIND_DCS, "zz and more");
	DROPS("\x1bP+\x1b\\", "", TTY_KIND_DCS, "a probe's intro cut");
	DROPS("\x1bP\x1b\\", "", TTY_KIND_DCS, "empty DCS");
	DROPS("\x1bP1$qm\x1b\\", "", TTY_KIND_DCS, "DECRQSS with a parameter");
	DROPS("\x1bP+q544e\x1b[21t", "", TTY_KIND_DCS,
	      "XTGETTCAP cut by another sequence");
	DROPS("\x1bPq#0;2;0;0;0#0~~\x1b\\", "", TTY_KIND_DCS, "sixel");
	DROPS("\x1b_Gf=100,a=T;AAAA\x1b\\", "", TTY_KIND_APC,
	      "kitty graphics");
	DROPS("\x1b^private\x1b\\", "", TTY_KIND_PM, "PM");
	DROPS("\x1bXstring\x1b\\", "", TTY_KIND_SOS, "SOS");
	DROPS("\x1b[21t", "", TTY_KIND_REPORT, "title report");
	DROPS("\x1b[20t", "", TTY_KIND_REPORT, "icon label report");
	DROPS("\x1b[1t", "", TTY_KIND_WINDOW, "de-iconify");
	DROPS("\x1b[2t", "", TTY_KIND_WINDOW, "iconify");
	DROPS("\x1b[3;0;0t", "", TTY_KIND_WINDOW, "move");
	DROPS("\x1b[8;50;100t", "", TTY_KIND_WINDOW, "resize");
	DROPS("\x1b[9;1t", "", TTY_KIND_WINDOW, "maximize");
	DROPS("\x1b[48t", "", TTY_KIND_WINDOW, "DECSLPP");
	DROPS("\x1b[?1$p", "", TTY_KIND_PROBE, "DECRQM private");
	DROPS("\x1b[2$p", "", TTY_KIND_PROBE, "DECRQM");
	DROPS("\x1b[>q", "", TTY_KIND_PROBE, "XTVERSION");
	DROPS("\x1b[>0q", "", TTY_KIND_PROBE, "XTVERSION 0");
	DROPS("\x1b[=c", "", TTY_KIND_PROBE, "DA3");
	DROPS("\x1b[1c", "", TTY_KIND_PROBE, "DA1 with a parameter");
	DROPS("\x1b[?996n", "", TTY_KIND_PROBE, "colour scheme query");
	DROPS("\x1b[?15n", "", TTY_KIND_PROBE, "printer status");
	DROPS("\x1b[15n", "", TTY_KIND_PROBE, "DSR 15");
	DROPS("\x1b[0%m", "", TTY_KIND_PROBE, "vim's CSI test");
	DROPS("\x1b[1;1;1;1;1*y", "", TTY_KIND_REPORT, "DECRQCRA");
	DROPS("\x1b[1$w", "", TTY_KIND_REPORT, "DECRQPSR");
	DROPS("\x1b[x", "", TTY_KIND_PROBE, "DECREQTPARM");
	DROPS("\x1bZ", "", TTY_KIND_PROBE, "DECID");
	DROPS("a\x05z", "az", TTY_KIND_REPORT, "ENQ answerback");
	DROPS("\x1b%@", "", TTY_KIND_ESC, "leave UTF-8");
	DROPS("\x1b%G", "", TTY_KIND_ESC, "select UTF-8");
	DROPS("\x1b G", "", TTY_KIND_ESC, "S8C1T");
	DROPS("\x1bN\x1bO", "", TTY_KIND_ESC, "single shifts");
	DROPS("\x1b\\", "", TTY_KIND_ESC, "stray ST");
	DROPS("\x1b[?1001h", "", TTY_KIND_CSI, "highlight mouse tracking");
	DROPS("\x1b[?3h", "", TTY_KIND_CSI, "132 columns");
	DROPS("\x1b[?1049;5000h", "", TTY_KIND_CSI, "one unknown mode");
	DROPS("\x1b[12l", "", TTY_KIND_CSI, "SRM local echo");
	DROPS("\x1b[2h", "", TTY_KIND_CSI, "KAM keyboard lock");
	DROPS("\x1b[5i", "", TTY_KIND_CSI, "media copy");
	DROPS("\x1b[1:2H", "", TTY_KIND_CSI, "colon outside SGR");
	DROPS("\x1b[1?H", "", TTY_KIND_CSI, "private marker in the middle");
	DROPS("\x1b[1$!p", "", TTY_KIND_CSI, "two intermediates");
	DROPS("\x9b" "31m", "", TTY_KIND_C1, "8-bit CSI");
	DROPS("\x9b" "21t", "", TTY_KIND_C1, "8-bit CSI report");
	DROPS("\x9d" "52;c;aGk=\x9c", "", TTY_KIND_C1, "8-bit OSC 52");
	DROPS("\x9d" "0;x\a", "", TTY_KIND_C1, "8-bit OSC, BEL");
	DROPS("\x90q\x9c", "", TTY_KIND_C1, "8-bit DCS");
	DROPS("\x9fGa=q\x9c", "", TTY_KIND_C1, "8-bit APC");
	DROPS("\x9e" "x\x9c\x98y\x9c", "", TTY_KIND_C1, "8-bit PM, SOS");
	DROPS("\xc2\x9b" "21t", "", TTY_KIND_C1, "UTF-8 encoded CSI");
	DROPS("\xc2\x9d" "52;c;aGk=\a", "", TTY_KIND_C1, "UTF-8 encoded OSC");
	DROPS("a\x85" "b\x8d", "ab", TTY_KIND_C1, "NEL, RI");
	DROPS("\x01\x02\x03\x04\x10\x1c\x1f", "", TTY_KIND_CONTROL,
	      "other C0");
	DROPS("\x1b[31\x18x", "x", TTY_KIND_CSI, "CAN cancels a CSI");
	DROPS("\x1b]0;t\x1a" "x", "x", TTY_KIND_OSC, "SUB cancels an OSC");
	DROPS("\x1b]0;t\x1b[1mx", "\x1b[1mx", TTY_KIND_OSC,
	      "ESC cancels an OSC");
	DROPS("\x1b[1\x1b[2mx", "\x1b[2mx", TTY_KIND_CSI,
	      "ESC cancels a CSI");
	DROPS("\x1b[1\xc3\xa9x", "\xc3\xa9x", TTY_KIND_CSI,
	      "UTF-8 cancels a CSI");
}

static void test_controls_in_sequences(void)
{
	/* Terminals act on C0 controls inside a CSI and go on with it */
	tty_filter_init(&flt, 0, true);
	feed("\x1b[1\n;2H", 7, 7);
	ok(out_is("\n\x1b[1;2H", 7), "LF inside a CSI is moved before it");
	tty_filter_init(&flt, 0, true);
	feed("\x1b[1\x7f;2H", 7, 7);
	ok(out_is("\x1b[1;2H", 6), "DEL inside a CSI is ignored");
	tty_filter_init(&flt, 0, true);
	feed("\x1b[\x01m", 4, 4);
	ok(out_is("\x1b[m", 3) && flt.n_dropped[TTY_KIND_CONTROL] == 1,
	   "SOH inside a CSI is dropped");
}

static void test_utf8(void)
{
	tty_filter_init(&flt, 0, true);
	feed("\xc3(", 2, 2);
	ok(out_is("?(", 2), "ill-formed: lead byte then ASCII");
	tty_filter_init(&flt, 0, true);
	feed("\xff\xfe", 2, 2);
	ok(out_is("??", 2), "bytes that are never UTF-8");
	tty_filter_init(&flt, 0, true);
	feed("\xe0\x80\x80", 3, 3);
	ok(out_is("?", 1) && flt.n_dropped[TTY_KIND_C1] == 2,
	   "overlong form: '?' and two 8-bit controls");
	tty_filter_init(&flt, 0, true);
	feed("\xed\xa0\x80", 3, 3);
	ok(out_is("??", 2), "surrogate");
	tty_filter_init(&flt, 0, true);
	feed("\xf4\x90\x80\x80", 4, 4);
	ok(out_is("?", 1), "past U+10FFFF");
	tty_filter_init(&flt, 0, true);
	feed("\xe2\x80\x9b", 3, 3);
	ok(out_is("\xe2\x80\x9b", 3), "U+201B, continuation bytes 0x80 0x9b");
	tty_filter_init(&flt, 0, true);
	feed("\xf0\x9f\x98\x80", 4, 1);
	ok(out_is("\xf0\x9f\x98\x80", 4), "a 4-byte character, byte by byte");
	tty_filter_init(&flt, 0, true);
	feed("\xe2\x82", 2, 2);
	ok(out_len == 0, "an incomplete character is held");
	feed("\xac", 1, 1);
	ok(out_is("\xe2\x82\xac", 3), "... and written when complete");

	/* A terminal that does not decode UTF-8: 0x80..0x9f are controls */
	tty_filter_init(&flt, 0, false);
	feed("caf\xe9 \xe2\x80\x9b" "21t", 12, 12);
	ok(out_is("caf\xe9 \xe2", 6) && flt.n_dropped[TTY_KIND_C1] >= 2,
	   "8-bit terminal: Latin-1 passes, C1 bytes do not");
}

static void test_bounds(void)
{
	static char big[100000];
	uint8_t small[16];

	tty_filter_init(&flt, 0, true);
	ok(tty_filter_run(&flt, (const uint8_t *)"x", 1, small,
			  sizeof(small)) == -E2BIG, "small output: -E2BIG");

	/* A title past TTY_STRING_MAX */
	memcpy(big, "\x1b]0;", 4);
	memset(big + 4, 'a', 5000);
	memcpy(big + 5004, "\ab", 2);
	tty_filter_init(&flt, 0, true);
	feed(big, 5006, 5006);
	ok(out_is("b", 1) && flt.n_dropped[TTY_KIND_OVERLONG] == 1,
	   "overlong title dropped, text after it passes");

	/* A CSI past TTY_CSI_MAX */
	memcpy(big, "\x1b[", 2);
	memset(big + 2, '1', 400);
	memcpy(big + 402, "mz", 2);
	tty_filter_init(&flt, 0, true);
	feed(big, 404, 404);
	ok(out_is("z", 1) && flt.n_dropped[TTY_KIND_OVERLONG] == 1,
	   "overlong CSI dropped");

	/* A clipboard write of 99 KB is skipped, not held */
	memcpy(big, "\x1b]52;c;", 7);
	memset(big + 7, 'A', sizeof(big) - 7);
	tty_filter_init(&flt, 0, true);
	feed(big, sizeof(big), 4096);
	ok(out_len == 0 && flt.seq_len < 16, "unterminated OSC 52: nothing "
					    "written, nothing held");
	feed("\aafter", 6, 6);
	ok(out_is("after", 5) && flt.n_dropped[TTY_KIND_CLIPBOARD] == 1,
	   "... until its end");

	/* Output ends inside a sequence: counted when finished */
	tty_filter_init(&flt, 0, true);
	feed("ok\x1bP$q", 6, 6);
	tty_filter_finish(&flt);
	ok(out_is("ok", 2) && flt.n_dropped[TTY_KIND_DCS] == 1,
	   "finish: an unterminated DCS is counted");
	tty_filter_init(&flt, 0, true);
	feed("\x1bP+q544e\x18", 9, 9);
	ok(flt.n_dropped[TTY_KIND_DCS] == 1 && !flt.n_dropped[TTY_KIND_PROBE],
	   "finish: a probe cancelled by CAN is a DCS");
	/* What the exit line counts: all but probes */
	tty_filter_init(&flt, 0, true);
	feed("\x1b]11;?\a\x1bP+q544e\x1b\\\x1b[>q\x1b[21t", 26, 26);
	ok(tty_filter_dropped(&flt) == 4 && tty_filter_dropped_shown(&flt) == 1,
	   "shown: probes are not counted, a title report is");
	ok(tty_kind_is_probe(TTY_KIND_PROBE) &&
	   !tty_kind_is_probe(TTY_KIND_REPORT) &&
	   !tty_kind_is_probe(TTY_KIND_DCS), "only probes are probes");
	tty_filter_init(&flt, 0, true);
	feed("\x1b[3", 3, 3);
	tty_filter_finish(&flt);
	ok(flt.n_dropped[TTY_KIND_CSI] == 1, "finish: a cut CSI is counted");
	tty_filter_init(&flt, 0, true);
	feed("a\x1b", 2, 2);
	tty_filter_finish(&flt);
	ok(out_is("a", 1) && !tty_filter_dropped(&flt),
	   "finish: a lone ESC is not");
	feed("b", 1, 1);
	ok(out_is("b", 1), "finish: back at the ground state");

	/* With clipboard allowed: a large write passes, past the limit not */
	tty_filter_init(&flt, TTY_ALLOW_CLIPBOARD, true);
	memcpy(big + 20000, "\a", 1);
	feed(big, 20001, 1000);
	ok(out_is(big, 20001), "allowed: a 20 KB clipboard write passes");
	tty_filter_init(&flt, TTY_ALLOW_CLIPBOARD, true);
	big[20000] = 'A';
	memcpy(big + 40000, "\a", 1);
	feed(big, 40001, 1000);
	ok(out_len == 0 && flt.n_dropped[TTY_KIND_OVERLONG] == 1,
	   "allowed: a 40 KB clipboard write is overlong");
}

static void test_allow(void)
{
	unsigned int a = 0;

	tty_filter_init(&flt, TTY_ALLOW_CLIPBOARD, true);
	feed("\x1b]52;c;aGVsbG8=\a", 16, 16);
	ok(out_is("\x1b]52;c;aGVsbG8=\a", 16), "clipboard: a write passes");
	tty_filter_init(&flt, TTY_ALLOW_CLIPBOARD, true);
	feed("\x1b]52;c;?\a", 9, 9);
	ok(out_len == 0 && flt.n_dropped[TTY_KIND_REPORT] == 1,
	   "clipboard: a read does not");
	tty_filter_init(&flt, TTY_ALLOW_CLIPBOARD, true);
	feed("\x1b]52;c;a\nb\a", 11, 11);
	ok(out_len == 0, "clipboard: a write that is not base64 does not");
	tty_filter_init(&flt, TTY_ALLOW_CLIPBOARD, true);
	feed("\x1b]1337;File=x\a\x1bP$qm\x1b\\", 21, 21);
	ok(out_len == 0, "clipboard: other kinds still dropped");

	is_int(tty_allow_parse("clipboard", &a), 0, "parse clipboard");
	is_int(a, TTY_ALLOW_CLIPBOARD, "... bit");
	a = 0;
	is_int(tty_allow_parse("raw,clipboard", &a), 0, "parse a list");
	is_int(a, TTY_ALLOW_RAW | TTY_ALLOW_CLIPBOARD, "... bits");
	is_int(tty_allow_parse("", &a), -EINVAL, "empty refused");
	is_int(tty_allow_parse("clip", &a), -EINVAL, "unknown refused");
	is_int(tty_allow_parse("raw,", &a), -EINVAL, "trailing comma refused");
	is_int(tty_allow_parse("clipboardx", &a), -EINVAL, "longer refused");
}

/* Every split of @in gives what the whole gives */
static void splits_agree(unsigned int allow, const char *in, size_t len,
			 const char *name)
{
	static uint8_t whole[4096];
	unsigned long long counts[TTY_N_KINDS];
	size_t whole_len;
	int bad = 0;

	tty_filter_init(&flt, allow, true);
	feed(in, len, len);
	memcpy(whole, out, out_len);
	whole_len = out_len;
	memcpy(counts, flt.n_dropped, sizeof(counts));
	for (size_t cut = 1; cut < len; cut++) {
		tty_filter_init(&flt, allow, true);
		feed(in, cut, cut);
		feed_more(in + cut, len - cut, len - cut);
		if (whole_len != out_len || memcmp(whole, out, out_len) ||
		    memcmp(counts, flt.n_dropped, sizeof(counts)))
			bad++;
	}
	tty_filter_init(&flt, allow, true);
	feed(in, len, 1);
	if (whole_len != out_len || memcmp(whole, out, out_len) ||
	    memcmp(counts, flt.n_dropped, sizeof(counts)))
		bad++;
	ok(!bad, "split at every byte: %s", name);
}

#define SPLITS(allow, s, name) splits_agree(allow, s, sizeof(s) - 1, name)

static void test_splits(void)
{
	SPLITS(0, "a\x1b]52;c;aGVsbG8=\ab\x1b[31mc", "OSC 52 among text");
	SPLITS(0, "\x1b]1337;File=name=eA==:aGk=\x1b\\x", "OSC 1337, ST");
	SPLITS(0, "\x1bPtmux;\x1b\x1b]52;c;aGk=\a\x1b\\y", "tmux passthrough");
	SPLITS(0, "\x1b[21t\x1b[20t\x1b[6n\x1b[?1049h", "reports and modes");
	SPLITS(0, "\x1b]0;t\xc3\xa9tle\a\x1b]8;;https://a.test\x1b\\l",
	       "title and link");
	SPLITS(0, "\xc2\x9b" "21t\x9d" "52;c;x\x9cz\xe2\x82\xac",
	       "8-bit controls and UTF-8");
	SPLITS(0, "\x1b_Gf=100;AAAA\x1b\\\x1bP$qm\x1b\\\x1b^x\x1b\\",
	       "APC DCS PM");
	SPLITS(0, "\x1b]4;1;?\a\x1b]10;red\a\x05", "colour query and set");
	SPLITS(0, "\x1bP+q544e\x1b\\\x1bPzz\x1b\\\x1bP$q m\x1b\\"
		  "\x1bP+q5x\x1b\\", "probes and a lookalike");
	SPLITS(TTY_ALLOW_CLIPBOARD, "\x1b]52;c;aGVsbG8=\a\x1b]52;c;?\a",
	       "clipboard allowed");
}

int main(void)
{
	test_pass();
	test_drop();
	test_controls_in_sequences();
	test_utf8();
	test_bounds();
	test_allow();
	test_splits();
	return done_testing();
}

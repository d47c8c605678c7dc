// SPDX-License-Identifier: MIT
/*
 * fuzz-ttyfilter.c - the terminal output filter
 *
 * Input: byte 0 chooses the allowed extras (bit 0: clipboard) and whether
 * the terminal decodes UTF-8 (bit 1 clear), byte 1 the size of the reads
 * (1..64 bytes); the rest is what COMMAND writes to its terminal.
 * Checked: fed in reads of any size, the filter writes what it writes
 * fed whole, and counts the same; it never writes more than it read;
 * and its output passes a second filter unchanged with nothing dropped,
 * so nothing it lets through is a sequence it would drop; after
 * tty_filter_finish(), text passes again; what the exit line shows is
 * every drop but probes, and no probe is counted without an ESC or an
 * 8-bit byte in the input to begin one.
 */
#include "jail.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_MAX 8192

static struct tty_filter whole, split, again;
static uint8_t out_whole[IN_MAX + TTY_FILTER_SLACK];
static uint8_t out_split[IN_MAX + TTY_FILTER_SLACK];
static uint8_t out_again[IN_MAX + TTY_FILTER_SLACK];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int allow;
	bool is_utf8;
	size_t chunk, n_whole = 0, n_split = 0;
	ssize_t r;

	if (size < 2 || size - 2 > IN_MAX)
		return 0;
	allow = data[0] & 1 ? TTY_ALLOW_CLIPBOARD : 0;
	is_utf8 = !(data[0] & 2);
	chunk = data[1] % 64 + 1;
	data += 2;
	size -= 2;

	tty_filter_init(&whole, allow, is_utf8);
	r = tty_filter_run(&whole, data, size, out_whole, sizeof(out_whole));
	if (r < 0 || (size_t)r > size)
		__builtin_trap();
	n_whole = (size_t)r;

	tty_filter_init(&split, allow, is_utf8);
	for (size_t i = 0; i < size; i += chunk) {
		size_t n = size - i < chunk ? size - i : chunk;

		r = tty_filter_run(&split, data + i, n, out_split + n_split,
				   sizeof(out_split) - n_split);
		if (r < 0)
			__builtin_trap();
		n_split += (size_t)r;
	}
	if (n_split != n_whole || memcmp(out_split, out_whole, n_whole) ||
	    memcmp(split.n_dropped, whole.n_dropped, sizeof(whole.n_dropped)))
		__builtin_trap();

	if (tty_filter_dropped_shown(&whole) +
		    whole.n_dropped[TTY_KIND_PROBE] !=
	    tty_filter_dropped(&whole))
		__builtin_trap();
	if (whole.n_dropped[TTY_KIND_PROBE] && !memchr(data, 0x1b, size))
		__builtin_trap();

	/* Once finished, the filter is back at the ground state */
	tty_filter_finish(&split);
	r = tty_filter_run(&split, (const uint8_t *)"x", 1, out_split,
			   sizeof(out_split));
	if (r != 1 || out_split[0] != 'x')
		__builtin_trap();

	tty_filter_init(&again, allow, is_utf8);
	r = tty_filter_run(&again, out_whole, n_whole, out_again,
			   sizeof(out_again));
	if (r < 0 || (size_t)r != n_whole ||
	    memcmp(out_again, out_whole, n_whole) ||
	    tty_filter_dropped(&again))
		__builtin_trap();
	return 0;
}

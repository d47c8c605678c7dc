// SPDX-License-Identifier: MIT
/*
 * fuzz-push.c - the command list of a git push (push.c), its detail and
 * its refusal
 *
 * Input: a receive-pack request body as the jail would send it. A list
 * that parses must keep every ref inside the bytes before its end, and
 * every shorter prefix of those bytes must only ask for more; the detail
 * must fit its buffer, and the refusal must be well-formed pkt-lines.
 */
#include "jail.h"
#include "parse/parse.h"
#include "cmd/cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walk the pkt-lines of @b..@b+@len: each length fits, a flush ends it */
static void check_pkts(const uint8_t *b, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		unsigned int n = 0;

		if (len - pos < 4)
			__builtin_trap();
		for (int i = 0; i < 4; i++) {
			uint8_t c = b[pos + (size_t)i];

			n = n << 4 | (unsigned int)(c <= '9' ? c - '0' :
							       c - 'a' + 10);
		}
		if (n == 0) {
			pos += 4;
			continue;
		}
		if (n < 5 || n > 65520 || n > len - pos)
			__builtin_trap();
		pos += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct push_cmds c, p;
	static uint8_t out[PUSH_REPORT_MAX + 1024];
	char detail[ASK_DETAIL_MAX + 1];
	int r = push_parse_commands(data, size, &c), n;

	if (r != 0)
		return 0;
	if (c.end > size || c.n_cmds > PUSH_CMDS_MAX)
		__builtin_trap();
	for (size_t i = 0; i < c.n_cmds; i++) {
		const struct push_cmd *cmd = &c.cmds[i];

		if (!cmd->ref_len || cmd->ref_off + cmd->ref_len > c.end)
			__builtin_trap();
		for (size_t k = 0; k < cmd->ref_len; k++)
			if (data[cmd->ref_off + k] <= ' ')
				__builtin_trap();
	}
	for (size_t cut = 0; cut < c.end; cut += 1 + cut / 8) {
		int pr = push_parse_commands(data, cut, &p);

		if (pr != -EAGAIN && pr != -E2BIG)
			__builtin_trap();
	}
	memset(detail, 'x', sizeof(detail));
	push_detail("/r.git", data, &c, detail, sizeof(detail));
	if (!memchr(detail, '\0', sizeof(detail)))
		__builtin_trap();
	n = push_refusal(data, &c, "held and denied", out, sizeof(out));
	if (n > 0)
		check_pkts(out, (size_t)n);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz-ctl.c - the ask and control line protocol
 *
 * Input: one line from another process (the forwarder's ask, a control
 * socket client, a jail's reply). What parses must be formatted back by
 * the rules of the grammar into the same line, and every string in the
 * result must be NUL-terminated within its field.
 */
#include "jail.h"
#include "cmd/cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		__builtin_trap();
}

/* The line @m came from, as the grammar writes it */
static int format(const struct ctl_msg *m, char *out, size_t len)
{
	switch (m->verb) {
	case CTL_ASK:
		return snprintf(out, len, "ask %llu %llu %s %s %u%s%s", m->seq,
				m->wait_s, m->kind, m->host, m->port,
				m->detail[0] ? " " : "", m->detail);
	case CTL_ANSWER:
		return snprintf(out, len, "answer %s %s",
				ask_answer_name(m->answer), m->host);
	case CTL_PENDING:
		return snprintf(out, len, "pending");
	case CTL_SECRETS:
		return snprintf(out, len, "secrets");
	case CTL_SECRET:
		return snprintf(out, len, "secret %s %s", m->name,
				m->is_revoked ? "revoked" : "active");
	case CTL_REVOKE:
		return snprintf(out, len, "revoke %s", m->name);
	case CTL_END:
		return snprintf(out, len, "end");
	case CTL_OK:
		return snprintf(out, len, "ok %llu", m->count);
	case CTL_ERR:
		return snprintf(out, len, "err %s", m->text);
	}
	__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_msg m;
	static char line[2 * CTL_LINE_MAX];
	size_t len = size;
	int n;

	if (ctl_parse((const char *)data, size, &m) < 0)
		return 0;
	check_str(m.kind, sizeof(m.kind));
	check_str(m.host, sizeof(m.host));
	check_str(m.detail, sizeof(m.detail));
	check_str(m.name, sizeof(m.name));
	check_str(m.text, sizeof(m.text));
	if (len && data[len - 1] == '\n')
		len--;
	n = format(&m, line, sizeof(line));
	if (n < 0 || (size_t)n != len || memcmp(line, data, len))
		__builtin_trap();
	return 0;
}

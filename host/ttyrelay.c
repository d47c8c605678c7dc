// SPDX-License-Identifier: MIT
/*
 * ttyrelay.c - the supervisor's side of the terminal filter
 *
 * The supervisor copies COMMAND's pty output to the user's terminal
 * through tty_filter_run() (ttyfilter.c), unless --tty-allow raw. At exit
 * it logs what was dropped, one "tty.drop" event per kind with its count
 * (never one per sequence: a hostile COMMAND could otherwise flood the
 * log), and tells the user in one line of every kind but capability
 * probes (tty_kind_is_probe()): those only go to the log, so that the
 * line shows up when something tried to act on the terminal, not after
 * every vim session.
 */
#include "jail.h"
#include "parse/parse.h"
#include "host/host.h"

/* The size of one filtered write; pump_output() reads less */
#define RELAY_CHUNK 16384

/*
 * Which terminals decode UTF-8 cannot be asked; the locale is the best
 * guess. Only a locale that names another character set makes the
 * filter treat every byte 0x80..0x9f as a control: with none set (C,
 * POSIX, unset), UTF-8 is what terminals use today.
 */
bool ttyrelay_locale_is_utf8(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);

		if (!v || !*v)
			continue;
		if (!strcmp(v, "C") || !strcmp(v, "POSIX"))
			return true;
		return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return true;
}

int ttyrelay_write(struct tty_filter *f, int fd, const uint8_t *buf,
		   size_t len)
{
	static uint8_t out[RELAY_CHUNK + TTY_FILTER_SLACK];

	if (!f)
		return write_all(fd, buf, len);
	while (len) {
		size_t n = len < RELAY_CHUNK ? len : RELAY_CHUNK;
		ssize_t got = tty_filter_run(f, buf, n, out, sizeof(out));
		int err;

		if (got < 0)
			return (int)got;
		err = got ? write_all(fd, out, (size_t)got) : 0;
		if (err < 0)
			return err;
		buf += n;
		len -= n;
	}
	return 0;
}

void ttyrelay_report(const struct jail_run *run, struct tty_filter *f)
{
	const struct jail_config *cfg = run->cfg;
	char list[512] = "";
	size_t used = 0;
	unsigned long long total;

	if (!f)
		return;
	tty_filter_finish(f);
	total = tty_filter_dropped_shown(f);
	for (int k = 0; k < TTY_N_KINDS; k++) {
		const struct audit_field af[] = {
			AF_STR("kind", tty_kind_token(k)),
			AF_INT("count", f->n_dropped[k]),
		};
		int n;

		if (!f->n_dropped[k])
			continue;
		audit_write(run->log_fd, cfg->id, "tty.drop", af,
			    ARRAY_SIZE(af));
		if (tty_kind_is_probe(k))
			continue;
		n = snprintf(list + used, sizeof(list) - used, "%s%s %llu",
			     used ? ", " : "", tty_kind_label(k),
			     f->n_dropped[k]);
		if (n > 0 && (size_t)n < sizeof(list) - used)
			used += (size_t)n;
	}
	if (!total)
		return;
	warn("terminal: dropped %llu sequence%s (%s); see %s (jail log %s)",
	     total, total == 1 ? "" : "s", list, run->log_path, cfg->id);
}

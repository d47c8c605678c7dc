/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the files of cmd/ share among themselves (not for other folders)
 */
#ifndef CMD_INTERNAL_H
#define CMD_INTERNAL_H

#include "jail.h"
#include "cmd/cmd.h"

/* ---------------------------------------------------------------------
 * logview.c and ps.c
 * ------------------------------------------------------------------- */

/* ---- escaping for the terminal ------------------------------------ */

/* A small string builder: cut, never overflowing, when full */
struct sbuf {
	char *p;
	size_t len;
	size_t used;
};

/* ---- events ------------------------------------------------------- */

enum ev_class {
	EV_INFO,
	EV_ALLOW,	/* net.allow */
	EV_DENY,	/* *.deny, secret.leak */
	EV_WARN,	/* fs.protected_* */
};

#define FSTR(ev, ...) logview_fstr((ev), (const char *const[]){ __VA_ARGS__, NULL })

#define FINT(ev, v, ...)                                                       \
	logview_fint((ev), (const char *const[]){ __VA_ARGS__, NULL }, (v))

/* ---- reading logs ------------------------------------------------- */

struct line_reader {
	FILE *f;
	unsigned long lineno;
	size_t len;
	bool too_long;		/* longer than any line audit_write() writes */
	char buf[AUDIT_LINE_MAX];
};

void logview_sb_safe(struct sbuf *b, const char *s, size_t max);
enum ev_class logview_classify(const char *event);
const char *logview_fstr(const struct audit_event *ev, const char *const *keys);
bool logview_fint(const struct audit_event *ev, const char *const *keys,
		 long long *v);
int logview_parse_ts(const char *s, time_t *sec, unsigned int *ms);
bool logview_read_line(struct line_reader *r);
FILE *logview_open_log(const char *path, bool nofollow);
bool logview_has_suffix(const char *s, const char *suffix);

#endif /* CMD_INTERNAL_H */

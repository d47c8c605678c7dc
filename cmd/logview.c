// SPDX-License-Identifier: MIT
/*
 * logview.c - jail log and jail ps: audit logs and running jails for a person
 *
 * Both read files whose values come from inside a jail (host names, paths,
 * process names), always through audit_parse_line(). Everything printed is
 * escaped first, so that no value can move the cursor, recolour or retitle
 * the terminal, or reorder the line with bidi controls. A line that does
 * not parse is shown and counted, never fatal. Nothing here writes, except
 * that jail ps removes the registry entry of a jail that is gone.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include "jail.h"
#include "parse/parse.h"
#include "config/config.h"
#include "cmd/cmd.h"
#include "cmd/internal.h"

#define LOG_MAX_KINDS 16	/* kinds of denial counted separately */

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (!b->len)
		return;
	if (n > b->len - 1 - b->used)
		n = b->len - 1 - b->used;
	memcpy(b->p + b->used, s, n);
	b->used += n;
	b->p[b->used] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n :
							  sizeof(tmp) - 1);
}

/*
 * Append @s escaped (str_printable()): at most @max code points of it,
 * then "...".
 */
void logview_sb_safe(struct sbuf *b, const char *s, size_t max)
{
	char tmp[4096];	/* 512 code points of at most 6 bytes, and "..." */

	str_printable(tmp, sizeof(tmp), s, max, 0);
	sb_str(b, tmp);
}

size_t logview_safe(const char *s, size_t max, char *out, size_t out_len)
{
	struct sbuf b = { out, out_len, 0 };

	if (!out_len)
		return 0;
	out[0] = '\0';
	logview_sb_safe(&b, s, max);
	return b.used;
}

enum ev_class logview_classify(const char *event)
{
	size_t n = strlen(event);

	if (!strcmp(event, "net.allow"))
		return EV_ALLOW;
	if ((n > 5 && !strcmp(event + n - 5, ".deny")) ||
	    !strcmp(event, "secret.leak") || !strcmp(event, "secret.scope"))
		return EV_DENY;
	if (!strncmp(event, "fs.protected_", 13))
		return EV_WARN;
	return EV_INFO;
}

static const struct audit_field *field(const struct audit_event *ev,
				       const char *key)
{
	for (size_t i = 0; i < ev->n_fields; i++)
		if (!strcmp(ev->f[i].key, key))
			return &ev->f[i];
	return NULL;
}

/* The first of @keys present as a string, or NULL */
const char *logview_fstr(const struct audit_event *ev, const char *const *keys)
{
	for (; *keys; keys++) {
		const struct audit_field *f = field(ev, *keys);

		if (f && f->type == AUDIT_STR)
			return f->s;
	}
	return NULL;
}

/* The first of @keys present as an integer */
bool logview_fint(const struct audit_event *ev, const char *const *keys,
		 long long *v)
{
	for (; *keys; keys++) {
		const struct audit_field *f = field(ev, *keys);

		if (f && f->type == AUDIT_INT) {
			*v = f->i;
			return true;
		}
	}
	return false;
}

/* "2026-11-22T05:00:00.123Z", exactly as audit_format() writes it */
int logview_parse_ts(const char *s, time_t *sec, unsigned int *ms)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	struct tm tm = { 0 };
	int v[7] = { 0 };
	const int at[7] = { 0, 5, 8, 11, 14, 17, 20 },
		  w[7] = { 4, 2, 2, 2, 2, 2, 3 };

	if (strlen(s) != sizeof(pat) - 1)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(pat) - 1; i++)
		if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != pat[i])
			return -EINVAL;
	for (int i = 0; i < 7; i++)
		for (int j = 0; j < w[i]; j++)
			v[i] = v[i] * 10 + (s[at[i] + j] - '0');
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		return -EINVAL;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*sec = timegm(&tm);
	*ms = (unsigned int)v[6];
	return 0;
}

/* 1234 -> "1.2 KiB" */
static void sb_bytes(struct sbuf *b, long long n)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		sb_printf(b, "%lld B", n);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	sb_printf(b, "%.1f %s", v, unit[u]);
}

/* host:port, [v6]:port, with the address after a name when both exist */
static void where_endpoint(const struct audit_event *ev, struct sbuf *b)
{
	const char *host = FSTR(ev, "host", "name", "sni");
	const char *ip = FSTR(ev, "ip", "addr");
	const char *shown = host ? host : ip;
	long long port;

	if (!shown)
		return;
	if (!host && strchr(shown, ':'))
		sb_str(b, "[");
	logview_sb_safe(b, shown, 253);
	if (!host && strchr(shown, ':'))
		sb_str(b, "]");
	if (FINT(ev, &port, "port"))
		sb_printf(b, ":%lld", port);
	if (host && ip) {
		sb_str(b, " (");
		logview_sb_safe(b, ip, 64);
		sb_str(b, ")");
	}
}

/* --publish: the host's port, the port inside, who connected */
static void where_publish(const struct audit_event *ev, struct sbuf *b)
{
	const char *peer = FSTR(ev, "peer");
	long long host_port = 0, port = 0, peer_port;

	FINT(ev, &host_port, "host_port");
	FINT(ev, &port, "port");
	sb_printf(b, "127.0.0.1:%lld -> jail:%lld", host_port, port);
	if (!peer)
		return;
	sb_str(b, " from ");
	logview_sb_safe(b, peer, 64);
	if (FINT(ev, &peer_port, "peer_port"))
		sb_printf(b, ":%lld", peer_port);
}

/* The interception process's end: how, and the connections it ended */
static void where_intercept_ended(const struct audit_event *ev,
				  struct sbuf *b)
{
	const char *how = FSTR(ev, "how");
	long long n;

	sb_str(b, "interception process: ");
	logview_sb_safe(b, how ? how : "?", 32);
	if (FINT(ev, &n, "connections"))
		sb_printf(b, ", %lld connection%s ended", n, n == 1 ? "" : "s");
}

static void where_syscall(const struct audit_event *ev, struct sbuf *b)
{
	const char *name = FSTR(ev, "syscall");
	const char *comm = FSTR(ev, "comm");
	long long pid;

	logview_sb_safe(b, name ? name : "?", 64);
	if (comm) {
		sb_str(b, " by ");
		logview_sb_safe(b, comm, 64);
	}
	if (FINT(ev, &pid, "pid"))
		sb_printf(b, " (pid %lld)", pid);
}

static void where_secret(const struct audit_event *ev, struct sbuf *b)
{
	const char *name = FSTR(ev, "secret", "name");
	const char *to = FSTR(ev, "host", "where");

	logview_sb_safe(b, name ? name : "?", 128);
	if (to) {
		sb_str(b, " to ");
		logview_sb_safe(b, to, 253);
	}
}

/* Every field as key=value, for events this viewer does not know */
static void where_generic(const struct audit_event *ev, struct sbuf *b)
{
	for (size_t i = 0; i < ev->n_fields; i++) {
		if (i)
			sb_str(b, " ");
		logview_sb_safe(b, ev->f[i].key, 64);
		sb_str(b, "=");
		if (ev->f[i].type == AUDIT_INT)
			sb_printf(b, "%lld", ev->f[i].i);
		else
			logview_sb_safe(b, ev->f[i].s, 128);
	}
}

/* start, exit, run: what the jail was and how it ended */
static bool where_lifecycle(const struct audit_event *ev, struct sbuf *b)
{
	const char *cmd = FSTR(ev, "command");
	long long st;

	if (!strcmp(ev->event, "start") || !strcmp(ev->event, "run")) {
		logview_sb_safe(b, cmd ? cmd : "?", 200);
		return true;
	}
	if (strcmp(ev->event, "exit"))
		return false;
	if (FINT(ev, &st, "status")) {
		sb_printf(b, "status %lld", st);
		if (st > 128 && st < 128 + 65)
			sb_printf(b, " (signal %lld)", st - 128);
	}
	return true;
}

/* The "where" column: what the event is about */
static void render_where(const struct audit_event *ev, unsigned int depth,
			 struct sbuf *b)
{
	const char *e = ev->event;
	const char *s;
	char text[STORY_TEXT_MAX];

	if (where_lifecycle(ev, b))
		return;
	/* exec, exec.dropped, review.*: the story's words (story.c) */
	if (story_where(ev, text, sizeof(text))) {
		for (unsigned int i = 0; i < depth && i < STORY_MAX_INDENT; i++)
			sb_str(b, "  ");
		logview_sb_safe(b, text, 400);
		return;
	}
	if (!strcmp(e, "net.publish"))
		where_publish(ev, b);
	else if (!strcmp(e, "net.intercept_ended"))
		where_intercept_ended(ev, b);
	else if (!strncmp(e, "net.", 4) || !strncmp(e, "ask", 3))
		where_endpoint(ev, b);
	else if (!strncmp(e, "syscall.", 8))
		where_syscall(ev, b);
	else if (!strncmp(e, "secret.", 7))
		where_secret(ev, b);
	else if (!strncmp(e, "dns.", 4) && (s = FSTR(ev, "name", "host",
						   "qname")))
		logview_sb_safe(b, s, 253);
	else if (!strncmp(e, "fs.", 3) && (s = FSTR(ev, "path")))
		logview_sb_safe(b, s, 512);
	else
		where_generic(ev, b);
}

static void decision_info(const struct audit_event *ev, struct sbuf *b)
{
	const char *s;
	long long n;

	if (!strcmp(ev->event, "start")) {
		if ((s = FSTR(ev, "project"))) {
			sb_str(b, "project ");
			logview_sb_safe(b, s, 200);
		}
		if ((s = FSTR(ev, "net"))) {
			sb_str(b, ", network ");
			logview_sb_safe(b, s, 32);
		}
		if (FINT(ev, &n, "allow") && n)
			sb_printf(b, ", %lld allow rule%s", n, n == 1 ? "" : "s");
		return;
	}
	if (!strcmp(ev->event, "run") && FINT(ev, &n, "pid"))
		sb_printf(b, "pid %lld", n);
	/* --ask: what was asked, what the answer was and who gave it */
	if (!strcmp(ev->event, "ask") && (s = FSTR(ev, "kind"))) {
		logview_sb_safe(b, s, 32);
		if ((s = FSTR(ev, "detail"))) {
			sb_str(b, " ");
			logview_sb_safe(b, s, 200);
		}
	}
	if (!strcmp(ev->event, "ask.answer") && (s = FSTR(ev, "answer"))) {
		logview_sb_safe(b, s, 32);
		if ((s = FSTR(ev, "by"))) {
			sb_str(b, " by ");
			logview_sb_safe(b, s, 32);
		}
	}
	/* net.error and net.publish say what went wrong in "error" */
	if ((s = FSTR(ev, "reason", "error")))
		logview_sb_safe(b, s, 200);
}

/* The decision column: allowed or denied, and why */
static void render_decision(const struct audit_event *ev, struct sbuf *b)
{
	const char *reason = FSTR(ev, "reason");
	char text[STORY_TEXT_MAX];
	long long up, down;

	switch (logview_classify(ev->event)) {
	case EV_DENY:
		sb_str(b, "denied");
		break;
	case EV_ALLOW:
		sb_str(b, "allowed");
		if (FINT(ev, &up, "bytes_up", "up", "sent") &&
		    FINT(ev, &down, "bytes_down", "down", "received")) {
			sb_str(b, ", up ");
			sb_bytes(b, up);
			sb_str(b, ", down ");
			sb_bytes(b, down);
		}
		break;
	case EV_WARN:
		sb_str(b, !strcmp(ev->event, "fs.protected_created") ?
				  "warning: created during the run" :
				  "warning: replaced or removed during the run");
		return;
	case EV_INFO:
		if (story_decision(ev, text, sizeof(text)))
			logview_sb_safe(b, text, 400);
		else
			decision_info(ev, b);
		return;
	}
	if (reason) {
		sb_str(b, ": ");
		logview_sb_safe(b, reason, 200);
	}
}

/* Pad @b with spaces to @col bytes (at least one space) */
static void sb_pad(struct sbuf *b, size_t start, size_t col)
{
	do
		sb_str(b, " ");
	while (b->used - start < col);
}

size_t logview_render_event(const struct audit_event *ev, char *out,
			    size_t out_len)
{
	return logview_render_in_story(ev, 0, out, out_len);
}

size_t logview_render_in_story(const struct audit_event *ev,
			       unsigned int depth, char *out, size_t out_len)
{
	struct sbuf b = { out, out_len, 0 };
	struct tm tm;
	unsigned int ms;
	time_t sec;

	if (!out_len)
		return 0;
	out[0] = '\0';
	if (logview_parse_ts(ev->ts, &sec, &ms) == 0 && localtime_r(&sec, &tm))
		sb_printf(&b, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min,
			  tm.tm_sec, ms);
	else
		sb_str(&b, "??:??:??.???");
	sb_pad(&b, 0, 14);
	logview_sb_safe(&b, ev->event, 32);
	sb_pad(&b, 14, 21);
	{
		size_t at = b.used;

		render_where(ev, depth, &b);
		sb_pad(&b, at, 32);
	}
	render_decision(ev, &b);
	while (b.used && b.p[b.used - 1] == ' ')
		b.p[--b.used] = '\0';
	return b.used;
}

/* Return: true when a line (possibly the last, without "\n") was read */
bool logview_read_line(struct line_reader *r)
{
	int ch;

	r->len = 0;
	r->too_long = false;
	while ((ch = getc_unlocked(r->f)) != EOF && ch != '\n') {
		if (r->len < sizeof(r->buf))
			r->buf[r->len++] = (char)ch;
		else
			r->too_long = true;
	}
	if (ch == EOF && !r->len && !r->too_long)
		return false;
	r->lineno++;
	return true;
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/*
 * Open a log for reading: regular files only, so that a FIFO or a device
 * in its place cannot hang or surprise us. Return: stream, or NULL with
 * errno set.
 */
FILE *logview_open_log(const char *path, bool nofollow)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
				    (nofollow ? O_NOFOLLOW : 0));
	struct stat st;
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		/* errno is still whatever an earlier call left there */
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return NULL;
	}
	fcntl(fd, F_SETFL, 0);
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

#define LOG_DNS_NAMES 128	/* dns.deny names told apart in the totals */

struct totals {
	unsigned long events, allowed, denied, warnings, unreadable;
	/* A refused name is one denial, whatever query types asked it */
	char dns_names[LOG_DNS_NAMES][POLICY_NAME_MAX + 1];
	size_t n_dns_names;
	struct {
		char kind[32];
		unsigned long n;
	} kinds[LOG_MAX_KINDS];
	size_t n_kinds;
};

/* Is @ev a dns.deny of a name already counted? Records it otherwise */
static bool is_dns_repeat(struct totals *t, const struct audit_event *ev)
{
	const struct audit_field *f = field(ev, "name");

	if (strcmp(ev->event, "dns.deny") || !f || f->type != AUDIT_STR ||
	    strlen(f->s) > POLICY_NAME_MAX)
		return false;
	for (size_t i = 0; i < t->n_dns_names; i++)
		if (!strcasecmp(t->dns_names[i], f->s))
			return true;
	if (t->n_dns_names < LOG_DNS_NAMES)
		snprintf(t->dns_names[t->n_dns_names++],
			 sizeof(t->dns_names[0]), "%s", f->s);
	return false;
}

/* Count @ev; denials by kind, the event name up to its first dot */
static void count_event(struct totals *t, const struct audit_event *ev)
{
	size_t len = strcspn(ev->event, "."), i;

	t->events++;
	if (is_dns_repeat(t, ev))
		return;
	switch (logview_classify(ev->event)) {
	case EV_ALLOW:
		t->allowed++;
		return;
	case EV_WARN:
		t->warnings++;
		return;
	case EV_INFO:
		return;
	case EV_DENY:
		break;
	}
	t->denied++;
	if (len >= sizeof(t->kinds[0].kind))
		len = sizeof(t->kinds[0].kind) - 1;
	for (i = 0; i < t->n_kinds; i++)
		if (!strncmp(t->kinds[i].kind, ev->event, len) &&
		    !t->kinds[i].kind[len])
			break;
	if (i == t->n_kinds) {
		if (i == LOG_MAX_KINDS)
			i--;	/* the last slot then counts the rest too */
		else
			t->n_kinds++;
		memcpy(t->kinds[i].kind, ev->event, len);
		t->kinds[i].kind[len] = '\0';
	}
	t->kinds[i].n++;
}

static void print_totals(const struct totals *t)
{
	char line[1024];
	struct sbuf b = { line, sizeof(line), 0 };

	sb_printf(&b, "%lu event%s: %lu allowed, %lu denied", t->events,
		  t->events == 1 ? "" : "s", t->allowed, t->denied);
	for (size_t i = 0; i < t->n_kinds; i++) {
		sb_str(&b, i ? ", " : " (");
		logview_sb_safe(&b, t->kinds[i].kind, 31);
		sb_printf(&b, " %lu", t->kinds[i].n);
	}
	if (t->n_kinds)
		sb_str(&b, ")");
	if (t->warnings)
		sb_printf(&b, ", %lu warning%s", t->warnings,
			  t->warnings == 1 ? "" : "s");
	if (t->unreadable)
		sb_printf(&b, "; %lu unreadable line%s", t->unreadable,
			  t->unreadable == 1 ? "" : "s");
	printf("\n%s\n", line);
}

struct view_state {
	bool has_jail;
	char jail[72];		/* the last event's jail, cut */
	char day[16];		/* its local date */
};

/* A "jail ID" header whenever the jail changes, a date when the day does */
static void print_headers(const struct audit_event *ev, struct view_state *v)
{
	char line[256], day[16] = "";
	struct sbuf b = { line, sizeof(line), 0 };
	unsigned int ms;
	struct tm tm;
	time_t sec;

	if (logview_parse_ts(ev->ts, &sec, &ms) == 0 && localtime_r(&sec, &tm))
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	if (!v->has_jail || strncmp(v->jail, ev->jail, sizeof(v->jail) - 1)) {
		sb_str(&b, "jail ");
		logview_sb_safe(&b, ev->jail, 64);
		if (day[0])
			sb_printf(&b, " on %s", day);
		printf("%s%s\n", v->has_jail ? "\n" : "", line);
		snprintf(v->jail, sizeof(v->jail), "%s", ev->jail);
		v->has_jail = true;
	} else if (day[0] && strcmp(day, v->day)) {
		printf("(%s)\n", day);
	}
	snprintf(v->day, sizeof(v->day), "%s", day);
}

static int render_log(FILE *f, bool is_markdown)
{
	static struct line_reader r;
	static struct audit_event ev;
	static char out[8 * AUDIT_LINE_MAX];
	static struct totals t;	/* one log per process */
	struct view_state v = { 0 };
	autofree struct story *st = story_new();

	r.f = f;
	r.lineno = 0;
	while (logview_read_line(&r)) {
		if (!r.too_long && is_blank(r.buf, r.len))
			continue;
		if (r.too_long || audit_parse_line(r.buf, r.len, &ev) < 0) {
			printf("(unreadable line %lu)\n", r.lineno);
			t.unreadable++;
			continue;
		}
		count_event(&t, &ev);
		story_feed(st, &ev);
		if (is_markdown)
			continue;
		print_headers(&ev, &v);
		logview_render_in_story(&ev, story_depth(st, &ev), out,
					sizeof(out));
		printf("%s\n", out);
	}
	if (ferror(f))
		die_errno("read the log");
	if (is_markdown) {
		story_print_markdown(st, t.unreadable);
		return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
	}
	story_print_summary(st);
	print_totals(&t);
	return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
}

/* --json: the file's bytes, unchanged */
static int copy_log(FILE *f)
{
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			break;
	if (ferror(f))
		die_errno("read the log");
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_JAIL_FAILED;
}

/* ---- finding logs ------------------------------------------------- */

/* $XDG_STATE_HOME/jail/log, else ~/.local/state/jail/log (as jail.c) */
static char *log_dir(void)
{
	const char *state = getenv("XDG_STATE_HOME");

	if (state && state[0] == '/')
		return xasprintf("%s/jail/log", state);
	return xasprintf("%s/.local/state/jail/log", config_host_home());
}

static bool is_hex_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n && n <= 64 && !s[n];
}

bool logview_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/*
 * The log whose ID starts with @prefix (NULL: the newest log). Caller
 * frees; dies when there is none, or @prefix is ambiguous.
 */
static char *find_log(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	autofree char *best = NULL;
	struct timespec best_t = { 0, 0 };
	unsigned int matches = 0;
	struct dirent *de;
	char *path;

	if (!d && errno != ENOENT)
		die_errno("log directory \"%s\"", dir);
	while (d && (de = readdir(d))) {
		struct stat st;

		if (!logview_has_suffix(de->d_name, ".jsonl") ||
		    (prefix && strncmp(de->d_name, prefix, strlen(prefix))) ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		matches++;
		if (!best || st.st_mtim.tv_sec > best_t.tv_sec ||
		    (st.st_mtim.tv_sec == best_t.tv_sec &&
		     st.st_mtim.tv_nsec > best_t.tv_nsec)) {
			free(best);
			best = xstrdup(de->d_name);
			best_t = st.st_mtim;
		}
	}
	if (d)
		closedir(d);
	if (!best && prefix)
		die("log \"%s\": no such jail ID in \"%s\", and no such file",
		    prefix, dir);
	if (!best)
		die("log: no audit logs in \"%s\"; name an ID or a FILE", dir);
	if (prefix && matches > 1)
		die("log \"%s\": %u jail IDs start with it; give more of it",
		    prefix, matches);
	path = xasprintf("%s/%s", dir, best);
	return path;
}

/* ID (or a unique prefix of one) in the log directory, else a FILE */
static char *resolve_log(const char *arg)
{
	autofree char *dir = log_dir();
	autofree char *exact = NULL;
	struct stat st;

	if (!arg)
		return find_log(dir, NULL);
	if (!strcmp(arg, "-") || strchr(arg, '/') || !is_hex_id(arg))
		return xstrdup(arg);
	exact = xasprintf("%s/%s.jsonl", dir, arg);
	if (stat(exact, &st) == 0)
		return TAKE_PTR(exact);
	if (stat(arg, &st) == 0)
		return xstrdup(arg);
	return find_log(dir, arg);
}

static void log_usage(FILE *f)
{
	fprintf(f, "Usage: jail log [--json|--markdown] [ID|FILE]\n"
		   "Show an audit log: one line per event in time order, the "
		   "programs run as a\nprocess tree, then what happened in "
		   "short and the totals.\n"
		   "ID is a jail ID (or the start of one) in $XDG_STATE_HOME/"
		   "jail/log;\nwithout ID or FILE, the newest log there. "
		   "--json prints the JSON Lines as they are;\n--markdown "
		   "prints a summary for a CI job's summary page.\n");
}

int logview_log_main(int argc, char **argv)
{
	const char *arg = NULL;
	autofree char *path = NULL;
	autofclose FILE *f = NULL;
	bool json = false, markdown = false, opts_done = false;

	for (int i = 1; i < argc; i++) {
		if (!opts_done && !strcmp(argv[i], "--json")) {
			json = true;
		} else if (!opts_done && !strcmp(argv[i], "--markdown")) {
			markdown = true;
		} else if (!opts_done && (!strcmp(argv[i], "--help") ||
					  !strcmp(argv[i], "-h"))) {
			log_usage(stdout);
			return 0;
		} else if (!opts_done && !strcmp(argv[i], "--")) {
			opts_done = true;
		} else if (!opts_done && argv[i][0] == '-' && argv[i][1]) {
			die("log: unknown option \"%s\"; usage: jail log "
			    "[--json|--markdown] [ID|FILE]", argv[i]);
		} else if (arg) {
			die("log: one ID or FILE at most; usage: jail log "
			    "[--json|--markdown] [ID|FILE]");
		} else {
			arg = argv[i];
		}
	}
	path = resolve_log(arg);
	f = !strcmp(path, "-") ? fdopen(dup(STDIN_FILENO), "r") :
				 logview_open_log(path, false);
	if (!f && errno == EINVAL)
		die("log \"%s\": not a regular file", path);
	if (!f)
		die_errno("log \"%s\"", path);
	if (json && markdown)
		die("log: --json and --markdown: choose one");
	if (json)
		return copy_log(f);
	if (strcmp(path, "-") && !markdown)
		printf("log %s\n", path);
	return render_log(f, markdown);
}

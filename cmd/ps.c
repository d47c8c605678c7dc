// SPDX-License-Identifier: MIT
/*
 * ps.c - jail ps: the user's running jails, from the registry
 */
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

#define PS_MAX_JAILS 256	/* registry entries listed by jail ps */

#define PS_COMMAND_MAX 40	/* code points of COMMAND shown by jail ps */

/* ---- jail ps ------------------------------------------------------ */

struct ps_entry {
	char id[72];
	char ts[32];
	long long pid;
	char command[PS_COMMAND_MAX * 8];
	unsigned long allowed, denied;
};

/* This jail's allowed and denied events in its log (it may hold others) */
static void count_in_log(struct ps_entry *e, const char *log_path)
{
	static struct line_reader r;
	static struct audit_event ev;
	autofclose FILE *f = logview_open_log(log_path, true);

	if (!f)
		return;
	r.f = f;
	while (logview_read_line(&r)) {
		if (r.too_long || audit_parse_line(r.buf, r.len, &ev) < 0 ||
		    strcmp(ev.jail, e->id))
			continue;
		switch (logview_classify(ev.event)) {
		case EV_ALLOW:
			e->allowed++;
			break;
		case EV_DENY:
			e->denied++;
			break;
		default:
			break;
		}
	}
}

/* The start of a /proc file, NUL-terminated. Return: length or -errno */
static ssize_t read_proc(const char *path, char *buf, size_t len)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/*
 * The number in the space-separated field that follows @skip others at
 * @p. Return: 0 or -EBADMSG
 */
static int nth_number(const char *p, unsigned int skip,
		      unsigned long long *out)
{
	char num[24];
	size_t len;

	for (unsigned int i = 0; i < skip; i++) {
		p += strspn(p, " ");
		p += strcspn(p, " \n");
	}
	p += strspn(p, " ");
	len = strcspn(p, " \n");
	if (!len || len >= sizeof(num))
		return -EBADMSG;
	memcpy(num, p, len);
	num[len] = '\0';
	return parse_uint(num, 0, ULLONG_MAX, out) < 0 ? -EBADMSG : 0;
}

/* Start of the process in clock ticks after boot. Return: 0 or -errno */
static int start_ticks(const char *stat_path, unsigned long long *ticks)
{
	char buf[1024];
	const char *p;

	if (read_proc(stat_path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	/*
	 * comm may hold spaces and parentheses: fields follow the last ')'.
	 * Field 22 (starttime) follows state and 18 more
	 */
	p = strrchr(buf, ')');
	if (!p)
		return -EBADMSG;
	return nth_number(p + 1, 19, ticks);
}

/* Boot time in seconds since the epoch, or 0 */
static unsigned long long boot_time(void)
{
	static char buf[65536];
	unsigned long long btime = 0;
	const char *p;

	if (read_proc("/proc/stat", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "\nbtime ");
	if (!p || nth_number(p + 6, 0, &btime) < 0)
		return 0;
	return btime;
}

/*
 * Is the registered supervisor @pid still running? Gone (ESRCH) means the
 * entry is stale. A pid that now belongs to a process started after the
 * jail registered was reused: stale too.
 */
static bool pid_alive(long long pid, const char *ts)
{
	unsigned long long ticks, btime;
	long hz = sysconf(_SC_CLK_TCK);
	char stat_path[64];
	unsigned int ms;
	time_t reg;

	if (pid <= 0 || pid > INT_MAX ||
	    (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
		return false;
	snprintf(stat_path, sizeof(stat_path), "/proc/%lld/stat", pid);
	btime = boot_time();
	if (start_ticks(stat_path, &ticks) < 0 || !btime || hz <= 0 ||
	    logview_parse_ts(ts, &reg, &ms) < 0)
		return true;
	/* btime and the tick count are coarse: allow a few seconds */
	return btime + ticks / (unsigned long long)hz <=
	       (unsigned long long)reg + 5;
}

/* Read one ID.run file. Return: 1 listed, 0 skipped (stale or unreadable) */
static int read_entry(int dir_fd, const char *name, struct ps_entry *e)
{
	static struct audit_event ev;
	char buf[AUDIT_LINE_MAX];
	autoclose int fd = openat(dir_fd, name,
				  O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
					  O_NONBLOCK | O_NOCTTY);
	struct stat st;
	const char *cmd, *log;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	n = read(fd, buf, sizeof(buf));
	if (n <= 0 || audit_parse_line(buf, (size_t)n, &ev) < 0 ||
	    strcmp(ev.event, "run") || !FINT(&ev, &e->pid, "pid"))
		return 0;
	if (!pid_alive(e->pid, ev.ts)) {
		unlinkat(dir_fd, name, 0);
		return 0;
	}
	snprintf(e->id, sizeof(e->id), "%s", ev.jail);
	snprintf(e->ts, sizeof(e->ts), "%s", ev.ts);
	cmd = FSTR(&ev, "command");
	{
		struct sbuf b = { e->command, sizeof(e->command), 0 };

		logview_sb_safe(&b, cmd ? cmd : "?", PS_COMMAND_MAX);
	}
	e->allowed = e->denied = 0;
	log = FSTR(&ev, "log");
	if (log)
		count_in_log(e, log);
	return 1;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct ps_entry *)a)->ts,
		      ((const struct ps_entry *)b)->ts);
}

/* HH:MM:SS today, else YYYY-MM-DD HH:MM, in local time */
static void format_started(const char *ts, char *out, size_t len)
{
	struct tm tm, now_tm;
	time_t sec, now = time(NULL);
	unsigned int ms;

	snprintf(out, len, "?");
	if (logview_parse_ts(ts, &sec, &ms) < 0 || !localtime_r(&sec, &tm) ||
	    !localtime_r(&now, &now_tm))
		return;
	if (tm.tm_year == now_tm.tm_year && tm.tm_yday == now_tm.tm_yday)
		strftime(out, len, "%H:%M:%S", &tm);
	else
		strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

static void print_ps(const struct ps_entry *e, size_t n)
{
	char started[32];
	char id[80];

	printf("%-16s  %-7s  %-16s  %-*s  %7s  %6s\n", "ID", "PID", "STARTED",
	       PS_COMMAND_MAX, "COMMAND", "ALLOWED", "DENIED");
	for (size_t i = 0; i < n; i++) {
		struct sbuf b = { id, sizeof(id), 0 };

		logview_sb_safe(&b, e[i].id, 64);
		format_started(e[i].ts, started, sizeof(started));
		printf("%-16s  %-7lld  %-16s  %-*s  %7lu  %6lu\n", id,
		       e[i].pid, started, PS_COMMAND_MAX, e[i].command,
		       e[i].allowed, e[i].denied);
	}
}

int logview_ps_main(int argc, char **argv)
{
	static struct ps_entry entries[PS_MAX_JAILS];
	autofree char *dir = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: jail ps\nList your running jails: ID, PID, "
		       "STARTED, COMMAND, ALLOWED, DENIED.\n");
		return 0;
	}
	if (argc > 1)
		die("ps: takes no arguments; usage: jail ps");
	dir = jail_runtime_dir();
	d = opendir(dir);
	if (!d && errno != ENOENT)
		die_errno("ps: registry \"%s\"", dir);
	while (d && (de = readdir(d))) {
		if (!logview_has_suffix(de->d_name, ".run"))
			continue;
		if (n == PS_MAX_JAILS) {
			warn("ps: more than %d jails; the rest are not listed",
			     PS_MAX_JAILS);
			break;
		}
		n += (size_t)read_entry(dirfd(d), de->d_name, &entries[n]);
	}
	if (d)
		closedir(d);
	qsort(entries, n, sizeof(entries[0]), cmp_entry);
	print_ps(entries, n);
	return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
}

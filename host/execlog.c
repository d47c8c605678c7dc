// SPDX-License-Identifier: MIT
/*
 * execlog.c - the exec record: every program started inside the jail, as
 * an `exec` audit event
 *
 * Theory of operation: the jail's seccomp filter turns execve() and
 * execveat() into user notifications (unless --no-exec-log). The
 * supervisor gets each one on the filter's listener; while the caller
 * waits in the call, this file reads what it claims to run from its
 * memory (process_vm_readv(): path, argv), its working directory from
 * /proc, its pid and parent from a pidfd and the jail's pid namespace
 * (ioctls, /proc/PID/status on kernels without them), lets the call
 * continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE; the kernel accepts that
 * answer only while the notification is still pending, so that what was
 * read belongs to the caller and not to a recycled pid) and writes the
 * event. It is a record as the process claimed it, not a fence: a
 * thread of the caller can change the memory after it was read.
 *
 * Bounds: the event's text is cut by parse/execargs.c (argv, path, cwd),
 * so one event stays under 2 KiB. A flood of execs never stalls the jail
 * nor grows memory: the events go through a token bucket (a burst of
 * EXECLOG_BURST, then EXECLOG_RATE a second); a call over the budget is
 * answered at once, unread, and counted, and the count is written as one
 * `exec.dropped` event at most once a second (when the budget allows an
 * event again) and at the end of the run.
 * A call whose path does not exist in the jail's view (a shell or
 * execvp() trying each directory of PATH) is not recorded; the path is
 * looked up only when argv[0] says the call may be such a try.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>

#include "jail.h"
#include "setup.h"
#include "host/host.h"

#define EXECLOG_BURST 2000	/* events logged before the rate applies */
#define EXECLOG_RATE 200	/* events a second after the burst */
#define EXECLOG_PIDS 256	/* host pid -> jail pid, recently seen */
#define EXEC_PTRS_FIRST 64	/* argv pointers read with the path */
_Static_assert(EXEC_PTRS_FIRST <= EXEC_PTRS_READ, "a part of the array");

/* Linux 6.10 (nsfs) and 6.13 (pidfs); older headers lack them */
#ifndef NS_GET_PID_IN_PIDNS
#define NS_GET_PID_IN_PIDNS _IOR(NSIO, 0x8, int)
#endif
/* The first version of struct pidfd_info (PIDFD_INFO_SIZE_VER0) */
struct exec_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid;
	uint32_t ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	uint32_t spare;
};
#define EXEC_PIDFD_GET_INFO _IOWR(0xFF, 11, struct exec_pidfd_info)
#define EXEC_PIDFD_INFO_PID (1ULL << 0)

/**
 * struct exec_log - The exec record's state in the supervisor
 * @cfg:	the run's configuration (its ID)
 * @run:	the run's host resources (the log)
 * @tokens_ms:	the budget, in thousandths of an event
 * @last:	when the budget was last refilled (CLOCK_MONOTONIC)
 * @last_dropped: when the last exec.dropped event was written
 * @n_dropped:	execs not recorded since the last exec.dropped event
 * @n_dropped_all: execs not recorded in the whole run
 * @pids:	host pids of recent callers and their pids in the jail, so
 *		that a parent seen before costs no read of /proc
 * @n_pids:	entries written (a ring)
 * @pidns_fd:	the jail's pid namespace, to translate pids without reading
 *		/proc (Linux 6.10), or -1
 * @caller_fd:	the pidfd of the caller being recorded, or -1: closed only
 *		after the answer, so that its cost (the kernel frees the
 *		pidfd's file there) is not the caller's wait
 */
struct exec_log {
	const struct jail_config *cfg;
	const struct jail_run *run;	/* the log */
	long long tokens_ms;
	struct timespec last;
	struct timespec last_dropped;
	unsigned long long n_dropped;
	unsigned long long n_dropped_all;
	struct {
		pid_t host, jail;
	} pids[EXECLOG_PIDS];
	size_t n_pids;
	int pidns_fd;
	int caller_fd;
};

/* What one caller claims, made printable and bounded */
struct exec_claim {
	pid_t pid;
	pid_t ppid;
	size_t argc;
	bool is_complete;
	bool is_absent;		/* the path names nothing in the jail's view */
	char path[EXEC_PATH_TEXT];
	char cwd[EXEC_PATH_TEXT];
	char argv[EXEC_ARGV_TEXT];
};

struct exec_log *execlog_new(const struct jail_run *run, pid_t init_pid)
{
	const struct jail_config *cfg = run->cfg;
	struct exec_log *el = xcalloc(1, sizeof(*el));
	char ns[64];

	snprintf(ns, sizeof(ns), "/proc/%d/ns/pid", (int)init_pid);
	el->pidns_fd = init_pid > 0 ? open(ns, O_RDONLY | O_CLOEXEC) : -1;
	el->caller_fd = -1;

	el->cfg = cfg;
	el->run = run;
	el->tokens_ms = EXECLOG_BURST * 1000LL;
	clock_gettime(CLOCK_MONOTONIC, &el->last);
	el->last_dropped = el->last;
	return el;
}

static long long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Refill by the time since the last call; take one event if there is one */
static bool take_token(struct exec_log *el)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = ms_between(&el->last, &now);
	if (ms > 0) {
		el->tokens_ms += ms * EXECLOG_RATE;
		if (el->tokens_ms > EXECLOG_BURST * 1000LL)
			el->tokens_ms = EXECLOG_BURST * 1000LL;
		el->last = now;
	}
	if (el->tokens_ms < 1000)
		return false;
	el->tokens_ms -= 1000;
	return true;
}

/* The count of execs not recorded; unless @is_final, once a second */
static void write_dropped(struct exec_log *el, bool is_final)
{
	const struct audit_field f[] = {
		AF_INT("count", el->n_dropped),
		AF_INT("total", el->n_dropped_all),
	};

	if (!el->n_dropped)
		return;
	if (!is_final && ms_between(&el->last_dropped, &el->last) < 1000)
		return;
	el->last_dropped = el->last;
	audit_write(el->run->log_fd, el->cfg->id, "exec.dropped", f,
		    ARRAY_SIZE(f));
	el->n_dropped = 0;
}

/* An address in the caller's memory, for process_vm_readv() only */
static void *remote_ptr(uint64_t addr)
{
	/* NOLINTNEXTLINE(performance-no-int-to-ptr): never dereferenced */
	return (void *)(uintptr_t)addr;
}

/* Read up to @len bytes at @addr in @pid. Return: bytes read, or 0 */
static size_t read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { remote_ptr(addr), len };
	ssize_t n;

	if (!addr)
		return 0;
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	return n > 0 ? (size_t)n : 0;
}

/* A small /proc file of @pid into @buf (NUL-terminated). Return: length */
static size_t read_proc(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	autoclose int fd = -1;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, len - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (size_t)n;
}

/*
 * The pid in the jail's own pid namespace (the last of NSpid), and the
 * parent as the supervisor sees it. /proc/PID/status is the kernel's text;
 * its one field the process chooses (Name) is escaped there.
 */
static pid_t jail_pid_of(pid_t pid, pid_t *host_ppid)
{
	char st[2048];
	const char *ns, *pp;
	long v = 0;

	if (!read_proc(pid, "status", st, sizeof(st)))
		return 0;
	pp = strstr(st, "\nPPid:");
	if (host_ppid)
		*host_ppid = pp ? (pid_t)strtol(pp + 6, NULL, 10) : 0;
	ns = strstr(st, "\nNSpid:");
	if (!ns)
		return 0;
	ns += 7;
	/* One number per namespace level, the jail's last */
	while (*ns && *ns != '\n') {
		char *end;
		long n = strtol(ns, &end, 10);

		if (end == ns)
			break;
		v = n;
		ns = end;
	}
	return (pid_t)v;
}


/* What a call's two pointers (path, argv) point to, as read */
struct exec_raw {
	char path[EXEC_ARG_READ + 1];
	size_t path_len;
	uint8_t ptrs[EXEC_PTRS_READ * sizeof(uint64_t)];
	size_t n_ptr;
};

/*
 * Whether argument address @p is within the bytes read at the path's
 * address @path: then they are its bytes, read a moment ago from the
 * same waiting caller, as a read of its own would get them. The path's
 * own address (execv(argv[0], argv), a shell running a command typed
 * with its directory) takes them as they are; an address inside them
 * (arguments a shell stored right after the path) only when its NUL is
 * among them. The arguments of a common exec need no read of their own.
 */
static bool arg_in_path(const struct exec_raw *r, uint64_t path, uint64_t p,
			struct exec_arg *a, uint8_t *raw)
{
	size_t off;

	if (!p || !path || p < path || p - path >= r->path_len)
		return false;
	off = (size_t)(p - path);
	if (off && !memchr(r->path + off, '\0', r->path_len - off))
		return false;
	memcpy(raw, r->path + off, r->path_len - off);
	*a = (struct exec_arg){ raw, r->path_len - off };
	return true;
}

/*
 * The first @n arguments in one process_vm_readv(), but for those
 * arg_in_path() finds; one that a fault cut short (a string near the end
 * of a mapping) is read again on its own.
 */
static void read_args(pid_t pid, const struct exec_raw *r, uint64_t path,
		      struct exec_arg *a, size_t n,
		      uint8_t (*raw)[EXEC_ARG_READ])
{
	struct iovec local[EXEC_ARGS_SHOWN], remote[EXEC_ARGS_SHOWN];
	size_t at[EXEC_ARGS_SHOWN], k = 0, left;
	ssize_t got;

	for (size_t i = 0; i < n; i++) {
		uint64_t p = exec_argv_ptr(r->ptrs, r->n_ptr, i);

		a[i] = (struct exec_arg){ raw[i], 0 };
		if (arg_in_path(r, path, p, &a[i], raw[i]))
			continue;
		at[k] = i;
		local[k] = (struct iovec){ raw[i], EXEC_ARG_READ };
		remote[k++] = (struct iovec){ remote_ptr(p), EXEC_ARG_READ };
	}
	got = k ? process_vm_readv(pid, local, k, remote, k, 0) : 0;
	left = got > 0 ? (size_t)got : 0;
	for (size_t j = 0; j < k; j++) {
		struct exec_arg *x = &a[at[j]];

		x->len = left < EXEC_ARG_READ ? left : EXEC_ARG_READ;
		left -= x->len;
		if (x->len < EXEC_ARG_READ && !memchr(raw[at[j]], '\0', x->len))
			x->len = read_mem(pid, (uintptr_t)remote[j].iov_base,
					  raw[at[j]], EXEC_ARG_READ);
	}
}

/*
 * The argv, rendered into @c; *@arg0 is its first argument as read (not
 * NUL-terminated when it was cut), len 0 when there is none
 */
static void read_argv(pid_t pid, const struct exec_raw *r, uint64_t path,
		      struct exec_claim *c, struct exec_arg *arg0)
{
	static uint8_t raw[EXEC_ARGS_SHOWN][EXEC_ARG_READ];
	struct exec_arg a[EXEC_ARGS_SHOWN];
	size_t n;

	exec_argv_count(r->ptrs, r->n_ptr, &c->argc, &c->is_complete);
	n = c->argc < EXEC_ARGS_SHOWN ? c->argc : EXEC_ARGS_SHOWN;
	read_args(pid, r, path, a, n, raw);
	*arg0 = n ? a[0] : (struct exec_arg){ raw[0], 0 };
	if (exec_render_argv(a, n, c->argc, c->is_complete, c->argv,
			     sizeof(c->argv)) < 0)
		c->argv[0] = '\0';
}

static void read_link(pid_t pid, const char *name, char *out, size_t len)
{
	char path[64], target[PATH_MAX];
	ssize_t n;
	struct exec_arg a = { (const uint8_t *)target, 0 };

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		n = 0;
	target[n] = '\0';
	a.len = (size_t)n + 1;
	exec_render_text(&a, out, len);
}

/*
 * Whether @path names something in the caller's view: resolved in its
 * root (absolute) or from its working directory, never in ours. Anything
 * uncertain counts as present, so that it is recorded.
 */
static bool claim_exists(pid_t pid, const char *path)
{
	/* O_PATH: nothing is opened for real, no FIFO can block us */
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT |
					   RESOLVE_NO_MAGICLINKS };
	char dir[64];
	autoclose int dfd = -1;
	int fd;

	snprintf(dir, sizeof(dir), "/proc/%d/%s", (int)pid,
		 path[0] == '/' ? "root" : "cwd");
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return true;	/* unknown: record it */
	if (path[0] != '/')
		how.resolve = RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	if (fd < 0)
		return errno != ENOENT && errno != ENOTDIR;
	close(fd);
	return true;
}

/*
 * Whether the call may be one step of a PATH search (execvp(), a shell,
 * Python's subprocess trying each directory of PATH in turn): those pass
 * the name as it was typed, without the directory, as argv[0]. A call
 * whose argv[0] is its path exactly runs a program by its path: it needs
 * no look-up in the caller's view, which costs three system calls.
 */
static bool may_be_search(const char *path, const struct exec_arg *arg0)
{
	return !memchr(arg0->p, '\0', arg0->len) ||
	       strcmp(path, (const char *)arg0->p) != 0;
}


/*
 * The argv pointers after the first EXEC_PTRS_FIRST, when those held no
 * NULL: a read that stops where the first one stopped, so that the two
 * together read what one read of EXEC_PTRS_READ would (the kernel stops
 * at the first fault either way)
 */
static void read_more_ptrs(pid_t pid, uint64_t argv, struct exec_raw *r)
{
	const size_t first = EXEC_PTRS_FIRST * sizeof(uint64_t);
	size_t argc;
	bool is_complete;

	if (r->n_ptr < first)
		return;		/* cut short by a fault: nothing after it */
	exec_argv_count(r->ptrs, first, &argc, &is_complete);
	if (is_complete)
		return;
	r->n_ptr += read_mem(pid, argv + first, r->ptrs + first,
			     sizeof(r->ptrs) - first);
}

/*
 * The path and the first EXEC_PTRS_FIRST argv pointers in one
 * process_vm_readv(), then the rest of the pointers only when no NULL
 * was among those (most programs get a few arguments: ~700 bytes read,
 * not 8 KiB). The kernel stops at the first fault: when the path's read
 * is cut short (a string near the end of a mapping), each is read on
 * its own.
 */
static void read_path_ptrs(pid_t pid, uint64_t path, uint64_t argv,
			   struct exec_raw *r)
{
	const size_t first = EXEC_PTRS_FIRST * sizeof(uint64_t);
	struct iovec local[2] = { { r->path, EXEC_ARG_READ },
				  { r->ptrs, first } };
	struct iovec remote[2] = { { remote_ptr(path), EXEC_ARG_READ },
				   { remote_ptr(argv), first } };
	ssize_t got = -1;

	if (path && argv)
		got = process_vm_readv(pid, local, 2, remote, 2, 0);
	if (got >= EXEC_ARG_READ) {
		r->path_len = EXEC_ARG_READ;
		r->n_ptr = (size_t)got - EXEC_ARG_READ;
	} else {
		r->path_len = read_mem(pid, path, r->path, EXEC_ARG_READ);
		r->n_ptr = read_mem(pid, argv, r->ptrs, first);
	}
	read_more_ptrs(pid, argv, r);
}

/*
 * The claimed path, and whether it names nothing (a PATH search's miss);
 * @arg0: the call's argv[0] as read_argv() read it
 */
static void read_path(const struct filter_denial *d, struct exec_raw *r,
		      struct exec_claim *c, const struct exec_arg *arg0)
{
	bool is_at = d->nr == __NR_execveat;
	char *raw = r->path;
	struct exec_arg a = { (const uint8_t *)raw, r->path_len };
	char fd_link[32];

	raw[a.len] = '\0';
	exec_render_text(&a, c->path, sizeof(c->path));
	/* fexecve(): the file is the descriptor */
	if (is_at && !raw[0] && (d->args[4] & AT_EMPTY_PATH)) {
		snprintf(fd_link, sizeof(fd_link), "fd/%d", (int)d->args[0]);
		read_link(d->pid, fd_link, c->path, sizeof(c->path));
		return;
	}
	/* Cut, or relative to another descriptor: recorded as it is */
	if (!raw[0] || strlen(raw) == a.len ||
	    (is_at && raw[0] != '/' && (int)d->args[0] != AT_FDCWD))
		return;
	if (may_be_search(raw, arg0))
		c->is_absent = !claim_exists(d->pid, raw);
}

/* The caller's pidfd, once it no longer waits for us */
static void close_caller(struct exec_log *el)
{
	if (el->caller_fd >= 0)
		close(el->caller_fd);
	el->caller_fd = -1;
}

/*
 * @host's pid in the jail and (@host_ppid) its parent's host pid from the
 * kernel's answers to two ioctls, a pidfd's PIDFD_GET_INFO (Linux 6.13)
 * and the pid namespace's NS_GET_PID_IN_PIDNS: a tenth of the cost of
 * /proc/PID/status, whose text the kernel renders whole for each read.
 * The pidfd is left in @el->caller_fd, for close_caller() after the answer.
 * Return: the pid in the jail, or 0 (not known this way: read /proc)
 */
static pid_t jail_pid_ioctl(struct exec_log *el, pid_t host,
			    pid_t *host_ppid)
{
	struct exec_pidfd_info info = { .mask = EXEC_PIDFD_INFO_PID };
	int jail;

	if (el->pidns_fd < 0)
		return 0;
	if (host_ppid) {
		close_caller(el);	/* none: one caller at a time */
		/* EINVAL for a thread that is not its group's leader */
		el->caller_fd = (int)syscall(SYS_pidfd_open, host, 0);
		if (el->caller_fd < 0 ||
		    ioctl(el->caller_fd, EXEC_PIDFD_GET_INFO, &info) < 0 ||
		    !(info.mask & EXEC_PIDFD_INFO_PID) || !info.ppid)
			return 0;
		*host_ppid = (pid_t)info.ppid;
	}
	jail = ioctl(el->pidns_fd, NS_GET_PID_IN_PIDNS, (unsigned long)host);
	return jail > 0 ? (pid_t)jail : 0;
}

/* @host's pid in the jail: remembered, else asked of the kernel */
static pid_t jail_pid_cached(struct exec_log *el, pid_t host,
			     pid_t *host_ppid)
{
	size_t n = el->n_pids < EXECLOG_PIDS ? el->n_pids : EXECLOG_PIDS;
	pid_t jail;

	if (!host_ppid)
		for (size_t k = 0; k < n; k++)
			if (el->pids[k].host == host)
				return el->pids[k].jail;
	jail = jail_pid_ioctl(el, host, host_ppid);
	if (jail <= 0)
		jail = jail_pid_of(host, host_ppid);
	if (jail > 0) {
		el->pids[el->n_pids % EXECLOG_PIDS].host = host;
		el->pids[el->n_pids % EXECLOG_PIDS].jail = jail;
		el->n_pids++;
	}
	return jail;
}

static void read_claim(struct exec_log *el, const struct filter_denial *d,
		       struct exec_claim *c)
{
	bool is_at = d->nr == __NR_execveat;
	uint64_t path = d->args[is_at ? 1 : 0];
	static struct exec_raw r;
	pid_t host_ppid = 0;
	struct exec_arg arg0;

	read_path_ptrs(d->pid, path, d->args[is_at ? 2 : 1], &r);
	/* argv first: its argv[0] says whether the path needs a look-up */
	read_argv(d->pid, &r, path, c, &arg0);
	read_path(d, &r, c, &arg0);
	if (c->is_absent)
		return;
	read_link(d->pid, "cwd", c->cwd, sizeof(c->cwd));
	c->pid = jail_pid_cached(el, d->pid, &host_ppid);
	c->ppid = host_ppid > 0 ? jail_pid_cached(el, host_ppid, NULL) : 0;
}

static void write_exec(const struct exec_log *el, const struct exec_claim *c)
{
	const struct audit_field f[] = {
		AF_INT("pid", c->pid),
		AF_INT("ppid", c->ppid),
		AF_STR("path", c->path),
		AF_STR("argv", c->argv),
		c->is_complete ? AF_INT("argc", c->argc) :
				 AF_STR("argc", NULL),
		AF_STR("cwd", c->cwd),
	};

	audit_write(el->run->log_fd, el->cfg->id, "exec", f, ARRAY_SIZE(f));
}

void execlog_handle(struct exec_log *el, int notify_fd,
		    const struct filter_denial *d)
{
	static struct exec_claim c;
	bool is_valid;

	/* Over budget: answered at once, unread, counted */
	if (!take_token(el)) {
		el->n_dropped++;
		el->n_dropped_all++;
		filter_notify_continue(notify_fd, d->id);
		return;
	}
	memset(&c, 0, sizeof(c));
	read_claim(el, d, &c);
	/*
	 * After reading: what was read is the caller's only if it still
	 * waits. The answer is that check (NOTIF_ID_VALID's): the kernel
	 * accepts it only while the notification is pending, so one call
	 * both validates the reads and lets the caller go on.
	 */
	is_valid = !filter_notify_continue(notify_fd, d->id);
	close_caller(el);
	if (!is_valid)
		return;
	/* A PATH search's miss runs nothing: not recorded, budget kept */
	if (c.is_absent) {
		el->tokens_ms += 1000;
		return;
	}
	write_dropped(el, false);
	write_exec(el, &c);
}

void execlog_finish(struct exec_log *el)
{
	if (!el)
		return;
	write_dropped(el, true);
	close_caller(el);
	if (el->pidns_fd >= 0)
		close(el->pidns_fd);
	el->pidns_fd = -1;
}

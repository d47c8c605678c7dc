// SPDX-License-Identifier: MIT
/*
 * seccomp_filter.c - the sandbox filter: what it refuses, loading it
 *
 * The filter is a deny-list on top of a default of "allow": the jail's
 * other layers (namespaces, no capabilities, the mount view, Landlock)
 * already refuse most of what a hostile command could try, so the filter's
 * job is to take away kernel attack surface that those layers leave
 * reachable to an unprivileged process (keyrings, bpf, perf, userfaultfd,
 * io_uring, nested namespaces, mount API, terminal injection, exotic socket
 * families) and to make the remaining privileged calls fail early with a
 * stable errno.
 *
 * Rules and their answers:
 *  - foreign ABIs (i386 through int 0x80, x32 numbers on x86_64): the whole
 *    process is killed with SIGSYS. Their syscall numbers differ, so a
 *    deny-list written for x86_64 would not apply to them.
 *  - clone3(): ENOSYS, so that libc falls back to clone(), whose flags sit
 *    in a register the filter can see (clone3 passes them in memory).
 *  - clone() and unshare() with any CLONE_NEW* flag: EPERM.
 *  - ioctl() TIOCSTI and TIOCLINUX: EPERM, compared on the low 32 bits of
 *    the request because the kernel truncates it to an unsigned int
 *    (CVE-2019-10063: a 64-bit comparison is bypassed with 1<<32 set).
 *  - socket() of a family other than AF_UNIX, AF_INET, AF_INET6 and
 *    AF_NETLINK, and AF_NETLINK with a protocol other than NETLINK_ROUTE,
 *    and socketpair() of anything but AF_UNIX: EAFNOSUPPORT. Raw and
 *    packet sockets of AF_INET/AF_INET6: EPERM. NETLINK_ROUTE stays
 *    read-only without a rule: changing links, addresses or routes needs
 *    CAP_NET_ADMIN, which the command does not have.
 *  - personality(): only the query (0xffffffff) and values made of
 *    PER_LINUX32, UNAME26 and ADDR_NO_RANDOMIZE; anything else (notably
 *    READ_IMPLIES_EXEC) answers EPERM.
 *  - a set-user-ID or set-group-ID bit in a mode: chmod(), fchmod(),
 *    fchmodat(), fchmodat2(), creat(), mknod(), mknodat(), and open() and
 *    openat() with O_CREAT or O_TMPFILE: EPERM. Such a file left in the
 *    project runs as the caller (root, for a root caller) for whoever on
 *    the host executes it. openat2(): ENOSYS (its mode is in memory the
 *    filter cannot read), so callers fall back to openat().
 *  - the fixed list below: EPERM.
 *
 * With --seccomp-log every EPERM/EAFNOSUPPORT rule becomes a user
 * notification instead; the supervisor answers with the same errno and
 * logs the call (filter_notify_handle()). clone3's ENOSYS and the foreign
 * ABI kill stay as they are: the first is not an attack, the second must
 * not depend on a userspace answer.
 *
 * Unless --no-exec-log, execve() and execveat() are user notifications too:
 * the supervisor records what the caller claims to run (host/execlog.c)
 * and answers SECCOMP_USER_NOTIF_FLAG_CONTINUE. Both kinds share the one
 * listener a filter may have.
 *
 * The rules are written with libseccomp in seccomp_rules.c and compiled at
 * build time (tools/filtergen.c) into the four BPF programs that
 * filterblob.c carries; this file only copies and loads them.
 */
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <linux/netlink.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "jail.h"
#include "setup.h"
#include "tools/filtergen.h"

int filter_prepare(const struct jail_config *cfg, struct filter_prog *prog)
{
	unsigned int flags = 0;
	const struct filter_blob *fb;

	if (cfg && cfg->seccomp_log)
		flags |= FILTER_LOG_DENIALS;
	if (cfg && !cfg->no_exec_log)
		flags |= FILTER_LOG_EXEC;
	fb = filter_blobs[flags];
	memset(prog, 0, sizeof(*prog));
	prog->is_log = flags != 0;
	if (!fb->len || fb->len > BPF_MAXINSNS)
		return -EINVAL;
	prog->insns = xmalloc(fb->len * sizeof(*prog->insns));
	memcpy(prog->insns, fb->insns, fb->len * sizeof(*prog->insns));
	prog->len = fb->len;
	return 0;
}

int filter_install(const struct filter_prog *prog, int *notify_fd)
{
	struct sock_fprog fprog = { .len = prog->len, .filter = prog->insns };
	unsigned int flags = prog->is_log ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
	long ret;

	*notify_fd = -1;
	if (!prog->insns || !prog->len)
		return -EINVAL;
	ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
	if (ret < 0)
		return -errno;
	/* A log filter without its listener would hang every caller */
	if (prog->is_log)
		*notify_fd = (int)ret;
	return 0;
}

/*
 * The errno a denied call gets: the rule that matched is not part of the
 * notification, so the socket rules are re-evaluated on the arguments.
 */
static int denial_errno(const struct seccomp_notif *req)
{
	const __u64 *a = req->data.args;

	if (req->data.nr == __NR_socket &&
	    (!filter_family_allowed(a[0]) ||
	     (a[0] == AF_NETLINK && a[2] != NETLINK_ROUTE)))
		return EAFNOSUPPORT;
	if (req->data.nr == __NR_socketpair && a[0] != AF_UNIX)
		return EAFNOSUPPORT;
	return EPERM;
}

/* Names of the native ABI's calls, from the table made at build time */
static void syscall_name(int nr, uint32_t arch, char *buf, size_t len)
{
	const char *name = NULL;

	if (arch == filter_blob_arch && nr >= 0 && nr < FILTER_NAMES_MAX)
		name = filter_blob_names[nr];
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "syscall_%d", nr);
}

/* Read /proc/@pid/comm while the caller is still blocked in its syscall */
static void read_comm(pid_t pid, char *buf, size_t len)
{
	char path[32];
	autoclose int fd = -1;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	if (n <= 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* Receive the notification poll() reported, and answer it unless exec */
static int notify_recv(int notify_fd, struct filter_denial *d)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	memset(d, 0, sizeof(*d));
	memset(&req, 0, sizeof(req));
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return -errno; /* ENOENT: the caller was killed meanwhile */
	d->pid = (pid_t)req.pid;
	d->nr = req.data.nr;
	if (req.data.arch == filter_blob_arch &&
	    (req.data.nr == __NR_execve || req.data.nr == __NR_execveat)) {
		/* The exec record reads the caller, then lets it go on;
		 * the name and comm are only for refused calls */
		d->is_exec = true;
		d->id = req.id;
		memcpy(d->args, req.data.args, sizeof(d->args));
		return 0;
	}
	syscall_name(req.data.nr, req.data.arch, d->name, sizeof(d->name));
	read_comm(d->pid, d->comm, sizeof(d->comm));
	/* The pid read above is only meaningful if the caller still waits */
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0)
		d->comm[0] = '\0';
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.error = -denial_errno(&req);
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		return -errno;
	return 0;
}

int filter_notify_handle(int notify_fd, struct filter_denial *d)
{
	struct pollfd pfd = { .fd = notify_fd, .events = POLLIN };

	memset(d, 0, sizeof(*d));
	/* RECV blocks even on an O_NONBLOCK listener: poll first */
	if (poll(&pfd, 1, 0) < 0)
		return -errno;
	if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
		return -EPIPE;
	if (!(pfd.revents & POLLIN))
		return -EAGAIN;
	return notify_recv(notify_fd, d);
}

int filter_notify_handle_polled(int notify_fd, struct filter_denial *d)
{
	return notify_recv(notify_fd, d);
}

/* Linux 6.6; older headers lack them */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

void filter_notify_tune(int notify_fd)
{
	/*
	 * Every exec waits for the supervisor's answer: a synchronous
	 * wake-up hands the CPU straight to the other side instead of
	 * queueing it, which is most of the round trip on a busy machine.
	 * Older kernels refuse the flag (EINVAL); the record works anyway.
	 */
	(void)ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
		    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}

int filter_notify_id_valid(int notify_fd, uint64_t id)
{
	__u64 kid = id;

	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &kid) < 0)
		return -errno;
	return 0;
}

int filter_notify_continue(int notify_fd, uint64_t id)
{
	struct seccomp_notif_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.id = id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		return -errno;
	return 0;
}

const char *filter_describe(void)
{
	static char line[128];

	snprintf(line, sizeof(line),
		 "seccomp: default filter (%u rules), foreign ABIs "
		 "(i386, x32) killed",
		 filter_blob_deny.n_rules);
	return line;
}

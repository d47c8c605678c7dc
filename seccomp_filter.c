// SPDX-License-Identifier: MIT
/*
 * seccomp_filter.c - building (libseccomp) and loading the sandbox filter
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
 *  - the fixed list below: EPERM.
 *
 * With --seccomp-log every EPERM/EAFNOSUPPORT rule becomes a user
 * notification instead; the supervisor answers with the same errno and
 * logs the call (filter_notify_handle()). clone3's ENOSYS and the foreign
 * ABI kill stay as they are: the first is not an attack, the second must
 * not depend on a userspace answer.
 */
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <linux/netlink.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "jail.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* x86_64 numbers of calls newer than the libseccomp syscall table */
#define NR_OPEN_TREE_ATTR 467

static void release_ctx(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

#define autoscmp __attribute__((cleanup(release_ctx)))

/*
 * Calls that answer EPERM unconditionally. Each either needs a capability
 * the jail never has, or exposes kernel code an unprivileged process can
 * reach but a coding agent has no use for. adjtimex() is here in full
 * because its "modes" field lives in memory the filter cannot read.
 */
static const char *const denied_calls[] = {
	/* kernel keyrings */
	"keyctl", "add_key", "request_key",
	/* kernel attack surface reachable without privilege */
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
	"io_uring_enter", "io_uring_register",
	/* kernel images and modules */
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "uselib",
	/* mount API and namespaces */
	"mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen",
	"fsmount", "fsconfig", "fspick", "mount_setattr", "setns",
	/* file handles bypass the path walk (the 2014 "shocker" escape) */
	"open_by_handle_at", "name_to_handle_at",
	/* machine state */
	"swapon", "swapoff", "reboot", "acct", "settimeofday", "clock_settime",
	"clock_adjtime", "adjtimex", "sethostname", "setdomainname", "iopl",
	"ioperm", "quotactl", "quotactl_fd", "lookup_dcookie", "syslog",
};

/* Socket families the jail may create; everything else is EAFNOSUPPORT */
static bool family_allowed(uint64_t family)
{
	return family == AF_UNIX || family == AF_INET || family == AF_INET6 ||
	       family == AF_NETLINK;
}

/* Namespace flags refused in clone() and unshare() */
static const uint64_t clone_ns_flags[] = {
	CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID,   CLONE_NEWNET,
};

/* personality() bits a process may set on itself (gdb, setarch) */
#define PERSONA_ALLOWED_BITS (PER_LINUX32 | UNAME26 | ADDR_NO_RANDOMIZE)

/**
 * struct filter_build - Filter under construction
 * @ctx:	libseccomp context
 * @deny:	action for EPERM rules (ERRNO, or NOTIFY with --seccomp-log)
 * @deny_af:	action for refused socket families
 * @n_rules:	rules added so far, for filter_describe()
 */
struct filter_build {
	scmp_filter_ctx ctx;
	uint32_t deny;
	uint32_t deny_af;
	unsigned int n_rules;
};

static int add_rule(struct filter_build *b, uint32_t action, int nr,
		    unsigned int n_cmp, const struct scmp_arg_cmp *cmp)
{
	int err;

	if (nr == __NR_SCMP_ERROR)
		return -ENOSYS;
	err = seccomp_rule_add_exact_array(b->ctx, action, nr, n_cmp, cmp);
	if (err < 0)
		return err;
	b->n_rules++;
	return 0;
}

static int add_named(struct filter_build *b, uint32_t action,
		     const char *name, unsigned int n_cmp,
		     const struct scmp_arg_cmp *cmp)
{
	return add_rule(b, action, seccomp_syscall_resolve_name(name), n_cmp,
			cmp);
}

static int add_fixed_list(struct filter_build *b)
{
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(denied_calls); i++) {
		err = add_named(b, b->deny, denied_calls[i], 0, NULL);
		if (err < 0)
			return err;
	}
	/* Newer than libseccomp's table: added by number */
	return add_rule(b, b->deny, NR_OPEN_TREE_ATTR, 0, NULL);
}

static int add_namespace_rules(struct filter_build *b)
{
	struct scmp_arg_cmp cmp;
	int err;

	err = add_named(b, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	if (err < 0)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(clone_ns_flags); i++) {
		uint64_t f = clone_ns_flags[i];

		cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, f, f);
		err = add_named(b, b->deny, "clone", 1, &cmp);
		if (!err)
			err = add_named(b, b->deny, "unshare", 1, &cmp);
		if (err < 0)
			return err;
	}
	/*
	 * CLONE_NEWTIME shares its value with CSIGNAL bits in clone(), so it
	 * is only meaningful, and only refused, in unshare().
	 */
	cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWTIME, CLONE_NEWTIME);
	return add_named(b, b->deny, "unshare", 1, &cmp);
}

static int add_ioctl_rules(struct filter_build *b)
{
	static const uint64_t requests[] = { TIOCSTI, TIOCLINUX };
	struct scmp_arg_cmp cmp;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(requests); i++) {
		/* Low 32 bits only: the kernel's cmd is an unsigned int */
		cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, requests[i]);
		err = add_named(b, b->deny, "ioctl", 1, &cmp);
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * The family is an int to the kernel, but the filter compares all 64 bits:
 * "greater than AF_NETLINK" therefore also catches any value with a high
 * bit set, so an allowed family cannot be smuggled in with garbage above
 * bit 31, and every value below is matched exactly.
 */
static int add_socket_rules(struct filter_build *b)
{
	static const int inet[] = { AF_INET, AF_INET6 };
	struct scmp_arg_cmp cmp[2];
	int err;

	for (uint64_t af = 0; af < AF_NETLINK; af++) {
		if (family_allowed(af))
			continue;
		cmp[0] = SCMP_A0(SCMP_CMP_EQ, af);
		err = add_named(b, b->deny_af, "socket", 1, cmp);
		if (err < 0)
			return err;
	}
	cmp[0] = SCMP_A0(SCMP_CMP_GT, AF_NETLINK);
	err = add_named(b, b->deny_af, "socket", 1, cmp);
	if (err < 0)
		return err;
	/* NETLINK_ROUTE only: audit, netfilter, uevents... stay out of reach */
	cmp[0] = SCMP_A0(SCMP_CMP_EQ, AF_NETLINK);
	cmp[1] = SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE);
	err = add_named(b, b->deny_af, "socket", 2, cmp);
	if (err < 0)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(inet); i++) {
		static const int types[] = { SOCK_RAW, SOCK_PACKET };

		for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
			cmp[0] = SCMP_A0(SCMP_CMP_EQ, (uint64_t)inet[i]);
			/* Mask off SOCK_NONBLOCK, SOCK_CLOEXEC */
			cmp[1] = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf,
					 (uint64_t)types[t]);
			err = add_named(b, b->deny, "socket", 2, cmp);
			if (err < 0)
				return err;
		}
	}
	cmp[0] = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
	return add_named(b, b->deny_af, "socketpair", 1, cmp);
}

/*
 * personality(): refuse every value that sets a bit outside
 * PERSONA_ALLOWED_BITS, except the query 0xffffffff. libseccomp allows one
 * comparison per argument and rule, so the set is covered with masked
 * comparisons on pairs of bits, each on the low 32 bits the kernel uses:
 *  - for each refused bit f, "f set and the next refused bit (cyclically)
 *    clear": covers every value with a refused bit set and a refused bit
 *    clear;
 *  - for each allowed bit a, "the first refused bit set and a clear":
 *    covers values with every refused bit set that are not the query.
 * A value with no refused bit set matches no rule, and neither does the
 * query, which has every bit set.
 */
static int add_personality_rules(struct filter_build *b)
{
	uint32_t refused[32];
	unsigned int n = 0;
	struct scmp_arg_cmp cmp;
	int err;

	for (unsigned int bit = 0; bit < 32; bit++)
		if (!(PERSONA_ALLOWED_BITS & (1U << bit)))
			refused[n++] = 1U << bit;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t next = refused[(i + 1) % n];

		cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, refused[i] | next,
			      refused[i]);
		err = add_named(b, b->deny, "personality", 1, &cmp);
		if (err < 0)
			return err;
	}
	for (unsigned int bit = 0; bit < 32; bit++) {
		uint32_t a = 1U << bit;

		if (!(PERSONA_ALLOWED_BITS & a))
			continue;
		cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, refused[0] | a, refused[0]);
		err = add_named(b, b->deny, "personality", 1, &cmp);
		if (err < 0)
			return err;
	}
	return 0;
}

/**
 * filter_build() - Create the default filter in a new libseccomp context
 * @b:		filled in
 * @is_log:	denied calls notify the supervisor instead of failing
 * @ctx:	set to the new context, also on failure; caller releases it
 *
 * Return: 0 or negative errno
 */
static int filter_build(struct filter_build *b, bool is_log,
			scmp_filter_ctx *ctx)
{
	int err;

	memset(b, 0, sizeof(*b));
	b->deny = is_log ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EPERM);
	b->deny_af = is_log ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EAFNOSUPPORT);
	b->ctx = seccomp_init(SCMP_ACT_ALLOW);
	*ctx = b->ctx;
	if (!b->ctx)
		return -ENOMEM;
	/*
	 * The context holds the native ABI only: a call through int 0x80
	 * (i386) does not match it and takes the bad-arch action; libseccomp
	 * sends x32 numbers (nr | 0x40000000, audit arch x86_64) to the
	 * same action when x32 is not in the filter (checked by the tests).
	 */
	err = seccomp_attr_set(b->ctx, SCMP_FLTATR_ACT_BADARCH,
			       SCMP_ACT_KILL_PROCESS);
	if (!err)
		err = seccomp_attr_set(b->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/* A binary tree keeps the per-syscall cost flat as the list grows */
	if (!err)
		err = seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (!err)
		err = add_fixed_list(b);
	if (!err)
		err = add_namespace_rules(b);
	if (!err)
		err = add_ioctl_rules(b);
	if (!err)
		err = add_socket_rules(b);
	if (!err)
		err = add_personality_rules(b);
	return err < 0 ? err : 0;
}

int filter_prepare(const struct jail_config *cfg, struct filter_prog *prog)
{
	struct filter_build b;
	autoscmp scmp_filter_ctx ctx = NULL;
	autoclose int fd = -1;
	struct stat st;
	ssize_t n;
	int err;

	memset(prog, 0, sizeof(*prog));
	prog->is_log = cfg && cfg->seccomp_log;
	err = filter_build(&b, prog->is_log, &ctx);
	if (err < 0)
		return err;
	/* The exported program is exactly what seccomp_load() would load */
	fd = memfd_create("jail-filter", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = seccomp_export_bpf(ctx, fd);
	if (err < 0)
		return err;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	prog->insns = xmalloc((size_t)st.st_size);
	n = pread(fd, prog->insns, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		free(prog->insns);
		prog->insns = NULL;
		return n < 0 ? -errno : -EIO;
	}
	prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
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

int filter_load(const struct jail_config *cfg, int *notify_fd)
{
	struct filter_prog prog;
	int err = filter_prepare(cfg, &prog);

	*notify_fd = -1;
	if (err < 0)
		return err;
	err = filter_install(&prog, notify_fd);
	free(prog.insns);
	return err;
}

/*
 * The errno a denied call gets: the rule that matched is not part of the
 * notification, so the socket rules are re-evaluated on the arguments.
 */
static int denial_errno(const struct seccomp_notif *req)
{
	const __u64 *a = req->data.args;

	if (req->data.nr == __NR_socket &&
	    (!family_allowed(a[0]) ||
	     (a[0] == AF_NETLINK && a[2] != NETLINK_ROUTE)))
		return EAFNOSUPPORT;
	if (req->data.nr == __NR_socketpair && a[0] != AF_UNIX)
		return EAFNOSUPPORT;
	return EPERM;
}

static void syscall_name(int nr, uint32_t arch, char *buf, size_t len)
{
	autofree char *name = NULL;

	if (nr == NR_OPEN_TREE_ATTR && arch == SCMP_ARCH_X86_64) {
		snprintf(buf, len, "open_tree_attr");
		return;
	}
	name = seccomp_syscall_resolve_num_arch(arch, nr);
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

int filter_notify_handle(int notify_fd, struct filter_denial *d)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct pollfd pfd = { .fd = notify_fd, .events = POLLIN };

	memset(d, 0, sizeof(*d));
	/* RECV blocks even on an O_NONBLOCK listener: poll first */
	if (poll(&pfd, 1, 0) < 0)
		return -errno;
	if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
		return -EPIPE;
	if (!(pfd.revents & POLLIN))
		return -EAGAIN;
	memset(&req, 0, sizeof(req));
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return -errno; /* ENOENT: the caller was killed meanwhile */
	d->pid = (pid_t)req.pid;
	d->nr = req.data.nr;
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

const char *filter_describe(void)
{
	static char line[128];
	struct filter_build b;
	autoscmp scmp_filter_ctx ctx = NULL;
	int err;

	err = filter_build(&b, false, &ctx);
	if (err < 0)
		snprintf(line, sizeof(line),
			 "seccomp: default filter cannot be built (%s)",
			 strerror(-err));
	else
		snprintf(line, sizeof(line),
			 "seccomp: default filter (%u rules), foreign ABIs "
			 "(i386, x32) killed",
			 b.n_rules);
	return line;
}

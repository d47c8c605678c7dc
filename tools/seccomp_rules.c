// SPDX-License-Identifier: MIT
/*
 * seccomp_rules.c - the sandbox filter's rules, compiled with libseccomp
 *
 * What the filter refuses, and why, is described in seccomp_filter.c. This
 * file turns those rules into BPF with libseccomp. It runs at build time
 * only: tools/filtergen.c compiles the four variants of the filter (EPERM
 * or user notifications for --seccomp-log, each with or without the exec
 * record's notification on execve/execveat) into the table that filterblob.c
 * carries inside the binary, so a jail's start never pays for libseccomp.
 * The unit tests link it to check that the carried programs are exactly
 * what these rules compile to.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "jail.h"
#include "setup.h"
#include "tools/filtergen.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* x86_64 numbers of calls newer than the libseccomp syscall table */
#define NR_OPEN_TREE_ATTR 467
#define NR_FCHMODAT2 452
#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

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
		if (filter_family_allowed(af))
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

/*
 * The exec record: execve() and execveat() notify the supervisor, which
 * reads what the caller claims to run and lets the call continue. Not a
 * fence: the caller's memory can change between the read and the kernel's.
 */
static int add_exec_rules(struct filter_build *b)
{
	int err = add_named(b, SCMP_ACT_NOTIFY, "execve", 0, NULL);

	if (!err)
		err = add_named(b, SCMP_ACT_NOTIFY, "execveat", 0, NULL);
	return err;
}

/*
 * No set-user-ID or set-group-ID file made inside: one left in the project
 * runs as the caller (as root, for a root caller) for whoever on the host
 * executes it. Each call that sets a file's mode refuses those bits: the
 * chmod family, and the calls that create a file with a mode (open with
 * O_CREAT or O_TMPFILE, creat, mknod). openat2() carries its mode in
 * memory the filter cannot read: answered ENOSYS, so callers fall back to
 * openat(), as on a kernel before 5.6.
 */
struct mode_call {
	const char *name;
	int nr;			/* or 0: by name */
	int flags_arg;		/* the open flags' argument, or -1 */
	int mode_arg;
};

static const struct mode_call mode_calls[] = {
	{ "chmod", 0, -1, 1 },	   { "fchmod", 0, -1, 1 },
	{ "fchmodat", 0, -1, 2 },  { NULL, NR_FCHMODAT2, -1, 2 },
	{ "creat", 0, -1, 1 },	   { "mknod", 0, -1, 1 },
	{ "mknodat", 0, -1, 2 },   { "open", 0, 1, 2 },
	{ "openat", 0, 2, 3 },
};

static int add_mode_rules(struct filter_build *b)
{
	static const uint64_t bits[] = { S_ISUID, S_ISGID };
	static const uint64_t creating[] = { O_CREAT, __O_TMPFILE };
	int err = add_named(b, SCMP_ACT_ERRNO(ENOSYS), "openat2", 0, NULL);

	for (size_t i = 0; !err && i < ARRAY_SIZE(mode_calls); i++) {
		const struct mode_call *c = &mode_calls[i];
		int nr = c->name ? seccomp_syscall_resolve_name(c->name) : c->nr;

		for (size_t k = 0; !err && k < ARRAY_SIZE(bits); k++) {
			struct scmp_arg_cmp cmp[2] = {
				SCMP_CMP(c->mode_arg, SCMP_CMP_MASKED_EQ,
					 bits[k], bits[k]),
			};

			if (c->flags_arg < 0) {
				err = add_rule(b, b->deny, nr, 1, cmp);
				continue;
			}
			for (size_t f = 0; !err && f < ARRAY_SIZE(creating);
			     f++) {
				cmp[1] = SCMP_CMP(c->flags_arg,
						  SCMP_CMP_MASKED_EQ,
						  creating[f], creating[f]);
				err = add_rule(b, b->deny, nr, 2, cmp);
			}
		}
	}
	return err;
}

/**
 * filter_build() - Create the default filter in a new libseccomp context
 * @b:		filled in
 * @flags:	FILTER_LOG_DENIALS, FILTER_LOG_EXEC
 * @ctx:	set to the new context, also on failure; caller releases it
 *
 * Return: 0 or negative errno
 */
static int filter_build(struct filter_build *b, unsigned int flags,
			scmp_filter_ctx *ctx)
{
	bool is_log = flags & FILTER_LOG_DENIALS;
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
	if (!err)
		err = add_mode_rules(b);
	if (!err && (flags & FILTER_LOG_EXEC))
		err = add_exec_rules(b);
	return err < 0 ? err : 0;
}

void filter_ctx_releasep(void **ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

int filter_export(void *ctx, struct filter_prog *prog)
{
	autoclose int fd = -1;
	struct stat st;
	ssize_t n;
	int err;

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

int filter_compile(unsigned int flags, struct filter_prog *prog,
		   unsigned int *n_rules)
{
	struct filter_build b;
	autoscmp scmp_filter_ctx ctx = NULL;
	int err;

	memset(prog, 0, sizeof(*prog));
	prog->is_log = flags != 0;
	err = filter_build(&b, flags, &ctx);
	if (err < 0)
		return err;
	*n_rules = b.n_rules;
	return filter_export(ctx, prog);
}

const char *filter_syscall_name_of(int nr)
{
	static char name[64];
	char *s;

	/* Newer than libseccomp's table */
	if (nr == NR_OPEN_TREE_ATTR)
		return "open_tree_attr";
	s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	if (!s)
		return NULL;
	snprintf(name, sizeof(name), "%s", s);
	free(s);
	return name;
}

uint32_t filter_native_arch(void)
{
	return seccomp_arch_native();
}

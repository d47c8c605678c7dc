// SPDX-License-Identifier: MIT
/*
 * fwd_rules.c - the forwarder's own syscall allowlist, compiled with
 * libseccomp at build time
 *
 * The forwarder reads every byte the jail sends (TLS hellos, HTTP heads,
 * DNS queries) and, when it intercepts, runs OpenSSL on them. It runs
 * outside the jail with the user's rights, so it is fenced like the
 * hostile-input processes of passt and OpenSSH: after its sockets and
 * files are open and its capabilities are gone, and before it reads the
 * first byte from the jail, it installs this filter (fwd_install_filter()),
 * which its resolver and interception processes inherit.
 *
 * Default action: kill the whole process. What is allowed is what an
 * event loop over sockets, pipes and splice(2), a getaddrinfo() (files,
 * DNS, and the NSS modules it may load), OpenSSL and fork() without
 * namespaces need; nothing that executes a program, traces or signals
 * another process, mounts, changes namespaces or credentials, or reaches
 * kernel attack surface (bpf, io_uring, keyrings, userfaultfd, perf).
 * Sockets: AF_UNIX, AF_INET, AF_INET6, and AF_NETLINK NETLINK_ROUTE
 * (getaddrinfo's AI_ADDRCONFIG); clone only without namespace flags
 * (clone3 answers ENOSYS, so libc falls back to clone); kill() only with
 * the signals the forwarder sends its own processes (0, SIGTERM,
 * SIGKILL): a filter cannot tell whose a pid is, so this narrows what a
 * subverted forwarder could do to the user's other processes, it does not
 * rule it out.
 */
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/socket.h>

#include "jail.h"
#include "setup.h"
#include "tools/filtergen.h"

/* Calls allowed with any arguments */
static const char *const fwd_allowed[] = {
	/* I/O on descriptors */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "close",
	"lseek", "splice", "tee", "pipe", "pipe2", "dup", "dup2", "dup3",
	"fcntl", "sendfile", "close_range",
	/* files, read-only (openat: add_open_rules()): NSS configuration,
	 * the trust store, /dev/null */
	"newfstatat", "fstat", "stat", "lstat", "statx", "access",
	"faccessat", "faccessat2", "readlink", "readlinkat", "getdents64",
	"getcwd",
	/* event loop */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2", "poll", "ppoll", "select", "pselect6",
	"timerfd_create", "timerfd_settime", "timerfd_gettime", "signalfd4",
	"eventfd2",
	/* sockets (families: add_socket_rules()) */
	"accept", "accept4", "bind", "connect", "listen", "getsockname",
	"getpeername", "getsockopt", "setsockopt", "shutdown", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
	/* memory (malloc, OpenSSL, dlopen of NSS modules) */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* signals, time, identity, limits */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"rt_sigtimedwait", "clock_gettime", "clock_getres", "clock_nanosleep",
	"nanosleep", "gettimeofday", "time", "getpid", "getppid", "gettid",
	"getuid", "geteuid", "getgid", "getegid", "getgroups", "getrlimit",
	"prlimit64", "setrlimit", "getrusage", "sysinfo", "uname",
	"getrandom", "sched_yield", "sched_getaffinity", "futex",
	"set_robust_list", "get_robust_list", "set_tid_address", "rseq",
	"arch_prctl", "prctl",
	/* processes of its own: resolvers, interception; they reap
	 * themselves or are waited for */
	"fork", "vfork", "wait4", "waitid", "exit", "exit_group",
	"pidfd_open", "tgkill", "tkill",
};

#ifdef JAIL_SANITIZE
/* What the sanitizers' runtime calls besides (reports, shadow memory) */
static const char *const fwd_allowed_sanitizer[] = {
	"sched_getparam", "sched_getscheduler", "personality", "mlock",
	"munlock", "msync", "mincore", "process_vm_readv",
};
#endif

/* Namespace flags refused in clone() */
static const uint64_t fwd_clone_ns = CLONE_NEWNS | CLONE_NEWCGROUP |
				     CLONE_NEWUTS | CLONE_NEWIPC |
				     CLONE_NEWUSER | CLONE_NEWPID |
				     CLONE_NEWNET | 0x00000080 /* NEWTIME */;

struct fwd_build {
	scmp_filter_ctx ctx;
	unsigned int n_rules;
};

static int allow(struct fwd_build *b, const char *name, unsigned int n_cmp,
		 const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);
	int err;

	/* A call this architecture does not have (open, stat on arm64) */
	if (nr == __NR_SCMP_ERROR)
		return 0;
	err = seccomp_rule_add_exact_array(b->ctx, SCMP_ACT_ALLOW, nr, n_cmp,
					   cmp);
	if (err < 0)
		return err;
	b->n_rules++;
	return 0;
}

static int allow_list(struct fwd_build *b, const char *const *names,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = allow(b, names[i], 0, NULL);

		if (err < 0)
			return err;
	}
	return 0;
}

/* socket(): the families the forwarder and getaddrinfo() use, no raw */
static int add_socket_rules(struct fwd_build *b)
{
	static const int inet[] = { AF_INET, AF_INET6 };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
	struct scmp_arg_cmp cmp[2];
	int err;

	cmp[0] = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
	err = allow(b, "socket", 1, cmp);
	if (!err)
		err = allow(b, "socketpair", 1, cmp);
	cmp[0] = SCMP_A0(SCMP_CMP_EQ, AF_NETLINK);
	cmp[1] = SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE);
	if (!err)
		err = allow(b, "socket", 2, cmp);
	for (size_t i = 0; !err && i < ARRAY_SIZE(inet); i++)
		for (size_t t = 0; !err && t < ARRAY_SIZE(types); t++) {
			cmp[0] = SCMP_A0(SCMP_CMP_EQ, (uint64_t)inet[i]);
			/* Mask off SOCK_NONBLOCK, SOCK_CLOEXEC */
			cmp[1] = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf,
					 (uint64_t)types[t]);
			err = allow(b, "socket", 2, cmp);
		}
	return err;
}

/* clone() without namespace flags (fork); clone3() falls back to it */
static int add_clone_rules(struct fwd_build *b)
{
	struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, fwd_clone_ns, 0);
	int err = allow(b, "clone", 1, &cmp);

	if (err < 0)
		return err;
	err = seccomp_rule_add_exact(b->ctx, SCMP_ACT_ERRNO(ENOSYS),
				     seccomp_syscall_resolve_name("clone3"), 0);
	if (err < 0)
		return err;
	b->n_rules++;
	return 0;
}

/*
 * open()/openat() only to read: the forwarder writes nothing but the log,
 * whose descriptor it was given
 */
static int add_open_rules(struct fwd_build *b)
{
	const uint64_t writes = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC |
				O_APPEND;
	struct scmp_arg_cmp cmp = SCMP_A2(SCMP_CMP_MASKED_EQ, writes, 0);
	int err = allow(b, "openat", 1, &cmp);

	cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, writes, 0);
	return err < 0 ? err : allow(b, "open", 1, &cmp);
}

/*
 * ioctl(): reading how much is queued, and the terminal query isatty()
 * makes; nothing that acts on a terminal (TIOCSTI) or an interface
 */
static int add_ioctl_rules(struct fwd_build *b)
{
	static const unsigned long reqs[] = { FIONREAD, FIONBIO, TCGETS,
					      TIOCOUTQ };

	for (size_t i = 0; i < ARRAY_SIZE(reqs); i++) {
		struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ,
						  0xffffffffULL, reqs[i]);
		int err = allow(b, "ioctl", 1, &cmp);

		if (err < 0)
			return err;
	}
	return 0;
}

/* kill(): signals 0 (liveness), SIGTERM and SIGKILL only */
static int add_kill_rules(struct fwd_build *b)
{
	static const int sigs[] = { 0, SIGTERM, SIGKILL };

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_EQ,
						  (uint64_t)sigs[i]);
		int err = allow(b, "kill", 1, &cmp);

		if (err < 0)
			return err;
	}
	return 0;
}

static int fwd_build(struct fwd_build *b, scmp_filter_ctx *ctx)
{
	int err;

	memset(b, 0, sizeof(*b));
#ifdef JAIL_FWD_FILTER_LOG
	/* Development only: log what the list lacks instead of killing */
	b->ctx = seccomp_init(SCMP_ACT_LOG);
#else
	b->ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
#endif
	*ctx = b->ctx;
	if (!b->ctx)
		return -ENOMEM;
	err = seccomp_attr_set(b->ctx, SCMP_FLTATR_ACT_BADARCH,
			       SCMP_ACT_KILL_PROCESS);
	if (!err)
		err = seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (!err)
		err = allow_list(b, fwd_allowed, ARRAY_SIZE(fwd_allowed));
#ifdef JAIL_SANITIZE
	if (!err)
		err = allow_list(b, fwd_allowed_sanitizer,
				 ARRAY_SIZE(fwd_allowed_sanitizer));
#endif
	if (!err)
		err = add_socket_rules(b);
	if (!err)
		err = add_clone_rules(b);
	if (!err)
		err = add_kill_rules(b);
	if (!err)
		err = add_open_rules(b);
	if (!err)
		err = add_ioctl_rules(b);
	return err < 0 ? err : 0;
}

int fwd_filter_compile(struct filter_prog *prog, unsigned int *n_rules)
{
	struct fwd_build b;
	autoscmp scmp_filter_ctx ctx = NULL;
	int err;

	memset(prog, 0, sizeof(*prog));
	err = fwd_build(&b, &ctx);
	if (err < 0)
		return err;
	*n_rules = b.n_rules;
	return filter_export(ctx, prog);
}

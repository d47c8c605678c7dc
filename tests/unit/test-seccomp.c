// SPDX-License-Identifier: MIT
/*
 * test-seccomp.c - unit tests for seccomp_filter.c and landlock.c
 *
 * Each check loads the filter (or the Landlock ruleset) in a forked child,
 * makes calls whose outcome tells the rule apart from the kernel's own
 * answer, and sends the results back over a pipe. Every call is harmless
 * if a rule were missing: closed descriptors, sockets closed at once,
 * personality values that only affect the child, namespace calls made in a
 * grandchild that exits at once.
 *
 * What the escape suite cannot show cheaply is covered here: the
 * personality() rule set against its definition on thousands of values,
 * the exact socket family boundary, and the --seccomp-log listener.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "jail.h"
#include "tools/filtergen.h"
#include "tests/unit/tap.h"

#define PERSONA_ALLOWED (PER_LINUX32 | UNAME26 | ADDR_NO_RANDOMIZE)
#define N_RESULTS 64

/* What a child reports: one value per check, -errno for failures */
struct results {
	long v[N_RESULTS];
	char name[4][64];
	pid_t pid[4];
};

static struct jail_config log_cfg = { .seccomp_log = true,
				       .no_exec_log = true };
static struct jail_config exec_cfg;	/* the default: exec log on */

/* As the command child does: prepare the filter, then install it */
static void load_or_exit(const struct jail_config *cfg, int *notify_fd)
{
	struct filter_prog prog;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    filter_prepare(cfg, &prog) < 0 ||
	    filter_install(&prog, notify_fd) < 0)
		_exit(99);
}

/*
 * Run @fn in a child (which loads what it tests) and collect its results.
 * Return: the child's wait status.
 */
static int in_child(void (*fn)(struct results *), struct results *r)
{
	int p[2], st = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct results mine;
		struct rlimit none = { 0, 0 };

		/* A SIGSYS kill must not leave a core file behind */
		setrlimit(RLIMIT_CORE, &none);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		memset(&mine, 0, sizeof(mine));
		fn(&mine);
		if (write(p[1], &mine, sizeof(mine)) != sizeof(mine))
			_exit(98);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], r, sizeof(*r)) != sizeof(*r))
		memset(r, 0, sizeof(*r));
	close(p[0]);
	waitpid(pid, &st, 0);
	return st;
}

static long res(long r)
{
	return r < 0 ? -errno : r;
}

/* --- personality --------------------------------------------------------- */

static bool persona_refused(uint64_t v)
{
	uint32_t low = (uint32_t)v;

	return low != 0xffffffffU && (low & ~(uint32_t)PERSONA_ALLOWED);
}

static uint64_t next_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 11;
}

/* v[0]: values tried, v[1]: mismatches, v[2]: first mismatching value */
static void check_personality(struct results *r)
{
	uint64_t vals[4096], seed = 1;
	size_t n = 0;
	int nfd;

	for (int i = 0; i < 32; i++) {
		vals[n++] = 1ULL << i;
		vals[n++] = ~(1ULL << i) & 0xffffffffULL;
		for (int j = i + 1; j < 32; j++)
			vals[n++] = 1ULL << i | 1ULL << j;
	}
	vals[n++] = 0;
	vals[n++] = 0xffffffffULL;
	vals[n++] = PERSONA_ALLOWED;
	while (n < 2048)
		vals[n++] = next_rand(&seed) & 0xffffffffULL;
	while (n < 2304)
		vals[n++] = next_rand(&seed) & PERSONA_ALLOWED;
	/* The kernel reads an unsigned int: bits above 31 change nothing */
	for (size_t i = 0; i < 1024; i++)
		vals[n++] = vals[i] | (next_rand(&seed) << 32);
	load_or_exit(NULL, &nfd);
	for (size_t i = 0; i < n; i++) {
		long got = syscall(SYS_personality, vals[i]);
		bool refused = got == -1 && errno == EPERM;

		r->v[0]++;
		if (refused != persona_refused(vals[i])) {
			if (!r->v[1])
				r->v[2] = (long)vals[i];
			r->v[1]++;
		}
	}
}

/* --- sockets ------------------------------------------------------------- */

/* v[f] for family f in 0..47: -errno or 0; v[48..]: special cases */
static void check_sockets(struct results *r)
{
	int nfd;

	load_or_exit(NULL, &nfd);
	for (long f = 0; f < 48; f++) {
		int type = f == AF_NETLINK ? SOCK_RAW : SOCK_DGRAM;
		long fd = syscall(SYS_socket, f, type | SOCK_CLOEXEC, 0);

		r->v[f] = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close((int)fd);
	}
	r->v[48] = res(syscall(SYS_socket, (1L << 32) | AF_UNIX, SOCK_DGRAM,
			       0));
	r->v[49] = res(syscall(SYS_socket, AF_NETLINK, SOCK_RAW,
			       NETLINK_AUDIT));
	r->v[50] = res(syscall(SYS_socket, AF_NETLINK, SOCK_RAW,
			       (1L << 32) | NETLINK_ROUTE));
	r->v[51] = res(syscall(SYS_socket, AF_INET, SOCK_RAW | SOCK_NONBLOCK,
			       IPPROTO_RAW));
	r->v[52] = res(syscall(SYS_socket, AF_INET6, SOCK_PACKET, 0));
	r->v[53] = res(syscall(SYS_socketpair, AF_INET, SOCK_STREAM, 0, NULL));
	r->v[54] = res(syscall(SYS_socket, -1L, SOCK_DGRAM, 0));
}

static void test_sockets(void)
{
	struct results r;
	int st = in_child(check_sockets, &r);

	ok(WIFEXITED(st) && !WEXITSTATUS(st), "socket child exits cleanly");
	for (int f = 0; f < 48; f++) {
		bool allowed = f == AF_UNIX || f == AF_INET || f == AF_INET6 ||
			       f == AF_NETLINK;

		if (allowed)
			is_int(r.v[f], 0, "socket family %d allowed", f);
		else
			is_int(r.v[f], -EAFNOSUPPORT,
			       "socket family %d refused", f);
	}
	is_int(r.v[48], -EAFNOSUPPORT, "AF_UNIX with bit 32 set refused");
	is_int(r.v[49], -EAFNOSUPPORT, "NETLINK_AUDIT refused");
	is_int(r.v[50], -EAFNOSUPPORT, "NETLINK_ROUTE with bit 32 refused");
	is_int(r.v[51], -EPERM, "raw AF_INET socket refused despite flags");
	is_int(r.v[52], -EPERM, "SOCK_PACKET AF_INET6 socket refused");
	is_int(r.v[53], -EAFNOSUPPORT, "socketpair(AF_INET) refused");
	is_int(r.v[54], -EAFNOSUPPORT, "negative family refused");
}

/* --- namespaces, ioctl, fixed list --------------------------------------- */

/* Make @nr with @flags in a grandchild; report -errno or 0 */
static long ns_call(long nr, unsigned long flags)
{
	int p[2];
	long v = -EIO;
	pid_t pid;

	if (pipe(p) < 0)
		return -EIO;
	pid = fork();
	if (pid == 0) {
		long r = syscall(nr, flags, 0, 0, 0, 0);

		if (nr == SYS_clone && r == 0)
			_exit(0);
		r = res(r);
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &v, sizeof(v)) != sizeof(v))
		v = -EIO;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return v > 0 ? 0 : v;
}

static const unsigned long ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, 0x80 /* NEWTIME */,
};

static void check_calls(struct results *r)
{
	uint64_t clone3_args[11] = { CLONE_NEWUSER, 0, 0, 0, SIGCHLD };
	int nfd, i = 0;

	load_or_exit(NULL, &nfd);
	r->v[i++] = nfd;
	for (size_t k = 0; k < ARRAY_SIZE(ns_flags); k++)
		r->v[i++] = ns_call(SYS_unshare, ns_flags[k]);
	for (size_t k = 0; k + 1 < ARRAY_SIZE(ns_flags); k++)
		r->v[i++] = ns_call(SYS_clone, ns_flags[k] | SIGCHLD);
	r->v[i++] = ns_call(SYS_unshare, CLONE_FILES);
	r->v[i++] = ns_call(SYS_clone, SIGCHLD);
	r->v[i++] = res(syscall(SYS_clone3, clone3_args, sizeof(clone3_args)));
	r->v[i++] = res(ioctl(999, TIOCSTI, "x"));
	r->v[i++] = res(syscall(SYS_ioctl, 999, (1UL << 32) | TIOCSTI, "x"));
	r->v[i++] = res(syscall(SYS_ioctl, 999, (1UL << 32) | TIOCLINUX, "x"));
	r->v[i++] = res(ioctl(999, TCGETS, NULL));
	/* No privilege needed for these: the answer can only be the rule's */
	r->v[i++] = res(syscall(SYS_keyctl, 0, -3, 0));
	r->v[i++] = res(syscall(SYS_open_tree, AT_FDCWD, "/", 0));
	r->v[i++] = res(syscall(SYS_settimeofday, NULL, NULL));
	r->v[i++] = res(syscall(SYS_userfaultfd, 1 /* UFFD_USER_MODE_ONLY */));
	r->v[i++] = res(syscall(467 /* open_tree_attr */, -1, NULL, 0, NULL,
				0));
	r->v[i++] = res(syscall(SYS_getpid));
}

static void test_calls(void)
{
	struct results r;
	int st = in_child(check_calls, &r), i = 0;

	ok(WIFEXITED(st) && !WEXITSTATUS(st), "call child exits cleanly");
	is_int(r.v[i++], -1, "no listener without --seccomp-log");
	for (size_t k = 0; k < ARRAY_SIZE(ns_flags); k++)
		is_int(r.v[i++], -EPERM, "unshare(%#lx) refused", ns_flags[k]);
	for (size_t k = 0; k + 1 < ARRAY_SIZE(ns_flags); k++)
		is_int(r.v[i++], -EPERM, "clone(%#lx) refused", ns_flags[k]);
	is_int(r.v[i++], 0, "unshare(CLONE_FILES) allowed");
	is_int(r.v[i++], 0, "plain clone allowed");
	is_int(r.v[i++], -ENOSYS, "clone3 answers ENOSYS");
	is_int(r.v[i++], -EPERM, "TIOCSTI refused before the fd lookup");
	is_int(r.v[i++], -EPERM, "TIOCSTI | 1<<32 refused");
	is_int(r.v[i++], -EPERM, "TIOCLINUX | 1<<32 refused");
	is_int(r.v[i++], -EBADF, "other ioctls reach the kernel");
	is_int(r.v[i++], -EPERM, "keyctl refused");
	is_int(r.v[i++], -EPERM, "open_tree refused");
	is_int(r.v[i++], -EPERM, "settimeofday(NULL, NULL) refused");
	is_int(r.v[i++], -EPERM, "userfaultfd refused");
	is_int(r.v[i++], -EPERM, "open_tree_attr (by number) refused");
	ok(r.v[i++] > 0, "getpid allowed");
}

/* --- foreign ABIs -------------------------------------------------------- */

static void check_int80(struct results *r)
{
	long ret;
	int nfd;

	(void)r;
	load_or_exit(NULL, &nfd);
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	(void)ret;
}

static void check_x32(struct results *r)
{
	int nfd;

	(void)r;
	load_or_exit(NULL, &nfd);
	syscall(0x40000000L | SYS_getpid);
}

static void test_abis(void)
{
	struct results r;
	int st = in_child(check_int80, &r);

	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	   "i386 int 0x80 kills with SIGSYS");
	st = in_child(check_x32, &r);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	   "x32 syscall number kills with SIGSYS");
}

/* --- --seccomp-log ------------------------------------------------------- */

/*
 * The child loads the log filter, forks a caller that makes refused calls,
 * and answers them itself as the supervisor would.
 */
static void check_notify(struct results *r)
{
	int p[2], nfd = -1;
	long got[4] = { 0 };
	pid_t pid;

	load_or_exit(&log_cfg, &nfd);
	r->v[0] = nfd >= 0;
	{
		struct filter_denial d;

		r->v[1] = filter_notify_handle(nfd, &d);
	}
	if (pipe(p) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		uint64_t args[11] = { CLONE_NEWUSER, 0, 0, 0, SIGCHLD };

		got[0] = res(syscall(SYS_unshare, CLONE_NEWUSER));
		got[1] = res(syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0));
		got[2] = res(syscall(SYS_personality, READ_IMPLIES_EXEC));
		got[3] = res(syscall(SYS_clone3, args, sizeof(args)));
		if (write(p[1], got, sizeof(got)) != sizeof(got))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	for (int n = 0; n < 3; n++) {
		struct pollfd pfd = { .fd = nfd, .events = POLLIN };
		struct filter_denial d;

		if (poll(&pfd, 1, 5000) <= 0)
			break;
		r->v[2 + n] = filter_notify_handle(nfd, &d);
		memcpy(r->name[n], d.name, sizeof(d.name));
		r->pid[n] = d.pid == pid;
	}
	if (read(p[0], got, sizeof(got)) == sizeof(got))
		memcpy(&r->v[8], got, sizeof(got));
	waitpid(pid, NULL, 0);
}

static void test_notify(void)
{
	static const char *const names[] = { "unshare", "socket",
					     "personality" };
	struct results r;
	int st = in_child(check_notify, &r);

	ok(WIFEXITED(st) && !WEXITSTATUS(st), "log child exits cleanly");
	ok(r.v[0], "--seccomp-log returns a listener");
	is_int(r.v[1], -EAGAIN, "nothing pending: -EAGAIN, no blocking");
	for (int n = 0; n < 3; n++) {
		is_int(r.v[2 + n], 0, "notification %d answered", n);
		is_str(r.name[n], names[n], "notification %d names the call",
		       n);
		ok(r.pid[n], "notification %d names the caller's pid", n);
	}
	is_int(r.v[8], -EPERM, "logged unshare still answers EPERM");
	is_int(r.v[9], -EAFNOSUPPORT, "logged socket answers EAFNOSUPPORT");
	is_int(r.v[10], -EPERM, "logged personality answers EPERM");
	is_int(r.v[11], -ENOSYS, "clone3 stays ENOSYS, unlogged");
}

/* --- the exec record ----------------------------------------------------- */

/*
 * The child loads the default filter (exec log on), forks a caller that
 * runs /bin/true, and lets its execve() continue as the supervisor would.
 */
static void check_exec_notify(struct results *r)
{
	struct pollfd pfd;
	struct filter_denial d;
	int nfd = -1, st = -1;
	pid_t pid;

	load_or_exit(&exec_cfg, &nfd);
	r->v[0] = nfd >= 0;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "true", NULL };

		execv("/bin/true", argv);
		_exit(7);
	}
	pfd = (struct pollfd){ .fd = nfd, .events = POLLIN };
	if (poll(&pfd, 1, 5000) <= 0)
		return;
	r->v[1] = filter_notify_handle(nfd, &d);
	r->v[2] = d.is_exec && d.pid == pid && d.nr == SYS_execve;
	r->v[3] = filter_notify_id_valid(nfd, d.id);
	r->v[4] = filter_notify_continue(nfd, d.id);
	waitpid(pid, &st, 0);
	r->v[5] = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	/* Answered: the id is no longer pending */
	r->v[6] = filter_notify_id_valid(nfd, d.id);
	/* The exec record counts on this: a late answer is refused */
	r->v[7] = filter_notify_continue(nfd, d.id);
}

static void test_exec_notify(void)
{
	struct results r;
	int st = in_child(check_exec_notify, &r);

	ok(WIFEXITED(st) && !WEXITSTATUS(st), "exec child exits cleanly");
	ok(r.v[0], "the default filter has a listener (the exec record)");
	is_int(r.v[1], 0, "the execve notification is received");
	ok(r.v[2], "it is marked as an exec by the caller, not answered");
	is_int(r.v[3], 0, "it is pending while the caller waits");
	is_int(r.v[4], 0, "it is let through (CONTINUE)");
	is_int(r.v[5], 0, "the program ran (exit status of /bin/true)");
	is_int(r.v[6], -ENOENT, "once answered, it is no longer pending");
	is_int(r.v[7], -ENOENT, "and a second answer to it is refused");
}

/* --- Landlock ------------------------------------------------------------ */

static char ll_dir[64];

static void check_landlock(struct results *r)
{
	char granted[128], file[128], other[128], p[160], q[160];
	const char *w[3];
	int abi = -1, fd;

	snprintf(granted, sizeof(granted), "%s/granted", ll_dir);
	snprintf(file, sizeof(file), "%s/file", ll_dir);
	snprintf(other, sizeof(other), "%s/other", ll_dir);
	w[0] = granted;
	w[1] = file;
	w[2] = "/nonexistent/path";
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	r->v[0] = landlock_restrict(w, 3, &abi);
	r->v[1] = abi;
	snprintf(p, sizeof(p), "%s/new", granted);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	r->v[2] = res(fd);
	if (fd >= 0)
		close(fd);
	snprintf(q, sizeof(q), "%s/renamed", granted);
	r->v[3] = res(rename(p, q));
	fd = open(file, O_WRONLY | O_CLOEXEC);
	r->v[4] = res(fd);
	if (fd >= 0)
		close(fd);
	snprintf(p, sizeof(p), "%s/new", other);
	r->v[5] = res(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	r->v[6] = res(open("/proc/self/comm", O_WRONLY | O_CLOEXEC));
	snprintf(p, sizeof(p), "%s/fifo", granted);
	r->v[7] = res(mkfifo(p, 0600));
	snprintf(p, sizeof(p), "%s/null", granted);
	r->v[8] = res(mknod(p, S_IFCHR | 0600, makedev(1, 3)));
	r->v[9] = res(kill(getppid(), 0));
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	r->v[10] = res(fd);
}

static void test_landlock(void)
{
	struct results r;
	char path[128];
	int abi = landlock_abi(), st;

	snprintf(ll_dir, sizeof(ll_dir), "/tmp/test-landlock.XXXXXX");
	if (!mkdtemp(ll_dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/granted", ll_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/other", ll_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/file", ll_dir);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	diag("landlock ABI %d", abi);
	st = in_child(check_landlock, &r);
	ok(WIFEXITED(st) && !WEXITSTATUS(st), "landlock child exits cleanly");
	if (abi < 1) {
		is_int(r.v[0], -EOPNOTSUPP, "no Landlock: -EOPNOTSUPP");
		is_int(r.v[1], 0, "no Landlock: abi_used 0");
	} else {
		is_int(r.v[0], 0, "ruleset applied, missing path skipped");
		is_int(r.v[1], abi, "newest ABI used");
		ok(r.v[2] >= 0, "create beneath a granted directory");
		is_int(r.v[3], 0, "rename beneath a granted directory");
		ok(r.v[4] >= 0, "write to a granted file");
		is_int(r.v[5], -EACCES, "create in a sibling directory");
		is_int(r.v[6], -EACCES, "write to /proc/self/comm");
		is_int(r.v[7], 0, "mkfifo beneath a granted directory");
		is_int(r.v[8], -EACCES, "no device node, even where granted");
		is_int(r.v[9], abi >= 6 ? -EPERM : 0,
		       "signal to a process outside the domain (ABI 6 scope)");
		is_int(r.v[10], -EACCES, "/dev/null: not in the granted list");
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", ll_dir);
	if (system(path) != 0)
		diag("could not remove %s", ll_dir);
}

/* The programs carried in the binary are what the rules compile to now */
static void check_blob(void)
{
	static const char *const names[FILTER_N_VARIANTS] = {
		"default", "--seccomp-log", "exec log", "--seccomp-log, exec log"
	};

	for (unsigned int v = 0; v < FILTER_N_VARIANTS; v++) {
		const struct filter_blob *b = filter_blobs[v];
		struct filter_prog prog;
		unsigned int n_rules = 0;
		int err = filter_compile(v, &prog, &n_rules);

		ok(!err && prog.len == b->len && n_rules == b->n_rules &&
			   !memcmp(prog.insns, b->insns,
				   b->len * sizeof(*prog.insns)),
		   "%s: the carried program is the compiled rule set (%u "
		   "instructions, %u rules)",
		   names[v], b->len, b->n_rules);
		free(prog.insns);
	}
	ok(filter_blobs[0] == &filter_blob_deny &&
		   filter_blobs[FILTER_LOG_DENIALS] == &filter_blob_log &&
		   filter_blobs[FILTER_LOG_EXEC] == &filter_blob_exec &&
		   filter_blob_exec.n_rules == filter_blob_deny.n_rules + 2,
	   "the variants are indexed by their flags; the exec record adds "
	   "execve and execveat");
	is_str(filter_blob_names[__NR_openat], "openat",
	       "the syscall name table names openat");
	is_int((long)filter_blob_arch, (long)filter_native_arch(),
	       "the carried programs are for the native ABI");
}

/* ---- the forwarder's allowlist (tools/fwd_rules.c) ---- */

static int fwd_probe;	/* which call fwd_child() makes under the fence */

/*
 * Install the forwarder's fence and make one call: allowed ones return
 * and the child exits 0, forbidden ones kill it with SIGSYS
 */
static void fwd_child(struct results *r)
{
	struct sock_fprog prog = {
		.len = filter_blob_fwd.len,
		.filter = (struct sock_filter *)filter_blob_fwd.insns,
	};
	pid_t child;
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		r->v[0] = -errno;
		return;
	}
	switch (fwd_probe) {
	case 0:
		r->v[0] = getpid() > 0;
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
		r->v[1] = fd >= 0;
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		r->v[2] = fd >= 0;
		r->v[3] = kill(getpid(), 0) == 0;
		child = fork();
		if (child == 0)
			_exit(0);
		r->v[4] = child > 0 && waitpid(child, NULL, 0) == child;
		break;
	case 1:
		syscall(SYS_execve, "/bin/true", NULL, NULL);
		break;
	case 2:
		open("/dev/null", O_WRONLY | O_CLOEXEC);
		break;
	case 3:
		socket(AF_PACKET, SOCK_RAW, 0);
		break;
	case 4:
		unshare(CLONE_NEWUSER);
		break;
	case 5:
		syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL,
			NULL);
		break;
	case 6:
		ioctl(STDIN_FILENO, TIOCSTI, "x");
		break;
	case 7:
		kill(getppid(), SIGSTOP);
		break;
	case 8:
		syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
		break;
	}
}

static void test_fwd_filter(void)
{
	static const char *const forbidden[] = {
		NULL, "execve", "open for writing", "a packet socket",
		"unshare(CLONE_NEWUSER)", "clone(CLONE_NEWNET)",
		"ioctl(TIOCSTI)", "kill(SIGSTOP)", "ptrace",
	};
	struct filter_prog prog;
	unsigned int n_rules = 0;
	struct results r;
	int err = fwd_filter_compile(&prog, &n_rules), st;

	ok(!err && prog.len == filter_blob_fwd.len &&
		   n_rules == filter_blob_fwd.n_rules &&
		   !memcmp(prog.insns, filter_blob_fwd.insns,
			   prog.len * sizeof(*prog.insns)),
	   "forwarder: the carried allowlist is the compiled one (%u "
	   "instructions, %u rules)", filter_blob_fwd.len,
	   filter_blob_fwd.n_rules);
	free(prog.insns);
	fwd_probe = 0;
	st = in_child(fwd_child, &r);
	ok(WIFEXITED(st) && !WEXITSTATUS(st) && r.v[0] == 1 && r.v[1] == 1 &&
		   r.v[2] == 1 && r.v[3] == 1 && r.v[4] == 1,
	   "forwarder: getpid, an inet socket, a read-only open, kill(0) "
	   "and fork pass (status %#x)", st);
	for (fwd_probe = 1; fwd_probe < (int)ARRAY_SIZE(forbidden);
	     fwd_probe++) {
		st = in_child(fwd_child, &r);
		ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		   "forwarder: %s kills the process (status %#x)",
		   forbidden[fwd_probe], st);
	}
}

int main(void)
{
	struct results r;
	const char *desc = filter_describe();
	unsigned int rules = 0;
	int st;

	ok(sscanf(desc, "seccomp: default filter (%u rules)", &rules) == 1 &&
		   rules > 50,
	   "filter_describe: %s", desc);
	check_blob();
	st = in_child(check_personality, &r);
	ok(WIFEXITED(st) && !WEXITSTATUS(st), "personality child exits");
	ok(r.v[0] > 3000, "personality: %ld values tried", r.v[0]);
	is_int(r.v[1], 0, "personality: refused exactly outside %#x and the "
	       "query (first mismatch %#lx)", PERSONA_ALLOWED, r.v[2]);
	test_sockets();
	test_calls();
	test_abis();
	test_notify();
	test_exec_notify();
	test_landlock();
	test_fwd_filter();
	return done_testing();
}

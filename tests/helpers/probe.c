// SPDX-License-Identifier: MIT
/*
 * probe.c - tries one escape technique from inside a jail and reports how
 * it failed
 *
 * Usage: probe SUBCOMMAND [ARG]...   (probe help lists them)
 *
 * Safety: before anything else the probe checks that it runs inside a
 * jail: JAIL=1 in the environment, pid 1 of its pid namespace is
 * "jail-init", and the hostname is "jail". Otherwise it prints a refusal
 * and exits 2, having tried nothing. Every attempt is chosen so that it is
 * harmless even if the fence it tests were missing: invalid descriptors or
 * pointers (an allowed call then fails with EBADF or EFAULT, a filtered one
 * with EPERM), files opened for writing but never written, scratch paths
 * and processes the calling test made, and risky calls made from a forked
 * child that cannot dump core.
 *
 * Output: one line per attempt, "WHAT ok" or "WHAT errno=ENAME", or
 * "WHAT killed=SIGNAME" for an attempt made in a child, plus "key=value"
 * facts. The tests match these lines.
 */
#include "tests/helpers/probe/probe.h"

const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

long report(const char *what, long r, int err)
{
	if (r < 0)
		printf("%s errno=%s\n", what, ename(err));
	else
		printf("%s ok\n", what);
	fflush(stdout);
	return r;
}


void close_if(long fd)
{
	if (fd >= 0)
		close((int)fd);
}

int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	buf[n] = '\0';
	return (int)n;
}

/* --- the guard ---------------------------------------------------------- */

static bool inside_jail(const char **why)
{
	char buf[256];
	const char *env = getenv("JAIL");
	int n;

	if (!env || strcmp(env, "1")) {
		*why = "JAIL=1 is not set";
		return false;
	}
	n = read_file("/proc/1/cmdline", buf, sizeof(buf));
	if (n < 9 || strncmp(buf, "jail-init", 9)) {
		*why = "pid 1 is not jail-init";
		return false;
	}
	if (gethostname(buf, sizeof(buf)) < 0 || strcmp(buf, "jail")) {
		*why = "the hostname is not \"jail\"";
		return false;
	}
	return true;
}

/* --- helpers for attempts made in a child ------------------------------- */

/*
 * Run @fn in a child that cannot leave a core dump behind, and report how
 * it ended: "WHAT killed=SIGSYS", or whatever @fn printed and "WHAT
 * exit=N".
 */
static void in_child(const char *what, void (*fn)(void))
{
	struct rlimit none = { 0, 0 };
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		report(what, -1, errno);
		return;
	}
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &none);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		fn();
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) < 0) {
		report(what, -1, errno);
		return;
	}
	if (WIFSIGNALED(st))
		printf("%s killed=SIG%s\n", what, sigabbrev_np(WTERMSIG(st)));
	else
		printf("%s exit=%d\n", what, WEXITSTATUS(st));
	fflush(stdout);
}

/* --- status ------------------------------------------------------------- */

static int cmd_status(int argc, char **argv)
{
	static const char *const keys[] = {
		"Seccomp:", "Seccomp_filters:", "NoNewPrivs:", "CapInh:",
		"CapPrm:", "CapEff:", "CapBnd:", "CapAmb:",
	};
	char buf[8192], *line, *save = NULL;
	uid_t r, e, s;
	gid_t gr, ge, gs;

	(void)argc;
	(void)argv;
	if (read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return 1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strncmp(line, keys[i], strlen(keys[i]))) {
				char *v = line + strlen(keys[i]);

				v += strspn(v, " \t");
				printf("%.*s=%s\n", (int)strlen(keys[i]) - 1,
				       keys[i], v);
			}
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	printf("uid=%u euid=%u suid=%u gid=%u egid=%u sgid=%u\n", r, e, s, gr,
	       ge, gs);
	printf("landlock-abi=%ld\n",
	       syscall(SYS_landlock_create_ruleset, NULL, 0,
		       LANDLOCK_CREATE_RULESET_VERSION));
	return 0;
}

/* --- terminal injection ------------------------------------------------- */

/*
 * TIOCLINUX subcode 6 (TIOCL_GETSHIFTSTATE) only reads; the dangerous
 * ones (TIOCL_SETSEL, TIOCL_PASTESEL) go through the same request number,
 * which is what the filter matches.
 */
static void tty_attempts(int fd, const char *label)
{
	char what[64], c = ' ';
	char sub[2] = { 6, 0 };

	snprintf(what, sizeof(what), "tiocsti fd=%s", label);
	TRY(what, ioctl(fd, TIOCSTI, &c));
	snprintf(what, sizeof(what), "tiocsti-hi fd=%s", label);
	TRY(what, syscall(SYS_ioctl, fd, (1UL << 32) | TIOCSTI, &c));
	snprintf(what, sizeof(what), "tioclinux fd=%s", label);
	TRY(what, ioctl(fd, TIOCLINUX, sub));
	snprintf(what, sizeof(what), "tioclinux-hi fd=%s", label);
	TRY(what, syscall(SYS_ioctl, fd, (1UL << 32) | TIOCLINUX, sub));
}

static int cmd_tiocsti(int argc, char **argv)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fds[256], n = 0, tty;

	(void)argc;
	(void)argv;
	if (!d)
		return 1;
	while ((de = readdir(d)) && n < (int)ARRAY_SIZE(fds)) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
			continue;
		fds[n++] = atoi(de->d_name);
	}
	closedir(d);
	for (int i = 0; i < n; i++) {
		char label[16];

		snprintf(label, sizeof(label), "%d", fds[i]);
		tty_attempts(fds[i], label);
	}
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) {
		report("open /dev/tty", -1, errno);
	} else {
		printf("open /dev/tty ok\n");
		tty_attempts(tty, "tty");
		close(tty);
	}
	/* A closed descriptor: an allowed ioctl would give EBADF */
	tty_attempts(999, "999");
	return 0;
}

/* --- a host process ----------------------------------------------------- */

static bool cmdline_has(pid_t pid, const char *marker, bool *exists)
{
	char path[64], buf[4096];
	int n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	*exists = n >= 0 || n == -EACCES;
	for (int i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	return n > 0 && strstr(buf, marker);
}

/*
 * probe host-pid PID MARKER: PID is a host process (a sleep the test
 * started, MARKER in its argv). Inside the jail's pid namespace that
 * number must be free, or be one of the jail's own processes; only a free
 * number is attacked (SIGTERM, ptrace, process_vm_writev), so the probe
 * never harms a jail process either.
 */
static int cmd_host_pid(int argc, char **argv)
{
	struct iovec local, remote;
	char byte = 0;
	bool exists;
	pid_t pid;

	if (argc < 3)
		return 1;
	pid = (pid_t)atoi(argv[1]);
	if (pid <= 1)
		return 1;
	if (cmdline_has(pid, argv[2], &exists)) {
		printf("host-pid visible=yes\n");
		return 0;
	}
	printf("host-pid visible=no\n");
	if (exists) {
		printf("host-pid taken-by=jail-process\n");
		return 0;
	}
	TRY("kill", kill(pid, SIGTERM));
	TRY("ptrace-seize", ptrace(PTRACE_SEIZE, pid, NULL, NULL));
	local.iov_base = &byte;
	local.iov_len = 1;
	remote.iov_base = BAD_PTR;
	remote.iov_len = 1;
	TRY("process_vm_writev",
	    syscall(SYS_process_vm_writev, pid, &local, 1UL, &remote, 1UL,
		    0UL));
	TRY("process_vm_readv",
	    syscall(SYS_process_vm_readv, pid, &local, 1UL, &remote, 1UL, 0UL));
	close_if(TRY("pidfd_open", syscall(SYS_pidfd_open, pid, 0)));
	return 0;
}

/* --- /proc of other processes ------------------------------------------- */

static bool buf_has(const char *buf, int n, const char *marker)
{
	size_t m = strlen(marker);

	for (int i = 0; i + (int)m <= n; i++)
		if (!memcmp(buf + i, marker, m))
			return true;
	return false;
}

static void scan_one(pid_t pid, const char *marker, int *found)
{
	char path[64], buf[65536], comm[64] = "";
	const char *argv0;
	ssize_t l;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_file(path, comm, sizeof(comm)) > 0)
		comm[strcspn(comm, "\n")] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	argv0 = n > 0 ? strrchr(buf, '/') : NULL;
	argv0 = argv0 ? argv0 + 1 : n > 0 ? buf : "?";
	printf("pid=%d argv0=%s comm=%s", (int)pid, argv0, comm);
	/* The probe's own argv carries the marker: skip it */
	if (n > 0 && pid != getpid() && buf_has(buf, n, marker))
		(*found)++;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		printf(" environ=%s", ename(-n));
	else
		printf(" environ=%d", n);
	if (n > 0 && buf_has(buf, n, marker))
		(*found)++;
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	l = readlink(path, buf, sizeof(buf) - 1);
	if (l < 0) {
		printf(" cwd=%s", ename(errno));
	} else {
		buf[l] = '\0';
		printf(" cwd=%s", buf);
		if (strstr(buf, marker))
			(*found)++;
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	l = readlink(path, buf, sizeof(buf) - 1);
	if (l < 0) {
		printf(" root=%s", ename(errno));
	} else {
		buf[l] = '\0';
		printf(" root=%s", buf);
	}
	printf("\n");
}

/*
 * probe proc-scan MARKER: walk every process this /proc shows; MARKER
 * appears in the argv, environment and working directory of a host
 * process the test started, so it must be found nowhere.
 */
static int cmd_proc_scan(int argc, char **argv)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0, n = 0, fd;
	char buf[256];

	if (argc < 2 || !d)
		return 1;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0)
			continue;
		scan_one(pid, argv[1], &found);
		n++;
	}
	closedir(d);
	printf("npids=%d\n", n);
	printf("marker-found=%d\n", found);
	/* pid 1 is not dumpable: its root, cwd and environ are closed */
	fd = open("/proc/1/root/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close_if(report("open /proc/1/root", fd, errno));
	fd = open("/proc/1/cwd/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close_if(report("open /proc/1/cwd", fd, errno));
	n = read_file("/proc/1/environ", buf, sizeof(buf));
	if (n < 0)
		printf("pid1-environ errno=%s\n", ename(-n));
	else
		printf("pid1-environ bytes=%d\n", n);
	return 0;
}

/* --- file handles ------------------------------------------------------- */

static int cmd_handles(int argc, char **argv)
{
	unsigned char buf[sizeof(struct file_handle) + 128]
		__attribute__((aligned(8)));
	struct file_handle *fh = (struct file_handle *)buf;
	int mount_id = 0, root;

	(void)argc;
	(void)argv;
	memset(buf, 0, sizeof(buf));
	fh->handle_bytes = 128;
	/* Allowed for anyone without the filter */
	TRY("name_to_handle_at", name_to_handle_at(AT_FDCWD, "/", fh,
						     &mount_id, 0));
	/*
	 * A forged handle for inode 2 (the root of most filesystems), the
	 * "shocker" technique; opened read-only and closed at once
	 */
	memset(buf, 0, sizeof(buf));
	fh->handle_bytes = 8;
	fh->handle_type = 1; /* FILEID_INO32_GEN */
	fh->f_handle[0] = 2;
	root = open("/", O_PATH | O_CLOEXEC);
	close_if(TRY("open_by_handle_at",
		     open_by_handle_at(root, fh, O_RDONLY | O_CLOEXEC)));
	close_if(root);
	return 0;
}

/* --- the mount API ------------------------------------------------------ */

/*
 * probe mounts SCRATCH_DIR: every call first with arguments that make it
 * fail harmlessly if it were allowed (EFAULT, EBADF, EINVAL), then a real
 * attempt on the scratch directory the test made.
 */
static int cmd_mounts(int argc, char **argv)
{
	char self[4096], *slash;
	const char *dir;
	ssize_t n;

	if (argc < 2)
		return 1;
	dir = argv[1];
	/* The directory of this binary: a read-only bind the test made */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash && slash != self)
		*slash = '\0';
	TRY("mount-badptr", syscall(SYS_mount, BAD_PTR, BAD_PTR, BAD_PTR, 0,
				    NULL));
	TRY("mount-tmpfs", mount("none", dir, "tmpfs", 0, NULL));
	TRY("mount-bind-root", mount("/", dir, NULL, MS_BIND | MS_REC, NULL));
	/* Would make a read-only bind writable; nothing is written after */
	TRY("mount-remount-rw", mount(NULL, self, NULL, MS_REMOUNT | MS_BIND,
				      NULL));
	TRY("umount2-badptr", syscall(SYS_umount2, BAD_PTR, 0));
	TRY("umount2-ro-bind", umount2(self, MNT_DETACH));
	TRY("pivot_root", syscall(SYS_pivot_root, dir, dir));
	TRY("move_mount", syscall(SYS_move_mount, -1, BAD_PTR, -1, BAD_PTR,
				  0));
	close_if(TRY("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/", 0)));
	close_if(TRY("fsopen", syscall(SYS_fsopen, "tmpfs", 0)));
	TRY("fsmount", syscall(SYS_fsmount, -1, 0, 0));
	TRY("fsconfig", syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0));
	TRY("fspick", syscall(SYS_fspick, -1, BAD_PTR, 0));
	TRY("mount_setattr", syscall(SYS_mount_setattr, -1, BAD_PTR, 0,
				     BAD_PTR, 0));
	TRY("chroot", chroot(dir));
	return 0;
}

/* --- nested namespaces -------------------------------------------------- */

static void try_unshare_user(void)
{
	TRY("unshare-newuser", unshare(CLONE_NEWUSER));
}

static void try_clone_user(void)
{
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	report("clone-newuser", r, errno);
}

static void try_clone3_user(void)
{
	uint64_t args[11] = { 0 };
	long r;

	args[0] = CLONE_NEWUSER;	/* flags */
	args[4] = SIGCHLD;		/* exit_signal */
	r = syscall(SYS_clone3, args, sizeof(args));
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	report("clone3-newuser", r, errno);
}

static void try_clone_plain(void)
{
	long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);

	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	report("clone-plain", r, errno);
}

static int cmd_userns(int argc, char **argv)
{
	static const struct {
		const char *name;
		int flag;
	} ns[] = {
		{ "unshare-newns", CLONE_NEWNS },
		{ "unshare-newnet", CLONE_NEWNET },
		{ "unshare-newpid", CLONE_NEWPID },
		{ "unshare-newuts", CLONE_NEWUTS },
		{ "unshare-newipc", CLONE_NEWIPC },
		{ "unshare-newcgroup", CLONE_NEWCGROUP },
		{ "unshare-newtime", 0x80 },
	};

	(void)argc;
	(void)argv;
	/* In children: a success would change the probe's own namespaces */
	in_child("child-unshare", try_unshare_user);
	in_child("child-clone", try_clone_user);
	in_child("child-clone3", try_clone3_user);
	in_child("child-clone-plain", try_clone_plain);
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		pid_t pid;
		int st;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			TRY(ns[i].name, unshare(ns[i].flag));
			_exit(0);
		}
		waitpid(pid, &st, 0);
	}
	TRY("setns", setns(-1, 0));
	return 0;
}

/* --- other kernel interfaces -------------------------------------------- */

static int cmd_kernel(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* KEYCTL_GET_KEYRING_ID of the session keyring: only reads */
	TRY("keyctl", syscall(SYS_keyctl, 0, -3, 0));
	TRY("add_key", syscall(SYS_add_key, BAD_PTR, BAD_PTR, NULL, 0, -2));
	TRY("request_key", syscall(SYS_request_key, BAD_PTR, BAD_PTR, NULL,
				   0));
	TRY("bpf", syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, BAD_PTR, 8));
	TRY("perf_event_open", syscall(SYS_perf_event_open, BAD_PTR, 0, -1,
				       -1, 0));
	close_if(TRY("userfaultfd",
		     syscall(SYS_userfaultfd, UFFD_USER_MODE_ONLY)));
	TRY("io_uring_setup", syscall(SYS_io_uring_setup, 1, BAD_PTR));
	TRY("io_uring_enter", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL,
				      0));
	TRY("io_uring_register", syscall(SYS_io_uring_register, -1, 0, NULL,
					 0));
	/* Flags no kernel accepts: an allowed call gives EINVAL */
	TRY("kexec_load", syscall(SYS_kexec_load, 0, 1, BAD_PTR, 0xff00UL));
	TRY("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, NULL,
				       0xff00UL));
	TRY("init_module", syscall(SYS_init_module, BAD_PTR, 16, BAD_PTR));
	TRY("finit_module", syscall(SYS_finit_module, -1, "", 0));
	TRY("delete_module", syscall(SYS_delete_module, BAD_PTR, 0));
	TRY("swapon", syscall(SYS_swapon, BAD_PTR, 0));
	TRY("swapoff", syscall(SYS_swapoff, BAD_PTR));
	/* Wrong magic: an allowed call gives EINVAL */
	TRY("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
	TRY("acct", syscall(SYS_acct, BAD_PTR));
	TRY("iopl", syscall(SYS_iopl, 0));
	TRY("ioperm", syscall(SYS_ioperm, 0, 0, 0));
	/* SYSLOG_ACTION_SIZE_BUFFER only reads */
	TRY("syslog", syscall(SYS_syslog, 10, NULL, 0));
	TRY("quotactl", syscall(SYS_quotactl, 0, BAD_PTR, 0, NULL));
	TRY("lookup_dcookie", syscall(SYS_lookup_dcookie, 0, NULL, 0));
	TRY("personality-query", personality(0xffffffff));
	TRY("personality-read-implies-exec", personality(READ_IMPLIES_EXEC));
	TRY("personality-read-implies-exec-hi",
	    syscall(SYS_personality, (1UL << 32) | READ_IMPLIES_EXEC));
	TRY("personality-mmap-page-zero", personality(MMAP_PAGE_ZERO));
	TRY("personality-addr-no-randomize", personality(ADDR_NO_RANDOMIZE));
	TRY("personality-linux", personality(PER_LINUX));
	return 0;
}

/* --- device nodes ------------------------------------------------------- */

static int cmd_mknod(int argc, char **argv)
{
	char path[4096];
	struct stat st;

	if (argc < 2)
		return 1;
	snprintf(path, sizeof(path), "%s/blk", argv[1]);
	/* 8:0 is the first SCSI disk on most machines */
	if (TRY("mknod-block", mknod(path, S_IFBLK | 0600, makedev(8, 0))) ==
	    0)
		unlink(path);
	printf("block-exists=%s\n", stat(path, &st) ? "no" : "yes");
	snprintf(path, sizeof(path), "%s/chr", argv[1]);
	/* 1:1 is /dev/mem */
	if (TRY("mknod-char", mknod(path, S_IFCHR | 0600, makedev(1, 1))) ==
	    0)
		unlink(path);
	printf("char-exists=%s\n", stat(path, &st) ? "no" : "yes");
	return 0;
}

/* --- /proc/sys, /proc/sysrq-trigger, /sys ------------------------------- */

/* Open for writing and close without writing a byte */
static void open_for_write(const char *path)
{
	char what[300];
	int fd;

	snprintf(what, sizeof(what), "open-write %s", path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	close_if(report(what, fd, errno));
}

static void ro_flag(const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv) < 0)
		printf("statvfs %s errno=%s\n", path, ename(errno));
	else
		printf("statvfs %s ro=%s\n", path,
		       sv.f_flag & ST_RDONLY ? "yes" : "no");
}

static int cmd_proc_write(int argc, char **argv)
{
	static const char *const paths[] = {
		"/proc/sys/vm/drop_caches",
		"/proc/sys/kernel/core_pattern",
		"/proc/sysrq-trigger",
		"/sys/kernel/uevent_helper",
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/power/state",
	};
	struct stat st;
	int fd;

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		if (stat(paths[i], &st) < 0) {
			printf("absent %s\n", paths[i]);
			continue;
		}
		open_for_write(paths[i]);
	}
	fd = open("/sys/probe-new", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  0600);
	close_if(report("create /sys/probe-new", fd, errno));
	ro_flag("/sys");
	ro_flag("/proc/sys");
	return 0;
}

/* --- foreign ABIs ------------------------------------------------------- */

/* getpid through the i386 entry point */
static void try_int80(void)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	printf("int80-getpid returned=%ld\n", r);
}

/* getpid with an x32 number */
static void try_x32(void)
{
	long r = syscall(X32_SYSCALL_BIT | SYS_getpid);

	report("x32-getpid", r, errno);
}

static int cmd_abi(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	in_child("i386", try_int80);
	in_child("x32", try_x32);
	return 0;
}

/* --- sockets ------------------------------------------------------------ */

static int cmd_sockets(int argc, char **argv)
{
	static const struct {
		const char *name;
		long family, type, protocol;
	} s[] = {
		{ "af_packet-raw", AF_PACKET, SOCK_RAW, 0x0300 },
		{ "af_packet-dgram", AF_PACKET, SOCK_DGRAM, 0x0300 },
		{ "af_packet-hi", (1L << 32) | AF_PACKET, SOCK_RAW, 0 },
		{ "af_vsock-stream", AF_VSOCK, SOCK_STREAM, 0 },
		{ "af_vsock-dgram", AF_VSOCK, SOCK_DGRAM, 0 },
		{ "af_inet-raw", AF_INET, SOCK_RAW, IPPROTO_ICMP },
		{ "af_inet-raw-cloexec", AF_INET, SOCK_RAW | SOCK_CLOEXEC,
		  IPPROTO_RAW },
		{ "af_inet6-raw", AF_INET6, SOCK_RAW, IPPROTO_ICMPV6 },
		{ "af_inet-packet", AF_INET, SOCK_PACKET, 0 },
		{ "netlink-audit", AF_NETLINK, SOCK_RAW, NETLINK_AUDIT },
		{ "netlink-netfilter", AF_NETLINK, SOCK_RAW,
		  NETLINK_NETFILTER },
		{ "netlink-uevent", AF_NETLINK, SOCK_DGRAM,
		  NETLINK_KOBJECT_UEVENT },
		{ "netlink-sock-diag", AF_NETLINK, SOCK_RAW,
		  NETLINK_SOCK_DIAG },
		{ "netlink-route-hi", AF_NETLINK, SOCK_RAW, 1L << 32 },
		{ "af_key", AF_KEY, SOCK_RAW, 2 },
		{ "af_alg", AF_ALG, SOCK_SEQPACKET, 0 },
		{ "af_bluetooth", AF_BLUETOOTH, SOCK_RAW, 0 },
		{ "af_unspec", AF_UNSPEC, SOCK_STREAM, 0 },
		/* what must keep working */
		{ "af_unix-stream", AF_UNIX, SOCK_STREAM, 0 },
		{ "af_inet-tcp", AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0 },
		{ "af_inet6-udp", AF_INET6, SOCK_DGRAM, 0 },
		{ "netlink-route", AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
		  NETLINK_ROUTE },
	};
	int sv[2];

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		close_if(TRY(s[i].name, syscall(SYS_socket, s[i].family,
						s[i].type, s[i].protocol)));
	if (TRY("socketpair-inet", syscall(SYS_socketpair, AF_INET,
					   SOCK_STREAM, 0, sv)) == 0) {
		close(sv[0]);
		close(sv[1]);
	}
	return 0;
}


/* --- table -------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "status", cmd_status, "seccomp mode, no_new_privs, capabilities" },
	{ "tiocsti", cmd_tiocsti, "TIOCSTI/TIOCLINUX on every fd, /dev/tty" },
	{ "host-pid", cmd_host_pid, "PID MARKER: kill/ptrace a host process" },
	{ "proc-scan", cmd_proc_scan, "MARKER: environ/cwd/root of all pids" },
	{ "handles", cmd_handles, "name_to_handle_at, open_by_handle_at" },
	{ "mounts", cmd_mounts, "DIR: mount API after setup" },
	{ "userns", cmd_userns, "nested namespaces: unshare, clone, clone3" },
	{ "kernel", cmd_kernel, "keyrings, bpf, perf, modules, kexec..." },
	{ "mknod", cmd_mknod, "DIR: block and char device nodes" },
	{ "proc-write", cmd_proc_write, "/proc/sys, sysrq-trigger, /sys" },
	{ "abi", cmd_abi, "i386 int 0x80 and x32 syscalls" },
	{ "sockets", cmd_sockets, "socket families and types" },
	{ "fds", cmd_fds, "list open descriptors" },
	{ "fd", cmd_fd, "N: is N open, first line" },
	{ "read", cmd_read, "PATH...: open read-only" },
	{ "write", cmd_write, "PATH...: open for append, write nothing" },
	{ "create", cmd_create, "PATH...: create a new file" },
	{ "rename", cmd_rename, "FROM TO: rename (and back)" },
	{ "walkup", cmd_walkup, "chdir .. 64 times, list" },
	{ "connect-abstract", cmd_connect_abstract, "NAME: abstract socket" },
	{ "connect-path", cmd_connect_path, "PATH: unix socket" },
	{ "env", cmd_env, "NAME...: set or unset" },
	{ "host-time", cmd_host_time, "hostname, domainname, clocks" },
	{ "landlock", cmd_landlock, "proof that a Landlock domain applies" },
};

int main(int argc, char **argv)
{
	const char *why = NULL;

	if (argc < 2 || !strcmp(argv[1], "help")) {
		for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
			printf("probe %-16s %s\n", cmds[i].name, cmds[i].help);
		return argc < 2 ? 1 : 0;
	}
	if (!inside_jail(&why)) {
		fprintf(stderr, "probe: refusing to run outside a jail: %s\n",
			why);
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "probe: unknown subcommand \"%s\"\n", argv[1]);
	return 1;
}

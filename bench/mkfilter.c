// SPDX-License-Identifier: MIT
/*
 * mkfilter.c - write a seccomp BPF program for `bwrap --seccomp FD`
 *
 * Usage: mkfilter FILE
 *
 * Builds, with libseccomp, a deny-list filter of the shape and size the
 * jail's own filter has (SPEC "Processes, credentials and syscalls"):
 * foreign ABIs killed, the dangerous system calls answered EPERM, clone
 * and unshare with CLONE_NEWUSER refused, clone3 answered ENOSYS, TIOCSTI
 * and TIOCLINUX refused, socket families other than AF_UNIX, AF_INET,
 * AF_INET6 and NETLINK_ROUTE refused. It exists only so that bench/startup
 * can compare bwrap with a filter against jail; it is not jail's filter.
 * Prints the number of BPF instructions written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const denied[] = {
	"keyctl", "add_key", "request_key", "bpf", "perf_event_open",
	"userfaultfd", "kexec_load", "kexec_file_load", "init_module",
	"finit_module", "delete_module", "mount", "umount2", "pivot_root",
	"move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick",
	"mount_setattr", "open_by_handle_at", "name_to_handle_at", "setns",
	"swapon", "swapoff", "reboot", "acct", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm",
	"quotactl", "lookup_dcookie", "syslog", "io_uring_setup",
	"io_uring_enter", "io_uring_register", "vhangup", "nfsservctl",
};

/* Personality flags nothing in a jail needs */
static const unsigned long bad_personality[] = {
	0x0400000, /* READ_IMPLIES_EXEC */
	0x0200000, /* ADDR_COMPAT_LAYOUT */
	0x0100000, /* MMAP_PAGE_ZERO */
};

static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
		unsigned int n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture */
	return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

static int add_rules(scmp_filter_ctx ctx)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	int err = 0;

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		err |= rule(ctx, eperm, denied[i], 0, NULL);
	err |= rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	{
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ,
						CLONE_NEWUSER, CLONE_NEWUSER);

		err |= rule(ctx, eperm, "clone", 1, &c);
		err |= rule(ctx, eperm, "unshare", 1, &c);
	}
	{
		struct scmp_arg_cmp sti = SCMP_A1(SCMP_CMP_MASKED_EQ,
						  0xffffffffu, TIOCSTI);
		struct scmp_arg_cmp lnx = SCMP_A1(SCMP_CMP_MASKED_EQ,
						  0xffffffffu, TIOCLINUX);

		err |= rule(ctx, eperm, "ioctl", 1, &sti);
		err |= rule(ctx, eperm, "ioctl", 1, &lnx);
	}
	for (size_t i = 0; i < 3; i++) {
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ,
						bad_personality[i],
						bad_personality[i]);

		err |= rule(ctx, eperm, "personality", 1, &c);
	}
	/* socket(): AF_UNIX 1, AF_INET 2, AF_INET6 10, AF_NETLINK 16 only */
	for (int fam = 0; fam < AF_MAX; fam++) {
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fam);

		if (fam == AF_UNIX || fam == AF_INET || fam == AF_INET6 ||
		    fam == AF_NETLINK)
			continue;
		err |= rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &c);
	}
	{
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_GE, AF_MAX);

		err |= rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &c);
	}
	{
		struct scmp_arg_cmp c[2] = { SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
					     SCMP_A2(SCMP_CMP_NE, 0) };

		err |= rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 2, c);
	}
	return err;
}

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	struct stat st;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: mkfilter FILE\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS) < 0 ||
	    add_rules(ctx) < 0) {
		fprintf(stderr, "mkfilter: cannot build the filter\n");
		return 1;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0) {
		perror("mkfilter: write the filter");
		return 1;
	}
	close(fd);
	seccomp_release(ctx);
	printf("%lld\n", (long long)st.st_size / 8);
	return 0;
}

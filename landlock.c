// SPDX-License-Identifier: MIT
/*
 * landlock.c - the Landlock fence: writes only beneath the writable binds
 *
 * Landlock is the second, path-based fence behind the mount view: even
 * where a mount is writable (the view's own tmpfs root, /proc, a host
 * filesystem reached through a file descriptor or a magic link), a write
 * outside the granted trees fails with EACCES. It also keeps /proc/sys and
 * /proc/sysrq-trigger out of reach of a root caller, whose uid 0 inside
 * still owns them.
 *
 * The ruleset is built for the newest ABI the kernel reports, down to
 * ABI 1; rights the kernel does not know are simply not handled.
 * Directory rights are only valid on directories, so a writable file is
 * granted the file subset. Device nodes may not be created anywhere (the
 * jail never has CAP_MKNOD, so this only makes the refusal path-based
 * too), and ioctl on devices is granted beneath /dev only, so that
 * terminals opened after this point keep working.
 *
 * There is no libc wrapper on Debian 12 and its <linux/landlock.h> stops
 * at ABI 2, hence the raw syscalls and the constants below.
 */
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "jail.h"
#include "setup.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/*
 * struct landlock_ruleset_attr as of ABI 6. The kernel accepts a larger
 * struct than it knows as long as the extra bytes are zero, so one layout
 * serves every ABI.
 */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_WRITE_ABI1                                                          \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |       \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |      \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |          \
	 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |        \
	 LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

/* Rights that apply to a file rather than a directory's entries */
#define LL_FILE_RIGHTS                                                         \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |         \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Never granted: creating device nodes */
#define LL_NEVER (LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK)

/* Where device ioctls stay allowed: the jail's own minimal /dev */
#define LL_DEV_DIR "/dev"

int landlock_abi(void)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);

	/* ENOSYS: not built in; EOPNOTSUPP: disabled at boot */
	return abi < 0 ? 0 : (int)abi;
}

/* Write-type rights the kernel's @abi knows */
static uint64_t handled_for_abi(int abi)
{
	uint64_t fs = LL_WRITE_ABI1;

	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return fs;
}

/**
 * grant_beneath() - Add a path-beneath rule for @path
 * @ruleset_fd:	ruleset under construction
 * @path:	path inside the view
 * @access:	rights to grant; reduced to file rights on a non-directory
 *
 * Return: 0 (also when @path does not exist), or negative errno
 */
static int grant_beneath(int ruleset_fd, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { 0 };
	autoclose int fd = -1;
	struct stat st;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		access &= LL_FILE_RIGHTS;
	if (!access)
		return 0;
	pb.allowed_access = access;
	pb.parent_fd = fd;
	if (syscall(__NR_landlock_add_rule, ruleset_fd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		return -errno;
	return 0;
}

int landlock_restrict(const char *const *writable, size_t n_writable,
		      int *abi_used)
{
	struct ll_ruleset_attr attr = { 0 };
	autoclose int ruleset_fd = -1;
	uint64_t grant;
	int abi, err;

	*abi_used = 0;
	abi = landlock_abi();
	if (abi < 1)
		return -EOPNOTSUPP;
	attr.handled_access_fs = handled_for_abi(abi);
	if (abi >= 6)
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
			      LANDLOCK_SCOPE_SIGNAL;
	ruleset_fd = (int)syscall(__NR_landlock_create_ruleset, &attr,
				  sizeof(attr), 0);
	if (ruleset_fd < 0)
		return -errno;
	grant = attr.handled_access_fs & ~(LL_NEVER |
					   LANDLOCK_ACCESS_FS_IOCTL_DEV);
	for (size_t i = 0; i < n_writable; i++) {
		err = grant_beneath(ruleset_fd, writable[i], grant);
		if (err < 0)
			return err;
	}
	if (attr.handled_access_fs & LANDLOCK_ACCESS_FS_IOCTL_DEV) {
		err = grant_beneath(ruleset_fd, LL_DEV_DIR,
				    LANDLOCK_ACCESS_FS_IOCTL_DEV);
		if (err < 0)
			return err;
	}
	/* Landlock needs no_new_privs (or CAP_SYS_ADMIN, which we dropped) */
	if (!prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0))
		return -EPERM;
	if (syscall(__NR_landlock_restrict_self, ruleset_fd, 0) < 0)
		return -errno;
	*abi_used = abi;
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * probe.h - what the probe's files share: the reporting helpers and the
 * subcommands of probe/files.c (see probe.c for the whole)
 */
#ifndef PROBE_H
#define PROBE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define X32_SYSCALL_BIT 0x40000000L
#define LANDLOCK_CREATE_RULESET_VERSION 1U

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* An address no process maps: calls given it fail with EFAULT */
#define BAD_PTR ((void *)1)

/* probe.c: the reporting helpers */
const char *ename(int e);
/* Print "WHAT ok" or "WHAT errno=E" for a raw result; returns @r */
long report(const char *what, long r, int err);
void close_if(long fd);
int read_file(const char *path, char *buf, size_t len);

#define TRY(what, expr)                                                        \
	({                                                                     \
		long r_;                                                       \
		errno = 0;                                                     \
		r_ = (long)(expr);                                             \
		report((what), r_, errno);                                     \
	})

/* probe/files.c: descriptors, files, sockets by name, environment */
int cmd_fds(int argc, char **argv);
int cmd_fd(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_write(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_walkup(int argc, char **argv);
int cmd_connect_abstract(int argc, char **argv);
int cmd_connect_path(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_host_time(int argc, char **argv);
int cmd_landlock(int argc, char **argv);

#endif /* PROBE_H */

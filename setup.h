/* SPDX-License-Identifier: MIT */
/*
 * setup.h - the steps that build a jail: pid 1 (init.c), limits (limits.c),
 * credentials (creds.c), the network namespaces (netns.c), the syscall
 * filter (seccomp_filter.c) and Landlock (landlock.c)
 *
 * For jail.c and run/, which take these steps in order, for the forwarder
 * (the gateway's addresses and ports) and for what reports on them
 * (--explain, the exec record). What every module shares is in jail.h.
 */
#ifndef JAIL_SETUP_H
#define JAIL_SETUP_H

#include "jail.h"

struct sock_filter;

/* ---------------------------------------------------------------------
 * init.c, initblob.c: pid 1 of the jail
 * ------------------------------------------------------------------- */

/* jail-init's main: exec'd as pid 1 with argv "jail-init CHILD RELEASE_FD" */
int init_main(int argc, char **argv);

/* The standalone jail-init program (a static ELF) inside this binary */
extern const unsigned char jail_init_elf[];
extern const unsigned char jail_init_elf_end[];

/* ---------------------------------------------------------------------
 * limits.c: rlimits and a delegated cgroup v2 subtree
 * ------------------------------------------------------------------- */

/* Parse "NAME=VALUE" (--rlimit). Return: 0, -EINVAL or -ENOENT (name) */
int limits_parse_rlimit(const char *arg, struct rlimit_req *r);

/* Context: command child, before execve(). Return: 0 or -errno */
int limits_apply_rlimits(const struct jail_config *cfg);

/**
 * limits_cgroup_create() - Make the jail's cgroup with its limits
 * @path_out:	receives the cgroup's path (caller frees)
 *
 * Context: supervisor, before clone(); dies with one line naming what is
 * missing when the limits cannot be had
 * Return: an O_PATH fd of the cgroup for CLONE_INTO_CGROUP, or -1 when no
 * cgroup limit was asked for
 */
int limits_cgroup_create(const struct jail_config *cfg, char **path_out);

/* Remove the jail's (now empty) cgroup */
void limits_cgroup_remove(const char *path);

/* ---------------------------------------------------------------------
 * creds.c: user namespace maps, capabilities, environment
 * ------------------------------------------------------------------- */

/**
 * creds_write_maps() - Map @uid/@gid 1:1 into the user namespace of @pid
 *
 * Context: parent, after clone(); setgroups is denied first
 * Return: 0 or negative errno
 */
int creds_write_maps(pid_t pid, uid_t uid, gid_t gid);

/* As creds_write_maps(), for the process whose /proc directory is @proc_fd */
int creds_write_maps_at(int proc_fd, uid_t uid, gid_t gid);

/**
 * creds_drop_all() - Empty every capability set, lock securebits, set
 * no_new_privs
 *
 * Context: child, after setup, before the seccomp filter and execve()
 * Return: 0 or negative errno
 */
int creds_drop_all(void);

/**
 * creds_build_env() - Build COMMAND's environment from the host's
 * @run:	the run (its configuration and host resources)
 * @host_env:	the host environment (environ)
 *
 * Return: NULL-terminated array, caller frees (setup only; dies on OOM)
 */
char **creds_build_env(const struct jail_run *run, char **host_env);

/**
 * creds_close_fds() - Close every descriptor but 0-2 and --keep-fd ones
 * @cfg:	validated configuration
 * @also_keep:	one more descriptor to keep (left close-on-exec), or -1
 *
 * Kept --keep-fd descriptors lose close-on-exec so COMMAND inherits them.
 *
 * Return: 0 or negative errno
 */
int creds_close_fds(const struct jail_config *cfg, int also_keep);

/* ---------------------------------------------------------------------
 * netns.c: network namespaces and links
 * ------------------------------------------------------------------- */

/* Bring up "lo" in the current network namespace. Return: 0 or -errno */
int netns_loopback_up(void);

/*
 * --net filtered: the jail's namespace J holds lo and NETNS_JAIL_IF, the
 * gateway namespace G holds its veth peer NETNS_GW_IF. G redirects every
 * TCP connection from J to NETNS_TCP_PORT and every UDP packet to port 53
 * to NETNS_DNS_PORT, on the gateway's addresses; nothing else leaves J.
 */
#define NETNS_GW_IF "gw0"
#define NETNS_JAIL_IF "eth0"
#define NETNS_GATEWAY_IP6 "fd6a:696c::1"
#define NETNS_JAIL_IP6 "fd6a:696c::2"
#define NETNS_MTU 65520		/* fewer, larger packets over the veth */
#define NETNS_TCP_PORT 15001	/* the forwarder's listening port in G */
#define NETNS_DNS_PORT 15053	/* the resolver's UDP port in G */
/* Name the jail's resolver answers with the gateway under
 * --allow-host-port */
#define NETNS_HOST_NAME "host.jail.internal"

/* ---------------------------------------------------------------------
 * seccomp_filter.c: the syscall filter
 * ------------------------------------------------------------------- */

/**
 * struct filter_denial - One notified call: refused under --seccomp-log,
 * or an execve/execveat for the exec record (@is_exec)
 * @pid:	the caller, as the supervisor's pid namespace sees it
 * @nr:		syscall number (x86_64)
 * @name:	syscall name, or "syscall_NR" when libseccomp has none (not
 *		filled in for an exec, nor @comm)
 * @comm:	the caller's /proc/PID/comm, read while it was still blocked
 *		in the call (so it cannot be a recycled pid), or ""; chosen
 *		by the process (untrusted): escape it before printing
 */
struct filter_denial {
	pid_t pid;
	int nr;
	char name[64];
	char comm[16];
	bool is_exec;		/* execve/execveat: not answered yet */
	uint64_t id;		/* the notification, when @is_exec */
	uint64_t args[6];	/* the call's arguments, when @is_exec */
};

/* A filter built ahead of time: BPF instructions ready for seccomp() */
struct filter_prog {
	struct sock_filter *insns;	/* caller frees */
	unsigned short len;
	bool is_log;			/* has notifications: needs a listener */
};

/**
 * filter_prepare() - Build the default filter into a BPF program
 *
 * The expensive part of loading the filter, done early (in the command child
 * while pid 1 builds the view) so that filter_install() is one system call.
 *
 * Return: 0 or negative errno
 */
int filter_prepare(const struct jail_config *cfg, struct filter_prog *prog);

/**
 * filter_install() - Load a prepared filter into the calling thread
 * @notify_fd:	receives the listener (--seccomp-log, the exec record), or -1
 *
 * Context: the last step before execve(), with no_new_privs set
 * Return: 0 or negative errno
 */
int filter_install(const struct filter_prog *prog, int *notify_fd);

/**
 * filter_notify_handle() - Answer one pending --seccomp-log notification
 * @notify_fd:	listener from filter_install()
 * @d:		filled in with the refused call
 *
 * Answers with the errno the filter gives without --seccomp-log (EPERM,
 * or EAFNOSUPPORT for socket families). Never blocks: returns -EAGAIN when
 * nothing is pending, -EPIPE when every filtered process is gone.
 *
 * Context: supervisor, outside the jail, when poll() reports @notify_fd
 * readable
 *
 * Return: 0; -ENOENT when the caller died before it was answered (not
 * worth reporting); other negative errno
 */
int filter_notify_handle(int notify_fd, struct filter_denial *d);
/*
 * The same without its own poll(), for a caller whose poll() has just
 * reported @notify_fd readable (POLLIN) and who has received nothing
 * from it since: one system call less per notification
 */
int filter_notify_handle_polled(int notify_fd, struct filter_denial *d);

/*
 * An exec notification (@d->is_exec) is not answered by
 * filter_notify_handle(): the caller reads what it needs, then checks the
 * notification is still pending (filter_notify_id_valid(): 0, or -ENOENT
 * when the caller is gone, so what was read may belong to another
 * process) and lets the call go on with filter_notify_continue(). The
 * answer makes the same check: filter_notify_continue() fails with
 * -ENOENT unless the notification was still pending when it was answered,
 * so a caller that answers at once may trust its result instead.
 */
int filter_notify_id_valid(int notify_fd, uint64_t id);
int filter_notify_continue(int notify_fd, uint64_t id);
/* Ask for synchronous wake-ups on the listener (Linux 6.6; best effort) */
void filter_notify_tune(int notify_fd);

/* One line for --explain: the filter's rule count and ABI policy */
const char *filter_describe(void);

/* Socket families the jail may create; everything else is EAFNOSUPPORT */
static inline bool filter_family_allowed(uint64_t family)
{
	return family == AF_UNIX || family == AF_INET || family == AF_INET6 ||
	       family == AF_NETLINK;
}

/* ---------------------------------------------------------------------
 * landlock.c: the Landlock fence
 * ------------------------------------------------------------------- */

/**
 * landlock_abi() - The kernel's Landlock ABI version
 *
 * Return: 1 or more, or 0 when Landlock is absent or disabled
 */
int landlock_abi(void);

/**
 * landlock_restrict() - Allow filesystem writes only beneath @writable
 * @writable:	paths inside the view (directories or files); a missing one
 *		is skipped
 * @n_writable:	number of entries in @writable
 * @abi_used:	set to the ABI the ruleset was built for, 0 if none
 *
 * Handles every write-type right the kernel's ABI knows (ABI 1: write,
 * remove, make; 2: refer; 3: truncate; 5: device ioctl) and grants them
 * beneath @writable only; device nodes may be created nowhere, device
 * ioctls are granted beneath /dev only. Reading and executing stay
 * unrestricted. On ABI 6 and later, abstract unix sockets and signals are
 * scoped to the jail's Landlock domain.
 *
 * Context: command child, after the mount view is final, after
 * no_new_privs and the capability drop, just before filter_install()
 *
 * Return: 0, -EOPNOTSUPP when the kernel has no Landlock (the caller runs
 * without it and --explain says so), or another negative errno
 */
int landlock_restrict(const char *const *writable, size_t n_writable,
		      int *abi_used);

#endif /* JAIL_SETUP_H */

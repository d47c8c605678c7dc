/* SPDX-License-Identifier: MIT */
/*
 * jail.h - shared declarations: one section per module
 */
#ifndef JAIL_H
#define JAIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define JAIL_VERSION "0.1.0"

/* ---------------------------------------------------------------------
 * Common helpers (util.c)
 * ------------------------------------------------------------------- */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void freep(void *p);
void close_fdp(int *fd);
void fclosep(FILE **f);

#define autofree __attribute__((cleanup(freep)))
#define autoclose __attribute__((cleanup(close_fdp)))
#define autofclose __attribute__((cleanup(fclosep)))

#define TAKE_PTR(p)                                                            \
	({                                                                     \
		__typeof__(p) take_ = (p);                                     \
		(p) = NULL;                                                    \
		take_;                                                         \
	})
#define TAKE_FD(fd)                                                            \
	({                                                                     \
		int take_ = (fd);                                              \
		(fd) = -1;                                                     \
		take_;                                                         \
	})

/* Exit statuses of the contract (SPEC "Exit status") */
#define EXIT_JAIL_FAILED 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127
#define EXIT_TIMEOUT 124

/**
 * die_set_channel() - Route die() messages over a socket instead of stderr
 * @fd:	SOCK_SEQPACKET end whose peer prints the message, or -1 for stderr
 *
 * Context: a forked setup child, so that the parent reports the error as
 * one line after restoring the user's terminal.
 */
void die_set_channel(int fd);

/**
 * die_set_cleanup() - Register a function run by die() before exiting
 * @fn:	called once (restores the terminal), or NULL
 */
void die_set_cleanup(void (*fn)(void));

/* Print "jail: MSG" (one line) and exit 125; a forked child uses _exit() */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* As die(), appending ": strerror(errno)" */
void die_errno(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
/* As die() with an explicit exit status */
void die_status(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* Print "jail: MSG" to stderr and carry on */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Mark the current process as a forked child: die() then uses _exit() */
void die_in_child(void);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * parse_uint() - Parse a decimal unsigned integer within bounds
 * @s:		text; untrusted
 * @min:	smallest accepted value
 * @max:	largest accepted value
 * @out:	result
 *
 * Rejects empty input, signs, spaces, trailing junk and overflow.
 *
 * Return: 0, or -EINVAL (not a number) or -ERANGE (out of bounds)
 */
int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out);

/**
 * parse_duration() - Parse "90", "90s", "1.5m" style durations
 * @s:		text; untrusted
 * @out_ms:	milliseconds, at least 1, at most 30 days
 *
 * Return: 0, or -EINVAL / -ERANGE
 */
int parse_duration(const char *s, unsigned long long *out_ms);

/* Write all of @buf to @fd, retrying on EINTR. Return: 0 or -errno */
int write_all(int fd, const void *buf, size_t len);

/* Bounded cursor over untrusted bytes (STYLE 7) */
struct cursor {
	const uint8_t *p;
	size_t left;
};

int cur_u8(struct cursor *c, uint8_t *v);
int cur_u16(struct cursor *c, uint16_t *v);
int cur_u24(struct cursor *c, uint32_t *v);
int cur_skip(struct cursor *c, size_t n);
/* Split off the next @n bytes as a sub-cursor */
int cur_sub(struct cursor *c, size_t n, struct cursor *sub);

/* ---------------------------------------------------------------------
 * Configuration (jail.c owns parsing and validation)
 * ------------------------------------------------------------------- */

#define JAIL_MAX_MOUNTS 256
#define JAIL_MAX_ENV 128
#define JAIL_MAX_FDS 32
#define JAIL_MAX_RULES 256

enum mount_kind {
	MOUNT_RO,     /* --ro, --ro-try */
	MOUNT_RW,     /* --rw, --rw-try */
	MOUNT_HIDE,   /* --hide */
	MOUNT_TMPFS,  /* --tmpfs */
	MOUNT_PROTECT /* --protect */
};

/* Where a piece of policy came from, for --explain */
enum origin {
	ORIGIN_DEFAULT,
	ORIGIN_PROFILE,
	ORIGIN_SYSTEM_FILE,
	ORIGIN_USER_FILE,
	ORIGIN_PROJECT_FILE,
	ORIGIN_OPTION,
};

struct mount_req {
	enum mount_kind kind;
	char *path;	/* absolute, '~' expanded, normalised */
	bool is_try;	/* missing source is not an error */
	enum origin origin;
};

/* Addresses of the veth between the jail and its gateway namespace */
#define JAIL_GATEWAY_IP4 "10.200.0.1"
#define JAIL_JAIL_IP4 "10.200.0.2"

enum net_mode {
	NET_NONE,
	NET_HOST,
	NET_FILTERED,
};

/* One --allow / --deny entry; parsed by policy.c */
struct net_rule {
	char pattern[256];	/* lowercased name, "*.suffix", or empty */
	bool is_suffix;		/* "*.example.org": subdomains only */
	bool is_ip;		/* IP literal or CIDR in @addr/@prefix */
	int family;		/* AF_INET or AF_INET6 when @is_ip */
	uint8_t addr[16];
	unsigned int prefix;
	uint16_t port_lo[8];	/* port ranges; n_ports == 0: 80,443 */
	uint16_t port_hi[8];
	unsigned int n_ports;
	enum origin origin;
};

struct env_req {
	char *name;
	char *value;	/* NULL: pass the host's value */
};

struct jail_config {
	char *const *argv;	/* COMMAND and its arguments */
	char *cmd_path;		/* COMMAND resolved on the host PATH, or NULL */

	char *project;		/* absolute project directory */
	char *cwd;		/* absolute current directory, kept inside */
	char *home;		/* $HOME path inside (same as outside) */
	char *home_src;		/* --home DIR: persistent host dir, or NULL */
	uid_t uid;
	gid_t gid;

	struct mount_req mounts[JAIL_MAX_MOUNTS];
	size_t n_mounts;

	struct env_req env[JAIL_MAX_ENV];
	size_t n_env;

	int keep_fds[JAIL_MAX_FDS];
	size_t n_keep_fds;

	enum net_mode net;
	struct net_rule allow[JAIL_MAX_RULES];
	size_t n_allow;
	struct net_rule deny[JAIL_MAX_RULES];
	size_t n_deny;
	bool allow_private;

	unsigned long long timeout_ms;	/* 0: none */
	bool seccomp_log;
	bool explain;
	bool is_tty;			/* stdin is a terminal: use a pty */
	char *log_path;			/* audit log file */
	char id[17];			/* jail ID, hex */
};

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
 * @cfg:	validated configuration
 * @host_env:	the host environment (environ)
 *
 * Return: NULL-terminated array, caller frees (setup only; dies on OOM)
 */
char **creds_build_env(const struct jail_config *cfg, char **host_env);

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
 * fsview.c: the mount view
 * ------------------------------------------------------------------- */

/**
 * fsview_build() - Build the jail's root and pivot into it
 * @cfg:	validated configuration
 *
 * Context: setup child, in the new user and mount namespaces
 * Must: open every source before anything is mounted over it
 * Must not: create or modify anything on the host filesystem
 */
void fsview_build(const struct jail_config *cfg);

/* Project-relative paths protected by default (SPEC "Filesystem view") */
extern const char *const fsview_default_protect[];
extern const size_t fsview_n_default_protect;

/**
 * fsview_protected() - List the protected paths, defaults first
 * @out:	receives up to @max absolute paths; caller frees each
 *
 * Return: number of paths
 */
size_t fsview_protected(const struct jail_config *cfg, char **out, size_t max);

/* Paths the jail may write below (inside the view), for Landlock */
size_t fsview_writable(const struct jail_config *cfg, const char **out,
		       size_t max);

/* ---------------------------------------------------------------------
 * netns.c: network namespaces and links
 * ------------------------------------------------------------------- */

/* Bring up "lo" in the current network namespace. Return: 0 or -errno */
int netns_loopback_up(void);

/* ---------------------------------------------------------------------
 * seccomp_filter.c: the syscall filter
 * ------------------------------------------------------------------- */

/* (filled in by seccomp_filter.c) */

/* ---------------------------------------------------------------------
 * landlock.c: the Landlock fence
 * ------------------------------------------------------------------- */

/* (filled in by landlock.c) */

/* ---------------------------------------------------------------------
 * policy.c: network policy grammar and matching
 * ------------------------------------------------------------------- */

/* (filled in by policy.c) */

/* ---------------------------------------------------------------------
 * tls.c, http.c, dns.c: wire formats from inside the jail
 * ------------------------------------------------------------------- */

/* (filled in by tls.c, http.c, dns.c) */

/* ---------------------------------------------------------------------
 * audit.c: the audit log
 * ------------------------------------------------------------------- */

/* (filled in by audit.c) */

/* ---------------------------------------------------------------------
 * fwd.c: the forwarder
 * ------------------------------------------------------------------- */

/* (filled in by fwd.c) */

#endif /* JAIL_H */

/* SPDX-License-Identifier: MIT */
/*
 * jail.h - what every module shares: the configuration and the run's host
 * resources, helpers, the mount view's interface, the audit log (the
 * setup steps' interfaces are in setup.h)
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
#include <sys/socket.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <termios.h>
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

/* Prefix every message with "@prefix: " (a policy file and line), or NULL */
void die_set_prefix(const char *prefix);

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

/* mkdir -p @path with @mode for the directories it creates. Return: 0/-errno */
int mkdir_parents(const char *path, mode_t mode);

/* Write all of @buf to @fd, retrying on EINTR. Return: 0 or -errno */
int write_all(int fd, const void *buf, size_t len);

/* Copy what @in holds to @out, at most @max bytes. Return: 0, -errno, or
 * -EFBIG when there is more (what was copied stays written) */
int copy_fd(int in, int out, uint64_t max);

#define STR_ASCII 1u	/* str_printable(): escape every non-ASCII character */

/**
 * str_printable() - Copy a string from inside a jail as text safe to show
 * @out:	destination, always NUL-terminated
 * @out_len:	its size
 * @in:		the string (untrusted); NULL is ""
 * @max_cp:	at most this many characters, then "..."; 0: no limit
 * @flags:	STR_ASCII, or 0
 *
 * The one escaper for what jail prints that came from inside (host
 * names, paths, commands, details): C0 controls, DEL and ill-formed UTF-8
 * become \xNN; 8-bit controls (U+0080..U+009F), bidi controls, line and
 * paragraph separators and BOM become \uNNNN; a backslash becomes "\\",
 * so an escape shown is never ambiguous. Nothing in the result can move
 * the cursor, recolour, retitle or reorder the terminal's text. Cut at a
 * character or escape boundary when @out is full.
 *
 * Return: the length of @out
 */
size_t str_printable(char *out, size_t out_len, const char *in, size_t max_cp,
		     unsigned int flags);

/*
 * openat2(2) of @path under @dirfd with @flags (O_CLOEXEC added) and
 * RESOLVE_* @resolve. Return: the descriptor, or -errno
 */
int openat2_fd(int dirfd, const char *path, int flags,
	       unsigned long long resolve);

/**
 * open_untrusted() - Open a file of a tree the jail could write, to read it
 * @dirfd:	the tree (resolved beneath it), or AT_FDCWD for an absolute
 *		path already made real (no symlink may be met either way)
 * @rel:	path of the file
 *
 * O_NONBLOCK|O_NOFOLLOW and RESOLVE_NO_SYMLINKS, then a type check: a FIFO
 * or a device never blocks the caller, a symlink is never followed.
 *
 * Return: descriptor of a regular file, or -errno (-EINVAL: not regular)
 */
int open_untrusted(int dirfd, const char *rel);

/**
 * read_untrusted() - Read a small file of a tree the jail could write
 * @dirfd, @rel:	as open_untrusted()
 * @buf:		destination, NUL-terminated
 * @size:		size of @buf; more than @size - 1 bytes is -EFBIG
 *
 * Return: bytes read, or -errno
 */
ssize_t read_untrusted(int dirfd, const char *rel, char *buf, size_t size);

/* As read_untrusted(), but the first @size - 1 bytes of a larger file */
ssize_t read_untrusted_head(int dirfd, const char *rel, char *buf,
			    size_t size);

/* Up to @size bytes of @fd into @buf (EINTR retried, stops at EOF).
 * Return: bytes read, or -errno */
ssize_t read_bounded(int fd, char *buf, size_t size);

/* The most descriptors one message of recv_fds() carries */
#define RECV_FDS_MAX 64

/*
 * recv_fds() - One message from @sock with the descriptors it carries
 * (close-on-exec): its bytes into @buf (@len at most), up to @max_fd
 * descriptors into @fds (the rest closed), their count into *@n_fd.
 * @flags: recvmsg()'s (MSG_DONTWAIT). A message whose bytes or
 * descriptors were cut short keeps none (*@n_fd 0).
 * Return: the message's length (0: the peer is gone), or -errno
 */
ssize_t recv_fds(int sock, void *buf, size_t len, int *fds, size_t max_fd,
		 size_t *n_fd, int flags);

/*
 * Length of the well-formed UTF-8 sequence at @p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if there is none
 */
size_t utf8_len(const uint8_t *p, size_t left);

/* The value of hex digit @c (either case), or -1 */
int hex_digit(int c);

/**
 * str_distance() - Edit distance between two short words
 * @a:		a word of at most 63 bytes
 * @b:		another
 *
 * Levenshtein distance (insert, delete, replace one byte); for a word
 * longer than 63 bytes the result is 64. Used to suggest the option or
 * subcommand a person meant.
 *
 * Return: the distance, at most 64
 */
size_t str_distance(const char *a, const char *b);

/* An environment variable's name: [A-Za-z_][A-Za-z0-9_]*, not empty */
bool env_name_valid(const char *s, size_t len);

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
 * Configuration (config/ produces it; nothing changes it afterwards)
 * ------------------------------------------------------------------- */

#define JAIL_MAX_MOUNTS 256
#define JAIL_MAX_ENV 128
#define JAIL_MAX_FDS 32
#define JAIL_MAX_RULES 256
#define JAIL_MAX_QUIET 32
#define JAIL_MAX_HOLD_PUSH 16
#define JAIL_MAX_PUBLISH 16	/* --publish entries */
/* Published connections open at once: each holds one of as many sockets
 * made in the gateway's namespace at setup (fwd/publish.c) */
#define JAIL_PUBLISH_CONNS 256
#define JAIL_ASK_TIMEOUT_DEFAULT 60	/* seconds */
#define JAIL_NET_IDLE_DEFAULT 600	/* seconds a spliced connection idles */
#define JAIL_LOG_MAX_DEFAULT (16ULL << 20)	/* audit log bytes per run */

enum mount_kind {
	MOUNT_RO,     /* --ro, --ro-try */
	MOUNT_RW,     /* --rw, --rw-try */
	MOUNT_HIDE,   /* --hide */
	MOUNT_TMPFS,  /* --tmpfs */
	MOUNT_PROTECT, /* --protect */
	MOUNT_COPY,   /* a throwaway copy of a host file (profiles) */
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
	bool is_gitdir;	/* a worktree's git dir outside the project */
	const char *why;	/* --explain's reason, or NULL */
	bool is_private;	/* tmpfs over a placeholder (placeholder.c) */
	enum origin origin;
	const char *where;	/* "FILE:LINE" of a policy file, or NULL */
};

/* --review[=MODE] */
enum review_mode {
	REVIEW_OFF,	/* the project is bound read-write */
	REVIEW_ASK,	/* --review: summary, then ask on the terminal */
	REVIEW_KEEP,	/* --review=keep: kept for jail review ID */
	REVIEW_PATCH,	/* --review=patch:FILE */
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
	const char *where;	/* "FILE:LINE" of a policy file, or NULL */
};

/* One --publish [HOSTPORT:]PORT */
struct publish_req {
	uint16_t host_port;	/* the host's 127.0.0.1:HOSTPORT */
	uint16_t port;		/* TCP PORT on the jail's address */
	const char *where;	/* --explain: "FILE:LINE" or "option" */
};

struct rlimit_req {
	int resource;		/* RLIMIT_* */
	unsigned long long value; /* soft and hard limit; RLIM_INFINITY */
};

#define JAIL_MAX_RLIMITS 16

struct env_req {
	char *name;
	char *value;	/* NULL: pass the host's value */
	enum origin origin;
	const char *where;	/* "FILE:LINE" of a policy file, or NULL */
};

/* ---- secrets (secrets.c) ---- */
#define JAIL_MAX_SECRETS 16
#define SECRETS_VALUE_MAX 4096		/* bytes of a value, NUL excluded */
#define SECRETS_VALUE_MIN 8		/* bytes of a value, at least */
#define SECRETS_HOSTS_MAX 8		/* hosts a secret is bound to */
#define SECRETS_PLACEHOLDER_MAX SECRETS_VALUE_MAX /* as long as any value */

#define SECRETS_SCOPE_MAX 8		/* methods, and path prefixes, a scope */
#define SECRETS_SCOPE_PATH_MAX 256	/* bytes of a path prefix, NUL included */

/* Where on its hosts a secret may go (an empty list: any) */
struct secret_scope {
	char methods[SECRETS_SCOPE_MAX][16];
	size_t n_methods;
	char paths[SECRETS_SCOPE_MAX][SECRETS_SCOPE_PATH_MAX];
	size_t n_paths;
};

/* One --secret */
struct secret_req {
	char *name;		/* environment variable inside and outside */
	char *file;		/* NAME=@FILE: read from FILE, else NULL */
	char hosts[SECRETS_HOSTS_MAX][256];	/* normalised host names */
	size_t n_hosts;
	struct secret_scope scope;	/* ";methods=...;paths=..." */
	enum origin origin;
};

struct jail_config {
	char *const *argv;	/* COMMAND and its arguments */
	char *cmd_path;		/* COMMAND resolved on the host PATH, or NULL */

	char *project;		/* absolute project directory */
	char *cwd;		/* absolute current directory, kept inside */
	char *home;		/* $HOME path inside (same as outside) */
	char *home_src;		/* --home DIR: persistent host dir, or NULL */
	char *gitdir_why;	/* why the .git file's git dir is bound */
	bool no_git_config;	/* --no-git-config */
	bool no_toolchains;	/* --no-toolchains */
	const char *allow_private_where;	/* --explain: who set it */
	const char *net_where;			/* --explain: who set --net */
	char *gitconfig;	/* the jail's ~/.gitconfig (config/gitident.c),
				 * or NULL */
	char *gitconfig_keys;	/* its keys, for --explain */
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
	/* Profiles: what the agent reaches for in the background; --ask
	 * denies these without asking (an allow still wins) */
	struct net_rule quiet[JAIL_MAX_QUIET];
	size_t n_quiet;
	bool allow_private;
	uint16_t host_ports[16];	/* --allow-host-port */
	size_t n_host_ports;
	struct publish_req publish[JAIL_MAX_PUBLISH];	/* --publish */
	size_t n_publish;
	bool no_upstream_proxy;
	bool ipv6;			/* the jail gets IPv6 (not yet) */

	unsigned long long timeout_ms;	/* 0: none */
	struct rlimit_req rlimits[JAIL_MAX_RLIMITS];
	size_t n_rlimits;
	unsigned long long memory_max;	/* --memory bytes, 0: none */
	unsigned long long pids_max;	/* --pids, 0: none */
	unsigned long long cpu_max_pct;	/* --cpus * 100, 0: none */
	bool seccomp_log;
	bool no_exec_log;		/* --no-exec-log: no exec events */
	bool explain;
	bool help;		/* --help: print the usage, run nothing */
	bool is_tty;			/* stdin is a terminal: use a pty */
	unsigned int tty_allow;		/* --tty-allow: TTY_ALLOW_* bits */
	enum origin tty_allow_origin;	/* ... where the last one came from */
	bool ask;			/* --ask: undecided names are asked */
	const char *profile;		/* agent profile applied, or NULL */
	char *files[4];			/* policy files read, in order */
	size_t n_files;
	char *log_path;			/* --log FILE, or NULL */
	char id[17];			/* jail ID, hex */
	struct secret_req secrets[JAIL_MAX_SECRETS];	/* --secret */
	size_t n_secrets;
	unsigned long long ask_timeout;	/* --ask-timeout seconds */
	unsigned long long net_idle_timeout;	/* --net-idle-timeout seconds */
	unsigned long long max_connections;	/* --max-connections */
	unsigned long long log_max;		/* --log-max bytes */
	char *approve_cmd;		/* --approve-cmd CMD, or NULL */
	char hold_push[JAIL_MAX_HOLD_PUSH][256];	/* --hold-push, normalised */
	size_t n_hold_push;
	enum review_mode review;	/* --review */
	char *review_patch;		/* --review=patch:FILE, absolute */
	struct gitguard *git;		/* the git dirs kept private (gitguard.c),
					 * NULL under --review */
	struct gitguard *git_review;	/* under --review: the same list, for
					 * the exit walk of the --rw trees */
};

/*
 * What one run opened on the host for itself, beside the configuration it
 * was made from: jail.c's open_host_resources() and the audit log's
 * opening fill it once, before the jail starts. The configuration stays
 * what the user asked for (config_load() is its only writer).
 */
struct jail_run {
	const struct jail_config *cfg;
	char *log_path;		/* --log, or the default (record.c) */
	int log_fd;		/* open O_APPEND on @log_path, or -1 */
	/* With secrets or --hold-push: the host's CA bundle, and a memfd
	 * that gets it and the jail CA's certificate (secrets_make_ca());
	 * else NULL, -1 */
	const char *ca_bundle_path;
	int ca_bundle_fd;
	char *review_dir;	/* --review: the review's state directory */
	/* --publish: the listeners on the host's 127.0.0.1, in the order
	 * of cfg->publish (fwd_publish_listen()); -1 until then */
	int publish_fd[JAIL_MAX_PUBLISH];
	/* --secret, in the order of cfg->secrets (secrets_prepare()): what
	 * NAME holds inside, made fresh for every jail, and the real value,
	 * in the supervisor's wipe-on-fork vault (every forked or cloned
	 * process sees zeros there; the forwarder's copy comes from
	 * secrets_reveal()) */
	char secret_placeholder[JAIL_MAX_SECRETS][SECRETS_PLACEHOLDER_MAX + 1];
	const char *secret_value[JAIL_MAX_SECRETS];
};

/* ---------------------------------------------------------------------
 * fsview.c: the mount view
 * ------------------------------------------------------------------- */

/**
 * fsview_build() - Build the jail's root and pivot into it
 * @run:	the run (its configuration and host resources)
 * @w:		what to wait for on the way (struct fsview_waits)
 *
 * Context: command child, in the jail's user, mount and pid namespaces
 * Must: open every source before anything is mounted over it
 * Must not: create or modify anything on the host filesystem
 *
 * @priv_fd:	GITGUARD_MAX_FDS slots: the descriptors of the private
 *		tmpfs mounts over placeholders (placeholder.c), in the
 *		order of the configuration (the private git dirs' go to
 *		the supervisor first, through @w->private_git)
 *
 * Return: number of descriptors in @priv_fd
 */
/*
 * The steps of fsview_build() that wait for another process: each hook is
 * NULL or called with @arg at that point
 */
struct fsview_waits {
	/* Right before /sys, the view's last mount unless a mount lies below
	 * it: a fresh sysfs shows the network namespace of the process that
	 * mounts it */
	void (*before_sys)(void *arg);
	/* Before the project, the home and the user's mounts: the host's
	 * placeholders, which they bind, must exist */
	void (*before_binds)(void *arg);
	/* The private git dirs' new tmpfs mounts (gitguard_new_private()),
	 * before the view is built: the supervisor fills in the copies */
	void (*private_git)(void *arg, const int *fd, size_t n);
	void *arg;
};

int fsview_build(const struct jail_run *run, const struct fsview_waits *w,
		 int *priv_fd);

/* Project-relative paths protected by default (SPEC "Filesystem view") */
extern const char *const fsview_default_protect[];
extern const char *const fsview_default_protect_why[];
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
 * audit.c: the audit log
 * ------------------------------------------------------------------- */

struct timespec;

#define AUDIT_LINE_MAX 4096	/* one event, newline and NUL included */
#define AUDIT_VALUE_MAX 512	/* string values are cut here, "..." added */
#define AUDIT_EVENT_MAX_FIELDS 16	/* fields besides ts, jail and event */

enum audit_type {
	AUDIT_STR,
	AUDIT_INT,
};

/* One "key":value member of an event; a NULL @s leaves it out */
struct audit_field {
	const char *key;
	enum audit_type type;
	const char *s;
	long long i;
};

/* "ts", "jail" and "event" are every event's own; no field may use them */
static inline bool audit_is_reserved_key(const char *key)
{
	return !strcmp(key, "ts") || !strcmp(key, "jail") ||
	       !strcmp(key, "event");
}

#define AF_STR(k, v)                                                           \
	((struct audit_field){ .key = (k), .type = AUDIT_STR, .s = (v) })
#define AF_INT(k, v)                                                           \
	((struct audit_field){ .key = (k),                                    \
			       .type = AUDIT_INT,                              \
			       .i = (long long)(v) })

/**
 * audit_format() - Format one audit event as a JSON line
 * @out:	buffer (AUDIT_LINE_MAX is what audit_write() uses)
 * @out_len:	its size
 * @ts:		time of the event, printed in UTC with milliseconds
 * @id:		jail ID
 * @event:	event name ("net.deny", ...)
 * @f:		@n fields, in order; keys unique and none of "ts", "jail",
 *		"event"
 * @n:		number of fields, at most AUDIT_EVENT_MAX_FIELDS
 *
 * Produces {"ts":"2026-11-22T05:00:00.123Z","jail":"ID","event":"EVENT",
 * ...}\n. Strings may hold anything (they often come from the jail): '"'
 * and '\' are escaped, control characters and DEL become \u00XX, U+2028/9
 * become \u2028/9, bytes that are not well-formed UTF-8 become \ufffd,
 * and a string longer than AUDIT_VALUE_MAX bytes is cut (on a character
 * boundary) and ends in "...".
 *
 * Return: length without the NUL, -E2BIG (does not fit @out_len, or more
 * than AUDIT_EVENT_MAX_FIELDS fields) or -EINVAL (bad field key or type)
 */
int audit_format(char *out, size_t out_len, const struct timespec *ts,
		 const char *id, const char *event,
		 const struct audit_field *f, size_t n);

/**
 * audit_set_max() - Bound the audit log's size for this run
 * @fd:		the log; what it holds already does not count
 * @max:	bytes; 0 for no bound
 *
 * Every audit_write() after it, in this process and in those it forks,
 * keeps the log's file below @max: past it, one log.truncated event,
 * then only the exit event.
 */
void audit_set_max(int fd, unsigned long long max);

/**
 * audit_write() - Append one event to the audit log
 * @fd:		the log, opened by audit_open() (O_APPEND)
 * @id:		jail ID
 * @event:	event name
 * @f:		fields, see audit_format()
 * @n:		number of fields
 *
 * Stamps the event with CLOCK_REALTIME and writes it with one write(), so
 * lines from several processes never interleave. An event too big for
 * AUDIT_LINE_MAX is written with shorter values, or failing that with
 * only "truncated":1, rather than lost.
 *
 * Context: any process holding the log fd; does not allocate
 * Return: 0 or negative errno (-EIO for a short write)
 */
int audit_write(int fd, const char *id, const char *event,
		const struct audit_field *f, size_t n);

/**
 * audit_open() - Open the audit log for appending, creating it
 * @path:	log file; missing parent directories are created (0700)
 *
 * The file is opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC|O_NOFOLLOW,
 * created 0600; a FIFO at @path makes it fail instead of blocking.
 *
 * Context: setup, before anything is sandboxed
 * Return: fd or negative errno
 */
int audit_open(const char *path);

#endif /* JAIL_H */

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
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

struct sock_filter;

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

/*
 * openat2(2) of @path under @dirfd with @flags (O_CLOEXEC added) and
 * RESOLVE_* @resolve. Return: the descriptor, or -errno
 */
int openat2_fd(int dirfd, const char *path, int flags,
	       unsigned long long resolve);

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
#define JAIL_MAX_HOLD_PUSH 16
#define JAIL_ASK_TIMEOUT_DEFAULT 60	/* seconds */

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
};

struct rlimit_req {
	int resource;		/* RLIMIT_* */
	unsigned long long value; /* soft and hard limit; RLIM_INFINITY */
};

#define JAIL_MAX_RLIMITS 16

struct env_req {
	char *name;
	char *value;	/* NULL: pass the host's value */
};

/* ---- secrets (secrets.c) ---- */
#define JAIL_MAX_SECRETS 16
#define SECRETS_VALUE_MAX 4096		/* bytes of a value, NUL excluded */
#define SECRETS_HOSTS_MAX 8		/* hosts a secret is bound to */
#define SECRETS_PLACEHOLDER_MAX 200	/* placeholder bytes, NUL excluded */
#define SECRETS_RANDOM_MIN 32		/* random characters, at least */
/* "HOST.jail.internal": the broker name of a bound HOST (plain HTTP) */
#define SECRETS_BROKER_SUFFIX ".jail.internal"
/* The address the jail's resolver gives every broker name (TEST-NET-1:
 * never a real destination; the gateway redirects every TCP connection) */
#define SECRETS_BROKER_IP4 "192.0.2.1"

/* One --secret */
struct secret_req {
	char *name;		/* environment variable inside and outside */
	char *file;		/* NAME=@FILE: read from FILE, else NULL */
	char hosts[SECRETS_HOSTS_MAX][256];	/* normalised host names */
	size_t n_hosts;
	/* What NAME holds inside: made fresh for every jail */
	char placeholder[SECRETS_PLACEHOLDER_MAX + 1];
	/* The real value, in the supervisor's wipe-on-fork vault: every
	 * forked or cloned process sees zeros there (secrets_reveal()) */
	const char *value;
	enum origin origin;
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
	uint16_t host_ports[16];	/* --allow-host-port */
	size_t n_host_ports;
	bool no_upstream_proxy;
	bool ipv6;			/* the jail gets IPv6 (not yet) */

	unsigned long long timeout_ms;	/* 0: none */
	struct rlimit_req rlimits[JAIL_MAX_RLIMITS];
	size_t n_rlimits;
	unsigned long long memory_max;	/* --memory bytes, 0: none */
	unsigned long long pids_max;	/* --pids, 0: none */
	unsigned long long cpu_max_pct;	/* --cpus * 100, 0: none */
	bool seccomp_log;
	bool explain;
	bool is_tty;			/* stdin is a terminal: use a pty */
	bool ask;			/* --ask: undecided names are asked */
	const char *profile;		/* agent profile applied, or NULL */
	char *files[4];			/* policy files read, in order */
	size_t n_files;
	char *log_path;			/* audit log file */
	int log_fd;			/* open O_APPEND on @log_path */
	char id[17];			/* jail ID, hex */
	struct secret_req secrets[JAIL_MAX_SECRETS];	/* --secret */
	size_t n_secrets;
	/* With secrets or --hold-push: the host's CA bundle, and a memfd
	 * that gets it and the jail CA's certificate (secrets_make_ca());
	 * else NULL, -1 */
	const char *ca_bundle_path;
	int ca_bundle_fd;
	unsigned long long ask_timeout;	/* --ask-timeout seconds */
	char *approve_cmd;		/* --approve-cmd CMD, or NULL */
	char hold_push[JAIL_MAX_HOLD_PUSH][256];	/* --hold-push, normalised */
	size_t n_hold_push;
	enum review_mode review;	/* --review */
	char *review_patch;		/* --review=patch:FILE, absolute */
	char *review_dir;		/* the review's state directory */
	struct gitguard *git;		/* the git dirs kept private (gitguard.c),
					 * NULL under --review */
};

/* ---------------------------------------------------------------------
 * init.c, initblob.c: pid 1 of the jail
 * ------------------------------------------------------------------- */

/* jail-init's main: exec'd as pid 1 with argv "jail-init CHILD RELEASE_FD" */
int init_main(int argc, char **argv);

/* The standalone jail-init program (a static ELF) inside this binary */
extern const unsigned char jail_init_elf[];
extern const unsigned char jail_init_elf_end[];

/* ---------------------------------------------------------------------
 * crypto.c: libcrypto, loaded on first use
 * ------------------------------------------------------------------- */

/* SHA-256 of @buf. Return: 0, -ENOENT (no libcrypto) or -EIO */
int crypto_sha256(const void *buf, size_t len, uint8_t out[32]);

/* Base64 of @in into @out, NUL-terminated. Return: length or -errno */
int crypto_base64(const void *in, size_t len, char *out, size_t out_len);

struct crypto_tls;

/**
 * crypto_tls_connect() - TLS client on a connected socket (libssl)
 * @fd:		blocking TCP socket; not taken over
 * @host:	server name: sent as SNI and verified against the
 *		certificate, which must chain to the host's trust store
 *		(OpenSSL's default paths)
 * @out:	the session; crypto_tls_free() it
 *
 * Offers TLS 1.2 and later, ALPN http/1.1 only. The handshake blocks;
 * afterwards @fd is non-blocking.
 *
 * Return: 0; -ENOENT (no libssl), -EPROTO (handshake or verification
 * failed: @why names the reason), or another negative errno
 */
int crypto_tls_connect(int fd, const char *host, struct crypto_tls **out,
		       char *why, size_t why_len);

/* Load libssl and the host's trust store for crypto_tls_connect() now,
 * e.g. before forking the processes that will connect. Return: 0/-errno */
int crypto_tls_client_init(void);

/* Return: bytes read, 0 at the end of the stream, -EAGAIN (nothing yet:
 * poll the socket) or -EIO */
ssize_t crypto_tls_read(struct crypto_tls *t, void *buf, size_t len);
/* Bytes already decrypted and not yet read */
size_t crypto_tls_pending(struct crypto_tls *t);
/* Write all of @buf, waiting for the socket as needed. Return: 0/-EIO */
int crypto_tls_write(struct crypto_tls *t, const void *buf, size_t len);
/* Send close_notify and free the session; NULL is fine */
void crypto_tls_free(struct crypto_tls *t);
/* Send close_notify, keep the session for reading */
void crypto_tls_close_notify(struct crypto_tls *t);

struct crypto_ca;
struct crypto_leaf;

/**
 * crypto_ca_new() - A fresh certificate authority (libcrypto)
 * @names:	host names it may sign for (a critical nameConstraints
 *		extension permits these and their subdomains only)
 * @n:		how many
 * @cn:		its subject's common name
 * @out:	the CA, key included; it stays in this process's memory
 *		(and that of processes forked from it), never in a file
 * @pem:	its certificate in PEM, caller frees
 *
 * An ECDSA P-256 key and a self-signed certificate (CA:TRUE, pathlen 0,
 * keyCertSign), valid from an hour ago for 30 days.
 *
 * Return: 0, -ENOENT (no libcrypto/libssl) or -EIO
 */
int crypto_ca_new(const char *const *names, size_t n, const char *cn,
		  struct crypto_ca **out, char **pem);

/* Free @ca and clear its keys; NULL is fine */
void crypto_ca_free(struct crypto_ca *ca);

/**
 * crypto_leaf_new() - A server certificate for @name, signed by @ca
 * @ca:		from crypto_ca_new(); its one leaf key is made on first use
 * @name:	the server name (subjectAltName DNS:@name)
 * @out:	a TLS server context presenting it, kept for the process's
 *		life; ALPN: http/1.1 when the client offers it, else none
 *
 * Return: 0, -ENOENT or -EIO
 */
int crypto_leaf_new(struct crypto_ca *ca, const char *name,
		    struct crypto_leaf **out);

/**
 * crypto_tls_accept() - TLS server on a connected socket with @leaf
 * @fd:		blocking TCP socket; not taken over
 *
 * The handshake blocks; afterwards @fd is non-blocking and the session
 * works with crypto_tls_read() and the rest.
 *
 * Return: 0; -EPROTO (handshake failed) or another negative errno
 */
int crypto_tls_accept(int fd, const struct crypto_leaf *leaf,
		      struct crypto_tls **out, char *why, size_t why_len);

/* ---------------------------------------------------------------------
 * config.c: command line, policy files, trust, profiles, --explain
 * ------------------------------------------------------------------- */

/**
 * config_load() - Build the configuration from files and the command line
 *
 * Context: supervisor, before anything is created
 * Must: leave every problem as one error line and exit 125
 */
void config_load(struct jail_config *cfg, int argc, char **argv);

/* Print the resolved policy (--explain) */
void config_explain(const struct jail_config *cfg);

/* `jail trust [FILE]`: record FILE's SHA-256 in the trust store */
int config_trust_main(int argc, char **argv);

/* The host user's home directory (dies when there is none) */
const char *config_host_home(void);

/*
 * jail_runtime_dir() - Where running jails register (jail.c), caller frees
 *
 * $XDG_RUNTIME_DIR/jail, else $XDG_STATE_HOME/jail/run, else
 * ~/.local/state/jail/run. Each running jail has ID.run there: one line in
 * the audit format with event "run" and fields pid (the supervisor),
 * command, project and log; it is removed when the jail ends.
 */
char *jail_runtime_dir(void);

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
 * logview.c: jail log and jail ps
 * ------------------------------------------------------------------- */

struct audit_event;

/*
 * Fields of net.allow that logview.c shows as bytes up (sent from the
 * jail) and down (received): "bytes_up" and "bytes_down".
 */

/**
 * logview_log_main() - `jail log [--json] [ID|FILE]`
 * @argc:	argument count
 * @argv:	arguments; @argv[0] is "log"
 *
 * ID is a jail ID, or the start of one, with a log in
 * $XDG_STATE_HOME/jail/log (else ~/.local/state/jail/log); FILE is a path,
 * "-" standard input; with neither, the newest log there. Prints one line
 * per event (local time, event, where, decision and reason, bytes of
 * net.allow), then totals; a line that does not parse is shown as
 * "(unreadable line N)" and counted. --json copies the file unchanged.
 *
 * Context: the user's shell, outside any jail; reads only
 * Return: exit status: 0, or 125 after one "jail: ..." line
 */
int logview_log_main(int argc, char **argv);

/**
 * logview_ps_main() - `jail ps`: the user's running jails
 * @argc:	argument count
 * @argv:	arguments; @argv[0] is "ps"
 *
 * Lists each ID.run of the registry (see jail_runtime_dir()) whose
 * supervisor is still alive: ID, PID, STARTED, COMMAND, and the number of
 * net.allow and of *.deny/secret.leak events of that jail in its log. An
 * entry whose pid is gone, or now belongs to a later process, is stale:
 * it is skipped and its file removed.
 *
 * Return: exit status: 0, or 125 after one "jail: ..." line
 */
int logview_ps_main(int argc, char **argv);

/**
 * logview_render_event() - One audit event as a line for a person
 * @ev:		a parsed event; every string in it is untrusted
 * @out:	buffer; always NUL-terminated, without a newline
 * @out_len:	its size; 8 * AUDIT_LINE_MAX always holds a whole line
 *
 * Local time (HH:MM:SS.mmm), event, where (host:port, name, path or
 * syscall), the decision and its reason. Every value is escaped: no
 * control character, C1 control, bidi control or line separator reaches
 * @out, and a backslash is doubled. A line that does not fit is cut.
 *
 * Return: length of @out
 */
size_t logview_render_event(const struct audit_event *ev, char *out,
			    size_t out_len);

/* ---------------------------------------------------------------------
 * hints.c: why user namespaces are refused, and what to do
 * ------------------------------------------------------------------- */

/* What the host shows about user namespaces; -1: absent or unreadable */
struct hints_userns {
	int err;			/* errno of clone(CLONE_NEWUSER) */
	bool is_root;			/* effective uid 0 */
	long long max_user_namespaces;	/* /proc/sys/user/max_... */
	long long unprivileged_userns_clone; /* Debian's kernel sysctl */
	long long apparmor_restrict;	/* kernel.apparmor_restrict_unpr... */
	int seccomp_mode;		/* "Seccomp:" of /proc/self/status */
	bool in_container;		/* /.dockerenv, /run/.containerenv, or
					 * a container engine in
					 * /proc/1/cgroup */
	bool in_jail;			/* JAIL=1 in the environment */
};

/* Gather @h for a clone() that failed with @err; reads /proc only */
void hints_userns_facts(struct hints_userns *h, int err);

/**
 * hints_userns_choose() - The hint for a refused user namespace
 * @h:		facts from hints_userns_facts()
 *
 * Pure. In order: user.max_user_namespaces 0, the limit reached (ENOSPC),
 * kernel.unprivileged_userns_clone 0, a jail inside a jail, a container's
 * seccomp profile, AppArmor's restriction (Ubuntu 23.10 and later), any
 * other seccomp filter.
 *
 * Return: one line (what to run, which flag), static; NULL when none of
 * these applies
 */
const char *hints_userns_choose(const struct hints_userns *h);

/**
 * hints_userns_refusal() - hints_userns_choose() for this host
 * @err:	errno of the failed clone(CLONE_NEWUSER), or of the first
 *		setup step that failed with EPERM in the new namespace (under
 *		AppArmor's restriction clone() succeeds, and the namespace
 *		then has no capabilities)
 *
 * Return: the hint, static, or NULL
 */
const char *hints_userns_refusal(int err);

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
 * @before_sys:	NULL, or called right before /sys is mounted: a fresh sysfs
 *		shows the network namespace of the process that mounts it
 * @arg:	passed to @before_sys
 *
 * Context: command child, in the jail's user, mount and pid namespaces
 * Must: open every source before anything is mounted over it
 * Must not: create or modify anything on the host filesystem
 *
 * @git_fd:	GITGUARD_MAX_FDS slots: the private git dirs' tmpfs
 *		descriptors (gitguard.c), for the supervisor's copy-back,
 *		then those of the private tmpfs mounts over placeholders
 *		(placeholder.c), in the order of the configuration
 *
 * Return: number of descriptors in @git_fd
 */
int fsview_build(const struct jail_config *cfg, void (*before_sys)(void *),
		 void *arg, int *git_fd);

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
struct placeholders;

/**
 * placeholders_make() - Keep absent protected paths from being created
 * @cfg:	validated configuration
 *
 * Context: supervisor, before the jail is cloned
 *
 * Return: what was made, for placeholders_remove()
 */
struct placeholders *placeholders_make(const struct jail_config *cfg);

/*
 * Remove the placeholders of runs whose supervisor was killed. Context:
 * supervisor, before the configuration is read (a placeholder left in
 * the project, an empty .jail.conf, would be read as the project's file)
 */
void placeholders_clean_stale(void);

/*
 * At exit: remove what placeholders_make() made, if still untouched, and
 * say which private tmpfs (@priv_fd, @n_priv: from fsview_build()) the
 * command wrote to
 */
void placeholders_remove(const struct jail_config *cfg,
			 struct placeholders *p, const int *priv_fd,
			 size_t n_priv);

size_t fsview_writable(const struct jail_config *cfg, const char **out,
		       size_t max);

/* ---------------------------------------------------------------------
 * profiles.c: built-in agent profiles (data)
 * ------------------------------------------------------------------- */

enum profile_kind {
	PROF_RW_TRY,	/* as --rw-try */
	PROF_RO_TRY,	/* as --ro-try */
	PROF_PROTECT,	/* as --protect (skipped when absent) */
	PROF_PRIVATE,	/* as --protect; when absent, a private tmpfs that
			 * is discarded at exit (the agent writes there) */
	PROF_COPY,	/* a throwaway copy in the jail's $HOME */
	PROF_ALLOW,	/* as --allow */
	PROF_ENV,	/* as --env */
	PROF_SECRET,	/* as --secret, when the host has NAME set; then
			 * @env too (the client's base URL) */
};

struct profile_entry {
	enum profile_kind kind;
	const char *value;
	const char *env;	/* PROF_SECRET: "NAME=VALUE" to set with it */
};

struct profile {
	const char *name;	/* also COMMAND's basename that selects it */
	const char *doc;
	const struct profile_entry *e;
	size_t n;
};

/* Return: the built-in profile @name, or NULL */
const struct profile *profile_find(const char *name);
/* Return: the @i-th built-in profile, or NULL past the last */
const struct profile *profile_at(size_t i);

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

/**
 * netns_create_veth() - Create the veth pair between G and J
 * @jail_netns_fd:	fd of J (/proc/PID/ns/net of the command child after
 *			its unshare(CLONE_NEWUSER | CLONE_NEWNET))
 *
 * Creates NETNS_GW_IF in the current namespace with its peer
 * NETNS_JAIL_IF created directly inside J. Both are down, without
 * addresses.
 *
 * Context: setup child (pid 1), in G, with CAP_NET_ADMIN over G and over
 * J's user namespace (true for the parent of J's user namespace)
 * Return: 0 or negative errno
 */
int netns_create_veth(int jail_netns_fd);

/**
 * netns_config_gateway() - Addresses and links of G
 * @proc_fd:	a directory descriptor of a writable procfs (its
 *		/proc/sys/net shows the caller's current netns)
 * @ipv6:	give the jail IPv6; without it NETNS_GW_IF gets no IPv6
 *		address at all (disable_ipv6 is set before the link is up)
 *
 * lo up; JAIL_GATEWAY_IP4/30 (and NETNS_GATEWAY_IP6/64) on NETNS_GW_IF;
 * NETNS_GW_IF up.
 *
 * Context: setup child, in G, after netns_create_veth()
 * Must not: run in any other namespace (it writes G's own sysctl)
 * Return: 0 or negative errno
 */
int netns_config_gateway(int proc_fd, bool ipv6);

/**
 * netns_config_jail() - Addresses, links and routes of J
 * @proc_fd:	as for netns_config_gateway()
 * @ipv6:	as for netns_config_gateway(); both must agree
 *
 * lo up; JAIL_JAIL_IP4/30 (and NETNS_JAIL_IP6/64) on NETNS_JAIL_IF, up;
 * default route via JAIL_GATEWAY_IP4 (and NETNS_GATEWAY_IP6). Without
 * @ipv6, NETNS_JAIL_IF has no IPv6 address at all and there is no IPv6
 * route: IPv6 connects fail with ENETUNREACH.
 *
 * Context: in J, with CAP_NET_ADMIN over J: the setup child after
 * setns(J), once netns_create_veth() has run
 * Return: 0 or negative errno
 */
int netns_config_jail(int proc_fd, bool ipv6);

/**
 * netns_install_rules() - Load the gateway's nftables rules (libnftables)
 * @tcp_port:	port of the forwarder's TCP listeners in G
 * @dns_port:	port of the resolver's UDP sockets in G
 * @ipv6:	as for netns_config_gateway() (one inet table covers both)
 *
 * One transaction: table inet jail, prerouting nat redirecting TCP to
 * @tcp_port and UDP port 53 to @dns_port, other UDP and ICMP echo to G
 * itself; input accepting only the redirected ports and replies,
 * rejecting the rest (TCP reset, ICMP administratively prohibited);
 * forward dropping everything. On failure, @why (@why_len bytes) holds
 * what libnftables said, or why it could not be loaded, or "".
 *
 * Context: a child of the setup child, in G, while the links are made:
 * the rules match NETNS_GW_IF by name, whether it exists yet or not
 * Return: 0 or negative errno (-EOPNOTSUPP: the kernel refused the rules)
 */
int netns_install_rules(uint16_t tcp_port, uint16_t dns_port, bool ipv6,
			char *why, size_t why_len);

/* The forwarder's sockets in G; -1 where absent */
struct netns_listeners {
	int tcp4_fd;	/* listening on JAIL_GATEWAY_IP4:tcp_port */
	int tcp6_fd;	/* NETNS_GATEWAY_IP6:tcp_port, IPv6 only */
	int udp4_fd;	/* DNS on JAIL_GATEWAY_IP4:dns_port */
	int udp6_fd;	/* DNS on NETNS_GATEWAY_IP6:dns_port */
	uint16_t tcp_port;
	uint16_t dns_port;
};

/**
 * netns_open_listeners() - Open the forwarder's sockets in G
 * @l:		result; every fd O_CLOEXEC and O_NONBLOCK, caller closes
 *		(netns_listeners_close())
 * @ipv6:	also open the IPv6 sockets
 *
 * Context: setup child, in G, after netns_config_gateway(); the fds then
 * go to the supervisor (SCM_RIGHTS) for the forwarder, which runs in the
 * host's namespace: the sockets stay in G
 * Return: 0 or negative errno (then every fd in @l is -1)
 */
int netns_open_listeners(struct netns_listeners *l, bool ipv6);

/* Close every fd in @l and set it to -1 */
void netns_listeners_close(struct netns_listeners *l);

/* ---------------------------------------------------------------------
 * seccomp_filter.c: the syscall filter
 * ------------------------------------------------------------------- */

/**
 * struct filter_denial - One call refused under --seccomp-log
 * @pid:	the caller, as the supervisor's pid namespace sees it
 * @nr:		syscall number (x86_64)
 * @name:	syscall name, or "syscall_NR" when libseccomp has none
 * @comm:	the caller's /proc/PID/comm, read while it was still blocked
 *		in the call (so it cannot be a recycled pid), or ""; chosen
 *		by the process (untrusted): escape it before printing
 */
struct filter_denial {
	pid_t pid;
	int nr;
	char name[64];
	char comm[16];
};

/**
 * filter_load() - Build the default syscall filter and load it
 * @cfg:	validated configuration; @cfg->seccomp_log turns every
 *		EPERM/EAFNOSUPPORT rule into a user notification
 * @notify_fd:	set to the notification listener (O_CLOEXEC) with
 *		--seccomp-log, else to -1; the caller owns it and must hand
 *		it to the supervisor before execve()
 *
 * Context: command child, the very last step before execve(): after
 * no_new_privs, after every capability was dropped, after stray fds were
 * closed and after landlock_restrict()
 * Must: fail closed; any libseccomp or kernel error is returned
 * Must not: be followed by anything but handing over @notify_fd and
 * execve(); with --seccomp-log a denied call blocks until answered
 *
 * Return: 0, or negative errno (the caller aborts with exit 125)
 */
int filter_load(const struct jail_config *cfg, int *notify_fd);

/* A filter built ahead of time: BPF instructions ready for seccomp() */
struct filter_prog {
	struct sock_filter *insns;	/* caller frees */
	unsigned short len;
	bool is_log;
};

/**
 * filter_prepare() - Build the default filter into a BPF program
 *
 * The expensive part of filter_load(), done early (in the command child
 * while pid 1 builds the view) so that filter_install() is one system call.
 *
 * Return: 0 or negative errno
 */
int filter_prepare(const struct jail_config *cfg, struct filter_prog *prog);

/**
 * filter_install() - Load a prepared filter into the calling thread
 * @notify_fd:	receives the --seccomp-log listener, or -1
 *
 * Context: the last step before execve(), with no_new_privs set
 * Return: 0 or negative errno
 */
int filter_install(const struct filter_prog *prog, int *notify_fd);

/**
 * filter_notify_handle() - Answer one pending --seccomp-log notification
 * @notify_fd:	listener from filter_load()
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

/* One line for --explain: the filter's rule count and ABI policy */
const char *filter_describe(void);

/* Socket families the jail may create; everything else is EAFNOSUPPORT */
static inline bool filter_family_allowed(uint64_t family)
{
	return family == AF_UNIX || family == AF_INET || family == AF_INET6 ||
	       family == AF_NETLINK;
}

/* ---- the filter carried in the binary (filterblob.c) ---- */

#define FILTER_NAMES_MAX 512	/* syscall numbers named in the table */

/**
 * struct filter_blob - One variant of the filter, compiled at build time
 * @insns:	its BPF program (struct sock_filter, 8 bytes each)
 * @len:	instructions
 * @n_rules:	libseccomp rules it was compiled from
 */
struct filter_blob {
	const struct sock_filter *insns;
	unsigned short len;
	unsigned int n_rules;
};

/* EPERM answers; user notifications instead (--seccomp-log) */
extern const struct filter_blob filter_blob_deny, filter_blob_log;
/* Audit arch of the native ABI the programs were compiled for */
extern const uint32_t filter_blob_arch;
/* Name of each native syscall number below FILTER_NAMES_MAX, or NULL */
extern const char *const filter_blob_names[FILTER_NAMES_MAX];

/* ---- seccomp_rules.c: the rules, with libseccomp (build time) ---- */

/**
 * filter_compile() - Compile the default filter's rules into BPF
 * @is_log:	denied calls notify the supervisor instead of failing
 * @prog:	filled in; caller frees @prog->insns
 * @n_rules:	set to the number of libseccomp rules
 *
 * Context: tools/filtergen.c at build time, and the unit tests; never
 * linked into jail itself
 * Return: 0 or negative errno
 */
int filter_compile(bool is_log, struct filter_prog *prog,
		   unsigned int *n_rules);

/* libseccomp's name of native syscall @nr (static buffer), or NULL */
const char *filter_syscall_name_of(int nr);

/* The native ABI's audit arch, as libseccomp sees it */
uint32_t filter_native_arch(void);

/* ---------------------------------------------------------------------
 * review.c: --review's changes: compared, listed, written, applied
 * ------------------------------------------------------------------- */

/* $XDG_STATE_HOME/jail/review, else ~/.local/state/jail/review; caller
 * frees. Each review is ID/ there: upper/, work/ and meta */
char *review_state_root(void);

/**
 * review_prepare() - Create the review's state directory
 * @cfg:	configuration with @cfg->review set; @cfg->review_dir is set
 *
 * Makes ID/ (0700, in a 0700 root owned by the user), its upper/ (with
 * the project's mode: the overlay's root shows it) and work/, and the
 * meta file (project, command, log, extra protected paths).
 *
 * Context: supervisor, after the log is open, before clone()
 * Must: die with one line on any failure
 */
void review_prepare(struct jail_config *cfg);

struct audit_field;

#define REVIEW_MAX_PROTECT (JAIL_MAX_MOUNTS + 32)

enum review_ftype {
	REVIEW_FT_NONE,		/* absent */
	REVIEW_FT_REG,
	REVIEW_FT_LNK,
	REVIEW_FT_DIR,
	REVIEW_FT_OTHER,	/* FIFO, socket, device: never applied */
};

/* One changed path; kind 'A' added, 'M' modified, 'D' deleted, '?' other */
struct review_change {
	char *path;		/* relative to the project */
	char kind;		/* 'A', 'M', 'D', '?' (never applied) */
	enum review_ftype old_t, new_t;
	unsigned int old_mode, new_mode;	/* permission bits */
	bool is_protected;
	bool is_quiet;		/* a directory with changes listed below */
	bool in_patch;		/* has a patch entry */
	size_t ins, del;
	bool is_binary;
};

/* A review: its state directory, meta, and the changes once scanned */
struct review {
	char *dir;		/* the state directory */
	char id[17];
	char *project;
	char *command;
	char *log;
	char *protect[REVIEW_MAX_PROTECT];	/* relative to the project */
	size_t n_protect;
	int upper_fd;		/* O_PATH directories */
	int project_fd;
	struct review_change *c;
	size_t n, cap;
	bool is_truncated;
	int log_fd;
	size_t n_add, n_mod, n_del, n_prot, n_other, n_binary, n_files;
	size_t ins, del;
};

/* The review's meta file into @r (@r->dir set). Return: 0 or -errno
 * (-EPERM: not the user's, or writable by others; -EBADMSG: malformed) */
int review_read_meta(struct review *r);

/* A directory of the user's, not a symlink, closed to others? 0/-errno */
int review_check_private_dir(const char *path);

/* Remove a review's state directory, whatever the command left in its
 * upper layer (any depth, any modes). Return: 0 or -errno */
int review_remove_state(const char *dir);

/* The names in directory @fd, unsorted; free with review_free_names() */
size_t review_list_dir(int fd, char ***out);
void review_free_names(char **v, size_t n);

/**
 * review_scan() - Compare the review's upper layer with its project
 * @r:		@r->dir, @r->project and @r->protect set; upper_fd and
 *		project_fd are opened here
 *
 * Fills @r->c (sorted by path, a deletion before an addition of the same
 * path) and the counts, and diffs every change a patch can carry for the
 * diffstat. The upper layer is untrusted: see review.c.
 *
 * Return: 0 or -errno
 */
int review_scan(struct review *r);

/* The summary on stderr: A/M/D/? lines, '!' for protected, diffstat */
void review_print_summary(const struct review *r);

/* Write the git patch of @r to @path ("-": stdout) through a temporary
 * file renamed over it. Return: 0 or -errno */
int review_write_patch(struct review *r, const char *path);

/**
 * review_apply() - Apply the scanned changes to the project
 * @r:			a scanned review
 * @with_protected:	apply changes to protected paths too
 * @skipped:		set to the changes left out (protected, special)
 *
 * Through descriptors of the project, RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS, final components never followed; logs
 * review.apply. Return: the number of changes that failed
 */
size_t review_apply(struct review *r, bool with_protected, size_t *skipped);

/* Free what review_scan() and review_read_meta() allocated */
void review_free(struct review *r);

/* Log @event (the review's jail ID) when @r->log_fd is open */
void review_log(struct review *r, const char *event,
		const struct audit_field *f, size_t n);

/* Log "review" with the counts */
void review_log_counts(struct review *r);

/* Print @s with control bytes as '?' */
void review_put_safe(FILE *f, const char *s);

/* ---------------------------------------------------------------------
 * reviewcmd.c: --review at exit, and jail review
 * ------------------------------------------------------------------- */

/**
 * review_finish() - Summarise the run's changes and act on --review
 * @cfg:	validated configuration
 *
 * Prints the summary (A/M/D lines, protected paths marked '!', the
 * diffstat) and logs "review"; then, by mode: writes the patch
 * (review.patch) and removes the state; keeps it (review.keep); or asks
 * on the terminal: apply (review.apply), discard (review.discard) or
 * keep. Without a terminal --review keeps. No changes: the state goes.
 *
 * Context: supervisor, after the jail is gone and the terminal restored
 * Return: 0, or negative errno when the patch could not be written or an
 * apply failed (the state is then kept and the message says where)
 */
int review_finish(const struct jail_config *cfg);

/* die() during a run: remove an empty review, else say where it is */
void review_abandon(const struct jail_config *cfg);

/**
 * review_main() - `jail review [ID [apply [--protected] | discard |
 * patch FILE]]`
 *
 * Without ID: lists the kept reviews. ID (or a unique start of one):
 * shows the summary. Refuses a state directory or review not owned by
 * the user or open to others.
 *
 * Return: exit status: 0, or 125 after one "jail: ..." line
 */
int review_main(int argc, char **argv);

/* ---------------------------------------------------------------------
 * diff.c: git-style unified diffs (--review)
 * ------------------------------------------------------------------- */

#define DIFF_CONTEXT 3			/* lines of context around a change */
#define DIFF_MAX_LINES 500000		/* lines per side diffed line by line */
#define DIFF_MAX_COST 50000000ULL	/* Myers steps per file pair */

/* One side of a file: absent, or @len bytes with a git mode */
struct diff_blob {
	bool is_present;
	bool is_too_large;	/* not read (shown as a binary file) */
	unsigned int mode;	/* 0100644, 0100755 or 0120000 */
	const uint8_t *data;	/* a symlink's target for 0120000 */
	size_t len;
};

/* What diff_entry() found */
struct diff_stat {
	size_t insertions;
	size_t deletions;
	bool is_binary;		/* "Binary files ... differ": no hunks */
	bool is_too_large;	/* more than DIFF_MAX_LINES lines */
	bool is_coarse;		/* the cost bound cut the search short */
};

/* Where diff_entry() writes; @write returns 0 or a negative errno */
struct diff_sink {
	int (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

/* Lines in @p as a diff counts them (a last line without "\n" counts) */
size_t diff_count_lines(const uint8_t *p, size_t len);

/* git's rule: a NUL in the first 8000 bytes makes a file binary */
bool diff_is_binary(const uint8_t *p, size_t len);

/* Bytes of work area diff_entry() needs for @na and @nb lines, 0 when
 * either is over DIFF_MAX_LINES */
size_t diff_work_size(size_t na, size_t nb);

/**
 * diff_entry() - One file's entry of a git-style patch
 * @path:	path relative to the project, at most 4096 bytes; quoted as
 *		git quotes names (C escapes in double quotes) when it holds
 *		a control character, '"', '\\' or a byte >= 0x7f
 * @old:	the project's side (absent: a new file)
 * @new:	the changed side (absent: a deleted file); both untrusted
 * @work:	work area of diff_work_size(lines of @old, lines of @new)
 *		bytes, suitably aligned (malloc'ed)
 * @work_len:	its size
 * @sink:	receives the text
 * @st:		insertions, deletions, and whether the entry is binary
 *
 * Pure. Writes "diff --git a/P b/P", then "new file mode M", "deleted
 * file mode M" or "old mode M"/"new mode M", then "--- a/P", "+++ b/P"
 * ("/dev/null" for an absent side) and the hunks: DIFF_CONTEXT lines of
 * context, changes closer than twice that merged, "\\ No newline at end
 * of file" after a last line without one. A side with a NUL in its first
 * 8000 bytes, marked too large, or over DIFF_MAX_LINES lines gives
 * "Binary files a/P and b/P differ" instead of hunks. Identical sides
 * write nothing. Time is bounded by DIFF_MAX_COST comparisons: past it
 * the rest of the file is diffed coarsely (still a correct patch).
 *
 * Return: 0; -EINVAL (both absent, bad path), -ENOMEM (@work_len too
 * small) or the sink's error
 */
int diff_entry(const char *path, const struct diff_blob *old,
	       const struct diff_blob *new, void *work, size_t work_len,
	       const struct diff_sink *sink, struct diff_stat *st);

/* "N files changed, N insertions(+), N deletions(-)" exactly as git
 * prints it. Return: length, or -E2BIG */
int diff_stat_line(size_t files, size_t ins, size_t del, char *out,
		   size_t out_len);

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
 * no_new_privs and the capability drop, just before filter_load()
 *
 * Return: 0, -EOPNOTSUPP when the kernel has no Landlock (the caller runs
 * without it and --explain says so), or another negative errno
 */
int landlock_restrict(const char *const *writable, size_t n_writable,
		      int *abi_used);

/* ---------------------------------------------------------------------
 * policy.c: network policy grammar and matching
 * ------------------------------------------------------------------- */

/* Longest host name in text form, without the trailing dot */
#define POLICY_NAME_MAX 253

enum policy_verdict {
	POLICY_ALLOW,
	POLICY_DENY_NOT_ALLOWED,	/* no allow rule names the host */
	POLICY_DENY_DENIED,		/* a deny rule names host and port */
	POLICY_DENY_PORT,		/* allowed, but on other ports only */
};

/**
 * policy_parse_rule() - Parse one --allow/--deny value
 * @spec:	PATTERN[:PORTS], NUL-terminated; untrusted (option or policy
 *		file, possibly written by the jailed command)
 * @r:		result; every field is reset (@r->origin to ORIGIN_DEFAULT,
 *		the caller sets it afterwards)
 *
 * PATTERN is a host name ("github.com": lowercased, one trailing dot
 * stripped, LDH or '_' labels of 1..63 bytes not starting or ending with
 * '-', at most 253 bytes, last label not starting with a digit), a suffix
 * pattern ("*.npmjs.org": subdomains only), an IPv4 literal or CIDR
 * ("10.0.0.0/8"), or an IPv6 literal or CIDR, bare ("2001:db8::/32", then
 * without ports) or in brackets ("[2001:db8::1]:443"). Host bits of a CIDR
 * are cleared; an IPv6 rule inside ::ffff:0:0/96 becomes an IPv4 rule.
 * PORTS is a comma list of at most 8 numbers or ranges ("80,443",
 * "1-65535"), each 1..65535 with lo <= hi; none means 80,443
 * (@r->n_ports == 0). @spec is at most 511 bytes.
 *
 * Return: 0; -EINVAL (syntax), -ERANGE (port or prefix out of range) or
 * -E2BIG (more than 8 port items, @spec too long); @r is zeroed on error
 */
int policy_parse_rule(const char *spec, struct net_rule *r);

/**
 * policy_format_rule() - Format a rule as policy_parse_rule() reads it
 * @r:		a rule from policy_parse_rule()
 * @out:	buffer, NUL-terminated on success
 * @out_len:	size of @out
 *
 * Return: length written, or -E2BIG
 */
int policy_format_rule(const struct net_rule *r, char *out, size_t out_len);

/* Is @port one of @r's ports (80 or 443 when it names none)? */
bool policy_rule_has_port(const struct net_rule *r, uint16_t port);

/**
 * policy_rule_matches_name() - Does @r allow/deny @name on @port?
 * @r:		a rule from policy_parse_rule()
 * @name:	host name, NUL-terminated; untrusted (SNI, Host, DNS), matched
 *		case-insensitively without a trailing dot; an invalid name
 *		matches nothing
 * @port:	destination port
 *
 * An IP rule matches @name only when @name is an IP literal in the rule's
 * network.
 */
bool policy_rule_matches_name(const struct net_rule *r, const char *name,
			      uint16_t port);

/**
 * policy_rule_matches_addr() - Does the IP rule @r cover @addr:@port?
 * @r:		a rule from policy_parse_rule(); name rules match no address
 * @family:	AF_INET (@addr holds 4 bytes) or AF_INET6 (16 bytes); an
 *		IPv4-mapped IPv6 address matches IPv4 rules
 * @addr:	address in network byte order
 * @port:	destination port
 */
bool policy_rule_matches_addr(const struct net_rule *r, int family,
			      const uint8_t *addr, uint16_t port);

/**
 * policy_check_name() - Decide a connection to @name:@port
 * @allow:	allow rules, @n_allow of them
 * @n_allow:	number of @allow rules
 * @deny:	deny rules, @n_deny of them; a deny rule without ports denies
 *		every port
 * @n_deny:	number of @deny rules
 * @name:	host name; untrusted, see policy_rule_matches_name()
 * @port:	destination port
 *
 * Deny wins over any allow.
 *
 * Return: POLICY_ALLOW, POLICY_DENY_DENIED, POLICY_DENY_PORT (an allow
 * rule names the host for other ports only) or POLICY_DENY_NOT_ALLOWED
 */
enum policy_verdict policy_check_name(const struct net_rule *allow,
				      size_t n_allow,
				      const struct net_rule *deny,
				      size_t n_deny, const char *name,
				      uint16_t port);

/* As policy_check_name() for an address; only IP rules take part */
enum policy_verdict policy_check_addr(const struct net_rule *allow,
				      size_t n_allow,
				      const struct net_rule *deny,
				      size_t n_deny, int family,
				      const uint8_t *addr, uint16_t port);

/* "not allowed", "denied by rule", "port not allowed" (or "allowed") */
const char *policy_verdict_reason(enum policy_verdict v);

/**
 * policy_normalize_name() - Validate and lowercase a host name
 * @in:		name bytes, not necessarily NUL-terminated; untrusted
 * @len:	length of @in
 * @out:	result, NUL-terminated; may be @in
 * @out_len:	size of @out
 *
 * Strips one trailing dot. Labels are 1..63 letters, digits, '-' or '_';
 * no empty labels; at most POLICY_NAME_MAX bytes.
 *
 * Return: length of @out, -EINVAL (not a host name) or -E2BIG (@out too
 * small)
 */
int policy_normalize_name(const char *in, size_t len, char *out,
			  size_t out_len);

/**
 * policy_addr_is_special() - Is @addr a destination refused by default?
 * @family:	AF_INET (4 bytes at @addr) or AF_INET6 (16 bytes); any other
 *		family counts as special
 * @addr:	address in network byte order
 *
 * Special: loopback, unspecified, 0/8, RFC 1918, CGNAT 100.64/10,
 * link-local (169.254/16 with the cloud metadata address, fe80::/10),
 * 192.0.0/24, benchmarking 198.18/15, multicast, reserved 240/4 and
 * broadcast, IPv6 ULA fc00::/7 (with fd00:ec2::254), site-local fec0::/10,
 * NAT64 local-use 64:ff9b:1::/48, and the IPv4-mapped, IPv4-compatible,
 * NAT64 64:ff9b::/96, 6to4 2002::/16 and Teredo forms of a special IPv4
 * address. TEST-NET-2/3 (198.51.100/24, 203.0.113/24) are not special.
 */
bool policy_addr_is_special(int family, const uint8_t *addr);

/**
 * policy_parse_line() - Split one policy-file line into key and value
 * @line:	the line, with or without its "\n" or "\r\n"; untrusted (a
 *		project file may come from the jailed command)
 * @len:	length of @line
 * @key:	result: [a-z0-9-]+, NUL-terminated ("" for blank/comment)
 * @key_len:	size of @key
 * @val:	result: the value, NUL-terminated ("" for a bare flag)
 * @val_len:	size of @val
 *
 * Accepts "key value", "key=value" and a bare "key". The value is the rest
 * of the line with surrounding blanks trimmed, up to a '#' that follows a
 * blank, or a double-quoted string with \" and \\ escapes, optionally
 * followed by blanks and a comment. NUL and control characters other than
 * tab are refused anywhere in the line.
 *
 * Return: 1 (key found), 0 (blank or comment line), -EINVAL (syntax) or
 * -E2BIG (key or value does not fit)
 */
int policy_parse_line(const char *line, size_t len, char *key,
		      size_t key_len, char *val, size_t val_len);

/**
 * policy_parse_size() - Parse "1048576", "64k", "512M", "2G", "1T"
 * @s:		text, NUL-terminated; untrusted
 * @out:	bytes; suffixes k, M, G, T (either case) are powers of 1024
 *
 * Return: 0, -EINVAL (syntax) or -ERANGE (does not fit 64 bits)
 */
int policy_parse_size(const char *s, unsigned long long *out);

/* ---------------------------------------------------------------------
 * tls.c, http.c, dns.c: wire formats from inside the jail
 * ------------------------------------------------------------------- */

/* Largest ClientHello message accepted, 4-byte handshake header included */
#define TLS_HELLO_MAX 16384

struct tls_client_hello {
	char sni[POLICY_NAME_MAX + 1];	/* normalised host_name, or "" */
	size_t sni_len;
	bool has_ech;		/* encrypted_client_hello (0xfe0d) or ESNI */
	uint16_t version;	/* legacy_version */
	size_t records_len;	/* bytes of input up to the hello's end */
};

/**
 * tls_client_hello_info() - Parse the ClientHello a client sends first
 * @buf:	the first bytes of a connection from the jail; untrusted
 * @len:	bytes available so far
 * @ch:		result, zeroed unless the hello parsed
 *
 * Reassembles a ClientHello fragmented over consecutive handshake records
 * (each 1..16384 bytes, version 3.x) of at most TLS_HELLO_MAX bytes, then
 * checks every length in it. Refused: a first byte other than 0x16 or a
 * second other than 3, other record types before the hello's end, a
 * handshake message other than ClientHello, more than one host_name, an
 * empty or invalid one (see policy_normalize_name()), any extension type
 * present twice, more than 128 extensions, trailing bytes after the
 * extensions.
 *
 * Return: length of @ch->sni (> 0), 0 for a complete ClientHello without
 * server name, -EAGAIN (need more bytes) or -EBADMSG (not a TLS
 * ClientHello, or malformed)
 */
int tls_client_hello_info(const uint8_t *buf, size_t len,
			  struct tls_client_hello *ch);

/**
 * tls_parse_sni() - The server name of a ClientHello
 * @buf:	the first bytes of a connection; untrusted
 * @len:	bytes available so far
 * @name:	result, NUL-terminated, lowercase, no trailing dot
 * @name_len:	size of @name
 *
 * As tls_client_hello_info(); use it to learn whether the hello asks for
 * encrypted_client_hello.
 *
 * Return: name length (> 0), 0 (complete hello without server name),
 * -EAGAIN, -EBADMSG or -E2BIG (@name too small)
 */
int tls_parse_sni(const uint8_t *buf, size_t len, char *name,
		  size_t name_len);

#define HTTP_HEAD_MAX 16384	/* request line and headers, CRLFCRLF included */
#define HTTP_MAX_HEADERS 100

struct http_head {
	char method[16];
	char target[2048];
	char host[256];		/* normalised; IPv6 literals without brackets */
	uint16_t host_port;	/* 0: none given */
	size_t head_len;	/* bytes up to and including the blank line */
	unsigned int version_minor;	/* HTTP/1.0 or HTTP/1.1 */
	bool has_host;
};

/**
 * http_parse_head() - Parse an HTTP/1.x request head
 * @buf:	the first bytes of a connection from the jail; untrusted
 * @len:	bytes available so far
 * @h:		result, zeroed unless the head parsed
 *
 * Request line "METHOD SP TARGET SP HTTP/1.0|1.1" (method a token of at
 * most 15 bytes, target 1..2047 visible ASCII bytes), header lines until
 * an empty line, each ending in CRLF or a bare LF. At most HTTP_HEAD_MAX
 * bytes and HTTP_MAX_HEADERS headers. Refused: obs-fold, a bare CR, NUL
 * or other control bytes, whitespace before a colon, a second or empty
 * Host header, a Host that is not host[:port] (host a name, an IPv4
 * literal or a bracketed IPv6 literal), and an absolute-form target
 * ("http://host/") naming another host or port than Host (without Host,
 * the target's authority fills @h->host).
 *
 * Return: 0; -EAGAIN (the blank line has not arrived), -EBADMSG (not
 * HTTP/1, or malformed; a non-token first word fails at once) or -E2BIG
 * (head, target or header count over the limits)
 */
int http_parse_head(const uint8_t *buf, size_t len, struct http_head *h);

/**
 * http_find_header() - Find the next header named @name
 * @head:	a head accepted by http_parse_head(); untrusted bytes all
 *		the same, every read stays within @head_len
 * @head_len:	its length (&struct http_head.head_len)
 * @name:	header name, matched case-insensitively
 * @val_off:	result: offset of the value in @head, OWS trimmed
 * @val_len:	result: length of the value
 * @start:	0 for the first match, else the previous @val_off + @val_len
 *
 * Return: 0, -ENOENT (no further match), -EBADMSG (malformed header line)
 * or -EINVAL (@start beyond @head_len)
 */
int http_find_header(const uint8_t *head, size_t head_len, const char *name,
		     size_t *val_off, size_t *val_len, size_t start);

/* How a request's body ends (http_request_framing()) */
struct http_framing {
	bool is_chunked;	/* Transfer-Encoding: chunked */
	uint64_t length;	/* else Content-Length, 0 when none */
};

/**
 * http_request_framing() - Where the body of a request ends
 * @head:	a head that http_parse_head() accepted; untrusted
 * @head_len:	its length
 * @h:		its parse
 * @fr:		result
 *
 * RFC 9112 6: Transfer-Encoding "chunked" (alone, once, HTTP/1.1 only),
 * else one Content-Length of at most 18 digits, else no body. Refused:
 * Content-Length twice (even with equal values) or as a list, both
 * headers at once (request smuggling), any other transfer coding.
 *
 * Return: 0, -EBADMSG or -ENOTSUP (a transfer coding other than chunked)
 */
int http_request_framing(const uint8_t *head, size_t head_len,
			 const struct http_head *h, struct http_framing *fr);

#define HTTP_CHUNK_DIGITS 15	/* hex digits of a chunk size: < 2^60 */
#define HTTP_CHUNK_LINE_MAX 4096	/* a size line with its extensions */

/* State of a chunked body being followed; zero it to start */
struct http_chunked {
	unsigned int state;
	uint64_t left;		/* bytes of the current chunk (or its size) */
	size_t line_len;
	size_t n_trailers;
};

/**
 * http_chunked_feed() - Follow the chunked framing of a request body
 * @st:		state, zeroed at the start of the body
 * @buf:	the next bytes of the body; untrusted
 * @len:	how many
 * @data_len:	set to the return value when the bytes taken are chunk
 *		data, else to 0 (they were framing)
 *
 * Takes a prefix of @buf that is either all framing or all data, so that
 * a caller can look at the data alone; call again with the rest. Strict:
 * CRLF only (no bare LF), 1..15 hex digits, extensions of printable bytes
 * within 4096 bytes a line, trailer fields as header fields (at most
 * HTTP_MAX_HEADERS lines of at most HTTP_HEAD_MAX bytes), CRLF after
 * every chunk's data. Bytes after the body's end are not taken.
 *
 * Return: bytes taken (0 only when @len is 0 or the body has ended), or
 * -EBADMSG
 */
int http_chunked_feed(struct http_chunked *st, const uint8_t *buf,
		      size_t len, size_t *data_len);

/* Has @st seen the body's last byte? */
bool http_chunked_done(const struct http_chunked *st);

/* ---------------------------------------------------------------------
 * push.c: git smart-HTTP pushes (--hold-push): the receive-pack command
 * list, the ask's detail, the refusal git shows
 * ------------------------------------------------------------------- */

#define PUSH_LIST_MAX 65536	/* bytes of a command list held at most */
#define PUSH_CMDS_MAX 1024	/* commands in it (each is >= 87 bytes) */
#define PUSH_REPORT_MAX (1 << 17)	/* a refusal's report */

/* One "OLD NEW REFNAME" command */
struct push_cmd {
	size_t ref_off;		/* REFNAME in the parsed bytes */
	size_t ref_len;
	bool is_create;		/* OLD is all zeros */
	bool is_delete;		/* NEW is all zeros */
};

struct push_cmds {
	struct push_cmd cmds[PUSH_CMDS_MAX];
	size_t n_cmds;
	size_t end;		/* bytes up to and including the flush */
	bool has_report_status;	/* report-status or report-status-v2 */
	size_t sideband_max;	/* side-band(-64k) packet size, or 0 */
	bool is_signed;		/* the commands came in a push-cert block */
};

/**
 * push_parse_commands() - The command list of a receive-pack request
 * @buf:	the request body's first bytes (chunked framing and any
 *		content coding already removed); untrusted
 * @len:	bytes available so far
 * @out:	result; REFNAMEs stay in @buf (@out->cmds[i].ref_off)
 *
 * Pure. pkt-lines of 5..65520 bytes (4 hex digits of length each) up to
 * the first flush (0000): "shallow SHA" lines (skipped), commands "OLD
 * NEW REFNAME" (object names of 40 or 64 hex digits, REFNAME without
 * control bytes or spaces), capabilities after a NUL, and a push-cert
 * block whose commands (between the empty line that ends its header and
 * the signature) count too. Anything else is refused, as receive-pack
 * refuses it. At most PUSH_CMDS_MAX commands in PUSH_LIST_MAX bytes.
 *
 * Return: 0 (the list is complete; it may be empty), -EAGAIN (more bytes
 * needed), -EBADMSG or -E2BIG
 */
int push_parse_commands(const uint8_t *buf, size_t len,
			struct push_cmds *out);

/**
 * push_is_receive_pack() - Is @h a push, "POST REPO/git-receive-pack"?
 * @h:		a parsed request head; untrusted
 * @repo:	set to REPO, the repository's path ("/" when empty)
 * @repo_len:	its size
 *
 * Return: true for a push (the query string, if any, is ignored)
 */
bool push_is_receive_pack(const struct http_head *h, char *repo,
			  size_t repo_len);

/* "REPO: REF, REF (new), REF (delete) and N more" in @out (at least 64
 * bytes), cut to fit: a REPO longer than half of it is cut ("..."), refs
 * that do not fit are counted */
void push_detail(const char *repo, const uint8_t *buf,
		 const struct push_cmds *c, char *out, size_t out_len);

/**
 * push_refusal() - A receive-pack result refusing every ref of a push
 * @buf:	the bytes @c was parsed from
 * @c:		the parsed command list
 * @why:	the reason git shows ("ng REF WHY" and, with side-band,
 *		"remote: jail: WHY"); printable, no LF
 * @out:	result: the response body
 * @out_len:	its size
 *
 * Return: the body's length, -ENOTSUP (the client asked for no
 * report-status: it would show nothing) or -E2BIG
 */
int push_refusal(const uint8_t *buf, const struct push_cmds *c,
		 const char *why, uint8_t *out, size_t out_len);

#define DNS_TYPE_A 1
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_SVCB 64
#define DNS_TYPE_HTTPS 65
#define DNS_TYPE_ANY 255
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
/* A question on the wire: a name of at most 255 bytes, type, class */
#define DNS_QUESTION_MAX (255 + 4)

struct dns_query {
	uint16_t id;
	uint16_t flags;		/* RD and CD are echoed in the reply */
	uint16_t qtype;
	uint16_t qclass;
	char name[256];		/* lowercase, no trailing dot; root is "" */
	size_t question_end;	/* offset of the byte after the question */
	uint8_t qwire[DNS_QUESTION_MAX];	/* question, uncompressed, case
						 * kept; echoed in the reply */
	size_t qwire_len;	/* 0: no question to echo */
	bool has_edns;		/* an OPT record came along (ignored) */
	uint16_t edns_udp_size;
};

/**
 * dns_parse_query() - Parse a query from a stub resolver in the jail
 * @buf:	one UDP payload (or TCP message without its length prefix);
 *		untrusted
 * @len:	its length
 * @q:		result
 *
 * Accepted: QR 0, opcode 0, exactly one question, no answer or authority
 * records, at most one additional record which must be an EDNS OPT, no
 * bytes after it. Names may use compression pointers: at most 16 jumps,
 * each inside @buf, at most 127 labels and 255 bytes decoded; label types
 * 01 and 10 are refused.
 *
 * Return: 0; -EINVAL when the message is well-formed but the name is not
 * a host name (labels of letters, digits, '-', '_'): @q is complete but
 * @q->name is "", answer NXDOMAIN or REFUSED; -EOPNOTSUPP for another
 * opcode (answer NOTIMP); -EBADMSG when malformed (answer FORMERR). After
 * -EOPNOTSUPP or -EBADMSG, @q->id and @q->flags are set if @len >= 12 and
 * @q->qwire_len is 0.
 */
int dns_parse_query(const uint8_t *buf, size_t len, struct dns_query *q);

/**
 * dns_build_reply() - Build the response to @q
 * @q:		a query from dns_parse_query(); only @q->id, @q->flags and
 *		@q->qwire/@q->qwire_len are used
 * @rcode:	DNS_RCODE_*, at most 15
 * @family:	AF_INET (A records, 4 bytes of each address) or AF_INET6
 *		(AAAA, 16 bytes); ignored when @n_addrs is 0
 * @addrs:	@n_addrs addresses, network byte order
 * @n_addrs:	number of answers; 0 with DNS_RCODE_NOERROR is NODATA
 * @ttl:	TTL of the answers
 * @out:	buffer for the message
 * @out_len:	its size (512 for plain UDP)
 *
 * The reply echoes the id, RD, CD and the question (none if
 * @q->qwire_len is 0), sets QR and RA, and names each answer with a
 * compression pointer to the question. No authority or additional
 * records.
 *
 * Return: message length, -EINVAL (answers with a nonzero @rcode, without
 * a question or of an unknown family) or -E2BIG (does not fit @out_len)
 */
int dns_build_reply(const struct dns_query *q, unsigned int rcode,
		    int family, const uint8_t (*addrs)[16], size_t n_addrs,
		    uint32_t ttl, uint8_t *out, size_t out_len);

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

/* One parsed log line; the strings point into @buf */
struct audit_event {
	const char *ts;
	const char *jail;
	const char *event;
	struct audit_field f[AUDIT_EVENT_MAX_FIELDS];
	size_t n_fields;
	char buf[AUDIT_LINE_MAX];
};

/**
 * audit_parse_line() - Parse one line of an audit log
 * @line:	the line, with or without its newline; untrusted (the log
 *		file is the user's, but anything may have been appended)
 * @len:	its length
 * @ev:		result; its pointers point into @ev->buf, so do not copy
 *		the struct
 *
 * Accepts a flat JSON object whose values are strings or integers that
 * fit a long long, with string members "ts", "jail" and "event" and at
 * most AUDIT_EVENT_MAX_FIELDS others, no key twice. Strings are unescaped
 * (\uXXXX to UTF-8, a lone surrogate to U+FFFD); raw control characters,
 * malformed UTF-8 and \u0000 are refused.
 *
 * Return: 0, -EBADMSG (not such an object) or -E2BIG (too many fields,
 * strings over AUDIT_LINE_MAX bytes in all)
 */
int audit_parse_line(const char *line, size_t len, struct audit_event *ev);

/* ---------------------------------------------------------------------
 * secrets.c: placeholders for host secrets, header substitution
 * ------------------------------------------------------------------- */

/**
 * secrets_add() - Record one --secret value
 * @cfg:	configuration
 * @arg:	"NAME@HOST[,HOST...]" or "NAME=@FILE@HOST[,HOST...]"
 * @origin:	where it came from; a later NAME replaces an earlier one
 *
 * Parses only: nothing is read. Dies with one line on a bad value.
 */
void secrets_add(struct jail_config *cfg, const char *arg,
		 enum origin origin);

/**
 * secrets_prepare() - Read every secret's value and make its placeholder
 * @cfg:	validated configuration
 *
 * Each value (NAME from the environment, or the first line of FILE, at
 * most SECRETS_VALUE_MAX bytes) goes to a vault mapped MADV_WIPEONFORK and
 * MADV_DONTDUMP: every process forked or cloned afterwards, the jail's
 * first, sees zeros there. The host's NAME=value environment string is
 * wiped in place and removed, so nothing forked later inherits it either.
 *
 * Context: supervisor, in config_load(), before any fork or clone
 * Must: die with one line when a value is missing or empty
 */
void secrets_prepare(struct jail_config *cfg);

/**
 * secrets_reveal() - Copy the values out of the vault
 *
 * Context: supervisor, after the jail was cloned, right before forking
 * the forwarder; the copy goes to the forwarder with the fork
 * Return: @cfg->n_secrets strings (NULL when there are none); free with
 * secrets_forget()
 */
char **secrets_reveal(const struct jail_config *cfg);

/* Wipe (explicit_bzero) and free a secrets_reveal() array */
void secrets_forget(char **values, size_t n);

/**
 * secrets_make_placeholder() - A placeholder shaped like @value
 * @value:	the real value; only its prefix and alphabet are looked at
 * @value_len:	its length
 * @rnd:	random bytes
 * @rnd_len:	how many; 4 * SECRETS_PLACEHOLDER_MAX is always enough
 * @out:	result, NUL-terminated
 * @out_len:	its size, at least SECRETS_PLACEHOLDER_MAX + 1
 *
 * Pure. Keeps a known prefix ("sk-ant-", "sk-proj-", "sk-", "ghp_",
 * "github_pat_"), then as many random characters as @value has after it,
 * at least SECRETS_RANDOM_MIN, at most SECRETS_PLACEHOLDER_MAX in all,
 * drawn without bias from letters and digits (and '-' and '_' when
 * @value has them).
 *
 * Return: length of @out, -EAGAIN (not enough random bytes) or -E2BIG
 */
int secrets_make_placeholder(const char *value, size_t value_len,
			     const uint8_t *rnd, size_t rnd_len, char *out,
			     size_t out_len);

/* What the forwarder knows of one secret while rewriting a request */
struct secrets_sub {
	const char *name;
	const char *placeholder;
	const char *value;	/* NULL: not bound to this request's host */
	size_t value_len;
};

/**
 * secrets_scan() - Find a placeholder in bytes from the jail
 * @buf:	untrusted bytes (a request head, a DNS name)
 * @len:	their length
 * @subs:	the secrets, @n of them
 * @n:		at most JAIL_MAX_SECRETS
 *
 * Pure. Matches case-insensitively (DNS names are lowercased), in @buf
 * as it is and with every '.' removed (a placeholder split over DNS
 * labels), and inside every "Basic" credential (base64-decoded) of an
 * Authorization or Proxy-Authorization header when @buf is a head.
 *
 * Return: index of the first secret found, or -ENOENT
 */
int secrets_scan(const uint8_t *buf, size_t len,
		 const struct secrets_sub *subs, size_t n);

/**
 * secrets_rewrite_head() - The request head to send to a bound host
 * @head:	a head accepted by http_parse_head(); untrusted
 * @head_len:	its length (&struct http_head.head_len)
 * @host:	the real host: the value of the new Host header
 * @subs:	the secrets; those with a @value are bound to @host
 * @n:		at most JAIL_MAX_SECRETS
 * @out:	result
 * @out_len:	its size
 * @injected:	bit i set when secret i was substituted
 * @leaked:	set to the index of an unbound secret's placeholder found,
 *		or -1
 *
 * Pure. The request line is kept; Host becomes @host; Connection,
 * Keep-Alive, Proxy-Connection, Upgrade and TE are dropped and
 * "Connection: close" is added, so that each request has its own
 * connection; in every other header value each placeholder of a bound
 * secret becomes its value, inside "Basic" credentials of Authorization
 * and Proxy-Authorization too (decoded, substituted, encoded again).
 * Lines end in CRLF. Bounds: a Basic credential decodes to at most 6 KiB.
 *
 * Return: length of @out; -EACCES when the placeholder of a secret not
 * bound to @host appears anywhere (@leaked says which); -EBADMSG
 * (malformed) or -E2BIG (@out too small)
 */
int secrets_rewrite_head(const uint8_t *head, size_t head_len,
			 const char *host, const struct secrets_sub *subs,
			 size_t n, uint8_t *out, size_t out_len,
			 uint32_t *injected, int *leaked);

/**
 * secrets_rewrite_request() - A request head for a kept-alive connection
 *
 * As secrets_rewrite_head(), for a request of an intercepted TLS
 * connection: the same substitution and refusal, Host becomes @host
 * ("HOST" or "HOST:PORT"), the hop-by-hop headers are dropped, but no
 * "Connection: close" is added, so the connection carries the next
 * request too.
 */
int secrets_rewrite_request(const uint8_t *head, size_t head_len,
			    const char *host, const struct secrets_sub *subs,
			    size_t n, uint8_t *out, size_t out_len,
			    uint32_t *injected, int *leaked);

/* The end of the body bytes secrets_scan_stream() saw; zero it to start */
struct secrets_stream {
	uint8_t tail[SECRETS_PLACEHOLDER_MAX - 1];
	size_t tail_len;
};

/**
 * secrets_scan_stream() - Look for unbound placeholders in a body
 * @st:		state carried from one piece of the body to the next
 * @buf:	the next piece; untrusted
 * @len:	its length
 * @subs:	the secrets; only those without a @value are searched
 * @n:		at most JAIL_MAX_SECRETS
 *
 * Pure. Finds a placeholder as its bytes appear (case and all), also
 * when it straddles two pieces. Not found: encoded forms (base64,
 * percent- or JSON-escapes, compression) and a placeholder cut apart by
 * chunked framing unless the caller passes the chunk data alone.
 *
 * Return: index of the first secret found, -ENOENT, or -EINVAL (@st
 * corrupt)
 */
int secrets_scan_stream(struct secrets_stream *st, const uint8_t *buf,
			size_t len, const struct secrets_sub *subs, size_t n);

#define SECRETS_N_BUNDLE_PATHS 6
/* Where distributions keep the system's CA bundle, most common first */
extern const char *const secrets_bundle_paths[SECRETS_N_BUNDLE_PATHS];

/* The first of secrets_bundle_paths[] that is a file here, or NULL */
const char *secrets_bundle_path(void);

/**
 * secrets_make_ca() - The jail's CA, and the bundle the jail trusts
 * @cfg:	configuration with secrets or --hold-push hosts,
 *		@cfg->ca_bundle_path and @cfg->ca_bundle_fd set
 *
 * Makes a CA restricted (nameConstraints) to the hosts the secrets are
 * bound to and the --hold-push hosts, and writes the host's bundle followed by the CA's
 * certificate to @cfg->ca_bundle_fd. Loads libcrypto and libssl.
 *
 * Context: supervisor, after the jail was cloned (no process of the
 * jail ever holds the key) and before it is released to build its view
 * Must: die with one line when it cannot
 * Return: the CA, for the forwarder
 */
struct crypto_ca *secrets_make_ca(const struct jail_config *cfg);

/**
 * secrets_broker_host() - The bound host a broker name stands for
 * @name:	a normalised host name from the jail (Host header, DNS)
 * @cfg:	configuration with the secrets
 *
 * Return: the bound host (in @cfg) when @name is
 * "HOST" SECRETS_BROKER_SUFFIX for a host some secret is bound to, else
 * NULL
 */
const char *secrets_broker_host(const struct jail_config *cfg,
				const char *name);

/* ---------------------------------------------------------------------
 * fwd.c: the forwarder
 * ------------------------------------------------------------------- */

#define FWD_MAX_CONNS 4096	/* concurrent TCP connections, at most */
#define FWD_MAX_HOST_PORTS 32	/* --allow-host-port entries */

/**
 * struct fwd_params - What the forwarder process is given
 * @cfg:		validated configuration: @cfg->allow, @cfg->deny,
 *			@cfg->allow_private (the forwarder's copy after fork)
 * @tcp4_fd:		TCP listener in G (netns_open_listeners()), or -1
 * @tcp6_fd:		IPv6 TCP listener in G, or -1
 * @udp4_fd:		DNS socket in G, or -1
 * @udp6_fd:		IPv6 DNS socket in G, or -1
 * @log_fd:		audit log (O_APPEND), or -1
 * @jail_id:		jail ID for the audit log
 * @upstream_proxy:	"http://[USER:PASS@]HOST[:PORT][/]" from the host's
 *			https_proxy/HTTPS_PROXY, or NULL (no proxy, or
 *			--no-upstream-proxy): allowed TLS connections then go
 *			out through it with CONNECT
 * @host_ports:		--allow-host-port ports, @n_host_ports of them: a
 *			connection from the jail to the gateway's address
 *			(or NETNS_HOST_NAME) on one of them reaches the
 *			host's 127.0.0.1 on the same port
 * @n_host_ports:	at most FWD_MAX_HOST_PORTS
 * @ipv6:		the jail has IPv6: AAAA queries are answered
 * @parent:		the supervisor's pid: the forwarder exits at once if
 *			its parent is not (or no longer) @parent; 0: no check
 * @max_conns:		concurrent connections, 0 for the default; also
 *			bounded by RLIMIT_NOFILE
 * @secret_values:	the real value of each of @cfg->secrets (from
 *			secrets_reveal()), or NULL when there are none
 * @ca:			the jail's CA (secrets_make_ca()), or NULL: allowed
 *			TLS to a bound host is then intercepted (broker.c)
 * @ask_fd:		the ask channel to the supervisor (ask.c), or -1:
 *			asks go out on it (ask_send()), and "revoke NAME"
 *			comes in on it; only the forwarder reads it
 */
struct fwd_params {
	const struct jail_config *cfg;
	int tcp4_fd;
	int tcp6_fd;
	int udp4_fd;
	int udp6_fd;
	int log_fd;
	const char *jail_id;
	const char *upstream_proxy;
	const uint16_t *host_ports;
	size_t n_host_ports;
	bool ipv6;
	pid_t parent;
	unsigned int max_conns;
	char *const *secret_values;
	struct crypto_ca *ca;
	int ask_fd;
};

/**
 * fwd_run() - The forwarder process: serve the jail's TCP and DNS
 * @p:		parameters; the fds are taken over
 *
 * Closes every other inherited descriptor, raises its RLIMIT_NOFILE soft
 * limit, sets PR_SET_PDEATHSIG, forks its resolver processes (blocking
 * getaddrinfo() on the host, one lookup each), drops every capability
 * and sets no_new_privs, then runs one epoll loop: TCP connections from
 * the jail are named (TLS SNI, HTTP Host, else the name the resolver
 * handed out for the destination), checked against the policy, resolved
 * on the host and dialed there, then spliced both ways; DNS queries are
 * answered for allowed names only. Writes net.allow (at close), net.deny,
 * net.error and dns.deny events.
 *
 * SIGTERM (or SIGINT, SIGHUP): writes net.allow for every open allowed
 * connection and exits 0, so the supervisor should send it after
 * reaping the jail, wait for the forwarder, then write the exit event.
 *
 * Context: a process forked by the supervisor outside the jail, in the
 * host's namespaces, before anything else reads from the jail
 * Must not: return; it exits 0 on SIGTERM or when its parent dies, 125
 * when it cannot start
 */
void fwd_run(const struct fwd_params *p) __attribute__((noreturn));

/* ---------------------------------------------------------------------
 * broker.c: requests to hosts a secret is bound to (forwarder process)
 * ------------------------------------------------------------------- */

struct dnsd;

/* The host's upstream proxy, as the forwarder parsed it */
struct broker_proxy {
	const void *sa;		/* its address (sockaddr), NULL: none */
	unsigned int sa_len;
	const char *auth;	/* "Proxy-Authorization: ...\r\n" or "" */
	bool is_broken;		/* set but unusable: fail closed */
};

enum broker_verdict {
	BROKER_PASS,	/* not for the broker, no placeholder: carry on */
	BROKER_TAKEN,	/* a broker process serves it: close, no reset */
	BROKER_REFUSED,	/* logged; reset the connection */
};

/**
 * broker_http() - Look at a plain-HTTP request head from the jail
 * @p:		the forwarder's parameters (secrets, policy, log)
 * @d:		the resolver, for the address policy
 * @jail_fd:	the connection; nothing has been read from it yet
 * @buf:	its first bytes (peeked); untrusted
 * @h:		@buf's head, from http_parse_head()
 * @px:		the upstream proxy: brokered TLS goes through it (CONNECT)
 *
 * A head for HOST SECRETS_BROKER_SUFFIX, HOST bound and allowed on port
 * 443, is served by a process forked here (see broker.c); any other head
 * carrying a placeholder is refused and logged as secret.leak.
 *
 * Context: forwarder, C_PEEK
 * Return: enum broker_verdict
 */
int broker_http(const struct fwd_params *p, const struct dnsd *d,
		int jail_fd, const uint8_t *buf, const struct http_head *h,
		const struct broker_proxy *px);

/**
 * broker_tls() - Intercept an allowed TLS connection to a bound host
 * @p:		the forwarder's parameters (secrets, CA, log)
 * @d:		the resolver, for the address policy
 * @jail_fd:	the connection; its ClientHello has only been peeked at
 * @sni:	the server name it asked for, allowed by the policy
 * @port:	the port it asked for
 * @px:		the upstream proxy
 *
 * When @sni is a host some secret is bound to, a process forked here
 * (its slot counted with the brokers') terminates the jail's TLS with a
 * certificate for @sni signed by the jail's CA (made here on first use,
 * kept for later connections), connects to the real host with verified
 * TLS, and relays request after request: each head is checked, its
 * placeholders replaced (secrets_rewrite_request()), each body followed
 * by its framing and searched for foreign placeholders.
 *
 * Context: forwarder, when a TLS connection was allowed
 * Return: enum broker_verdict
 */
int broker_tls(const struct fwd_params *p, const struct dnsd *d,
	       int jail_fd, const char *sni, uint16_t port,
	       const struct broker_proxy *px);

/*
 * broker_stop_all() - SIGTERM every broker process, wait for them a little
 *
 * Interception processes then write net.allow for their connection;
 * waits at most half a second.
 * Context: forwarder, stopping
 */
void broker_stop_all(void);

/* Index of a secret whose placeholder @name (a DNS name) carries, or -1 */
int broker_dns_leak(const struct fwd_params *p, const char *name);

/**
 * broker_revoke() - Stop injecting secret @secret for the rest of the run
 * @p:		the forwarder's parameters; the value in @p->secret_values
 *		is wiped (explicit_bzero)
 * @secret:	index into @p->cfg->secrets
 *
 * Every broker process alive is killed (they may hold the value), and
 * from then on a request that carries the secret's placeholder is refused
 * and logged as secret.leak, to its bound hosts too.
 *
 * Context: forwarder
 * Return: the number of broker processes killed
 */
unsigned int broker_revoke(const struct fwd_params *p, size_t secret);

/* Has broker_revoke() been called for @secret? */
bool broker_is_revoked(size_t secret);

/* Write secret.leak: secret @secret (its name) found in @where for @host */
void broker_log_leak(const struct fwd_params *p, size_t secret,
		     const char *where, const char *host);

/* ---------------------------------------------------------------------
 * dnsd.c: the jail's resolver and the host lookups (forwarder process)
 * ------------------------------------------------------------------- */

#define DNSD_MAX_ADDRS 8	/* addresses kept per name and family */

/* An IP address; IPv4-mapped IPv6 addresses are kept as IPv4 */
struct dnsd_addr {
	int family;	/* AF_INET: the first 4 bytes of @a */
	uint8_t a[16];
};

/* What the host's resolver said about a name */
struct dnsd_answer {
	int rcode;	/* DNS_RCODE_*; NOERROR without addresses: NODATA */
	unsigned int n4;
	unsigned int n6;
	uint8_t a4[DNSD_MAX_ADDRS][4];
	uint8_t a6[DNSD_MAX_ADDRS][16];
};

struct dnsd;

/* Called when a lookup started by dnsd_lookup() has its answer */
struct dnsd_waiter {
	void (*done)(void *ctx, int slot, const struct dnsd_answer *a);
	void *ctx;
};

/**
 * dnsd_new() - Set up the resolver and fork its lookup processes
 * @p:		the forwarder's parameters (policy, log, IPv6, host ports)
 * @w:		told about every finished lookup
 * @now:	CLOCK_MONOTONIC in milliseconds
 *
 * The lookup processes run blocking getaddrinfo() on the host (its
 * /etc/hosts, then DNS), one name at a time each; they keep no descriptor
 * but their socket and die with the forwarder.
 *
 * Context: forwarder setup, before privileges are dropped and before
 * anything is read from the jail
 * Return: the resolver (lives as long as the process); dies on failure
 */
struct dnsd *dnsd_new(const struct fwd_params *p, struct dnsd_waiter w,
		      uint64_t now);

/* The socket answers from the lookup processes arrive on (poll it) */
int dnsd_lookup_fd(const struct dnsd *d);

/* Read the lookup answers that arrived; dnsd_waiter.done() for each */
void dnsd_on_lookup(struct dnsd *d, uint64_t now);

/* Answer the queries waiting on the jail's DNS socket @fd (non-blocking) */
void dnsd_on_query(struct dnsd *d, int fd, uint64_t now);

/* Give up lookups that took too long, refresh this host's addresses */
void dnsd_tick(struct dnsd *d, uint64_t now);

/**
 * dnsd_lookup() - Resolve @name on the host, or find it in the cache
 * @d:		the resolver
 * @name:	an allowed host name
 * @now:	CLOCK_MONOTONIC in milliseconds
 * @a:		set to the answer when it is already known, else to NULL
 *		(dnsd_waiter.done() brings it later, with the same slot)
 *
 * Return: the cache slot, or -EBUSY (too many lookups in flight)
 */
int dnsd_lookup(struct dnsd *d, const char *name, uint64_t now,
		const struct dnsd_answer **a);

/**
 * dnsd_pinned() - Names the resolver handed out for an address
 * @d:		the resolver
 * @a:		destination address
 * @name:	NULL: any name; else only @name
 *
 * Return: a pinned name for @a (@name itself when given), or NULL
 */
const char *dnsd_pinned(const struct dnsd *d, const struct dnsd_addr *a,
			const char *name);

/**
 * dnsd_addr_refused() - May the forwarder dial or hand out @a?
 * @d:		the resolver (policy, this host's addresses)
 * @a:		address
 * @port:	destination port; 0: any port (for DNS answers)
 *
 * Refused: an IP deny rule covers it (with @port), or it is special
 * (policy_addr_is_special()) or one of this host's own addresses, unless
 * --allow-private or an IP allow rule names it.
 *
 * Return: NULL if allowed, else the reason for the audit log
 */
const char *dnsd_addr_refused(const struct dnsd *d, const struct dnsd_addr *a,
			      uint16_t port);

/*
 * --ask: a name no rule decides is answered with an address of
 * DNSD_ASK_NET (198.18.0.0/15, benchmarking: special, never dialed)
 * pinned to the name; nothing about it leaves the machine until a person
 * allowed it. The forwarder names a connection to that address from the
 * pin and asks.
 */
#define DNSD_ASK_NET4 "198.18.0.0"
#define DNSD_ASK_PINS 1024	/* names with an ask address at once */
#define DNSD_APPROVED 256	/* names answered "always" */

/* Is @name decided by no rule (neither allowed nor denied on any port)? */
bool dnsd_undecided(const struct dnsd *d, const char *name);

/* Record @name as allowed for the rest of the run ("always") */
void dnsd_approve(struct dnsd *d, const char *name);

/* Was @name answered "always"? */
bool dnsd_is_approved(const struct dnsd *d, const char *name);

/* Is @a in DNSD_ASK_NET4/16, where ask addresses come from? */
bool dnsd_is_ask_addr(const struct dnsd_addr *a);

/* Address helpers shared with fwd.c */
void dnsd_addr_set(struct dnsd_addr *a, int family, const void *bytes);
bool dnsd_addr_eq(const struct dnsd_addr *x, const struct dnsd_addr *y);
/* From a sockaddr_in/in6; IPv4-mapped becomes IPv4. Return: false if
 * neither */
bool dnsd_addr_from_sa(const void *sa, struct dnsd_addr *a, uint16_t *port);
/* An IP literal ("198.51.100.7", "2001:db8::1")? Return: true, @a set */
bool dnsd_addr_parse(const char *s, struct dnsd_addr *a);
const char *dnsd_addr_str(const struct dnsd_addr *a, char *buf, size_t len);

/* ---------------------------------------------------------------------
 * ctl.c: the ask channel and control socket line protocol; jail pending,
 * approve, always, deny, revoke
 * ------------------------------------------------------------------- */

#define ASK_KIND_MAX 15		/* [a-z]: "connect", "push" */
#define ASK_HOST_MAX 255	/* a host name or an IP literal */
#define ASK_DETAIL_MAX 200	/* printable ASCII */
#define CTL_NAME_MAX 63		/* a secret's name */
#define CTL_TEXT_MAX 400	/* an error's text */
#define CTL_LINE_MAX 1024	/* one line, newline included */

enum ask_answer {
	ASK_DENY,
	ASK_ALLOW,	/* this request */
	ASK_ALWAYS,	/* this name, for the rest of the run */
};

enum ctl_verb {
	CTL_ASK,	/* "ask SEQ WAIT KIND HOST PORT [DETAIL]" */
	CTL_ANSWER,	/* "answer allow|always|deny TOKEN" */
	CTL_PENDING,	/* "pending" */
	CTL_SECRETS,	/* "secrets" */
	CTL_SECRET,	/* "secret NAME active|revoked" */
	CTL_REVOKE,	/* "revoke NAME" */
	CTL_END,	/* "end" */
	CTL_OK,		/* "ok COUNT" */
	CTL_ERR,	/* "err TEXT" */
};

/* One line of the protocol, parsed */
struct ctl_msg {
	enum ctl_verb verb;
	enum ask_answer answer;			/* CTL_ANSWER */
	unsigned long long seq;			/* CTL_ASK */
	unsigned long long wait_s;		/* CTL_ASK: seconds held */
	unsigned long long count;		/* CTL_OK */
	char kind[ASK_KIND_MAX + 1];		/* CTL_ASK */
	char host[ASK_HOST_MAX + 1];		/* CTL_ASK; CTL_ANSWER's TOKEN */
	uint16_t port;				/* CTL_ASK */
	char detail[ASK_DETAIL_MAX + 1];	/* CTL_ASK, may be "" */
	char name[CTL_NAME_MAX + 1];		/* CTL_SECRET, CTL_REVOKE */
	bool is_revoked;			/* CTL_SECRET */
	char text[CTL_TEXT_MAX + 1];		/* CTL_ERR */
};

/**
 * ctl_parse() - Parse one line of the ask and control protocol
 * @line:	the line, with or without its "\n"; untrusted: it comes from
 *		another process (the forwarder, which reads the jail; a
 *		client of the control socket; a jail's supervisor)
 * @len:	its length, at most CTL_LINE_MAX
 * @m:		result
 *
 * Pure. Words are separated by one space. KIND is [a-z]{1,15}; HOST and
 * TOKEN are 1..255 bytes of letters, digits and ".-_:"; PORT is 0..65535;
 * SEQ, WAIT and COUNT are decimal numbers of at most 12 digits without a
 * leading zero; NAME is an environment variable name of at most 63
 * bytes; DETAIL and TEXT are the rest of the line, printable ASCII, at
 * most ASK_DETAIL_MAX / CTL_TEXT_MAX bytes. Nothing else is accepted:
 * no other control byte, no empty word, no trailing junk.
 *
 * Return: 0, -EBADMSG (not a line of the protocol) or -E2BIG (too long)
 */
int ctl_parse(const char *line, size_t len, struct ctl_msg *m);

/* "allow", "always", "deny" */
const char *ask_answer_name(enum ask_answer a);

/* Copy @in to @out (size @out_len) as printable ASCII: others become '?' */
void ctl_printable(const char *in, char *out, size_t out_len);

/**
 * ctl_peer_check() - Is the peer of unix socket @fd a host process of ours?
 * @fd:		a connected AF_UNIX socket
 * @why:	the reason when it is not
 * @why_len:	its size
 *
 * The peer (SO_PEERCRED, taken at connect time) must have our uid or be
 * root, and be in our user and pid namespaces (/proc/PID/ns), so that no
 * process inside a jail passes whatever it can reach. The pid is pinned
 * with SO_PEERPIDFD where the kernel has it (pidfd_open() otherwise) and
 * checked alive after the namespaces were read: a pid recycled meanwhile
 * fails the check.
 *
 * Return: 0, or -EPERM with @why set
 */
int ctl_peer_check(int fd, char *why, size_t why_len);

/* The control socket of jail @id in the registry @dir_fd: "ID.sock" */
#define CTL_SOCK_SUFFIX ".sock"

/**
 * ctl_main() - `jail pending`, `jail approve|always|deny [ID] HOST`,
 * `jail revoke [ID] NAME`
 * @argc:	argument count
 * @argv:	arguments; @argv[0] is the subcommand
 *
 * Talks to the control socket of each running jail of the user (see
 * jail_runtime_dir()), each checked with ctl_peer_check().
 *
 * Context: the user's shell, outside any jail
 * Return: exit status: 0, or 125 after one "jail: ..." line
 */
int ctl_main(int argc, char **argv);

/* ---------------------------------------------------------------------
 * ask.c: asks, answered out of band (supervisor), and the asking side
 * ------------------------------------------------------------------- */

#define ASK_MAX 64		/* asks held at once, per jail */

/**
 * ask_send() - Ask the supervisor about a request
 * @chan_fd:	the ask channel (&struct fwd_params.ask_fd); any process
 *		holding it may ask (the forwarder, a broker process)
 * @kind:	[a-z]{1,15}: "connect", "push"
 * @host:	the host name or address asked about
 * @port:	its port
 * @detail:	a few words for the person (made printable), or ""
 *
 * Sends "ask 0 0 KIND HOST PORT DETAIL" with a fresh descriptor for the
 * answer (SCM_RIGHTS). Never blocks.
 *
 * Return: the descriptor the answer arrives on (O_NONBLOCK, O_CLOEXEC;
 * read it with ask_read_answer()), or negative errno (-EAGAIN: the
 * supervisor is behind: deny)
 */
int ask_send(int chan_fd, const char *kind, const char *host, uint16_t port,
	     const char *detail);

/**
 * ask_read_answer() - Read the answer from an ask_send() descriptor
 * @fd:		the descriptor
 * @by:		who answered ("cmd", "socket", "terminal", "timeout",
 *		"limit", "always"), at least ASK_HOST_MAX + 1 bytes
 *
 * Return: enum ask_answer, -EAGAIN (not yet) or another negative errno
 * (the supervisor is gone, or sent junk: deny)
 */
int ask_read_answer(int fd, char *by);

struct ask_srv;
struct pollfd;

/**
 * ask_srv_new() - The supervisor's ask service, before the jail exists
 * @cfg:	validated configuration
 *
 * With --ask on a terminal (and no --approve-cmd), chooses the word every
 * terminal prompt shows and prints it on stderr now, before COMMAND runs.
 *
 * Context: supervisor, before clone()
 * Return: the service, or NULL when none of --ask, --secret and
 * --hold-push is given
 */
struct ask_srv *ask_srv_new(const struct jail_config *cfg);

/**
 * ask_srv_start() - Open the ask channel and the control socket
 * @srv:	from ask_srv_new(), or NULL (then -1 is returned)
 *
 * The control socket is jail_runtime_dir()/ID.sock, 0600 in a 0700
 * directory, removed by ask_srv_stop().
 *
 * Context: supervisor, after clone(), before the forwarder is forked
 * Return: the forwarder's end of the ask channel (it is closed here once
 * the forwarder has it: call ask_srv_forwarder_started()), or -1
 */
int ask_srv_start(struct ask_srv *srv);

/* The forwarder was forked with the channel: drop our copy of its end */
void ask_srv_forwarder_started(struct ask_srv *srv);

/* Fill @p with the descriptors to poll; Return: how many (<= @max) */
size_t ask_srv_pollfds(struct ask_srv *srv, struct pollfd *p, size_t max);

/* Handle what poll() reported in @p (from ask_srv_pollfds()) */
void ask_srv_events(struct ask_srv *srv, const struct pollfd *p, size_t n);

/* Milliseconds until the next ask times out, or -1 */
int ask_srv_timeout(const struct ask_srv *srv);

/* Answer asks whose time is up; reap --approve-cmd children */
void ask_srv_tick(struct ask_srv *srv);

/* Is a terminal prompt on screen? Then the supervisor relays neither
 * COMMAND's output nor the user's keystrokes (they answer the prompt) */
bool ask_srv_prompting(const struct ask_srv *srv);

/* Deny what is held, stop the --approve-cmd children, remove the socket */
void ask_srv_stop(struct ask_srv *srv);

/* Remove the control socket (die() cleanup; async-signal-safe enough) */
void ask_srv_unlink(void);

#endif /* JAIL_H */

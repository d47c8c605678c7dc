/* SPDX-License-Identifier: MIT */
/*
 * host.h - what the supervisor holds on the host for one run
 *
 * Theory of operation: the pieces of a run that live outside the jail,
 * in the supervisor (or its helpers), for as long as the jail runs:
 *   ask.c       the ask server: the control socket under the runtime
 *               directory, --approve-cmd, the terminal prompt; the
 *               forwarder asks over a socketpair
 *   review.c    --review's overlay: its directories, and at exit the
 *               comparison, the summary, the patch and the apply
 *   record.c    the run's record: the audit log's start and exit lines,
 *               the registry entry jail ps reads, the summary line
 *   protect.c   protected paths, checked from outside at exit
 *   execlog.c   the exec record: each execve() in the jail, read from the
 *               caller while it waits, logged as an exec event
 * Files they read back from trees the jail could write are hostile input
 * (regular files only, bounded, resolved beneath their tree).
 */
#ifndef HOST_H
#define HOST_H

#include "jail.h"
#include "parse/parse.h"

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


/* ---------------------------------------------------------------------
 * record.c: the run's record on the host (audit log, registry, summary)
 * ------------------------------------------------------------------- */

/* $XDG_STATE_HOME/jail/log/ID.jsonl, else ~/.local/state/jail/log/... */
char *record_default_log_path(const struct jail_config *cfg);
/* Open @cfg->log_path into @cfg->log_fd. Return: 0 or negative errno */
int record_open_log(struct jail_config *cfg);
/*
 * The start line is the log's first write: a log that opens but cannot
 * take a line (a full filesystem) fails the jail like one that cannot
 * open, so nothing runs unrecorded. Return: 0 or negative errno
 */
int record_start(const struct jail_config *cfg);
void record_exit(const struct jail_config *cfg, int status, bool timed_out);
void record_path_event(const struct jail_config *cfg, const char *ev,
		       const char *path);
/* The one summary line at exit when anything was denied */
void record_denial_summary(const struct jail_config *cfg);
/* The registry entry `jail ps` reads (best effort), and its removal */
void record_register(const struct jail_config *cfg);
void record_unregister(void);

/* ---------------------------------------------------------------------
 * protect.c: protected paths, checked on the host at exit
 * ------------------------------------------------------------------- */

struct protect_snap {
	char *path;
	bool existed;
	dev_t dev;
	ino_t ino;
};

struct protect_list {
	struct protect_snap p[JAIL_MAX_MOUNTS + 32];
	size_t n;
};

/* Record what each protected path is before the jail starts */
void protect_snapshot(const struct jail_config *cfg, struct protect_list *l);
/*
 * Warn about and log each protected path that was created, replaced or
 * removed during the run. Return: how many changed
 */
size_t protect_verify(const struct jail_config *cfg,
		      const struct protect_list *l);

/* ---------------------------------------------------------------------
 * execlog.c: the exec record (exec events)
 * ------------------------------------------------------------------- */

struct exec_log;

/* The record's state (token bucket, dropped count); lives for the run */
struct exec_log *execlog_new(const struct jail_config *cfg);

/**
 * execlog_handle() - Record one execve/execveat and let it continue
 * @el:		from execlog_new()
 * @notify_fd:	the filter's listener
 * @d:		the notification (@d->is_exec), not answered yet
 *
 * Reads the caller's claimed path, argv, cwd and parent while it waits,
 * checks the notification is still pending, answers CONTINUE, and writes
 * an `exec` event (or counts it when over the rate; see execlog.c).
 *
 * Context: supervisor, from its poll loop
 */
void execlog_handle(struct exec_log *el, int notify_fd,
		    const struct filter_denial *d);

/* Write the count of execs not recorded, if any (end of the run) */
void execlog_finish(struct exec_log *el);

#endif /* HOST_H */

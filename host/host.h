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
 *   reviewgit.c a review's git dirs told as commits (reviewrefs.c reads
 *               the refs, reviewobj.c the objects), and the ref changes
 *               apply holds back when a commit touches a protected path
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
 * @run:	a run under --review; @run->review_dir is set
 *
 * Makes ID/ (0700, in a 0700 root owned by the user), its upper/ (with
 * the project's mode: the overlay's root shows it) and work/, and the
 * meta file (project, command, log, extra protected paths).
 *
 * Context: supervisor, after the log is open, before clone()
 * Must: die with one line on any failure
 */
void review_prepare(struct jail_run *run);

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

struct review_gitdir;

/* A review: its state directory, meta, and the changes once scanned */
struct review {
	char *dir;		/* the state directory */
	char id[17];
	char *project;
	char *command;
	char *log;
	char *protect[REVIEW_MAX_PROTECT];	/* relative to the project */
	size_t n_protect;
	char **alias;		/* where protected paths resolve, and the
				 * symlinks on the way (reviewpath.c) */
	size_t n_alias;
	int upper_fd;		/* O_PATH directories */
	int project_fd;
	struct review_change *c;
	size_t n, cap;
	bool is_truncated;
	int log_fd;
	size_t n_add, n_mod, n_del, n_prot, n_other, n_binary, n_files;
	size_t ins, del;
	struct review_gitdir *git;	/* changed git dirs (reviewgit.c) */
	size_t n_git;
	size_t n_git_held;	/* git dirs whose refs apply holds back */
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

/* The summary on stderr: A/M/D/? lines, '!' for protected, diffstat.
 * Return: how many changes it did not show (past its first lines) */
size_t review_print_summary(const struct review *r);

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
 * ask.c: asks, answered out of band (supervisor)
 * ------------------------------------------------------------------- */

#define ASK_MAX 64		/* asks held at once, per jail */

struct ask_srv;
struct pollfd;

/**
 * ask_srv_new() - The supervisor's ask service, before the jail exists
 * @run:	the run (its configuration and host resources)
 *
 * With --ask on a terminal (and no --approve-cmd), chooses the word every
 * terminal prompt shows and prints it on stderr now, before COMMAND runs.
 *
 * Context: supervisor, before clone()
 * Return: the service, or NULL when none of --ask, --secret and
 * --hold-push is given
 */
struct ask_srv *ask_srv_new(const struct jail_run *run);

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
/* Open @run->log_path into @run->log_fd. Return: 0 or negative errno */
int record_open_log(struct jail_run *run);
/*
 * The start line is the log's first write: a log that opens but cannot
 * take a line (a full filesystem) fails the jail like one that cannot
 * open, so nothing runs unrecorded. Return: 0 or negative errno
 */
int record_start(const struct jail_run *run);
void record_exit(const struct jail_run *run, int status, bool timed_out);
void record_path_event(const struct jail_run *run, const char *ev,
		       const char *path);
/* The one summary line at exit when anything was denied */
void record_denial_summary(const struct jail_run *run);
/* The registry entry `jail ps` reads (best effort), and its removal */
void record_register(const struct jail_run *run);
void record_unregister(void);
/*
 * The registry entry of run @cfg's ID, by its name: for a process forked
 * before record_register() (the keeper of a killed supervisor)
 */
void record_unregister_id(const struct jail_config *cfg);

/* ---------------------------------------------------------------------
 * protect.c: protected paths, checked on the host at exit
 * ------------------------------------------------------------------- */

struct protect_snap {
	char *path;
	bool existed;
	dev_t dev;
	ino_t ino;
	mode_t type;	/* S_IFMT bits */
	char *target;	/* a symlink's target, or NULL */
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
size_t protect_verify(const struct jail_run *run,
		      const struct protect_list *l);

/* ---------------------------------------------------------------------
 * reviewpath.c: protected paths of a review decided on resolved paths
 * ------------------------------------------------------------------- */

/**
 * review_resolve() - Resolve @rel through the symlinks of the result
 * @r:		a review with upper_fd and project_fd open
 * @rel:	path relative to the project
 * @is_whole:	resolve the last component too (else only its directories)
 * @out:	the resolved path, relative to the project ("" for the top)
 * @size:	size of @out
 * @links:	called with each symlink met on the way (its own path,
 *		resolved up to it), or NULL
 * @ctx:	passed to @links
 *
 * The result is what the project becomes once every change is applied:
 * the upper layer's entry where it has one (a whiteout: none), else the
 * project's. Symlinks are read, never followed by the kernel, and
 * resolution stops at 40 of them or where a target leaves the project.
 *
 * Return: 0, -ELOOP (too many links), -EXDEV (a target leaves the
 * project), -ENAMETOOLONG
 */
int review_resolve(const struct review *r, const char *rel, bool is_whole,
		   char *out, size_t size,
		   void (*links)(void *ctx, const char *link), void *ctx);

/**
 * review_alias_protected() - Where the protected paths really lie
 * @r:		a review, upper_fd and project_fd open, @r->protect set
 * @paths:	protected paths relative to the project
 * @n_paths:	entries of @paths
 *
 * Adds to @r->alias each protected path's resolved location when it
 * differs, and every symlink met on the way to it: a symlinked parent of
 * a protected path is protected itself.
 */
void review_alias_protected(struct review *r, const char *const *paths,
			    size_t n_paths);

/* Is @rel at or below an alias (or, for a deletion, above one)? */
bool review_is_aliased(const struct review *r, const char *rel, char kind);

/* ---------------------------------------------------------------------
 * ttyrelay.c: the terminal filter's I/O side, in the supervisor
 * ------------------------------------------------------------------- */

struct jail_config;

/* Whether the user's locale (LC_ALL, LC_CTYPE, LANG) is UTF-8 */
bool ttyrelay_locale_is_utf8(void);

/**
 * ttyrelay_write() - Write COMMAND's output to @fd, filtered by @f
 * @f:		the filter, or NULL under --tty-allow raw
 *
 * Context: supervisor, the pty relay
 * Return: 0, or negative errno from write
 */
int ttyrelay_write(struct tty_filter *f, int fd, const uint8_t *buf,
		   size_t len);

/**
 * ttyrelay_report() - Log and tell what the filter dropped, once
 * @run:	the run (its configuration and host resources)
 * @f:		the filter, or NULL
 *
 * Counts a sequence left unfinished, then writes one "tty.drop" audit
 * event per kind dropped, with its count, and one line on stderr when
 * anything was dropped.
 * Context: supervisor, after the terminal was restored
 */
void ttyrelay_report(const struct jail_run *run, struct tty_filter *f);

/* ---------------------------------------------------------------------
 * placeholder.c: absent protected paths held by read-only placeholders
 * ------------------------------------------------------------------- */

struct placeholders;

/**
 * placeholders_make() - Keep absent protected paths from being created
 * @cfg:	validated configuration
 *
 * Context: supervisor, after "go", while the jail builds its view, which
 * waits for MSG_PLACEHOLDERS before it binds the trees they lie in; so
 * they exist before COMMAND runs, and stay bound if we are killed
 *
 * Return: what was made, for placeholders_remove()
 */
struct placeholders *placeholders_make(const struct jail_config *cfg);

/**
 * placeholders_exclude() - The project's placeholders as exclude lines
 * @cfg:	validated configuration
 * @p:		from placeholders_make()
 *
 * Context: supervisor, for the private .git/info/exclude
 * (gitguard_fill()): git inside must not see them as new files
 *
 * Return: "\n/NAME" for each, relative to the project (caller frees)
 */
char *placeholders_exclude(const struct jail_config *cfg,
			   const struct placeholders *p);

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

/*
 * The registry file @p holds locked while the run lasts (a later run
 * takes its lock to know the run is over), or -1: a process that does
 * placeholders_remove() for the run keeps it open
 */
int placeholders_registry_fd(const struct placeholders *p);

/* ---------------------------------------------------------------------
 * gitguard.c, gitview.c: the private git dirs, built into the view and
 * copied back, validated, at exit
 * ------------------------------------------------------------------- */

#define GITGUARD_MAX_DIRS 64	/* git dirs guarded per run */
#define GITGUARD_MAX_NEW 64	/* new repositories reported at exit */
#define GITGUARD_MAX_PROTECT 160	/* paths git's configuration names */
#define GITGUARD_MAX_TREES 8	/* writable trees beside the project */
/* each git dir's private tmpfs and its logs/ upper tmpfs, then the private
 * tmpfs over placeholders */
#define GITGUARD_MAX_FDS (2 * GITGUARD_MAX_DIRS + 8)

/* HEAD, refs/stash, ORIG_HEAD of a git dir with a work tree, at start */
#define GITHEAD_REFS 3
struct githead {
	bool has[GITHEAD_REFS];
	uint8_t id[GITHEAD_REFS][20];
	uint8_t *packed;	/* a common dir's packed-refs at start, or NULL */
	size_t packed_len;
	bool is_packed_read;	/* absent or read whole at start */
};

/* The git dirs of the project, found before the jail starts */
struct gitguard {
	char *dir[GITGUARD_MAX_DIRS];	/* real host paths, parents first */
	int dir_fd[GITGUARD_MAX_DIRS];	/* O_PATH, opened by the supervisor */
	size_t n_dirs;
	char *dotgit[GITGUARD_MAX_NEW * 4];	/* .git entries at start */
	size_t n_dotgit;
	bool is_truncated;	/* a bound cut the search short */
	char *protect[GITGUARD_MAX_PROTECT];	/* for the caller to protect */
	const char *protect_why[GITGUARD_MAX_PROTECT];
	const char *project;	/* the project, for relative hooksPath */
	size_t n_protect;
	time_t started;		/* when the list was made, before the jail */
	uint32_t agent_absent;	/* bit i: gitguard_agent_dirs[i] absent */
	/* Set by gitguard_fill(): the state files copied in (bit k) ... */
	uint32_t copied[GITGUARD_MAX_DIRS];
	struct gitguard_stamp *stamp;	/* ... and each copy as made */
	struct githead *heads;	/* per git dir, by githead_note() */
	char *top[GITGUARD_MAX_DIRS];	/* each one's work tree, or NULL */
	/* Writable trees walked like the project (--rw, a persistent --home) */
	char *tree[GITGUARD_MAX_TREES];
	/* bit i: fsview_default_protect[i] absent there at start; --home: 0 */
	uint32_t tree_absent[GITGUARD_MAX_TREES];
	/* --home: seen inside at another path, so walked at exit only */
	bool tree_is_home[GITGUARD_MAX_TREES];
	size_t n_trees;
};

/**
 * gitstage_index_is_safe() - May the jail's index of a git dir land?
 * @run:	the run (its protected paths; the audit log)
 * @real:	the real git dir, O_PATH
 * @gitdir:	its path, for messages and to find its work tree
 * @buf:	the index from the jail, untrusted
 * @len:	its length
 *
 * False, with one warning and git.refused, when it stages a protected
 * path differently from the host's index, or cannot be read.
 *
 * Context: supervisor, gitguard_finish(), after the jail is gone
 */
bool gitstage_index_is_safe(const struct jail_run *run, int real,
			    const char *gitdir, const uint8_t *buf,
			    size_t len);

/**
 * gitguard_rename_aside() - Move @name of @dir out of the way
 * @dir:	the directory, opened by the caller without symlinks
 * @name:	the entry
 * @base:	the name it gets: @base, @base.1 ... @base.9, else a random
 *		suffix (names the jail made beforehand are never replaced)
 * @to:		set to the name given (caller frees)
 *
 * Return: 0 or -errno
 */
int gitguard_rename_aside(int dir, const char *name, const char *base,
			  char **to);

/**
 * gitstage_packed_filter() - Leave out of the jail's packed-refs of a
 * git dir each replace ref the host's packed-refs does not name (same
 * name and value), with one warning and git.refused
 * @run:	the run
 * @real:	the real git dir, O_PATH
 * @gitdir:	its path, for messages
 * @buf:	the packed-refs from the jail, checked by gitstate_check();
 *		changed in place
 * @len:	its length; updated
 *
 * Context: supervisor, gitguard_finish(), after the jail is gone
 *
 * Return: the number of refs left out
 */
size_t gitstage_packed_filter(const struct jail_run *run, int real,
			      const char *gitdir, uint8_t *buf, size_t *len);

/**
 * gitstage_drop_replace_refs() - Remove the replace refs made or changed
 * during the run (refs/replace/ is shared with the host), each warned
 * about and logged (git.refused)
 * @run:	the run
 * @gfd:	the real git dir, O_PATH
 * @gitdir:	its path, for messages
 * @started:	when the run started (their ctimes are compared)
 *
 * Context: supervisor, gitguard_finish(), after the jail is gone
 */
void gitstage_drop_replace_refs(const struct jail_run *run, int gfd,
				const char *gitdir, time_t started);

/**
 * gitstage_protected() - The protected paths of a git dir's work tree
 * @cfg:	the configuration
 * @top:	the work tree (gitguard_top_of()), or NULL if unknown
 * @out:	set to the paths, relative to the work tree (caller frees
 *		each): the default list, and below @top each path the jail
 *		may not leave there (protected, or a private or throwaway
 *		copy: --protect, profiles, git's configuration)
 * @max:	room in @out
 *
 * Return: how many
 */
size_t gitstage_protected(const struct jail_config *cfg, const char *top,
			  char **out, size_t max);

/**
 * githead_note() - Note the commits HEAD and refs/stash name in each git
 * dir with a work tree
 * @g:		the list being collected
 *
 * Context: supervisor, end of gitguard_collect()
 */
void githead_note(struct gitguard *g);

/**
 * githead_check() - Say each protected path that a commit HEAD or
 * refs/stash moved to during the run carries (git.protected_commit)
 * @run:	the run
 * @g:		the git dirs, noted by githead_note()
 * @stash_len:	per git dir, githead_stash_log_len() before the copy-back:
 *		the stash entries beyond it are looked at too
 *
 * Context: supervisor, gitguard_finish(), after the copy-back
 */
void githead_check(const struct jail_run *run, const struct gitguard *g,
		   const off_t *stash_len);

/* The size of git dir @gfd's logs/refs/stash (0: none) */
off_t githead_stash_log_len(int gfd);

/**
 * gitstate_dir_carries() - Does a rebase, am or sequencer state dir from
 * the jail name a commit (or hold a patch) that would write a protected
 * path into the working tree?
 * @run:	the run
 * @g:		the git dirs, noted by githead_note()
 * @i:		which one
 * @priv:	its private copy, where the state dir lies
 * @name:	the state dir (rebase-merge, rebase-apply, sequencer)
 *
 * `git rebase --continue` and `git cherry-pick --continue` on the host
 * apply what the todo list picks, merges and resets to, `git am
 * --continue` the patches, `--abort` checks out orig-head or head, and
 * the end of a rebase applies its autostash. Each commit named is looked
 * up like a moved ref (a full id only; a label the list does not set must
 * be a ref of refs/rewritten/). Unreadable, or beyond the bounds: it does.
 *
 * Context: supervisor, gitguard_finish(), before the state dir is copied
 * back
 *
 * Return: the protected path (relative to the work tree; caller frees),
 * or NULL
 */
char *gitstate_dir_carries(const struct jail_run *run,
			   const struct gitguard *g, size_t i, int priv,
			   const char *name);

/* gitwalk.c: the bounds of the walks for .git entries */
#define GITGUARD_WALK_DEPTH 3	/* at start: directory levels */
#define GITGUARD_WALK_DIRS 1024	/* at start: directories read */
#define GITGUARD_WALK_ENTRIES 65536	/* at start: entries per directory */
#define GITGUARD_EXIT_DEPTH 128	/* at exit: directory levels */
#define GITGUARD_EXIT_DIRS (1 << 18)	/* at exit: directories read */
#define GITGUARD_EXIT_ENTRIES (1 << 22)	/* ... entries per directory */

/**
 * gitguard_walk() - Call @fn for each .git entry in the tree @root, and
 * each directory below it that is a git dir itself (a bare repository),
 * within the walk's bounds
 * @root:	the project
 * @started:	0 at start: GITGUARD_WALK_DEPTH levels and
 *		GITGUARD_WALK_DIRS directories outside package trees; at
 *		exit the run's start time: all of it up to
 *		GITGUARD_EXIT_DIRS read, quiet leaves (unchanged during the
 *		run, no directory inside) left unread
 * @fn:		called with the path and its lstat
 * @arg:	passed to @fn
 *
 * Context: supervisor, gitguard_collect() and gitguard_finish()
 *
 * Return: the directories counted (more than the bound: cut short)
 */
struct stat;
size_t gitguard_walk(const char *root, time_t started,
		     void (*fn)(void *, const char *, const struct stat *),
		     void *arg);

/* toolfiles.c: agents' project directories checked at exit, with why */
extern const char *const gitguard_agent_dirs[];
extern const char *const gitguard_agent_dirs_why[];
extern const size_t gitguard_n_agent_dirs;

/*
 * toolfiles.c: files an editor obeys where it opens them, by name (a VS
 * Code workspace NAME.code-workspace, Vim's .exrc ...): why, or NULL
 */
const char *gitguard_editor_file_why(const char *name);

/**
 * gitguard_collect() - Find the git dirs of the project and what their
 * configuration points at
 * @cfg:	configuration being validated (its external git dirs are
 *		already among its mounts)
 *
 * The caller adds @protect of the result to its protected paths: the
 * core.hooksPath directories, the include files and the .git pointer
 * files of submodules and worktrees in the tree.
 *
 * Context: supervisor, config_validate(), before anything is created
 *
 * Return: the list (kept for the run; under --review only its protected
 * paths and its --rw trees' exit walk are used: the overlay needs no
 * private git dirs)
 */
struct gitguard *gitguard_collect(const struct jail_config *cfg);

/* The reason core.hooksPath directories are protected, one string */
extern const char gitguard_hooks_path_why[];

/**
 * gitguard_add_protect() - Protect @path for the run, once
 * @g:		the list being collected
 * @path:	absolute path; taken over
 * @why:	reason shown by --explain (a string that outlives @g)
 *
 * Context: supervisor, gitguard_collect()
 */
void gitguard_add_protect(struct gitguard *g, char *path, const char *why);

/**
 * gitguard_protect_tool_files() - Protect what installed hook managers
 * and path-trusted tools read from the tree (toolfiles.c)
 * @g:		the list being collected, its git dirs and hooks paths known
 *
 * Context: supervisor, end of gitguard_collect()
 */
void gitguard_protect_tool_files(struct gitguard *g);

/**
 * gitguard_open() - Open every guarded git dir as an O_PATH descriptor
 *
 * Context: supervisor, after stray descriptors were closed, before clone:
 * the same descriptors are the view's sources and the copy-back's
 * destinations, so no path is resolved again once the jail runs
 */
void gitguard_open(struct gitguard *g);

/**
 * gitguard_open_sources() - Open the git dirs in the jail's mount namespace
 *
 * Context: command child, with the other view sources (fsview.c step 2)
 *
 * Return: one descriptor per git dir for gitguard_build(), or NULL
 */
int *gitguard_open_sources(const struct jail_config *cfg);

/**
 * gitguard_new_private() - A private dir for each guarded git dir
 * @cfg:	validated configuration
 *
 * Context: command child, with the view's sources, before the view: the
 * supervisor gets them (MSG_GITFS) and fills in the copies
 * (gitguard_fill()) while the view is built; it copies back from them at
 * exit (gitguard_finish())
 *
 * Return: one directory per git dir, in order, then as many for their
 *	   logs/ layers (gitlogs_new_upper()), all in one new tmpfs whose
 *	   detached mount follows them, for gitguard_build(); or NULL; dies
 *	   on failure
 */
int *gitguard_new_private(const struct jail_config *cfg);

/**
 * gitguard_fill() - Copy the state files and dirs into the private tmpfs
 * @cfg:	validated configuration
 * @tmp_fd:	from gitguard_new_private(), received from the child
 * @n_fd:	their number
 * @excl:	exclude lines for the project's info/exclude (the
 *		placeholders, placeholders_exclude()), or NULL
 *
 * Context: supervisor, while the child builds the view and before
 * COMMAND runs (the child waits for MSG_GIT_FILLED): the real git dirs
 * are read through gitguard_open()'s descriptors as hostile input, and
 * nothing is written but into the new tmpfs mounts
 *
 * Return: 0, or negative errno after a warning that names the file
 */
int gitguard_fill(const struct jail_config *cfg, const int *tmp_fd,
		  size_t n_fd, const char *excl);

/**
 * gitguard_build() - Put a private git dir over each guarded one
 * @cfg:	validated configuration
 * @root_fd:	the new root, before pivot
 * @src:	from gitguard_open_sources(); taken over
 * @tmp:	from gitguard_new_private(); taken over: a clone of each
 *		private dir is attached over its git dir and given its
 *		binds (the supervisor makes the copies)
 *
 * Context: command child, in the new mount namespace, after the project
 * and the other binds are in place and before the protected paths
 *
 * Dies on failure
 */
void gitguard_build(const struct jail_config *cfg, int root_fd, int *src,
		    int *tmp);

/**
 * gitguard_binds_whole() - Is @path bound read-only whole by gitview.c?
 * @cfg:	validated configuration
 * @path:	a protected path
 *
 * True for a name at the top level of a private git dir that
 * gitguard_build() binds read-only with all below it when it is a
 * directory there (hooks/ ...); nothing is mounted below it afterwards.
 * The caller checks that a read-only mount is indeed there.
 */
bool gitguard_binds_whole(const struct jail_config *cfg, const char *path);

/**
 * gitguard_finish() - Copy the allowed state back, report new repositories
 * @run:	the run (its configuration and host resources)
 * @tmp_fd:	the private tmpfs of each git dir from gitguard_build()
 * @n_fd:	their number (fewer than the git dirs: none is copied back)
 *
 * Under --review (cfg->git NULL) only the --rw trees and --home are
 * walked: the project's changes wait in the overlay.
 *
 * Context: supervisor, after the jail is gone
 */
void gitguard_finish(const struct jail_run *run, const int *tmp_fd,
		     size_t n_fd);

/* ---------------------------------------------------------------------
 * execlog.c: the exec record (exec events)
 * ------------------------------------------------------------------- */

struct exec_log;

/*
 * The record's state (token bucket, dropped count); lives for the run.
 * @init_pid: the jail's pid 1 as the supervisor sees it (its pid namespace
 * is the one the events' pids are in)
 */
struct exec_log *execlog_new(const struct jail_run *run, pid_t init_pid);

/**
 * execlog_handle() - Record one execve/execveat and let it continue
 * @el:		from execlog_new()
 * @notify_fd:	the filter's listener
 * @d:		the notification (@d->is_exec), not answered yet
 *
 * Reads the caller's claimed path, argv, cwd and parent while it waits,
 * answers CONTINUE (accepted only while the notification is still
 * pending, which validates the reads), and writes an `exec` event (or
 * counts it when over the rate; see execlog.c).
 *
 * Context: supervisor, from its poll loop
 */
struct filter_denial;
void execlog_handle(struct exec_log *el, int notify_fd,
		    const struct filter_denial *d);

/* Write the count of execs not recorded, if any (end of the run) */
void execlog_finish(struct exec_log *el);

#endif /* HOST_H */

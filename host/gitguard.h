/* SPDX-License-Identifier: MIT */
/*
 * gitguard.h - what the private git dirs' modules share among themselves
 * (gitguard.c, gitview.c, gitnew.c, gitlogs.c, gitio.c and the exit
 * checks beside them): the exit check of new repositories, logs/ as an
 * overlay, the hostile reads and copies, and the view helpers fsview.c
 * lends them. What the rest of jail calls stays in host.h.
 */
#ifndef HOST_GITGUARD_H
#define HOST_GITGUARD_H

#include "host/host.h"

/* ---- gitnew.c: repositories that appeared during the run ------------ */

/* What the exit check of new repositories keeps while it runs */
struct gitnew {
	const struct jail_run *run;
	const struct gitguard *g;
	int project_fd;		/* O_PATH of the project, or -1 */
	int tree_fd[GITGUARD_MAX_TREES];	/* O_PATH of g->tree[i], or -1 */
	char *seen[GITGUARD_MAX_NEW * 4];	/* .git paths judged */
	size_t n_seen;
	size_t n_judged;
	size_t n_kept;
	int depth;		/* new repositories being looked into */
	uint64_t logs_private;	/* bit i: git dir i's logs/ an overlay */
};

/**
 * gitnew_judge() - Keep a .git that was not there at start, or move it
 * out of git's sight
 * @r:		the check's state (project_fd opened, g set)
 * @path:	absolute path of a .git entry, or of a bare repository's
 *		directory, inside the project or a --rw tree or --home
 *
 * Kept (and listed) only when it is a directory whose config holds what
 * git init and clone write, with no hook but the samples, no commondir
 * and no config.worktree; anything else is renamed to
 * .git-jail-quarantine beside it (a bare repository's HEAD to
 * HEAD.jail-quarantine) and logged (git.quarantined).
 *
 * Context: supervisor, after the jail is gone
 */
void gitnew_judge(struct gitnew *r, const char *path);

/**
 * gitnew_judge_gitlinks() - gitnew_judge() each .git at a gitlink of the
 * guarded git dirs' indexes, where host git goes in at `git status`
 * @r:		the check's state
 *
 * Context: supervisor, after the copy-back of the indexes
 */
void gitnew_judge_gitlinks(struct gitnew *r);

/**
 * gitnew_drop_symlinks() - Remove the symlinks made during the run in
 * the git dirs' shared directories (objects/, refs/, logs/ ...)
 * @r:		the check's state
 *
 * Host git writes through them: a logs/HEAD pointing at ~/.bashrc gets
 * a reflog line, with a branch name the jail chose, at the next commit.
 * Git makes no symlink there itself.
 *
 * Context: supervisor, after the jail is gone
 */
void gitnew_drop_symlinks(struct gitnew *r);

/**
 * gitnew_check_agent_dirs() - Move aside the agents' project directories
 * (gitguard_agent_dirs) that were absent at start and exist now
 * @r:		the check's state
 *
 * Each is renamed to NAME.jail-quarantine, warned about and logged
 * (fs.quarantined).
 *
 * Context: supervisor, after the jail is gone
 */
void gitnew_check_agent_dirs(struct gitnew *r);

/* Free what the check kept and close its descriptor */
void gitnew_done(struct gitnew *r);

/* gitguard.c, for gitnew.c: a new repository's hooks, listed and logged */
void gitguard_report_hooks(const struct jail_run *run, const char *dotgit);

/**
 * gitguard_replace_file() - Write @buf as @name in @dir, atomically
 * @dir:	the real directory (a descriptor opened beneath its git dir)
 * @name:	one component
 * @buf:	the content, already checked
 * @len:	its length
 * @mode:	the new file's permission bits
 *
 * A new file beside it (O_EXCL, no symlink followed), renamed over it.
 *
 * Return: 0 or a negative errno (the new file is removed then)
 */
int gitguard_replace_file(int dir, const char *name, const uint8_t *buf,
			  size_t len, mode_t mode);

/**
 * overlay_is_whiteout() - Is @st an overlay upper layer's whiteout (the
 * character device 0/0: the lower layer's entry is deleted)?
 */
struct stat;
bool overlay_is_whiteout(const struct stat *st);

/**
 * overlay_is_opaque() - Is the upper layer's directory @dir_fd opaque (made
 * anew: nothing of the lower layer's shows through)? An unprivileged
 * overlay marks it with the user.overlay.opaque attribute.
 */
bool overlay_is_opaque(int dir_fd);

/**
 * gitguard_remove_tree() - Remove @name below @dir, a directory with what
 * it holds
 * @dir:	the real directory (opened beneath its git dir)
 * @name:	one component; nothing is followed through a symlink
 * @max_depth:	directory levels below @name emptied at most
 * @is_plain_only: remove only regular files and directories, and leave
 *		anything else (a symlink, a FIFO) where it is
 *
 * Context: supervisor, at exit, after the jail is gone
 */
void gitguard_remove_tree(int dir, const char *name, int max_depth,
			  bool is_plain_only);

/**
 * gitguard_read_hostile() - Read a file the jail could have written
 * @dir_fd:	directory it lies in
 * @name:	its name, resolved beneath @dir_fd without any symlink
 * @max:	largest size accepted
 * @len:	its length
 *
 * Return: the bytes (caller frees, NUL added), or NULL with errno set
 *	   (ENOENT absent, EINVAL not a regular file, EFBIG too large)
 */
uint8_t *gitguard_read_hostile(int dir_fd, const char *name, size_t max,
			       size_t *len);

/* @s for a terminal: bytes that are not printable ASCII become '?' */
char *gitguard_shown(const char *s);

/* One audit event of the git dirs' exit step, with a path and a reason */
void gitguard_audit(const struct jail_run *run, const char *ev,
		    const char *path, const char *why);

/* ---- gitlogs.c: logs/ as an overlay ---------------------------------- */

/**
 * gitlogs_new_upper() - A directory for the layers of one git dir's logs/
 * @tmp:	the private git dirs' tmpfs (gitguard_new_private()), never
 *		shown in the jail's view
 * @name:	the directory's name in it
 *
 * Holds upper/, work/ and an empty lower/ (for a git dir without logs/).
 * Context: the command child, gitguard_new_private()
 * Return: its descriptor, or -errno
 */
int gitlogs_new_upper(int tmp, const char *name);

/**
 * gitlogs_mount() - Mount logs/ of a private git dir as an overlay
 * @src:	the real git dir (gitguard_open_sources())
 * @dst:	its private tmpfs
 * @up:		from gitlogs_new_upper()
 *
 * Context: the command child, gitguard_build()
 * Return: 0, or -errno (the kernel has no unprivileged overlayfs): the
 * caller binds the real logs/ instead
 */
int gitlogs_mount(int src, int dst, int up);

/**
 * gitlogs_is_private() - Was logs/ an overlay over the real one (@up
 * marked by gitlogs_mount()), so that the jail never wrote the real one?
 * @up:		from gitlogs_new_upper(), received from the child, or -1
 *
 * Context: supervisor, after the jail is gone
 */
bool gitlogs_is_private(int up);

/**
 * gitlogs_copy_back() - Copy the reflogs the jail wrote to the real logs/
 * @run:	the run (audit log)
 * @up:		from gitlogs_new_upper(), received from the child
 * @real:	the real git dir (gitguard_open())
 * @dir:	its path, for messages
 *
 * Only regular files that are reflogs, written beneath the real logs/
 * without following a symlink; whiteouts remove regular files; anything
 * else is refused, warned about and logged (git.refused).
 * Context: supervisor, gitguard_finish(), after a normal exit
 */
void gitlogs_copy_back(const struct jail_run *run, int up, int real,
		       const char *dir);

/* ---- shared by gitguard.c and gitview.c ------------------------------ */

/* How every name in a git dir or a private copy is opened */
#define GITGUARD_RESOLVE \
	(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
#define GITGUARD_MAX_ENTRIES 4096	/* entries of one directory */
#define GITGUARD_STATE_BYTES (64 << 20)	/* one state dir, all files */
#define GITGUARD_TEXT_MAX (16 << 20)

/* What a git dir's top-level entry gets in the private copy */
enum gitguard_kind {
	GITGUARD_OTHER,		/* the real one, read-only */
	GITGUARD_RW_DIR,	/* objects/ refs/ logs/ ...: the real one */
	GITGUARD_STATE_DIR,	/* rebase-merge/ ...: copied in and back */
	GITGUARD_NEST_DIR,	/* worktrees/ modules/: git dirs below */
	GITGUARD_STATE_FILE,	/* HEAD, index ...: copied in and back */
};

/* Return: the kind of @name; for a state file, its size bound in *@max */
enum gitguard_kind gitguard_kind_of(const char *name, bool is_dir,
				   size_t *max);

/* Is @path one of the guarded git dirs? */
bool gitguard_is_listed(const struct gitguard *g, const char *path);

/*
 * Copy regular file @name of @src into @dst (same mode bits, at most
 * @max bytes), resolved beneath @src without symlinks. Return: 0/-errno
 */
int gitguard_copy_file(int src, int dst, const char *name, size_t max);

/*
 * Remember the copy of state file @name just made in private dir @priv
 * of git dir @i: at exit only what the jail changed is copied back.
 * Context: supervisor, gitguard_fill()
 */
void gitguard_note_copy(struct gitguard *g, size_t i, int priv,
			const char *name);

/*
 * Copy directory @name of @src as @dname into @dst: directories and
 * regular files only, at most 4 levels, GITGUARD_MAX_ENTRIES each,
 * *@budget bytes in all. Return: 0/-errno
 */
int gitguard_copy_tree(int src, const char *name, int dst, const char *dname,
		       int depth, size_t *budget);

/* Helpers fsview.c lends gitguard.c (same semantics as its own) */
int fsview_bind_fd(int src_fd, int dst_fd, uint64_t attr);
int fsview_open_target(int root_fd, const char *path, bool is_dir);
int fsview_new_tmpfs(const char *mode);
int fsview_overlay_layers(int fs, int lower, int upper, int work, bool by_fd);
bool fsview_path_under(const char *path, const char *root);

#endif /* HOST_GITGUARD_H */

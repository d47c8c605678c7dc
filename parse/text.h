/* SPDX-License-Identifier: MIT */
/*
 * text.h - the pure parsers of what a jail prints or leaves behind for the
 * host to read: terminal output, audit log lines, git's config and state
 * files, an exec caller's arguments (included by parse/parse.h)
 */
#ifndef PARSE_TEXT_H
#define PARSE_TEXT_H

#include "jail.h"

/* ---------------------------------------------------------------------
 * auditlog.c: reading an audit log back (jail log)
 * ------------------------------------------------------------------- */

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
 * ttyfilter.c: what of COMMAND's terminal output reaches the user's terminal
 * ------------------------------------------------------------------- */

/* --tty-allow: what passes beyond the default allowlist */
#define TTY_ALLOW_CLIPBOARD 1u	/* OSC 52 clipboard writes (never reads) */
#define TTY_ALLOW_RAW 2u	/* everything: no filtering at all */

#define TTY_CSI_MAX 256		/* bytes of one ESC or CSI sequence */
#define TTY_STRING_MAX 4096	/* bytes of a title, hyperlink or colour */
#define TTY_CLIP_MAX 32768	/* bytes of an allowed OSC 52 write */
/* Output can exceed input by what was held from earlier calls */
#define TTY_FILTER_SLACK (TTY_CLIP_MAX + 16)

/* What was dropped, counted separately */
enum tty_kind {
	TTY_KIND_CLIPBOARD,	/* OSC 52, OSC 5522 */
	TTY_KIND_FILE,		/* OSC 1337 (iTerm2), OSC 5113 (kitty) */
	TTY_KIND_OSC,		/* any other OSC */
	TTY_KIND_DCS,		/* DECRQSS, XTGETTCAP, tmux passthrough ... */
	TTY_KIND_APC,		/* kitty graphics ... */
	TTY_KIND_PM,
	TTY_KIND_SOS,
	TTY_KIND_REPORT,	/* requests the terminal answers as input */
	TTY_KIND_WINDOW,	/* iconify, move, resize the host's window */
	TTY_KIND_CSI,		/* any other CSI */
	TTY_KIND_ESC,		/* any other ESC sequence */
	TTY_KIND_C1,		/* 8-bit controls, raw or UTF-8 encoded */
	TTY_KIND_CONTROL,	/* C0 controls that neither move nor clear */
	TTY_KIND_OVERLONG,	/* a sequence past its length bound */
	TTY_KIND_PROBE,		/* tty_kind_is_probe() */
	TTY_N_KINDS
};

/* The filter's state, carried from one read of the pty to the next */
struct tty_filter {
	unsigned int allow;	/* TTY_ALLOW_* */
	bool is_utf8;		/* the user's terminal decodes UTF-8 */
	uint8_t state;		/* parser state (ttyfilter.c) */
	uint8_t str_kind;	/* the kind of the string being read */
	bool is_dropping;	/* the sequence is judged: drop it */
	uint8_t drop_kind;	/* ... as this kind */
	bool str_8bit;		/* the string began with an 8-bit control */
	uint8_t u8_need;	/* UTF-8 continuation bytes still expected */
	uint8_t u8_len;
	uint8_t u8_lo, u8_hi;	/* the range of the next continuation byte */
	uint8_t u8[4];
	size_t seq_len;
	uint8_t seq[TTY_CLIP_MAX + 8];	/* the sequence read so far */
	unsigned long long n_dropped[TTY_N_KINDS];
};

/**
 * tty_filter_init() - Start a filter at the ground state
 * @f:		the filter
 * @allow:	TTY_ALLOW_* bits
 * @is_utf8:	the user's terminal decodes UTF-8 (else 8-bit, where every
 *		byte 0x80..0x9F is a control)
 */
void tty_filter_init(struct tty_filter *f, unsigned int allow, bool is_utf8);

/**
 * tty_filter_run() - Filter one read of COMMAND's terminal output
 * @f:		the filter, carrying sequences split across reads
 * @in:		bytes COMMAND wrote (untrusted)
 * @in_len:	their number
 * @out:	where what may reach the user's terminal goes
 * @out_len:	its size: at least @in_len + TTY_FILTER_SLACK
 *
 * Pure: no I/O, no allocation. Only whole sequences that are allowed are
 * written, so between two calls the user's terminal is always at its
 * ground state. A sequence not complete at the end of @in is held in @f.
 *
 * Return: bytes written to @out, or -E2BIG when @out_len is too small
 */
ssize_t tty_filter_run(struct tty_filter *f, const uint8_t *in, size_t in_len,
		       uint8_t *out, size_t out_len);

/* End of output: count a sequence still held as dropped, and reset */
void tty_filter_finish(struct tty_filter *f);

/* The total of @f->n_dropped */
unsigned long long tty_filter_dropped(const struct tty_filter *f);

/* The total of @f->n_dropped without probes: what the user is told of */
unsigned long long tty_filter_dropped_shown(const struct tty_filter *f);

/*
 * tty_kind_is_probe() - Whether drops of @kind are capability probes
 *
 * Probes are the questions ordinary full-screen programs ask at start
 * (colour queries, XTGETTCAP, DECRQSS, XTVERSION, DECRQM ...), answered
 * with the terminal's own state. They are dropped like any report, since
 * the answer would arrive as typed input, but only logged: telling the
 * user after every vim session would teach them to ignore the line that
 * matters.
 */
bool tty_kind_is_probe(enum tty_kind kind);

/* A short token for @kind ("clipboard", "dcs"), as the audit log has it */
const char *tty_kind_token(enum tty_kind kind);
/* A few words for @kind ("clipboard write"), for a person */
const char *tty_kind_label(enum tty_kind kind);

/**
 * tty_allow_parse() - Parse one --tty-allow value
 * @arg:	"clipboard", "raw", or a comma list of them
 * @allow:	TTY_ALLOW_* bits added
 *
 * Return: 0, or -EINVAL for an empty or unknown word
 */
int tty_allow_parse(const char *arg, unsigned int *allow);

/* ---- ttycsi.c: the CSI rules of tty_filter_run() -------------------- */

#define TTY_PASS 0xff	/* a verdict: passes (else a tty_kind to drop as) */

/* The verdict on one whole CSI "ESC [ ... F" (@n bytes): TTY_PASS or a kind */
uint8_t tty_csi_judge(const uint8_t *s, size_t n);

/*
 * The length of the CSI at @s (@n bytes) when it is whole there and
 * passes with any parameters (SGR, cursor movement), else 0: the fast
 * path, decided without the state machine
 */
size_t tty_csi_plain_len(const uint8_t *s, size_t n);


/* ---------------------------------------------------------------------
 * gitconfig.c: git's config and state files, read as bytes the jail could
 * have written
 * ------------------------------------------------------------------- */

#define GITCFG_MAX_PATHS 16	/* include paths kept per file */
#define GITCFG_VALUE_MAX 1024	/* longest value kept, NUL included */
#define GITCFG_INPUT_MAX (1 << 20)	/* longest config file parsed */

/* What git's configuration points at that makes git run something */
struct gitcfg_refs {
	char hooks_path[GITCFG_VALUE_MAX];	/* core.hooksPath, "" if unset */
	char worktree[GITCFG_VALUE_MAX];	/* core.worktree, "" if unset */
	char include[GITCFG_MAX_PATHS][GITCFG_VALUE_MAX];	/* include.path,
							 * includeIf.*.path */
	size_t n_include;
	size_t n_dropped;	/* include paths beyond GITCFG_MAX_PATHS */
};

/**
 * gitcfg_parse() - Find core.hooksPath and the include paths in a config
 * @buf:	the file's bytes (untrusted: the jail may have written them)
 * @len:	their length, at most GITCFG_INPUT_MAX
 * @out:	filled; the last core.hooksPath wins, like in git
 *
 * Follows git's syntax: sections in brackets with an optional quoted
 * subsection (or the old [section.sub] form), names case-insensitive,
 * values with quotes, backslash escapes, comments and continuation lines.
 * Pure: no I/O, no allocation.
 *
 * Return: 0, -E2BIG (input too long) or -EINVAL (not a config file; what
 *	   was found before the error is kept in @out)
 */
int gitcfg_parse(const uint8_t *buf, size_t len, struct gitcfg_refs *out);

/**
 * gitcfg_is_inert() - Does a config hold only what a new repository
 * needs (format, remotes, branches, identity), nothing that names a
 * command, a file to include, hooks or another working tree?
 * @buf:	the file's bytes (untrusted: the jail may have written them)
 * @len:	their length, at most GITCFG_INPUT_MAX
 *
 * An allowlist: any other key (core.fsmonitor, alias.*, filter.*, an
 * include, core.hooksPath, core.worktree ...) or a key cut by the
 * reader's bounds makes the file not inert. Pure: no I/O, no allocation.
 *
 * Return: 1 inert, 0 not, -E2BIG (too long) or -EINVAL (not a config
 *	   file: git may read it otherwise than we do)
 */
int gitcfg_is_inert(const uint8_t *buf, size_t len);

/* ---------------------------------------------------------------------
 * cmdrefs.c: the files an agent's JSON settings name as commands
 * ------------------------------------------------------------------- */

#define CMDREF_MAX 32		/* words kept per file */
#define CMDREF_LEN 1024		/* longest word kept, NUL included */
#define CMDREF_INPUT_MAX (1 << 20)	/* longest settings file scanned */

/* The words with a '/' in the command lines of a settings file */
struct cmdrefs {
	char path[CMDREF_MAX][CMDREF_LEN];
	bool is_program[CMDREF_MAX];	/* the word the shell runs */
	size_t n;
	size_t n_dropped;	/* beyond CMDREF_MAX, too long, or cut */
};

/**
 * cmdrefs_from_json() - The paths a JSON settings file names as commands
 * @buf:	the file's bytes (untrusted: the jail may have written them)
 * @len:	their length, at most CMDREF_INPUT_MAX
 * @out:	filled with each word holding a '/' of every string value of
 *		a "command", "args", "apiKeyHelper", "awsAuthRefresh",
 *		"awsCredentialExport" or "otelHeadersHelper" key (or of the
 *		array such a key holds), split as a shell would at blanks,
 *		quotes, '=' and ;&|()<>`
 *
 * A word is marked a program when it begins a command line (or follows
 * ;&|( or a newline there) in the first string after the key, never under
 * "args". Follows only JSON's strings and keys, so a file JSON parsers
 * refuse still gives what it names. Pure: no I/O, no allocation.
 *
 * Return: 0, -E2BIG (too long) or -EINVAL (a string does not end; what
 *	   was found before is kept)
 */
int cmdrefs_from_json(const uint8_t *buf, size_t len, struct cmdrefs *out);

/* What kind of content a git dir's top-level state file must hold */
enum gitstate_kind {
	GITSTATE_HEAD,		/* "ref: refs/..." or one object id */
	GITSTATE_OID,		/* one object id line */
	GITSTATE_OIDS,		/* one or more object id lines */
	GITSTATE_TEXT,		/* text: no NUL byte */
	GITSTATE_PACKED,	/* packed-refs: a "#" header first, then
				 * "OID refs/..." and "^OID" lines */
	GITSTATE_INDEX,		/* the index: "DIRC" signature */
};

/**
 * gitstate_check() - Is @buf acceptable content for a state file?
 * @kind:	what the file is
 * @buf:	its bytes (untrusted)
 * @len:	their length
 *
 * Return: 0 if acceptable, -EBADMSG if not
 */
int gitstate_check(enum gitstate_kind kind, const uint8_t *buf, size_t len);

/**
 * gitstate_todo_has_exec() - Does a rebase/sequencer todo list run a
 * command (an "exec"/"x" line), which git would run on the host at the
 * next `git rebase --continue`?
 *
 * Return: true if any line is an exec command (or the list is not text)
 */
bool gitstate_todo_has_exec(const uint8_t *buf, size_t len);

#define GITSTATE_ID_LEN 20	/* a SHA-1 object id */
#define GITSTATE_LINE_ITEMS 8	/* commits and labels named on one line */
#define GITSTATE_LABEL_MAX 256	/* a label's bytes, NUL included */

/* What one line of a todo list names */
enum gitstate_item_kind {
	GITSTATE_COMMIT,	/* a full object id: picked, merged, reset to */
	GITSTATE_LABEL_USE,	/* a label reset to or merged */
	GITSTATE_LABEL_DEF,	/* a label set ("label NAME") */
};

struct gitstate_todo_line {
	size_t n;
	struct {
		enum gitstate_item_kind kind;
		uint8_t id[GITSTATE_ID_LEN];		/* GITSTATE_COMMIT */
		char label[GITSTATE_LABEL_MAX];		/* the others */
	} item[GITSTATE_LINE_ITEMS];
};

/**
 * gitstate_todo_line() - The commits and labels the next command of a
 * rebase or sequencer todo list names (what `git rebase --continue` or
 * `git cherry-pick --continue` on the host would apply or check out)
 * @c:		cursor over the list (untrusted); advanced past the line
 * @l:		set to the line's items
 *
 * A picked commit (pick, reword, edit, squash, fixup, revert) and the
 * commit of a merge's -C/-c must be a full object id: git would resolve
 * anything else (an abbreviated id, a branch) on the host. A command git
 * does not know, an exec line, or more than GITSTATE_LINE_ITEMS items or
 * a label longer than its bound on one line is refused.
 *
 * Return: 1 with @l set (n may be 0: a comment, a blank line, break ...),
 * 0 at the end of the list, -EBADMSG or -E2BIG
 */
int gitstate_todo_line(struct cursor *c, struct gitstate_todo_line *l);

/**
 * gitstate_patch_names() - Does a patch (a `git am` or apply-based
 * rebase's NNNN file) name a path whose component is @name in one of its
 * header lines (diff --git, ---, +++, rename and copy lines)?
 * @buf:	the patch (untrusted)
 * @len:	its length
 * @name:	one path component, such as ".envrc"
 *
 * Return: true if it does (or holds a NUL byte: not a patch git applies
 * as text, looked at no further)
 */
bool gitstate_patch_names(const uint8_t *buf, size_t len, const char *name);

/**
 * gitstate_next_line_id() - The object id that begins the next line of a
 * state file naming commits (FETCH_HEAD, BISECT_START, MERGE_AUTOSTASH)
 * @c:		cursor over the file (untrusted); advanced past the line
 * @id:		set to the id
 *
 * Lines that do not begin with a full id (40 hex digits, then the end, a
 * blank or a tab) are skipped: a branch name, a message.
 *
 * Return: 1, or 0 at the end
 */
int gitstate_next_line_id(struct cursor *c, uint8_t id[GITSTATE_ID_LEN]);


/* ---------------------------------------------------------------------
 * execargs.c: what an execve() caller claims to run (exec events)
 * ------------------------------------------------------------------- */

#define EXEC_PTRS_READ 1024	/* argv pointers read, to count arguments */
#define EXEC_ARGS_SHOWN 32	/* arguments rendered at most */
#define EXEC_ARG_READ 192	/* bytes read of each argument (and path) */
#define EXEC_ARGV_TEXT 400	/* rendered argv, NUL included */
#define EXEC_PATH_TEXT 240	/* rendered path or cwd, NUL included */
#define EXEC_CUT_MARK "[...]"	/* an argument or path cut here */
#define EXEC_MORE_MAX 40	/* " [+N more arguments]" and its NUL */

/* Bytes read at one argument's address; may lack the NUL */
struct exec_arg {
	const uint8_t *p;
	size_t len;
};

/**
 * exec_argv_count() - Count the pointers of an argv array before its NULL
 * @p:		bytes read at argv (native 64-bit pointers); untrusted
 * @len:	how many were read (a partial last pointer is ignored)
 * @argc:	set to the pointers before the NULL, or all of them
 * @is_complete: set when the NULL was within @len
 *
 * Return: 0
 */
int exec_argv_count(const uint8_t *p, size_t len, size_t *argc,
		    bool *is_complete);

/* Pointer @i of the array read at argv, or 0 beyond @len */
uint64_t exec_argv_ptr(const uint8_t *p, size_t len, size_t i);

/**
 * exec_render_argv() - argv as one line of shell-like words
 * @a:		the first @n_read arguments' bytes, as read
 * @n_read:	at most @argc
 * @argc:	arguments counted (exec_argv_count())
 * @is_complete: @argc is the whole count
 * @out:	result, always NUL-terminated; @out_len >= 64
 *
 * Words made only of [A-Za-z0-9_@%+=:,./-] are shown bare, others in
 * single quotes ('\'' for a quote); control bytes and DEL show as \xNN.
 * An argument without its NUL within what was read, or one that does not
 * fit, ends in EXEC_CUT_MARK; arguments not shown are counted in a final
 * " [+N more arguments]".
 *
 * Return: length of @out, or -E2BIG when @out_len is too small or
 * @n_read > @argc
 */
int exec_render_argv(const struct exec_arg *a, size_t n_read, size_t argc,
		     bool is_complete, char *out, size_t out_len);

/**
 * exec_render_text() - A path as read, printable and bounded
 * @a:		its bytes; untrusted
 * @out:	result, always NUL-terminated
 * @out_len:	its size, at least 8
 *
 * Control bytes show as \xNN; without the NUL within @a, or when @out is
 * full, the text ends in EXEC_CUT_MARK.
 *
 * Return: length of @out, or -E2BIG when @out_len is too small
 */
int exec_render_text(const struct exec_arg *a, char *out, size_t out_len);

/* ---------------------------------------------------------------------
 * gitreader.c: git's configuration format; what a jail may carry
 * ------------------------------------------------------------------- */

#define GITRD_SECTION_MAX 63	/* "color", "user"; lowercased */
#define GITRD_SUB_MAX 127	/* the "sub" of [section "sub"], verbatim */
#define GITRD_NAME_MAX 63	/* a key's last part; lowercased */
#define GITRD_VALUE_MAX (GITCFG_VALUE_MAX - 1)	/* after unquoting */

/* Where gitrd_next() is in the file, and the section it is in */
struct gitrd_state {
	const char *p;
	size_t left;
	char section[GITRD_SECTION_MAX + 1];
	char sub[GITRD_SUB_MAX + 1];
	bool is_cut;		/* the section's name was cut */
	bool sub_is_cut;	/* its sub was cut */
};

/* One "name = value" of a section; a part longer than its bound is cut */
struct gitrd_entry {
	char section[GITRD_SECTION_MAX + 1];
	char sub[GITRD_SUB_MAX + 1];
	char name[GITRD_NAME_MAX + 1];
	bool has_value;		/* false: "name" alone, git's true */
	char value[GITRD_VALUE_MAX + 1];
	bool is_cut;		/* section or name cut: no key git knows */
	bool sub_is_cut;	/* sub cut (an includeIf condition, say) */
	bool value_is_cut;	/* value cut: it names nothing real */
};

/* Start reading @len bytes of @buf, which need not be NUL-terminated */
void gitrd_init(struct gitrd_state *st, const char *buf, size_t len);

/**
 * gitrd_next() - The next entry of a git configuration file
 * @st:		state from gitrd_init(); untrusted bytes, see gitreader.c
 * @e:		the entry, when 1 is returned
 *
 * Pure. Sections, quoted subsections, comments, quoted values, escapes
 * (\n \t \b \\ \") and continued lines as git reads them; include
 * directives are returned as ordinary entries and never followed. A NUL
 * byte, a key before any section, an unknown escape or an open quote is
 * malformed. A part longer than its bound is cut and marked in @e. Each
 * call consumes at least one byte.
 *
 * Return: 1 (an entry), 0 (the end) or -EBADMSG; after an error the
 * state is not to be reused
 */
int gitrd_next(struct gitrd_state *st, struct gitrd_entry *e);

/**
 * gitrd_is_carried() - May @e go into a jail's generated ~/.gitconfig?
 * @e:	an entry from gitrd_next()
 *
 * Pure. Only allowlisted keys (identity and settings that run nothing on
 * the host and hold no credential; see gitreader.c), color.* and advice.*
 * with plain values, and alias.* that do not start with "!"; and only
 * values of printable text without control bytes.
 *
 * Return: true when it may
 */
bool gitrd_is_carried(const struct gitrd_entry *e);

#endif /* PARSE_TEXT_H */

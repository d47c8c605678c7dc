/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - what a person runs: jail log, ps, review, pending, approve,
 * always, deny, revoke
 *
 * Theory of operation: each subcommand is one `*_main(argc, argv)` that
 * jail.c's table of subcommands calls with argv[0] the subcommand's name.
 * None of them builds a jail. They read what running or finished jails
 * left on the host (audit logs, the registry under the runtime
 * directory, kept reviews) or talk to a running supervisor over its
 * control socket (ctl.c). Every value they print came from inside a jail
 * at some point, so it is escaped before it reaches the terminal.
 *   logview.c   jail log, jail ps
 *   story.c     what jail log adds to the events: the process tree, the
 *               run in short, and the --markdown summary for CI
 *   reviewcmd.c --review at exit (summary, question) and jail review ID
 *   ctl.c       the control socket's line protocol; jail pending,
 *               approve, always, deny, revoke
 *   help.c      jail help [SUB]: the list of subcommands, each one's usage
 */
#ifndef CMD_H
#define CMD_H

#include "jail.h"
#include "parse/parse.h"

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

/* The same line, its "where" indented by @depth (exec: the process tree) */
size_t logview_render_in_story(const struct audit_event *ev,
			       unsigned int depth, char *out, size_t out_len);

/*
 * @s escaped for a terminal as logview_render_event() escapes values, at
 * most @max code points then "...". Return: length of @out
 */
size_t logview_safe(const char *s, size_t max, char *out, size_t out_len);

/* ---------------------------------------------------------------------
 * story.c: the run told in short (jail log, jail log --markdown)
 * ------------------------------------------------------------------- */

#define STORY_TEXT_MAX 1024	/* one where or decision text */
#define STORY_MAX_INDENT 12	/* levels of the process tree indented */

struct story;

/* An empty story (caller frees with free()) */
struct story *story_new(void);

/**
 * story_feed() - Take one event into the story
 * @st:		from story_new()
 * @ev:		a parsed event, untrusted
 *
 * Counts it, and keeps what the summary lists (bounded lists: commands,
 * denials, questions, secrets, protected paths, changed files). Events of
 * other jails than the first in the log are counted but not listed.
 */
void story_feed(struct story *st, const struct audit_event *ev);

/* Depth of an exec event's process in the tree fed so far (0: top) */
unsigned int story_depth(const struct story *st,
			 const struct audit_event *ev);

/*
 * The "where" and the decision of exec, exec.dropped and review events in
 * words, unescaped. Return: false for other events
 */
bool story_where(const struct audit_event *ev, char *out, size_t out_len);
bool story_decision(const struct audit_event *ev, char *out, size_t out_len);

/* The run in short, as a few lines for a person (before the totals) */
void story_print_summary(const struct story *st);

/**
 * story_print_markdown() - The run as Markdown for a CI job summary
 * @st:		the whole log fed
 * @n_unreadable: lines of the log that did not parse
 *
 * A heading with the exit status, a table of counts (programs, connections
 * allowed, requests denied, questions, secrets, files changed), then the
 * denials, questions, commands (as a tree) and changed files with their
 * diffstat. Every value from the log is shown in a code span or block
 * with backticks escaped, so nothing in it can become a link, an image
 * or HTML.
 */
void story_print_markdown(const struct story *st, unsigned long n_unreadable);


/* ---------------------------------------------------------------------
 * reviewcmd.c: --review at exit, and jail review
 * ------------------------------------------------------------------- */

/**
 * review_finish() - Summarise the run's changes and act on --review
 * @run:	the run (its configuration and host resources)
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
int review_finish(const struct jail_run *run);

/* die() during a run: remove an empty review, else say where it is */
void review_abandon(const struct jail_run *run);

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
 * help.c: jail help, the list of subcommands
 * ------------------------------------------------------------------- */

/* One entry of jail.c's table of subcommands */
struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);	/* argv[0] is @name */
	const char *summary;			/* one line for --help */
};

/* Print "Subcommands:" and one line per entry of @tab */
void help_list_subcommands(FILE *f, const struct subcommand *tab, size_t n);

/**
 * help_main() - `jail help [SUB]`
 * @argc:	argument count
 * @argv:	arguments; @argv[0] is "help"
 * @tab:	the table of subcommands
 * @n:		its length
 *
 * Without SUB: the usage, the options and the subcommands (as jail
 * --help). With SUB: what `jail SUB --help` prints. An unknown SUB is one
 * error line naming the nearest subcommand.
 *
 * Return: exit status: 0, or 125 after one "jail: ..." line
 */
int help_main(int argc, char **argv, const struct subcommand *tab, size_t n);

#endif /* CMD_H */

// SPDX-License-Identifier: MIT
/*
 * story.c - a run told in short: the process tree, what was allowed,
 * refused, asked and changed, and the --markdown summary for CI
 *
 * jail log (logview.c) reads a log line by line and feeds every parsed
 * event here (story_feed()); here they are counted and the few lists a
 * reader wants are kept, each bounded (a hostile command can make a
 * million events; the summary stays a page). The process tree comes from
 * exec events: a process is one level below its parent when the parent
 * was seen, at the top otherwise. Every value came from inside a jail: the
 * text summary escapes it for the terminal (logview_safe()), the Markdown
 * puts it in code spans or blocks with backticks escaped, so that nothing
 * in it becomes a link, an image or HTML on a CI summary page.
 */
#include <stdarg.h>

#include "jail.h"
#include "parse/parse.h"
#include "cmd/cmd.h"

#define STORY_ITEM 320		/* bytes of one listed value */
#define STORY_CMDS 200		/* commands listed */
#define STORY_LIST 40		/* denials, questions, protected paths */
#define STORY_FILES 200		/* changed files listed */
#define STORY_SECRETS 16	/* secret names listed */
#define STORY_PIDS 4096		/* processes remembered for the tree */

struct story_item {
	char text[STORY_ITEM];
	unsigned int depth;
};

struct story_pid {
	long long pid;
	unsigned int depth;
};

struct story_secret {
	char name[64];
	char host[128];
	unsigned long n;
};

/* The counts and bounded lists of one run; see story_feed() */
struct story {
	char jail[72];
	char command[STORY_ITEM];
	char project[STORY_ITEM];
	char net[32];
	char patch[STORY_ITEM];
	bool has_exit, has_review;
	long long status;
	unsigned long n_exec, n_dropped, n_allowed, n_denied, n_asked,
		n_protect, n_leaks;
	long long rv_files, rv_ins, rv_del;
	unsigned int last_depth;
	struct story_pid pids[STORY_PIDS];
	size_t n_pids;		/* ring: the newest overwrite the oldest */
	struct story_item cmds[STORY_CMDS];
	size_t n_cmds;
	struct story_item denials[STORY_LIST];
	size_t n_denials;
	struct story_item questions[STORY_LIST];
	size_t n_questions;
	struct story_item paths[STORY_LIST];
	size_t n_paths;
	struct story_item files[STORY_FILES];
	size_t n_files;
	struct story_secret secrets[STORY_SECRETS];
	size_t n_secrets;
};

static const struct audit_field *find(const struct audit_event *ev,
				      const char *key)
{
	for (size_t i = 0; i < ev->n_fields; i++)
		if (!strcmp(ev->f[i].key, key))
			return &ev->f[i];
	return NULL;
}

static const char *str_of(const struct audit_event *ev, const char *key)
{
	const struct audit_field *f = find(ev, key);

	return f && f->type == AUDIT_STR ? f->s : NULL;
}

static bool int_of(const struct audit_event *ev, const char *key,
		   long long *v)
{
	const struct audit_field *f = find(ev, key);

	if (!f || f->type != AUDIT_INT)
		return false;
	*v = f->i;
	return true;
}

static bool is(const struct audit_event *ev, const char *name)
{
	return !strcmp(ev->event, name);
}

static bool is_denial(const char *e)
{
	size_t n = strlen(e);

	return (n > 5 && !strcmp(e + n - 5, ".deny")) ||
	       !strcmp(e, "secret.leak") || !strcmp(e, "secret.scope");
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static void __attribute__((format(printf, 3, 4)))
add_item(struct story_item *list, size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= STORY_LIST)
		return;
	va_start(ap, fmt);
	vsnprintf(list[*n].text, sizeof(list[*n].text), fmt, ap);
	va_end(ap);
	list[*n].depth = 0;
	(*n)++;
}

struct story *story_new(void)
{
	return xcalloc(1, sizeof(struct story));
}

/* The depth of @pid: its own if seen (an exec without a fork), else one
 * below its parent's, else the top */
static unsigned int depth_of(const struct story *st, long long pid,
			     long long ppid)
{
	size_t n = st->n_pids < STORY_PIDS ? st->n_pids : STORY_PIDS;

	for (size_t k = 0; k < n; k++) {
		const struct story_pid *p =
			&st->pids[(st->n_pids - 1 - k) % STORY_PIDS];

		if (p->pid == pid)
			return p->depth;
	}
	for (size_t k = 0; k < n; k++) {
		const struct story_pid *p =
			&st->pids[(st->n_pids - 1 - k) % STORY_PIDS];

		if (p->pid == ppid)
			return p->depth + 1;
	}
	return 0;
}

static void feed_exec(struct story *st, const struct audit_event *ev)
{
	long long pid = 0, ppid = 0;
	const char *argv = str_of(ev, "argv");
	unsigned int depth;

	int_of(ev, "pid", &pid);
	int_of(ev, "ppid", &ppid);
	depth = depth_of(st, pid, ppid);
	st->pids[st->n_pids % STORY_PIDS] =
		(struct story_pid){ .pid = pid, .depth = depth };
	st->n_pids++;
	st->last_depth = depth;
	st->n_exec++;
	if (st->n_cmds < STORY_CMDS) {
		copy(st->cmds[st->n_cmds].text, STORY_ITEM,
		     argv ? argv : str_of(ev, "path"));
		st->cmds[st->n_cmds++].depth = depth;
	}
}

static void endpoint(const struct audit_event *ev, char *out, size_t len)
{
	const char *host = str_of(ev, "host");
	long long port;

	if (!host)
		host = str_of(ev, "name");
	if (!host)
		host = str_of(ev, "ip");
	if (int_of(ev, "port", &port))
		snprintf(out, len, "%s:%lld", host ? host : "?", port);
	else
		copy(out, len, host ? host : "?");
}

static void feed_secret(struct story *st, const struct audit_event *ev)
{
	const char *name = str_of(ev, "name"), *host = str_of(ev, "host");
	size_t i;

	if (!name)
		return;
	for (i = 0; i < st->n_secrets; i++)
		if (!strncmp(st->secrets[i].name, name,
			     sizeof(st->secrets[i].name) - 1))
			break;
	if (i == st->n_secrets) {
		if (i == STORY_SECRETS)
			return;
		st->n_secrets++;
		copy(st->secrets[i].name, sizeof(st->secrets[i].name), name);
		copy(st->secrets[i].host, sizeof(st->secrets[i].host), host);
	}
	st->secrets[i].n++;
}

static void feed_ask(struct story *st, const struct audit_event *ev)
{
	char where[STORY_ITEM];
	const char *kind = str_of(ev, "kind"), *detail = str_of(ev, "detail");
	const char *answer = str_of(ev, "answer"), *by = str_of(ev, "by");

	endpoint(ev, where, sizeof(where));
	if (is(ev, "ask")) {
		st->n_asked++;
		add_item(st->questions, &st->n_questions, "%s %s%s%s: asked",
			 kind ? kind : "connect", where, detail ? " " : "",
			 detail ? detail : "");
		return;
	}
	/* The answer goes with the question about the same place */
	for (size_t i = st->n_questions; i-- > 0;) {
		char *q = st->questions[i].text;
		size_t n = strlen(q);

		if (n > 7 && !strcmp(q + n - 7, ": asked") && strstr(q, where)) {
			snprintf(q + n - 5, STORY_ITEM - (n - 5), "%s%s%s",
				 answer ? answer : "cancelled",
				 by ? " by " : "", by ? by : "");
			return;
		}
	}
}

static void feed_review(struct story *st, const struct audit_event *ev)
{
	const char *path = str_of(ev, "path"), *kind = str_of(ev, "change");
	long long ins = 0, del = 0;

	if (is(ev, "review")) {
		st->has_review = true;
		int_of(ev, "files", &st->rv_files);
		int_of(ev, "insertions", &st->rv_ins);
		int_of(ev, "deletions", &st->rv_del);
	} else if (is(ev, "review.patch")) {
		copy(st->patch, sizeof(st->patch), str_of(ev, "file"));
	} else if (is(ev, "review.file") && path && st->n_files < STORY_FILES) {
		/* A protected path changed in the overlay: never applied */
		if (kind && !strcmp(kind, "!")) {
			st->n_protect++;
			add_item(st->paths, &st->n_paths,
				 "review: %s (protected, not applied)", path);
		}
		int_of(ev, "insertions", &ins);
		int_of(ev, "deletions", &del);
		snprintf(st->files[st->n_files++].text, STORY_ITEM,
			 "%s %s | +%lld -%lld", kind ? kind : "?", path, ins,
			 del);
	}
}

void story_feed(struct story *st, const struct audit_event *ev)
{
	char where[STORY_ITEM];
	const char *reason = str_of(ev, "reason");

	if (!st->jail[0])
		copy(st->jail, sizeof(st->jail), ev->jail);
	else if (strncmp(st->jail, ev->jail, sizeof(st->jail) - 1))
		return;	/* a log names one run; others are only counted */
	if (is(ev, "start")) {
		copy(st->command, sizeof(st->command), str_of(ev, "command"));
		copy(st->project, sizeof(st->project), str_of(ev, "project"));
		copy(st->net, sizeof(st->net), str_of(ev, "net"));
	} else if (is(ev, "exit")) {
		st->has_exit = int_of(ev, "status", &st->status);
	} else if (is(ev, "exec")) {
		feed_exec(st, ev);
	} else if (is(ev, "exec.dropped")) {
		long long n = 0;

		int_of(ev, "count", &n);
		st->n_dropped += (unsigned long)(n > 0 ? n : 0);
	} else if (is(ev, "net.allow")) {
		st->n_allowed++;
	} else if (is_denial(ev->event)) {
		st->n_denied++;
		st->n_leaks += is(ev, "secret.leak");
		if (is(ev, "syscall.deny"))
			copy(where, sizeof(where), str_of(ev, "syscall"));
		else
			endpoint(ev, where, sizeof(where));
		add_item(st->denials, &st->n_denials, "%s %s%s%s", ev->event,
			 where, reason ? ": " : "", reason ? reason : "");
	} else if (!strncmp(ev->event, "ask", 3)) {
		feed_ask(st, ev);
	} else if (is(ev, "secret.inject")) {
		feed_secret(st, ev);
	} else if (!strncmp(ev->event, "fs.protected", 12)) {
		st->n_protect++;
		add_item(st->paths, &st->n_paths, "%s %s", ev->event,
			 str_of(ev, "path") ? str_of(ev, "path") : "?");
	} else if (!strncmp(ev->event, "review", 6)) {
		feed_review(st, ev);
	}
}

unsigned int story_depth(const struct story *st, const struct audit_event *ev)
{
	return is(ev, "exec") ? st->last_depth : 0;
}

bool story_where(const struct audit_event *ev, char *out, size_t out_len)
{
	const char *argv = str_of(ev, "argv"), *path = str_of(ev, "path");
	long long n = 0, ins = 0, del = 0;

	if (is(ev, "exec")) {
		copy(out, out_len, argv ? argv : path ? path : "?");
	} else if (is(ev, "exec.dropped")) {
		int_of(ev, "count", &n);
		snprintf(out, out_len, "%lld program%s not recorded", n,
			 n == 1 ? "" : "s");
	} else if (is(ev, "review.file")) {
		copy(out, out_len, path ? path : "?");
	} else if (is(ev, "review")) {
		int_of(ev, "files", &n);
		int_of(ev, "insertions", &ins);
		int_of(ev, "deletions", &del);
		snprintf(out, out_len, "%lld file%s changed, +%lld -%lld", n,
			 n == 1 ? "" : "s", ins, del);
	} else if (is(ev, "review.patch")) {
		copy(out, out_len, str_of(ev, "file"));
	} else {
		return false;
	}
	return true;
}

bool story_decision(const struct audit_event *ev, char *out, size_t out_len)
{
	const char *path = str_of(ev, "path"), *kind = str_of(ev, "change");
	long long pid = 0, ins = 0, del = 0;

	if (is(ev, "exec")) {
		int_of(ev, "pid", &pid);
		snprintf(out, out_len, "pid %lld, %s", pid, path ? path : "?");
	} else if (is(ev, "exec.dropped")) {
		copy(out, out_len, "over the exec log's rate");
	} else if (is(ev, "review.file")) {
		int_of(ev, "insertions", &ins);
		int_of(ev, "deletions", &del);
		snprintf(out, out_len, "%s, +%lld -%lld", kind ? kind : "?",
			 ins, del);
	} else if (is(ev, "review.patch")) {
		copy(out, out_len, "patch written");
	} else {
		return false;
	}
	return true;
}

/* ---- the summary for a person ----------------------------------------- */

static void print_safe_line(const char *label, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "  label     TEXT", TEXT escaped for the terminal */
static void print_safe_line(const char *label, const char *fmt, ...)
{
	char raw[STORY_ITEM * 2], safe[STORY_ITEM * 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	logview_safe(raw, 400, safe, sizeof(safe));
	printf("  %-10s %s\n", label, safe);
}

void story_print_summary(const struct story *st)
{
	char id[sizeof(st->jail) * 8];

	if (!st->jail[0])
		return;
	logview_safe(st->jail, 64, id, sizeof(id));
	printf("\nin short (jail %s):\n", id);
	if (st->command[0])
		print_safe_line("ran", "%s", st->command);
	if (st->n_dropped)
		print_safe_line("programs", "%lu started, %lu not recorded "
					    "(over the exec log's rate)",
				st->n_exec + st->n_dropped, st->n_dropped);
	else
		print_safe_line("programs", "%lu started", st->n_exec);
	print_safe_line("network", "%lu connection%s allowed",
			st->n_allowed, st->n_allowed == 1 ? "" : "s");
	print_safe_line("denied", "%lu request%s (network, secrets, system "
				  "calls)",
			st->n_denied, st->n_denied == 1 ? "" : "s");
	if (st->n_asked)
		print_safe_line("questions", "%lu asked", st->n_asked);
	for (size_t i = 0; i < st->n_secrets; i++)
		print_safe_line("secret", "%s used for %s (%lu time%s)",
				st->secrets[i].name, st->secrets[i].host,
				st->secrets[i].n,
				st->secrets[i].n == 1 ? "" : "s");
	for (size_t i = 0; i < st->n_paths; i++)
		print_safe_line("protected", "%s", st->paths[i].text);
	if (st->has_review)
		print_safe_line("files", "%lld changed, +%lld -%lld%s%s",
				st->rv_files, st->rv_ins, st->rv_del,
				st->patch[0] ? "; patch " : "", st->patch);
	if (st->has_exit)
		print_safe_line("exit", "status %lld", st->status);
	else
		print_safe_line("exit", "not recorded (still running, or "
					"jail was killed)");
}

/* ---- Markdown for a CI job summary ------------------------------------ */

/*
 * @s as the inside of a code span or block line: escaped for a terminal
 * (no control characters), backticks as \x60 so the span cannot end
 * early, and in a table cell '|' as "\|"
 */
static const char *md_code(const char *s, bool is_cell, char *out, size_t len)
{
	char safe[STORY_ITEM * 8];
	size_t o = 0;

	logview_safe(s && s[0] ? s : "-", 300, safe, sizeof(safe));
	for (const char *p = safe; *p && o + 5 < len; p++) {
		if (*p == '`') {
			memcpy(out + o, "\\x60", 4);
			o += 4;
		} else if (*p == '|' && is_cell) {
			memcpy(out + o, "\\|", 2);
			o += 2;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}

static void md_row(const char *label, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One table row; the value in a code span */
static void md_row(const char *label, const char *fmt, ...)
{
	char raw[STORY_ITEM * 2], code[STORY_ITEM * 10];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	printf("| %s | `%s` |\n", label, md_code(raw, true, code,
						  sizeof(code)));
}

static void md_list(const char *title, const struct story_item *l, size_t n,
		    unsigned long total)
{
	char code[STORY_ITEM * 10];

	if (!n)
		return;
	printf("\n#### %s\n\n", title);
	for (size_t i = 0; i < n; i++)
		printf("- `%s`\n", md_code(l[i].text, false, code,
					   sizeof(code)));
	if (total > n)
		printf("- ... and %lu more\n", total - (unsigned long)n);
}

static void md_commands(const struct story *st)
{
	char code[STORY_ITEM * 10];

	if (!st->n_cmds)
		return;
	printf("\n#### Commands\n\n```text\n");
	for (size_t i = 0; i < st->n_cmds; i++) {
		unsigned int d = st->cmds[i].depth;

		printf("%*s%s\n", (int)(2 * (d < STORY_MAX_INDENT ?
						     d :
						     STORY_MAX_INDENT)),
		       "", md_code(st->cmds[i].text, false, code,
				   sizeof(code)));
	}
	printf("```\n");
	if (st->n_exec + st->n_dropped > st->n_cmds)
		printf("\n%lu more not shown%s.\n",
		       st->n_exec + st->n_dropped - (unsigned long)st->n_cmds,
		       st->n_dropped ? " (some were over the exec log's "
				       "rate and not recorded)" :
				       "");
}

static void md_files(const struct story *st)
{
	char code[STORY_ITEM * 10], patch[STORY_ITEM * 10];

	if (!st->has_review)
		return;
	printf("\n#### Changed files");
	if (st->patch[0])
		printf(" (patch `%s`)", md_code(st->patch, false, patch,
						sizeof(patch)));
	printf("\n\n```text\n");
	for (size_t i = 0; i < st->n_files; i++)
		printf(" %s\n", md_code(st->files[i].text, false, code,
					sizeof(code)));
	if ((long long)st->n_files < st->rv_files)
		printf(" ... %lld more\n",
		       st->rv_files - (long long)st->n_files);
	printf(" %lld file%s changed, %lld insertion%s(+), %lld "
	       "deletion%s(-)\n```\n",
	       st->rv_files, st->rv_files == 1 ? "" : "s", st->rv_ins,
	       st->rv_ins == 1 ? "" : "s", st->rv_del,
	       st->rv_del == 1 ? "" : "s");
}

void story_print_markdown(const struct story *st, unsigned long n_unreadable)
{
	char id[256], secrets[STORY_ITEM] = "";
	size_t o = 0;

	md_code(st->jail, false, id, sizeof(id));
	if (st->has_exit)
		printf("### jail `%s`: exit status %lld\n\n", id, st->status);
	else
		printf("### jail `%s`: no exit recorded\n\n", id);
	printf("| | |\n|---|---|\n");
	md_row("Command", "%s", st->command);
	md_row("Project", "%s", st->project);
	md_row("Network", "%s", st->net);
	md_row("Programs run", "%lu (%lu not recorded)",
	       st->n_exec + st->n_dropped, st->n_dropped);
	md_row("Connections allowed", "%lu", st->n_allowed);
	md_row("Requests denied", "%lu", st->n_denied);
	md_row("Questions", "%lu", st->n_asked);
	for (size_t i = 0; i < st->n_secrets && o + 1 < sizeof(secrets); i++)
		o += (size_t)snprintf(secrets + o, sizeof(secrets) - o,
				      "%s%s (%lu)", i ? ", " : "",
				      st->secrets[i].name, st->secrets[i].n);
	md_row("Secrets used", "%s", st->n_secrets ? secrets : "none");
	md_row("Protected paths", "%lu event%s", st->n_protect,
	       st->n_protect == 1 ? "" : "s");
	if (st->has_review)
		md_row("Files changed", "%lld (+%lld -%lld)", st->rv_files,
		       st->rv_ins, st->rv_del);
	if (n_unreadable)
		md_row("Unreadable log lines", "%lu", n_unreadable);
	md_list("Denials", st->denials, st->n_denials, st->n_denied);
	md_list("Questions", st->questions, st->n_questions, st->n_asked);
	md_list("Protected paths", st->paths, st->n_paths, st->n_protect);
	md_commands(st);
	md_files(st);
}

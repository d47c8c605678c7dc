// SPDX-License-Identifier: MIT
/*
 * reviewcmd.c - --review at the end of a run (the question on the
 * terminal, keep, patch) and the `jail review` subcommand
 *
 * review.c compares, lists, writes and applies; this file decides what
 * happens to a review and talks to the person.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>

#include "jail.h"
#include "config/config.h"
#include "cmd/cmd.h"
#include "host/host.h"

static void say_kept(const struct review *r, const char *why)
{
	fprintf(stderr,
		"jail: review %s: %s; the changes are kept in \"%s/upper\": "
		"jail review %s (summary), jail review %s apply, jail review "
		"%s discard\n",
		r->id, why, r->dir, r->id, r->id, r->id);
}

static void do_discard(struct review *r)
{
	int err = review_remove_state(r->dir);

	review_log(r, "review.discard", NULL, 0);
	if (err < 0)
		warn("review: remove \"%s\": %s", r->dir, strerror(-err));
}

/* Apply, then drop the state unless something was skipped or failed */
static int do_apply(struct review *r, bool with_protected)
{
	size_t skipped = 0;
	size_t failed = review_apply(r, with_protected, &skipped);

	if (failed || skipped) {
		say_kept(r, failed ? "some changes failed" :
				     "some changes were skipped");
		if (!failed && !with_protected && (r->n_prot || r->n_git_held))
			fprintf(stderr, "jail: review %s: jail review %s apply "
					"--protected applies the protected "
					"changes too\n",
				r->id, r->id);
		return failed ? -EIO : 0;
	}
	return review_remove_state(r->dir);
}

/* ---- asking on the terminal ------------------------------------------ */

/*
 * Read one answer from the user's terminal (stdin). COMMAND is gone and
 * the relay is over; typeahead from the run is dropped first, so nothing
 * typed for COMMAND answers this. SIGINT, SIGTERM and SIGHUP (blocked by
 * the supervisor) end the question. The answer's line, trimmed, is left
 * in @line (@size bytes). Return: its first letter, lowercased, '\n' for
 * an empty answer, 0 for none (EOF, a signal).
 */
/*
 * On a terminal, one key answers (no Enter needed): canonical mode and
 * echo off until the key is read. Return: whether @saved must be restored
 */
static bool one_key_mode(struct termios *saved)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, saved) < 0)
		return false;
	t = *saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	return tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
}

/*
 * Ask @question on the terminal and read the answer into @line: one key
 * when @one_key (shown as typed), else a line up to Enter. SIGINT, SIGTERM
 * and SIGHUP end the question unanswered. Return: the answer's first
 * character, lowercased, '\n' for an empty one, 0 for none
 */
static int ask_line(const char *question, char *line, size_t size,
		    bool one_key)
{
	struct termios saved;
	bool restore = false, answered = false;
	sigset_t set;
	autoclose int sfd = -1;
	size_t len = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	tcflush(STDIN_FILENO, TCIFLUSH);
	fputs(question, stderr);
	fflush(stderr);
	line[0] = '\0';
	if (one_key)
		restore = one_key_mode(&saved);
	while (len < size - 1) {
		struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 },
				       { sfd, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			if (restore)
				tcsetattr(STDIN_FILENO, TCSANOW, &saved);
			fputc('\n', stderr);
			return 0;
		}
		n = read(STDIN_FILENO, line + len, 1);
		if (n <= 0)
			break;
		answered = true;
		if (line[len] == '\n')
			break;
		len++;
		if (restore)
			break;
	}
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		/* Echo what was typed, as the terminal would have */
		fprintf(stderr, "%.*s\n", len ? 1 : 0, line);
	}
	line[len] = '\0';
	if (!answered)
		return 0;
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
		       line[len - 1] == '\r'))
		line[--len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t') {
			memmove(line, line + i, len - i + 1);
			return line[0] | 0x20;
		}
	return '\n';
}

static int ask(const char *question)
{
	char line[64];

	return ask_line(question, line, sizeof(line), true);
}

static void log_keep(struct review *r, const char *why)
{
	review_log(r, "review.keep",
		   (const struct audit_field[]){ AF_STR("dir", r->dir) }, 1);
	say_kept(r, why);
}

/*
 * Changes the summary did not show are applied only on an answer that
 * says so: "y" alone would apply what nobody saw
 */
static int ask_unseen(const struct review *r, size_t hidden)
{
	char q[256], line[64];
	int a;

	snprintf(q, sizeof(q),
		 "jail: %zu change%s not shown above; type \"apply all\" to "
		 "apply them unseen, [N]o (discard), [k]eep for later (jail "
		 "review %s patch FILE shows them all): ",
		 hidden, hidden == 1 ? " was" : "s were", r->id);
	a = ask_line(q, line, sizeof(line), false);
	if (!strcmp(line, "apply all"))
		return 'y';
	return a == 'y' ? 'x' : a;
}

static int finish_ask(struct review *r, size_t hidden)
{
	bool with_protected = false;
	int a = 'x';

	for (int tries = 0; tries < 3 && a != 'y' && a != 'n' && a != '\n' &&
			    a != 'k' && a;
	     tries++)
		a = hidden ? ask_unseen(r, hidden) :
			     ask("jail: apply these changes to the project? "
				 "[y]es, [N]o (discard), [k]eep for later: ");
	if (a == 'y') {
		if (r->n_prot || r->n_git_held) {
			fprintf(stderr,
				"jail: %zu change%s to protected paths (marked "
				"!) can make the host run code later\n",
				r->n_prot + r->n_git_held,
				r->n_prot + r->n_git_held == 1 ? "" : "s");
			with_protected = ask("jail: apply the protected "
					     "changes too? [y/N]: ") == 'y';
		}
		return do_apply(r, with_protected);
	}
	if (a == 'n' || a == '\n') {
		do_discard(r);
		fprintf(stderr, "jail: review: discarded; the project is "
				"unchanged\n");
		return 0;
	}
	log_keep(r, a == 'k' ? "kept" : "no answer");
	return 0;
}

/* The review of this run: state, project, and the --protect paths */
static void review_of(const struct jail_run *run, struct review *r)
{
	const struct jail_config *cfg = run->cfg;
	char *prot[REVIEW_MAX_PROTECT];
	size_t n = fsview_protected(cfg, prot, ARRAY_SIZE(prot));
	size_t plen = strlen(cfg->project);

	r->dir = xstrdup(run->review_dir);
	r->project = xstrdup(cfg->project);
	memcpy(r->id, cfg->id, sizeof(r->id));
	for (size_t i = 0; i < n; i++) {
		if (i >= fsview_n_default_protect &&
		    !strncmp(prot[i], cfg->project, plen) &&
		    prot[i][plen] == '/')
			r->protect[r->n_protect++] =
				xstrdup(prot[i] + plen + 1);
		free(prot[i]);
	}
}

/* --review=patch:FILE. Return: 0, or -errno (the review is then kept) */
static int finish_patch(struct review *r, const char *file)
{
	int err = review_write_patch(r, file);

	if (err < 0) {
		warn("review: write the patch \"%s\": %s", file,
		     strerror(-err));
		say_kept(r, "no patch was written");
		return err;
	}
	review_log(r, "review.patch",
		   (const struct audit_field[]){ AF_STR("file", file),
						 AF_INT("files", r->n_files) },
		   2);
	fprintf(stderr, "jail: review: patch written to \"%s\"; the project "
			"is untouched\n",
		file);
	return review_remove_state(r->dir);
}

int review_finish(const struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;
	struct review r = { .upper_fd = -1, .project_fd = -1,
			    .log_fd = run->log_fd };
	size_t hidden;
	int err;

	review_of(run, &r);
	err = review_scan(&r);
	if (err < 0) {
		say_kept(&r, "the changes could not be read");
		review_free(&r);
		return err;
	}
	review_log_counts(&r);
	if (!r.n) {
		fprintf(stderr, "jail: review: no changes to the project\n");
		/* The CI form always leaves its patch, empty here */
		err = cfg->review == REVIEW_PATCH ?
			      review_write_patch(&r, cfg->review_patch) :
			      0;
		if (err < 0)
			warn("review: write the patch \"%s\": %s",
			     cfg->review_patch, strerror(-err));
		review_remove_state(r.dir);
		review_free(&r);
		return err;
	}
	hidden = review_print_summary(&r);
	if (cfg->review == REVIEW_PATCH)
		err = finish_patch(&r, cfg->review_patch);
	else if (cfg->review == REVIEW_ASK && cfg->is_tty &&
		 isatty(STDERR_FILENO))
		/* The question must be seen where it is answered */
		err = finish_ask(&r, hidden);
	else if (cfg->review == REVIEW_ASK)
		/* No terminal to ask on: nothing lands unasked */
		log_keep(&r, "no terminal to ask on");
	else
		log_keep(&r, "kept for later");
	review_free(&r);
	return err;
}

void review_abandon(const struct jail_run *run)
{
	autofree char *up = NULL;
	autoclose int fd = -1;
	char **names;
	size_t n;

	/* Called from die(): maybe before there is a run, or a review */
	if (!run || !run->review_dir)
		return;
	up = xasprintf("%s/upper", run->review_dir);
	fd = open(up, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/* Only part of it was made */
		review_remove_state(run->review_dir);
		return;
	}
	n = review_list_dir(fd, &names);
	review_free_names(names, n);
	if (!n) {
		review_remove_state(run->review_dir);
		return;
	}
	fprintf(stderr, "jail: review %s: the changes are kept in \"%s\"; "
			"jail review %s shows them\n",
		run->cfg->id, run->review_dir, run->cfg->id);
}

/* ---- jail review ----------------------------------------------------- */

static bool is_id_prefix(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Find the kept review whose ID starts with @prefix; dies otherwise */
static void find_review(const char *root, const char *prefix, struct review *r)
{
	autoclose int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names;
	size_t n, hits = 0;
	const char *hit = NULL;
	int err;

	if (!is_id_prefix(prefix))
		die("review \"%s\": not a jail ID (16 hex digits, or the start "
		    "of one)",
		    prefix);
	if (fd < 0)
		die("review %s: no such review (none kept in \"%s\")", prefix,
		    root);
	err = review_check_private_dir(root);
	if (err < 0)
		die("review: \"%s\": %s; refusing a state directory that is "
		    "not the user's own with mode 0700",
		    root, strerror(-err));
	n = review_list_dir(fd, &names);
	for (size_t i = 0; i < n; i++)
		if (!strncmp(names[i], prefix, strlen(prefix)) &&
		    strlen(names[i]) == 16 && is_id_prefix(names[i])) {
			hits++;
			hit = names[i];
		}
	if (hits != 1)
		die("review %s: %s", prefix,
		    hits ? "more than one review starts so; give more of it" :
			   "no such review; jail review lists the kept ones");
	memcpy(r->id, hit, 17);
	r->dir = xasprintf("%s/%s", root, hit);
	review_free_names(names, n);
	err = review_check_private_dir(r->dir);
	if (err < 0)
		die("review %s: \"%s\": %s; refusing a review not owned by the "
		    "user or open to others",
		    r->id, r->dir, strerror(-err));
	err = review_read_meta(r);
	if (err < 0)
		die("review %s: \"%s/meta\": %s", r->id, r->dir,
		    err == -EBADMSG ? "malformed" : strerror(-err));
}

static int list_reviews(const char *root)
{
	autoclose int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names;
	size_t n, shown = 0;

	if (fd < 0 || review_check_private_dir(root) < 0) {
		printf("no kept reviews\n");
		return 0;
	}
	n = review_list_dir(fd, &names);
	for (size_t i = 0; i < n; i++) {
		struct review r = { .upper_fd = -1, .project_fd = -1 };
		struct stat st;
		char when[32] = "?";

		if (strlen(names[i]) != 16 || !is_id_prefix(names[i]))
			continue;
		r.dir = xasprintf("%s/%s", root, names[i]);
		if (!review_check_private_dir(r.dir) &&
		    !review_read_meta(&r)) {
			if (!shown++)
				printf("%-16s  %-16s  %s\n", "ID", "KEPT SINCE",
				       "PROJECT  (COMMAND)");
			if (stat(r.dir, &st) == 0)
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M",
					 localtime(&st.st_mtime));
			printf("%-16s  %-16s  ", names[i], when);
			review_put_safe(stdout, r.project);
			fputs("  (", stdout);
			review_put_safe(stdout, r.command ? r.command : "?");
			fputs(")\n", stdout);
		}
		review_free(&r);
	}
	review_free_names(names, n);
	if (!shown)
		printf("no kept reviews\n");
	return 0;
}

/*
 * Is jail @id still running? Its upper layer may still change, and is
 * still mounted: refuse to touch it then (jail ps's registry).
 */
static bool is_running(const char *id)
{
	autofree char *dir = jail_runtime_dir();
	autofree char *path = xasprintf("%s/%s.run", dir, id);
	FILE *f = fopen(path, "re");
	static struct audit_event ev;
	char line[AUDIT_LINE_MAX];
	bool has_line;

	if (!f)
		return false;
	has_line = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (!has_line || audit_parse_line(line, strcspn(line, "\n"), &ev) < 0)
		return false;
	for (size_t i = 0; i < ev.n_fields; i++)
		if (!strcmp(ev.f[i].key, "pid") && ev.f[i].type == AUDIT_INT &&
		    ev.f[i].i > 0 && ev.f[i].i <= INT_MAX)
			return kill((pid_t)ev.f[i].i, 0) == 0 || errno == EPERM;
	return false;
}

static __attribute__((noreturn)) void review_usage(void)
{
	die("usage: jail review [ID [apply [--protected] | discard | patch "
	    "FILE]]");
}

int review_main(int argc, char **argv)
{
	autofree char *root = review_state_root();
	struct review r = { .upper_fd = -1, .project_fd = -1, .log_fd = -1 };
	const char *verb = argc > 2 ? argv[2] : "show";
	bool with_protected = false;
	int err;

	if (argc < 2)
		return list_reviews(root);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("Usage: jail review                 list kept reviews\n"
		       "       jail review ID              show its summary\n"
		       "       jail review ID apply [--protected]\n"
		       "       jail review ID discard\n"
		       "       jail review ID patch FILE   (FILE - for "
		       "standard output)\n");
		return 0;
	}
	if (!strcmp(verb, "apply") && argc == 4 &&
	    !strcmp(argv[3], "--protected"))
		with_protected = true;
	else if (!(argc == 2 || (argc == 3 && (!strcmp(verb, "apply") ||
					       !strcmp(verb, "discard"))) ||
		   (argc == 4 && !strcmp(verb, "patch"))))
		review_usage();
	find_review(root, argv[1], &r);
	if (strcmp(verb, "show") && is_running(r.id))
		die("review %s: that jail is still running; wait until it "
		    "ends",
		    r.id);
	if (strcmp(verb, "patch") && strcmp(verb, "show") && r.log) {
		r.log_fd = audit_open(r.log);
		if (r.log_fd < 0)
			warn("review: audit log \"%s\": %s; not logged",
			     r.log, strerror(-r.log_fd));
	}
	if (!strcmp(verb, "patch") && strcmp(argv[3], "-")) {
		autofree char *dir = xstrdup(argv[3]);
		char *slash = strrchr(dir, '/');

		if (slash)
			*slash = '\0';
		if (access(slash ? (dir[0] ? dir : "/") : ".", W_OK) < 0)
			die("review %s: patch \"%s\": %s", r.id, argv[3],
			    strerror(errno));
	}
	if (!strcmp(verb, "discard")) {
		do_discard(&r);
		fprintf(stderr, "jail: review %s: discarded\n", r.id);
		review_free(&r);
		return 0;
	}
	err = review_scan(&r);
	if (err < 0)
		die("review %s: read the changes: %s", r.id, strerror(-err));
	if (!strcmp(verb, "show")) {
		if (r.n)
			review_print_summary(&r);
		else
			fprintf(stderr, "jail: review %s: no changes left to "
					"apply\n",
				r.id);
		review_free(&r);
		return 0;
	}
	if (!strcmp(verb, "patch")) {
		/* The patch carries the command's bytes as they are */
		if (!strcmp(argv[3], "-") && isatty(STDOUT_FILENO))
			die("review %s: patch -: standard output is a "
			    "terminal, which the command's bytes could "
			    "command; redirect it: jail review %s patch - | "
			    "less, or jail review %s patch FILE",
			    r.id, r.id, r.id);
		err = review_write_patch(&r, argv[3]);
		if (err < 0)
			die("review %s: write \"%s\": %s", r.id, argv[3],
			    strerror(-err));
		review_free(&r);
		return 0;
	}
	review_print_summary(&r);
	err = do_apply(&r, with_protected);
	review_free(&r);
	return err < 0 ? EXIT_JAIL_FAILED : 0;
}

// SPDX-License-Identifier: MIT
/*
 * ctl.c - the ask and control protocol; jail pending, approve, always,
 * deny and revoke
 *
 * One grammar of short text lines serves two channels:
 *  - the ask channel between the forwarder (or a process forked from it)
 *    and the supervisor: "ask 0 0 KIND HOST PORT DETAIL" with a reply
 *    descriptor, answered "answer ANSWER BY" on that descriptor;
 *    "revoke NAME" the other way;
 *  - the control socket of each running jail, $XDG_RUNTIME_DIR/jail/
 *    ID.sock: one request per connection ("pending", "secrets",
 *    "answer ANSWER HOST", "revoke NAME"), answered with "ask ..." or
 *    "secret ..." lines and "end", or with "ok COUNT" / "err TEXT".
 * Each side parses what the other sent with ctl_parse(), and each checks
 * that its peer is a host process of the same user (ctl_peer_check()):
 * a process inside a jail can neither answer nor pose as a jail.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "jail.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

#define CTL_IO_MS 3000		/* a jail that does not answer by then */
#define CTL_MAX_JAILS 256
#define CTL_MAX_LINES (ASK_MAX + JAIL_MAX_SECRETS + 2)

/* ---- the grammar (pure) ------------------------------------------- */

static bool is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
	       c == ':';
}

static bool is_name_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * Split the next word off @c (up to a space or the end), of at most @max
 * bytes; the space after it is consumed. Return: its length, or -EBADMSG
 */
static int next_word(struct cursor *c, const char **w, size_t max)
{
	size_t n = 0;

	while (n < c->left && c->p[n] != ' ')
		n++;
	if (n == 0 || n > max)
		return -EBADMSG;
	*w = (const char *)c->p;
	c->p += n;
	c->left -= n;
	if (c->left) {
		/* One space, then another word: never a trailing space */
		c->p++;
		c->left--;
		if (!c->left)
			return -EBADMSG;
	}
	return (int)n;
}

static bool at_end(const struct cursor *c)
{
	return c->left == 0;
}

static int word_is(const char *w, int n, const char *lit)
{
	return (size_t)n == strlen(lit) && !memcmp(w, lit, (size_t)n);
}

static int get_number(struct cursor *c, unsigned long long max,
		      unsigned long long *out)
{
	const char *w;
	int n = next_word(c, &w, 12);
	unsigned long long v = 0;

	if (n < 0 || (n > 1 && w[0] == '0'))
		return -EBADMSG;
	for (int i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -EBADMSG;
		v = v * 10 + (unsigned long long)(w[i] - '0');
	}
	if (v > max)
		return -EBADMSG;
	*out = v;
	return 0;
}

static int get_kind(struct cursor *c, char *out)
{
	const char *w;
	int n = next_word(c, &w, ASK_KIND_MAX);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return -EBADMSG;
	memcpy(out, w, (size_t)n);
	out[n] = '\0';
	return 0;
}

static int get_host(struct cursor *c, char *out)
{
	const char *w;
	int n = next_word(c, &w, ASK_HOST_MAX);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (!is_host_char(w[i]))
			return -EBADMSG;
	memcpy(out, w, (size_t)n);
	out[n] = '\0';
	return 0;
}

static int get_name(struct cursor *c, char *out)
{
	const char *w;
	int n = next_word(c, &w, CTL_NAME_MAX);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (!is_name_char(w[i], i == 0))
			return -EBADMSG;
	memcpy(out, w, (size_t)n);
	out[n] = '\0';
	return 0;
}

/* The rest of the line, printable ASCII, at most @max bytes */
static int get_rest(struct cursor *c, char *out, size_t max)
{
	if (c->left > max)
		return -EBADMSG;
	for (size_t i = 0; i < c->left; i++)
		if (c->p[i] < 0x20 || c->p[i] > 0x7e)
			return -EBADMSG;
	memcpy(out, c->p, c->left);
	out[c->left] = '\0';
	c->p += c->left;
	c->left = 0;
	return 0;
}

static int parse_ask(struct cursor *c, struct ctl_msg *m)
{
	unsigned long long port;

	if (get_number(c, 999999999999ULL, &m->seq) < 0 ||
	    get_number(c, 999999999999ULL, &m->wait_s) < 0 ||
	    get_kind(c, m->kind) < 0 || get_host(c, m->host) < 0)
		return -EBADMSG;
	/* PORT ends the line when there is no detail */
	if (get_number(c, 65535, &port) < 0)
		return -EBADMSG;
	m->port = (uint16_t)port;
	return get_rest(c, m->detail, ASK_DETAIL_MAX);
}

static int parse_answer(struct cursor *c, struct ctl_msg *m)
{
	const char *w;
	int n = next_word(c, &w, 8);

	if (n < 0)
		return n;
	if (word_is(w, n, "allow"))
		m->answer = ASK_ALLOW;
	else if (word_is(w, n, "always"))
		m->answer = ASK_ALWAYS;
	else if (word_is(w, n, "deny"))
		m->answer = ASK_DENY;
	else
		return -EBADMSG;
	if (get_host(c, m->host) < 0 || !at_end(c))
		return -EBADMSG;
	return 0;
}

static int parse_secret(struct cursor *c, struct ctl_msg *m)
{
	const char *w;
	int n;

	if (get_name(c, m->name) < 0)
		return -EBADMSG;
	n = next_word(c, &w, 8);
	if (n < 0 || !at_end(c))
		return -EBADMSG;
	if (word_is(w, n, "revoked"))
		m->is_revoked = true;
	else if (!word_is(w, n, "active"))
		return -EBADMSG;
	return 0;
}

static int parse_verb(struct cursor *c, const char *w, int n,
		      struct ctl_msg *m)
{
	static const struct {
		const char *word;
		enum ctl_verb verb;
	} verbs[] = {
		{ "ask", CTL_ASK },	    { "answer", CTL_ANSWER },
		{ "pending", CTL_PENDING }, { "secrets", CTL_SECRETS },
		{ "secret", CTL_SECRET },   { "revoke", CTL_REVOKE },
		{ "end", CTL_END },	    { "ok", CTL_OK },
		{ "err", CTL_ERR },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		if (word_is(w, n, verbs[i].word))
			break;
	if (i == ARRAY_SIZE(verbs))
		return -EBADMSG;
	m->verb = verbs[i].verb;
	switch (m->verb) {
	case CTL_ASK:
		return parse_ask(c, m);
	case CTL_ANSWER:
		return parse_answer(c, m);
	case CTL_SECRET:
		return parse_secret(c, m);
	case CTL_REVOKE:
		return get_name(c, m->name) < 0 || !at_end(c) ? -EBADMSG : 0;
	case CTL_OK:
		return get_number(c, 999999999999ULL, &m->count) < 0 ||
				       !at_end(c) ?
			       -EBADMSG :
			       0;
	case CTL_ERR:
		/* A reason is never empty */
		return at_end(c) ? -EBADMSG :
				   get_rest(c, m->text, CTL_TEXT_MAX);
	case CTL_PENDING:
	case CTL_SECRETS:
	case CTL_END:
		return at_end(c) ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}

int ctl_parse(const char *line, size_t len, struct ctl_msg *m)
{
	struct cursor c = { (const uint8_t *)line, len };
	const char *w;
	int n;

	memset(m, 0, sizeof(*m));
	if (len > CTL_LINE_MAX)
		return -E2BIG;
	if (c.left && c.p[c.left - 1] == '\n')
		c.left--;
	/* ERR and a detail may hold spaces, never a newline or a NUL */
	if (memchr(c.p, '\n', c.left) || memchr(c.p, '\0', c.left))
		return -EBADMSG;
	n = next_word(&c, &w, 8);
	if (n < 0)
		return n;
	return parse_verb(&c, w, n, m);
}

const char *ask_answer_name(enum ask_answer a)
{
	return a == ASK_ALWAYS ? "always" : a == ASK_ALLOW ? "allow" : "deny";
}

/* ---- peers ------------------------------------------------------- */

static int ns_ino(const char *pid, const char *ns, ino_t *ino, dev_t *dev)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns);
	if (stat(path, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	*dev = st.st_dev;
	return 0;
}

/* Is @pid in our user and pid namespaces? */
static bool same_namespaces(pid_t pid)
{
	static const char *const kinds[] = { "user", "pid" };
	char p[16];

	snprintf(p, sizeof(p), "%d", (int)pid);
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		ino_t a = 0, b = 0;
		dev_t da = 0, db = 0;

		if (ns_ino("self", kinds[i], &a, &da) < 0 ||
		    ns_ino(p, kinds[i], &b, &db) < 0 || a != b || da != db)
			return false;
	}
	return true;
}

int ctl_peer_check(int fd, char *why, size_t why_len)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	autoclose int pidfd = -1;
	int pfd = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		snprintf(why, why_len, "no peer credentials");
		return -EPERM;
	}
	if (uc.uid != getuid() && uc.uid != 0) {
		snprintf(why, why_len, "uid %u is another user", uc.uid);
		return -EPERM;
	}
	/* 0: the peer's pid does not exist in our pid namespace at all */
	if (uc.pid <= 0) {
		snprintf(why, why_len, "the peer is in another pid namespace");
		return -EPERM;
	}
	len = sizeof(pfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pfd, &len) == 0)
		pidfd = pfd;
	else
		pidfd = (int)syscall(SYS_pidfd_open, uc.pid, 0);
	if (pidfd < 0 || !same_namespaces(uc.pid)) {
		snprintf(why, why_len,
			 "process %d is inside a jail (not in our user and "
			 "pid namespaces)",
			 (int)uc.pid);
		return -EPERM;
	}
	/* Alive after the check: /proc/PID was the peer, not a successor */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		snprintf(why, why_len, "process %d is gone", (int)uc.pid);
		return -EPERM;
	}
	return 0;
}

/* ---- the client -------------------------------------------------- */

struct jail_conn {
	char id[17];
	struct ctl_msg lines[CTL_MAX_LINES];
	size_t n_lines;
};

static bool is_jail_id(const char *s, size_t len)
{
	if (len != 16)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Connect to ID.sock in @dir_fd; Return: the socket, or negative errno */
static int ctl_connect(int dir_fd, const char *id)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char why[160];
	autoclose int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* Through the directory's descriptor: any path length works */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s%s",
		 dir_fd, id, CTL_SOCK_SUFFIX);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	/* A socket planted where a jail can write is not a jail's */
	if (ctl_peer_check(fd, why, sizeof(why)) < 0) {
		warn("jail %s: its control socket is not served by a jail of "
		     "yours (%s); ignored",
		     id, why);
		return -EPERM;
	}
	return TAKE_FD(fd);
}

/* Read lines until "end", "ok" or "err"; Return: 0 or negative errno */
static int read_reply(int fd, struct jail_conn *j)
{
	char buf[CTL_LINE_MAX * 4] = "";
	size_t have = 0;

	j->n_lines = 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		char *nl;
		ssize_t n;

		while ((nl = memchr(buf, '\n', have))) {
			size_t len = (size_t)(nl - buf) + 1;
			struct ctl_msg *m = &j->lines[j->n_lines];

			if (j->n_lines == CTL_MAX_LINES ||
			    ctl_parse(buf, len, m) < 0)
				return -EBADMSG;
			j->n_lines++;
			memmove(buf, buf + len, have - len);
			have -= len;
			if (m->verb == CTL_END || m->verb == CTL_OK ||
			    m->verb == CTL_ERR)
				return 0;
		}
		if (have == sizeof(buf))
			return -EBADMSG;
		if (poll(&p, 1, CTL_IO_MS) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		have += (size_t)n;
	}
}

/* One request to jail @id; Return: 0 with @j filled, or negative errno */
static int ctl_request(int dir_fd, const char *id, const char *req,
		       struct jail_conn *j)
{
	autoclose int fd = ctl_connect(dir_fd, id);
	int err;

	snprintf(j->id, sizeof(j->id), "%s", id);
	if (fd < 0)
		return fd;
	err = write_all(fd, req, strlen(req));
	if (err < 0)
		return err;
	return read_reply(fd, j);
}

/* The IDs of the jails with a control socket; Return: how many */
static size_t list_jails(int dir_fd, char (*ids)[17], size_t max)
{
	DIR *d = fdopendir(dup(dir_fd));
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d)) && n < max) {
		size_t len = strlen(de->d_name);
		size_t sl = strlen(CTL_SOCK_SUFFIX);

		if (len <= sl ||
		    strcmp(de->d_name + len - sl, CTL_SOCK_SUFFIX) ||
		    !is_jail_id(de->d_name, len - sl))
			continue;
		memcpy(ids[n], de->d_name, len - sl);
		ids[n++][len - sl] = '\0';
	}
	if (d)
		closedir(d);
	return n;
}

static int open_registry(void)
{
	autofree char *dir = jail_runtime_dir();
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno != ENOENT)
		die_errno("registry \"%s\"", dir);
	return fd;
}

/* Ask every running jail @req; Return: how many answered (in @out) */
static size_t ask_all(int dir_fd, const char *req, struct jail_conn *out,
		      size_t max)
{
	static char ids[CTL_MAX_JAILS][17];
	size_t n = 0, k = dir_fd < 0 ? 0 : list_jails(dir_fd, ids, max);

	for (size_t i = 0; i < k; i++)
		if (ctl_request(dir_fd, ids[i], req, &out[n]) == 0)
			n++;
	return n;
}

static int usage_error(const char *cmd)
{
	if (!strcmp(cmd, "pending"))
		die("pending: takes no arguments; usage: jail pending");
	if (!strcmp(cmd, "revoke"))
		die("revoke: usage: jail revoke [ID] NAME");
	die("%s: usage: jail %s [ID] HOST", cmd, cmd);
}

/* One ask, its strings shown printable: they came from inside a jail */
static void print_pending(const char *id, const struct ctl_msg *m)
{
	char kind[4 * ASK_KIND_MAX + 1], host[4 * ASK_HOST_MAX + 1];
	char detail[4 * ASK_DETAIL_MAX + 1];

	str_printable(kind, sizeof(kind), m->kind, 0, 0);
	str_printable(host, sizeof(host), m->host, 0, 0);
	str_printable(detail, sizeof(detail), m->detail, 0, 0);
	printf("%-16s  %-7s  %-30s %5u  %6llus  %s\n", id, kind, host,
	       m->port, m->wait_s, detail);
}

/* An empty list would look like a broken command: say why it is empty */
static void say_nothing_pending(size_t n_jails)
{
	if (!n_jails)
		printf("nothing is pending: no jail of yours is running\n");
	else
		printf("nothing is pending in your %zu running jail%s\n",
		       n_jails, n_jails == 1 ? "" : "s");
}

static int pending_main(void)
{
	static struct jail_conn js[CTL_MAX_JAILS];
	autoclose int dir_fd = open_registry();
	size_t n = ask_all(dir_fd, "pending\n", js, ARRAY_SIZE(js));
	bool header = false;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < js[i].n_lines; k++) {
			const struct ctl_msg *m = &js[i].lines[k];

			if (m->verb != CTL_ASK)
				continue;
			if (!header)
				printf("%-16s  %-7s  %-30s %5s  %7s  %s\n",
				       "ID", "KIND", "HOST", "PORT", "WAITING",
				       "DETAIL");
			header = true;
			print_pending(js[i].id, m);
		}
	if (!header)
		say_nothing_pending(n);
	return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
}

/* Is @id (a full ID or its start) the ID of @full? */
static bool id_matches(const char *id, const char *full)
{
	return id && *id && !strncmp(full, id, strlen(id));
}

/* The one jail that matches @id and has @what (pending host or secret) */
static const struct jail_conn *pick_jail(const struct jail_conn *js,
					 size_t n, const char *id,
					 const char *cmd, const char *what,
					 bool want_secret)
{
	const struct jail_conn *found = NULL;
	char names[256] = "";
	size_t hits = 0;

	for (size_t i = 0; i < n; i++) {
		bool has = false;

		if (id && !id_matches(id, js[i].id))
			continue;
		for (size_t k = 0; k < js[i].n_lines; k++) {
			const struct ctl_msg *m = &js[i].lines[k];

			has |= want_secret ? m->verb == CTL_SECRET &&
						     !m->is_revoked &&
						     !strcmp(m->name, what) :
					     m->verb == CTL_ASK &&
						     !strcasecmp(m->host, what);
		}
		if (!has)
			continue;
		hits++;
		found = &js[i];
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 "%s%s", hits > 1 ? ", " : "", js[i].id);
	}
	if (hits > 1)
		die("%s \"%s\": %s in several jails (%s); name one: jail %s ID "
		    "%s",
		    cmd, what, want_secret ? "a secret" : "pending", names, cmd,
		    what);
	if (!found)
		die("%s \"%s\": %s; see jail %s", cmd, what,
		    want_secret ? "no running jail of yours has this secret" :
				  "no running jail of yours has a request for "
				  "it pending",
		    want_secret ? "ps" : "pending");
	return found;
}

static int answer_main(const char *cmd, const char *id, const char *host)
{
	static struct jail_conn js[CTL_MAX_JAILS];
	static struct jail_conn r;
	autoclose int dir_fd = open_registry();
	const enum ask_answer a = !strcmp(cmd, "approve") ? ASK_ALLOW :
				  !strcmp(cmd, "always")  ? ASK_ALWAYS :
							    ASK_DENY;
	char req[CTL_LINE_MAX];
	size_t n = ask_all(dir_fd, "pending\n", js, ARRAY_SIZE(js));
	const struct jail_conn *j = pick_jail(js, n, id, cmd, host, false);
	const struct ctl_msg *m;
	int err;

	snprintf(req, sizeof(req), "answer %s %s\n", ask_answer_name(a), host);
	err = ctl_request(dir_fd, j->id, req, &r);
	if (err < 0) {
		errno = -err;
		die_errno("%s \"%s\": jail %s", cmd, host, j->id);
	}
	m = &r.lines[r.n_lines - 1];
	if (m->verb == CTL_ERR)
		die("%s \"%s\": jail %s: %s", cmd, host, j->id, m->text);
	if (m->verb != CTL_OK || !m->count)
		die("%s \"%s\": jail %s: nothing was pending for it", cmd, host,
		    j->id);
	printf("%s: %s %s (%llu request%s)\n", j->id,
	       a == ASK_ALWAYS ? "always allowed" :
	       a == ASK_ALLOW	? "allowed" :
				  "denied",
	       host, m->count, m->count == 1 ? "" : "s");
	return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
}

static int revoke_main(const char *id, const char *name)
{
	static struct jail_conn js[CTL_MAX_JAILS];
	static struct jail_conn r;
	autoclose int dir_fd = open_registry();
	char req[CTL_LINE_MAX];
	size_t n = ask_all(dir_fd, "secrets\n", js, ARRAY_SIZE(js));
	const struct jail_conn *j = pick_jail(js, n, id, "revoke", name, true);
	const struct ctl_msg *m;
	int err;

	snprintf(req, sizeof(req), "revoke %s\n", name);
	err = ctl_request(dir_fd, j->id, req, &r);
	if (err < 0) {
		errno = -err;
		die_errno("revoke %s: jail %s", name, j->id);
	}
	m = &r.lines[r.n_lines - 1];
	if (m->verb != CTL_OK)
		die("revoke %s: jail %s: %s", name, j->id,
		    m->verb == CTL_ERR ? m->text : "refused");
	printf("%s: secret %s revoked\n", j->id, name);
	return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
}

int ctl_main(int argc, char **argv)
{
	const char *cmd = argv[0];
	const char *id = argc == 3 ? argv[1] : NULL;
	const char *what = argc >= 2 ? argv[argc - 1] : NULL;
	char host[ASK_HOST_MAX + 1];
	struct fwd_addr lit;

	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: jail pending\n"
		       "       jail approve|always|deny [ID] HOST\n"
		       "       jail revoke [ID] NAME\n"
		       "Answer the requests your running jails hold (--ask), "
		       "or revoke a secret.\n");
		return 0;
	}
	if (!strcmp(cmd, "pending"))
		return argc == 1 ? pending_main() : usage_error(cmd);
	if (argc < 2 || argc > 3)
		return usage_error(cmd);
	if (id && !*id)
		die("%s: an empty jail ID", cmd);
	if (!strcmp(cmd, "revoke")) {
		struct ctl_msg m;
		char line[CTL_LINE_MAX];

		snprintf(line, sizeof(line), "revoke %s", what);
		if (strlen(what) > CTL_NAME_MAX ||
		    ctl_parse(line, strlen(line), &m) < 0)
			die("revoke \"%s\": not a secret's name", what);
		return revoke_main(id, what);
	}
	if (fwd_addr_parse(what, &lit))
		snprintf(host, sizeof(host), "%s", what);
	else if (policy_normalize_name(what, strlen(what), host,
				       sizeof(host)) < 0)
		die("%s \"%s\": not a host name", cmd, what);
	return answer_main(cmd, id, host);
}

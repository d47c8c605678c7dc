// SPDX-License-Identifier: MIT
/*
 * ask.c - requests held for a person's answer (--ask), and the
 * supervisor's side of the control socket
 *
 * The forwarder, which owns the jail's connections and nothing that
 * faces the user, asks over a SOCK_SEQPACKET channel made by the
 * supervisor before it forked the forwarder. Each ask carries its own
 * reply descriptor (SCM_RIGHTS), so that any process holding the channel
 * (a broker process forked from the forwarder, say) asks on its own and
 * gets its own answer. The supervisor holds at most ASK_MAX asks and
 * answers each from the first of:
 *  - --approve-cmd CMD, run on the host per ask (exit 0 allows);
 *  - the control socket ID.sock in jail_runtime_dir(), served to host
 *    processes of the same user only (ctl_peer_check()): jail approve,
 *    always, deny;
 *  - a prompt on the real terminal (with a terminal and no
 *    --approve-cmd): the relay of COMMAND's output pauses, the prompt
 *    shows a word printed before COMMAND started (so COMMAND cannot draw
 *    a look-alike), and the keys that answer it never reach COMMAND;
 *  - --ask-timeout: deny.
 * An "always" is remembered per kind and host: a later ask of that kind
 * for the host is answered at once (by "always"). The forwarder keeps
 * its own for connections; this memory serves the asks of processes that
 * live for one connection only (held pushes, broker.c).
 * Every ask and every answer goes to the audit log (ask, ask.answer).
 * The asking side, ask_send() and ask_read_answer(), is the forwarder's
 * (fwd/askchan.c).
 * "revoke NAME" on the control socket goes to the forwarder (broker.c
 * does the revoking); the supervisor wipes its own copy of the value.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "jail.h"
#include "config/config.h"
#include "cmd/cmd.h"
#include "host/host.h"

#define ASK_CLIENTS 8		/* control connections at once */
#define ASK_CLIENT_MS 2000	/* a client says its line by then */
#define ASK_WORD_MAX 40
#define ASK_ALWAYS_MAX 64	/* (kind, host) answered "always" */

struct ask {
	bool used;
	unsigned long long seq;
	int reply_fd;
	pid_t cmd_pid;		/* --approve-cmd child, or 0 */
	bool prompted;		/* its terminal prompt was shown */
	uint64_t t_start;	/* CLOCK_MONOTONIC ms */
	char kind[ASK_KIND_MAX + 1];
	char host[ASK_HOST_MAX + 1];
	uint16_t port;
	char detail[ASK_DETAIL_MAX + 1];
};

struct ctl_client {
	int fd;
	uint64_t deadline;
	size_t len;
	char buf[CTL_LINE_MAX];
};

struct ask_srv {
	const struct jail_config *cfg;
	const struct jail_run *run;	/* the log */
	int chan_fd;		/* our end of the ask channel */
	int fwd_end_fd;		/* the forwarder's end, until forked */
	int ctl_fd;		/* listening control socket, or -1 */
	unsigned long long seq;
	struct ask asks[ASK_MAX];
	struct ctl_client clients[ASK_CLIENTS];
	bool can_prompt;
	int prompt;		/* index of the ask on screen, or -1 */
	char word[ASK_WORD_MAX];
	/*
	 * "always" answers, for the asks whose asker cannot keep them: an
	 * interception process holds one connection, the next push to the
	 * host comes in another. The forwarder keeps its own for connects.
	 */
	struct {
		char kind[ASK_KIND_MAX + 1];
		char host[ASK_HOST_MAX + 1];
	} always[ASK_ALWAYS_MAX];
	size_t n_always;
	/* where each pollfd came from, for ask_srv_events() */
	int poll_kind[2 + ASK_CLIENTS + ASK_MAX + 1];
	int poll_idx[2 + ASK_CLIENTS + ASK_MAX + 1];
};

enum { PK_CHAN, PK_LISTEN, PK_CLIENT, PK_REPLY, PK_STDIN };

/* For ask_srv_unlink(): die() may run anywhere */
static char ctl_path[4200];

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- audit log ----------------------------------------------------- */

static void log_ask(const struct ask_srv *srv, const struct ask *a)
{
	const struct audit_field f[] = {
		AF_INT("seq", a->seq),
		AF_STR("kind", a->kind),
		AF_STR("host", a->host),
		AF_INT("port", a->port),
		AF_STR("detail", a->detail[0] ? a->detail : NULL),
	};

	audit_write(srv->run->log_fd, srv->cfg->id, "ask", f, ARRAY_SIZE(f));
}

static void log_answer(const struct ask_srv *srv, const struct ask *a,
		       enum ask_answer ans, const char *by)
{
	const struct audit_field f[] = {
		AF_INT("seq", a->seq),
		AF_STR("kind", a->kind),
		AF_STR("host", a->host),
		AF_INT("port", a->port),
		AF_STR("answer", ask_answer_name(ans)),
		AF_STR("by", by),
		AF_INT("waited_ms", mono_ms() - a->t_start),
	};

	audit_write(srv->run->log_fd, srv->cfg->id, "ask.answer", f,
		    ARRAY_SIZE(f));
}

/* ---- the secret word of terminal prompts ----------------------------- */

static const char *const words[] = {
	"amber",  "anchor", "aspen",  "badger", "basalt", "beacon", "birch",
	"bison",  "cedar",  "cobalt", "comet",  "copper", "coral",  "crane",
	"delta",  "ember",  "falcon", "fennel", "fjord",  "garnet", "glacier",
	"granite", "harbor", "hazel", "heron",  "indigo", "iris",   "jasper",
	"juniper", "kestrel", "lagoon", "larch", "lemon", "lynx",   "maple",
	"marble", "meadow", "mesa",   "nectar", "nimbus", "oak",    "onyx",
	"orchid", "otter",  "pebble", "pepper", "pine",   "plum",   "quartz",
	"quill",  "raven",  "reef",   "saffron", "sage",  "slate",  "spruce",
	"tamarind", "thistle", "tundra", "umber", "violet", "walnut", "willow",
	"zephyr",
};

static void choose_word(char *out, size_t len)
{
	uint8_t r[3];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		die_errno("getrandom");
	snprintf(out, len, "%s-%s-%u", words[r[0] % ARRAY_SIZE(words)],
		 words[r[1] % ARRAY_SIZE(words)], r[2] % 100);
}

/* ---- setup --------------------------------------------------------- */

struct ask_srv *ask_srv_new(const struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;
	struct ask_srv *srv;

	if (!cfg->ask && !cfg->n_secrets && !cfg->n_hold_push)
		return NULL;
	srv = xcalloc(1, sizeof(*srv));
	srv->cfg = cfg;
	srv->run = run;
	srv->chan_fd = srv->fwd_end_fd = srv->ctl_fd = -1;
	srv->prompt = -1;
	for (size_t i = 0; i < ASK_CLIENTS; i++)
		srv->clients[i].fd = -1;
	for (size_t i = 0; i < ASK_MAX; i++)
		srv->asks[i].reply_fd = -1;
	/* --hold-push alone asks about pushes */
	srv->can_prompt = (cfg->ask || cfg->n_hold_push) && !cfg->approve_cmd &&
			  cfg->is_tty && isatty(STDERR_FILENO);
	if (srv->can_prompt) {
		choose_word(srv->word, sizeof(srv->word));
		/* Before COMMAND runs: it never sees this line */
		warn("--ask: a question from jail on this terminal shows the "
		     "word \"%s\"; anything else asking is not jail",
		     srv->word);
	}
	return srv;
}

/* Bind ID.sock in the registry, 0600; Return: the socket, or -1 */
static int ctl_listen(const struct jail_config *cfg)
{
	autofree char *dir = jail_runtime_dir();
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	autoclose int dir_fd = -1;
	autoclose int fd = -1;
	mode_t old;
	int r;

	if (mkdir_parents(dir, 0700) < 0)
		return -1;
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (dir_fd < 0 || fd < 0)
		return -1;
	/* Through the directory's descriptor: any path length works */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s%s",
		 dir_fd, cfg->id, CTL_SOCK_SUFFIX);
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 16) < 0)
		return -1;
	snprintf(ctl_path, sizeof(ctl_path), "%s/%s%s", dir, cfg->id,
		 CTL_SOCK_SUFFIX);
	return TAKE_FD(fd);
}

int ask_srv_start(struct ask_srv *srv)
{
	int sv[2];

	if (!srv)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die_errno("ask channel");
	srv->chan_fd = sv[0];
	srv->fwd_end_fd = sv[1];
	fcntl(srv->chan_fd, F_SETFL, O_NONBLOCK);
	srv->ctl_fd = ctl_listen(srv->cfg);
	if (srv->ctl_fd < 0)
		warn("control socket in \"%s\": %s; jail approve and jail "
		     "revoke cannot reach this jail",
		     jail_runtime_dir(), strerror(errno));
	return srv->fwd_end_fd;
}

void ask_srv_forwarder_started(struct ask_srv *srv)
{
	if (srv && srv->fwd_end_fd >= 0) {
		close(srv->fwd_end_fd);
		srv->fwd_end_fd = -1;
	}
}

/* ---- answering ------------------------------------------------------ */

static void stop_cmd(struct ask *a)
{
	if (a->cmd_pid <= 0)
		return;
	kill(-a->cmd_pid, SIGKILL);
	kill(a->cmd_pid, SIGKILL);
	waitpid(a->cmd_pid, NULL, 0);
	a->cmd_pid = 0;
}

/* The terminal's last row (1-based), or 0 when it has no size */
static unsigned int last_row(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
		return 0;
	return ws.ws_row;
}

/*
 * The question is drawn on the terminal's last row, the cursor saved
 * before and restored after, so that what COMMAND drew stays where it
 * was; the supervisor then has COMMAND redraw the row (a size nudge)
 */
static void prompt_end(struct ask_srv *srv, const char *how)
{
	char buf[160];
	unsigned int row = last_row();
	int n;

	if (srv->prompt < 0)
		return;
	if (row)
		n = snprintf(buf, sizeof(buf), "\033[%u;1H\033[2K\0338", row);
	else
		n = snprintf(buf, sizeof(buf), "%s\r\n", how);
	if (n > 0)
		(void)write_all(STDERR_FILENO, buf, (size_t)n);
	srv->prompt = -1;
}

static void tell(int fd, enum ask_answer ans, const char *by)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "answer %s %s",
			 ask_answer_name(ans), by);

	/* The asker may be gone (its connection closed): nothing to tell */
	send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static bool is_always(const struct ask_srv *srv, const char *kind,
		      const char *host)
{
	for (size_t i = 0; i < srv->n_always; i++)
		if (!strcmp(srv->always[i].kind, kind) &&
		    !strcasecmp(srv->always[i].host, host))
			return true;
	return false;
}

static void remember_always(struct ask_srv *srv, const struct ask *a)
{
	/* Full: later asks are asked again, never wrongly allowed */
	if (is_always(srv, a->kind, a->host) || srv->n_always == ASK_ALWAYS_MAX)
		return;
	memcpy(srv->always[srv->n_always].kind, a->kind, sizeof(a->kind));
	memcpy(srv->always[srv->n_always].host, a->host, sizeof(a->host));
	srv->n_always++;
}

/* Answer @a, log it, free its slot */
static void answer(struct ask_srv *srv, struct ask *a, enum ask_answer ans,
		   const char *by)
{
	if (ans == ASK_ALWAYS)
		remember_always(srv, a);
	if (srv->prompt == (int)(a - srv->asks))
		prompt_end(srv, !strcmp(by, "terminal") ?
					ask_answer_name(ans) :
					"(answered elsewhere)");
	log_answer(srv, a, ans, by);
	tell(a->reply_fd, ans, by);
	a->reply_fd = -1;
	stop_cmd(a);
	a->used = false;
}

/* Answer every ask for @host (of any kind); Return: how many */
static unsigned int answer_host(struct ask_srv *srv, const char *host,
				enum ask_answer ans, const char *by)
{
	unsigned int n = 0;

	for (size_t i = 0; i < ASK_MAX; i++) {
		struct ask *a = &srv->asks[i];

		if (a->used && !strcasecmp(a->host, host)) {
			answer(srv, a, ans, by);
			n++;
		}
	}
	return n;
}

/* --approve-cmd: CMD on the host, told about the ask in its environment */
static void start_cmd(struct ask_srv *srv, struct ask *a)
{
	const char *cmd = srv->cfg->approve_cmd;
	char port[8];
	sigset_t none;
	pid_t pid;

	snprintf(port, sizeof(port), "%u", a->port);
	pid = fork();
	if (pid < 0) {
		answer(srv, a, ASK_DENY, "cmd");
		return;
	}
	if (pid > 0) {
		a->cmd_pid = pid;
		return;
	}
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* Its output goes where jail's own messages go, never to COMMAND */
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	if (setenv("JAIL_ID", srv->cfg->id, 1) ||
	    setenv("JAIL_ASK_KIND", a->kind, 1) ||
	    setenv("JAIL_ASK_HOST", a->host, 1) ||
	    setenv("JAIL_ASK_PORT", port, 1) ||
	    setenv("JAIL_ASK_DETAIL", a->detail, 1))
		_exit(127);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/*
 * No terminal to ask on and no --approve-cmd: one line on stderr per new
 * question, with the commands that answer it, so a person who started
 * the jail from a script or a pipe is not left with a silent hang
 */
static void say_how_to_answer(const struct ask_srv *srv, const struct ask *a)
{
	char host[6 * ASK_HOST_MAX + 8];

	str_printable(host, sizeof(host), a->host, 0, 0);
	warn("--ask: %s %s port %u is held for %llu s; answer with: jail "
	     "approve %s %s (or always, deny)",
	     a->kind, host, a->port, srv->cfg->ask_timeout, srv->cfg->id,
	     host);
}

static void new_ask(struct ask_srv *srv, const struct ctl_msg *m, int fd)
{
	struct ask *a = NULL;

	for (size_t i = 0; i < ASK_MAX && !a; i++)
		if (!srv->asks[i].used)
			a = &srv->asks[i];
	if (!a) {
		/* Full: denied at once, and both halves logged */
		struct ask over = { .seq = ++srv->seq, .t_start = mono_ms(),
				    .port = m->port };

		memcpy(over.kind, m->kind, sizeof(over.kind));
		memcpy(over.host, m->host, sizeof(over.host));
		log_ask(srv, &over);
		log_answer(srv, &over, ASK_DENY, "limit");
		tell(fd, ASK_DENY, "limit");
		return;
	}
	*a = (struct ask){ .used = true, .seq = ++srv->seq, .reply_fd = fd,
			   .t_start = mono_ms(), .port = m->port };
	memcpy(a->kind, m->kind, sizeof(a->kind));
	memcpy(a->host, m->host, sizeof(a->host));
	memcpy(a->detail, m->detail, sizeof(a->detail));
	log_ask(srv, a);
	if (is_always(srv, a->kind, a->host))
		answer(srv, a, ASK_ALWAYS, "always");
	else if (srv->cfg->approve_cmd)
		start_cmd(srv, a);
	else if (!srv->can_prompt)
		say_how_to_answer(srv, a);
}

/* A message from the forwarder (or a process it forked) */
static void on_chan(struct ask_srv *srv)
{
	char buf[CTL_LINE_MAX];
	struct ctl_msg m;
	int fds[4];
	size_t nfd = 0;
	ssize_t n = recv_fds(srv->chan_fd, buf, sizeof(buf), fds,
			     ARRAY_SIZE(fds), &nfd, MSG_DONTWAIT);

	if (n < 0)
		return;
	if (n == 0) {
		/* The forwarder is gone: nobody will ask any more */
		close(srv->chan_fd);
		srv->chan_fd = -1;
		return;
	}
	if (nfd == 1 && ctl_parse(buf, (size_t)n, &m) == 0 &&
	    m.verb == CTL_ASK) {
		new_ask(srv, &m, fds[0]);
		return;
	}
	for (size_t i = 0; i < nfd; i++)
		close(fds[i]);
}

/* ---- the control socket ---------------------------------------------- */

static void reply(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reply(int fd, const char *fmt, ...)
{
	char buf[CTL_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(buf))
		(void)send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void serve_pending(const struct ask_srv *srv, int fd)
{
	uint64_t now = mono_ms();

	for (size_t i = 0; i < ASK_MAX; i++) {
		const struct ask *a = &srv->asks[i];

		if (a->used)
			reply(fd, "ask %llu %llu %s %s %u%s%s\n", a->seq,
			      (unsigned long long)((now - a->t_start) / 1000),
			      a->kind, a->host, a->port,
			      a->detail[0] ? " " : "", a->detail);
	}
	reply(fd, "end\n");
}

static void serve_secrets(const struct ask_srv *srv, int fd)
{
	const struct jail_config *cfg = srv->cfg;

	for (size_t i = 0; i < cfg->n_secrets; i++) {
		const char *v = srv->run->secret_value[i];

		reply(fd, "secret %s %s\n", cfg->secrets[i].name,
		      v && *v ? "active" : "revoked");
	}
	reply(fd, "end\n");
}

/*
 * The forwarder does the revoking (broker.c) and logs secret.revoke; our
 * own copy of the value (the vault) is wiped here.
 */
static void serve_revoke(struct ask_srv *srv, int fd, const char *name)
{
	const struct jail_config *cfg = srv->cfg;
	char line[CTL_LINE_MAX];
	int n;

	for (size_t i = 0; i < cfg->n_secrets; i++) {
		/* The vault is ours to wipe; the run only lends it const */
		char *v = (char *)srv->run->secret_value[i];

		if (strcmp(cfg->secrets[i].name, name))
			continue;
		if (!v || !*v) {
			reply(fd, "err already revoked\n");
			return;
		}
		n = snprintf(line, sizeof(line), "revoke %s", name);
		if (srv->chan_fd < 0 ||
		    send(srv->chan_fd, line, (size_t)n,
			 MSG_DONTWAIT | MSG_NOSIGNAL) != n) {
			reply(fd, "err the forwarder is not running\n");
			return;
		}
		explicit_bzero(v, strlen(v));
		reply(fd, "ok 1\n");
		return;
	}
	reply(fd, "err no such secret in this jail\n");
}

static void client_close(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

static void serve_line(struct ask_srv *srv, struct ctl_client *c)
{
	struct ctl_msg m;

	if (ctl_parse(c->buf, c->len, &m) < 0) {
		reply(c->fd, "err not a request\n");
		return;
	}
	switch (m.verb) {
	case CTL_PENDING:
		serve_pending(srv, c->fd);
		return;
	case CTL_SECRETS:
		serve_secrets(srv, c->fd);
		return;
	case CTL_ANSWER:
		reply(c->fd, "ok %u\n",
		      answer_host(srv, m.host, m.answer, "socket"));
		return;
	case CTL_REVOKE:
		serve_revoke(srv, c->fd, m.name);
		return;
	default:
		reply(c->fd, "err not a request\n");
		return;
	}
}

static void on_client(struct ask_srv *srv, struct ctl_client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len,
			 MSG_DONTWAIT);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	nl = memchr(c->buf, '\n', c->len);
	if (!nl && c->len < sizeof(c->buf))
		return;
	if (nl)
		c->len = (size_t)(nl - c->buf) + 1;
	serve_line(srv, c);
	client_close(c);
}

static void log_refused(const struct ask_srv *srv, const char *why)
{
	const struct audit_field f[] = { AF_STR("reason", why) };

	audit_write(srv->run->log_fd, srv->cfg->id, "ctl.refused", f,
		    ARRAY_SIZE(f));
}

static void on_listen(struct ask_srv *srv)
{
	for (int round = 0; round < ASK_CLIENTS; round++) {
		int fd = accept4(srv->ctl_fd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct ctl_client *c = NULL;
		char why[160];

		if (fd < 0)
			return;
		/* Checked before a byte is read: nothing inside a jail
		 * answers, whatever it can reach */
		if (ctl_peer_check(fd, why, sizeof(why)) < 0) {
			log_refused(srv, why);
			reply(fd, "err refused: %s\n", why);
			close(fd);
			continue;
		}
		for (size_t i = 0; i < ASK_CLIENTS && !c; i++)
			if (srv->clients[i].fd < 0)
				c = &srv->clients[i];
		if (!c) {
			reply(fd, "err busy\n");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->len = 0;
		c->deadline = mono_ms() + ASK_CLIENT_MS;
	}
}

/* ---- the terminal prompt ----------------------------------------------- */

static void prompt_show(struct ask_srv *srv, struct ask *a)
{
	char buf[4096], kind[4 * ASK_KIND_MAX + 1];
	char host[4 * ASK_HOST_MAX + 1], detail[4 * ASK_DETAIL_MAX + 1];
	unsigned int row = last_row();
	char at[48] = "\r\n";
	int n;

	/* Checked by ctl_parse(), and escaped all the same: from inside */
	str_printable(kind, sizeof(kind), a->kind, 0, 0);
	str_printable(host, sizeof(host), a->host, 0, 0);
	str_printable(detail, sizeof(detail), a->detail, 0, 0);
	/* No autowrap while it is drawn: a long line must not scroll */
	if (row)
		snprintf(at, sizeof(at), "\0337\033[%u;1H\033[2K\033[?7l", row);
	n = snprintf(buf, sizeof(buf),
		     "%s\033[1m[jail %s]\033[0m %s %s port %u%s%s%s? "
		     "[y] allow once, [a] always, [n] deny: %s",
		     at, srv->word, kind, host, a->port, detail[0] ? " (" : "",
		     detail, detail[0] ? ")" : "", row ? "\033[?7h" : "");

	a->prompted = true;
	srv->prompt = (int)(a - srv->asks);
	if (n > 0)
		(void)write_all(STDERR_FILENO, buf,
				(size_t)n < sizeof(buf) ? (size_t)n :
							  sizeof(buf) - 1);
}

static void prompt_next(struct ask_srv *srv)
{
	struct ask *oldest = NULL;

	if (!srv->can_prompt || srv->prompt >= 0)
		return;
	for (size_t i = 0; i < ASK_MAX; i++) {
		struct ask *a = &srv->asks[i];

		if (a->used && !a->prompted &&
		    (!oldest || a->seq < oldest->seq))
			oldest = a;
	}
	if (oldest)
		prompt_show(srv, oldest);
}

/* Keys typed while the prompt is up answer it and go nowhere else */
static void on_key(struct ask_srv *srv)
{
	char keys[256];
	ssize_t n = read(STDIN_FILENO, keys, sizeof(keys));
	struct ask *a;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* The terminal is gone: the question waits for the others */
		srv->can_prompt = false;
		prompt_end(srv, "(no terminal)");
		return;
	}
	if (srv->prompt < 0)
		return;
	a = &srv->asks[srv->prompt];
	for (ssize_t i = 0; i < n; i++) {
		char k = keys[i];

		if (k == 'y' || k == 'Y') {
			answer_host(srv, a->host, ASK_ALLOW, "terminal");
			return;
		}
		if (k == 'a' || k == 'A') {
			answer_host(srv, a->host, ASK_ALWAYS, "terminal");
			return;
		}
		/* n, Ctrl-C, Ctrl-D, Escape: no */
		if (k == 'n' || k == 'N' || k == 3 || k == 4 || k == 27) {
			answer_host(srv, a->host, ASK_DENY, "terminal");
			return;
		}
	}
}

bool ask_srv_prompting(const struct ask_srv *srv)
{
	return srv && srv->prompt >= 0;
}

/* ---- the poll loop's side ------------------------------------------- */

static size_t add_fd(struct ask_srv *srv, struct pollfd *p, size_t n,
		     size_t max, int fd, short ev, int kind, int idx)
{
	if (n >= max || n >= ARRAY_SIZE(srv->poll_kind))
		return n;
	p[n] = (struct pollfd){ fd, ev, 0 };
	srv->poll_kind[n] = kind;
	srv->poll_idx[n] = idx;
	return n + 1;
}

size_t ask_srv_pollfds(struct ask_srv *srv, struct pollfd *p, size_t max)
{
	size_t n = 0;

	if (!srv)
		return 0;
	prompt_next(srv);
	if (srv->chan_fd >= 0)
		n = add_fd(srv, p, n, max, srv->chan_fd, POLLIN, PK_CHAN, 0);
	if (srv->ctl_fd >= 0)
		n = add_fd(srv, p, n, max, srv->ctl_fd, POLLIN, PK_LISTEN, 0);
	for (int i = 0; i < ASK_CLIENTS; i++)
		if (srv->clients[i].fd >= 0)
			n = add_fd(srv, p, n, max, srv->clients[i].fd, POLLIN,
				   PK_CLIENT, i);
	/* Events 0: only POLLHUP, when the asker let go of its request */
	for (int i = 0; i < ASK_MAX; i++)
		if (srv->asks[i].used)
			n = add_fd(srv, p, n, max, srv->asks[i].reply_fd, 0,
				   PK_REPLY, i);
	if (srv->prompt >= 0)
		n = add_fd(srv, p, n, max, STDIN_FILENO, POLLIN, PK_STDIN, 0);
	return n;
}

static void log_cancel(const struct ask_srv *srv, const struct ask *a)
{
	const struct audit_field f[] = {
		AF_INT("seq", a->seq),
		AF_STR("host", a->host),
		AF_INT("port", a->port),
		AF_STR("reason", "the request went away before an answer"),
	};

	audit_write(srv->run->log_fd, srv->cfg->id, "ask.cancel", f,
		    ARRAY_SIZE(f));
}

static void on_reply_hup(struct ask_srv *srv, struct ask *a)
{
	if (!a->used)
		return;
	if (srv->prompt == (int)(a - srv->asks))
		prompt_end(srv, "(gone)");
	log_cancel(srv, a);
	close(a->reply_fd);
	a->reply_fd = -1;
	stop_cmd(a);
	a->used = false;
}

void ask_srv_events(struct ask_srv *srv, const struct pollfd *p, size_t n)
{
	for (size_t i = 0; srv && i < n; i++) {
		int idx = srv->poll_idx[i];

		if (!p[i].revents)
			continue;
		switch (srv->poll_kind[i]) {
		case PK_CHAN:
			if (srv->chan_fd >= 0)
				on_chan(srv);
			break;
		case PK_LISTEN:
			on_listen(srv);
			break;
		case PK_CLIENT:
			if (srv->clients[idx].fd == p[i].fd)
				on_client(srv, &srv->clients[idx]);
			break;
		case PK_REPLY:
			if (srv->asks[idx].used &&
			    srv->asks[idx].reply_fd == p[i].fd)
				on_reply_hup(srv, &srv->asks[idx]);
			break;
		case PK_STDIN:
			on_key(srv);
			break;
		}
	}
	ask_srv_tick(srv);
}

int ask_srv_timeout(const struct ask_srv *srv)
{
	uint64_t now = mono_ms(), next = UINT64_MAX;

	if (!srv)
		return -1;
	for (size_t i = 0; i < ASK_MAX; i++) {
		const struct ask *a = &srv->asks[i];
		uint64_t end = a->t_start + srv->cfg->ask_timeout * 1000;

		if (a->used && end < next)
			next = end;
	}
	for (size_t i = 0; i < ASK_CLIENTS; i++)
		if (srv->clients[i].fd >= 0 && srv->clients[i].deadline < next)
			next = srv->clients[i].deadline;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

void ask_srv_tick(struct ask_srv *srv)
{
	uint64_t now = mono_ms();

	if (!srv)
		return;
	for (size_t i = 0; i < ASK_MAX; i++) {
		struct ask *a = &srv->asks[i];
		int st;

		if (!a->used)
			continue;
		if (a->cmd_pid > 0 &&
		    waitpid(a->cmd_pid, &st, WNOHANG) == a->cmd_pid) {
			a->cmd_pid = 0;
			answer(srv, a,
			       WIFEXITED(st) && WEXITSTATUS(st) == 0 ?
				       ASK_ALLOW :
				       ASK_DENY,
			       "cmd");
			continue;
		}
		if (now >= a->t_start + srv->cfg->ask_timeout * 1000)
			answer(srv, a, ASK_DENY, "timeout");
	}
	for (size_t i = 0; i < ASK_CLIENTS; i++)
		if (srv->clients[i].fd >= 0 && now >= srv->clients[i].deadline)
			client_close(&srv->clients[i]);
}

void ask_srv_stop(struct ask_srv *srv)
{
	if (!srv)
		return;
	for (size_t i = 0; i < ASK_MAX; i++)
		if (srv->asks[i].used)
			answer(srv, &srv->asks[i], ASK_DENY, "exit");
	for (size_t i = 0; i < ASK_CLIENTS; i++)
		client_close(&srv->clients[i]);
	if (srv->ctl_fd >= 0)
		close(srv->ctl_fd);
	srv->ctl_fd = -1;
	ask_srv_unlink();
}

void ask_srv_unlink(void)
{
	if (ctl_path[0])
		unlink(ctl_path);
	ctl_path[0] = '\0';
}

// SPDX-License-Identifier: MIT
/*
 * heldpush.c - a git push to a --hold-push host, held in its interception
 * process until a person answered (intercept.c's theory of operation)
 *
 * The push's head and body stay here as they come until the command list
 * (push.c) has arrived; then the supervisor is asked (ask_send(), kind
 * "push") while nothing more is read. Allowed, the held bytes go upstream
 * and the relay goes on; denied, the rest of the body is read away and
 * git gets a receive-pack report refusing every ref.
 */
#include <poll.h>
#include <sys/socket.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"
#include "fwd/internal.h"
#include "fwd/icpt.h"

/* The held push goes upstream after all: its head and what came of it */
static void icpt_push_release(struct icpt *ic)
{
	struct pollfd pf = { .fd = ic->up_fd, .events = POLLIN | POLLRDHUP };

	/*
	 * The answer may have taken minutes: a server that closed the idle
	 * connection meanwhile (or said anything unasked) is dialed again;
	 * nothing of the held request has reached it yet
	 */
	if (poll(&pf, 1, 0) > 0 || crypto_tls_pending(ic->up)) {
		icpt_down_end(ic);
		crypto_tls_free(ic->up);
		ic->up = NULL;
		close(ic->up_fd);
		icpt_connect(ic);
	}
	broker_log_injected(ic->p, ic->host, ic->injected);
	icpt_send(ic, ic->out, ic->out_len);
	explicit_bzero(ic->out, ic->out_len);
	icpt_send(ic, ic->hold, ic->hold_len);
	ic->push = PUSH_NONE;
}

/* Log a refused push as net.deny and read its body away (PUSH_DRAIN) */
static void icpt_push_deny(struct icpt *ic, const char *by)
{
	snprintf(ic->why, sizeof(ic->why), "push to %s held and %s", ic->host,
		 by);
	broker_log_refused_port(ic->p, ic->host, ic->port, ic->why);
	explicit_bzero(ic->out, ic->out_len);
	ic->push = PUSH_DRAIN;
	ic->drained = 0;
}

/*
 * Wait for the answer on @fd, the jail's client and SIGTERM alike.
 * Return: enum ask_answer, or -1 (no answer in time, or the supervisor
 * is gone)
 */
static int icpt_push_wait(struct icpt *ic, int fd, char *by)
{
	/* The supervisor times out first; this is for a supervisor stuck */
	uint64_t end = broker_mono_ms() + ic->p->cfg->ask_timeout * 1000 +
		       ICPT_ASK_MARGIN_MS;
	sigset_t none;

	sigemptyset(&none);
	for (uint64_t now = broker_mono_ms(); now < end && !broker_is_stopping;
	     now = broker_mono_ms()) {
		struct pollfd pf[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = ic->jail_fd, .events = POLLRDHUP },
		};
		struct timespec ts = { (time_t)((end - now) / 1000),
				       (long)((end - now) % 1000) * 1000000 };
		int r = ppoll(pf, 2, &ts, &none);

		if (r < 0 && errno != EINTR)
			return -1;
		if (r <= 0)
			continue;
		/* The client gave up: closing @fd tells the supervisor */
		if (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			close(fd);
			icpt_finish(ic);
		}
		r = ask_read_answer(fd, by);
		if (r != -EAGAIN)
			return r < 0 ? -1 : r;
	}
	return -1;
}

/* The command list is complete: ask, then send the push on or refuse it */
static void icpt_push_ask(struct icpt *ic)
{
	char detail[ASK_DETAIL_MAX + 1], by[ASK_HOST_MAX + 1] = "";
	int fd, r;

	push_detail(ic->repo, ic->list, &ic->cmds, detail, sizeof(detail));
	fd = ask_send(ic->p->ask_fd, "push", ic->host, ic->port, detail);
	if (fd < 0) {
		icpt_push_deny(ic, "not asked (the supervisor is busy)");
		return;
	}
	r = icpt_push_wait(ic, fd, by);
	close(fd);
	if (r == ASK_ALLOW || r == ASK_ALWAYS) {
		icpt_push_release(ic);
		return;
	}
	if (r == ASK_DENY) {
		char how[ASK_HOST_MAX + 16];

		snprintf(how, sizeof(how), "denied (%s)", by);
		icpt_push_deny(ic, how);
		return;
	}
	icpt_push_deny(ic, "not answered");
}

/*
 * A denied push's body has ended: answer it as receive-pack would, so
 * that git shows the reason ("! [remote rejected] REF (WHY)" and
 * "remote: jail: WHY"), else with a 403 and the reason as text
 */
__attribute__((noreturn)) void icpt_push_refused(struct icpt *ic)
{
	char head[256];
	int len = push_refusal(ic->list, &ic->cmds, ic->why, ic->reply,
			       sizeof(ic->reply));
	int n;

	if (len < 0)
		icpt_refuse(ic, "403 Forbidden", ic->why);
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 200 OK\r\n"
		     "Content-Type: application/x-git-receive-pack-result\r\n"
		     "Cache-Control: no-cache\r\nContent-Length: %d\r\n"
		     "Connection: close\r\n\r\n",
		     len);
	if (icpt_jail_write(ic, head, (size_t)n) == 0)
		(void)icpt_jail_write(ic, ic->reply, (size_t)len);
	icpt_finish(ic);
}

/*
 * Body bytes of a held push: @raw (@raw_len bytes as they came) of
 * which the first @data_len are data (the rest chunked framing).
 * Context: @ic->push is PUSH_COLLECT or PUSH_DRAIN
 */
void icpt_push_take(struct icpt *ic, const uint8_t *raw, size_t raw_len,
		    size_t data_len)
{
	size_t n;
	int r;

	if (ic->push == PUSH_DRAIN) {
		ic->drained += raw_len;
		if (ic->drained > ICPT_DRAIN_MAX)
			icpt_push_refused(ic);
		return;
	}
	if (raw_len > sizeof(ic->hold) - ic->hold_len)
		icpt_refuse(ic, "413 Content Too Large",
			    "a push's command list too long to hold "
			    "(--hold-push)");
	memcpy(ic->hold + ic->hold_len, raw, raw_len);
	ic->hold_len += raw_len;
	n = data_len < sizeof(ic->list) - ic->list_len ?
		    data_len :
		    sizeof(ic->list) - ic->list_len;
	memcpy(ic->list + ic->list_len, raw, n);
	ic->list_len += n;
	r = push_parse_commands(ic->list, ic->list_len, &ic->cmds);
	if (r == -EAGAIN)
		return;
	if (r == -E2BIG)
		icpt_refuse(ic, "413 Content Too Large",
			    "a push's command list too long to hold "
			    "(--hold-push)");
	if (r < 0)
		icpt_refuse(ic, "400 Bad Request",
			    "a push whose command list is malformed");
	/* Nothing to update (git probes with an empty list): on it goes */
	if (!ic->cmds.n_cmds)
		icpt_push_release(ic);
	else
		icpt_push_ask(ic);
}

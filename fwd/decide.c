// SPDX-License-Identifier: MIT
/*
 * decide.c - what a connection's first bytes name, the policy's verdict, and the connections held for an answer (--ask, --hold-push)
 */
/*
 * fwd.c - the forwarder: the jail's only way out
 *
 * One process, outside the jail, in the host's network namespace. Its
 * listening sockets were made in the gateway namespace G (netns.c), whose
 * rules redirect every TCP connection and every DNS query from the jail to
 * them; its outbound sockets are made here, in the host's namespace.
 *
 * Per TCP connection (all input from the jail is untrusted):
 *  1. accept; recover the destination the jail asked for with
 *     SO_ORIGINAL_DST from G's conntrack. The gateway's own address is
 *     --allow-host-port: dial the host's 127.0.0.1 on an allowed port,
 *     refuse anything else.
 *  2. Peek (MSG_PEEK: nothing is consumed, nothing is copied twice) until
 *     the first bytes name a host: TLS ClientHello SNI, else HTTP/1 Host,
 *     else the name this resolver handed out for the destination address
 *     ("pinned"), else the address itself. A ClientHello whose SNI is not
 *     among the names pinned to its destination, or a ClientHello without
 *     SNI to port 443 of a pinned address, is refused; so is one the
 *     parser cannot read, and an HTTP head that cannot be parsed: neither
 *     is ever named from the pin. A name that is an address in disguise
 *     (policy_is_wire_name()) is refused. A client that says nothing for
 *     FWD_SILENT_MS (server-speaks-first protocols) is named from the pin,
 *     and refused if its first bytes then are a ClientHello or an HTTP
 *     request; one that sends an incomplete request for
 *     FWD_FIRST_BYTES_MS is refused.
 *  3. policy_check_name(); allowed TLS to a host a secret is bound to is
 *     handed to an interception process (broker_tls()); else resolve the
 *     name on the host (resolver processes, getaddrinfo(): /etc/hosts,
 *     then DNS), drop every address
 *     that is special (policy_addr_is_special(), or one of this host's own)
 *     unless --allow-private or an allow rule names it, and dial what is
 *     left: the jail's own choice of address only matters as a preference
 *     among the addresses resolved here. TLS goes through the upstream
 *     proxy with CONNECT when there is one.
 *  4. splice(2) both ways through pipes lent from a pool only while bytes
 *     are in flight, so idle connections hold no pipe; half-close is
 *     passed on with shutdown(SHUT_WR). On plain HTTP, jail -> host moves
 *     only bytes already judged: every head is peeked at and judged
 *     (reqcheck.c: Host, CONNECT, strict body framing) before its first
 *     byte goes, and its body's framing says where the next head starts;
 *     a refused request is answered with its status (421 for another
 *     host) once the answers to the requests before it have drained.
 *     A connection idle for --net-idle-timeout is closed; at most
 *     --max-connections are open at once.
 * Every refusal resets the jail's connection at once (SO_LINGER 0).
 *
 * --ask: a name no rule decides (policy_check_name() says "not allowed"
 * and no deny rule names it) is held in C_ASK: nothing more is read, the
 * client just waits, while the supervisor asks a person (ask.c). One ask
 * covers every connection held for the same name and port; at most
 * FWD_MAX_ASKS asks and FWD_MAX_HELD held connections, more are refused.
 * "allow" resumes at step 3 (the host resolves the name only now),
 * "always" does so and lets the name through for the rest of the run,
 * "deny", the supervisor's end closing or no answer by --ask-timeout
 * (plus a margin) refuses.
 *
 * --hold-push HOST: only TLS to HOST is carried, and always intercepted
 * (broker.c holds its git pushes for an answer); SSH, plain HTTP and
 * anything else to HOST is refused.
 *
 * DNS queries are answered by dnsd.c, in this same process; it also
 * resolves names for step 3 and keeps the pins for step 2.
 *
 * The process is single-threaded around one epoll loop; nothing blocks
 * but the resolver processes, which only ever run getaddrinfo().
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"
#include "fwd/internal.h"

#define FWD_MAX_HELD 256	/* connections held for an answer */

#define FWD_ASK_MARGIN_MS 5000	/* after --ask-timeout: the supervisor */

static bool intercept_hook(struct fwd *f, struct conn *c, const char *sni);

static void ask_close(struct fwd *f, struct fwd_ask *a)
{
	if (a->reply_fd >= 0) {
		epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, a->reply_fd, NULL);
		close(a->reply_fd);
	}
	a->reply_fd = -1;
	a->used = false;
	a->gen++;
}

/* @c leaves C_ASK without the answer (its client went away) */
void fwd_ask_release(struct fwd *f, struct conn *c)
{
	struct fwd_ask *a = &f->asks[c->ask];

	f->n_held--;
	/* Closing the reply descriptor tells the supervisor: ask.cancel */
	if (--a->n_conns == 0)
		ask_close(f, a);
}

/* Hold @c until the supervisor answers for its name and port */
static void ask_hold(struct fwd *f, struct conn *c, const char *detail)
{
	struct fwd_ask *a = NULL;
	int idx = -1, fd;

	if (f->n_held >= FWD_MAX_HELD) {
		fwd_conn_deny(f, c, "too many connections held for an answer");
		return;
	}
	for (int i = 0; i < FWD_MAX_ASKS && !a; i++) {
		struct fwd_ask *x = &f->asks[i];

		if (x->used && x->port == c->port && !strcmp(x->name, c->name))
			a = x;
		else if (!x->used && idx < 0)
			idx = i;
	}
	if (a) {
		idx = (int)(a - f->asks);
	} else {
		if (idx < 0) {
			fwd_conn_deny(f, c, "too many questions at once");
			return;
		}
		/* Each question runs --approve-cmd, logs, maybe prompts: a
		 * jail that makes up names does not get to flood them */
		if (!f->ask_tokens) {
			fwd_conn_deny(f, c, "too many questions; try again later");
			return;
		}
		f->ask_tokens--;
		a = &f->asks[idx];
		fd = ask_send(f->p->ask_fd, "connect", c->name, c->port,
			      detail);
		if (fd < 0 ||
		    fwd_ep_add(f, fd, EPOLLIN,
			   fwd_tag_of(T_ASK, (uint32_t)idx, a->gen)) < 0) {
			if (fd >= 0)
				close(fd);
			fwd_conn_deny(f, c, "cannot ask");
			return;
		}
		a->used = true;
		a->reply_fd = fd;
		a->port = c->port;
		a->n_conns = 0;
		snprintf(a->name, sizeof(a->name), "%s", c->name);
	}
	a->n_conns++;
	f->n_held++;
	c->state = C_ASK;
	c->ask = idx;
	/* The supervisor times out first; this is for a supervisor stuck */
	c->deadline = f->now + f->cfg->ask_timeout * 1000 + FWD_ASK_MARGIN_MS;
}

/* The supervisor answered (or let go of) ask @idx */
void fwd_on_ask_answer(struct fwd *f, uint64_t tag)
{
	uint32_t idx = (uint32_t)(tag >> 32);
	struct fwd_ask *a = idx < FWD_MAX_ASKS ? &f->asks[idx] : NULL;
	char by[ASK_HOST_MAX + 1] = "", why[ASK_HOST_MAX + 64];
	int r;

	if (!a || !a->used || (a->gen & 0xffffff) != ((tag >> 8) & 0xffffff))
		return;
	r = ask_read_answer(a->reply_fd, by);
	if (r == -EAGAIN)
		return;
	if (r == ASK_ALWAYS)
		dnsd_approve(f->dns, a->name);
	if (r == ASK_DENY)
		snprintf(why, sizeof(why), "denied when asked (%s)", by);
	else
		snprintf(why, sizeof(why), "no answer");
	for (unsigned int i = 0; i < f->hiwater; i++) {
		struct conn *c = &f->conns[i];

		if (c->state != C_ASK || c->ask != (int)idx)
			continue;
		f->n_held--;
		a->n_conns--;
		c->state = C_PEEK;
		c->deadline = 0;
		if (r != ASK_ALLOW && r != ASK_ALWAYS)
			fwd_conn_deny(f, c, why);
		/* Allowed now, TLS to a bound or held host is intercepted as
		 * if a rule had allowed it: a push there is still held */
		else if (fwd_web_port_refuse(f, c))
			continue;
		else if (!c->has_sni || !intercept_hook(f, c, c->name))
			fwd_start_resolve(f, c);
	}
	ask_close(f, a);
}

/* "revoke NAME" from the supervisor (jail revoke) */
void fwd_on_ask_chan(struct fwd *f)
{
	char buf[CTL_LINE_MAX];
	struct ctl_msg m;

	for (int round = 0; round < 16; round++) {
		ssize_t n = recv(f->p->ask_fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0) {
			/* The supervisor is gone; it kills us soon enough */
			epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, f->p->ask_fd, NULL);
			return;
		}
		if (n < 0)
			return;
		if (ctl_parse(buf, (size_t)n, &m) < 0 || m.verb != CTL_REVOKE)
			continue;
		for (size_t i = 0; i < f->cfg->n_secrets; i++) {
			unsigned int killed;

			if (strcmp(f->cfg->secrets[i].name, m.name) ||
			    broker_is_revoked(i))
				continue;
			killed = broker_revoke(f->p, i);
			fwd_log_write(f, "secret.revoke",
				  (const struct audit_field[]){
					  AF_STR("name", m.name),
					  AF_INT("brokers_stopped", killed) },
				  2);
		}
	}
}

/*
 * --hold-push HOST: only TLS to HOST is carried, and intercepted, so that
 * a push can be held; git over SSH, plain HTTP (judged request by request,
 * but never held) and any other protocol to HOST are refused, whatever the
 * rules say, with a reason that points to HTTPS. Return: true when @c was
 * refused
 */
static bool hold_push_refuse(struct fwd *f, struct conn *c)
{
	char why[POLICY_NAME_MAX + 128];

	if (c->is_tls && c->port != 22)
		return false;
	for (size_t i = 0; i < f->cfg->n_hold_push; i++) {
		if (strcmp(f->cfg->hold_push[i], c->name))
			continue;
		snprintf(why, sizeof(why),
			 c->port == 22 ?
				 "git over SSH to %s is refused (--hold-push); "
				 "push over HTTPS instead" :
				 "only HTTPS to %s is carried (--hold-push); a "
				 "push over anything else could not be held",
			 c->name);
		fwd_conn_deny(f, c, why);
		return true;
	}
	return false;
}

/*
 * --ask: no rule decided @c. Return: true when it was held or refused
 * here, false when it goes ahead (its name was answered "always")
 */
static bool ask_hook(struct fwd *f, struct conn *c, const char *ip,
		     const char *detail)
{
	if (!strcmp(c->name, ip) && dnsd_is_ask_addr(&c->dst)) {
		/* An ask address the resolver never handed out */
		c->name[0] = '\0';
		fwd_conn_deny(f, c, "not allowed");
		return true;
	}
	if (dnsd_is_approved(f->dns, c->name))
		return false;
	ask_hold(f, c, detail);
	return true;
}

/* ---- connections: naming and deciding ------------------------------- */

/*
 * --secret (broker.c): allowed TLS whose SNI is a bound host goes to an
 * interception process of its own. Return: true when @c was handed over
 * or refused (and freed)
 */
static bool intercept_hook(struct fwd *f, struct conn *c, const char *sni)
{
	int v;

	/* As for brokered plain HTTP: a queued revoke comes first */
	if (f->p->ask_fd >= 0)
		fwd_on_ask_chan(f);
	v = broker_tls(f->p, f->dns, c->jail_fd, sni, c->port, &f->proxy);

	if (v == BROKER_PASS)
		return false;
	/* The process keeps the socket: our epoll must stop watching it */
	epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, c->jail_fd, NULL);
	fwd_conn_free(f, c, v == BROKER_REFUSED);
	return true;
}

void fwd_decide(struct fwd *f, struct conn *c, const char *claimed,
		   bool is_tls)
{
	const struct jail_config *cfg = f->cfg;
	const char *pinned = dnsd_pinned(f->dns, &c->dst, NULL);
	enum policy_verdict v;
	char ip[INET6_ADDRSTRLEN];

	dnsd_addr_str(&c->dst, ip, sizeof(ip));
	if (*claimed && !policy_is_wire_name(claimed, true)) {
		/* An address in disguise is neither asked about nor dialed */
		snprintf(c->name, sizeof(c->name), "%s", claimed);
		fwd_conn_deny(f, c, "not a host name");
		return;
	}
	if (is_tls && *claimed && pinned &&
	    !dnsd_pinned(f->dns, &c->dst, claimed)) {
		snprintf(c->name, sizeof(c->name), "%s", claimed);
		fwd_conn_deny(f, c, "server name does not match the resolved name");
		return;
	}
	if (is_tls && !*claimed && pinned && c->port == 443) {
		snprintf(c->name, sizeof(c->name), "%s", pinned);
		fwd_conn_deny(f, c, "no server name");
		return;
	}
	snprintf(c->name, sizeof(c->name), "%s",
		 *claimed ? claimed : pinned ? pinned : ip);
	c->is_tls = is_tls;
	c->has_sni = is_tls && *claimed;
	if (hold_push_refuse(f, c))
		return;
	v = policy_check_name(cfg->allow, cfg->n_allow, cfg->deny, cfg->n_deny,
			      c->name, c->port);
	/* Port 443 goes to the proxy even before its first bytes (a silent
	 * client), so that the route never depends on timing */
	c->via_proxy = f->proxy.on && (is_tls || c->port == 443);
	/* A profile's background host is denied without a question */
	if (v == POLICY_DENY_NOT_ALLOWED && cfg->ask && f->p->ask_fd >= 0 &&
	    !policy_check_quiet(cfg->quiet, cfg->n_quiet, c->name, c->port)) {
		if (ask_hook(f, c, ip,
			     is_tls ? "tls" : *claimed ? "http" : "tcp"))
			return;
		v = POLICY_ALLOW;	/* answered "always" before */
	}
	if (v != POLICY_ALLOW) {
		if (!strcmp(c->name, ip))
			c->name[0] = '\0';	/* no name: log the address */
		fwd_conn_deny(f, c, policy_verdict_reason(v));
		return;
	}
	if (fwd_web_port_refuse(f, c))
		return;
	if (is_tls && intercept_hook(f, c, claimed))
		return;
	c->deadline = 0;
	fwd_start_resolve(f, c);
}

/*
 * --secret (broker.c): a request to a broker name goes to a broker
 * process of its own; one carrying a placeholder elsewhere is refused.
 * Return: true when @c was handed over or refused (and freed)
 */
static bool secrets_hook(struct fwd *f, struct conn *c,
			 const struct http_head *h)
{
	int v;

	/*
	 * A "revoke" queued before this connection came must take effect
	 * before a broker (a copy of our memory) is forked for it: epoll
	 * may report the two in either order
	 */
	if (f->cfg->n_secrets && f->p->ask_fd >= 0)
		fwd_on_ask_chan(f);
	v = broker_http(f->p, f->dns, c->jail_fd, f->scratch, h, &f->proxy);

	if (v == BROKER_PASS)
		return false;
	/* The broker keeps the socket: our epoll must stop watching it */
	epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, c->jail_fd, NULL);
	fwd_conn_free(f, c, v == BROKER_REFUSED);
	return true;
}

/* A first line that means to be an HTTP request: "... HTTP/1.x" */
static bool looks_like_http(const uint8_t *b, size_t len)
{
	const uint8_t *lf = memchr(b, '\n', len);
	size_t n = lf ? (size_t)(lf - b) : len;

	return memmem(b, n, " HTTP/", 6) != NULL;
}

/*
 * The first head of a plain-HTTP connection: brokered, or judged as
 * every later one will be (reqcheck_judge()) before anything is dialed;
 * its Host names the connection
 */
static void classify_http(struct fwd *f, struct conn *c,
			  const struct http_head *h)
{
	const struct reqcheck_conn rc = { h->host, c->port, 80, false };
	struct reqcheck_verdict v;

	if (secrets_hook(f, c, h))
		return;
	snprintf(c->name, sizeof(c->name), "%.*s", POLICY_NAME_MAX, h->host);
	if (reqcheck_judge(&rc, f->scratch, h, &v)) {
		fwd_http_refuse(f, c, v.status, v.why);
		return;
	}
	c->is_http = true;
	fwd_decide(f, c, h->host, false);
}

/*
 * Look at what the jail sent so far, without consuming it.
 * Context: C_PEEK, on every new segment (edge-triggered)
 */
void fwd_classify(struct fwd *f, struct conn *c)
{
	char name[POLICY_NAME_MAX + 1] = "";
	struct http_head h;
	ssize_t n = recv(c->jail_fd, f->scratch, sizeof(f->scratch), MSG_PEEK);
	int r;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone before saying anything: nothing to log */
		fwd_conn_free(f, c, n < 0);
		return;
	}
	c->got_bytes = true;
	if (f->scratch[0] == 0x16) {
		r = tls_parse_sni(f->scratch, (size_t)n, name, sizeof(name));
		if (r >= 0)
			fwd_decide(f, c, r > 0 ? name : "", true);
		else if (r != -EAGAIN)
			/* Never named from the pin: what the server reads
			 * of it is not what was read here */
			fwd_conn_deny(f, c, "unreadable TLS ClientHello");
		else if ((size_t)n >= sizeof(f->scratch))
			fwd_conn_deny(f, c, "TLS ClientHello too large");
		return;
	}
	r = http_parse_head(f->scratch, (size_t)n, &h);
	if (r == 0) {
		classify_http(f, c, &h);
		return;
	}
	if (r == -E2BIG || (r == -EAGAIN && (size_t)n >= sizeof(f->scratch))) {
		fwd_conn_deny(f, c, "request head too large");
		return;
	}
	if (r == -EAGAIN)
		return;
	if (looks_like_http(f->scratch, (size_t)n)) {
		fwd_conn_deny(f, c, "malformed request head");
		return;
	}
	/* Neither TLS nor HTTP/1: only a pin or the address can name it */
	c->is_opaque = true;
	fwd_decide(f, c, "", false);
}

// SPDX-License-Identifier: MIT
/*
 * decide.c - what a connection's first bytes name (TLS server name, HTTP
 * Host, the resolver's pin, the address), the policy's verdict on it, the
 * connections held for an answer (--ask, --hold-push), and those for a
 * broker process (broker.c)
 *
 * A connection for a broker is decided like any other: the policy's
 * verdict here, then its host resolved by the forwarder's resolver and
 * its addresses filtered by the address policy (dial.c); only then is it
 * handed over (fwd_hand_off()), with the addresses it may dial.
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
	fwd_early_drop(c);	/* a held name was never dialed early */
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
 * interception process of its own, once its host is resolved and its
 * addresses decided (@c->broker set). Return: true when @c was refused
 * (and freed)
 */
static bool intercept_hook(struct fwd *f, struct conn *c, const char *sni)
{
	int v = broker_tls(f->p, sni, c->port, &f->proxy);

	if (v == BROKER_PASS)
		return false;
	if (v == BROKER_WANTED) {
		c->broker = CB_TLS;
		return false;
	}
	fwd_conn_free(f, c, true);
	return true;
}

/*
 * A connection for a broker process, its host resolved and its addresses
 * decided (dial.c): @c->cand, what the policy allows, in order; none when
 * it goes through the upstream proxy, or when the name did not resolve
 * (@why). The process gets them with the connection and dials nothing
 * else.
 */
void fwd_hand_off(struct fwd *f, struct conn *c, const char *why)
{
	struct broker_dest dest = { .why = why };
	struct http_head h;
	ssize_t n;
	int v = BROKER_REFUSED;

	fwd_early_drop(c);	/* the process must not inherit it */
	dest.n = c->n_cand < BROKER_CANDS ? c->n_cand : BROKER_CANDS;
	memcpy(dest.a, c->cand, dest.n * sizeof(dest.a[0]));
	/*
	 * A "revoke" queued before this connection came must take effect
	 * before a broker (a copy of our memory) is forked for it: epoll
	 * may report the two in either order
	 */
	if (f->p->ask_fd >= 0)
		fwd_on_ask_chan(f);
	if (c->broker == CB_TLS) {
		v = broker_tls_start(f->p, c->jail_fd, c->name, c->port,
				     &f->proxy, &dest);
	} else {
		/* Only peeked at so far: the same head, read again */
		n = recv(c->jail_fd, f->scratch, sizeof(f->scratch), MSG_PEEK);
		if (n > 0 && !http_parse_head(f->scratch, (size_t)n, &h))
			v = broker_http_start(f->p, c->jail_fd, c->name, &h,
					      &f->proxy, &dest);
	}
	/* The process keeps the socket: our epoll must stop watching it */
	epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, c->jail_fd, NULL);
	c->allowed = false;	/* net.allow is the process's to write */
	fwd_conn_free(f, c, v == BROKER_REFUSED);
}

void fwd_decide(struct fwd *f, struct conn *c, const char *claimed,
		   bool is_tls)
{
	const struct jail_config *cfg = f->cfg;
	const char *pinned = dnsd_pinned(f->dns, &c->dst, NULL);
	enum policy_verdict v;
	char ip[INET6_ADDRSTRLEN];

	fwd_addr_str(&c->dst, ip, sizeof(ip));
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
 * process of its own once its host is resolved and its addresses decided
 * (on port 443, where the broker dials); one carrying a placeholder
 * elsewhere is refused. Return: true when @c was refused (and freed) or
 * is on its way to a broker
 */
static bool secrets_hook(struct fwd *f, struct conn *c,
			 const struct http_head *h)
{
	const char *host = NULL;
	int v = broker_http(f->p, f->scratch, h, &f->proxy, &host);

	if (v == BROKER_PASS)
		return false;
	if (v == BROKER_WANTED) {
		snprintf(c->name, sizeof(c->name), "%s", host);
		c->port = 443;
		c->broker = CB_PLAIN;
		c->via_proxy = f->proxy.on;
		c->deadline = 0;
		fwd_start_resolve(f, c);
		return true;
	}
	fwd_conn_free(f, c, true);
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

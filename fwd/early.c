// SPDX-License-Identifier: MIT
/*
 * early.c - the early dial: the second connection's TCP handshake starts
 * at accept, in parallel with waiting for the jail's first bytes
 *
 * Only for a destination this resolver handed out for a name (a pin)
 * that a rule allows on that port, whose name the forwarder dials itself
 * (no upstream proxy, no secret bound, no --hold-push, no broker name, no
 * ask address), and only to the address the decision would dial first
 * (set_candidates()' order, dnsd_addr_refused() checked). Nothing is ever
 * written to it before the decision: the first bytes are read, named and
 * decided exactly as without it (decide.c), and dial() takes the early
 * socket only when the decided name, port and address are the ones it was
 * opened for and it is still healthy; any other outcome closes it unused.
 * At most one per connection; it writes no audit event of its own.
 */
#include <poll.h>
#include <sys/socket.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "fwd/internal.h"

/*
 * The name an early socket was opened for, as a 64-bit FNV-1a hash (8
 * bytes per connection slot, not a name's 254). Two names that collide
 * could only trade an early socket to the same address and port, which
 * dial() checks, and which the decision would dial anyway.
 */
uint64_t fwd_early_name(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ULL;
	return h;
}

/* Would the decision, for @name on @c's port, dial @name itself? */
static bool dialed_here(const struct fwd *f, const struct conn *c,
			const char *name)
{
	const struct jail_config *cfg = f->cfg;

	if (f->proxy.on || fwd_is_gateway(&c->dst) ||
	    dnsd_is_ask_addr(&c->dst))
		return false;
	if (policy_check_name(cfg->allow, cfg->n_allow, cfg->deny,
			      cfg->n_deny, name, c->port) != POLICY_ALLOW)
		return false;
	for (size_t i = 0; i < cfg->n_hold_push; i++)
		if (!strcmp(cfg->hold_push[i], name))
			return false;
	return !broker_is_bound(cfg, name) && !secrets_broker_host(cfg, name);
}

/*
 * The address the decision would dial first for @c, from the cached
 * answer @e: the jail's own destination if it is among the addresses
 * allowed, else the first allowed one. Return: false when none is
 */
static bool first_candidate(const struct fwd *f, const struct conn *c,
			    const struct dnsd_answer *e, struct fwd_addr *out)
{
	struct fwd_addr a;
	bool found = false;

	for (unsigned int i = 0; i < e->n4 + e->n6; i++) {
		if (i < e->n4 && i < DNSD_MAX_ADDRS)
			fwd_addr_set(&a, AF_INET, e->a4[i]);
		else if (i >= e->n4 && i - e->n4 < DNSD_MAX_ADDRS)
			fwd_addr_set(&a, AF_INET6, e->a6[i - e->n4]);
		else
			continue;
		if (dnsd_addr_refused(f->dns, &a, c->port))
			continue;
		if (fwd_addr_eq(&a, &c->dst)) {
			*out = a;
			return true;
		}
		if (!found)
			*out = a;
		found = true;
	}
	return found;
}

void fwd_early_dial(struct fwd *f, struct conn *c)
{
	const struct dnsd_answer *e;
	struct sockaddr_storage ss;
	const char *name;
	struct fwd_addr a;
	socklen_t len;
	int fd;

	name = dnsd_pinned(f->dns, &c->dst, NULL);
	if (!name || !dialed_here(f, c, name))
		return;
	/* Only a cached answer: the early dial never starts a lookup */
	e = dnsd_cached(f->dns, name, f->now);
	if (!e || e->rcode != DNS_RCODE_NOERROR ||
	    !first_candidate(f, c, e, &a))
		return;
	fd = socket(a.family == AF_INET ? AF_INET : AF_INET6,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	fwd_set_nodelay(fd);
	len = fwd_addr_to_sa(&a, c->port, &ss);
	if (connect(fd, (const struct sockaddr *)&ss, len) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return;
	}
	c->early_fd = fd;
	c->early_addr = a;
	c->early_port = c->port;
	c->early_name = fwd_early_name(name);
}

void fwd_early_drop(struct conn *c)
{
	if (c->early_fd < 0)
		return;
	close(c->early_fd);
	c->early_fd = -1;
}

/* Is the early socket still on its way, or connected and untouched? */
static bool early_healthy(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	if (poll(&p, 1, 0) < 0)
		return false;
	return !(p.revents & (POLLERR | POLLHUP | POLLRDHUP | POLLNVAL));
}

int fwd_early_take(struct conn *c, const struct fwd_addr *a)
{
	int fd = c->early_fd;

	if (fd < 0)
		return -1;
	c->early_fd = -1;
	if (c->via_proxy || c->broker != CB_NONE ||
	    c->port != c->early_port ||
	    fwd_early_name(c->name) != c->early_name ||
	    !fwd_addr_eq(a, &c->early_addr) ||
	    !early_healthy(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

// SPDX-License-Identifier: MIT
/*
 * dnsd.c - the jail's resolver and the host lookups, inside the forwarder
 *
 * The jail's stub resolvers reach this code only (the gateway redirects
 * every UDP packet to port 53 here, whatever its address). It answers
 * from what the host resolves and never forwards what the jail sent:
 *
 *  - names not allowed: NXDOMAIN, logged as dns.deny, and no lookup of
 *    any kind leaves the machine (no DNS exfiltration through the host's
 *    resolver);
 *  - A (and AAAA when the jail has IPv6) for allowed names: the host's
 *    addresses minus those the forwarder would refuse to dial (special,
 *    this host's own); all refused gives NODATA and a dns.deny;
 *  - HTTPS and SVCB: NODATA, so clients use plain SNI rather than ECH;
 *    AAAA without IPv6: NODATA; other types: REFUSED;
 *  - malformed queries: dropped; other opcodes: NOTIMP;
 *  - --ask, names no rule decides: A with an ask address (DNSD_ASK_NET4,
 *    special, never dialed) pinned to the name, AAAA NODATA; nothing is
 *    looked up and nothing is logged. The name becomes connectable, the
 *    forwarder asks when a connection comes, and the host resolves it only
 *    after a person allowed it: a name nobody approved never reaches the
 *    host's resolver (a query is all DNS exfiltration needs). A name
 *    answered "always" is answered like an allowed one from then on.
 *
 * Every address handed out is pinned to its name: the forwarder names a
 * connection from its pin when the client does not, and refuses a TLS
 * server name that does not match the pin of its destination.
 *
 * Lookups run in DNSD_RESOLVERS processes doing blocking getaddrinfo(), so
 * the forwarder's loop never blocks, forked at the first lookup (a run
 * that looks nothing up on the host never pays for them); answers are
 * cached for DNSD_CACHE_MS, failures for DNSD_NEG_CACHE_MS, and a lookup
 * in flight is shared by every query and connection that needs the same
 * name.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "jail.h"
#include "setup.h"
#include "fwd/fwd.h"
#include "parse/parse.h"

#define DNSD_RESOLVERS 4	/* concurrent host lookups */
#define DNSD_CACHE 512		/* names resolved on the host */
#define DNSD_CACHE_MS 30000
#define DNSD_NEG_CACHE_MS 5000
#define DNSD_LOOKUP_MS 20000	/* a lookup not answered by then failed */
#define DNSD_PINS 1024		/* (address, name) pairs handed out */
#define DNSD_WAITS 256		/* queries waiting for a lookup */
#define DNSD_TTL 30
#define DNSD_REPLY_MAX 512	/* plain UDP */
#define DNSD_QUERY_MAX 4096	/* larger datagrams are not queries */
#define DNSD_OWN_ADDRS 64
#define DNSD_OWN_REFRESH_MS 5000
#define DNSD_LOG_RATE 100	/* dns.deny events per second, burst 10x */

/* A name resolved on the host */
struct name_entry {
	char name[POLICY_NAME_MAX + 1];
	bool used;
	bool pending;
	uint32_t req_id;
	uint64_t t;	/* lookup sent, or the answer's expiry */
	struct dnsd_answer ans;
};

/* Messages between the forwarder and its lookup processes */
struct lookup_req {
	uint32_t id;
	char name[POLICY_NAME_MAX + 1];
};

struct lookup_resp {
	uint32_t id;
	int32_t gai;
	uint8_t n4, n6;
	uint8_t a4[DNSD_MAX_ADDRS][4];
	uint8_t a6[DNSD_MAX_ADDRS][16];
};

struct pin {
	struct fwd_addr addr;
	char name[POLICY_NAME_MAX + 1];
};

/* A query waiting for a lookup */
struct dns_wait {
	bool used;
	int fd;
	int slot;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct dns_query q;
};

/* Where a reply goes */
struct dns_peer {
	int fd;
	const struct sockaddr_storage *sa;
	socklen_t len;
};

struct dnsd {
	const struct fwd_params *p;
	const struct jail_config *cfg;
	struct dnsd_waiter waiter;
	int lookup_fd;
	int resolvers_fd;	/* the resolvers' end until they run, or -1 */
	int n_resolvers;	/* forked so far */
	uint64_t now;
	uint32_t req_seq;
	struct name_entry cache[DNSD_CACHE];
	struct pin pins[DNSD_PINS];
	unsigned int pin_next;
	struct dns_wait waits[DNSD_WAITS];
	char ask_names[DNSD_ASK_PINS][POLICY_NAME_MAX + 1];
	unsigned int ask_next;
	char approved[DNSD_APPROVED][POLICY_NAME_MAX + 1];
	unsigned int n_approved;
	struct fwd_addr own[DNSD_OWN_ADDRS];
	unsigned int n_own;
	uint64_t own_at;
	unsigned int log_tokens;
	unsigned long long suppressed;
	uint64_t log_at;
	uint8_t buf[DNSD_QUERY_MAX];
};

/* ---- addresses the forwarder may not dial (the type: addr.c) ---------- */

static void own_addrs_refresh(struct dnsd *d)
{
	struct ifaddrs *ifa = NULL;

	d->own_at = d->now;
	if (getifaddrs(&ifa) < 0)
		return;	/* keep the previous list */
	d->n_own = 0;
	for (struct ifaddrs *i = ifa; i && d->n_own < DNSD_OWN_ADDRS;
	     i = i->ifa_next) {
		if (i->ifa_addr &&
		    fwd_addr_from_sa(i->ifa_addr, &d->own[d->n_own], NULL))
			d->n_own++;
	}
	freeifaddrs(ifa);
}

static bool is_own_addr(const struct dnsd *d, const struct fwd_addr *a)
{
	for (unsigned int i = 0; i < d->n_own; i++)
		if (fwd_addr_eq(&d->own[i], a))
			return true;
	return false;
}

/* Does an IP allow rule name @a, on @port or (@port 0) on one of its own? */
static bool named_by_allow(const struct dnsd *d, const struct fwd_addr *a,
			   uint16_t port)
{
	const struct jail_config *cfg = d->cfg;

	for (size_t i = 0; i < cfg->n_allow; i++) {
		const struct net_rule *r = &cfg->allow[i];
		uint16_t p = port;

		if (!r->is_ip)
			continue;
		if (!p)
			p = r->n_ports ? r->port_lo[0] : 443;
		if (policy_rule_matches_addr(r, a->family, a->a, p))
			return true;
	}
	return false;
}

const char *dnsd_addr_refused(const struct dnsd *d, const struct fwd_addr *a,
			      uint16_t port)
{
	const struct jail_config *cfg = d->cfg;

	/* With @port 0 only deny rules without ports (every port) match */
	if (policy_check_addr(cfg->allow, 0, cfg->deny, cfg->n_deny,
			      a->family, a->a, port) == POLICY_DENY_DENIED)
		return "address denied by rule";
	if (cfg->allow_private || named_by_allow(d, a, port))
		return NULL;
	if (policy_addr_is_special(a->family, a->a))
		return "private address";
	if (is_own_addr(d, a))
		return "address of this host";
	return NULL;
}

/* ---- pins -------------------------------------------------------------- */

static void pin_add(struct dnsd *d, const struct fwd_addr *a,
		    const char *name)
{
	struct pin *p;

	if (dnsd_pinned(d, a, name))
		return;
	/* The oldest pin goes first: a ring */
	p = &d->pins[d->pin_next++ % DNSD_PINS];
	p->addr = *a;
	snprintf(p->name, sizeof(p->name), "%.*s", POLICY_NAME_MAX, name);
}

/* 198.18.0.0 + 1 + @i: the ask address of ask_names[@i] */
static void ask_addr(unsigned int i, struct fwd_addr *a)
{
	uint8_t b[4];

	inet_pton(AF_INET, DNSD_ASK_NET4, b);
	i++;
	b[2] = (uint8_t)(i >> 8);
	b[3] = (uint8_t)i;
	fwd_addr_set(a, AF_INET, b);
}

/* Return: the index in ask_names[] of ask address @a, or -1 */
static int ask_index(const struct fwd_addr *a)
{
	uint8_t base[4];
	unsigned int i;

	inet_pton(AF_INET, DNSD_ASK_NET4, base);
	if (a->family != AF_INET || memcmp(a->a, base, 2))
		return -1;
	i = ((unsigned int)a->a[2] << 8 | a->a[3]);
	return i >= 1 && i <= DNSD_ASK_PINS ? (int)i - 1 : -1;
}

bool dnsd_is_ask_addr(const struct fwd_addr *a)
{
	uint8_t base[4];

	inet_pton(AF_INET, DNSD_ASK_NET4, base);
	return a->family == AF_INET && !memcmp(a->a, base, 2);
}

/* The ask address for @name: its own, else the oldest one recycled */
static void ask_pin(struct dnsd *d, const char *name, struct fwd_addr *a)
{
	unsigned int i;

	for (i = 0; i < DNSD_ASK_PINS; i++)
		if (!strcmp(d->ask_names[i], name))
			break;
	if (i == DNSD_ASK_PINS) {
		i = d->ask_next++ % DNSD_ASK_PINS;
		snprintf(d->ask_names[i], sizeof(d->ask_names[i]), "%.*s",
			 POLICY_NAME_MAX, name);
	}
	ask_addr(i, a);
}

const char *dnsd_pinned(const struct dnsd *d, const struct fwd_addr *a,
			const char *name)
{
	int k = ask_index(a);

	if (k >= 0 && d->ask_names[k][0])
		return !name || !strcmp(d->ask_names[k], name) ?
			       d->ask_names[k] :
			       NULL;
	for (unsigned int i = 0; i < DNSD_PINS; i++) {
		const struct pin *p = &d->pins[i];

		if (p->addr.family && fwd_addr_eq(&p->addr, a) &&
		    (!name || !strcmp(p->name, name)))
			return p->name;
	}
	return NULL;
}

/* ---- the audit log ------------------------------------------------------ */

/*
 * dns.deny events come from the jail's choices: a hostile command could
 * use them to fill the disk. A token bucket bounds them; what it drops is
 * reported later as one "log.suppressed" event.
 */
static void log_refill(struct dnsd *d)
{
	uint64_t secs = (d->now - d->log_at) / 1000;

	if (!secs)
		return;
	d->log_at = d->now;
	d->log_tokens += (unsigned int)(secs > 10 ? 10 : secs) * DNSD_LOG_RATE;
	if (d->log_tokens > 10 * DNSD_LOG_RATE)
		d->log_tokens = 10 * DNSD_LOG_RATE;
	if (d->suppressed && d->p->log_fd >= 0) {
		const struct audit_field f[] = {
			AF_STR("what", "dns.deny"),
			AF_INT("count", d->suppressed),
		};

		audit_write(d->p->log_fd, d->p->jail_id, "log.suppressed", f,
			    ARRAY_SIZE(f));
		d->suppressed = 0;
	}
}

static const char *qtype_name(uint16_t t, char *buf, size_t len)
{
	static const struct {
		uint16_t t;
		const char *s;
	} names[] = { { 1, "A" },     { 2, "NS" },     { 5, "CNAME" },
		      { 6, "SOA" },   { 12, "PTR" },   { 15, "MX" },
		      { 16, "TXT" },  { 28, "AAAA" },  { 33, "SRV" },
		      { 64, "SVCB" }, { 65, "HTTPS" }, { 255, "ANY" } };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].t == t)
			return names[i].s;
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

/* One event of the resolver's, within its budget; beyond it, counted */
static void log_limited(struct dnsd *d, const char *event,
			const struct audit_field *f, size_t n)
{
	if (d->p->log_fd < 0)
		return;
	if (!d->log_tokens) {
		d->suppressed++;
		return;
	}
	d->log_tokens--;
	audit_write(d->p->log_fd, d->p->jail_id, event, f, n);
}

static void log_deny(struct dnsd *d, const struct dns_query *q,
		     const char *reason)
{
	char tbuf[16];
	const struct audit_field f[] = {
		AF_STR("name", q->name),
		AF_STR("qtype", qtype_name(q->qtype, tbuf, sizeof(tbuf))),
		AF_STR("reason", reason),
	};

	log_limited(d, "dns.deny", f, ARRAY_SIZE(f));
}

static void log_no_address(struct dnsd *d, const struct dns_query *q,
			   int rcode)
{
	const struct audit_field f[] = {
		AF_STR("host", q->name),
		AF_STR("error", rcode == DNS_RCODE_NXDOMAIN ?
				"no address (the name does not resolve)" :
				"no address (name resolution failed)"),
	};

	log_limited(d, "net.error", f, ARRAY_SIZE(f));
}

/* ---- lookup processes and the cache ------------------------------------- */

static void collect(const struct addrinfo *res, struct lookup_resp *rs)
{
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		struct fwd_addr a;
		bool dup = false;

		if (!fwd_addr_from_sa(ai->ai_addr, &a, NULL))
			continue;
		if (a.family == AF_INET && rs->n4 < DNSD_MAX_ADDRS) {
			for (unsigned int i = 0; i < rs->n4; i++)
				dup |= !memcmp(rs->a4[i], a.a, 4);
			if (!dup)
				memcpy(rs->a4[rs->n4++], a.a, 4);
		} else if (a.family == AF_INET6 && rs->n6 < DNSD_MAX_ADDRS) {
			for (unsigned int i = 0; i < rs->n6; i++)
				dup |= !memcmp(rs->a6[i], a.a, 16);
			if (!dup)
				memcpy(rs->a6[rs->n6++], a.a, 16);
		}
	}
}

/* A lookup process: one getaddrinfo() per request, until EOF */
static __attribute__((noreturn)) void lookup_main(int sock)
{
	struct lookup_req rq;
	struct lookup_resp rs;

	prctl(PR_SET_NAME, "jail-resolve", 0, 0, 0);
	for (;;) {
		struct addrinfo hints = { .ai_family = AF_UNSPEC,
					  .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_ADDRCONFIG };
		struct addrinfo *res = NULL;
		ssize_t n = recv(sock, &rq, sizeof(rq), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		if (n != sizeof(rq))
			continue;
		rq.name[POLICY_NAME_MAX] = '\0';
		memset(&rs, 0, sizeof(rs));
		rs.id = rq.id;
		rs.gai = getaddrinfo(rq.name, NULL, &hints, &res);
		collect(res, &rs);
		if (res)
			freeaddrinfo(res);
		if (send(sock, &rs, sizeof(rs), MSG_NOSIGNAL) < 0 &&
		    errno != EINTR)
			_exit(0);
	}
}

/*
 * The lookup processes share one end of a SOCK_SEQPACKET pair: each
 * request goes to whichever is idle, each reply comes back whole. The
 * pair is made with the resolver, so its descriptor is polled from the
 * start; the processes are forked by lookups_fork().
 */
static int lookups_open(struct dnsd *d)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	d->lookup_fd = sv[0];
	d->resolvers_fd = sv[1];
	return 0;
}

/*
 * Fork the lookup processes that are missing, before the first request
 * is sent; once all run, our copy of their end is closed.
 * Return: 0 or -errno (the next lookup tries again)
 */
static int lookups_fork(struct dnsd *d)
{
	for (; d->n_resolvers < DNSD_RESOLVERS; d->n_resolvers++) {
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			/* Nothing but stdio and the socket: not the jail's */
			if (dup2(d->resolvers_fd, 3) < 0)
				_exit(1);
			close_range(4, ~0U, 0);
			lookup_main(3);
		}
	}
	close(d->resolvers_fd);
	d->resolvers_fd = -1;
	return 0;
}

static int cache_find(const struct dnsd *d, const char *name)
{
	for (int i = 0; i < DNSD_CACHE; i++) {
		const struct name_entry *e = &d->cache[i];

		if (e->used && (e->pending || e->t > d->now) &&
		    !strcmp(e->name, name))
			return i;
	}
	return -1;
}

/* A slot for a new lookup: a free or expired one, else the oldest answer */
static int cache_victim(const struct dnsd *d)
{
	int best = -1;

	for (int i = 0; i < DNSD_CACHE; i++) {
		const struct name_entry *e = &d->cache[i];

		if (!e->used || (!e->pending && e->t <= d->now))
			return i;
		if (!e->pending && (best < 0 || e->t < d->cache[best].t))
			best = i;
	}
	return best;
}

const struct dnsd_answer *dnsd_cached(struct dnsd *d, const char *name,
				      uint64_t now)
{
	int slot;

	d->now = now;
	slot = cache_find(d, name);
	return slot >= 0 && !d->cache[slot].pending ? &d->cache[slot].ans :
						      NULL;
}

int dnsd_lookup(struct dnsd *d, const char *name, uint64_t now,
		const struct dnsd_answer **a)
{
	struct lookup_req rq = { 0 };
	struct name_entry *e;
	int slot;

	d->now = now;
	*a = NULL;
	slot = cache_find(d, name);
	if (slot >= 0) {
		if (!d->cache[slot].pending)
			*a = &d->cache[slot].ans;
		return slot;
	}
	slot = cache_victim(d);
	if (slot < 0)
		return -EBUSY;
	e = &d->cache[slot];
	rq.id = ((d->req_seq++ & 0xffffu) << 16) | (uint32_t)slot;
	snprintf(rq.name, sizeof(rq.name), "%.*s", POLICY_NAME_MAX, name);
	/* Some may run even if the last fork failed */
	if (d->resolvers_fd >= 0 && lookups_fork(d) < 0 && !d->n_resolvers)
		return -EBUSY;
	if (send(d->lookup_fd, &rq, sizeof(rq), MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    sizeof(rq))
		return -EBUSY;
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%.*s", POLICY_NAME_MAX, name);
	e->used = e->pending = true;
	e->req_id = rq.id;
	e->t = now;
	return slot;
}

/* ---- replies ------------------------------------------------------------ */

static void reply(const struct dns_peer *to, const struct dns_query *q,
		  unsigned int rcode, int family, const uint8_t (*a)[16],
		  size_t n)
{
	uint8_t out[DNSD_REPLY_MAX];
	int len = dns_build_reply(q, rcode, family, a, n, DNSD_TTL, out,
				  sizeof(out));

	if (len > 0)
		sendto(to->fd, out, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL,
		       (const struct sockaddr *)to->sa, to->len);
}

static void reply_empty(const struct dns_peer *to, const struct dns_query *q,
			unsigned int rcode)
{
	reply(to, q, rcode, 0, NULL, 0);
}

/* Is @name allowed on at least one port? Deny rules win, as always */
static bool name_allowed(const struct dnsd *d, const char *name)
{
	const struct jail_config *cfg = d->cfg;

	for (size_t i = 0; i < cfg->n_allow; i++) {
		const struct net_rule *r = &cfg->allow[i];
		uint16_t ports[16] = { 80, 443 };
		size_t n = 2;

		if (r->is_ip)
			continue;
		if (r->n_ports) {
			n = 0;
			for (size_t k = 0; k < r->n_ports && k < 8; k++) {
				ports[n++] = r->port_lo[k];
				ports[n++] = r->port_hi[k];
			}
		}
		for (size_t k = 0; k < n; k++)
			if (policy_rule_matches_name(r, name, ports[k]) &&
			    policy_check_name(cfg->allow, cfg->n_allow,
					      cfg->deny, cfg->n_deny, name,
					      ports[k]) == POLICY_ALLOW)
				return true;
	}
	return false;
}

bool dnsd_is_approved(const struct dnsd *d, const char *name)
{
	for (unsigned int i = 0; i < d->n_approved; i++)
		if (!strcmp(d->approved[i], name))
			return true;
	return false;
}

void dnsd_approve(struct dnsd *d, const char *name)
{
	if (dnsd_is_approved(d, name))
		return;
	/* Full: the oldest "always" is forgotten, and asked again */
	if (d->n_approved == DNSD_APPROVED) {
		memmove(d->approved[0], d->approved[1],
			sizeof(d->approved[0]) * (DNSD_APPROVED - 1));
		d->n_approved--;
	}
	snprintf(d->approved[d->n_approved++], sizeof(d->approved[0]), "%s",
		 name);
}

/* Does a deny rule name @name, on any port? */
static bool name_denied_somewhere(const struct dnsd *d, const char *name)
{
	const struct jail_config *cfg = d->cfg;

	for (size_t i = 0; i < cfg->n_deny; i++) {
		const struct net_rule *r = &cfg->deny[i];

		if (r->is_ip)
			continue;
		if (!r->n_ports &&
		    policy_check_name(NULL, 0, r, 1, name, 443) ==
			    POLICY_DENY_DENIED)
			return true;
		for (size_t k = 0; k < r->n_ports && k < 8; k++)
			if (policy_rule_matches_name(r, name, r->port_lo[k]))
				return true;
	}
	return false;
}

bool dnsd_undecided(const struct dnsd *d, const char *name)
{
	const struct jail_config *cfg = d->cfg;

	for (size_t i = 0; i < cfg->n_allow; i++) {
		const struct net_rule *r = &cfg->allow[i];

		/* An allow rule for other ports decides the name too */
		if (!r->is_ip &&
		    policy_check_name(r, 1, NULL, 0, name, 443) !=
			    POLICY_DENY_NOT_ALLOWED)
			return false;
	}
	return !name_denied_somewhere(d, name);
}

/* --ask: an undecided name gets its ask address, nothing else happens */
static void answer_ask(struct dnsd *d, const struct dns_peer *to,
		       const struct dns_query *q)
{
	uint8_t out[1][16] = { { 0 } };
	struct fwd_addr a;

	if (q->qtype != DNS_TYPE_A) {
		bool nodata = q->qtype == DNS_TYPE_AAAA ||
			      q->qtype == DNS_TYPE_HTTPS ||
			      q->qtype == DNS_TYPE_SVCB;

		reply_empty(to, q,
			    nodata ? DNS_RCODE_NOERROR : DNS_RCODE_REFUSED);
		return;
	}
	ask_pin(d, q->name, &a);
	memcpy(out[0], a.a, 4);
	reply(to, q, DNS_RCODE_NOERROR, AF_INET, (const uint8_t(*)[16])out, 1);
}

/* Answer @q from @e; pin what is handed out */
static void answer(struct dnsd *d, const struct dns_peer *to,
		   const struct dns_query *q, const struct dnsd_answer *e)
{
	int family = q->qtype == DNS_TYPE_A ? AF_INET : AF_INET6;
	unsigned int total = family == AF_INET ? e->n4 : e->n6;
	uint8_t out[DNSD_MAX_ADDRS][16];
	size_t n = 0;

	if (e->rcode != DNS_RCODE_NOERROR) {
		/* An allowed name the host cannot resolve: an error, not a
		 * denial (once per name asked, by its A query) */
		if (family == AF_INET)
			log_no_address(d, q, e->rcode);
		reply_empty(to, q, (unsigned int)e->rcode);
		return;
	}
	for (unsigned int i = 0; i < total && i < DNSD_MAX_ADDRS; i++) {
		struct fwd_addr a;

		fwd_addr_set(&a, family, family == AF_INET ? e->a4[i] :
							      e->a6[i]);
		/* A mapped address was unmapped: not an AAAA answer */
		if (a.family != family || dnsd_addr_refused(d, &a, 0))
			continue;
		memset(out[n], 0, sizeof(out[n]));
		memcpy(out[n++], a.a, family == AF_INET ? 4 : 16);
		pin_add(d, &a, q->name);
	}
	if (total && !n)
		log_deny(d, q, "private address");
	reply(to, q, DNS_RCODE_NOERROR, family, (const uint8_t(*)[16])out, n);
}

/* NETNS_HOST_NAME is the gateway, under --allow-host-port */
static void answer_host_name(const struct dnsd *d, const struct dns_peer *to,
			     const struct dns_query *q)
{
	uint8_t a[1][16] = { { 0 } };

	if (q->qtype == DNS_TYPE_A) {
		inet_pton(AF_INET, JAIL_GATEWAY_IP4, a[0]);
		reply(to, q, DNS_RCODE_NOERROR, AF_INET,
		      (const uint8_t(*)[16])a, 1);
	} else if (q->qtype == DNS_TYPE_AAAA && d->p->ipv6) {
		inet_pton(AF_INET6, NETNS_GATEWAY_IP6, a[0]);
		reply(to, q, DNS_RCODE_NOERROR, AF_INET6,
		      (const uint8_t(*)[16])a, 1);
	} else {
		reply_empty(to, q, DNS_RCODE_NOERROR);
	}
}

/*
 * --secret (broker.c): a name carrying a placeholder is refused and
 * logged; a broker name is answered with SECRETS_BROKER_IP4 (any address
 * does: the gateway redirects every connection to the forwarder, which
 * goes by the Host header). Return: true when @q was answered
 */
static bool secret_query(struct dnsd *d, const struct dns_peer *to,
			 const struct dns_query *q)
{
	uint8_t a[1][16] = { { 0 } };
	int leak = broker_dns_leak(d->p, q->name);

	if (leak >= 0) {
		if (d->log_tokens) {
			d->log_tokens--;
			broker_log_leak(d->p, (size_t)leak, "dns", q->name);
		} else {
			d->suppressed++;
		}
		reply_empty(to, q, DNS_RCODE_REFUSED);
		return true;
	}
	if (!secrets_broker_host(d->cfg, q->name))
		return false;
	if (q->qtype == DNS_TYPE_A) {
		inet_pton(AF_INET, SECRETS_BROKER_IP4, a[0]);
		reply(to, q, DNS_RCODE_NOERROR, AF_INET,
		      (const uint8_t(*)[16])a, 1);
	} else {
		reply_empty(to, q, DNS_RCODE_NOERROR);
	}
	return true;
}

static void wait_add(struct dnsd *d, const struct dns_peer *to,
		     const struct dns_query *q, int slot)
{
	for (int i = 0; i < DNSD_WAITS; i++) {
		struct dns_wait *w = &d->waits[i];

		if (w->used)
			continue;
		w->used = true;
		w->fd = to->fd;
		w->slot = slot;
		memcpy(&w->peer, to->sa, to->len);
		w->peer_len = to->len;
		w->q = *q;
		return;
	}
	reply_empty(to, q, DNS_RCODE_SERVFAIL);
}

static void query(struct dnsd *d, const struct dns_peer *to,
		  const struct dns_query *q)
{
	const struct dnsd_answer *a = NULL;
	int slot;

	if (q->qclass != 1) {
		reply_empty(to, q, DNS_RCODE_REFUSED);
		return;
	}
	if (d->p->n_host_ports && !strcmp(q->name, NETNS_HOST_NAME)) {
		answer_host_name(d, to, q);
		return;
	}
	if (secret_query(d, to, q))
		return;
	if (!name_allowed(d, q->name) && !dnsd_is_approved(d, q->name)) {
		/* Only a host name is asked about, never an address in
		 * disguise ("3405803842") a resolver would read as one */
		if (d->cfg->ask && d->p->ask_fd >= 0 && *q->name &&
		    policy_is_wire_name(q->name, false) &&
		    dnsd_undecided(d, q->name)) {
			answer_ask(d, to, q);
			return;
		}
		log_deny(d, q, "not allowed");
		reply_empty(to, q, DNS_RCODE_NXDOMAIN);
		return;
	}
	if (q->qtype != DNS_TYPE_A && q->qtype != DNS_TYPE_AAAA) {
		bool nodata = q->qtype == DNS_TYPE_HTTPS ||
			      q->qtype == DNS_TYPE_SVCB;

		reply_empty(to, q,
			    nodata ? DNS_RCODE_NOERROR : DNS_RCODE_REFUSED);
		return;
	}
	if (q->qtype == DNS_TYPE_AAAA && !d->p->ipv6) {
		reply_empty(to, q, DNS_RCODE_NOERROR);
		return;
	}
	slot = dnsd_lookup(d, q->name, d->now, &a);
	if (slot < 0)
		reply_empty(to, q, DNS_RCODE_SERVFAIL);
	else if (a)
		answer(d, to, q, a);
	else
		wait_add(d, to, q, slot);
}

static void packet(struct dnsd *d, const struct dns_peer *to, size_t len)
{
	struct dns_query q;
	int err = dns_parse_query(d->buf, len, &q);

	if (err == -EOPNOTSUPP) {
		reply_empty(to, &q, DNS_RCODE_NOTIMP);
		return;
	}
	if (err == -EINVAL) {
		/* Well-formed, but no host name: nothing to look up */
		log_deny(d, &q, "not a host name");
		reply_empty(to, &q, DNS_RCODE_NXDOMAIN);
		return;
	}
	if (err < 0)
		return;	/* malformed: dropped */
	query(d, to, &q);
}

void dnsd_on_query(struct dnsd *d, int fd, uint64_t now)
{
	d->now = now;
	log_refill(d);
	/* Bounded: the other sockets get their turn */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof(peer);
		struct dns_peer to = { fd, &peer, 0 };
		ssize_t n = recvfrom(fd, d->buf, sizeof(d->buf), MSG_DONTWAIT,
				     (struct sockaddr *)&peer, &peer_len);

		if (n < 0)
			return;
		to.len = peer_len;
		packet(d, &to, (size_t)n);
	}
}

/* ---- lookup answers ------------------------------------------------------ */

/* Slot @slot has its answer (or failed): wake whoever waits for it */
static void lookup_done(struct dnsd *d, int slot)
{
	const struct dnsd_answer *a = &d->cache[slot].ans;

	for (int i = 0; i < DNSD_WAITS; i++) {
		struct dns_wait *w = &d->waits[i];
		struct dns_peer to = { w->fd, &w->peer, w->peer_len };

		if (!w->used || w->slot != slot)
			continue;
		w->used = false;
		answer(d, &to, &w->q, a);
	}
	d->waiter.done(d->waiter.ctx, slot, a);
}

static int gai_rcode(int gai)
{
	switch (gai) {
	case 0:
		return DNS_RCODE_NOERROR;
	case EAI_NONAME:
		return DNS_RCODE_NXDOMAIN;
	case EAI_NODATA:
	case EAI_ADDRFAMILY:
		return DNS_RCODE_NOERROR;	/* NODATA */
	default:
		return DNS_RCODE_SERVFAIL;
	}
}

static void store(struct dnsd *d, struct name_entry *e,
		  const struct lookup_resp *rs)
{
	struct dnsd_answer *a = &e->ans;

	e->pending = false;
	a->rcode = gai_rcode(rs->gai);
	a->n4 = rs->n4 <= DNSD_MAX_ADDRS ? rs->n4 : 0;
	a->n6 = rs->n6 <= DNSD_MAX_ADDRS ? rs->n6 : 0;
	memcpy(a->a4, rs->a4, sizeof(a->a4));
	memcpy(a->a6, rs->a6, sizeof(a->a6));
	e->t = d->now + (a->rcode == DNS_RCODE_NOERROR && (a->n4 || a->n6) ?
				 DNSD_CACHE_MS :
				 DNSD_NEG_CACHE_MS);
}

void dnsd_on_lookup(struct dnsd *d, uint64_t now)
{
	d->now = now;
	for (int i = 0; i < 64; i++) {
		struct lookup_resp rs;
		struct name_entry *e;
		ssize_t n = recv(d->lookup_fd, &rs, sizeof(rs), MSG_DONTWAIT);
		uint32_t slot;

		if (n < 0)
			return;
		if (n != sizeof(rs))
			continue;
		slot = rs.id & 0xffff;
		if (slot >= DNSD_CACHE)
			continue;
		e = &d->cache[slot];
		if (!e->pending || e->req_id != rs.id)
			continue;	/* late answer to a lookup given up */
		store(d, e, &rs);
		lookup_done(d, (int)slot);
	}
}

void dnsd_tick(struct dnsd *d, uint64_t now)
{
	d->now = now;
	log_refill(d);
	for (int i = 0; i < DNSD_CACHE; i++) {
		struct name_entry *e = &d->cache[i];

		if (e->used && e->pending && now - e->t >= DNSD_LOOKUP_MS) {
			e->pending = false;
			memset(&e->ans, 0, sizeof(e->ans));
			e->ans.rcode = DNS_RCODE_SERVFAIL;
			e->t = now + DNSD_NEG_CACHE_MS;
			lookup_done(d, i);
		}
	}
	if (now - d->own_at >= DNSD_OWN_REFRESH_MS)
		own_addrs_refresh(d);
}

int dnsd_lookup_fd(const struct dnsd *d)
{
	return d->lookup_fd;
}

struct dnsd *dnsd_new(const struct fwd_params *p, struct dnsd_waiter w,
		      uint64_t now)
{
	struct dnsd *d = xcalloc(1, sizeof(*d));
	int err;

	d->p = p;
	d->cfg = p->cfg;
	d->waiter = w;
	d->now = d->log_at = now;
	d->log_tokens = 10 * DNSD_LOG_RATE;
	own_addrs_refresh(d);
	err = lookups_open(d);
	if (err < 0) {
		errno = -err;
		die_errno("forwarder: start the resolvers");
	}
	return d;
}

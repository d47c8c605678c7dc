// SPDX-License-Identifier: MIT
/*
 * test-dnsd.c - unit tests for dnsd.c: the address filter, and the
 * resolver's answers over a real UDP socket on 127.0.0.1
 *
 * The only name ever looked up on the host is "localhost" (from
 * /etc/hosts): nothing leaves the machine.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "jail.h"
#include "setup.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

static struct jail_config cfg;
static int log_fd = -1;
static int n_done;

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void done(void *ctx, int slot, const struct dnsd_answer *a)
{
	(void)ctx;
	(void)slot;
	(void)a;
	n_done++;
}

static void add_rule(struct net_rule *rules, size_t *n, const char *spec)
{
	if (policy_parse_rule(spec, &rules[*n]) == 0)
		(*n)++;
	else
		diag("bad rule %s", spec);
}

static struct fwd_addr A(const char *s)
{
	struct fwd_addr a = { 0 };

	fwd_addr_parse(s, &a);
	return a;
}

static void test_addr(void)
{
	struct fwd_addr a = A("::ffff:198.51.100.7"), b = A("198.51.100.7");
	char buf[INET6_ADDRSTRLEN];

	ok(a.family == AF_INET && fwd_addr_eq(&a, &b),
	   "an IPv4-mapped address is kept as IPv4");
	is_str(fwd_addr_str(&a, buf, sizeof(buf)), "198.51.100.7", "to text");
	ok(!fwd_addr_parse("example.org", &a), "a name is no IP literal");
	ok(fwd_addr_parse("2001:db8::1", &a) && a.family == AF_INET6,
	   "IPv6 literal");
}

static void test_refused(const struct dnsd *d)
{
	struct fwd_addr a;

	a = A("127.0.0.1");
	is_str(dnsd_addr_refused(d, &a, 80), "private address", "loopback");
	a = A("::ffff:127.0.0.1");
	is_str(dnsd_addr_refused(d, &a, 80), "private address",
	       "loopback, IPv4-mapped");
	a = A("169.254.169.254");
	is_str(dnsd_addr_refused(d, &a, 443), "private address", "metadata");
	a = A("10.1.2.3");
	is_str(dnsd_addr_refused(d, &a, 443), NULL,
	       "10/8 named by an allow rule");
	is_str(dnsd_addr_refused(d, &a, 0), NULL, "... for DNS answers too");
	is_str(dnsd_addr_refused(d, &a, 22), "private address",
	       "... but not on a port the rule does not name");
	a = A("10.9.9.9");
	is_str(dnsd_addr_refused(d, &a, 443), "address denied by rule",
	       "a deny rule wins over the allow rule");
	is_str(dnsd_addr_refused(d, &a, 0), "address denied by rule",
	       "... also for DNS answers (the deny rule has no ports)");
	a = A("203.0.113.5");
	is_str(dnsd_addr_refused(d, &a, 443), NULL, "a public address");
	a = A("198.51.100.9");
	is_str(dnsd_addr_refused(d, &a, 443), "address denied by rule",
	       "deny rule with ports: that port");
	is_str(dnsd_addr_refused(d, &a, 80), NULL, "... not another");
}

/* ---- queries over UDP ---------------------------------------------------- */

static int srv_fd = -1, cli_fd = -1;

static void udp_pair(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	cli_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bind(srv_fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(srv_fd, (struct sockaddr *)&a, &len);
	connect(cli_fd, (struct sockaddr *)&a, sizeof(a));
}

static size_t query(uint8_t *m, uint16_t id, unsigned int opcode,
		    const char *name, uint16_t qtype)
{
	size_t n = 12;

	memset(m, 0, 12);
	m[0] = (uint8_t)(id >> 8);
	m[1] = (uint8_t)id;
	m[2] = (uint8_t)(0x01 | (opcode << 3));	/* RD */
	m[5] = 1;
	while (*name) {
		size_t len = strcspn(name, ".");

		m[n++] = (uint8_t)len;
		memcpy(m + n, name, len);
		n += len;
		name += len;
		if (*name == '.')
			name++;
	}
	m[n++] = 0;
	m[n++] = (uint8_t)(qtype >> 8);
	m[n++] = (uint8_t)qtype;
	m[n++] = 0;
	m[n++] = 1;
	return n;
}

struct reply {
	int len;	/* -1: none within the wait */
	unsigned int rcode;
	unsigned int ancount;
	uint8_t addr[4];	/* first A answer */
};

/*
 * Send @m, let dnsd answer (waiting up to @tries tenths of a second for a
 * lookup), read the reply
 */
static struct reply ask_wait(struct dnsd *d, const uint8_t *m, size_t len,
			     int tries)
{
	struct reply r = { .len = -1 };
	uint8_t buf[512];
	struct pollfd p[2] = { { dnsd_lookup_fd(d), POLLIN, 0 },
			       { cli_fd, POLLIN, 0 } };

	send(cli_fd, m, len, 0);
	dnsd_on_query(d, srv_fd, now());
	for (int i = 0; i < tries; i++) {
		if (poll(p, 2, 100) <= 0)
			continue;
		if (p[1].revents)
			break;
		if (p[0].revents)
			dnsd_on_lookup(d, now());
	}
	r.len = (int)recv(cli_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (r.len >= 12) {
		r.rcode = buf[3] & 0xf;
		r.ancount = (unsigned int)(buf[6] << 8 | buf[7]);
		if (r.ancount && r.len >= 4)
			memcpy(r.addr, buf + r.len - 4, 4);
	}
	return r;
}

static struct reply ask(struct dnsd *d, const uint8_t *m, size_t len)
{
	return ask_wait(d, m, len, 50);
}

static void test_queries(struct dnsd *d, struct jail_config *c)
{
	uint8_t m[512];
	struct reply r;
	struct fwd_addr lo = A("127.0.0.1");
	const struct dnsd_answer *ans = NULL;

	r = ask(d, m, query(m, 1, 0, "other.test", DNS_TYPE_A));
	is_int(r.rcode, DNS_RCODE_NXDOMAIN, "a name not allowed: NXDOMAIN");
	r = ask(d, m, query(m, 2, 0, "localhost", DNS_TYPE_TXT));
	is_int(r.rcode, DNS_RCODE_REFUSED, "TXT of an allowed name: REFUSED");
	r = ask(d, m, query(m, 3, 0, "localhost", DNS_TYPE_HTTPS));
	ok(r.rcode == DNS_RCODE_NOERROR && !r.ancount, "HTTPS: NODATA");
	r = ask(d, m, query(m, 4, 0, "localhost", DNS_TYPE_AAAA));
	ok(r.rcode == DNS_RCODE_NOERROR && !r.ancount,
	   "AAAA without IPv6: NODATA");
	r = ask(d, m, query(m, 5, 2, "localhost", DNS_TYPE_A));
	is_int(r.rcode, DNS_RCODE_NOTIMP, "another opcode: NOTIMP");
	r = ask_wait(d, m, 5, 3);
	is_int(r.len, -1, "a malformed query gets no answer");
	r = ask(d, m, query(m, 6, 0, NETNS_HOST_NAME, DNS_TYPE_A));
	ok(r.rcode == DNS_RCODE_NOERROR && r.ancount == 1 &&
		   !memcmp(r.addr, "\x0a\xc8\x00\x01", 4),
	   NETNS_HOST_NAME " is the gateway under --allow-host-port");

	n_done = 0;
	r = ask(d, m, query(m, 7, 0, "localhost", DNS_TYPE_A));
	ok(r.rcode == DNS_RCODE_NOERROR && !r.ancount,
	   "a name resolving to loopback: NODATA");
	is_int(n_done, 1, "the lookup's waiter was told");
	ok(!dnsd_pinned(d, &lo, NULL), "nothing pinned");
	ok(dnsd_lookup(d, "localhost", now(), &ans) >= 0 && ans &&
		   ans->n4 >= 1 && !memcmp(ans->a4[0], "\x7f\0\0\x01", 4),
	   "the answer is cached, with the host's address");

	c->allow_private = true;
	r = ask(d, m, query(m, 8, 0, "localhost", DNS_TYPE_A));
	ok(r.rcode == DNS_RCODE_NOERROR && r.ancount >= 1 &&
		   !memcmp(r.addr, "\x7f\0\0\x01", 4),
	   "with --allow-private, loopback is handed out");
	is_str(dnsd_pinned(d, &lo, NULL), "localhost", "... and pinned");
	is_str(dnsd_pinned(d, &lo, "localhost"), "localhost", "pin by name");
	is_str(dnsd_pinned(d, &lo, "other.test"), NULL, "no other name");
	c->allow_private = false;
}

/* --ask: undecided names get an ask address, and nothing is looked up */
static void test_ask(struct dnsd *d, struct jail_config *c,
		     struct fwd_params *p)
{
	uint8_t m[512], first[4];
	struct reply r;
	struct fwd_addr a = { 0 };

	c->ask = true;
	p->ask_fd = 0;	/* only its presence matters here */
	ok(dnsd_undecided(d, "undecided.test"), "a name no rule names");
	ok(!dnsd_undecided(d, "localhost"), "an allowed name is decided");
	ok(!dnsd_undecided(d, "blocked.test"), "a denied name is decided");
	ok(!dnsd_undecided(d, "ports.test"),
	   "a name allowed on other ports is decided");
	ok(!dnsd_undecided(d, "ssh.blocked22.test"),
	   "a name denied on one port is decided");
	n_done = 0;
	r = ask(d, m, query(m, 20, 0, "undecided.test", DNS_TYPE_A));
	ok(r.rcode == DNS_RCODE_NOERROR && r.ancount == 1 &&
		   r.addr[0] == 198 && r.addr[1] == 18,
	   "--ask: an undecided name gets an address in 198.18/16");
	is_int(n_done, 0, "... without any lookup on the host");
	fwd_addr_set(&a, AF_INET, r.addr);
	ok(dnsd_is_ask_addr(&a), "... an ask address");
	is_str(dnsd_pinned(d, &a, NULL), "undecided.test", "... pinned to it");
	is_str(dnsd_pinned(d, &a, "other.test"), NULL, "... to it alone");
	memcpy(first, r.addr, 4);
	r = ask(d, m, query(m, 21, 0, "undecided.test", DNS_TYPE_A));
	ok(r.ancount == 1 && !memcmp(r.addr, first, 4),
	   "... the same address again");
	r = ask(d, m, query(m, 22, 0, "second.test", DNS_TYPE_A));
	ok(r.ancount == 1 && memcmp(r.addr, first, 4),
	   "another name, another address");
	r = ask(d, m, query(m, 23, 0, "undecided.test", DNS_TYPE_AAAA));
	ok(r.rcode == DNS_RCODE_NOERROR && !r.ancount, "... AAAA: NODATA");
	r = ask(d, m, query(m, 24, 0, "undecided.test", DNS_TYPE_TXT));
	is_int(r.rcode, DNS_RCODE_REFUSED, "... TXT: REFUSED");
	r = ask(d, m, query(m, 25, 0, "blocked.test", DNS_TYPE_A));
	is_int(r.rcode, DNS_RCODE_NXDOMAIN, "a denied name: NXDOMAIN still");
	is_int(n_done, 0, "no lookup for any of them");
	ok(!dnsd_is_approved(d, "undecided.test"), "not approved yet");
	dnsd_approve(d, "undecided.test");
	ok(dnsd_is_approved(d, "undecided.test"), "approved: always");
	ok(!dnsd_is_approved(d, "second.test"), "... that name alone");
	a = A("198.51.100.7");
	ok(!dnsd_is_ask_addr(&a), "a real address is no ask address");
	c->ask = false;
	p->ask_fd = -1;
}

static void test_log(void)
{
	char buf[4096] = "";
	ssize_t n = pread(log_fd, buf, sizeof(buf) - 1, 0);

	ok(n > 0 && strstr(buf, "\"event\":\"dns.deny\",\"name\":\"other.test\","
				"\"qtype\":\"A\",\"reason\":\"not allowed\""),
	   "dns.deny logged for the name not allowed");
	ok(strstr(buf, "\"name\":\"localhost\",\"qtype\":\"A\","
		       "\"reason\":\"private address\""),
	   "dns.deny logged for the loopback answer");
}

int main(void)
{
	static const uint16_t ports[] = { 5432 };
	char path[] = "/tmp/test-dnsd.XXXXXX";
	struct fwd_params p = { .cfg = &cfg,
				.jail_id = "0123456789abcdef",
				.host_ports = ports,
				.n_host_ports = 1,
				.ask_fd = -1 };
	/* Lives as long as the process (static: LeakSanitizer agrees) */
	static struct dnsd *d;

	add_rule(cfg.allow, &cfg.n_allow, "localhost");
	add_rule(cfg.allow, &cfg.n_allow, "10.0.0.0/8");
	add_rule(cfg.deny, &cfg.n_deny, "10.9.0.0/16");
	add_rule(cfg.deny, &cfg.n_deny, "198.51.100.9:443");
	add_rule(cfg.deny, &cfg.n_deny, "blocked.test");
	add_rule(cfg.deny, &cfg.n_deny, "*.blocked22.test:22");
	add_rule(cfg.allow, &cfg.n_allow, "ports.test:8080");
	log_fd = mkstemp(path);
	unlink(path);
	p.log_fd = log_fd;
	d = dnsd_new(&p, (struct dnsd_waiter){ done, NULL }, now());
	udp_pair();
	test_addr();
	test_refused(d);
	test_queries(d, &cfg);
	test_ask(d, &cfg, &p);
	test_log();
	/* The forwarder keeps its resolver for life; here it is one block */
	free(d);
	return done_testing();
}

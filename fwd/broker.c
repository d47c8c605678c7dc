// SPDX-License-Identifier: MIT
/*
 * broker.c - the forwarder's side of the hosts a secret is bound to:
 * which connections go to an interception process (broker_http(),
 * broker_tls()), the table of those processes, revocation, the leak
 * checks on plain HTTP heads and DNS names, and the processes' blocking
 * dial (the proxy's CONNECT is proxy.c's, as for the forwarder's own
 * connections)
 *
 * A broker process never resolves a name: the forwarder resolves the
 * host with its own resolver and applies the address policy before the
 * hand-off, as for every connection it dials itself (dial.c), and the
 * process dials only the addresses it was handed (struct broker_dest),
 * or the upstream proxy, which gets the name.
 *
 * What an interception process does with its connection, request after
 * request, is intercept.c's theory of operation.
 *
 * Every other plain-HTTP head, and every DNS name, is searched for the
 * placeholders; one found there is refused and logged as secret.leak.
 *
 * The interception process, which serves both kinds on threads
 * (icptthread.c), holds a slot of brokers[], so that broker_stop_all()
 * and broker_revoke() reach it.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"
#include "fwd/internal.h"

/*
 * The broker processes alive (the interception process, icptthread.c),
 * so that a jail cannot make the forwarder fork without bound. The
 * kernel reaps them (SA_NOCLDWAIT), so liveness is asked with kill(0):
 * a pid recycled meanwhile by another process of the user holds its
 * slot a little longer, nothing worse.
 */
pid_t broker_brokers[BROKER_MAX];

/* SIGTERM in an interception process: log the connection and end */
volatile sig_atomic_t broker_is_stopping;

void broker_on_stop(int sig)
{
	(void)sig;
	broker_is_stopping = 1;
}

void broker_stop_all(void)
{
	bool is_alive = true;

	for (int i = 0; i < BROKER_MAX; i++)
		if (broker_brokers[i] && kill(broker_brokers[i], SIGTERM) < 0)
			broker_brokers[i] = 0;
	/* A moment for their last log lines, no more */
	for (int round = 0; round < 50 && is_alive; round++) {
		is_alive = false;
		for (int i = 0; i < BROKER_MAX; i++)
			is_alive |= broker_brokers[i] && kill(broker_brokers[i], 0) == 0;
		if (is_alive)
			usleep(10000);
	}
}

/* Bit i: secret i was revoked (jail revoke); inherited by every broker
 * forked afterwards */
static uint32_t revoked;

/* Return: a free slot in brokers[], or -1 when all are alive */
int broker_slot(void)
{
	for (int i = 0; i < BROKER_MAX; i++)
		if (!broker_brokers[i] || kill(broker_brokers[i], 0) < 0)
			return i;
	return -1;
}

void broker_log_event(const struct fwd_params *p, const char *event,
		      const struct audit_field *f, size_t n)
{
	if (p->log_fd >= 0)
		audit_write(p->log_fd, p->jail_id, event, f, n);
}

void broker_log_leak(const struct fwd_params *p, size_t secret,
		     const char *where, const char *host)
{
	const struct audit_field f[] = {
		AF_STR("name", p->cfg->secrets[secret].name),
		AF_STR("where", where),
		AF_STR("host", host),
		AF_STR("reason", broker_is_revoked(secret) ?
					 "placeholder of a revoked secret" :
					 "placeholder sent to a host it is not "
					 "bound to"),
	};

	broker_log_event(p, "secret.leak", f, ARRAY_SIZE(f));
}

/* The secrets as secrets_*() take them; values only for @host's */
size_t broker_make_subs(const struct fwd_params *p, const char *host,
			struct secrets_sub *subs)
{
	const struct jail_config *cfg = p->cfg;

	for (size_t i = 0; i < cfg->n_secrets; i++) {
		const struct secret_req *s = &cfg->secrets[i];
		bool broker_is_bound = false;

		for (size_t k = 0; host && k < s->n_hosts; k++)
			broker_is_bound |= !strcmp(s->hosts[k], host);
		subs[i] = (struct secrets_sub){ s->name, p->placeholders[i], NULL,
						0, &s->scope };
		/* Revoked: bound nowhere, so its placeholder is a leak */
		if (broker_is_bound && !broker_is_revoked(i) && p->secret_values &&
		    p->secret_values[i]) {
			subs[i].value = p->secret_values[i];
			subs[i].value_len = strlen(p->secret_values[i]);
		}
	}
	return cfg->n_secrets;
}

bool broker_is_revoked(size_t secret)
{
	return secret < 32 && (revoked & (1u << secret));
}

unsigned int broker_revoke(const struct fwd_params *p, size_t secret)
{
	unsigned int killed = 0;

	if (secret >= p->cfg->n_secrets || secret >= 32)
		return 0;
	revoked |= 1u << secret;
	if (p->secret_values && p->secret_values[secret])
		explicit_bzero(p->secret_values[secret],
			       strlen(p->secret_values[secret]));
	/*
	 * Every broker holds every value (a fork of our memory): none may
	 * send this one again. A slot whose pid was recycled by another of
	 * the user's processes would be hit too, so only our children are
	 * killed: pidfd_open() fails for a pid that is not alive, and the
	 * parent check rules out a stranger.
	 */
	for (int i = 0; i < BROKER_MAX; i++) {
		char path[64], line[256];
		autofclose FILE *st = NULL;
		int ppid = -1;

		if (!broker_brokers[i])
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)broker_brokers[i]);
		st = fopen(path, "re");
		/* "PID (COMM) STATE PPID ...": COMM may hold anything */
		if (st && fgets(line, sizeof(line), st)) {
			const char *rp = strrchr(line, ')');

			if (rp && rp[1] == ' ' && rp[2] && rp[3] == ' ')
				ppid = (int)strtol(rp + 4, NULL, 10);
		}
		if (ppid == getpid() && kill(broker_brokers[i], SIGKILL) == 0)
			killed++;
		broker_brokers[i] = 0;
	}
	return killed;
}

int broker_dns_leak(const struct fwd_params *p, const char *name)
{
	struct secrets_sub subs[JAIL_MAX_SECRETS];
	size_t n = broker_make_subs(p, NULL, subs);

	if (!n)
		return -1;
	return secrets_scan((const uint8_t *)name, strlen(name), subs, n);
}

int broker_head_leak(const struct fwd_params *p, const uint8_t *buf,
		     size_t len)
{
	struct secrets_sub subs[JAIL_MAX_SECRETS];
	size_t n = broker_make_subs(p, NULL, subs);

	if (!n)
		return -1;
	n = (size_t)secrets_scan(buf, len, subs, n);
	return (int)n < 0 ? -1 : (int)n;
}

/* Every descriptor from 3 up but the @n in @keep closed (the
 * forwarder's others); negative entries are ignored */
void broker_close_all_but(const int *keep, size_t n)
{
	unsigned int from = 3;

	/* Ascending: at most @n rounds, each skipping the lowest kept */
	for (size_t round = 0; round <= n; round++) {
		int next = -1;

		for (size_t i = 0; i < n; i++)
			if (keep[i] >= (int)from &&
			    (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0)
			break;
		if ((unsigned int)next > from)
			close_range(from, (unsigned int)next - 1, 0);
		from = (unsigned int)next + 1;
	}
	close_range(from, ~0U, 0);
}

uint64_t broker_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Small writes (a head, a TLS handshake message) go out at once */
static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * Why the last broker_dial() failed, for net.error and the 502's text:
 * each connection's thread dials for its one connection
 */
static __thread const char *dial_error = "no address";

static const char *connect_error(int err)
{
	return err == ECONNREFUSED ? "refused" :
	       err == ETIMEDOUT || err == EAGAIN || err == EINPROGRESS ?
					  "timeout" :
	       err == ENETUNREACH || err == EHOSTUNREACH ? "unreachable" :
							   "connect failed";
}

/*
 * Dial the addresses the forwarder decided on, in turn, on @port.
 * Return: a connected socket (@peer: its address), or -1
 */
int broker_dial(const struct broker_dest *dest, uint16_t port,
		struct fwd_addr *peer)
{
	struct timeval tv = { BROKER_IO_MS / 1000, 0 };
	int fd = -1;

	dial_error = dest->n ? "connect failed" :
		     dest->why ? dest->why : "no address";
	for (unsigned int i = 0; i < dest->n && fd < 0; i++) {
		struct sockaddr_storage ss;
		socklen_t len = fwd_addr_to_sa(&dest->a[i], port, &ss);

		*peer = dest->a[i];
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		set_nodelay(fd);
		if (connect(fd, (const struct sockaddr *)&ss, len) < 0) {
			dial_error = connect_error(errno);
			close(fd);
			fd = -1;
		}
	}
	return fd;
}

/*
 * An allowed host that could not be reached is an error, not a denial:
 * net.error with the cause. Return: the 502's text, in @text
 */
const char *broker_upstream_failed(const struct fwd_params *p,
				   const char *host, uint16_t port,
				   bool via_proxy, char *text, size_t len)
{
	const char *why = via_proxy ? "upstream proxy refused CONNECT" :
				      dial_error;
	const struct audit_field f[] = {
		AF_STR("host", host),
		AF_INT("port", port),
		AF_STR("error", why),
	};

	broker_log_event(p, "net.error", f, ARRAY_SIZE(f));
	snprintf(text, len, "cannot connect upstream to %s:%u: %s", host,
		 port, why);
	return text;
}

/* Read a CONNECT answer up to its blank line. Return: true on 2xx */
static bool proxy_answer_ok(int fd)
{
	char buf[PROXY_ANSWER_MAX];
	size_t got = 0, head;
	int status = 0;

	/* Byte by byte: nothing after the blank line may be consumed */
	while (status == 0 && got < sizeof(buf)) {
		ssize_t n = recv(fd, buf + got, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got++;
		status = proxy_answer_head(buf, got, &head);
	}
	return status / 100 == 2;
}

/* Return: a socket tunnelled to @host:@port by the upstream proxy, or -1 */
int broker_dial_proxy(const struct upstream_proxy *px, const char *host,
		      uint16_t port)
{
	struct timeval tv = { BROKER_IO_MS / 1000, 0 };
	char req[PROXY_REQUEST_MAX];
	int n = proxy_connect_request(px, host, port, req, sizeof(req));
	int fd;

	if (n < 0)
		return -1;
	fd = socket(px->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	set_nodelay(fd);
	if (connect(fd, (const struct sockaddr *)&px->sa, px->sa_len) < 0 ||
	    write_all(fd, req, (size_t)n) < 0 || !proxy_answer_ok(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The forwarder's event counts (ratelimit.h), inherited across fork */
struct ratelimit *broker_counts;

void broker_set_ratelimit(struct ratelimit *rl)
{
	broker_counts = rl;
}

/* secret.inject, the first per secret and host in a minute; the others
 * are counted and written by the forwarder as one event */
void broker_log_injected(const struct fwd_params *p, const char *host,
			 uint32_t injected)
{
	for (size_t i = 0; i < p->cfg->n_secrets; i++) {
		const struct audit_field f[] = {
			AF_STR("name", p->cfg->secrets[i].name),
			AF_STR("host", host),
		};
		bool is_now = true;

		if (!(injected & (1u << i)))
			continue;
		if (broker_counts) {
			ratelimit_lock(broker_counts);
			is_now = ratelimit_take(broker_counts, RL_INJECT, host, 0,
						p->cfg->secrets[i].name, 0, 0,
						broker_mono_ms());
			ratelimit_unlock(broker_counts);
		}
		if (is_now)
			broker_log_event(p, "secret.inject", f, ARRAY_SIZE(f));
	}
}

void broker_log_refused_port(const struct fwd_params *p, const char *host,
			     uint16_t port, const char *reason)
{
	const struct audit_field f[] = {
		AF_STR("host", host),
		AF_INT("port", port),
		AF_STR("reason", reason),
	};

	broker_log_event(p, "net.deny", f, ARRAY_SIZE(f));
}

static void log_refused(const struct fwd_params *p, const char *host,
			const char *reason)
{
	broker_log_refused_port(p, host, 443, reason);
}

int broker_http(const struct fwd_params *p, const uint8_t *buf,
		const struct http_head *h, const struct upstream_proxy *px,
		const char **host)
{
	const struct jail_config *cfg = p->cfg;
	struct secrets_sub subs[JAIL_MAX_SECRETS];
	enum policy_verdict v;
	size_t n;
	int i;

	if (!cfg->n_secrets)
		return BROKER_PASS;
	*host = secrets_broker_host(cfg, h->host);
	if (!*host) {
		n = broker_make_subs(p, NULL, subs);
		i = secrets_scan(buf, h->head_len, subs, n);
		if (i < 0)
			return BROKER_PASS;
		broker_log_leak(p, (size_t)i, "http-header", h->host);
		return BROKER_REFUSED;
	}
	v = policy_check_name(cfg->allow, cfg->n_allow, cfg->deny, cfg->n_deny,
			      *host, 443);
	if (v != POLICY_ALLOW) {
		log_refused(p, *host, policy_verdict_reason(v));
		return BROKER_REFUSED;
	}
	if (px->broken) {
		/* As for spliced TLS: never around a proxy the host set */
		log_refused(p, *host, "upstream proxy unusable");
		return BROKER_REFUSED;
	}
	return BROKER_WANTED;
}

int broker_http_start(const struct fwd_params *p, int jail_fd,
		      const char *host, const struct http_head *h,
		      const struct upstream_proxy *px,
		      const struct broker_dest *dest)
{
	struct icpt_handoff ho = { .is_plain = true,
				   .host_port = h->host_port,
				   .dest = *dest,
				   .px = *px };
	int err;

	/* Loaded once here, the trust store serves every connection */
	(void)crypto_tls_client_init();
	snprintf(ho.host, sizeof(ho.host), "%s", host);
	snprintf(ho.name, sizeof(ho.name), "%s", h->host);
	err = icpt_hand_off(p, jail_fd, &ho);
	if (err < 0) {
		log_refused(p, host, icpt_refusal(err));
		return BROKER_REFUSED;
	}
	return BROKER_TAKEN;
}

/* ---- TLS interception ------------------------------------------------- */

// SPDX-License-Identifier: MIT
/*
 * dial.c - a decided connection reaches its destination: resolve the
 * name on the host, keep the addresses the policy allows, dial them in
 * turn without blocking the loop, or go through the upstream proxy
 *
 * A connection for a broker process is resolved and filtered here the
 * same way, then handed over with its addresses (fwd_hand_off()); the
 * process dials them in turn, blocking, in its own process
 * (broker_dial()) and resolves nothing. The proxy's CONNECT and its
 * answer are written and read by proxy.c for both.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "fwd/internal.h"

#define FWD_CONNECT_MS 10000	/* per address dialed */

static void proxy_send(struct fwd *f, struct conn *c)
{
	char req[PROXY_REQUEST_MAX];
	int n = proxy_connect_request(&f->proxy, c->name, c->port, req,
				      sizeof(req));

	/* A fresh socket's send buffer takes a short request whole */
	if (n < 0 || send(c->up_fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		fwd_conn_fail(f, c, "upstream proxy: cannot send CONNECT");
		return;
	}
	c->state = C_PROXY;
	c->deadline = f->now + FWD_CONNECT_MS;
}

/* The proxy's answer to CONNECT: consume exactly its head, then relay */
void fwd_proxy_read(struct fwd *f, struct conn *c)
{
	char *buf = (char *)f->scratch;
	ssize_t n = recv(c->up_fd, buf, PROXY_ANSWER_MAX, MSG_PEEK);
	size_t head;
	int status;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		fwd_conn_fail(f, c, "upstream proxy closed the connection");
		return;
	}
	status = proxy_answer_head(buf, (size_t)n, &head);
	if (status == 0 && n < PROXY_ANSWER_MAX)
		return;
	if (status / 100 != 2) {
		char why[64];

		if (status > 0)
			snprintf(why, sizeof(why), "upstream proxy refused: %d",
				 status);
		else
			snprintf(why, sizeof(why), "upstream proxy: %s",
				 status ? "no HTTP answer" : "answer too long");
		fwd_conn_fail(f, c, why);
		return;
	}
	/* Exactly the head: what follows is the tunnel's */
	if (recv(c->up_fd, buf, head, 0) != (ssize_t)head) {
		fwd_conn_fail(f, c, "upstream proxy: short read");
		return;
	}
	fwd_enter_splice(f, c);
}

/*
 * Whether the connect() just started on @fd has already finished. A
 * second connect() answers without waiting: 0 once established (the
 * same call also marks the socket connected), EALREADY while the
 * handshake is on its way, or the error that ended it (which it
 * consumes: SO_ERROR would read 0 afterwards, so it is returned here).
 * Over a short path (a local or virtual link, the kernel handles the
 * peer's SYN-ACK before the first connect() returns) this saves a turn
 * of the loop: the request is sent before epoll_wait() is called again.
 * Return: 1 connected, 0 in progress, or -errno
 */
static int connect_done(int fd, const struct sockaddr_storage *ss,
			socklen_t len)
{
	if (connect(fd, (const struct sockaddr *)ss, len) == 0 ||
	    errno == EISCONN)
		return 1;
	if (errno == EALREADY || errno == EINPROGRESS)
		return 0;
	return -errno;
}

/*
 * A socket connecting to @ss (@a): the early dial's when it was opened
 * for this very decision (early.c), else a new one. An early socket that
 * failed is closed and replaced, as if it had never been opened.
 * Return: as connect_done(), with the socket in *@fdp unless negative
 */
static int start_connect(struct conn *c, const struct fwd_addr *a,
			 const struct sockaddr_storage *ss, socklen_t len,
			 int *fdp)
{
	int fd = fwd_early_take(c, a);
	int done = 1;

	if (fd >= 0) {
		done = connect_done(fd, ss, len);
		if (done >= 0) {
			*fdp = fd;
			return done;
		}
		close(fd);
		done = 1;
	}
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	fwd_set_nodelay(fd);
	if (connect(fd, (const struct sockaddr *)ss, len) < 0) {
		done = errno == EINPROGRESS ? connect_done(fd, ss, len) : -errno;
		if (done < 0) {
			close(fd);
			return done;
		}
	}
	*fdp = fd;
	return done;
}

/*
 * Start a non-blocking connect to @a:@port.
 * Return: 0 dialing, 1 already connected (the caller goes on at once),
 * or -errno
 */
static int dial(struct fwd *f, struct conn *c, const struct fwd_addr *a,
		const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = -1;
	int done = start_connect(c, a, ss, len, &fd);

	if (done < 0)
		return done;
	if (fwd_ep_add(f, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		   fwd_tag_of(T_UP, fwd_conn_idx(f, c), c->gen)) < 0) {
		close(fd);
		return -ENOMEM;
	}
	c->up_fd = fd;
	c->peer = *a;
	c->state = C_CONNECT;
	c->deadline = f->now + FWD_CONNECT_MS;
	return done;
}

/* Connected: the proxy's CONNECT first, or straight to relaying */
static void on_dialed(struct fwd *f, struct conn *c)
{
	if (c->via_proxy)
		proxy_send(f, c);
	else
		fwd_enter_splice(f, c);
}

void fwd_connect_next(struct fwd *f, struct conn *c)
{
	struct sockaddr_storage ss;
	int err = -EHOSTUNREACH;

	if (c->up_fd >= 0) {
		close(c->up_fd);
		c->up_fd = -1;
	}
	if (c->via_proxy) {
		/* One try: the proxy is the only way out */
		if (c->next_cand++ == 0 && f->proxy.on && !f->proxy.broken) {
			struct fwd_addr pa;

			fwd_addr_from_sa(&f->proxy.sa, &pa, NULL);
			err = dial(f, c, &pa, &f->proxy.sa, f->proxy.sa_len);
			if (err > 0)
				on_dialed(f, c);
			if (err >= 0)
				return;
		}
		fwd_conn_fail(f, c, "upstream proxy unreachable");
		return;
	}
	while (c->next_cand < c->n_cand) {
		const struct fwd_addr *a = &c->cand[c->next_cand++];
		socklen_t len = fwd_addr_to_sa(a, c->port, &ss);

		err = dial(f, c, a, &ss, len);
		if (err > 0)
			on_dialed(f, c);
		if (err >= 0)
			return;
	}
	fwd_conn_fail(f, c, fwd_connect_cause(c->dial_err ? c->dial_err : -err));
}

void fwd_on_connected(struct fwd *f, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->up_fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS)
		return;
	if (err) {
		c->dial_err = err;
		fwd_connect_next(f, c);
		return;
	}
	on_dialed(f, c);
}

/*
 * The name's addresses, filtered: the jail's destination first if it is
 * among them (clients that pick an address keep their choice, as long as
 * this host resolved it too).
 */
static void set_candidates(struct fwd *f, struct conn *c,
			   const struct dnsd_answer *e, const char **why)
{
	struct fwd_addr all[2 * DNSD_MAX_ADDRS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < e->n4 && i < DNSD_MAX_ADDRS; i++)
		fwd_addr_set(&all[n++], AF_INET, e->a4[i]);
	for (unsigned int i = 0; i < e->n6 && i < DNSD_MAX_ADDRS; i++)
		fwd_addr_set(&all[n++], AF_INET6, e->a6[i]);
	c->n_cand = 0;
	for (unsigned int i = 0; i < n; i++) {
		const char *r = dnsd_addr_refused(f->dns, &all[i], c->port);

		if (r) {
			*why = r;
			continue;
		}
		if (fwd_addr_eq(&all[i], &c->dst) && c->n_cand) {
			c->cand[c->n_cand++] = c->cand[0];
			c->cand[0] = all[i];
		} else {
			c->cand[c->n_cand++] = all[i];
		}
	}
}

/* Dial what was decided, or hand it to its broker process with it */
static void dial_or_hand_off(struct fwd *f, struct conn *c, const char *why)
{
	if (c->broker)
		fwd_hand_off(f, c, why);
	else
		fwd_connect_next(f, c);
}

static void on_name_resolved(struct fwd *f, struct conn *c,
			     const struct dnsd_answer *e)
{
	const char *why = "no address";

	c->slot = -1;
	if (e->rcode != DNS_RCODE_NOERROR || (!e->n4 && !e->n6)) {
		why = e->rcode == DNS_RCODE_NXDOMAIN ?
			      "no address (the name does not resolve)" :
			      "no address (name resolution failed)";
		/* Behind a proxy the host may resolve nothing itself; a
		 * broker answers the jail why (502) */
		if (c->via_proxy || c->broker) {
			dial_or_hand_off(f, c, why);
			return;
		}
		fwd_conn_fail(f, c, why);
		return;
	}
	set_candidates(f, c, e, &why);
	if (!c->n_cand) {
		c->allowed = false;
		fwd_conn_deny(f, c, why);
		return;
	}
	dial_or_hand_off(f, c, NULL);
}

/* An allowed name or address: find where to dial */
void fwd_start_resolve(struct fwd *f, struct conn *c)
{
	const struct dnsd_answer *a = NULL;
	struct fwd_addr lit;
	int slot;

	c->allowed = true;
	/* Decided on another name or way than the early dial's */
	if (c->broker != CB_NONE || c->via_proxy ||
	    (c->early_fd >= 0 && fwd_early_name(c->name) != c->early_name))
		fwd_early_drop(c);
	if (fwd_addr_parse(c->name, &lit)) {
		const char *why = dnsd_addr_refused(f->dns, &lit, c->port);

		if (why) {
			c->allowed = false;
			fwd_conn_deny(f, c, why);
			return;
		}
		c->cand[0] = lit;
		c->n_cand = 1;
		dial_or_hand_off(f, c, NULL);
		return;
	}
	slot = dnsd_lookup(f->dns, c->name, f->now, &a);
	if (slot < 0) {
		fwd_conn_fail(f, c, "too many lookups in flight");
		return;
	}
	if (a) {
		on_name_resolved(f, c, a);
		return;
	}
	c->slot = slot;
	c->state = C_RESOLVE;
}

/* dnsd_waiter.done(): a lookup some connections may wait for finished */
void fwd_lookup_done(void *ctx, int slot, const struct dnsd_answer *a)
{
	struct fwd *f = ctx;

	for (unsigned int i = 0; i < f->hiwater; i++) {
		struct conn *c = &f->conns[i];

		if (c->state == C_RESOLVE && c->slot == slot)
			on_name_resolved(f, c, a);
	}
}

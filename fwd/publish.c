// SPDX-License-Identifier: MIT
/*
 * publish.c - --publish: the host's 127.0.0.1:HOSTPORT reaches a port
 * inside the jail
 *
 * The way in is the way out backwards, and as narrow. The listeners are
 * bound by the supervisor on the host's 127.0.0.1 only (never another
 * address) before the jail exists, so a port in use is one error line
 * and exit 125; only the forwarder keeps them. A connection accepted
 * there is carried to the jail's address (JAIL_JAIL_IP4) on its port by
 * a socket of the gateway namespace G, the only namespace with a route
 * into the jail: the forwarder lives in the host's namespace and cannot
 * make sockets in G, so the setup child made JAIL_PUBLISH_CONNS of them
 * there (netns.c) before the forwarder fenced itself. A socket is lent
 * to one connection and taken back when it ends: connect(AF_UNSPEC)
 * dissolves its association, and it can connect again. The pool's size
 * bounds the published connections open at once; one more is reset.
 *
 * Bytes are relayed as any other connection's (conn.c), jail_fd being
 * the socket into the jail and up_fd the host's client. Nothing is
 * judged: the bytes go between the host's own client and the jail's own
 * server. Every accepted connection is logged (net.publish).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/internal.h"

#define PUBLISH_CONNECT_MS 10000	/* the jail's server must answer */

/* The host listeners, bound while jail is the only process (step 2) */
void fwd_publish_listen(struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;

	for (size_t i = 0; i < cfg->n_publish; i++) {
		struct sockaddr_in sa = {
			.sin_family = AF_INET,
			.sin_port = htons(cfg->publish[i].host_port),
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		};
		int one = 1;
		int fd = socket(AF_INET,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die_errno("--publish: socket");
		/* A port left in TIME_WAIT is free; a listening one is not */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			if (errno == EADDRINUSE)
				die("--publish: 127.0.0.1:%u is already in use "
				    "on the host; publish it as OTHER:%u",
				    cfg->publish[i].host_port,
				    cfg->publish[i].port);
			die_errno("--publish: bind 127.0.0.1:%u",
				  cfg->publish[i].host_port);
		}
		if (listen(fd, SOMAXCONN) < 0)
			die_errno("--publish: listen on 127.0.0.1:%u",
				  cfg->publish[i].host_port);
		run->publish_fd[i] = fd;
	}
}

/* The supervisor's copies, once the forwarder has its own */
void fwd_publish_close(const struct jail_run *run)
{
	for (size_t i = 0; i < run->cfg->n_publish; i++)
		if (run->publish_fd[i] >= 0)
			close(run->publish_fd[i]);
}

void fwd_publish_setup(struct fwd *f)
{
	const struct jail_config *cfg = f->cfg;

	for (size_t i = 0; i < f->p->n_publish_pool &&
			   i < ARRAY_SIZE(f->pub_pool); i++)
		f->pub_pool[f->n_pub_pool++] = f->p->publish_pool[i];
	for (size_t i = 0; i < cfg->n_publish; i++)
		if (f->p->publish_fd[i] >= 0 &&
		    fwd_ep_add(f, f->p->publish_fd[i], EPOLLIN,
			       fwd_tag_of(T_PUBLISH, (uint32_t)i, 0)))
			die_errno("forwarder: epoll");
}

static void log_publish(struct fwd *f, const struct conn *c, const char *error)
{
	char ip[INET6_ADDRSTRLEN];
	const struct audit_field fl[] = {
		AF_INT("host_port", f->cfg->publish[c->pub].host_port),
		AF_STR("peer", fwd_addr_str(&c->peer, ip, sizeof(ip))),
		AF_INT("peer_port", c->peer_port),
		AF_INT("port", c->port),
		AF_STR("error", error),
	};

	if (fwd_log_budget(f))
		fwd_log_write(f, "net.publish", fl, ARRAY_SIZE(fl));
}

/* Give @c's socket into the jail back to the pool, unconnected */
void fwd_publish_release(struct fwd *f, struct conn *c)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->jail_fd < 0)
		return;
	epoll_ctl(f->ep_fd, EPOLL_CTL_DEL, c->jail_fd, NULL);
	/*
	 * Dissolves the association (a reset if it was still open) and
	 * unbinds the local port; SO_ERROR is read to clear what is left
	 */
	if (connect(c->jail_fd, &sa, sizeof(sa)) < 0) {
		close(c->jail_fd);	/* lost to the pool: one fewer */
	} else {
		getsockopt(c->jail_fd, SOL_SOCKET, SO_ERROR, &err, &len);
		f->pub_pool[f->n_pub_pool++] = c->jail_fd;
	}
	c->jail_fd = -1;
}

/* A published connection that could not be carried into the jail */
static void publish_fail(struct fwd *f, struct conn *c, const char *why)
{
	log_publish(f, c, why);
	fwd_conn_free(f, c, true);
}

void fwd_publish_connected(struct fwd *f, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->jail_fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS)
		return;
	if (err == ECONNREFUSED) {
		publish_fail(f, c, "refused inside: nothing listens on the "
				   "jail's address at that port (a server "
				   "bound to 127.0.0.1 inside cannot be "
				   "reached; bind 0.0.0.0)");
		return;
	}
	if (err) {
		publish_fail(f, c, strerror(err));
		return;
	}
	fwd_set_nodelay(c->jail_fd);
	fwd_enter_splice(f, c);
}

void fwd_publish_tick(struct fwd *f, struct conn *c)
{
	if (f->now >= c->deadline)
		publish_fail(f, c, "the jail did not answer in time");
}

/* Start carrying @c (its client accepted) into the jail */
static void publish_start(struct fwd *f, struct conn *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(c->port) };

	inet_pton(AF_INET, JAIL_JAIL_IP4, &sa.sin_addr);
	fwd_addr_set(&c->dst, AF_INET, &sa.sin_addr);
	log_publish(f, c, NULL);
	if (!f->n_pub_pool) {
		publish_fail(f, c, "too many published connections open");
		return;
	}
	c->jail_fd = f->pub_pool[--f->n_pub_pool];
	c->is_published = true;
	if (fwd_ep_add(f, c->jail_fd,
		       EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		       fwd_tag_of(T_JAIL, fwd_conn_idx(f, c), c->gen)) < 0) {
		publish_fail(f, c, "epoll");
		return;
	}
	if (connect(c->jail_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
		publish_fail(f, c, strerror(errno));
		return;
	}
	c->state = C_PUBLISH;
	c->deadline = f->now + PUBLISH_CONNECT_MS;
}

static void accept_publish(struct fwd *f, unsigned int idx, int fd,
			   const struct sockaddr_in *peer)
{
	struct conn *c = fwd_conn_new(f, -1);

	if (!c) {
		fwd_close_reset(fd);
		return;
	}
	c->up_fd = fd;
	c->pub = (uint8_t)idx;
	c->port = f->cfg->publish[idx].port;
	fwd_addr_from_sa(peer, &c->peer, &c->peer_port);
	fwd_set_nodelay(fd);
	if (fwd_ep_add(f, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		       fwd_tag_of(T_UP, fwd_conn_idx(f, c), c->gen)) < 0) {
		fwd_conn_free(f, c, true);
		return;
	}
	publish_start(f, c);
}

void fwd_publish_accept(struct fwd *f, unsigned int idx)
{
	if (idx >= f->cfg->n_publish)
		return;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in peer = { 0 };
		socklen_t len = sizeof(peer);
		int fd = accept4(f->p->publish_fd[idx],
				 (struct sockaddr *)&peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && errno == ECONNABORTED)
			continue;
		if (fd < 0)
			return;
		accept_publish(f, idx, fd, &peer);
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * reqcheck.h - the judgement of every HTTP/1 request the forwarder sees
 *
 * One decision for every path a request from the jail can take: spliced
 * plain HTTP (fwd.c), the broker's plain-HTTP name and intercepted TLS
 * (broker.c). Pure: bytes in, verdict out.
 */
#ifndef REQCHECK_H
#define REQCHECK_H

#include "jail.h"

/* What the forwarder decided for the connection a request came on */
struct reqcheck_conn {
	const char *host;	/* the connection's name: every Host names it */
	uint16_t port;		/* the port the jail connected to */
	uint16_t default_port;	/* a Host without a port means this one */
	bool is_held;		/* --hold-push host: a push is marked */
};

/* The verdict on one request head */
struct reqcheck_verdict {
	int status;		/* 0: carry it; else refuse with this status */
	const char *why;	/* the reason (static text), when refused */
	struct http_framing framing;	/* where its body ends */
	bool is_push;		/* a git push to a held host */
	bool is_upgrade;	/* it asks to switch protocols (Upgrade) */
	char repo[256];		/* @is_push: the repository */
};

/**
 * reqcheck_judge() - Decide one request head from the jail
 * @rc:		the connection it came on
 * @head:	the head's bytes, accepted by http_parse_head(); untrusted
 * @h:		its parse
 * @v:		result
 *
 * Refused (@v->status): a framing two servers could read differently
 * (400: Content-Length twice, as a list or with Transfer-Encoding; 501:
 * a transfer coding other than chunked), a body on GET, HEAD, OPTIONS or
 * TRACE (400: a server that does not read it would take it for the next
 * request), CONNECT (405), no Host (400), a Host or absolute-form target
 * naming another host or port than the connection's (421), a push with a
 * compressed body to a held host (415).
 *
 * Return: 0 (carry it), or -EPERM with @v->status and @v->why set
 */
int reqcheck_judge(const struct reqcheck_conn *rc, const uint8_t *head,
		   const struct http_head *h, struct reqcheck_verdict *v);

/* Following the requests of one connection; zero it to start */
struct reqcheck_stream {
	unsigned int state;
	uint64_t left;			/* Content-Length bytes still to come */
	struct http_chunked chunked;
	unsigned long long n_requests;	/* heads judged and carried */
};

/**
 * reqcheck_feed() - Follow a connection's requests, head after body
 * @st:		its state
 * @rc:		the connection
 * @buf:	its next bytes, not yet sent on; untrusted
 * @len:	how many
 * @v:		set for each head judged
 *
 * Each head is parsed and judged (reqcheck_judge()), each body followed
 * by its framing to find the next head. After a request asking for an
 * upgrade (the first of its connection only), nothing more may go until
 * reqcheck_upgrade_reply() has seen the server's answer; once the server
 * switched protocols (101) everything goes unread.
 *
 * Return: bytes at @buf that may go on now (> 0), -EAGAIN (a head is not
 * complete yet), -EBUSY (waiting for the server's answer to an upgrade),
 * -EPERM (refused: @v->status and @v->why say why)
 */
int reqcheck_feed(struct reqcheck_stream *st, const struct reqcheck_conn *rc,
		  const uint8_t *buf, size_t len, struct reqcheck_verdict *v);

/* Body bytes that may go on without being looked at (Content-Length) */
uint64_t reqcheck_body_left(const struct reqcheck_stream *st);

/* As reqcheck_body_left(), and the body counts as passed: the caller
 * sends exactly that many bytes on before it feeds @st again */
uint64_t reqcheck_take_body(struct reqcheck_stream *st);

/* Is @st waiting for the server's answer to an upgrade? */
bool reqcheck_wants_reply(const struct reqcheck_stream *st);

/**
 * reqcheck_upgrade_reply() - The server's first response bytes after an
 * upgrade request
 * @st:		a stream for which reqcheck_wants_reply() holds
 * @buf:	the response's first bytes; from the server
 * @len:	how many
 *
 * Return: 0 once decided ("HTTP/1.x 101": the connection carries another
 * protocol from now on; anything else: requests go on), -EAGAIN (too few
 * bytes yet)
 */
int reqcheck_upgrade_reply(struct reqcheck_stream *st, const uint8_t *buf,
			   size_t len);

/* Does the connection carry another protocol now (after a 101)? */
bool reqcheck_is_opaque(const struct reqcheck_stream *st);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the files of the forwarder share among themselves (not for other folders)
 */
#ifndef FWD_INTERNAL_H
#define FWD_INTERNAL_H

#include "jail.h"
#include "fwd/fwd.h"

/* ---------------------------------------------------------------------
 * fwd.c, conn.c, dial.c, decide.c: the state of the event loop
 * ------------------------------------------------------------------- */

#define FWD_PEEK_MAX (TLS_HELLO_MAX + 4096)	/* hello + record headers */

#define FWD_PIPE_SIZE (1 << 20)

#define FWD_PIPE_POOL 32	/* idle pipes kept for reuse */

#define FWD_LOG_RATE 100	/* deny events per second, burst 10x */

#define FWD_MAX_ASKS 32		/* names asked about at once */

#define FWD_ASK_RATE 10		/* new questions per second, burst 3x */

enum tag {
	T_LISTEN,	/* index: 0 IPv4, 1 IPv6 */
	T_UDP,		/* index: 0 IPv4, 1 IPv6 */
	T_TIMER,
	T_SIGNAL,
	T_RESOLVER,
	T_JAIL,		/* index: connection, with its generation */
	T_UP,
	T_ASKCHAN,	/* the ask channel: "revoke NAME" from the supervisor */
	T_ASK,		/* index: ask, with its generation */
	T_PUBLISH,	/* index: --publish entry (publish.c) */
};

enum conn_state {
	C_FREE,
	C_PEEK,		/* waiting for the first bytes */
	C_ASK,		/* held until a person answers (--ask) */
	C_RESOLVE,	/* allowed, waiting for the host's resolver */
	C_CONNECT,	/* dialing */
	C_PROXY,	/* CONNECT sent to the upstream proxy */
	C_SPLICE,	/* relaying */
	C_PUBLISH,	/* --publish: dialing into the jail (publish.c) */
};

/* Which broker process a connection goes to, once resolved and decided */
enum conn_broker {
	CB_NONE,	/* none: the forwarder dials it */
	CB_TLS,		/* intercepted TLS (broker_tls_start()) */
	CB_PLAIN,	/* the broker's plain-HTTP name (broker_http_start()) */
};

/* One direction of a connection */
struct fwd_pump {
	int pipe_r;
	int pipe_w;
	size_t pending;	/* bytes in the pipe */
	bool eof;	/* the source sent FIN */
	bool shut;	/* FIN passed on to the destination */
	bool hold_fin;	/* keep the destination open at the end */
};

struct conn {
	enum conn_state state;
	uint32_t gen;
	int jail_fd;
	int up_fd;
	struct fwd_addr dst;	/* where the jail was going */
	uint16_t port;
	bool got_bytes;
	bool is_tls;
	bool has_sni;		/* @name is the ClientHello's server name */
	bool via_proxy;
	bool allowed;		/* net.allow is written at close */
	bool on_ready;
	bool is_http;		/* plain HTTP: every request head is judged */
	bool is_silent;		/* named from the pin before it said anything */
	bool is_opaque;		/* its first bytes are neither TLS nor HTTP */
	enum conn_broker broker;	/* handed over instead of dialed */
	bool is_refusing;	/* a request was refused: answers drain first */
	int refuse_status;
	const char *refuse_why;
	uint64_t budget;	/* bytes judged, not yet sent on (is_http) */
	struct reqcheck_stream rs;
	uint64_t idle_deadline;	/* C_SPLICE: nothing moved until then */
	int slot;		/* name cache slot while C_RESOLVE */
	int ask;		/* index into fwd.asks while C_ASK */
	unsigned int n_cand, next_cand;
	int dial_err;		/* why the last address dialed failed */
	struct fwd_addr cand[2 * DNSD_MAX_ADDRS];
	struct fwd_addr peer;	/* dialed */
	/* The early dial (early.c): opened at accept, unused until dial() */
	int early_fd;
	uint16_t early_port;
	struct fwd_addr early_addr;
	uint64_t early_name;	/* fwd_early_name() of the name dialed */
	uint64_t t_start, deadline, silent_deadline;
	uint64_t up_bytes, down_bytes;
	struct fwd_pump up;		/* jail -> host */
	struct fwd_pump down;	/* host -> jail */
	char name[POLICY_NAME_MAX + 1];
	/* --publish: jail_fd is lent from fwd.pub_pool, up_fd is the
	 * host's client, @peer and @peer_port its address */
	bool is_published;
	uint8_t pub;		/* index into cfg->publish */
	uint16_t peer_port;
};

/* One question to the supervisor, for every connection to one name:port */
struct fwd_ask {
	bool used;
	uint32_t gen;
	int reply_fd;
	uint16_t port;
	unsigned int n_conns;
	char name[POLICY_NAME_MAX + 1];
};

struct fwd {
	const struct fwd_params *p;
	bool is_busy;		/* p->traffic is ours: fwd_claim_stop() */
	const struct jail_config *cfg;
	int ep_fd;
	int timer_fd;
	int sig_fd;
	int reserve_fd;
	int listen_fd[2];
	int udp_fd[2];
	uint64_t now;
	struct conn *conns;
	unsigned int max_conns;
	unsigned int *free_idx;
	unsigned int n_free;
	unsigned int hiwater;
	unsigned int *ready;
	unsigned int n_ready;
	int pool[FWD_PIPE_POOL][2];
	unsigned int n_pool;
	int pipe_size;
	struct dnsd *dns;
	struct ratelimit *rl;	/* shared with the brokers */
	struct upstream_proxy proxy;
	struct fwd_ask asks[FWD_MAX_ASKS];
	unsigned int n_held;
	unsigned int ask_tokens;
	unsigned int log_tokens;
	unsigned long long suppressed;
	uint64_t log_at;
	/* --publish: unconnected sockets of the gateway namespace */
	int pub_pool[JAIL_PUBLISH_CONNS];
	unsigned int n_pub_pool;
	uint8_t scratch[FWD_PEEK_MAX];
};

uint64_t fwd_now_ms(void);
uint64_t fwd_tag_of(enum tag t, uint32_t idx, uint32_t gen);
int fwd_ep_add(struct fwd *f, int fd, uint32_t events, uint64_t tag);
socklen_t fwd_addr_to_sa(const struct fwd_addr *a, uint16_t port,
			    struct sockaddr_storage *ss);
bool fwd_is_gateway(const struct fwd_addr *a);
void fwd_set_nodelay(int fd);
void fwd_close_reset(int fd);
bool fwd_log_budget(struct fwd *f);
void fwd_log_refill(struct fwd *f);
void fwd_log_write(struct fwd *f, const char *event,
		      const struct audit_field *fl, size_t n);
void fwd_log_allow_counted(struct fwd *f, const struct conn *c);
void fwd_log_counted(struct fwd *f, bool is_all);
struct conn *fwd_conn_get(struct fwd *f, uint64_t tag);
unsigned int fwd_conn_idx(const struct fwd *f, const struct conn *c);
void fwd_conn_free(struct fwd *f, struct conn *c, bool reset);
void fwd_conn_deny(struct fwd *f, struct conn *c, const char *reason);
void fwd_conn_fail(struct fwd *f, struct conn *c, const char *why);
const char *fwd_connect_cause(int err);
struct conn *fwd_conn_new(struct fwd *f, int jail_fd);
int fwd_pump(struct fwd *f, struct fwd_pump *p, int src, int dst,
		uint64_t *count, bool *more, uint64_t *budget);
void fwd_http_refuse_now(struct fwd *f, struct conn *c);
int fwd_http_refuse(struct fwd *f, struct conn *c, int status,
		       const char *why);
bool fwd_web_port_refuse(struct fwd *f, struct conn *c);
void fwd_pump_both(struct fwd *f, struct conn *c);
void fwd_enter_splice(struct fwd *f, struct conn *c);
void fwd_proxy_read(struct fwd *f, struct conn *c);
void fwd_connect_next(struct fwd *f, struct conn *c);
void fwd_on_connected(struct fwd *f, struct conn *c);
void fwd_start_resolve(struct fwd *f, struct conn *c);
void fwd_lookup_done(void *ctx, int slot, const struct dnsd_answer *a);
void fwd_ask_release(struct fwd *f, struct conn *c);
void fwd_on_ask_answer(struct fwd *f, uint64_t tag);
void fwd_on_ask_chan(struct fwd *f);
void fwd_decide(struct fwd *f, struct conn *c, const char *claimed,
		   bool is_tls);
void fwd_hand_off(struct fwd *f, struct conn *c, const char *why);
void fwd_classify(struct fwd *f, struct conn *c);

/* early.c: at accept, start the dial the decision will likely make */
void fwd_early_dial(struct fwd *f, struct conn *c);
/* Close @c's early socket unused, if it has one */
void fwd_early_drop(struct conn *c);
/* Return: @c's early socket, if it was opened for @c's decided name, port
 * and @a and is healthy (@c gives it up), else -1 (closed unused) */
int fwd_early_take(struct conn *c, const struct fwd_addr *a);
uint64_t fwd_early_name(const char *name);

/* ---------------------------------------------------------------------
 * proxy.c: the host's upstream proxy, for dial.c and broker.c
 * ------------------------------------------------------------------- */

#define PROXY_REQUEST_MAX 2048	/* a CONNECT request */
#define PROXY_ANSWER_MAX 4095	/* the head of its answer */

/* Parse the proxy's URL (http://[user:pass@]host[:port]); warns and
 * leaves @px broken (fail closed) when it cannot be used */
void fwd_proxy_setup(struct upstream_proxy *px, const char *url);

/* Write "CONNECT @host:@port" for @px into @buf. Return: its length, or
 * -ENAMETOOLONG */
int proxy_connect_request(const struct upstream_proxy *px, const char *host,
			  uint16_t port, char *buf, size_t len);

/**
 * proxy_answer_head() - Read the head of a proxy's answer to CONNECT
 * @buf:	the bytes received so far (untrusted)
 * @n:		how many
 * @head_len:	receives the head's length, its blank line included
 *
 * Return: the status code when the head is whole, 0 when more is needed,
 * -EPROTO when it is not an HTTP/1 status line
 */
int proxy_answer_head(const char *buf, size_t n, size_t *head_len);

/* publish.c */
void fwd_publish_setup(struct fwd *f);
void fwd_publish_accept(struct fwd *f, unsigned int idx);
void fwd_publish_connected(struct fwd *f, struct conn *c);
void fwd_publish_tick(struct fwd *f, struct conn *c);
void fwd_publish_release(struct fwd *f, struct conn *c);

/* ---------------------------------------------------------------------
 * broker.c and intercept.c
 * ------------------------------------------------------------------- */

#define BROKER_IO_MS 10000		/* head, connect, handshake */

#define BROKER_MAX 64			/* brokered connections at once */

#define BROKER_CANDS (2 * DNSD_MAX_ADDRS)	/* addresses handed over */

/*
 * Where a broker process may dial, decided by the forwarder before the
 * hand-off (dial.c): the addresses of the host the policy allows, in the
 * order to try them. None when it goes through the upstream proxy (the
 * proxy gets the name) or when the name did not resolve (@why says so).
 */
struct broker_dest {
	unsigned int n;
	struct fwd_addr a[BROKER_CANDS];
	const char *why;	/* static; for the 502 when @n is 0 */
};

extern pid_t broker_brokers[BROKER_MAX];
extern volatile sig_atomic_t broker_is_stopping;
void broker_on_stop(int sig);
int broker_slot(void);
void broker_log_event(const struct fwd_params *p, const char *event,
		      const struct audit_field *f, size_t n);
void broker_log_leak(const struct fwd_params *p, size_t secret,
		     const char *where, const char *host);
size_t broker_make_subs(const struct fwd_params *p, const char *host,
			struct secrets_sub *subs);
void broker_close_all_but(const int *keep, size_t n);
uint64_t broker_mono_ms(void);
int broker_dial(const struct broker_dest *dest, uint16_t port,
		struct fwd_addr *peer);
int broker_dial_proxy(const struct upstream_proxy *px, const char *host,
		      uint16_t port);
extern struct ratelimit *broker_counts;
void broker_log_injected(const struct fwd_params *p, const char *host,
			 uint32_t injected);
void broker_log_refused_port(const struct fwd_params *p, const char *host,
			     uint16_t port, const char *reason);
bool broker_is_bound(const struct jail_config *cfg, const char *host);

/*
 * A connection handed to the interception process (icptthread.c) with
 * the forwarder's decision: the host, where it may dial, the proxy
 */
struct icpt_handoff {
	bool is_plain;			/* the broker's plain-HTTP name */
	uint16_t port;			/* TLS: the port the jail dialed */
	uint16_t host_port;		/* plain: the Host header's, 0 none */
	char host[POLICY_NAME_MAX + 1];	/* the bound or held host */
	char name[256];			/* plain: the name the jail used */
	struct broker_dest dest;
	struct upstream_proxy px;
};

/*
 * Hand @jail_fd (not taken: the caller closes its copy) and @h to the
 * interception process, forked now if there is none alive, never
 * waiting (icptthread.c).
 * Return: 0, or negative errno: -EAGAIN at the bound, -ENOBUFS when
 * its queue is full, another when none could be started
 */
int icpt_hand_off(const struct fwd_params *p, int jail_fd,
		  const struct icpt_handoff *h);

/* Return: the logged reason of icpt_hand_off()'s refusal @err */
const char *icpt_refusal(int err);

/* Return: whether @pid is the interception process or the one before */
bool icpt_is_proc(pid_t pid);

/*
 * A child of the forwarder ended (@code and @status: its SIGCHLD's
 * si_code and si_status): if it was the interception process, log
 * net.intercept_ended with how it ended and the connections it held
 */
void icpt_child_ended(const struct fwd_params *p, pid_t pid, int code,
		      int status);

/* One connection's start to end on its thread (intercept.c) */
void broker_serve_plain(const struct fwd_params *p, int jail_fd,
			const struct icpt_handoff *h);
void broker_serve_tls(const struct fwd_params *p, int jail_fd,
		      const struct icpt_handoff *h);

/*
 * Hand a connection broker_http() or broker_tls() wanted to the
 * interception process (forked now if need be), with the addresses it
 * may dial (@dest, copied). @host: the bound host, @h: the connection's
 * first head, peeked at again.
 * Return: BROKER_TAKEN, or BROKER_REFUSED (logged)
 */
int broker_http_start(const struct fwd_params *p, int jail_fd,
		      const char *host, const struct http_head *h,
		      const struct upstream_proxy *px,
		      const struct broker_dest *dest);
int broker_tls_start(const struct fwd_params *p, int jail_fd,
		     const char *sni, uint16_t port,
		     const struct upstream_proxy *px,
		     const struct broker_dest *dest);

/* net.error for an allowed host broker_dial() could not reach (broker.c);
 * Return: the 502's text, written to @text */
const char *broker_upstream_failed(const struct fwd_params *p,
				   const char *host, uint16_t port,
				   bool via_proxy, char *text, size_t len);

#endif /* FWD_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * icpt.h - one intercepted connection, shared by intercept.c (the
 * requests) and answers.c (what comes back)
 */
#ifndef FWD_ICPT_H
#define FWD_ICPT_H

#include <poll.h>
#include <signal.h>

#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/reflect.h"
#include "parse/parse.h"
#include "cmd/cmd.h"
#include "host/host.h"
#include "fwd/internal.h"

#define BROKER_IDLE_MS (10ULL * 60 * 1000)	/* a stream silent this long ends */

#define ICPT_TRIM_MS 2000ULL	/* quiet this long: buffers given back */

#define BROKER_OUT_MAX (4 * HTTP_HEAD_MAX)

#define ICPT_BUF (1 << 16)	/* bytes read from the jail at once */

#define ICPT_DOWN_BUF (1 << 18)	/* from the server at once: 16 records */

#define ICPT_LEAVES \
	((size_t)JAIL_MAX_SECRETS * SECRETS_HOSTS_MAX + JAIL_MAX_HOLD_PUSH)

#define ICPT_HOLD_MAX (2 * PUSH_LIST_MAX)	/* a held push's raw bytes */

#define ICPT_DRAIN_MAX (256ULL << 20)	/* a denied push's body, read away */

#define ICPT_ASK_MARGIN_MS 5000	/* after --ask-timeout: the supervisor */

#define ICPT_REFUSE_MS 5000	/* earlier answers drain before a refusal */

#define ICPT_QUIET_MS 1000	/* ... until the server is silent this long */

#define ICPT_SLICE (1 << 14)	/* answer bytes put through reflect.c at once */

#define ICPT_PAGE 4096		/* where the buffers start (a page at least) */

/* Sent to a connection's thread to end it (icptthread.c) */
#define ICPT_SIG_WAKE SIGUSR1

/* One intercepted connection, in pages of its own (icpt_new()) */
_Static_assert(JAIL_MAX_SECRETS <= 32, "a secret a bit of a uint32_t");

struct icpt {
	const struct fwd_params *p;
	const struct upstream_proxy *px;
	const char *host;		/* the bound or held host the SNI named */
	uint16_t port;
	/* What every request must name (reqcheck_judge()): the SNI and
	 * port, or the broker name the plain-HTTP client used */
	struct reqcheck_conn rc;
	bool is_plain;			/* the broker's name: no TLS inside */
	bool is_closing;		/* upstream closes after its request */
	bool is_h2;			/* both sides chose HTTP/2 (h2.c) */
	char authority[POLICY_NAME_MAX + 8];	/* Host header upstream */
	int jail_fd;
	int up_fd;
	struct crypto_tls *jail;
	struct crypto_tls *up;
	struct fwd_addr peer;
	struct broker_dest dest;	/* where it may dial (no proxy) */
	/* One bit a secret in the uint32_t masks below */
	struct secrets_sub subs[JAIL_MAX_SECRETS];
	size_t n_subs;
	bool has_unbound;		/* placeholders to look for in bodies */
	/* RQ_UPGRADE: a WebSocket upgrade sent, what follows held until its
	 * answer; RQ_TUNNEL: it was taken (101), bytes go on as they come */
	enum { RQ_HEAD, RQ_LENGTH, RQ_CHUNKED, RQ_UPGRADE, RQ_TUNNEL } state;
	uint64_t body_left;		/* RQ_LENGTH */
	struct http_chunked chunked;	/* RQ_CHUNKED */
	size_t in_len;
	long long up_bytes;
	long long down_bytes;
	long long n_requests;
	/* --hold-push: a push's head, held in @out until it is answered */
	bool is_held;			/* pushes to @host are held */
	enum { PUSH_NONE, PUSH_COLLECT, PUSH_DRAIN } push;
	size_t out_len;			/* the held head in @out */
	uint32_t injected;		/* its secrets, logged when sent */
	size_t hold_len;
	size_t list_len;
	unsigned long long drained;
	struct h2 *h2;			/* the HTTP/2 bridge's (h2.c) */
	/* What comes back: every bound value replaced (reflect.c) */
	size_t n_pats;
	uint32_t reflected;		/* secret.reflect written for these */
	struct reflect_pat pats[REFLECT_PATS];
	/* The answer's state: its fields up to its first buffer in the
	 * first page, with the fields above, which every request and answer
	 * writes. Below, pages written only by what uses them (a request
	 * body, a held push), so that an idle connection's state is two
	 * pages: the first and the store's start */
	struct reflect_resp resp;
	struct secrets_stream scan;	/* the body's data */
	struct secrets_stream scan_raw;	/* chunked: framing and trailers too */
	char repo[256];
	char why[ASK_HOST_MAX + 128];	/* PUSH_DRAIN: the refusal */
	struct push_cmds cmds;
	uint8_t hold[ICPT_HOLD_MAX];	/* its body as it came, framing too */
	uint8_t list[PUSH_LIST_MAX];	/* its data: the command list */
	uint8_t reply[PUSH_REPORT_MAX + 1024];
	/* icpt_scope_log()'s text */
	char scope_why[2 * SECRETS_SCOPE_MAX * SECRETS_SCOPE_PATH_MAX / 4 +
		       128];
	struct reflect_store store;
	/* One read's answer bytes, scanned, gathered for one TLS write.
	 * Each buffer starts a page: an idle connection gives their pages
	 * back whole (icpt_release_idle()) */
	uint8_t rout[ICPT_DOWN_BUF + REFLECT_OUT_MAX(ICPT_SLICE)]
		__attribute__((aligned(ICPT_PAGE)));
	uint8_t in[ICPT_BUF]		/* from the jail, not yet sent on */
		__attribute__((aligned(ICPT_PAGE)));
	uint8_t down[ICPT_DOWN_BUF] __attribute__((aligned(ICPT_PAGE)));
	uint8_t out[BROKER_OUT_MAX]	/* a rewritten head */
		__attribute__((aligned(ICPT_PAGE)));
};

_Static_assert(offsetof(struct icpt, resp.raw.held) <= ICPT_PAGE,
	       "what every request writes in the first page");

/* The jail's side: TLS (interception) or plain (the broker's name).
 * Return: 0 or -EIO */
int icpt_jail_write(struct icpt *ic, const void *buf, size_t len);

/* net.allow for the connection, then the end of the process */
__attribute__((noreturn)) void icpt_finish(struct icpt *ic);

/*
 * What the server sent, to the jail as it comes, every value bound to
 * the host replaced by its placeholder (answers.c).
 * Return: 0, or -1 when either side is done
 */
int icpt_to_jail(struct icpt *ic);

/* The upstream connection ended: what the matchers held goes to the
 * jail, and the next connection's answers start afresh (answers.c) */
void icpt_down_end(struct icpt *ic);

/* secret.reflect: the first time per secret and connection (answers.c) */
void icpt_log_reflect(struct icpt *ic, uint32_t hits);

/*
 * The secrets bound here that are not for a request (their scope: its
 * method, its normalised path, which is left in @path) (intercept.c)
 */
uint32_t icpt_out_of_scope(const struct icpt *ic, const struct http_head *h,
			   char *path, size_t path_len);

/* secret.scope logged for secret @i; the refusal's text (static) */
const char *icpt_scope_log(struct icpt *ic, size_t i, const char *method,
			   const char *path);

/* The relay when both sides chose HTTP/2 (h2.c) */
void icpt_h2_relay(struct icpt *ic);

/* Answer the jail with a short error (over its TLS) and end (intercept.c) */
__attribute__((noreturn)) void icpt_refuse(struct icpt *ic, const char *status,
					   const char *why);

/* Connect and verify upstream, or answer the jail why not (intercept.c) */
void icpt_connect(struct icpt *ic);

/*
 * Wait for the jail's side (@pf[0]) or the host's (@pf[1]) unless bytes
 * are already decrypted (@is_pending), SIGTERM let in only while waiting
 * (icptidle.c). Return: 1 to read, 0 to look again (a signal), -1 when
 * silent for BROKER_IDLE_MS or failed
 */
int icpt_wait(struct pollfd pf[2], bool is_pending);

/* @ic: the calling thread's connection, whose buffers icpt_wait() gives
 * back when it is quiet (icptidle.c) */
void icpt_idle_watch(struct icpt *ic);

/*
 * Quiet for ICPT_TRIM_MS: the calling connection parked, its thread
 * ended; a new one takes the relay up again (broker_resume()) when
 * @pf[0] or @pf[1] is readable or the rest of BROKER_IDLE_MS ran out.
 * Returns only where it cannot be parked (icptthread.c)
 */
void icpt_park(const struct pollfd pf[2]);

/* Was the calling connection resumed because its quiet ran out? Asked
 * once (icptthread.c) */
bool icpt_is_expired(void);

/* The value a thread's start is jumped back with when its connection
 * parks (icpt_end() jumps with 1) */
#define ICPT_PARK 2

/* A parked connection's relay again, to its end (intercept.c) */
void broker_resume(struct icpt *ic);

/* The calling connection's state, in pages of its own given back when
 * it ends; NULL when none can be mapped (icptthread.c) */
struct icpt *icpt_new(void);

/* The end of @ic's connection: back to its thread's start, which calls
 * icpt_release() and ends the thread (icptthread.c) */
__attribute__((noreturn)) void icpt_end(struct icpt *ic);

/* What @ic still holds (TLS sessions, the upstream socket, the HTTP/2
 * bridge) freed and closed; not the jail's socket (intercept.c) */
void icpt_release(struct icpt *ic);

/* The HTTP/2 bridge's state freed, if there is one (h2.c) */
void icpt_h2_free(struct icpt *ic);

/* SIGTERM and ICPT_SIG_WAKE blocked for the calling thread: its relay
 * takes them only while it waits (icptthread.c) */
void icpt_block_stop(void);

/* The pages of the calling connection's thread's stack below the
 * caller's frame back to the kernel (they read as zeros when next used);
 * nothing elsewhere (icptthread.c) */
void icpt_stack_release(void);

/* Send @len bytes upstream as they are (intercept.c) */
void icpt_send(struct icpt *ic, const uint8_t *b, size_t len);

/*
 * A denied push's body has ended: answer it as receive-pack would, so
 * that git shows the reason ("! [remote rejected] REF (WHY)" and
 * "remote: jail: WHY"), else with a 403 and the reason as text
 * (heldpush.c)
 */
__attribute__((noreturn)) void icpt_push_refused(struct icpt *ic);

/*
 * Body bytes of a held push: @raw (@raw_len bytes as they came) of
 * which the first @data_len are data (the rest chunked framing).
 * Context: @ic->push is PUSH_COLLECT or PUSH_DRAIN (heldpush.c)
 */
void icpt_push_take(struct icpt *ic, const uint8_t *raw, size_t raw_len,
		    size_t data_len);

#endif /* FWD_ICPT_H */

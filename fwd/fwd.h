/* SPDX-License-Identifier: MIT */
/*
 * fwd.h - the forwarder: the jail's only way out
 *
 * Theory of operation: one process outside the jail, in the host's
 * network namespace, forked by the supervisor once the gateway's sockets
 * exist (fwd.c has the whole story). It fences itself first (fence.c),
 * then serves one epoll loop: TCP connections from the jail are named
 * (SNI, Host, the resolver's pins), judged by the policy, resolved on the
 * host and dialed by name (fwd.c); a connection to an address the
 * resolver handed out for a name allowed on its port, dialed here, has
 * its upstream TCP handshake started at accept, while the first bytes
 * are awaited (early.c), but nothing is sent on it before the decision,
 * which runs as for any other and closes it unused unless it picks that
 * very name, port and address; DNS queries are answered by its own
 * resolver (dnsd.c); connections to hosts a secret is bound to, or held
 * for pushes, are judged and resolved the same way, then handed with the
 * addresses they may dial to interception processes (broker.c) that end
 * and re-make TLS (crypto.c) and substitute placeholders (secrets.c).
 *   fwd.c       the event loop: accept, dispatch, timers, signals, setup
 *   conn.c      one connection: its slot, its pipes, splice both ways,
 *               each HTTP request judged on the way up (reqcheck.c)
 *   decide.c    what the first bytes name, the policy's verdict, the
 *               connections held for an answer (--ask, --hold-push), the
 *               hand-off to a broker
 *   dial.c      resolve, dial by name, the upstream proxy; a broker's
 *               connection is resolved here too, then handed over
 *   early.c     the early dial: a pinned allowed name's handshake at accept
 *   dnsd.c      the jail's resolver, host lookups, pins
 *   addr.c      the address type
 *   ratelimit.c events counted per destination per minute
 *   broker.c    the brokers' lifecycle, leaks, revocation, the plain-HTTP
 *               broker names
 *   intercept.c TLS interception: requests framed, judged, substituted
 *   answers.c   ... and what comes back, a reflected value replaced
 *   secrets.c   placeholders: made, substituted, scanned for leaks
 *   reflect.c   real values in answers found and replaced (pure)
 *   crypto.c    libcrypto/libssl: the jail's CA, leaf certificates, TLS
 *   fence.c     capabilities, no_new_privs, the syscall allowlist
 */
#ifndef FWD_H
#define FWD_H

#include "jail.h"
#include "parse/parse.h"

#define SECRETS_RANDOM_MIN 32		/* random characters, at least */
/* "HOST.jail.internal": the broker name of a bound HOST (plain HTTP) */
#define SECRETS_BROKER_SUFFIX ".jail.internal"
/* The address the jail's resolver gives every broker name (TEST-NET-1:
 * never a real destination; the gateway redirects every TCP connection) */
#define SECRETS_BROKER_IP4 "192.0.2.1"

/* ---------------------------------------------------------------------
 * crypto.c: libcrypto, loaded on first use
 * ------------------------------------------------------------------- */

/* SHA-256 of @buf. Return: 0, -ENOENT (no libcrypto) or -EIO */
int crypto_sha256(const void *buf, size_t len, uint8_t out[32]);
/* SHA-1 of @buf (git object ids). Return: 0, -ENOENT (no libcrypto) or
 * -EIO */
int crypto_sha1(const void *buf, size_t len, uint8_t out[20]);

struct crypto_tls;

/**
 * crypto_tls_connect() - TLS client on a connected socket (libssl)
 * @fd:		blocking TCP socket; not taken over
 * @host:	server name: sent as SNI and verified against the
 *		certificate, which must chain to the host's trust store
 *		(OpenSSL's default paths)
 * @out:	the session; crypto_tls_free() it
 *
 * Offers TLS 1.2 and later, ALPN http/1.1 only. The handshake blocks;
 * afterwards @fd is non-blocking.
 *
 * Return: 0; -ENOENT (no libssl), -EPROTO (handshake or verification
 * failed: @why names the reason), or another negative errno
 */
int crypto_tls_connect(int fd, const char *host, struct crypto_tls **out,
		       char *why, size_t why_len);

/**
 * crypto_tls_connect_alpn() - crypto_tls_connect(), offering h2 too
 * @is_h2:	offer "h2" before "http/1.1" (else http/1.1 alone)
 *
 * crypto_tls_is_h2() then says what the server chose.
 */
int crypto_tls_connect_alpn(int fd, const char *host, bool is_h2,
			    struct crypto_tls **out, char *why, size_t why_len);

/* Did the peer and we agree on HTTP/2 (ALPN "h2")? */
bool crypto_tls_is_h2(struct crypto_tls *t);

/* Load libssl and the host's trust store for crypto_tls_connect() now,
 * e.g. before forking the processes that will connect. Return: 0/-errno */
int crypto_tls_client_init(void);

/* Return: bytes read, 0 at the end of the stream, -EAGAIN (nothing yet:
 * poll the socket) or -EIO */
ssize_t crypto_tls_read(struct crypto_tls *t, void *buf, size_t len);
/* Bytes already decrypted and not yet read */
size_t crypto_tls_pending(struct crypto_tls *t);
/* Write all of @buf, waiting for the socket as needed. Return: 0/-EIO */
int crypto_tls_write(struct crypto_tls *t, const void *buf, size_t len);
#define CRYPTO_KTLS_TX 1u	/* the kernel encrypts what is written */
#define CRYPTO_KTLS_RX 2u	/* the kernel decrypts what is read */
/* Which directions of @t kernel TLS took over: CRYPTO_KTLS_* (none where
 * the kernel lacks the "tls" protocol or the cipher) */
unsigned int crypto_tls_ktls(const struct crypto_tls *t);
/* An idle session's buffers back (none that hold bytes); NULL is fine */
void crypto_tls_release(struct crypto_tls *t);
/* Send close_notify and free the session; NULL is fine */
void crypto_tls_free(struct crypto_tls *t);
/* Send close_notify, keep the session for reading */
void crypto_tls_close_notify(struct crypto_tls *t);

struct crypto_ca;
struct crypto_leaf;

/**
 * crypto_ca_new() - A fresh certificate authority (libcrypto)
 * @names:	host names it may sign for (a critical nameConstraints
 *		extension permits these and their subdomains only)
 * @n:		how many
 * @cn:		its subject's common name
 * @out:	the CA, key included; it stays in this process's memory
 *		(and that of processes forked from it), never in a file
 * @pem:	its certificate in PEM, caller frees
 *
 * An ECDSA P-256 key and a self-signed certificate (CA:TRUE, pathlen 0,
 * keyCertSign), valid from an hour ago for 30 days.
 *
 * Return: 0, -ENOENT (no libcrypto/libssl) or -EIO
 */
int crypto_ca_new(const char *const *names, size_t n, const char *cn,
		  struct crypto_ca **out, char **pem);

/* Free @ca and clear its keys; NULL is fine */
void crypto_ca_free(struct crypto_ca *ca);

/**
 * crypto_leaf_new() - A server certificate for @name, signed by @ca
 * @ca:		from crypto_ca_new(); its one leaf key is made on first use
 * @name:	the server name (subjectAltName DNS:@name)
 * @out:	a TLS server context presenting it, kept for the process's
 *		life; ALPN: http/1.1 when the client offers it, else none
 *
 * Return: 0, -ENOENT or -EIO
 */
int crypto_leaf_new(struct crypto_ca *ca, const char *name,
		    struct crypto_leaf **out);

/**
 * crypto_tls_accept() - TLS server on a connected socket with @leaf
 * @fd:		blocking TCP socket; not taken over
 *
 * The handshake blocks; afterwards @fd is non-blocking and the session
 * works with crypto_tls_read() and the rest.
 *
 * Return: 0; -EPROTO (handshake failed) or another negative errno
 */
int crypto_tls_accept(int fd, const struct crypto_leaf *leaf,
		      struct crypto_tls **out, char *why, size_t why_len);

/*
 * Called during the jail's handshake when it offers ALPN: @client_h2 is
 * whether it offers h2. Return: true to choose h2 (the hook has made
 * sure the server speaks it), false for http/1.1
 */
typedef bool (*crypto_alpn_hook)(void *arg, bool client_h2);

/* crypto_tls_accept() whose ALPN choice of h2 is @hook's */
int crypto_tls_accept_alpn(int fd, const struct crypto_leaf *leaf,
			   crypto_alpn_hook hook, void *arg,
			   struct crypto_tls **out, char *why, size_t why_len);


/* ---------------------------------------------------------------------
 * secrets.c: placeholders for host secrets, header substitution
 * ------------------------------------------------------------------- */

/**
 * secrets_add() - Record one --secret value
 * @cfg:	configuration
 * @full:	"NAME@HOST[,HOST...]" or "NAME=@FILE@HOST[,HOST...]", then
 *		optionally a scope: ";methods=GET,HEAD;paths=/a/,/b/"
 *		(scope_parse())
 * @origin:	where it came from; a later NAME replaces an earlier one
 *
 * Parses only: nothing is read. Dies with one line on a bad value.
 */
void secrets_add(struct jail_config *cfg, const char *full,
		 enum origin origin);

/**
 * secrets_prepare() - Read every secret's value and make its placeholder
 * @run:	the run being opened; its configuration is final. Fills
 *		@run->secret_value and @run->secret_placeholder
 *
 * Each value (NAME from the environment, or the first line of FILE, at
 * most SECRETS_VALUE_MAX bytes) goes to a vault mapped MADV_WIPEONFORK and
 * MADV_DONTDUMP: every process forked or cloned afterwards, the jail's
 * first, sees zeros there. The host's NAME=value environment string is
 * wiped in place and removed, so nothing forked later inherits it either.
 *
 * Context: supervisor, when host resources are opened (jail.c), before
 * any fork or clone
 * Must: die with one line when a value is missing or empty
 */
void secrets_prepare(struct jail_run *run);

/**
 * secrets_reveal() - Copy the values out of the vault
 *
 * Context: supervisor, after the jail was cloned, right before forking
 * the forwarder; the copy goes to the forwarder with the fork
 * Return: @run->cfg->n_secrets strings (NULL when there are none); free
 * with secrets_forget()
 */
char **secrets_reveal(const struct jail_run *run);

/* Wipe (explicit_bzero) and free a secrets_reveal() array */
void secrets_forget(char **values, size_t n);

/**
 * secrets_make_placeholder() - A placeholder shaped like @value
 * @value:	the real value; only its prefix and alphabet are looked at
 * @value_len:	its length
 * @rnd:	random bytes
 * @rnd_len:	how many; 4 * SECRETS_PLACEHOLDER_MAX is always enough
 * @out:	result, NUL-terminated
 * @out_len:	its size, at least SECRETS_PLACEHOLDER_MAX + 1
 *
 * Pure. Keeps a known prefix ("sk-ant-", "sk-proj-", "sk-", "ghp_",
 * "github_pat_"), then as many random characters as @value has after it,
 * at least SECRETS_RANDOM_MIN, at most SECRETS_PLACEHOLDER_MAX (the
 * longest value) in all, drawn without bias from letters and digits (and
 * '-' and '_' when @value has them). So the placeholder is as long as
 * @value whenever @value has SECRETS_RANDOM_MIN characters after its
 * prefix, and a value a server sends back is replaced by as many bytes
 * (reflect.c).
 *
 * Return: length of @out, -EAGAIN (not enough random bytes) or -E2BIG
 */
int secrets_make_placeholder(const char *value, size_t value_len,
			     const uint8_t *rnd, size_t rnd_len, char *out,
			     size_t out_len);

/* What the forwarder knows of one secret while rewriting a request */
struct secrets_sub {
	const char *name;
	const char *placeholder;
	const char *value;	/* NULL: not bound to this request's host */
	size_t value_len;
	const struct secret_scope *scope;	/* NULL: anywhere on it */
};

/**
 * secrets_scan() - Find a placeholder in bytes from the jail
 * @buf:	untrusted bytes (a request head, a DNS name)
 * @len:	their length
 * @subs:	the secrets, @n of them
 * @n:		at most JAIL_MAX_SECRETS
 *
 * Pure. Matches case-insensitively (DNS names are lowercased), in @buf
 * as it is and with every '.' removed (a placeholder split over DNS
 * labels), and inside every "Basic" credential (base64-decoded) of an
 * Authorization or Proxy-Authorization header when @buf is a head.
 *
 * Return: index of the first secret found, or -ENOENT
 */
int secrets_scan(const uint8_t *buf, size_t len,
		 const struct secrets_sub *subs, size_t n);

/**
 * secrets_rewrite_head() - The request head to send to a bound host
 * @head:	a head accepted by http_parse_head(); untrusted
 * @head_len:	its length (&struct http_head.head_len)
 * @host:	the real host: the value of the new Host header
 * @subs:	the secrets; those with a @value are bound to @host
 * @n:		at most JAIL_MAX_SECRETS
 * @out:	result
 * @out_len:	its size
 * @injected:	bit i set when secret i was substituted
 * @leaked:	set to the index of an unbound secret's placeholder found,
 *		or -1
 *
 * Pure. The request line is kept; Host becomes @host; Connection,
 * Keep-Alive, Proxy-Connection, Upgrade and TE are dropped and
 * "Connection: close" is added, so that each request has its own
 * connection; in every other header value each placeholder of a bound
 * secret becomes its value, inside "Basic" credentials of Authorization
 * and Proxy-Authorization too (decoded, substituted, encoded again).
 * Lines end in CRLF. Bounds: a Basic credential decodes to at most 6 KiB.
 *
 * Return: length of @out; -EACCES when the placeholder of a secret not
 * bound to @host appears anywhere (@leaked says which); -EBADMSG
 * (malformed) or -E2BIG (@out too small)
 */
int secrets_rewrite_head(const uint8_t *head, size_t head_len,
			 const char *host, const struct secrets_sub *subs,
			 size_t n, uint8_t *out, size_t out_len,
			 uint32_t *injected, int *leaked);

/**
 * secrets_rewrite_request() - A request head for a kept-alive connection
 *
 * As secrets_rewrite_head(), for a request of an intercepted TLS
 * connection: the same substitution and refusal, Host becomes @host
 * ("HOST" or "HOST:PORT"), the hop-by-hop headers are dropped, but no
 * "Connection: close" is added, so the connection carries the next
 * request too.
 */
int secrets_rewrite_request(const uint8_t *head, size_t head_len,
			    const char *host, const struct secrets_sub *subs,
			    size_t n, uint8_t *out, size_t out_len,
			    uint32_t *injected, int *leaked);

/**
 * secrets_is_websocket() - Is a request head a WebSocket upgrade?
 * @head:	a head accepted by http_parse_head(); untrusted
 * @head_len:	its length
 *
 * Return: true when Upgrade lists "websocket" and Connection "upgrade";
 * secrets_rewrite_head() and secrets_rewrite_request() then keep Upgrade
 * and send "Connection: Upgrade" (to a host a secret is bound to)
 */
bool secrets_is_websocket(const uint8_t *head, size_t head_len);

/* The end of the body bytes secrets_scan_stream() saw; zero it to start */
struct secrets_stream {
	uint8_t tail[SECRETS_PLACEHOLDER_MAX - 1];
	size_t tail_len;
};

/**
 * secrets_scan_stream() - Look for unbound placeholders in a body
 * @st:		state carried from one piece of the body to the next
 * @buf:	the next piece; untrusted
 * @len:	its length
 * @subs:	the secrets; only those without a @value are searched
 * @n:		at most JAIL_MAX_SECRETS
 *
 * Pure. Finds a placeholder as its bytes appear (case and all), also
 * when it straddles two pieces. Not found: encoded forms (base64,
 * percent- or JSON-escapes, compression) and a placeholder cut apart by
 * chunked framing unless the caller passes the chunk data alone.
 *
 * Return: index of the first secret found, -ENOENT, or -EINVAL (@st
 * corrupt)
 */
int secrets_scan_stream(struct secrets_stream *st, const uint8_t *buf,
			size_t len, const struct secrets_sub *subs, size_t n);

#define SECRETS_N_BUNDLE_PATHS 6
/* Where distributions keep the system's CA bundle, most common first */
extern const char *const secrets_bundle_paths[SECRETS_N_BUNDLE_PATHS];

/* The first of secrets_bundle_paths[] that is a file here, or NULL */
const char *secrets_bundle_path(void);

/**
 * secrets_make_ca() - The jail's CA, and the bundle the jail trusts
 * @run:	a run with secrets or --hold-push hosts,
 *		@run->ca_bundle_path and @run->ca_bundle_fd set
 *
 * Makes a CA restricted (nameConstraints) to the hosts the secrets are
 * bound to and the --hold-push hosts, and writes the host's bundle followed by the CA's
 * certificate to @run->ca_bundle_fd. Loads libcrypto and libssl.
 *
 * Context: supervisor, after the jail was cloned (no process of the
 * jail ever holds the key) and before it is released to build its view
 * Must: die with one line when it cannot
 * Return: the CA, for the forwarder
 */
struct crypto_ca *secrets_make_ca(const struct jail_run *run);

/**
 * secrets_broker_host() - The bound host a broker name stands for
 * @name:	a normalised host name from the jail (Host header, DNS)
 * @cfg:	configuration with the secrets
 *
 * Return: the bound host (in @cfg) when @name is
 * "HOST" SECRETS_BROKER_SUFFIX for a host some secret is bound to, else
 * NULL
 */
const char *secrets_broker_host(const struct jail_config *cfg,
				const char *name);


/* ---------------------------------------------------------------------
 * fwd.c: the forwarder
 * ------------------------------------------------------------------- */

#define FWD_MAX_CONNS 4096	/* concurrent TCP connections, at most */
#define FWD_MAX_HOST_PORTS 32	/* --allow-host-port entries */

/**
 * struct fwd_params - What the forwarder process is given
 * @cfg:		validated configuration: @cfg->allow, @cfg->deny,
 *			@cfg->allow_private (the forwarder's copy after fork)
 * @tcp4_fd:		TCP listener in G (netns_open_listeners()), or -1
 * @tcp6_fd:		IPv6 TCP listener in G, or -1
 * @udp4_fd:		DNS socket in G, or -1
 * @udp6_fd:		IPv6 DNS socket in G, or -1
 * @log_fd:		audit log (O_APPEND), or -1
 * @jail_id:		jail ID for the audit log
 * @upstream_proxy:	"http://[USER:PASS@]HOST[:PORT][/]" from the host's
 *			https_proxy/HTTPS_PROXY, or NULL (no proxy, or
 *			--no-upstream-proxy): allowed TLS connections then go
 *			out through it with CONNECT
 * @host_ports:		--allow-host-port ports, @n_host_ports of them: a
 *			connection from the jail to the gateway's address
 *			(or NETNS_HOST_NAME) on one of them reaches the
 *			host's 127.0.0.1 on the same port
 * @n_host_ports:	at most FWD_MAX_HOST_PORTS
 * @ipv6:		the jail has IPv6: AAAA queries are answered
 * @parent:		the supervisor's pid: the forwarder exits at once if
 *			its parent is not (or no longer) @parent; 0: no check
 * @max_conns:		concurrent connections, 0 for the default; also
 *			bounded by RLIMIT_NOFILE
 * @secret_values:	the real value of each of @cfg->secrets (from
 *			secrets_reveal()), or NULL when there are none
 * @ca:			the jail's CA (secrets_make_ca()), or NULL: allowed
 *			TLS to a bound host is then intercepted (broker.c)
 * @ask_fd:		the ask channel to the supervisor (ask.c), or -1:
 *			asks go out on it (ask_send()), and "revoke NAME"
 *			comes in on it; only the forwarder reads it
 * @publish_pool:	--publish: unconnected TCP sockets made in G, as
 *			many as published connections may be open at once
 *			(at most JAIL_PUBLISH_CONNS); the listeners are
 *			@publish_fd; both are taken over
 * @publish_fd:		--publish: the host listeners, one per
 *			@cfg->publish entry (jail_run.publish_fd)
 * @n_publish_pool:	how many
 */
struct fwd_params {
	const struct jail_config *cfg;
	int tcp4_fd;
	int tcp6_fd;
	int udp4_fd;
	int udp6_fd;
	int log_fd;
	const char *jail_id;
	const char *upstream_proxy;
	const uint16_t *host_ports;
	size_t n_host_ports;
	bool ipv6;
	pid_t parent;
	unsigned int max_conns;
	char *const *secret_values;
	/* what each secret's NAME holds inside (struct jail_run) */
	const char (*placeholders)[SECRETS_PLACEHOLDER_MAX + 1];
	struct crypto_ca *ca;
	int ask_fd;
	const int *publish_pool;
	size_t n_publish_pool;
	const int *publish_fd;
	int done_fd;	/* closed once our last log lines are written */
	/*
	 * Shared with the supervisor (MAP_SHARED), FWD_IDLE at the start:
	 * see fwd_claim_stop(); NULL to handle events unconditionally
	 */
	uint32_t *traffic;
};

/* Who claimed fwd_params.traffic first */
#define FWD_IDLE 0	/* nobody yet */
#define FWD_BUSY 1	/* the forwarder: it handled an event */
#define FWD_STOPPED 2	/* the supervisor: the run is over */

/**
 * fwd_claim_stop() - Claim a forwarder's traffic word for the end of the run
 * @traffic:	fwd_params.traffic of a forwarder told to stop, or NULL
 *
 * The forwarder claims the word (FWD_BUSY) before it handles its first
 * event from the jail, the host (--publish) or the supervisor (asks,
 * revocations), all of which may leave lines to write at its end. A
 * forwarder that never did, and that nothing waits for in its sockets
 * (which the caller checks first), has nothing to write: once this
 * claims the word it never handles anything any more, and the
 * supervisor need not wait for its last lines. Its timer ticks write
 * nothing without traffic.
 *
 * Context: supervisor, after the jail is reaped
 * Return: true if the forwarder had handled nothing (it never will now)
 */
bool fwd_claim_stop(uint32_t *traffic);

/**
 * fwd_run() - The forwarder process: serve the jail's TCP and DNS
 * @p:		parameters; the fds are taken over
 *
 * Closes every other inherited descriptor, raises its RLIMIT_NOFILE soft
 * limit, sets PR_SET_PDEATHSIG, readies its resolver processes (blocking
 * getaddrinfo() on the host, one lookup each; forked at the first
 * lookup), drops every capability and sets no_new_privs, then runs one
 * epoll loop: TCP connections from the jail are named (TLS SNI, HTTP
 * Host, else the name the resolver handed out for the destination),
 * checked against the policy, resolved on the host and dialed there,
 * then spliced both ways; DNS queries are answered for allowed names
 * only. Writes net.allow (at close), net.deny,
 * net.error and dns.deny events.
 *
 * SIGTERM (or SIGINT, SIGHUP): writes net.allow for every open allowed
 * connection and exits 0, so the supervisor should send it after
 * reaping the jail, wait until @done_fd is closed (or the forwarder is
 * gone), then write the exit event; unless fwd_claim_stop() says there
 * is nothing to wait for.
 *
 * Context: a process forked by the supervisor outside the jail, in the
 * host's namespaces, before anything else reads from the jail
 * Must not: return; it exits 0 on SIGTERM or when its parent dies, 125
 * when it cannot start
 */
void fwd_run(const struct fwd_params *p) __attribute__((noreturn));


/* ---------------------------------------------------------------------
 * askchan.c: the asking side of the ask channel (host/ask.c answers)
 * ------------------------------------------------------------------- */

/**
 * ask_send() - Ask the supervisor about a request
 * @chan_fd:	the ask channel (&struct fwd_params.ask_fd); any process
 *		holding it may ask (the forwarder, a broker process)
 * @kind:	[a-z]{1,15}: "connect", "push"
 * @host:	the host name or address asked about
 * @port:	its port
 * @detail:	a few words for the person (made printable), or ""
 *
 * Sends "ask 0 0 KIND HOST PORT DETAIL" with a fresh descriptor for the
 * answer (SCM_RIGHTS). Never blocks.
 *
 * Return: the descriptor the answer arrives on (O_NONBLOCK, O_CLOEXEC;
 * read it with ask_read_answer()), or negative errno (-EAGAIN: the
 * supervisor is behind: deny)
 */
int ask_send(int chan_fd, const char *kind, const char *host, uint16_t port,
	     const char *detail);

/**
 * ask_read_answer() - Read the answer from an ask_send() descriptor
 * @fd:		the descriptor
 * @by:		who answered ("cmd", "socket", "terminal", "timeout",
 *		"limit", "always"), at least ASK_HOST_MAX + 1 bytes
 *
 * Return: enum ask_answer, -EAGAIN (not yet) or another negative errno
 * (the supervisor is gone, or sent junk: deny)
 */
int ask_read_answer(int fd, char *by);

/* ---------------------------------------------------------------------
 * broker.c: requests to hosts a secret is bound to (forwarder process)
 * ------------------------------------------------------------------- */

/*
 * The host's upstream proxy (proxy.c), parsed once before the jail says
 * anything; the loop's dial and the interception processes' use it alike
 */
struct upstream_proxy {
	bool on;
	bool broken;	/* set but unusable: TLS fails closed */
	struct sockaddr_storage sa;
	socklen_t sa_len;
	char auth[760];	/* "Proxy-Authorization: ...\r\n" or "" */
	char desc[520];	/* host:port, for the log */
};

enum broker_verdict {
	BROKER_PASS,	/* not for the broker, no placeholder: carry on */
	BROKER_WANTED,	/* for a broker, once its host is resolved and its
			 * addresses decided (dial.c, fwd_hand_off()) */
	BROKER_TAKEN,	/* a broker process serves it: close, no reset */
	BROKER_REFUSED,	/* logged; reset the connection */
};

/**
 * broker_http() - Look at a plain-HTTP request head from the jail
 * @p:		the forwarder's parameters (secrets, policy, log)
 * @buf:	its first bytes (peeked); untrusted
 * @h:		@buf's head, from http_parse_head()
 * @px:		the upstream proxy: brokered TLS goes through it (CONNECT)
 * @host:	set to the bound host when the verdict is BROKER_WANTED
 *
 * A head for HOST SECRETS_BROKER_SUFFIX, HOST bound and allowed on port
 * 443, is for a broker process (broker_http_start(), once the forwarder
 * resolved HOST); any other head carrying a placeholder is refused and
 * logged as secret.leak.
 *
 * Context: forwarder, C_PEEK
 * Return: enum broker_verdict (never BROKER_TAKEN)
 */
int broker_http(const struct fwd_params *p, const uint8_t *buf,
		const struct http_head *h, const struct upstream_proxy *px,
		const char **host);

/**
 * broker_tls() - Is an allowed TLS connection for interception?
 * @p:		the forwarder's parameters (secrets, CA, log)
 * @sni:	the server name it asked for, allowed by the policy
 * @port:	the port it asked for
 * @px:		the upstream proxy
 *
 * When @sni is a host some secret is bound to (or a --hold-push host),
 * the connection goes, once the forwarder resolved @sni, to a process of
 * its own (broker_tls_start(), its slot counted with the brokers') that
 * terminates the jail's TLS with a certificate for @sni signed by the
 * jail's CA (made here on first use, kept for later connections),
 * connects to the real host with verified TLS, and relays request after
 * request: each head is checked, its placeholders replaced
 * (secrets_rewrite_request()), each body followed by its framing and
 * searched for foreign placeholders.
 *
 * Context: forwarder, when a TLS connection was allowed
 * Return: enum broker_verdict (never BROKER_TAKEN)
 */
int broker_tls(const struct fwd_params *p, const char *sni, uint16_t port,
	       const struct upstream_proxy *px);

/*
 * broker_stop_all() - SIGTERM every broker process, wait for them a little
 *
 * Interception processes then write net.allow for their connection;
 * waits at most half a second.
 * Context: forwarder, stopping
 */
void broker_stop_all(void);

struct ratelimit;

/* The forwarder's table of event counts (ratelimit.c), shared with every
 * broker it forks afterwards: secret.inject is counted there */
void broker_set_ratelimit(struct ratelimit *rl);

/* Index of a secret whose placeholder @name (a DNS name) carries, or -1 */
int broker_dns_leak(const struct fwd_params *p, const char *name);

/* Index of a secret whose placeholder a request head @buf carries, or -1
 * (on a connection to a host no secret is bound to) */
int broker_head_leak(const struct fwd_params *p, const uint8_t *buf,
		     size_t len);

/**
 * broker_revoke() - Stop injecting secret @secret for the rest of the run
 * @p:		the forwarder's parameters; the value in @p->secret_values
 *		is wiped (explicit_bzero)
 * @secret:	index into @p->cfg->secrets
 *
 * Every broker process alive is killed (they may hold the value), and
 * from then on a request that carries the secret's placeholder is refused
 * and logged as secret.leak, to its bound hosts too.
 *
 * Context: forwarder
 * Return: the number of broker processes killed
 */
unsigned int broker_revoke(const struct fwd_params *p, size_t secret);

/* Has broker_revoke() been called for @secret? */
bool broker_is_revoked(size_t secret);

/* Write secret.leak: secret @secret (its name) found in @where for @host */
void broker_log_leak(const struct fwd_params *p, size_t secret,
		     const char *where, const char *host);


/* ---------------------------------------------------------------------
 * addr.c: the forwarder's address type
 * ------------------------------------------------------------------- */

/* An IP address; IPv4-mapped IPv6 addresses are kept as IPv4 */
struct fwd_addr {
	int family;	/* AF_INET: the first 4 bytes of @a */
	uint8_t a[16];
};

void fwd_addr_set(struct fwd_addr *a, int family, const void *bytes);
bool fwd_addr_eq(const struct fwd_addr *x, const struct fwd_addr *y);
/* From a sockaddr_in/in6; IPv4-mapped becomes IPv4. Return: false if
 * neither */
bool fwd_addr_from_sa(const void *sa, struct fwd_addr *a, uint16_t *port);
/* An IP literal ("198.51.100.7", "2001:db8::1")? Return: true, @a set */
bool fwd_addr_parse(const char *s, struct fwd_addr *a);
const char *fwd_addr_str(const struct fwd_addr *a, char *buf, size_t len);

/* ---------------------------------------------------------------------
 * dnsd.c: the jail's resolver and the host lookups (forwarder process)
 * ------------------------------------------------------------------- */

#define DNSD_MAX_ADDRS 8	/* addresses kept per name and family */

/* What the host's resolver said about a name */
struct dnsd_answer {
	int rcode;	/* DNS_RCODE_*; NOERROR without addresses: NODATA */
	unsigned int n4;
	unsigned int n6;
	uint8_t a4[DNSD_MAX_ADDRS][4];
	uint8_t a6[DNSD_MAX_ADDRS][16];
};

struct dnsd;

/* Called when a lookup started by dnsd_lookup() has its answer */
struct dnsd_waiter {
	void (*done)(void *ctx, int slot, const struct dnsd_answer *a);
	void *ctx;
};

/**
 * dnsd_new() - Set up the resolver and fork its lookup processes
 * @p:		the forwarder's parameters (policy, log, IPv6, host ports)
 * @w:		told about every finished lookup
 * @now:	CLOCK_MONOTONIC in milliseconds
 *
 * The lookup processes run blocking getaddrinfo() on the host (its
 * /etc/hosts, then DNS), one name at a time each; they keep no descriptor
 * but their socket and die with the forwarder.
 *
 * Context: forwarder setup, before privileges are dropped and before
 * anything is read from the jail
 * Return: the resolver (lives as long as the process); dies on failure
 */
struct dnsd *dnsd_new(const struct fwd_params *p, struct dnsd_waiter w,
		      uint64_t now);

/* The socket answers from the lookup processes arrive on (poll it) */
int dnsd_lookup_fd(const struct dnsd *d);

/* Read the lookup answers that arrived; dnsd_waiter.done() for each */
void dnsd_on_lookup(struct dnsd *d, uint64_t now);

/* Answer the queries waiting on the jail's DNS socket @fd (non-blocking) */
void dnsd_on_query(struct dnsd *d, int fd, uint64_t now);

/* Give up lookups that took too long, refresh this host's addresses */
void dnsd_tick(struct dnsd *d, uint64_t now);

/**
 * dnsd_lookup() - Resolve @name on the host, or find it in the cache
 * @d:		the resolver
 * @name:	an allowed host name
 * @now:	CLOCK_MONOTONIC in milliseconds
 * @a:		set to the answer when it is already known, else to NULL
 *		(dnsd_waiter.done() brings it later, with the same slot)
 *
 * Return: the cache slot, or -EBUSY (too many lookups in flight)
 */
int dnsd_lookup(struct dnsd *d, const char *name, uint64_t now,
		const struct dnsd_answer **a);

/**
 * dnsd_cached() - The answer already known for @name, starting nothing
 * @d:		the resolver
 * @name:	a host name
 * @now:	CLOCK_MONOTONIC in milliseconds
 *
 * Return: the cached answer (valid until the next call into @d), or NULL
 * when there is none or its lookup is still on its way
 */
const struct dnsd_answer *dnsd_cached(struct dnsd *d, const char *name,
				      uint64_t now);

/**
 * dnsd_pinned() - Names the resolver handed out for an address
 * @d:		the resolver
 * @a:		destination address
 * @name:	NULL: any name; else only @name
 *
 * Return: a pinned name for @a (@name itself when given), or NULL
 */
const char *dnsd_pinned(const struct dnsd *d, const struct fwd_addr *a,
			const char *name);

/**
 * dnsd_addr_refused() - May the forwarder dial or hand out @a?
 * @d:		the resolver (policy, this host's addresses)
 * @a:		address
 * @port:	destination port; 0: any port (for DNS answers)
 *
 * Refused: an IP deny rule covers it (with @port), or it is special
 * (policy_addr_is_special()) or one of this host's own addresses, unless
 * --allow-private or an IP allow rule names it.
 *
 * Return: NULL if allowed, else the reason for the audit log
 */
const char *dnsd_addr_refused(const struct dnsd *d, const struct fwd_addr *a,
			      uint16_t port);

/*
 * --ask: a name no rule decides is answered with an address of
 * DNSD_ASK_NET (198.18.0.0/15, benchmarking: special, never dialed)
 * pinned to the name; nothing about it leaves the machine until a person
 * allowed it. The forwarder names a connection to that address from the
 * pin and asks.
 */
#define DNSD_ASK_NET4 "198.18.0.0"
#define DNSD_ASK_PINS 1024	/* names with an ask address at once */
#define DNSD_APPROVED 256	/* names answered "always" */

/* Is @name decided by no rule (neither allowed nor denied on any port)? */
bool dnsd_undecided(const struct dnsd *d, const char *name);

/* Record @name as allowed for the rest of the run ("always") */
void dnsd_approve(struct dnsd *d, const char *name);

/* Was @name answered "always"? */
bool dnsd_is_approved(const struct dnsd *d, const char *name);

/* Is @a in DNSD_ASK_NET4/16, where ask addresses come from? */
bool dnsd_is_ask_addr(const struct fwd_addr *a);



/**
 * fwd_publish_listen() - Bind the --publish listeners on the host
 * @run:	the run; @run->publish_fd[] is set
 *
 * One TCP listener on 127.0.0.1:HOSTPORT for each --publish, never on
 * another address.
 *
 * Context: supervisor, with the other host resources (jail.c), before
 * the jail is cloned; the forwarder takes them over
 * Must: die with one line when a port cannot be had (in use, refused)
 */
void fwd_publish_listen(struct jail_run *run);

/* Close the supervisor's copies of the listeners (the forwarder has its
 * own), so that they go when the forwarder goes */
void fwd_publish_close(const struct jail_run *run);

/* ---------------------------------------------------------------------
 * fence.c: the forwarder's own fence
 * ------------------------------------------------------------------- */

/**
 * fwd_fence() - Drop every capability, set no_new_privs, and install the
 * forwarder's syscall allowlist (kill on anything else)
 *
 * Context: the forwarder, once its sockets and log are open and before it
 * reads anything from the jail; its later children inherit the fence
 * Return: 0 or negative errno (the forwarder then dies: the jail with it)
 */
int fwd_fence(void);

/* ---------------------------------------------------------------------
 * ratelimit.c - audit events aggregated per destination per minute
 * ------------------------------------------------------------------- */

#define RATELIMIT_SLOTS 128
#define RATELIMIT_WINDOW_MS 60000

enum ratelimit_kind {
	RL_ALLOW,	/* net.allow: host, port, bytes */
	RL_INJECT,	/* secret.inject: secret name, host */
};

struct ratelimit_slot {
	bool is_used;
	unsigned int kind;		/* enum ratelimit_kind */
	uint16_t port;
	char host[POLICY_NAME_MAX + 1];	/* "" in the overflow slot */
	char what[64];			/* RL_INJECT: the secret's name */
	uint64_t since;			/* the minute's start, ms */
	unsigned long long n;		/* events held back in it */
	unsigned long long up, down;	/* their bytes */
};

struct ratelimit {
	int lock;
	struct ratelimit_slot s[RATELIMIT_SLOTS];
};

/**
 * ratelimit_take() - Count one event
 * @r:		the table
 * @kind:	enum ratelimit_kind
 * @host:	its destination; untrusted (a name from the jail), copied
 *		bounded
 * @port:	its port
 * @what:	RL_INJECT: the secret's name, else "" or NULL
 * @up:		bytes to the host
 * @down:	bytes from the host
 * @now:	monotonic ms
 *
 * Pure. A full table counts the events of new destinations together in
 * one overflow slot (host "").
 *
 * Return: true when the event is to be written now (the first of its
 * destination in the minute), false when it was counted
 */
bool ratelimit_take(struct ratelimit *r, unsigned int kind, const char *host,
		    uint16_t port, const char *what, uint64_t up,
		    uint64_t down, uint64_t now);

/**
 * ratelimit_due() - The next aggregate to write
 * @r:		the table
 * @now:	monotonic ms
 * @is_all:	every aggregate, whether its minute is over or not (at exit)
 * @out:	the aggregate; its counts are cleared in @r
 *
 * Pure. Slots whose minute is over with nothing counted are freed.
 *
 * Return: true when @out holds one (call again), false when none is due
 */
bool ratelimit_due(struct ratelimit *r, uint64_t now, bool is_all,
		   struct ratelimit_slot *out);

/* Take @r's lock (shared between processes); a holder that does not let
 * go in time (it was killed) loses it */
void ratelimit_lock(struct ratelimit *r);
void ratelimit_unlock(struct ratelimit *r);

/* ---------------------------------------------------------------------
 * secrets.c: base64, for Basic credentials and the upstream proxy
 * ------------------------------------------------------------------- */

/*
 * Base64 (RFC 4648, standard alphabet, padded) of @len bytes at @in into
 * @out (@cap bytes, no NUL added). Return: length written, or -E2BIG
 */
int base64_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/* The reverse. Return: length written, -EBADMSG (not base64) or -E2BIG */
int base64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

#endif /* FWD_H */

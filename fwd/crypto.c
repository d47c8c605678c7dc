// SPDX-License-Identifier: MIT
/*
 * crypto.c - OpenSSL's libcrypto, loaded on first use
 *
 * Every start of every jail would otherwise pay for libcrypto: linked
 * dynamically, its symbols are resolved at exec (-z now); linked
 * statically, its relocations are. Only policy-file trust (SHA-256) and
 * the CA and TLS interception need it, so it is loaded (dlopen)
 * the first time one of them runs. libssl, for the forwarder's verified
 * TLS to hosts a secret is brokered to, is loaded the same way, and so
 * are the certificate functions of the per-jail CA (crypto_ca_new()),
 * which only a jail with a secret makes (ca.c).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/ca.h"

static struct {
	__typeof__(&EVP_Digest) digest;
	__typeof__(&EVP_sha256) sha256;
	__typeof__(&EVP_sha1) sha1;
} cr;

/* Return: 0, or -ENOENT when libcrypto cannot be loaded */
static int load_crypto(void)
{
	static const char *const names[] = { "libcrypto.so.3",
					      "libcrypto.so" };
	void *h = NULL;

	if (cr.digest)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names) && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ENOENT;
	cr.sha256 = (__typeof__(cr.sha256))dlsym(h, "EVP_sha256");
	cr.sha1 = (__typeof__(cr.sha1))dlsym(h, "EVP_sha1");
	cr.digest = (__typeof__(cr.digest))dlsym(h, "EVP_Digest");
	if (!cr.digest || !cr.sha256 || !cr.sha1) {
		cr.digest = NULL;
		return -ENOENT;
	}
	return 0;
}

/* @buf's digest by the algorithm *@md names once libcrypto is loaded,
 * @out_len bytes long */
static int digest(const EVP_MD *(*const *md)(void), const void *buf,
		  size_t len, uint8_t *out, unsigned int out_len)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int d_len = 0;
	int err = load_crypto();

	if (err < 0)
		return err;
	if (!cr.digest(buf, len, d, &d_len, (*md)(), NULL) || d_len != out_len)
		return -EIO;
	memcpy(out, d, out_len);
	return 0;
}

int crypto_sha256(const void *buf, size_t len, uint8_t out[32])
{
	return digest(&cr.sha256, buf, len, out, 32);
}

int crypto_sha1(const void *buf, size_t len, uint8_t out[20])
{
	return digest(&cr.sha1, buf, len, out, 20);
}

/* ---- TLS client (libssl) -------------------------------------------- */

#define CRYPTO_READ_BUF (1 << 18)	/* read at once: up to 16 records */
/*
 * Records gathered into one write: the records of a whole read's worth
 * of answer (ICPT_DOWN_BUF, and a slice's re-chunking beyond it) with
 * every record's overhead, so that the last record of a large write does
 * not follow in a write (and a TCP segment, a wake-up of the peer) of
 * its own
 */
#define CRYPTO_WRITE_BUF ((1 << 18) + (1 << 15))
#define CRYPTO_WRITE_IDLE 4097	/* the buffer between writes: 1 page */

/* Every libssl function used: one member each, typed from its prototype */
#define SSL_FUNCS(X)                                                           \
	X(TLS_client_method)                                                   \
	X(SSL_CTX_new)                                                         \
	X(SSL_CTX_free)                                                        \
	X(SSL_CTX_ctrl)                                                        \
	X(SSL_CTX_set_default_verify_paths)                                    \
	X(SSL_CTX_set_verify)                                                  \
	X(SSL_CTX_set_alpn_protos)                                             \
	X(SSL_new)                                                             \
	X(SSL_free)                                                            \
	X(SSL_ctrl)                                                            \
	X(SSL_set_fd)                                                          \
	X(SSL_set1_host)                                                       \
	X(SSL_connect)                                                         \
	X(SSL_get_verify_result)                                               \
	X(SSL_read)                                                            \
	X(SSL_write)                                                           \
	X(SSL_pending)                                                         \
	X(SSL_has_pending)                                                     \
	X(SSL_CTX_set_default_read_buffer_len)                                 \
	X(SSL_shutdown)                                                        \
	X(SSL_get_error)                                                       \
	X(X509_verify_cert_error_string)                                       \
	X(TLS_server_method)                                                   \
	X(SSL_CTX_use_certificate)                                             \
	X(SSL_CTX_use_PrivateKey)                                              \
	X(SSL_CTX_set_alpn_select_cb)                                          \
	X(SSL_CTX_set_num_tickets)                                             \
	X(SSL_set_alpn_protos)                                                 \
	X(SSL_get0_alpn_selected)                                              \
	X(SSL_accept)                                                          \
	X(SSL_CTX_set_options)                                                 \
	X(SSL_set_read_ahead)                                                  \
	X(SSL_free_buffers)                                                    \
	X(SSL_get_rbio)                                                        \
	X(SSL_get_wbio)                                                        \
	X(SSL_set0_wbio)                                                       \
	X(BIO_f_buffer)                                                        \
	X(BIO_new)                                                             \
	X(BIO_ctrl)                                                            \
	X(BIO_int_ctrl)                                                        \
	X(BIO_push)                                                            \
	X(BIO_pop)                                                             \
	X(BIO_up_ref)                                                          \
	X(BIO_free)                                                            \
	X(BIO_test_flags)                                                      \
	X(SSL_CTX_get_cert_store)                                              \
	X(X509_STORE_get0_objects)                                             \
	X(X509_OBJECT_get0_X509)                                               \
	X(X509_get_extension_flags)                                            \
	X(OPENSSL_sk_num)                                                      \
	X(OPENSSL_sk_value)                                                    \
	X(OPENSSL_sk_sort)                                                     \
	X(SSL_set_bio)                                                         \
	X(SSL_set_verify)                                                      \
	X(SSL_do_handshake)                                                    \
	X(SSL_set_connect_state)                                               \
	X(SSL_set_accept_state)                                                \
	X(BIO_new_bio_pair)                                                    \
	X(BIO_get_new_index)                                                   \
	X(BIO_meth_new)                                                        \
	X(BIO_meth_set_read)                                                   \
	X(BIO_meth_set_ctrl)                                                   \
	X(BIO_set_data)                                                        \
	X(BIO_get_data)                                                        \
	X(BIO_set_init)                                                        \
	X(BIO_set_flags)                                                       \
	X(BIO_clear_flags)                                                     \
	X(SSL_set0_rbio)                                                       \
	X(SSL_set_default_read_buffer_len)

/* NOLINTNEXTLINE(bugprone-macro-parentheses): @f names a member */
#define SSL_MEMBER(f) __typeof__(&f) f;
static struct {
	SSL_FUNCS(SSL_MEMBER)
} ssl_fn;
#undef SSL_MEMBER

struct crypto_tls {
	SSL_CTX *ctx;	/* NULL: shared (client_ctx, or a leaf's) */
	SSL *ssl;
	BIO *wbuf;	/* records gathered before the socket, or NULL */
	bool is_gathered;	/* writes go through @wbuf (made when needed) */
	unsigned int ktls;	/* CRYPTO_KTLS_TX, CRYPTO_KTLS_RX */
	int fd;
	bool is_starved;	/* the last read wanted more from the socket */
	/* Records read from the socket, not yet taken by libssl (the
	 * reading side in user space, after the handshake: in_read()) */
	uint8_t *in;		/* CRYPTO_READ_BUF bytes, or NULL */
	size_t in_off, in_len;
	bool is_eof;		/* the socket said end of stream */
};

/*
 * Can the kernel take TLS over (the "tls" upper layer protocol)? It
 * answers an unconnected socket with ENOTCONN when it can, ENOENT when
 * it has no such protocol. Asked once, in the forwarder, before the
 * interception processes are forked.
 */
static int ktls_state;	/* 0: not asked yet, 1: there, -1: not */

static bool kernel_has_ktls(void)
{
	int fd;

	if (ktls_state)
		return ktls_state > 0;
	ktls_state = -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", 3) < 0 &&
	    errno == ENOTCONN)
		ktls_state = 1;
	close(fd);
	return ktls_state > 0;
}

/* Return: 0, or -ENOENT when libssl (or one of its functions) is missing */
int crypto_load_ssl(void)
{
	static const char *const names[] = { "libssl.so.3", "libssl.so" };
	static bool is_loaded;
	void *h = NULL;
	bool is_missing = false;

	if (is_loaded)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names) && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ENOENT;
#define SSL_LOAD(f)                                                            \
	ssl_fn.f = (__typeof__(ssl_fn.f))dlsym(h, #f);                         \
	is_missing |= !ssl_fn.f;
	SSL_FUNCS(SSL_LOAD)
#undef SSL_LOAD
	if (is_missing)
		return -ENOENT;
	is_loaded = true;
	return 0;
}

void crypto_tls_free(struct crypto_tls *t)
{
	if (!t)
		return;
	if (t->ssl) {
		ssl_fn.SSL_shutdown(t->ssl);
		ssl_fn.SSL_free(t->ssl);
	}
	if (t->ctx)
		ssl_fn.SSL_CTX_free(t->ctx);
	if (t->in)
		munmap(t->in, CRYPTO_READ_BUF);
	free(t);
}

/*
 * A write cut short by a full socket is retried from where it was; reads
 * take every record the socket holds at once (read-ahead during the
 * handshake, in_read() after it), so that a stream costs one read(2) per
 * many records, not two per record
 */
static void set_modes(SSL_CTX *ctx)
{
	ssl_fn.SSL_CTX_ctrl(ctx, SSL_CTRL_MODE,
			    SSL_MODE_ENABLE_PARTIAL_WRITE |
				    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				    SSL_MODE_RELEASE_BUFFERS,
			    NULL);
	ssl_fn.SSL_CTX_set_default_read_buffer_len(ctx, CRYPTO_READ_BUF);
	/*
	 * Kernel TLS, always asked for: libssl hands the keys to the socket
	 * after the handshake and reads and writes plaintext on it; where
	 * the kernel or the cipher cannot (setsockopt() refused), libssl
	 * goes on in user space (tls_after_handshake() tells which).
	 * Records read ahead during the handshake would keep the kernel
	 * from taking the reading side, so where the kernel has TLS
	 * read-ahead waits for the handshake's end.
	 */
	ssl_fn.SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
	if (!kernel_has_ktls())
		ssl_fn.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_READ_AHEAD, 1, NULL);
}

/*
 * The reading side of a session in user space, after its handshake: a
 * source of records for libssl in front of the socket. One read(2)
 * takes what the socket holds (up to CRYPTO_READ_BUF, many records);
 * libssl, reading without read-ahead, takes a record's header and then
 * its body from there, each copied once into its own record buffer.
 * libssl's read-ahead would read as much, but moves its buffer's rest to
 * the front before every record it takes (SSL3_ALIGN_PAYLOAD): half the
 * buffer moved per record, eight times the stream.
 */
static BIO_METHOD *in_method;

/* libssl's BIO_read() of @len bytes: from what was read, else the socket */
static int in_read(BIO *b, char *out, int len)
{
	struct crypto_tls *t = ssl_fn.BIO_get_data(b);
	size_t k;

	ssl_fn.BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
	if (len <= 0)
		return 0;
	if (!t->in_len) {
		ssize_t n;

		do {
			n = read(t->fd, t->in, CRYPTO_READ_BUF);
		} while (n < 0 && errno == EINTR);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			ssl_fn.BIO_set_flags(b, BIO_FLAGS_READ |
							BIO_FLAGS_SHOULD_RETRY);
		if (n <= 0) {
			t->is_eof = n == 0;
			return n < 0 ? -1 : 0;
		}
		t->in_off = 0;
		t->in_len = (size_t)n;
	}
	k = t->in_len < (size_t)len ? t->in_len : (size_t)len;
	memcpy(out, t->in + t->in_off, k);
	t->in_off += k;
	t->in_len -= k;
	return (int)k;
}

/* As the socket's: what libssl asks of a reading BIO */
static long in_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct crypto_tls *t = ssl_fn.BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_EOF:
		return t->is_eof;
	case BIO_CTRL_PENDING:
		return (long)t->in_len;
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

/*
 * @t's socket read through in_read() from now on, read-ahead off, and
 * libssl's record buffer one record long, kept between records (freed
 * when idle: crypto_tls_release()). Return: 0, or -EIO
 */
static int tls_read_records(struct crypto_tls *t)
{
	BIO *b;
	void *in;

	if (!in_method) {
		int type = ssl_fn.BIO_get_new_index();

		in_method = type < 0 ? NULL :
			    ssl_fn.BIO_meth_new(type | BIO_TYPE_SOURCE_SINK,
						"jail records");
		if (!in_method ||
		    !ssl_fn.BIO_meth_set_read(in_method, in_read) ||
		    !ssl_fn.BIO_meth_set_ctrl(in_method, in_ctrl))
			return -EIO;
	}
	in = mmap(NULL, CRYPTO_READ_BUF, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (in == MAP_FAILED)
		return -EIO;
	b = ssl_fn.BIO_new(in_method);
	if (!b) {
		munmap(in, CRYPTO_READ_BUF);
		return -EIO;
	}
	t->in = in;
	ssl_fn.BIO_set_data(b, t);
	ssl_fn.BIO_set_init(b, 1);
	/* What the handshake read ahead stays in libssl's buffer, taken
	 * first; the socket BIO lives on in the writing chain */
	ssl_fn.SSL_set0_rbio(t->ssl, b);
	ssl_fn.SSL_set_read_ahead(t->ssl, 0);
	ssl_fn.SSL_set_default_read_buffer_len(t->ssl, 0);
	ssl_fn.SSL_ctrl(t->ssl, SSL_CTRL_CLEAR_MODE, SSL_MODE_RELEASE_BUFFERS,
			NULL);
	(void)ssl_fn.SSL_free_buffers(t->ssl);
	return 0;
}

/*
 * After the handshake: which directions the kernel took over; reading
 * in user space reads records through in_read(), writing in user space
 * gathers the records of one crypto_tls_write() into few write(2)s (a
 * buffer BIO before the socket: fewer wake-ups of the peer than a write
 * per 16 KiB record).
 * The buffer is CRYPTO_WRITE_BUF only while a large write lasts, a page
 * between writes, none when idle (tls_wbuf_detach()).
 */

/* @t's write buffer before its socket, unless it has one or the kernel
 * writes. Return: 0, or -EIO */
static int tls_wbuf_attach(struct crypto_tls *t)
{
	BIO *w = ssl_fn.SSL_get_wbio(t->ssl);
	BIO *b;

	if (t->wbuf || !t->is_gathered)
		return 0;
	b = ssl_fn.BIO_new(ssl_fn.BIO_f_buffer());
	if (!b)
		return -EIO;
	/* The output side's size alone (the input side stays unused) */
	if (ssl_fn.BIO_int_ctrl(b, BIO_C_SET_BUFF_SIZE, CRYPTO_WRITE_IDLE,
				1) != 1 ||
	    ssl_fn.BIO_up_ref(w) != 1) {
		ssl_fn.BIO_free(b);
		return -EIO;
	}
	/* The socket BIO is now the chain's (and the reading side's until
	 * tls_read_records()) */
	ssl_fn.SSL_set0_wbio(t->ssl, ssl_fn.BIO_push(b, w));
	t->wbuf = b;
	return 0;
}

/*
 * An idle session's write buffer freed (both its sides: some 8 KiB), the
 * socket BIO written directly until the next crypto_tls_write() makes it
 * anew; only when it holds nothing
 */
static void tls_wbuf_detach(struct crypto_tls *t)
{
	BIO *w;

	if (!t->wbuf || ssl_fn.BIO_ctrl(t->wbuf, BIO_CTRL_WPENDING, 0, NULL))
		return;
	w = ssl_fn.BIO_pop(t->wbuf);
	if (!w)
		return;
	/* The chain's reference to the socket BIO is the session's now;
	 * the buffer, alone, is freed with the session's old one */
	ssl_fn.SSL_set0_wbio(t->ssl, w);
	t->wbuf = NULL;
}

/* Return: 0, or -EIO */
static int tls_after_handshake(struct crypto_tls *t)
{
	BIO *w = ssl_fn.SSL_get_wbio(t->ssl);
	BIO *r = ssl_fn.SSL_get_rbio(t->ssl);

	if (ssl_fn.BIO_ctrl(w, BIO_CTRL_GET_KTLS_SEND, 0, NULL))
		t->ktls |= CRYPTO_KTLS_TX;
	if (ssl_fn.BIO_ctrl(r, BIO_CTRL_GET_KTLS_RECV, 0, NULL))
		t->ktls |= CRYPTO_KTLS_RX;
	t->is_gathered = !(t->ktls & CRYPTO_KTLS_TX);
	if (tls_wbuf_attach(t) < 0)
		return -EIO;
	return t->ktls & CRYPTO_KTLS_RX ? 0 : tls_read_records(t);
}

unsigned int crypto_tls_ktls(const struct crypto_tls *t)
{
	return t->ktls;
}

/* The context: the host's trust store, TLS 1.2 or later, http/1.1 only */
static SSL_CTX *make_ctx(void)
{
	static const unsigned char alpn[] = "\x08http/1.1";
	SSL_CTX *ctx = ssl_fn.SSL_CTX_new(ssl_fn.TLS_client_method());

	if (!ctx)
		return NULL;
	if (ssl_fn.SSL_CTX_set_default_verify_paths(ctx) != 1 ||
	    ssl_fn.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION,
				TLS1_2_VERSION, NULL) != 1 ||
	    /* 0 is success here, unlike everywhere else */
	    ssl_fn.SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1)) {
		ssl_fn.SSL_CTX_free(ctx);
		return NULL;
	}
	ssl_fn.SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	set_modes(ctx);
	return ctx;
}

/*
 * The client context, made once: loading the trust store (the whole
 * system bundle) is most of a connection's setup. Made before a fork,
 * it serves every process forked afterwards.
 */
static SSL_CTX *client_ctx;

/*
 * What libssl would work out in each interception process the first
 * time it looks for an issuer in the trust store, worked out once here:
 * the store's list sorted, each certificate's extensions decoded.
 * Written in every forked process, these would copy most of the store's
 * pages (some 600 KiB) into each of them.
 */
static void warm_store(SSL_CTX *ctx)
{
	X509_STORE *st = ssl_fn.SSL_CTX_get_cert_store(ctx);
	STACK_OF(X509_OBJECT) *objs = st ? ssl_fn.X509_STORE_get0_objects(st) :
					   NULL;
	const OPENSSL_STACK *sk = (const OPENSSL_STACK *)objs;
	int n = sk ? ssl_fn.OPENSSL_sk_num(sk) : 0;

	if (!sk)
		return;
	ssl_fn.OPENSSL_sk_sort((OPENSSL_STACK *)objs);
	for (int i = 0; i < n; i++) {
		const X509_OBJECT *o = ssl_fn.OPENSSL_sk_value(sk, i);
		X509 *x = ssl_fn.X509_OBJECT_get0_X509(o);

		if (x)
			(void)ssl_fn.X509_get_extension_flags(x);
	}
}

int crypto_tls_client_init(void)
{
	int err = crypto_load_ssl();

	if (err < 0)
		return err;
	if (!client_ctx) {
		client_ctx = make_ctx();
		if (client_ctx)
			warm_store(client_ctx);
	}
	return client_ctx ? 0 : -EIO;
}

int crypto_tls_connect(int fd, const char *host, struct crypto_tls **out,
		       char *why, size_t why_len)
{
	return crypto_tls_connect_alpn(fd, host, false, out, why, why_len);
}

int crypto_tls_connect_alpn(int fd, const char *host, bool is_h2,
			    struct crypto_tls **out, char *why, size_t why_len)
{
	static const unsigned char both[] = "\x02h2\x08http/1.1";
	struct crypto_tls *t;
	long v;
	int err = crypto_tls_client_init();

	*out = NULL;
	snprintf(why, why_len, "TLS setup failed");
	if (err == -ENOENT) {
		snprintf(why, why_len, "libssl not found");
		return err;
	}
	if (err < 0)
		return err;
	t = xcalloc(1, sizeof(*t));
	t->ssl = ssl_fn.SSL_new(client_ctx);
	if (!t->ssl || ssl_fn.SSL_set_fd(t->ssl, fd) != 1 ||
	    ssl_fn.SSL_ctrl(t->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
			    TLSEXT_NAMETYPE_host_name, (void *)host) != 1 ||
	    ssl_fn.SSL_set1_host(t->ssl, host) != 1 ||
	    /* 0 is success here too */
	    (is_h2 && ssl_fn.SSL_set_alpn_protos(t->ssl, both,
						 sizeof(both) - 1))) {
		crypto_tls_free(t);
		return -EIO;
	}
	if (ssl_fn.SSL_connect(t->ssl) != 1) {
		v = ssl_fn.SSL_get_verify_result(t->ssl);
		snprintf(why, why_len, "%s",
			 v != X509_V_OK ?
				 ssl_fn.X509_verify_cert_error_string(v) :
				 "TLS handshake failed");
		crypto_tls_free(t);
		return -EPROTO;
	}
	/* From now on a read that finds no application data (only a TLS 1.3
	 * session ticket, say) returns instead of waiting for more */
	t->fd = fd;
	if (tls_after_handshake(t) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		crypto_tls_free(t);
		return -errno;
	}
	*out = t;
	return 0;
}

/* Wait until @t's socket can do what OpenSSL asked for. Return: 0/-EIO */
static int tls_wait(struct crypto_tls *t, int n)
{
	int e = ssl_fn.SSL_get_error(t->ssl, n);
	struct pollfd pf = { .fd = t->fd };

	if (e == SSL_ERROR_WANT_READ)
		pf.events = POLLIN;
	else if (e == SSL_ERROR_WANT_WRITE)
		pf.events = POLLOUT;
	else
		return -EIO;
	/* A peer that takes no bytes for a minute is gone */
	return poll(&pf, 1, 60000) == 1 ? 0 : -EIO;
}

ssize_t crypto_tls_read(struct crypto_tls *t, void *buf, size_t len)
{
	int n = ssl_fn.SSL_read(t->ssl, buf, len > INT32_MAX ? INT32_MAX :
							     (int)len);
	int e;

	t->is_starved = false;
	if (n > 0)
		return n;
	e = ssl_fn.SSL_get_error(t->ssl, n);
	t->is_starved = e == SSL_ERROR_WANT_READ;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	/* A peer that closes without close_notify ends the stream too: the
	 * response's own framing (or Connection: close) says if it was cut */
	return e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ? 0 : -EIO;
}

bool crypto_tls_is_h2(struct crypto_tls *t)
{
	const unsigned char *p = NULL;
	unsigned int len = 0;

	ssl_fn.SSL_get0_alpn_selected(t->ssl, &p, &len);
	return len == 2 && !memcmp(p, "h2", 2);
}

void crypto_tls_close_notify(struct crypto_tls *t)
{
	/* Non-blocking: sent if the socket takes it, else nothing */
	ssl_fn.SSL_shutdown(t->ssl);
}

size_t crypto_tls_pending(struct crypto_tls *t)
{
	int n = ssl_fn.SSL_pending(t->ssl);

	/*
	 * Records read from the socket but not yet decrypted (in_read()'s,
	 * or read ahead) are pending too: poll() would not see them. Not so
	 * the start of a record the last read could not finish: only the socket
	 * can complete it, and reading again before poll() says so would
	 * spin on EAGAIN (a read per microsecond while the rest is on its
	 * way, the CPU the client and server need)
	 */
	if (n <= 0 && !t->is_starved &&
	    (t->in_len || ssl_fn.SSL_has_pending(t->ssl)))
		return 1;
	return n > 0 ? (size_t)n : 0;
}

void crypto_tls_release(struct crypto_tls *t)
{
	if (!t)
		return;
	/* Nothing given back that still holds bytes (libssl checks its own) */
	(void)ssl_fn.SSL_free_buffers(t->ssl);
	if (t->in && !t->in_len)
		(void)madvise(t->in, CRYPTO_READ_BUF, MADV_DONTNEED);
	tls_wbuf_detach(t);
}

/* What the write buffer holds, to the socket. Return: 0/-EIO */
static int tls_flush(struct crypto_tls *t)
{
	while (t->wbuf && ssl_fn.BIO_ctrl(t->wbuf, BIO_CTRL_FLUSH, 0,
					  NULL) <= 0) {
		struct pollfd pf = { .fd = t->fd, .events = POLLOUT };

		if (!ssl_fn.BIO_test_flags(t->wbuf, BIO_FLAGS_SHOULD_RETRY) ||
		    poll(&pf, 1, 60000) != 1)
			return -EIO;
	}
	return 0;
}

/* The write buffer's size (@n bytes), once it is empty. Return: 0/-EIO */
static int tls_wbuf_size(struct crypto_tls *t, int n)
{
	if (tls_flush(t) < 0)
		return -EIO;
	return ssl_fn.BIO_int_ctrl(t->wbuf, BIO_C_SET_BUFF_SIZE, n, 1) == 1 ?
		       0 : -EIO;
}

int crypto_tls_write(struct crypto_tls *t, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	bool is_large = t->is_gathered && len > SSL3_RT_MAX_PLAIN_LENGTH;

	if (tls_wbuf_attach(t) < 0 ||
	    (is_large && tls_wbuf_size(t, CRYPTO_WRITE_BUF) < 0))
		return -EIO;
	while (len) {
		int chunk = len > (1 << 20) ? (1 << 20) : (int)len;
		int n = ssl_fn.SSL_write(t->ssl, p, chunk);

		if (n <= 0) {
			if (tls_wait(t, n) < 0)
				return -EIO;
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	if (is_large)
		return tls_wbuf_size(t, CRYPTO_WRITE_IDLE);
	return tls_flush(t);
}

struct crypto_leaf {
	SSL_CTX *ctx;
};

/*
 * ALPN towards the jail. A handshake runs on its connection's thread,
 * so the hook that decides on h2 is the thread's
 * (crypto_tls_accept_alpn()).
 */
static __thread crypto_alpn_hook alpn_hook;
static __thread void *alpn_arg;

/* Is the protocol @name (@len bytes) in the ALPN list @in? */
static const unsigned char *alpn_find(const unsigned char *in,
				      unsigned int in_len, const char *name,
				      unsigned int len)
{
	for (unsigned int i = 0; i < in_len;) {
		unsigned int l = in[i];

		if (i + 1 + l > in_len)
			break;
		if (l == len && !memcmp(in + i + 1, name, l))
			return in + i + 1;
		i += 1 + l;
	}
	return NULL;
}

/*
 * http/1.1 when the client offers it, else none (the client then speaks
 * HTTP/1.1 anyway); h2 only when the hook (which dials the server,
 * offering h2 because the client does) says the server chose it too:
 * the protocol is mirrored, never translated
 */
static int alpn_select(SSL *ssl, const unsigned char **out,
		       unsigned char *out_len, const unsigned char *in,
		       unsigned int in_len, void *arg)
{
	const unsigned char *h2 = alpn_find(in, in_len, "h2", 2);
	const unsigned char *h1 = alpn_find(in, in_len, "http/1.1", 8);

	(void)ssl;
	(void)arg;
	if (alpn_hook && alpn_hook(alpn_arg, h2 != NULL) && h2) {
		*out = h2;
		*out_len = 2;
		return SSL_TLSEXT_ERR_OK;
	}
	if (!h1)
		return SSL_TLSEXT_ERR_NOACK;
	*out = h1;
	*out_len = 8;
	return SSL_TLSEXT_ERR_OK;
}

/*
 * One handshake, in memory, between the client context and the leaf's
 * @server, in the forwarder before it forks for the leaf's host: what a
 * first handshake makes libssl and libcrypto fetch and cache (the
 * algorithms and their lookups, the random generators, the leaf's key
 * prepared for signing) is made here once and inherited, instead of
 * being written into the forwarder's pages, and so copied, by every
 * interception process. The leaf is not in the trust store: its
 * verification fails and is not asked for; the chain is still looked
 * up, as an upstream one is.
 */
static void warm_handshake(SSL_CTX *server)
{
	SSL *c = ssl_fn.SSL_new(client_ctx);
	SSL *s = ssl_fn.SSL_new(server);
	BIO *bc = NULL, *bs = NULL;
	char byte = 0;
	int done = 0;

	if (c && s && ssl_fn.BIO_new_bio_pair(&bc, 0, &bs, 0) == 1) {
		ssl_fn.SSL_set_bio(c, bc, bc);
		ssl_fn.SSL_set_bio(s, bs, bs);
		ssl_fn.SSL_set_verify(c, SSL_VERIFY_NONE, NULL);
		ssl_fn.SSL_set_connect_state(c);
		ssl_fn.SSL_set_accept_state(s);
		/* Each step answers the other's last flight: a few do */
		for (int i = 0; i < 8 && done != 3; i++) {
			done |= ssl_fn.SSL_do_handshake(c) == 1;
			done |= (ssl_fn.SSL_do_handshake(s) == 1) << 1;
		}
		/* A record each way: the tickets taken, the ciphers used */
		if (done == 3 && ssl_fn.SSL_write(c, "", 1) == 1 &&
		    ssl_fn.SSL_read(s, &byte, 1) == 1 &&
		    ssl_fn.SSL_write(s, &byte, 1) == 1)
			(void)ssl_fn.SSL_read(c, &byte, 1);
	}
	if (c)
		ssl_fn.SSL_free(c);
	if (s)
		ssl_fn.SSL_free(s);
}

int crypto_leaf_new(struct crypto_ca *ca, const char *name,
		    struct crypto_leaf **out)
{
	struct crypto_leaf *l;
	EVP_PKEY *key;
	X509 *cert;
	int err = ca_leaf_cert(ca, name, &cert, &key);

	*out = NULL;
	if (err < 0)
		return err;
	l = xcalloc(1, sizeof(*l));
	l->ctx = ssl_fn.SSL_CTX_new(ssl_fn.TLS_server_method());
	if (!l->ctx || ssl_fn.SSL_CTX_use_certificate(l->ctx, cert) != 1 ||
	    ssl_fn.SSL_CTX_use_PrivateKey(l->ctx, key) != 1 ||
	    ssl_fn.SSL_CTX_ctrl(l->ctx, SSL_CTRL_SET_MIN_PROTO_VERSION,
				TLS1_2_VERSION, NULL) != 1) {
		ca_cert_free(cert);
		if (l->ctx)
			ssl_fn.SSL_CTX_free(l->ctx);
		free(l);
		return -EIO;
	}
	/* The context holds its own reference now */
	ca_cert_free(cert);
	ssl_fn.SSL_CTX_set_alpn_select_cb(l->ctx, alpn_select, NULL);
	set_modes(l->ctx);
	/*
	 * No resumption towards the jail: no session cached, and no TLS 1.3
	 * ticket made (two a handshake by default, each a copy of the
	 * session encrypted, whose blocks freed among the connection's
	 * lasting ones leave holes in the heap of an idle connection)
	 */
	ssl_fn.SSL_CTX_ctrl(l->ctx, SSL_CTRL_SET_SESS_CACHE_MODE,
			    SSL_SESS_CACHE_OFF, NULL);
	(void)ssl_fn.SSL_CTX_set_num_tickets(l->ctx, 0);
	if (crypto_tls_client_init() == 0)
		warm_handshake(l->ctx);
	*out = l;
	return 0;
}

int crypto_tls_accept(int fd, const struct crypto_leaf *leaf,
		      struct crypto_tls **out, char *why, size_t why_len)
{
	return crypto_tls_accept_alpn(fd, leaf, NULL, NULL, out, why,
				      why_len);
}

int crypto_tls_accept_alpn(int fd, const struct crypto_leaf *leaf,
			   crypto_alpn_hook hook, void *arg,
			   struct crypto_tls **out, char *why, size_t why_len)
{
	struct crypto_tls *t;

	*out = NULL;
	snprintf(why, why_len, "TLS handshake with the client failed");
	t = xcalloc(1, sizeof(*t));
	t->ssl = ssl_fn.SSL_new(leaf->ctx);
	if (!t->ssl || ssl_fn.SSL_set_fd(t->ssl, fd) != 1) {
		crypto_tls_free(t);
		return -EIO;
	}
	alpn_hook = hook;
	alpn_arg = arg;
	if (ssl_fn.SSL_accept(t->ssl) != 1) {
		crypto_tls_free(t);
		return -EPROTO;
	}
	t->fd = fd;
	if (tls_after_handshake(t) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		crypto_tls_free(t);
		return -EIO;
	}
	*out = t;
	return 0;
}

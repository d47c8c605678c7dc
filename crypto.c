// SPDX-License-Identifier: MIT
/*
 * crypto.c - OpenSSL's libcrypto, loaded on first use
 *
 * Every start of every jail would otherwise pay for libcrypto: linked
 * dynamically, its symbols are resolved at exec (-z now); linked
 * statically, its relocations are. Only policy-file trust (SHA-256) and
 * upstream proxy credentials (base64) need it, so it is loaded (dlopen)
 * the first time one of them runs. libssl, for the forwarder's verified
 * TLS to hosts a secret is brokered to, is loaded the same way.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "jail.h"

static struct {
	__typeof__(&EVP_Digest) digest;
	__typeof__(&EVP_sha256) sha256;
	__typeof__(&EVP_EncodeBlock) encode_block;
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
	cr.encode_block = (__typeof__(cr.encode_block))dlsym(h, "EVP_EncodeBlock");
	cr.digest = (__typeof__(cr.digest))dlsym(h, "EVP_Digest");
	if (!cr.digest || !cr.sha256 || !cr.encode_block) {
		cr.digest = NULL;
		return -ENOENT;
	}
	return 0;
}

int crypto_sha256(const void *buf, size_t len, uint8_t out[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	int err = load_crypto();

	if (err < 0)
		return err;
	if (!cr.digest(buf, len, md, &md_len, cr.sha256(), NULL) ||
	    md_len != 32)
		return -EIO;
	memcpy(out, md, 32);
	return 0;
}

int crypto_base64(const void *in, size_t len, char *out, size_t out_len)
{
	int err = load_crypto();

	if (err < 0)
		return err;
	/* 4 bytes out for every 3 in, and the NUL EVP_EncodeBlock adds */
	if (len > (size_t)INT32_MAX / 2 || out_len < 4 * ((len + 2) / 3) + 1)
		return -E2BIG;
	return cr.encode_block((unsigned char *)out, (const unsigned char *)in,
			       (int)len);
}

/* ---- TLS client (libssl) -------------------------------------------- */

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
	X(SSL_shutdown)                                                        \
	X(SSL_get_error)                                                       \
	X(X509_verify_cert_error_string)

/* NOLINTNEXTLINE(bugprone-macro-parentheses): @f names a member */
#define SSL_MEMBER(f) __typeof__(&f) f;
static struct {
	SSL_FUNCS(SSL_MEMBER)
} ssl_fn;
#undef SSL_MEMBER

struct crypto_tls {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
};

/* Return: 0, or -ENOENT when libssl (or one of its functions) is missing */
static int load_ssl(void)
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
	free(t);
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
	/* A write cut short by a full socket is retried from where it was */
	ssl_fn.SSL_CTX_ctrl(ctx, SSL_CTRL_MODE,
			    SSL_MODE_ENABLE_PARTIAL_WRITE |
				    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
			    NULL);
	return ctx;
}

int crypto_tls_connect(int fd, const char *host, struct crypto_tls **out,
		       char *why, size_t why_len)
{
	struct crypto_tls *t;
	long v;
	int err = load_ssl();

	*out = NULL;
	snprintf(why, why_len, "TLS setup failed");
	if (err < 0) {
		snprintf(why, why_len, "libssl not found");
		return err;
	}
	t = xcalloc(1, sizeof(*t));
	t->ctx = make_ctx();
	t->ssl = t->ctx ? ssl_fn.SSL_new(t->ctx) : NULL;
	if (!t->ssl || ssl_fn.SSL_set_fd(t->ssl, fd) != 1 ||
	    ssl_fn.SSL_ctrl(t->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
			    TLSEXT_NAMETYPE_host_name, (void *)host) != 1 ||
	    ssl_fn.SSL_set1_host(t->ssl, host) != 1) {
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
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
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

	if (n > 0)
		return n;
	e = ssl_fn.SSL_get_error(t->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	/* A peer that closes without close_notify ends the stream too: the
	 * response's own framing (or Connection: close) says if it was cut */
	return e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ? 0 : -EIO;
}

size_t crypto_tls_pending(struct crypto_tls *t)
{
	int n = ssl_fn.SSL_pending(t->ssl);

	return n > 0 ? (size_t)n : 0;
}

int crypto_tls_write(struct crypto_tls *t, const void *buf, size_t len)
{
	const uint8_t *p = buf;

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
	return 0;
}

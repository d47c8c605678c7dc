// SPDX-License-Identifier: MIT
/*
 * ca.c - the per-jail CA and its leaf certificates, made with
 * libcrypto's certificate functions, loaded on first use like the rest
 * of OpenSSL (crypto.c): only a jail with a secret or a held push makes
 * a CA
 *
 * The CA is made in the supervisor once the jail is cloned (the jail
 * never had its key); it may vouch only for the names it is made for
 * (name constraints). Each leaf, one per host name, shares one P-256
 * key made with the first.
 */
#include <dlfcn.h>
#include <sys/random.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/ca.h"

/* Every libcrypto function the CA uses, loaded like SSL_FUNCS */
#define X509_FUNCS(X)                                                          \
	X(EVP_PKEY_Q_keygen)                                                   \
	X(EVP_PKEY_free)                                                       \
	X(EVP_sha256)                                                          \
	X(X509_new)                                                            \
	X(X509_free)                                                           \
	X(X509_set_version)                                                    \
	X(X509_get_serialNumber)                                               \
	X(ASN1_INTEGER_set_uint64)                                             \
	X(X509_getm_notBefore)                                                 \
	X(X509_getm_notAfter)                                                  \
	X(X509_gmtime_adj)                                                     \
	X(X509_set_pubkey)                                                     \
	X(X509_get_subject_name)                                               \
	X(X509_NAME_add_entry_by_txt)                                          \
	X(X509_set_issuer_name)                                                \
	X(X509V3_set_ctx)                                                      \
	X(X509V3_EXT_conf_nid)                                                 \
	X(X509_add_ext)                                                        \
	X(X509_EXTENSION_free)                                                 \
	X(X509_sign)                                                           \
	X(BIO_new)                                                             \
	X(BIO_s_mem)                                                           \
	X(BIO_free)                                                            \
	X(BIO_ctrl)                                                            \
	X(PEM_write_bio_X509)

/* NOLINTNEXTLINE(bugprone-macro-parentheses): @f names a member */
#define X509_MEMBER(f) __typeof__(&f) f;
static struct {
	X509_FUNCS(X509_MEMBER)
} x5;
#undef X509_MEMBER

/* The CA's key never leaves this process and the ones forked from it */
struct crypto_ca {
	EVP_PKEY *key;
	X509 *cert;
	EVP_PKEY *leaf_key;	/* one key for every leaf, made with the first */
};

#define CA_DAYS 30	/* longer than any jail runs; the CA dies with it */

/* Return: 0, or -ENOENT when libcrypto or libssl is missing */
static int load_x509(void)
{
	static bool is_loaded;
	void *h = NULL;
	bool is_missing = false;
	int err = crypto_load_ssl();

	if (is_loaded || err < 0)
		return err;
	/* Already loaded by libssl: this only takes another reference */
	h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libcrypto.so", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ENOENT;
#define X509_LOAD(f)                                                           \
	x5.f = (__typeof__(x5.f))dlsym(h, #f);                                 \
	is_missing |= !x5.f;
	X509_FUNCS(X509_LOAD)
#undef X509_LOAD
	if (is_missing)
		return -ENOENT;
	is_loaded = true;
	return 0;
}

static EVP_PKEY *new_p256(void)
{
	return x5.EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* One X509v3 extension of @cert. Return: 0 or -EIO */
static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	memset(&ctx, 0, sizeof(ctx));
	x5.X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = x5.X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -EIO;
	ok = x5.X509_add_ext(cert, ext, -1);
	x5.X509_EXTENSION_free(ext);
	return ok ? 0 : -EIO;
}

/*
 * A certificate for @key named @cn, valid from an hour ago (clocks
 * disagree) for CA_DAYS, with a random serial; signed later.
 * Return: the certificate, or NULL
 */
static X509 *new_cert(EVP_PKEY *key, const char *cn)
{
	X509 *cert = x5.X509_new();
	uint64_t serial;

	if (!cert)
		return NULL;
	if (getrandom(&serial, sizeof(serial), 0) != sizeof(serial) ||
	    !x5.X509_set_version(cert, 2) ||
	    !x5.ASN1_INTEGER_set_uint64(x5.X509_get_serialNumber(cert),
					serial >> 1) ||
	    !x5.X509_gmtime_adj(x5.X509_getm_notBefore(cert), -3600) ||
	    !x5.X509_gmtime_adj(x5.X509_getm_notAfter(cert),
				(long)CA_DAYS * 86400) ||
	    !x5.X509_set_pubkey(cert, key) ||
	    !x5.X509_NAME_add_entry_by_txt(x5.X509_get_subject_name(cert),
					   "CN", MBSTRING_ASC,
					   (const unsigned char *)cn, -1, -1,
					   0)) {
		x5.X509_free(cert);
		return NULL;
	}
	return cert;
}

void crypto_ca_free(struct crypto_ca *ca)
{
	if (!ca)
		return;
	/* EVP_PKEY_free() clears the private key before freeing it */
	if (ca->key)
		x5.EVP_PKEY_free(ca->key);
	if (ca->leaf_key)
		x5.EVP_PKEY_free(ca->leaf_key);
	if (ca->cert)
		x5.X509_free(ca->cert);
	free(ca);
}

/* "permitted;DNS:a,permitted;DNS:b": the names the CA may vouch for */
static char *name_constraints(const char *const *names, size_t n)
{
	size_t len = 16, w;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(names[i]) + 16;
	s = xmalloc(len);
	w = (size_t)snprintf(s, len, "critical");
	for (size_t i = 0; i < n && w < len; i++)
		w += (size_t)snprintf(s + w, len - w, ",permitted;DNS:%s",
				      names[i]);
	return s;
}

/* The CA certificate as PEM, NUL-terminated; caller frees */
static char *cert_pem(X509 *cert)
{
	BIO *bio = x5.BIO_new(x5.BIO_s_mem());
	char *data = NULL, *pem = NULL;
	long len;

	if (!bio)
		return NULL;
	if (x5.PEM_write_bio_X509(bio, cert)) {
		len = x5.BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
		if (len > 0 && data) {
			pem = xmalloc((size_t)len + 1);
			memcpy(pem, data, (size_t)len);
			pem[len] = '\0';
		}
	}
	x5.BIO_free(bio);
	return pem;
}

int crypto_ca_new(const char *const *names, size_t n, const char *cn,
		  struct crypto_ca **out, char **pem)
{
	struct crypto_ca *ca;
	autofree char *nc = NULL;
	int err = load_x509();

	*out = NULL;
	*pem = NULL;
	if (err < 0)
		return err;
	ca = xcalloc(1, sizeof(*ca));
	ca->key = new_p256();
	ca->cert = ca->key ? new_cert(ca->key, cn) : NULL;
	nc = name_constraints(names, n);
	if (!ca->cert ||
	    !x5.X509_set_issuer_name(ca->cert,
				     x5.X509_get_subject_name(ca->cert)) ||
	    add_ext(ca->cert, ca->cert, NID_basic_constraints,
		    "critical,CA:TRUE,pathlen:0") < 0 ||
	    add_ext(ca->cert, ca->cert, NID_key_usage,
		    "critical,keyCertSign,cRLSign") < 0 ||
	    add_ext(ca->cert, ca->cert, NID_subject_key_identifier, "hash") <
		    0 ||
	    (n && add_ext(ca->cert, ca->cert, NID_name_constraints, nc) < 0) ||
	    !x5.X509_sign(ca->cert, ca->key, x5.EVP_sha256())) {
		crypto_ca_free(ca);
		return -EIO;
	}
	*pem = cert_pem(ca->cert);
	if (!*pem) {
		crypto_ca_free(ca);
		return -EIO;
	}
	*out = ca;
	return 0;
}

/* The leaf for @name: SAN = @name, signed by @ca. Return: NULL on error */
static X509 *new_leaf(struct crypto_ca *ca, const char *name)
{
	char san[300];
	X509 *cert;

	if (snprintf(san, sizeof(san), "DNS:%s", name) >= (int)sizeof(san))
		return NULL;
	cert = new_cert(ca->leaf_key, name);
	if (!cert)
		return NULL;
	if (!x5.X509_set_issuer_name(cert, x5.X509_get_subject_name(ca->cert)) ||
	    add_ext(cert, ca->cert, NID_basic_constraints, "critical,CA:FALSE") <
		    0 ||
	    add_ext(cert, ca->cert, NID_key_usage, "critical,digitalSignature") <
		    0 ||
	    add_ext(cert, ca->cert, NID_ext_key_usage, "serverAuth") < 0 ||
	    add_ext(cert, ca->cert, NID_subject_alt_name, san) < 0 ||
	    add_ext(cert, ca->cert, NID_authority_key_identifier, "keyid") <
		    0 ||
	    !x5.X509_sign(cert, ca->key, x5.EVP_sha256())) {
		x5.X509_free(cert);
		return NULL;
	}
	return cert;
}

int ca_leaf_cert(struct crypto_ca *ca, const char *name, X509 **cert,
		 EVP_PKEY **key)
{
	int err = load_x509();

	*cert = NULL;
	*key = NULL;
	if (err < 0)
		return err;
	if (!ca->leaf_key)
		ca->leaf_key = new_p256();
	*cert = ca->leaf_key ? new_leaf(ca, name) : NULL;
	if (!*cert)
		return -EIO;
	*key = ca->leaf_key;
	return 0;
}

void ca_cert_free(X509 *cert)
{
	x5.X509_free(cert);
}

// SPDX-License-Identifier: MIT
/*
 * ca.h - what crypto.c and ca.c share: libssl loaded once, and the leaf
 * certificates the per-jail CA signs for crypto_leaf_new()
 */
#ifndef JAIL_FWD_CA_H
#define JAIL_FWD_CA_H

#include <openssl/evp.h>
#include <openssl/x509.h>

struct crypto_ca;

/* Return: 0, or -ENOENT when libssl (or one of its functions) is missing */
int crypto_load_ssl(void);

/*
 * The leaf for @name (SAN = @name) signed by @ca, into *@cert (freed
 * with ca_cert_free()), and the leaves' key, @ca's, into *@key.
 * Return: 0, -ENOENT when libcrypto is missing, or -EIO
 */
int ca_leaf_cert(struct crypto_ca *ca, const char *name, X509 **cert,
		 EVP_PKEY **key);
void ca_cert_free(X509 *cert);

#endif

// SPDX-License-Identifier: MIT
/*
 * crypto.c - OpenSSL's libcrypto, loaded on first use
 *
 * Every start of every jail would otherwise pay for libcrypto: linked
 * dynamically, its symbols are resolved at exec (-z now); linked
 * statically, its relocations are. Only policy-file trust (SHA-256) and
 * upstream proxy credentials (base64) need it, so it is loaded (dlopen)
 * the first time one of them runs.
 */
#include <dlfcn.h>
#include <openssl/evp.h>

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

/* sha256: FIPS 180-4 SHA-256, small and dependency-free. Used for OpenSSH's
 * "SHA256:" key fingerprints (OpenSSL is not a dependency of this project). */
#ifndef RDS_SHA256_H
#define RDS_SHA256_H
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Writes the digest; s must be initialised again before reuse. */
void sha256_final(struct sha256 *s, unsigned char out[SHA256_DIGEST_LEN]);
/* One-shot helper. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_DIGEST_LEN]);

#endif

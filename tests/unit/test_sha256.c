/* Unit tests for sha256: the FIPS 180-2 / NIST CAVS example vectors, the
 * padding edges (55, 56, 63, 64, 119, 120 bytes: the length does or does not
 * fit in the last block) and incremental hashing split at every offset. */
#include <stdlib.h>

#include "sha256.h"
#include "t.h"

static void hex(const unsigned char *d, char *out)
{
	for (int i = 0; i < SHA256_DIGEST_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check_vec(const char *what, const void *data, size_t len, const char *want)
{
	unsigned char d[SHA256_DIGEST_LEN];
	char got[2 * SHA256_DIGEST_LEN + 1];

	sha256(data, len, d);
	hex(d, got);
	CHECK_STR(got, want, "SHA-256 of %s", what);
}

int main(void)
{
	static const struct {
		size_t n;
		const char *want;
	} as[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	static const char msg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char msg896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
				     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char *million = malloc(1000000), a[128];
	unsigned char one[SHA256_DIGEST_LEN], inc[SHA256_DIGEST_LEN];
	int all_equal = 1;

	if (!million)
		return 1;
	/* FIPS 180-2 appendix B and the NIST "SHA256ShortMsg"/"LongMsg" examples. */
	check_vec("\"abc\"", "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_vec("the empty string", "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_vec("the 448-bit message", msg448, sizeof(msg448) - 1,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_vec("the 896-bit message", msg896, sizeof(msg896) - 1,
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	memset(million, 'a', 1000000);
	check_vec("one million 'a'", million, 1000000,
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(as) / sizeof(as[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "%zu 'a' (padding edge)", as[i].n);
		check_vec(what, a, as[i].n, as[i].want);
	}

	/* Any split of the input gives the one-shot digest. */
	sha256(msg896, sizeof(msg896) - 1, one);
	for (size_t cut = 0; cut <= sizeof(msg896) - 1; cut++) {
		struct sha256 s;
		sha256_init(&s);
		sha256_update(&s, msg896, cut);
		sha256_update(&s, msg896 + cut, 0);
		sha256_update(&s, msg896 + cut, sizeof(msg896) - 1 - cut);
		sha256_final(&s, inc);
		if (memcmp(one, inc, sizeof(one)))
			all_equal = 0;
	}
	CHECK(all_equal, "incremental updates split at every offset match the one-shot digest");
	{
		struct sha256 s;
		sha256_init(&s);
		for (int i = 0; i < 1000000; i += 997)
			sha256_update(&s, million + i, (size_t)(1000000 - i < 997 ? 1000000 - i : 997));
		sha256_final(&s, inc);
		sha256(million, 1000000, one);
		CHECK(!memcmp(one, inc, sizeof(one)), "a million bytes fed in odd-sized pieces");
	}
	free(million);
	return T_DONE();
}

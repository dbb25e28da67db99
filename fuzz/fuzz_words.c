/* fuzz_words: words_split_flags (PRE_HOOK, POST_HOOK, EXTRA_ARGS, the hook
 * and exclude labels) with and without WORDS_REFUSE_GLOB, the words it
 * gives through words_pack and back, and words_unpack (rds-hook's stdin)
 * over the raw input. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), err[256], *wire = NULL;
	struct strvec a = { 0 }, b = { 0 }, raw = { 0 };
	size_t len = 0;

	(void)words_split_flags(s, WORDS_REFUSE_GLOB, &b, err, sizeof(err));
	strvec_free(&b);
	if (words_split(s, &a, err, sizeof(err)) == 0 && a.n > 0 &&
	    words_pack(a.v, &wire, &len, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(words_unpack(wire, len, &b, err, sizeof(err)) == 0);
		FUZZ_ASSERT(b.n == a.n);
		for (size_t i = 0; i < a.n; i++)
			FUZZ_ASSERT(strcmp(a.v[i], b.v[i]) == 0);
	}
	(void)words_unpack((const char *)data, size, &raw, err, sizeof(err));
	free(wire);
	free(s);
	strvec_free(&a);
	strvec_free(&b);
	strvec_free(&raw);
	return 0;
}

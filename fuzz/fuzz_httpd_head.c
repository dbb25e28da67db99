/* fuzz_httpd_head: the request line and header lines of the /metrics
 * endpoint (httpd_parse_head), on the input and on every prefix of it the
 * server could have read so far: a prefix may only say MORE or the same
 * verdict, and what DONE points to lies inside the head. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct httpd_req r;
	int whole;

	if (size > HTTPD_HEAD_MAX + 16)
		return 0;
	whole = httpd_parse_head(buf, size, &r);
	FUZZ_ASSERT(whole >= HTTPD_HEAD_TOOBIG && whole <= HTTPD_HEAD_DONE);
	if (whole == HTTPD_HEAD_DONE) {
		FUZZ_ASSERT(r.head_len <= size && r.head_len <= HTTPD_HEAD_MAX);
		FUZZ_ASSERT(r.method >= buf && r.method + r.method_len <= buf + r.head_len && r.method_len > 0);
		FUZZ_ASSERT(r.path_len > 0);
		FUZZ_ASSERT(r.major >= 0 && r.major <= 9 && r.minor >= 0 && r.minor <= 9);
		/* The same head followed by anything is the same request. */
		FUZZ_ASSERT(httpd_parse_head(buf, r.head_len, NULL) == HTTPD_HEAD_DONE);
	}
	for (size_t k = 0; k < size; k += 1 + k / 8) {
		int part = httpd_parse_head(buf, k, NULL);

		FUZZ_ASSERT(part == HTTPD_HEAD_MORE || part == whole);
	}
	return 0;
}

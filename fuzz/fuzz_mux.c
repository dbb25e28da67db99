/* fuzz_mux: the Docker attach/exec stream demultiplexer (mux_feed,
 * mux_finish), as a multiplexed and as a raw (Tty) stream, fed whole and
 * in pieces: any chunking must give the same lines. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mux.h"

/* A digest of the lines seen, to compare two decodings. */
struct seen {
	unsigned long long h;
	size_t lines;
};

static void on_line(void *ud, enum mux_stream stream, const char *line, size_t len)
{
	struct seen *s = ud;

	FUZZ_ASSERT(stream == MUX_STDOUT || stream == MUX_STDERR || stream == MUX_SYSERR);
	FUZZ_ASSERT(len <= MUX_LINE_MAX && line[len] == '\0');
	s->h = s->h * 1099511628211ull + (unsigned)stream;
	for (size_t i = 0; i < len; i++)
		s->h = (s->h ^ (unsigned char)line[i]) * 1099511628211ull;
	s->h = s->h * 31 + len;
	s->lines++;
}

/* Decodes data whole and in pieces (sizes 1..17 from a sequence that
 * starts at the input's size) and checks both gave the same. */
static void both(int raw, const uint8_t *data, size_t size)
{
	static struct mux whole, cut; /* 16 KiB of line buffers each */
	struct seen a = { 0 }, b = { 0 };
	size_t step = size % 17 + 1, i = 0;
	int ra, rb;

	mux_init(&whole, raw, on_line, &a);
	mux_feed(&whole, data, size);
	ra = mux_finish(&whole);
	mux_init(&cut, raw, on_line, &b);
	while (i < size) {
		size_t n = size - i < step ? size - i : step;

		mux_feed(&cut, data + i, n);
		i += n;
		step = step * 7 % 17 + 1;
	}
	rb = mux_finish(&cut);
	FUZZ_ASSERT(ra == rb && a.lines == b.lines && a.h == b.h && whole.malformed == cut.malformed);
	if (raw)
		FUZZ_ASSERT(ra == 0 && !whole.malformed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	both(0, data, size);
	both(1, data, size);
	return 0;
}

/* mux: incremental decoder of Docker's attach/exec output stream into text
 * lines, one callback per complete line and stream.
 *
 * Multiplexed format (a container or exec created with Tty=false): frames of
 * an 8-byte header -- stream type (0 stdin, 1 stdout, 2 stderr, 3 daemon
 * error), three zero bytes, big-endian uint32 payload length -- then the
 * payload. Raw format (Tty=true): plain bytes, all of them stdout.
 *
 * Pure: no I/O, no allocation; bytes may arrive in any chunking. */
#ifndef RDS_MUX_H
#define RDS_MUX_H
#include <stddef.h>
#include <stdint.h>

/* Longest line passed on; a longer one is split into pieces of this size so a
 * hook printing megabytes without a newline cannot grow memory. */
#define MUX_LINE_MAX 4096

enum mux_stream { MUX_STDOUT = 1, MUX_STDERR = 2, MUX_SYSERR = 3 };

/* line is borrowed, valid during the call only, NUL-terminated, without its
 * '\n' (nor a '\r' before it); len excludes the NUL. A line may contain NUL
 * bytes: len is authoritative. */
typedef void (*mux_line_fn)(void *ud, enum mux_stream stream, const char *line, size_t len);

struct mux_line {
	char buf[MUX_LINE_MAX + 1];
	size_t n;
};

struct mux {
	mux_line_fn fn;
	void *ud;
	int raw;       /* no frame headers: everything is stdout */
	int malformed; /* a bad header was seen; the rest was read raw */
	unsigned char hdr[8];
	size_t hdr_n;            /* header bytes collected so far */
	uint32_t left;           /* payload bytes left in the current frame */
	enum mux_stream cur;     /* stream of the current frame */
	struct mux_line line[4]; /* indexed by enum mux_stream */
};

/* Resets m. raw != 0 for a Tty stream. fn and ud are borrowed. */
void mux_init(struct mux *m, int raw, mux_line_fn fn, void *ud);

/* Feeds len bytes. Never fails: a malformed header (stream type > 3 or
 * non-zero padding) switches the decoder to raw mode for the rest of the
 * stream, so output is still shown, and sets m->malformed. */
void mux_feed(struct mux *m, const void *data, size_t len);

/* End of stream: passes on every partial last line (stdout first). Returns 0,
 * or -1 when the stream stopped inside a frame header or payload (truncated;
 * the bytes that did arrive were still passed on). */
int mux_finish(struct mux *m);

#endif

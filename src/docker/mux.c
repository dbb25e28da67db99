/* mux: see mux.h. A byte-at-a-time state machine over header and payload;
 * payload bytes are scanned for newlines in runs, not one call per byte. */
#include "mux.h"

#include <string.h>

void mux_init(struct mux *m, int raw, mux_line_fn fn, void *ud)
{
	memset(m, 0, sizeof(*m));
	m->fn = fn;
	m->ud = ud;
	m->raw = raw != 0;
	m->cur = MUX_STDOUT;
}

/* eol: the line ended with '\n', so a '\r' before it is a CRLF ending, not
 * content of a split piece. */
static void emit(struct mux *m, enum mux_stream s, int eol)
{
	struct mux_line *l = &m->line[s];
	size_t n = l->n;

	if (eol && n > 0 && l->buf[n - 1] == '\r')
		n--;
	l->buf[n] = '\0';
	m->fn(m->ud, s, l->buf, n);
	l->n = 0;
}

/* Appends payload bytes of stream s, emitting each complete line. */
static void text(struct mux *m, enum mux_stream s, const char *p, size_t len)
{
	struct mux_line *l = &m->line[s];

	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t run = nl ? (size_t)(nl - p) : len;
		size_t room = MUX_LINE_MAX - l->n;

		if (run > room) {
			/* Over-long line: pass on a full piece now, keep going. */
			memcpy(l->buf + l->n, p, room);
			l->n += room;
			emit(m, s, 0);
			p += room;
			len -= room;
			continue;
		}
		memcpy(l->buf + l->n, p, run);
		l->n += run;
		p += run;
		len -= run;
		if (nl) {
			emit(m, s, 1);
			p++;
			len--;
		}
	}
}

/* Checks a complete header; 0 when it is a valid frame header. */
static int header(struct mux *m)
{
	const unsigned char *h = m->hdr;

	if (h[0] > 3 || h[1] || h[2] || h[3])
		return -1;
	/* Type 0 (stdin) is documented as written on stdout. */
	m->cur = h[0] == 0 ? MUX_STDOUT : (enum mux_stream)h[0];
	m->left = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
	return 0;
}

void mux_feed(struct mux *m, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		if (m->raw) {
			text(m, MUX_STDOUT, p, len);
			return;
		}
		if (m->left == 0) {
			m->hdr[m->hdr_n++] = (unsigned char)*p++;
			len--;
			if (m->hdr_n < sizeof(m->hdr))
				continue;
			m->hdr_n = 0;
			if (header(m) < 0) {
				/* Not a multiplexed stream after all (or corrupt):
				 * show the bytes rather than lose them. */
				m->malformed = 1;
				m->raw = 1;
				text(m, MUX_STDOUT, (const char *)m->hdr, sizeof(m->hdr));
			}
			continue;
		}
		size_t take = len < m->left ? len : m->left;
		text(m, m->cur, p, take);
		m->left -= (uint32_t)take;
		p += take;
		len -= take;
	}
}

int mux_finish(struct mux *m)
{
	int truncated = !m->raw && (m->hdr_n > 0 || m->left > 0);

	for (int s = MUX_STDOUT; s <= MUX_SYSERR; s++)
		if (m->line[s].n > 0)
			emit(m, (enum mux_stream)s, 0);
	m->hdr_n = 0;
	m->left = 0;
	return truncated ? -1 : 0;
}

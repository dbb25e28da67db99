/* restic_maint: see restic_maint.h. */
#include "restic_maint.h"

#include <errno.h>
#include <string.h>

#include "restic_out.h"
#include "utf8.h"

/* ---- forget --json ----
 * The output is an array of groups:
 *   [{"tags":..,"host":..,"paths":[..],"keep":[SNAP,..]|null,
 *     "remove":[SNAP,..]|null,"reasons":[..]}, ..]
 * Depth 1 is the array, 2 a group, 3 the members' values: the elements of
 * "keep" and "remove" at depth 3 are counted. Only the structure is read:
 * strings are skipped (escapes included), scalars are not checked. */

enum { S_TEXT, S_OPEN, S_JSON, S_STRING, S_ESCAPE, S_DONE, S_BAD };
enum { K_OTHER, K_KEEP, K_REMOVE }; /* group_keys has bit 1 << key */

void restic_forget_scan_init(struct restic_forget_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->state = S_TEXT;
	s->line_start = 1;
}

static void key_done(struct restic_forget_scan *s)
{
	s->in_key = 0;
	if (s->key_len == 4 && memcmp(s->key_buf, "keep", 4) == 0)
		s->key = K_KEEP;
	else if (s->key_len == 6 && memcmp(s->key_buf, "remove", 6) == 0)
		s->key = K_REMOVE;
	else
		s->key = K_OTHER;
}

/* A value starts at the current depth (a container, string or scalar). */
static void value_start(struct restic_forget_scan *s, char c)
{
	if (s->depth == 1 && (c != '{' || !s->expect_group)) {
		s->state = S_BAD; /* groups are objects */
		return;
	}
	if (s->depth == 1) {
		s->result.groups++;
		s->expect_group = 0;
		s->group_keys = 0;
	}
	if (s->depth == 3 && s->counting && s->expect_elem) {
		if (s->counting == K_KEEP)
			s->result.kept++;
		else
			s->result.removed++;
		s->expect_elem = 0;
	}
}

static void open_container(struct restic_forget_scan *s, char c)
{
	value_start(s, c);
	if (s->state == S_BAD)
		return;
	if (s->depth == 2 && c == '[') {
		s->counting = s->key == K_KEEP || s->key == K_REMOVE ? s->key : 0;
		s->expect_elem = 1;
	}
	if (s->depth == 1)
		s->expect_key = 1;
	if (s->depth >= RESTIC_FORGET_DEPTH) {
		s->state = S_BAD;
		return;
	}
	s->kinds[++s->depth] = c == '{' ? '}' : ']';
}

static void close_container(struct restic_forget_scan *s, char c)
{
	if (s->depth < 1 || s->kinds[s->depth] != c) {
		s->state = S_BAD;
		return;
	}
	if (s->depth == 2 && s->group_keys != ((1u << K_KEEP) | (1u << K_REMOVE))) {
		s->state = S_BAD; /* not a forget group */
		return;
	}
	if (s->depth == 3)
		s->counting = 0;
	if (--s->depth == 0) {
		s->ok = 1;
		s->state = S_DONE;
	}
}

static void json_byte(struct restic_forget_scan *s, char c)
{
	switch (c) {
	case '"':
		value_start(s, c);
		if (s->state == S_BAD)
			return;
		if (s->depth == 2 && s->expect_key) {
			s->in_key = 1;
			s->key_len = 0;
		}
		s->state = S_STRING;
		return;
	case '{':
	case '[':
		open_container(s, c);
		return;
	case '}':
	case ']':
		close_container(s, c);
		return;
	case ',':
		if (s->depth == 1)
			s->expect_group = 1;
		else if (s->depth == 2)
			s->expect_key = 1;
		else if (s->depth == 3)
			s->expect_elem = 1;
		return;
	case ':':
		if (s->depth == 2) {
			s->expect_key = 0;
			if (s->key != K_OTHER)
				s->group_keys |= 1u << s->key;
		}
		return;
	default:
		value_start(s, c); /* a number, true, false, null */
	}
}

static void string_byte(struct restic_forget_scan *s, char c)
{
	if (s->state == S_ESCAPE) {
		s->state = S_STRING;
		s->key_len = sizeof(s->key_buf); /* no escape in "keep", "remove" */
		return;
	}
	if (c == '\\') {
		s->state = S_ESCAPE;
	} else if (c == '"') {
		s->state = S_JSON;
		if (s->in_key)
			key_done(s);
	} else if (s->in_key && s->key_len < sizeof(s->key_buf)) {
		s->key_buf[s->key_len++] = c;
	}
}

void restic_forget_scan_feed(struct restic_forget_scan *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		int blank = c == ' ' || (unsigned char)c < 0x20;

		switch (s->state) {
		case S_TEXT:
			if (c == '\n') {
				s->line_start = 1;
			} else if (!blank) {
				s->seen_text = 1;
				if (c == '[' && s->line_start)
					s->state = S_OPEN;
				s->line_start = 0;
			}
			break;
		case S_OPEN:
			/* The array holds groups: "[{" or "[]", not "[0:00]". */
			if (blank)
				break;
			if (c == ']') {
				s->ok = 1;
				s->state = S_DONE;
			} else if (c == '{') {
				s->state = S_JSON;
				s->depth = 1;
				s->kinds[1] = ']';
				s->expect_group = 1;
				open_container(s, c);
			} else {
				s->state = S_TEXT;
			}
			break;
		case S_JSON:
			/* A control character inside the JSON is a cut. */
			if (!blank)
				json_byte(s, c);
			break;
		case S_STRING:
		case S_ESCAPE:
			if ((unsigned char)c >= 0x20)
				string_byte(s, c);
			break;
		default: /* S_DONE, S_BAD: the rest is not read */
			return;
		}
	}
}

int restic_forget_scan_finish(const struct restic_forget_scan *s, struct restic_forget *f)
{
	memset(f, 0, sizeof(*f));
	if (s->ok) {
		*f = s->result;
		return 0;
	}
	return s->state == S_TEXT && !s->seen_text ? 0 : -ENOENT;
}

int restic_parse_forget_json(const char *out, size_t len, struct restic_forget *f)
{
	struct restic_forget_scan s;

	restic_forget_scan_init(&s);
	if (out)
		restic_forget_scan_feed(&s, out, len);
	return restic_forget_scan_finish(&s, f);
}

/* ---- prune ---- */

static const char *next_line(const char *p, const char *end, size_t *n)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	*n = (size_t)((nl ? nl : end) - p);
	return nl ? nl + 1 : end;
}

/* "13.430 KiB", "488 B": restic's FormatBytes. Returns the bytes, or -1. */
static long long parse_size(const char *s, size_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	long long whole = 0, frac = 0, scale = 1;
	size_t i = 0, digits = 0, fdigits = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 7) {
		whole = whole * 10 + (s[i++] - '0');
		digits++;
	}
	if (!digits || (i < n && s[i] >= '0' && s[i] <= '9'))
		return -1;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9' && fdigits < 3; i++, fdigits++)
			frac = frac * 10 + (s[i] - '0');
		if (!fdigits)
			return -1;
	}
	if (i >= n || s[i++] != ' ')
		return -1;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++, scale *= 1024) {
		if (n - i != strlen(units[u]) || memcmp(s + i, units[u], n - i) != 0)
			continue;
		if (u == 0 && fdigits)
			return -1; /* bytes have no fraction */
		for (size_t k = fdigits; k < 3; k++)
			frac *= 10;
		return whole * scale + frac * scale / 1000;
	}
	return -1;
}

void restic_parse_prune(const char *out, size_t len, struct restic_prune *p)
{
	static const char label[] = "total prune:";
	const char *l = out, *end = out ? out + len : NULL;

	p->freed_bytes = -1;
	p->freed[0] = '\0';
	while (l && l < end) {
		size_t n;
		const char *next = next_line(l, end, &n), *slash, *v;

		while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
			n--;
		if (n > strlen(label) && memcmp(l, label, strlen(label)) == 0 && (slash = memchr(l, '/', n))) {
			long long b;
			for (v = slash + 1; v < l + n && *v == ' '; v++)
				;
			b = parse_size(v, (size_t)(l + n - v));
			if (b >= 0 && (size_t)(l + n - v) < sizeof(p->freed)) {
				p->freed_bytes = b;
				memcpy(p->freed, v, (size_t)(l + n - v));
				p->freed[l + n - v] = '\0';
			}
			return;
		}
		l = next;
	}
}

/* ---- check ---- */

static int starts(const char *l, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(l, prefix, k) == 0;
}

/* Lines that never name check's problem: its summary, a lock error's
 * details, retries, JSON (restic_last_error reads that). */
static int check_noise(const char *l, size_t n)
{
	static const char *const pfx[] = { "Fatal: ",
					   "{",
					   "lock was created at",
					   "storage ID ",
					   "the `unlock` command",
					   "repo already locked, waiting",
					   "Is there a repository at the following location?" };

	if (n == 0 || l[0] == ' ' || l[0] == '\t')
		return 1;
	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
		if (starts(l, n, pfx[i]))
			return 1;
	return starts(l, n, "Load(") && memmem(l, n, "retrying", 8);
}

void restic_check_error(const char *text, char *buf, size_t len)
{
	const char *l = text, *end = text ? text + strlen(text) : NULL;
	char line[1024];
	int after_location_question = 0;

	if (!len)
		return;
	buf[0] = '\0';
	while (l && l < end) {
		size_t n, k;
		const char *next = next_line(l, end, &n);

		while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
			n--;
		if (after_location_question || check_noise(l, n)) {
			/* The line after this question is the location. */
			after_location_question = starts(l, n, "Is there a repository at the following location?");
			l = next;
			continue;
		}
		k = n < sizeof(line) ? n : utf8_trim_cut(l, sizeof(line) - 1);
		memcpy(line, l, k);
		/* "error for tree X:" says what; its indented next line, why. */
		if (k == n && k + 2 < sizeof(line) && line[k - 1] == ':' && next < end &&
		    (*next == ' ' || *next == '\t')) {
			size_t m;
			const char *d = next;
			next_line(next, end, &m);
			while (m && (*d == ' ' || *d == '\t')) {
				d++;
				m--;
			}
			while (m && (d[m - 1] == '\r' || d[m - 1] == ' '))
				m--;
			if (m > sizeof(line) - 1 - k - 1)
				m = utf8_trim_cut(d, sizeof(line) - 1 - k - 1);
			line[k++] = ' ';
			memcpy(line + k, d, m);
			k += m;
		}
		utf8_copy(buf, len, line, k, UTF8_DROP_CSI | UTF8_CTL_QMARK);
		return;
	}
	restic_last_error(text, buf, len);
}

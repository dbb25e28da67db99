/* cron: see cron.h. Parsing fills one bitset per field; the search walks the
 * wall clock field by field (never second by second) and only then maps the
 * wall time found to an instant with the rules stated in cron.h. */
#include "cron.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_COUNT };

struct field_def {
	const char *name;
	int min, max;
	const char *const *names; /* names[i] is value i + name_base */
	int name_base;
	const char *hint; /* appended to range errors */
};

static const char *const month_names[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
					   "AUG", "SEP", "OCT", "NOV", "DEC", NULL };
static const char *const dow_names[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL };

static const struct field_def fields[F_COUNT] = {
	[F_SEC] = { "second", 0, 59, NULL, 0, "" },
	[F_MIN] = { "minute", 0, 59, NULL, 0, "" },
	[F_HOUR] = { "hour", 0, 23, NULL, 0, "" },
	[F_DOM] = { "day-of-month", 1, 31, NULL, 0, "" },
	[F_MON] = { "month", 1, 12, month_names, 1, " or JAN-DEC" },
	[F_DOW] = { "day-of-week", 0, 7, dow_names, 0, " or SUN-SAT (0 and 7 are Sunday)" },
};

static const struct {
	const char *name, *expansion;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

/* The field being parsed, for error messages. */
struct fctx {
	const struct field_def *f;
	int pos; /* 1-based position in the user's expression */
	char *err;
	size_t errlen;
};

/* ASCII only: the expression's meaning must not depend on the locale. */
static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Prefixes the message with the field, so every error says where it is. */
static int field_err(const struct fctx *fc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int field_err(const struct fctx *fc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!fc->err || !fc->errlen)
		return -1;
	n = snprintf(fc->err, fc->errlen, "field %d (%s): ", fc->pos, fc->f->name);
	if (n >= 0 && (size_t)n < fc->errlen) {
		va_start(ap, fmt);
		vsnprintf(fc->err + n, fc->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Reads digits at *s into *n, capped so that a long run cannot overflow (the
 * caller's range check rejects it). Returns the number of digits. */
static int read_number(const char **s, const char *end, long *n)
{
	const char *p = *s;
	int digits;

	for (*n = 0; p < end && is_digit(*p); p++)
		if (*n < 100000)
			*n = *n * 10 + (*p - '0');
	digits = (int)(p - *s);
	*s = p;
	return digits;
}

/* Reads a number or a name of the field at *s into *v. */
static int parse_value(const struct fctx *fc, const char **s, const char *end, int *v)
{
	const struct field_def *f = fc->f;
	const char *tok = *s, *p = *s;
	int len;
	long n;

	if (p < end && is_digit(*p)) {
		read_number(&p, end, &n);
		len = (int)(p - tok);
		if (n < f->min || n > f->max)
			return field_err(fc, "%.*s is out of range %d-%d%s", len > 12 ? 12 : len, tok, f->min, f->max,
					 f->hint);
		*v = (int)n;
		*s = p;
		return 0;
	}
	if (p < end && is_alpha(*p)) {
		while (p < end && is_alpha(*p))
			p++;
		len = (int)(p - tok);
		for (int i = 0; f->names && f->names[i]; i++) {
			if (len == 3 && strncasecmp(tok, f->names[i], 3) == 0) {
				*v = i + f->name_base;
				*s = p;
				return 0;
			}
		}
		if (!f->names)
			return field_err(fc, "'%.*s' is not a number; use %d-%d", len > 12 ? 12 : len, tok, f->min,
					 f->max);
		return field_err(fc, "unknown name '%.*s'; use %d-%d%s", len > 12 ? 12 : len, tok, f->min, f->max,
				 f->hint);
	}
	if (p == end)
		return field_err(fc, "a value is missing after '%c'", p[-1]);
	return field_err(fc, "expected a value, got '%c'", *p);
}

/* One list item: "*", "?", "a" or "a-b", each with an optional "/step". */
static int parse_item(const struct fctx *fc, const char *s, const char *end, uint64_t *bits)
{
	const struct field_def *f = fc->f;
	bool dow = f == &fields[F_DOW], ranged = true;
	const char *item = s;
	int lo = f->min, hi = f->max, step = 1;

	if (*s == '*' || *s == '?') { /* the caller lets only a lone '?' through */
		s++;
	} else {
		if (parse_value(fc, &s, end, &lo) < 0)
			return -1;
		hi = lo;
		ranged = false;
		if (s < end && *s == '-') {
			s++;
			if (parse_value(fc, &s, end, &hi) < 0)
				return -1;
			ranged = true;
			if (dow && hi == 0 && lo > 0)
				hi = 7; /* "FRI-SUN" */
		}
	}
	if (s < end && *s == '/') {
		const char *d = ++s;
		int span = dow ? 7 : f->max - f->min + 1;
		long n;

		if (!read_number(&s, end, &n))
			return field_err(fc, "a number must follow '/' in '%.*s'", (int)(end - item), item);
		if (n < 1 || n > span)
			return field_err(fc, "step %.*s is out of range 1-%d", (int)(s - d > 12 ? 12 : s - d), d, span);
		step = (int)n;
		if (!ranged)
			hi = f->max; /* "5/15" means "5-59/15" */
	}
	if (s < end)
		return field_err(fc, "unexpected '%c' after '%.*s'", *s, (int)(s - item), item);
	if (lo > hi)
		return field_err(fc, "range %.*s is reversed; put the smaller value first", (int)(end - item), item);
	for (int v = lo; v <= hi; v += step)
		*bits |= (uint64_t)1 << (dow && v == 7 ? 0 : v);
	return 0;
}

static int parse_field(const struct fctx *fc, const char *s, const char *end, uint64_t *bits)
{
	const char *p;
	size_t len;

	for (p = s; p < end; p++) {
		unsigned char ch = (unsigned char)*p;
		if (is_digit(*p) || is_alpha(*p) || (ch && strchr("*?,-/", ch)))
			continue;
		if (ch > 0x20 && ch < 0x7f)
			return field_err(fc, "unexpected character '%c'", ch);
		return field_err(fc, "unexpected byte 0x%02x", ch);
	}
	/* A length, not end - s: gcc 14 cannot see that end >= s here and
	 * warns of a negative memchr bound. */
	len = end > s ? (size_t)(end - s) : 0;
	if (memchr(s, '?', len) && (len != 1 || (fc->f != &fields[F_DOM] && fc->f != &fields[F_DOW])))
		return field_err(fc, "'?' may only be the whole day-of-month or day-of-week field");
	*bits = 0;
	for (const char *list = s;; s = p + 1) {
		p = memchr(s, ',', (size_t)(end - s));
		if (!p)
			p = end;
		if (p == s)
			return field_err(fc, "empty item in list '%.*s'", (int)(end - list), list);
		if (parse_item(fc, s, p, bits) < 0)
			return -1;
		if (p == end)
			return 0;
	}
}

static int parse_macro(const char *s, size_t len, struct cron_expr *out, char *err, size_t errlen)
{
	size_t word = strcspn(s, " \t");

	if (word > len)
		word = len;
	for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
		if (strlen(macros[i].name) != word || strncasecmp(s, macros[i].name, word))
			continue;
		if (word != len) {
			size_t rest = word + strspn(s + word, " \t");
			return set_err(err, errlen, "%s must stand alone; unexpected '%.*s' after it", macros[i].name,
				       (int)(len - rest > 32 ? 32 : len - rest), s + rest);
		}
		return cron_parse(macros[i].expansion, out, err, errlen);
	}
	return set_err(err, errlen,
		       "unknown macro '%.*s'; use @yearly @annually @monthly @weekly @daily "
		       "@midnight or @hourly",
		       (int)(word > 32 ? 32 : word), s);
}

int cron_parse(const char *expr, struct cron_expr *out, char *err, size_t errlen)
{
	const char *start[F_COUNT], *end[F_COUNT], *s, *e;
	uint64_t bits[F_COUNT];
	struct cron_expr c = { 0 };
	int n = 0, first;

	if (err && errlen)
		err[0] = '\0';
	if (!expr)
		return set_err(err, errlen, "no cron expression");
	if (strnlen(expr, CRON_EXPR_MAX + 1) > CRON_EXPR_MAX)
		return set_err(err, errlen, "expression is longer than %d characters", CRON_EXPR_MAX);
	s = expr + strspn(expr, " \t");
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (s == e)
		return set_err(err, errlen,
			       "empty expression; use 5 fields (minute hour day-of-month month "
			       "day-of-week), 6 with a leading second, or a macro like @daily");
	if (*s == '@')
		return parse_macro(s, (size_t)(e - s), out, err, errlen);

	while (s < e) {
		const char *f = s;
		s += strcspn(s, " \t");
		if (n < F_COUNT) {
			start[n] = f;
			end[n] = s;
		}
		n++;
		s += strspn(s, " \t");
	}
	if (n != 5 && n != 6)
		return set_err(err, errlen,
			       "expected 5 fields (minute hour day-of-month month day-of-week) or 6 "
			       "(second first), got %d",
			       n);
	first = n == 6 ? F_SEC : F_MIN;
	bits[F_SEC] = 1; /* five fields fire at second 0 */
	for (int i = 0; i < n; i++) {
		struct fctx fc = { &fields[first + i], i + 1, err, errlen };
		if (parse_field(&fc, start[i], end[i], &bits[first + i]) < 0)
			return -1;
	}
	c.seconds = bits[F_SEC];
	c.minutes = bits[F_MIN];
	c.hours = (uint32_t)bits[F_HOUR];
	c.dom = (uint32_t)bits[F_DOM];
	c.months = (uint16_t)bits[F_MON];
	c.dow = (uint8_t)bits[F_DOW];
	c.has_seconds = n == 6;
	/* Vixie cron: a field starting with '*' or '?' is unrestricted, even
	 * with a step. */
	c.dom_restricted = *start[F_DOM - first] != '*' && *start[F_DOM - first] != '?';
	c.dow_restricted = *start[F_DOW - first] != '*' && *start[F_DOW - first] != '?';
	*out = c;
	return 0;
}

/* ---- search ---- */

#define DAY 86400
/* Nine years of days: every month and weekday, and two 29ths of February
 * (but around 2100). */
#define INTERVAL_SCAN_DAYS (9 * 366)
/* Beyond this (about 35000 years) localtime and the date arithmetic are not
 * worth trusting. */
#define CRON_TIME_LIMIT ((time_t)1 << 40)
/* A matching day takes a handful of steps, every other day or month one:
 * (CRON_SEARCH_YEARS + 1) * 366 days * 8 is well below this. */
#define CRON_MAX_STEPS 40000

static int utc_offset(time_t t, long *off)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -1;
	*off = tm.tm_gmtoff;
	return 0;
}

/* The first instant in (lo, hi] whose UTC offset differs from lo's; the
 * caller knows there is exactly one change in between. */
static int offset_change(time_t lo, time_t hi, time_t *t)
{
	long olo, o;

	if (utc_offset(lo, &olo) < 0)
		return -1;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (utc_offset(mid, &o) < 0)
			return -1;
		if (o == olo)
			lo = mid;
		else
			hi = mid;
	}
	*t = hi;
	return 0;
}

/* Wall times below are seconds since 1970-01-01 00:00 of the local calendar,
 * as if the local zone were UTC. */

/* The latest wall time shown at or before `after`. It is later than the
 * current wall time only while the clock replays an hour after falling back. */
static int high_water(time_t after, time_t *w)
{
	long o_now, o_before;
	time_t t;

	if (utc_offset(after, &o_now) < 0 || utc_offset(after - DAY, &o_before) < 0)
		return -1;
	*w = after + o_now;
	if (o_before > o_now) {
		if (offset_change(after - DAY, after, &t) < 0)
			return -1;
		if (t - 1 + o_before > *w)
			*w = t - 1 + o_before;
	}
	return 0;
}

/* The first instant at which the wall clock shows w or a later time: w's
 * instant, its first occurrence when repeated, or the change that skips it. */
static int first_reach(time_t w, time_t *t)
{
	long o1, o2;
	time_t change;

	/* The instant sought lies within 15 hours of w read as UTC. */
	if (utc_offset(w - DAY, &o1) < 0 || utc_offset(w + DAY, &o2) < 0)
		return -1;
	if (o1 == o2) {
		*t = w - o1;
		return 0;
	}
	if (offset_change(w - DAY, w + DAY, &change) < 0)
		return -1;
	if (w <= change - 1 + o1)
		*t = w - o1; /* shown before the change */
	else if (w >= change + o2)
		*t = w - o2; /* shown after it, and only then */
	else
		*t = change; /* skipped */
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399LL) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static bool day_matches(const struct cron_expr *c, long long days, int mday)
{
	int wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
	bool dom = c->dom >> mday & 1, dow = c->dow >> wday & 1;

	/* An unrestricted field has every bit set, unless it was a stepped
	 * '*', which Vixie cron still combines with AND. */
	if (c->dom_restricted && c->dow_restricted)
		return dom || dow;
	return dom && dow;
}

/* The smallest set bit >= from, or -1. */
static int next_bit(uint64_t bits, int from)
{
	bits &= ~(uint64_t)0 << from;
	return bits ? __builtin_ctzll(bits) : -1;
}

/* The first matching wall time at or after w. */
static int next_match(const struct cron_expr *c, time_t w, time_t *match)
{
	struct tm tm;
	int y, ylimit, mon, d, h, mi, s, v;

	if (!gmtime_r(&w, &tm))
		return -1;
	y = tm.tm_year + 1900;
	mon = tm.tm_mon + 1;
	d = tm.tm_mday;
	h = tm.tm_hour;
	mi = tm.tm_min;
	s = tm.tm_sec;
	ylimit = y + CRON_SEARCH_YEARS;
	/* Each step moves forward to the next candidate for the first field
	 * that does not match, resetting the finer fields. */
	for (int step = 0; step < CRON_MAX_STEPS; step++) {
		if (mi > 59) {
			mi = 0;
			h++;
		}
		if (h > 23) {
			h = 0;
			d++;
		}
		if (mon > 12) {
			mon = 1;
			y++;
		}
		if (d > days_in_month(y, mon)) {
			d = 1;
			if (++mon > 12) {
				mon = 1;
				y++;
			}
		}
		if (y > ylimit)
			return -1;
		if (!(c->months >> mon & 1)) {
			mon++;
			d = 1;
			h = mi = s = 0;
			continue;
		}
		if (!day_matches(c, days_from_civil(y, mon, d), d)) {
			d++;
			h = mi = s = 0;
			continue;
		}
		if ((v = next_bit(c->hours, h)) != h) {
			if (v < 0)
				d++, h = 0;
			else
				h = v;
			mi = s = 0;
			continue;
		}
		if ((v = next_bit(c->minutes, mi)) != mi) {
			if (v < 0)
				h++, mi = 0;
			else
				mi = v;
			s = 0;
			continue;
		}
		if ((v = next_bit(c->seconds, s)) < 0) {
			mi++;
			s = 0;
			continue;
		}
		*match = (time_t)(days_from_civil(y, mon, d) * DAY + h * 3600 + mi * 60 + v);
		return 0;
	}
	return -1;
}

int cron_next(const struct cron_expr *c, time_t after, time_t *next)
{
	time_t w, t;

	if (after < -CRON_TIME_LIMIT || after > CRON_TIME_LIMIT || high_water(after, &w) < 0)
		return -1;
	/* The first matching wall time above the high-water mark gives the
	 * answer. Should a zone break the one-change-in-48-hours assumption,
	 * keep going rather than return a time in the past. */
	for (int tries = 0; tries < 4; tries++) {
		if (next_match(c, w + 1, &w) < 0 || first_reach(w, &t) < 0)
			return -1;
		if (t > after) {
			*next = t;
			return 0;
		}
	}
	return -1;
}

/* Seconds of the day at which c fires: the first, the last, and the longest
 * gap between two fires of one day. */
static void day_fires(const struct cron_expr *c, long *first, long *last, long *longest)
{
	long prev = -1;

	*first = *last = -1;
	*longest = 0;
	for (int h = 0; h < 24; h++) {
		if (!(c->hours >> h & 1))
			continue;
		for (int m = 0; m < 60; m++) {
			if (!(c->minutes >> m & 1))
				continue;
			for (int s = 0; s < 60; s++) {
				long sod = h * 3600L + m * 60L + s;
				if (!(c->seconds >> s & 1))
					continue;
				if (prev >= 0 && sod - prev > *longest)
					*longest = sod - prev;
				if (*first < 0)
					*first = sod;
				prev = sod;
			}
		}
	}
	*last = prev;
}

/* The largest change of the local UTC offset over the year after t (0 in a
 * zone without daylight-saving time). */
static long offset_shift(time_t t)
{
	long o0, o, shift = 0;

	if (utc_offset(t, &o0) < 0)
		return 0;
	for (int k = 1; k <= 26; k++)
		if (utc_offset(t + (time_t)k * 14 * DAY, &o) == 0 && labs(o - o0) > shift)
			shift = labs(o - o0);
	return shift;
}

int cron_interval(const struct cron_expr *c, time_t after, time_t *interval)
{
	long first, last, longest, prev_day = -1, matches = 0;
	struct tm tm;
	int y, mon, d;

	if (cron_next(c, after, interval) < 0 || !localtime_r(&after, &tm))
		return -1;
	day_fires(c, &first, &last, &longest);
	y = tm.tm_year + 1900;
	mon = tm.tm_mon + 1;
	d = tm.tm_mday;
	/* Wall-clock gaps between the last fire of a matching day and the
	 * first of the next, over enough days to see every month, weekday and
	 * leap day of the schedule. */
	for (long day = 0; day < INTERVAL_SCAN_DAYS; day++) {
		long long n = days_from_civil(y, mon, d);
		if (c->months >> mon & 1 && day_matches(c, n, d)) {
			if (prev_day >= 0 && (day - prev_day) * DAY + first - last > longest)
				longest = (day - prev_day) * DAY + first - last;
			prev_day = day;
			matches++;
		}
		if (++d > days_in_month(y, mon)) {
			d = 1;
			if (++mon > 12) {
				mon = 1;
				y++;
			}
		}
	}
	if (matches < 2 && (matches == 0 || first == last))
		return -1;
	/* Real time between two fires differs from the wall clock's by the
	 * zone's daylight-saving shift. */
	*interval = (time_t)(longest + offset_shift(after));
	return 0;
}

/* retention: see retention.h. */
#include "retention.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

const char *const retention_vars[] = { "FORGET_KEEP_LAST",   "FORGET_KEEP_HOURLY",  "FORGET_KEEP_DAILY",
				       "FORGET_KEEP_WEEKLY", "FORGET_KEEP_MONTHLY", "FORGET_KEEP_YEARLY",
				       "FORGET_KEEP_WITHIN", "FORGET_KEEP_TAG",     NULL };

#define N_COUNTS 6
#define VAR_WITHIN 6
#define VAR_TAG 7
#define SHOWN_MAX 104 /* a bad value in a message */

static int *count_field(struct retention *r, int i)
{
	int *f[N_COUNTS] = { &r->last, &r->hourly, &r->daily, &r->weekly, &r->monthly, &r->yearly };
	return f[i];
}

/* The value as a message shows it: one line, valid UTF-8, bounded. */
static const char *shown(const char *v, char *buf, size_t len)
{
	utf8_copy(buf, len, v, strlen(v), UTF8_ESCAPE_CTL);
	return buf;
}

/* Whole decimal number 0..max, digits only. Returns 0 or -1. */
static int parse_uint(const char *s, size_t n, long max, long *out)
{
	long v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* restic's duration: NUMBER UNIT pairs. restic itself also takes a sign,
 * surrounding spaces and a unit given twice (the last wins); those are
 * refused here so that what is logged is what is meant. */
static int parse_within(const char *s, struct retention *r)
{
	int *dst[4] = { &r->within_years, &r->within_months, &r->within_days, &r->within_hours };
	static const char units[] = "ymdh";
	int seen[4] = { 0 };
	const char *p = s;

	if (!*p)
		return -1;
	while (*p) {
		size_t n = strspn(p, "0123456789");
		const char *u;
		long v;

		if (parse_uint(p, n, RETENTION_WITHIN_MAX, &v) < 0 || !p[n] || !(u = strchr(units, p[n])))
			return -1;
		if (seen[u - units]++)
			return -1;
		*dst[u - units] = (int)v;
		p += n + 1;
	}
	return 0;
}

/* Splits FORGET_KEEP_TAG into keep_tags. Returns 0, -ENOMEM, or -EINVAL
 * with the reason in *why. */
static int parse_tags(const char *s, struct retention *r, const char **why)
{
	const char *p = s;

	for (;;) {
		size_t n = strcspn(p, ",");
		const char *b = p, *e = p + n;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (b == e)
			*why = "an empty tag (two ',' in a row, or one at an end)";
		else if ((size_t)(e - b) > RETENTION_TAG_MAX)
			*why = "a tag longer than 255 bytes";
		else if (utf8_has_ctl(b, (size_t)(e - b)) || !utf8_valid(b, (size_t)(e - b)))
			*why = "a tag with a control character or invalid UTF-8";
		else if (r->keep_tags.n >= RETENTION_TAGS_MAX)
			*why = "more than 32 tags";
		if (*why)
			return -EINVAL;
		if (strvec_pushf(&r->keep_tags, "%.*s", (int)(e - b), b) < 0)
			return -ENOMEM;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* The variables set, as "NAME=VALUE, ..." for the all-zero refusal. */
static void list_set(const char *const *vals, char *buf, size_t len)
{
	size_t n = 0;
	char tmp[SHOWN_MAX];

	buf[0] = '\0';
	for (int i = 0; i <= VAR_WITHIN && n < len; i++) {
		if (!vals[i])
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", n ? ", " : "", retention_vars[i],
				      shown(vals[i], tmp, sizeof(tmp)));
	}
	if (n >= len)
		buf[utf8_trim_cut(buf, len - 1)] = '\0';
}

static void say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

int retention_parse(struct retention *r, const char *(*get)(const char *name, void *ud), void *ud, char *err,
		    size_t errlen)
{
	const char *vals[VAR_TAG + 1], *why = NULL;
	char tmp[SHOWN_MAX], set[400];
	int any = 0, rc = -EINVAL;

	memset(r, 0, sizeof(*r));
	say(err, errlen, "%s", "");
	for (int i = 0; i <= VAR_TAG; i++) {
		vals[i] = get(retention_vars[i], ud);
		if (vals[i] && !*vals[i])
			vals[i] = NULL;
		any |= vals[i] != NULL;
	}
	if (!any)
		return 0;
	for (int i = 0; i < N_COUNTS; i++) {
		long v;
		if (!vals[i])
			continue;
		if (parse_uint(vals[i], strlen(vals[i]), RETENTION_COUNT_MAX, &v) < 0) {
			say(err, errlen, "%s='%s' is not a count: use a whole number from 0 to %d (0: rule not used)",
			    retention_vars[i], shown(vals[i], tmp, sizeof(tmp)), RETENTION_COUNT_MAX);
			goto out;
		}
		*count_field(r, i) = (int)v;
	}
	if (vals[VAR_WITHIN] && parse_within(vals[VAR_WITHIN], r) < 0) {
		say(err, errlen,
		    "FORGET_KEEP_WITHIN='%s' is not a restic duration: use one or more NUMBER+UNIT, units y, m, d, h "
		    "(years, months, days, hours), each at most once, e.g. 1y2m7d3h",
		    shown(vals[VAR_WITHIN], tmp, sizeof(tmp)));
		goto out;
	}
	if (vals[VAR_TAG] && (rc = parse_tags(vals[VAR_TAG], r, &why)) < 0) {
		if (rc == -EINVAL)
			say(err, errlen,
			    "FORGET_KEEP_TAG='%s' has %s: give tags separated by ',' (a snapshot is kept when it has "
			    "all "
			    "of them)",
			    shown(vals[VAR_TAG], tmp, sizeof(tmp)), why);
		goto out;
	}
	rc = -EINVAL;
	if (!retention_is_set(r) && vals[VAR_TAG]) {
		say(err, errlen,
		    "FORGET_KEEP_TAG='%s' without a count above 0 or FORGET_KEEP_WITHIN keeps only the snapshots with "
		    "those tags and forgets all others: also set a count (e.g. FORGET_KEEP_LAST=1) or "
		    "FORGET_KEEP_WITHIN",
		    shown(vals[VAR_TAG], tmp, sizeof(tmp)));
		goto out;
	}
	if (!retention_is_set(r)) {
		list_set(vals, set, sizeof(set));
		say(err, errlen,
		    "%s: every retention rule is 0, a policy that keeps no snapshot; set one to 1 or more, or unset "
		    "all "
		    "FORGET_KEEP_* variables to never forget",
		    set);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		retention_free(r);
		if (rc == -ENOMEM)
			say(err, errlen, "out of memory reading FORGET_KEEP_*");
	}
	return rc;
}

int retention_is_set(const struct retention *r)
{
	if (!r)
		return 0;
	return r->last > 0 || r->hourly > 0 || r->daily > 0 || r->weekly > 0 || r->monthly > 0 || r->yearly > 0 ||
	       r->within_years > 0 || r->within_months > 0 || r->within_days > 0 || r->within_hours > 0;
}

void retention_within_text(const struct retention *r, char *buf, size_t len)
{
	const int v[4] = { r->within_years, r->within_months, r->within_days, r->within_hours };
	static const char units[] = "ymdh";
	size_t n = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (int i = 0; i < 4 && n < len; i++)
		if (v[i])
			n += (size_t)snprintf(buf + n, len - n, "%d%c", v[i], units[i]);
	if (n >= len)
		buf[len - 1] = '\0';
}

/* Appends to buf[0..len) at *n, keeping the NUL; a cut falls between
 * characters. */
static void add(char *buf, size_t len, size_t *n, const char *s)
{
	size_t k = strlen(s);

	if (*n + 1 >= len)
		return;
	if (k > len - 1 - *n)
		k = utf8_trim_cut(s, len - 1 - *n);
	memcpy(buf + *n, s, k);
	*n += k;
	buf[*n] = '\0';
}

void retention_describe(const struct retention *r, char *buf, size_t len)
{
	static const char *const names[N_COUNTS] = { "last", "hourly", "daily", "weekly", "monthly", "yearly" };
	const int counts[N_COUNTS] = { r->last, r->hourly, r->daily, r->weekly, r->monthly, r->yearly };
	char part[64], within[64];
	size_t n = 0;
	int parts = 0, c = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (!retention_is_set(r)) {
		add(buf, len, &n, "keep every snapshot (no FORGET_KEEP_* set)");
		return;
	}
	add(buf, len, &n, "keep ");
	for (int i = 0; i < N_COUNTS; i++) {
		if (!counts[i])
			continue;
		snprintf(part, sizeof(part), "%s%s %d", c++ ? ", " : "", names[i], counts[i]);
		add(buf, len, &n, part);
		parts = 1;
	}
	retention_within_text(r, within, sizeof(within));
	if (within[0]) {
		add(buf, len, &n, parts++ ? "; within " : "within ");
		add(buf, len, &n, within);
	}
	if (r->keep_tags.n) {
		add(buf, len, &n, parts++ ? "; tags " : "tags ");
		for (size_t i = 0; i < r->keep_tags.n; i++) {
			if (i)
				add(buf, len, &n, ",");
			add(buf, len, &n, r->keep_tags.v[i]);
		}
		if (r->keep_tags.n > 1)
			add(buf, len, &n, " (all of them)");
	}
}

void retention_free(struct retention *r)
{
	if (!r)
		return;
	strvec_free(&r->keep_tags);
	memset(r, 0, sizeof(*r));
}

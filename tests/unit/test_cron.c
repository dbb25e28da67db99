/* Unit tests for cron: parsing (every error message), field semantics, and
 * next fire times in UTC and across DST changes in New York, Helsinki and
 * Lord Howe Island (a 30-minute change). Times are written with their UTC
 * offset, so a repeated wall time is never ambiguous. */
#include "cron.h"
#include "t.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static void use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* "YYYY-MM-DD HH:MM:SS +HHMM" to an epoch. */
static time_t at(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%d %H:%M:%S %z", &tm);
	long off = tm.tm_gmtoff; /* timegm() resets it */

	if (!end || *end) {
		printf("# bad time in test: %s\n", s);
		return 0;
	}
	return timegm(&tm) - off;
}

static const char *local(time_t t)
{
	static char buf[64];
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z", &tm))
		return "(bad time)";
	return buf;
}

/* The parse error of expr, or "" when it parses. */
static const char *perr(const char *expr)
{
	static char err[256];
	struct cron_expr c;

	if (cron_parse(expr, &c, err, sizeof(err)) == 0)
		return "";
	return err;
}

/* The next fire time after start as a local time, "none", or the error. */
static const char *next(const char *expr, const char *start)
{
	static char buf[300];
	struct cron_expr c;
	time_t t;

	if (cron_parse(expr, &c, buf, sizeof(buf)) < 0)
		return buf;
	if (cron_next(&c, at(start), &t) < 0)
		return "none";
	return local(t);
}

/* n fire times in a row, from start, as "HH:MM:SS+HHMM" joined by spaces. */
static const char *chain(const char *expr, const char *start, int n)
{
	static char buf[512];
	struct cron_expr c;
	struct tm tm;
	size_t len = 0;
	time_t t = at(start);

	buf[0] = '\0';
	if (cron_parse(expr, &c, buf, sizeof(buf)) < 0)
		return buf;
	for (int i = 0; i < n && len + 32 < sizeof(buf); i++) {
		if (cron_next(&c, t, &t) < 0 || !localtime_r(&t, &tm))
			return "none";
		len += strftime(buf + len, sizeof(buf) - len, i ? " %H:%M:%S%z" : "%H:%M:%S%z", &tm);
	}
	return buf;
}

/* s with control and non-ASCII bytes as \xNN, for test descriptions. */
static const char *printable(const char *s)
{
	static char buf[128];
	size_t n = 0;

	for (; *s && n + 5 < sizeof(buf); s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x20 && ch < 0x7f)
			buf[n++] = (char)ch;
		else
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x%02x", ch);
	}
	buf[n] = '\0';
	return buf;
}

/* Parses expr into *c as one check; *c is zero when it fails. */
static void parse(const char *expr, struct cron_expr *c)
{
	char err[256];
	int rc;

	memset(c, 0, sizeof(*c));
	rc = cron_parse(expr, c, err, sizeof(err));
	CHECK(rc == 0, "'%s' parses%s%s", expr, rc ? ": " : "", rc ? err : "");
}

/* Field by field: memcmp would also compare padding. */
static int same(const struct cron_expr *a, const struct cron_expr *b)
{
	return a->seconds == b->seconds && a->minutes == b->minutes && a->hours == b->hours && a->dom == b->dom &&
	       a->months == b->months && a->dow == b->dow && a->has_seconds == b->has_seconds &&
	       a->dom_restricted == b->dom_restricted && a->dow_restricted == b->dow_restricted;
}

static uint64_t bits(const char *list)
{
	uint64_t b = 0;
	char *end;

	for (const char *s = list; *s; s = end + (*end == ','))
		b |= (uint64_t)1 << strtol(s, &end, 10);
	return b;
}

static uint64_t range_bits(int lo, int hi, int step)
{
	uint64_t b = 0;

	for (int v = lo; v <= hi; v += step)
		b |= (uint64_t)1 << v;
	return b;
}

static void test_fields(void)
{
	struct cron_expr c;

	CHECK_INT(cron_parse("* * * * *", &c, NULL, 0), 0, "'* * * * *' parses without an error buffer");
	CHECK(c.seconds == 1 && c.minutes == range_bits(0, 59, 1) && c.hours == range_bits(0, 23, 1) &&
		      c.dom == range_bits(1, 31, 1) && c.months == range_bits(1, 12, 1) && c.dow == range_bits(0, 6, 1),
	      "'* * * * *' sets every bit, seconds only 0");
	CHECK(!c.has_seconds && !c.dom_restricted && !c.dow_restricted, "'* * * * *' flags");

	parse("*/5 */6 */10 */4 */2", &c);
	CHECK(c.minutes == range_bits(0, 59, 5), "*/5 minutes");
	CHECK(c.hours == bits("0,6,12,18"), "*/6 hours");
	CHECK(c.dom == bits("1,11,21,31"), "*/10 days start at 1");
	CHECK(c.months == bits("1,5,9"), "*/4 months start at 1");
	CHECK(c.dow == bits("0,2,4,6"), "*/2 weekdays");

	CHECK_STR(perr("1-30/7 5/15 3,5-7,22 1,5,12 *"), "", "steps, ranges and lists parse");
	parse("1-30/7 5/15 3,5-7,22 1,5,12 *", &c);
	CHECK(c.minutes == bits("1,8,15,22,29"), "1-30/7");
	CHECK(c.hours == bits("5,20"), "5/15 means 5-23/15");
	CHECK(c.dom == bits("3,5,6,7,22"), "list of values and ranges");
	CHECK(c.months == bits("1,5,12"), "list of months");

	parse("0 0 1,15,31 * *", &c);
	CHECK(c.dom == bits("1,15,31"), "day-of-month list");
	parse("0 0 * JAN-MAR,jun,Dec */1", &c);
	CHECK(c.months == bits("1,2,3,6,12"), "month names, any case, in ranges and lists");
	parse("0 0 * FEB/3 Mon-fri", &c);
	CHECK(c.months == bits("2,5,8,11"), "FEB/3");
	CHECK(c.dow == bits("1,2,3,4,5"), "MON-FRI");
	parse("0 0 * * 7", &c);
	CHECK(c.dow == bits("0"), "7 is Sunday");
	parse("0 0 * * 5-7", &c);
	CHECK(c.dow == bits("0,5,6"), "5-7 includes Sunday");
	parse("0 0 * * FRI-SUN", &c);
	CHECK(c.dow == bits("0,5,6"), "FRI-SUN: a range may end on Sunday");
	parse("0 0 * * 5-0", &c);
	CHECK(c.dow == bits("0,5,6"), "5-0 as FRI-SUN");
	parse("0 0 * * 0-7", &c);
	CHECK(c.dow == range_bits(0, 6, 1), "0-7 is every day");
	parse("0 0 * * 1/2", &c);
	CHECK(c.dow == bits("0,1,3,5"), "1/2 is 1-7/2 and 7 is Sunday");
	parse("0 0 * * SUN-SUN", &c);
	CHECK(c.dow == bits("0"), "SUN-SUN");
	parse("00 09 01 01 00", &c);
	CHECK(c.minutes == 1 && c.hours == bits("9") && c.dom == bits("1") && c.months == bits("1") &&
		      c.dow == bits("0"),
	      "leading zeros");
	parse("*/60 */24 */31 */12 */7", &c);
	CHECK(c.minutes == 1 && c.hours == 1 && c.dom == bits("1") && c.months == bits("1") && c.dow == bits("0"),
	      "the largest steps give the first value only");
}

static void test_flags_and_forms(void)
{
	struct cron_expr a, b;

	parse("0 0 1 * MON", &a);
	CHECK(a.dom_restricted && a.dow_restricted, "'1' and 'MON' are restricted");
	parse("0 0 */2 * MON", &a);
	CHECK(!a.dom_restricted && a.dow_restricted, "'*/2' is not restricted (Vixie)");
	parse("0 0 ? * ?", &a);
	CHECK(!a.dom_restricted && !a.dow_restricted && a.dom == range_bits(1, 31, 1) && a.dow == range_bits(0, 6, 1),
	      "'?' is '*' in the day fields");
	parse("0 0 1-31 * 1", &a);
	CHECK(a.dom_restricted, "'1-31' is restricted although it is every day");

	CHECK_INT(cron_parse("30 */5 * * * *", &a, NULL, 0), 0, "six fields parse");
	CHECK(a.has_seconds && a.seconds == bits("30") && a.minutes == range_bits(0, 59, 5),
	      "six fields: the seconds come first");

	parse("0 12 * * 1-5", &a);
	CHECK_INT(cron_parse(" \t0  12\t*   * 1-5 \t", &b, NULL, 0), 0, "spaces and tabs");
	CHECK(same(&a, &b), "blank runs separate fields, ends are trimmed");

	static const char *const macros[][2] = {
		{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
		{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
		{ "@hourly", "0 * * * *" }, { " @DAILY ", "0 0 * * *" },  { "@Hourly", "0 * * * *" },
	};
	for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
		CHECK(cron_parse(macros[i][0], &a, NULL, 0) == 0 && cron_parse(macros[i][1], &b, NULL, 0) == 0 &&
			      same(&a, &b),
		      "macro '%s' is '%s'", macros[i][0], macros[i][1]);
	}

	char longest[CRON_EXPR_MAX + 2];
	memset(longest, ' ', sizeof(longest));
	memcpy(longest, "* * * * *", 9);
	longest[CRON_EXPR_MAX] = '\0';
	CHECK_STR(perr(longest), "", "an expression of %d bytes is accepted", CRON_EXPR_MAX);
	longest[CRON_EXPR_MAX] = ' ';
	longest[CRON_EXPR_MAX + 1] = '\0';
	CHECK_STR(perr(longest), "expression is longer than 256 characters", "one byte more is not");
}

static void test_errors(void)
{
	static const char *const cases[][2] = {
		{ "", "empty expression; use 5 fields (minute hour day-of-month month day-of-week), "
		      "6 with a leading second, or a macro like @daily" },
		{ " \t ", "empty expression; use 5 fields (minute hour day-of-month month day-of-week), "
			  "6 with a leading second, or a macro like @daily" },
		{ "* * * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 "
			     "(second first), got 4" },
		{ "1 2 3 4 5 6 7", "expected 5 fields (minute hour day-of-month month day-of-week) or "
				   "6 (second first), got 7" },
		{ "0 25 * * *", "field 2 (hour): 25 is out of range 0-23" },
		{ "60 * * * *", "field 1 (minute): 60 is out of range 0-59" },
		{ "* * 0 * *", "field 3 (day-of-month): 0 is out of range 1-31" },
		{ "* * 32 * *", "field 3 (day-of-month): 32 is out of range 1-31" },
		{ "* * * 0 *", "field 4 (month): 0 is out of range 1-12 or JAN-DEC" },
		{ "* * * 13 *", "field 4 (month): 13 is out of range 1-12 or JAN-DEC" },
		{ "* * * * 8", "field 5 (day-of-week): 8 is out of range 0-7 or SUN-SAT (0 and 7 are "
			       "Sunday)" },
		{ "60 0 * * * *", "field 1 (second): 60 is out of range 0-59" },
		{ "0 60 * * * *", "field 2 (minute): 60 is out of range 0-59" },
		{ "0 0 24 * * *", "field 3 (hour): 24 is out of range 0-23" },
		{ "99999999999999999999 * * * *", "field 1 (minute): 999999999999 is out of range 0-59" },
		{ "*/0 * * * *", "field 1 (minute): step 0 is out of range 1-60" },
		{ "0-59/0 * * * *", "field 1 (minute): step 0 is out of range 1-60" },
		{ "* */25 * * *", "field 2 (hour): step 25 is out of range 1-24" },
		{ "* * * * */8", "field 5 (day-of-week): step 8 is out of range 1-7" },
		{ "*/ * * * *", "field 1 (minute): a number must follow '/' in '*/'" },
		{ "5/x * * * *", "field 1 (minute): a number must follow '/' in '5/x'" },
		{ "30-10 * * * *", "field 1 (minute): range 30-10 is reversed; put the smaller value "
				   "first" },
		{ "* * * DEC-JAN *", "field 4 (month): range DEC-JAN is reversed; put the smaller "
				     "value first" },
		{ "* * * * TUE-MON", "field 5 (day-of-week): range TUE-MON is reversed; put the "
				     "smaller value first" },
		{ "1,,2 * * * *", "field 1 (minute): empty item in list '1,,2'" },
		{ "1, * * * *", "field 1 (minute): empty item in list '1,'" },
		{ ",1 * * * *", "field 1 (minute): empty item in list ',1'" },
		{ "5- * * * *", "field 1 (minute): a value is missing after '-'" },
		{ "-5 * * * *", "field 1 (minute): expected a value, got '-'" },
		{ "5-10-15 * * * *", "field 1 (minute): unexpected '-' after '5-10'" },
		{ "*/5/2 * * * *", "field 1 (minute): unexpected '/' after '*/5'" },
		{ "*5 * * * *", "field 1 (minute): unexpected '5' after '*'" },
		{ "5x * * * *", "field 1 (minute): unexpected 'x' after '5'" },
		{ "JAN * * * *", "field 1 (minute): 'JAN' is not a number; use 0-59" },
		{ "* * * FOO *", "field 4 (month): unknown name 'FOO'; use 1-12 or JAN-DEC" },
		{ "* * * JANUARY *", "field 4 (month): unknown name 'JANUARY'; use 1-12 or JAN-DEC" },
		{ "* * * MON *", "field 4 (month): unknown name 'MON'; use 1-12 or JAN-DEC" },
		{ "* * * * JAN", "field 5 (day-of-week): unknown name 'JAN'; use 0-7 or SUN-SAT (0 "
				 "and 7 are Sunday)" },
		{ "* * L * *", "field 3 (day-of-month): 'L' is not a number; use 1-31" },
		{ "* * * * 5#2", "field 5 (day-of-week): unexpected character '#'" },
		{ "* * * * 1.5", "field 5 (day-of-week): unexpected character '.'" },
		{ "+5 * * * *", "field 1 (minute): unexpected character '+'" },
		{ "0 0 * * *\n", "field 5 (day-of-week): unexpected byte 0x0a" },
		{ "0 0 * * M\xc3\x96N", "field 5 (day-of-week): unexpected byte 0xc3" },
		{ "? * * * *", "field 1 (minute): '?' may only be the whole day-of-month or "
			       "day-of-week field" },
		{ "* * 1,? * *", "field 3 (day-of-month): '?' may only be the whole day-of-month or "
				 "day-of-week field" },
		{ "* * ?/2 * *", "field 3 (day-of-month): '?' may only be the whole day-of-month or "
				 "day-of-week field" },
		{ "@reboot", "unknown macro '@reboot'; use @yearly @annually @monthly @weekly @daily "
			     "@midnight or @hourly" },
		{ "@", "unknown macro '@'; use @yearly @annually @monthly @weekly @daily @midnight or "
		       "@hourly" },
		{ "@dailyx", "unknown macro '@dailyx'; use @yearly @annually @monthly @weekly @daily "
			     "@midnight or @hourly" },
		{ "@daily *", "@daily must stand alone; unexpected '*' after it" },
	};
	struct cron_expr c;
	char small[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(perr(cases[i][0]), cases[i][1], "error for '%s'", printable(cases[i][0]));
	CHECK_STR(perr(NULL), "no cron expression", "NULL expression");
	CHECK_INT(cron_parse("0 25 * * *", &c, NULL, 0), -1, "an error without a buffer is -1");
	CHECK_INT(cron_parse("0 25 * * *", &c, small, sizeof(small)), -1, "error into a small buffer");
	CHECK_STR(small, "field 2", "the message is cut to the buffer");
}

static void test_next_utc(void)
{
	struct cron_expr c;
	time_t t;

	use_tz("UTC");
	CHECK_STR(next("* * * * *", "2024-05-01 10:00:30 +0000"), "2024-05-01 10:01:00 +0000",
		  "every minute: the next minute");
	CHECK_STR(next("* * * * *", "2024-05-01 10:00:00 +0000"), "2024-05-01 10:01:00 +0000",
		  "strictly after the start");
	CHECK_STR(next("* * * * * *", "2024-05-01 10:00:00 +0000"), "2024-05-01 10:00:01 +0000", "every second");
	CHECK_STR(next("*/10 * * * * *", "2024-05-01 10:00:05 +0000"), "2024-05-01 10:00:10 +0000", "seconds step");
	CHECK_STR(next("59 59 23 31 12 *", "2024-12-31 23:59:59 +0000"), "2025-12-31 23:59:59 +0000",
		  "six fields, a year later");
	CHECK_STR(next("0 0 1 1 *", "2024-06-15 12:00:00 +0000"), "2025-01-01 00:00:00 +0000", "yearly");
	CHECK_STR(next("59 23 31 12 *", "2024-12-31 23:59:00 +0000"), "2025-12-31 23:59:00 +0000",
		  "year end to year end");
	CHECK_STR(next("0 0 31 * *", "2024-04-01 00:00:00 +0000"), "2024-05-31 00:00:00 +0000", "the 31st skips April");
	CHECK_STR(next("0 0 29 2 *", "2025-03-01 00:00:00 +0000"), "2028-02-29 00:00:00 +0000",
		  "29 February: the next leap year");
	CHECK_STR(next("0 0 29 2 *", "2096-03-01 00:00:00 +0000"), "none",
		  "2100 is no leap year: nothing within 5 years");
	CHECK_STR(next("0 0 29 2 *", "2099-01-01 00:00:00 +0000"), "2104-02-29 00:00:00 +0000",
		  "2104 is five years after 2099");
	CHECK_STR(next("0 0 30 2 *", "2024-01-01 00:00:00 +0000"), "none", "30 February never comes");
	CHECK_STR(next("0 0 31 4,6,9,11 *", "2024-01-01 00:00:00 +0000"), "none",
		  "31 April, June, September, November never come");
	CHECK_STR(next("30 9 * * MON-FRI", "2024-05-03 09:30:00 +0000"), "2024-05-06 09:30:00 +0000",
		  "weekdays: Friday to Monday");
	CHECK_STR(next("0 0 * * 7", "2024-05-01 00:00:00 +0000"), "2024-05-05 00:00:00 +0000", "7 is Sunday");
	CHECK_STR(next("0 0 * * FRI-SUN", "2024-05-01 00:00:00 +0000"), "2024-05-03 00:00:00 +0000", "FRI-SUN");
	/* 2024-01-01 was a Monday. */
	CHECK_STR(next("0 0 13 * FRI", "2024-01-01 00:00:00 +0000"), "2024-01-05 00:00:00 +0000",
		  "13th or Friday: the first Friday");
	CHECK_STR(next("0 0 13 * FRI", "2024-01-12 00:00:00 +0000"), "2024-01-13 00:00:00 +0000",
		  "13th or Friday: the 13th, a Saturday");
	CHECK_STR(next("0 0 1 * MON", "2024-01-29 00:00:00 +0000"), "2024-02-01 00:00:00 +0000",
		  "1st or Monday: the 1st, a Thursday");
	CHECK_STR(next("0 0 */2 * MON", "2024-01-01 00:00:00 +0000"), "2024-01-15 00:00:00 +0000",
		  "*/2 and Monday (Vixie AND): odd-numbered Mondays");
	CHECK_STR(next("0 0 ? * MON", "2024-01-02 00:00:00 +0000"), "2024-01-08 00:00:00 +0000",
		  "? and Monday: Mondays");
	CHECK_STR(next("0 0 1-31 * MON", "2024-01-02 00:00:00 +0000"), "2024-01-03 00:00:00 +0000",
		  "1-31 or Monday (both restricted): every day");
	CHECK_STR(next("0 0 13 * *", "2024-01-13 00:00:00 +0000"), "2024-02-13 00:00:00 +0000", "monthly on the 13th");
	CHECK_STR(next("@hourly", "2024-01-01 10:59:59 +0000"), "2024-01-01 11:00:00 +0000", "@hourly");
	CHECK_STR(next("@weekly", "2024-01-01 00:00:00 +0000"), "2024-01-07 00:00:00 +0000",
		  "@weekly: Sunday midnight");
	CHECK_STR(next("@monthly", "2024-01-31 12:00:00 +0000"), "2024-02-01 00:00:00 +0000", "@monthly");
	CHECK_STR(next("0 0 * * *", "1969-12-31 12:00:00 +0000"), "1970-01-01 00:00:00 +0000", "before the epoch");

	parse("* * * * *", &c);
	CHECK_INT(cron_next(&c, (time_t)1 << 41, &t), -1, "a start beyond the year 35000 is refused");
	CHECK_INT(cron_next(&c, 1714557600, &t), 0, "cron_next returns 0");
	CHECK_INT(t, 1714557660, "and the epoch of the next minute");

	parse("0 0 * * 1,2", &c);
	CHECK_INT(cron_interval(&c, 1714557600, &t), 0, "cron_interval returns 0");
	CHECK_INT(t, 6 * 86400, "Monday and Tuesday: the longest gap is 6 days");
	parse("*/15 * * * *", &c);
	cron_interval(&c, 1714557600, &t);
	CHECK_INT(t, 900, "every 15 minutes");
	parse("0 0 30 2 *", &c);
	CHECK_INT(cron_interval(&c, 1714557600, &t), -1, "no interval when it never fires");
	/* The schedules users write: the longest gap, not the first. */
	parse("0 3 * * 1-5", &c);
	CHECK(cron_interval(&c, 1714557600, &t) == 0 && t == 3 * 86400, "weekdays at 03:00: the weekend, 3 days (%ld)",
	      (long)t);
	parse("*/10 9-17 * * 1-5", &c);
	CHECK(cron_interval(&c, 1714557600, &t) == 0 && t == 2 * 86400 + 15 * 3600 + 10 * 60,
	      "every 10 minutes in office hours: Friday 17:50 to Monday 09:00 (%ld)", (long)t);
	parse("0 3 1 * *", &c);
	CHECK(cron_interval(&c, 1714557600, &t) == 0 && t == 31 * 86400, "monthly on the 1st: 31 days (%ld)", (long)t);
	parse("0 3 31 * *", &c);
	CHECK(cron_interval(&c, 1714557600, &t) == 0 && t == 61 * 86400, "on the 31st: 61 days (Mar 31 to May 31)  (%ld)",
	      (long)t);
	parse("0 0 29 2 *", &c);
	CHECK(cron_interval(&c, 1714557600, &t) == 0 && t == (365 * 3 + 366) * 86400L,
	      "on leap days: 4 years (%ld)", (long)t);
	parse("30 4 * * 0", &c);
	CHECK(cron_interval(&c, 1714557600, &t) == 0 && t == 7 * 86400, "weekly: 7 days (%ld)", (long)t);
	parse("0 0 * * 1,2", &c);
	CHECK(cron_interval(&c, 1714557600 + 86400, &t) == 0 && t == 6 * 86400, "the same seen from a Tuesday (%ld)",
	      (long)t);
}

static void test_dst_new_york(void)
{
	struct cron_expr c;
	time_t t;

	/* 2024-03-10 02:00 EST the clock jumps to 03:00 EDT; 2024-11-03
	 * 02:00 EDT it falls back to 01:00 EST. */
	use_tz("America/New_York");
	CHECK_STR(next("30 2 * * *", "2024-03-10 00:00:00 -0500"), "2024-03-10 03:00:00 -0400",
		  "a skipped 02:30 fires when the clock jumps");
	parse("30 2 * * *", &c);
	CHECK(cron_next(&c, at("2024-03-10 00:00:00 -0500"), &t) == 0 && t == 1710054000, "that is 1710054000");
	CHECK_STR(next("30 2 * * *", "2024-03-10 03:00:00 -0400"), "2024-03-11 02:30:00 -0400",
		  "and once only: the next is tomorrow");
	CHECK_STR(next("30 2 * * *", "2024-03-10 03:10:00 -0400"), "2024-03-11 02:30:00 -0400",
		  "after the jump: tomorrow");
	CHECK_STR(next("0 2 * * *", "2024-03-09 23:00:00 -0500"), "2024-03-10 03:00:00 -0400", "a skipped 02:00");
	CHECK_STR(next("30 30 2 * * *", "2024-03-10 01:59:59 -0500"), "2024-03-10 03:00:00 -0400",
		  "a skipped 02:30:30 (six fields)");
	CHECK_STR(chain("*/15 * * * *", "2024-03-10 01:30:00 -0500", 4),
		  "01:45:00-0500 03:00:00-0400 03:15:00-0400 03:30:00-0400",
		  "every 15 minutes over the jump: no extra run");
	CHECK_STR(chain("5-59/15 * * * *", "2024-03-10 01:40:00 -0500", 3), "01:50:00-0500 03:00:00-0400 03:05:00-0400",
		  "skipped 02:05..02:50 collapse into one run at 03:00");
	CHECK_STR(next("0 12 * * *", "2024-03-09 12:00:00 -0500"), "2024-03-10 12:00:00 -0400",
		  "noon stays noon across the change (croniter says 11:00)");

	CHECK_STR(next("30 1 * * *", "2024-11-03 00:00:00 -0400"), "2024-11-03 01:30:00 -0400",
		  "a repeated 01:30 fires at its first occurrence");
	CHECK_STR(next("30 1 * * *", "2024-11-03 01:30:00 -0400"), "2024-11-04 01:30:00 -0500", "and once only");
	CHECK_STR(next("30 1 * * *", "2024-11-03 01:40:00 -0400"), "2024-11-04 01:30:00 -0500",
		  "from 01:40 EDT: tomorrow (croniter says 02:30)");
	CHECK_STR(chain("*/15 * * * *", "2024-11-03 01:20:00 -0400", 4),
		  "01:30:00-0400 01:45:00-0400 02:00:00-0500 02:15:00-0500",
		  "every 15 minutes: nothing while 01:00-01:59 replays");
	CHECK_STR(next("*/15 * * * *", "2024-11-03 01:10:00 -0500"), "2024-11-03 02:00:00 -0500",
		  "started inside the replayed hour: its end (croniter says 01:15 EDT, the past)");
	CHECK_STR(next("* * * * * *", "2024-11-03 01:59:59 -0400"), "2024-11-03 02:00:00 -0500",
		  "every second: the last second before the fall back, then 02:00 EST");
	CHECK_STR(next("* * * * * *", "2024-11-03 01:00:00 -0500"), "2024-11-03 02:00:00 -0500",
		  "every second: the first second of the replay");
	CHECK_STR(next("59 59 1 * * *", "2024-11-03 01:59:59 -0500"), "2024-11-04 01:59:59 -0500",
		  "the last second of the replay");
	CHECK_STR(chain("0 * * * *", "2024-11-03 00:30:00 -0400", 3), "01:00:00-0400 02:00:00-0500 03:00:00-0500",
		  "hourly: two hours pass between 01 and 02");
	CHECK_STR(next("0 12 * * *", "2024-11-02 12:00:00 -0400"), "2024-11-03 12:00:00 -0500",
		  "noon stays noon (croniter says 13:00)");

	parse("0 * * * *", &c);
	CHECK(cron_interval(&c, at("2024-11-03 00:30:00 -0400"), &t) == 0 && t == 7200,
	      "interval over the replay: 2 hours");
}

static void test_dst_helsinki(void)
{
	/* 2024-03-31 03:00 EET -> 04:00 EEST; 2024-10-27 04:00 EEST -> 03:00 EET. */
	use_tz("Europe/Helsinki");
	CHECK_STR(next("30 3 * * *", "2024-03-31 00:00:00 +0200"), "2024-03-31 04:00:00 +0300",
		  "Helsinki: a skipped 03:30 fires at 04:00");
	CHECK_STR(next("0 3 * * *", "2024-03-31 02:59:59 +0200"), "2024-03-31 04:00:00 +0300",
		  "from the last second before the jump (croniter misses it)");
	CHECK_STR(next("0 4 * * *", "2024-03-31 02:59:59 +0200"), "2024-03-31 04:00:00 +0300", "04:00 exists");
	CHECK_STR(chain("30 3 * * *", "2024-10-26 12:00:00 +0300", 3), "03:30:00+0300 03:30:00+0200 03:30:00+0200",
		  "a repeated 03:30 fires once a day");
	CHECK_STR(next("*/20 * 3,4 * * *", "2024-10-27 03:59:59 +0300"), "2024-10-27 04:00:00 +0200",
		  "every 20 s in hours 3-4: nothing in the replayed hour");
	CHECK_STR(next("0 0 1 * *", "2024-10-15 00:00:00 +0300"), "2024-11-01 00:00:00 +0200",
		  "monthly across the change");
}

static void test_dst_lord_howe(void)
{
	/* Lord Howe Island moves by 30 minutes: 2024-10-06 02:00 +1030 ->
	 * 02:30 +1100, and 2024-04-07 02:00 +1100 -> 01:30 +1030. */
	use_tz("Australia/Lord_Howe");
	CHECK_STR(next("15 2 * * *", "2024-10-06 00:00:00 +1030"), "2024-10-06 02:30:00 +1100",
		  "Lord Howe: a skipped 02:15 fires at the half-hour jump");
	CHECK_STR(next("45 2 * * *", "2024-10-06 00:00:00 +1030"), "2024-10-06 02:45:00 +1100", "02:45 exists");
	CHECK_STR(chain("*/20 1 * * *", "2024-04-07 01:00:00 +1100", 4),
		  "01:20:00+1100 01:40:00+1100 01:00:00+1030 01:20:00+1030",
		  "the replayed half hour 01:30-01:59: 01:40 runs once; then the next day");
}

int main(void)
{
	test_fields();
	test_flags_and_forms();
	test_errors();
	test_next_utc();
	test_dst_new_york();
	test_dst_helsinki();
	test_dst_lord_howe();
	return T_DONE();
}

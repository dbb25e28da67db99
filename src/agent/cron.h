/* cron: parse cron expressions and compute the next fire time in local time.
 *
 * Syntax. Five fields "minute hour day-of-month month day-of-week", or six
 * with a leading "second" field, separated by spaces or tabs. Each field is a
 * comma list of items; an item is "*", a number, a name (JAN-DEC in the month
 * field, SUN-SAT in day-of-week; case-insensitive), or a range "a-b", each
 * optionally followed by "/step". "a/step" means "a-MAX/step". Day-of-week is
 * 0-7 with both 0 and 7 meaning Sunday, and a range may end in Sunday
 * ("FRI-SUN", "5-0"). "?" alone means "*" in day-of-month and day-of-week.
 * Macros: @yearly @annually @monthly @weekly @daily @midnight @hourly.
 * An expression is at most CRON_EXPR_MAX bytes.
 *
 * Day matching follows Vixie cron: a day field is "restricted" unless its
 * text starts with '*' or '?'. When both day-of-month and day-of-week are
 * restricted a day matches if either does ("0 0 1 * MON": the 1st and every
 * Monday); otherwise both must match ("0 0 *\/2 * MON": odd-numbered Mondays).
 *
 * Time zone. Fields are matched against the local wall clock (TZ). The rule
 * that handles daylight-saving changes is: a job fires at the first instant
 * at which the wall clock reaches, or jumps over, one of its matching times.
 * So
 *   - a time skipped by a spring-forward change fires at the change itself
 *     ("30 2 * * *" in New York fires at 03:00 EDT that day; several skipped
 *     times collapse into that one run);
 *   - a time repeated by a fall-back change fires once, at its first
 *     occurrence; nothing fires while the wall clock replays an hour it has
 *     already shown ("*\/15 * * * *" fires 01:45 EDT, then 02:00 EST);
 *   - times the clock passes normally fire exactly then.
 * This assumes a zone changes its UTC offset at most once in any 48 hours,
 * true of every zone in use today.
 */
#ifndef RDS_CRON_H
#define RDS_CRON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CRON_EXPR_MAX 256   /* longest accepted expression, in bytes */
#define CRON_SEARCH_YEARS 5 /* cron_next looks this many years past the start's */

struct cron_expr {
	uint64_t seconds;    /* bit s: second s (0-59); only bit 0 with five fields */
	uint64_t minutes;    /* bit m: minute m (0-59) */
	uint32_t hours;      /* bit h: hour h (0-23) */
	uint32_t dom;        /* bit d: day of month d (1-31) */
	uint16_t months;     /* bit m: month m (1-12) */
	uint8_t dow;         /* bit w: weekday w (0-6, 0 = Sunday) */
	bool has_seconds;    /* six fields were given */
	bool dom_restricted; /* day-of-month does not start with '*' or '?' */
	bool dow_restricted; /* day-of-week does not start with '*' or '?' */
};

/* Parses expr (borrowed) into *out. Returns 0, or -1 with a one-line
 * explanation in err (what is wrong and what would be valid), e.g.
 * "field 2 (hour): 25 is out of range 0-23". err may be NULL. */
int cron_parse(const char *expr, struct cron_expr *out, char *err, size_t errlen);

/* Sets *next to the first fire time strictly after `after`, in the process's
 * local time zone (the caller has called tzset()). Returns 0, or -1 when the
 * expression matches nothing in the rest of the start's year and the
 * CRON_SEARCH_YEARS after it (e.g. "0 0 30 2 *"). */
int cron_next(const struct cron_expr *c, time_t after, time_t *next);

/* Sets *interval to the longest time between two consecutive fires of the
 * schedule: how long a health check should tolerate between two runs. It is
 * the longest wall-clock gap over the next nine years of days ("0 0 * * 1,2"
 * gives 6 days, "*\/10 9-17 * * 1-5" the weekend from Friday 17:50 to Monday
 * 09:00), plus the largest daylight-saving shift of the zone in the year
 * after `after`. Returns 0, or -1 when it fires fewer than twice in those
 * nine years (e.g. "0 0 30 2 *"). */
int cron_interval(const struct cron_expr *c, time_t after, time_t *interval);

#endif

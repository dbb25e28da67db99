/* retention: the FORGET_KEEP_* settings, which snapshots `restic forget`
 * keeps: read from text, validated, and described for the log. The meaning
 * is restic's own (`forget --keep-last` ... `--keep-tag`); restic.c turns a
 * policy into forget's argv. No policy set means nothing is ever forgotten. */
#ifndef RDS_RETENTION_H
#define RDS_RETENTION_H
#include <stddef.h>

#include "util.h"

#define RETENTION_COUNT_MAX 100000  /* largest FORGET_KEEP_<count> */
#define RETENTION_WITHIN_MAX 999999 /* largest number in FORGET_KEEP_WITHIN */
#define RETENTION_TAGS_MAX 32       /* entries of FORGET_KEEP_TAG */
#define RETENTION_TAG_MAX 255       /* bytes of one tag */

/* A retention policy. Counts of 0 and a within of all zeros are rules not
 * used (restic's meaning of 0). keep_tags is owned by the struct. */
struct retention {
	int last, hourly, daily, weekly, monthly, yearly; /* 0..RETENTION_COUNT_MAX */
	/* FORGET_KEEP_WITHIN, each 0..RETENTION_WITHIN_MAX. */
	int within_years, within_months, within_days, within_hours;
	/* FORGET_KEEP_TAG split at ',': restic keeps a snapshot that has ALL
	 * of them (one --keep-tag a,b). Each non-empty, no ',', valid UTF-8,
	 * no control character. */
	struct strvec keep_tags;
};

/* The variables retention_parse reads, in this order. */
extern const char *const retention_vars[];

/* Fills r from the value of each variable in retention_vars, asked of
 * get(name, ud); NULL or "" is a variable not set. r needs no
 * initialisation: it is overwritten (call retention_free on a filled one
 * first). On a refusal r is left empty (no rule, nothing owned) and err gets
 * one line naming the variable, showing its value (control characters as
 * \xNN, cut between characters) and saying what would be valid. Refused:
 *   - a count that is not a whole number 0..RETENTION_COUNT_MAX (a sign,
 *     spaces, "unlimited" included);
 *   - FORGET_KEEP_WITHIN not in restic's form: one or more NUMBER+UNIT,
 *     units y, m, d, h, each at most once, numbers up to
 *     RETENTION_WITHIN_MAX (e.g. 1y2m7d3h);
 *   - FORGET_KEEP_TAG with an empty entry ("a,,b", a trailing ','), an
 *     entry with a control character or invalid UTF-8, longer than
 *     RETENTION_TAG_MAX, or more than RETENTION_TAGS_MAX entries (spaces
 *     and tabs around an entry are dropped);
 *   - variables set whose every count and within is 0: that policy keeps
 *     no snapshot (restic 0.14 ignores it, 0.17+ refuses it);
 *   - FORGET_KEEP_TAG without a count or FORGET_KEEP_WITHIN: it keeps only
 *     the tagged snapshots (restic 0.14 removes all others).
 * Returns 0, -EINVAL (err set) or -ENOMEM. */
int retention_parse(struct retention *r, const char *(*get)(const char *name, void *ud), void *ud, char *err,
		    size_t errlen);

/* 1 when r forgets anything: a count above 0 or a within that is not all
 * zeros (keep_tags alone are not a policy). 0 for NULL. */
int retention_is_set(const struct retention *r);

/* The within in restic's form, units in the order y m d h and zeros left
 * out ("1y7d"); "" when it is all zeros. buf always NUL-terminated when
 * len > 0. */
void retention_within_text(const struct retention *r, char *buf, size_t len);

/* One line for the start-up log, e.g. "keep last 3, daily 7, weekly 5;
 * within 1y; tags x" (several tags: "tags a,b (all of them)"), or "keep
 * every snapshot (no FORGET_KEEP_* set)". Always NUL-terminated when
 * len > 0, valid UTF-8, cut between characters when too long. */
void retention_describe(const struct retention *r, char *buf, size_t len);

/* Frees keep_tags and zeroes r (NULL-safe). */
void retention_free(struct retention *r);

#endif

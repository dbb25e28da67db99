/* restic_maint: what restic's maintenance commands say. Counts the
 * snapshots `forget --json` kept and removed, reads the space `prune`
 * freed, and picks the first problem `check` reported. Pure functions over
 * text, checked against output recorded from restic 0.14 and 0.18
 * (tests/data/restic/maint.tsv). How a run ended (locked, failed) is
 * restic_out's restic_classify, from the exit code and stderr. */
#ifndef RDS_RESTIC_MAINT_H
#define RDS_RESTIC_MAINT_H
#include <stddef.h>

/* What one `restic forget --json` printed. */
struct restic_forget {
	long groups;  /* snapshot groups the policy was applied to */
	long kept;    /* snapshots kept, in all groups */
	long removed; /* snapshots removed; with --dry-run, those that would be */
};

#define RESTIC_FORGET_DEPTH 32 /* deeper JSON is refused */

/* A forget output scanner, for output that arrives in pieces or is too
 * large to hold: restic prints the whole array as one line (in 0.18 about
 * 1 KiB per snapshot, a kept one twice), which child.c hands over in pieces
 * of CHILD_LINE_MAX.
 * It counts without building the JSON and allocates nothing. The fields
 * below `result` are the scanner's own. */
struct restic_forget_scan {
	struct restic_forget result; /* counts so far */
	int state, depth, line_start, seen_text, ok;
	int expect_group, expect_key, expect_elem, in_key, key, counting;
	unsigned group_keys, key_len;
	char key_buf[8];
	unsigned char kinds[RESTIC_FORGET_DEPTH + 1];
};

void restic_forget_scan_init(struct restic_forget_scan *s);
/* Feeds the next n bytes of stdout as they came, newlines included (a
 * caller that gets lines feeds "\n" after each). A newline or other control
 * character inside the JSON is skipped, so a line cut in pieces with "\n"
 * between them still counts right. The array must start a line: a '[' in
 * other text ("[0:00] 100.00%") is not taken for it. */
void restic_forget_scan_feed(struct restic_forget_scan *s, const char *buf, size_t n);
/* Copies the counts into f and returns 0 when a whole array of groups was
 * read, each group with its "keep" and "remove" members (null counts 0), or
 * when the output held nothing but white space: restic 0.14 and 0.18 print
 * nothing when no snapshot matches --host and --tag (recorded
 * forget-no-match). -ENOENT otherwise (cut short, malformed, not forget's
 * output); f is zeroed then. */
int restic_forget_scan_finish(const struct restic_forget_scan *s, struct restic_forget *f);

/* The scanner over a whole output at once: init, feed, finish. out need not
 * be NUL-terminated. */
int restic_parse_forget_json(const char *out, size_t len, struct restic_forget *f);

/* What `restic prune` said it frees. */
struct restic_prune {
	long long freed_bytes; /* -1: restic did not say */
	char freed[32];        /* as restic wrote it, e.g. "13.430 KiB"; "" when it did not say */
};

/* Reads prune's stdout (0.14 and 0.18 alike): the size on its "total
 * prune:" line, e.g. "total prune:  55 blobs / 13.430 KiB". restic rounds
 * to 3 decimals of its unit (B, KiB, MiB, GiB, TiB, powers of 1024), so
 * freed_bytes is as exact as that. No such line (another version, a failed
 * run), or a size in another form, leaves freed_bytes -1 and freed "": not
 * an error. out may be NULL; it need not be NUL-terminated. */
void restic_parse_prune(const char *out, size_t len, struct restic_prune *p);

/* The first problem a failed `restic check` reported, into buf (always
 * NUL-terminated when len > 0; "" when there is none): the first line of
 * its stderr that is not blank, indented, a "Fatal: " summary, JSON, the
 * detail restic adds to a lock error, a retry ("Load(...) returned error,
 * retrying"), "repo already locked, waiting...", or "Is there a repository
 * at the following location?" and the location after it; e.g. 0.14's
 * "Pack ID does not match, want ..., got ...", 0.18's "pack ... contains 2
 * errors: ...". A line ending in ':' ("error for tree X:") gets its
 * indented next line appended after a space. When there is no such line,
 * restic_last_error's choice (a "Fatal: " line). Cleaned as
 * restic_last_error cleans: one line of valid UTF-8, cut between
 * characters. */
void restic_check_error(const char *stderr_text, char *buf, size_t len);

#endif

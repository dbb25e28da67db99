/* restic_out: what restic's output says. Decodes `backup --json` (0.14 and
 * 0.18 alike), tells how a run ended from its exit code and stderr, picks the
 * line of stderr worth logging, and turns ssh's complaints into hints that
 * name the setting to fix. Pure functions over text. */
#ifndef RDS_RESTIC_OUT_H
#define RDS_RESTIC_OUT_H
#include <stddef.h>

/* Result of one `restic backup --json`. */
struct restic_summary {
	char snapshot_id[65]; /* hex: 0.14 gives the short id (8), 0.18 the full
			       * one (64); empty when there is no snapshot */
	long files_new, files_changed, files_unmodified, dirs_new, dirs_changed;
	long long data_added, total_bytes_processed;
	double duration_s;
	int have; /* 1 when a summary line was found */
};

/* Parses backup --json stdout (one JSON object per line: status, verbose
 * status, the summary last). Lines that are not JSON, too long, or of another
 * type are skipped. out need not be NUL-terminated. Returns 0 when a summary
 * was found, -ENOENT when not. (Per-file error lines go to stderr in 0.14 and
 * 0.18 alike: restic_last_error reads those.) */
int restic_parse_backup_json(const char *out, size_t len, struct restic_summary *s);

enum restic_outcome {
	RESTIC_OK,
	RESTIC_INCOMPLETE,     /* snapshot made, some files unreadable (3) */
	RESTIC_NO_REPO,        /* 10, or 1 with 0.14's "unable to open config
				* file: ...file does not exist" */
	RESTIC_LOCKED,         /* 11, or "repository is already locked" */
	RESTIC_WRONG_PASSWORD, /* 12, or "wrong password or no key found" */
	RESTIC_INTERRUPTED,    /* 130 (SIGINT), or killed by HUP/INT/KILL/TERM */
	RESTIC_FAILED          /* anything else */
};

/* exit_code: 0..255, or 128+N when the process died of signal N, or
 * negative when it could not be run. stderr_text may be NULL; it decides only
 * for exit code 1 (restic before 0.17 used 1 for nearly everything). Exit 1
 * is a missing repository only when the text says the config file does not
 * exist and holds no 0.17+ JSON exit_error line: 0.17+ exits 1 with "Is
 * there a repository at the following location?" for a config it cannot
 * read (permission denied, I/O error), where `restic init` is wrong. */
enum restic_outcome restic_classify(int exit_code, const char *stderr_text);
/* "ok", "incomplete", "no-repository", "locked", "wrong-password",
 * "interrupted", "failed". */
const char *restic_outcome_name(enum restic_outcome o);

/* The most useful single line of restic's stderr, into buf (always
 * NUL-terminated when len > 0; "" when there is none): the first line of the
 * last JSON exit_error message (0.17+ with --json), else the last "Fatal: "
 * line, else the last line that is not blank or noise (help text, the lines
 * restic prints after a lock error or "Is there a repository..."); a JSON
 * error line reads as "ITEM: MESSAGE". A leading "Fatal: " and terminal
 * escapes are dropped, other control characters become '?', invalid UTF-8
 * bytes U+FFFD: buf is always valid UTF-8, cut between characters. */
void restic_last_error(const char *stderr_text, char *buf, size_t len);

/* A one-line hint for an ssh-level failure found in text (restic's stderr,
 * or the ssh -E log), or NULL. The returned string is static. */
const char *restic_ssh_hint(const char *text);

#endif

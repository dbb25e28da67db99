/* cron_next: batch driver for the cron differential test (tests/cron/diff.py).
 * Reads lines "EXPR<TAB>START_EPOCH" on stdin and prints one line for each:
 * the next fire time after START_EPOCH as an epoch, "NONE" when EXPR never
 * fires within the search window, or "ERR" when EXPR or the line is invalid
 * ("ERR<TAB>message" with -v). The time zone is TZ.
 * Usage: cron_next [-v] < cases */
#include "cron.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_LEN (CRON_EXPR_MAX + 64)

/* Parses a whole decimal epoch. Returns 0 or -1. */
static int parse_epoch(const char *s, time_t *t)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*t = (time_t)v;
	return 0;
}

static void run_line(char *line, int verbose)
{
	char err[256] = "line is not EXPR<TAB>START_EPOCH";
	struct cron_expr c;
	char *tab = strrchr(line, '\t');
	time_t start, next;

	if (!tab)
		goto bad;
	*tab = '\0';
	if (parse_epoch(tab + 1, &start) < 0 || cron_parse(line, &c, err, sizeof(err)) < 0)
		goto bad;
	if (cron_next(&c, start, &next) < 0)
		puts("NONE");
	else
		printf("%lld\n", (long long)next);
	return;
bad:
	if (verbose)
		printf("ERR\t%s\n", err);
	else
		puts("ERR");
}

int main(int argc, char **argv)
{
	char line[LINE_MAX_LEN];
	int verbose = 0, ch;

	if (argc == 2 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
	} else if (argc != 1) {
		fprintf(stderr, "usage: cron_next [-v] < lines of EXPR<TAB>START_EPOCH\n");
		return 2;
	}
	tzset();
	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strlen(line);

		if (n && line[n - 1] == '\n') {
			line[--n] = '\0';
		} else if (!feof(stdin)) {
			/* Longer than any valid case: skip the rest, one answer. */
			while ((ch = getchar()) != EOF && ch != '\n')
				;
			line[0] = '\0';
		}
		run_line(line, verbose);
	}
	if (ferror(stdin)) {
		fprintf(stderr, "cron_next: error reading stdin\n");
		return 1;
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "cron_next: error writing stdout\n");
		return 1;
	}
	return 0;
}

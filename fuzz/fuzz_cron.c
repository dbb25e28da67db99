/* fuzz_cron: cron_parse (RUN_AT, PRUNE_AT, CHECK_AT, rds.backup.at), and
 * for an expression it accepts cron_next and cron_interval, in a zone with
 * daylight-saving changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("TZ", "America/New_York", 1);
	tzset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), err[256];
	struct cron_expr c;
	time_t after = 1710000000, next = 0, gap = 0; /* 2024-03-09, a day before a change */

	if (cron_parse(s, &c, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(strlen(s) <= CRON_EXPR_MAX);
		if (cron_next(&c, after, &next) == 0)
			FUZZ_ASSERT(next > after);
		(void)cron_interval(&c, after, &gap);
	} else {
		FUZZ_ASSERT(strlen(err) < sizeof(err) && err[0]);
	}
	free(s);
	return 0;
}

/* fuzz_restic_out: what the agent reads from restic's output
 * (restic_out.h): backup --json's stdout, the outcome and the line worth
 * logging from stderr, ssh's complaints; and resticver's parse of
 * `restic version`. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "restic_out.h"
#include "resticver.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int codes[] = { 1, 3, 10, 12, 130, 143 };
	struct restic_summary sum;
	char *s = fuzz_str(data, size), line[300], tiny[5];
	int major, minor;
	size_t n;

	memset(&sum, 0, sizeof(sum));
	if (restic_parse_backup_json((const char *)data, size, &sum) == 0)
		FUZZ_ASSERT(sum.have && strlen(sum.snapshot_id) < sizeof(sum.snapshot_id));
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		FUZZ_ASSERT(restic_outcome_name(restic_classify(codes[i], s)) != NULL);
	restic_last_error(s, line, sizeof(line));
	n = strlen(line);
	FUZZ_ASSERT(n < sizeof(line) && utf8_valid(line, n));
	restic_last_error(s, tiny, sizeof(tiny));
	FUZZ_ASSERT(utf8_valid(tiny, strlen(tiny)));
	(void)restic_ssh_hint(s);
	if (restic_version_parse(s, &major, &minor) == 0)
		FUZZ_ASSERT(major >= 0 && minor >= 0);
	free(s);
	return 0;
}

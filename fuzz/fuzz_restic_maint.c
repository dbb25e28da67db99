/* fuzz_restic_maint: what the agent reads from restic's maintenance
 * commands (restic_maint.h): forget --json counted by the scanner fed
 * whole and in pieces (the same counts either way), prune's freed size,
 * and check's first problem. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "restic_maint.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct restic_forget_scan sc;
	struct restic_forget a, b;
	struct restic_prune p;
	char *s = fuzz_str(data, size), line[300];
	size_t i = 0, step = size % 61 + 1;
	int ra, rb;

	ra = restic_parse_forget_json((const char *)data, size, &a);
	restic_forget_scan_init(&sc);
	while (i < size) {
		size_t n = size - i < step ? size - i : step;

		restic_forget_scan_feed(&sc, (const char *)data + i, n);
		i += n;
		step = step * 5 % 61 + 1;
	}
	rb = restic_forget_scan_finish(&sc, &b);
	FUZZ_ASSERT(ra == rb && !memcmp(&a, &b, sizeof(a)));
	if (ra == 0)
		FUZZ_ASSERT(a.kept >= 0 && a.removed >= 0 && a.groups >= 0);
	restic_parse_prune((const char *)data, size, &p);
	FUZZ_ASSERT(strlen(p.freed) < sizeof(p.freed));
	if (p.freed_bytes < 0)
		FUZZ_ASSERT(p.freed_bytes == -1 && p.freed[0] == '\0');
	restic_check_error(s, line, sizeof(line));
	FUZZ_ASSERT(utf8_valid(line, strlen(line)) && !strchr(line, '\n'));
	free(s);
	return 0;
}

/* procenv: see procenv.h. The block's bounds are env_start and env_end,
 * fields 50 and 51 of /proc/self/stat (proc(5)); the kernel serves
 * /proc/PID/environ from exactly that memory. */
#include "procenv.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define STAT_MAX 4096 /* /proc/self/stat is one line of a few hundred bytes */

extern char **environ;

static int env_bounds(uintptr_t *start, uintptr_t *end, char *err, size_t errlen)
{
	char *stat = NULL, *p, *tok, *save = NULL;
	int field = 2, rc = -1; /* field 2 is (comm), which ends at the last ')' */

	if (read_file_bounded("/proc/self/stat", STAT_MAX, &stat, NULL) < 0) {
		snprintf(err, errlen, "cannot read /proc/self/stat: %s", strerror(errno));
		return -1;
	}
	p = strrchr(stat, ')');
	for (tok = p ? strtok_r(p + 1, " \n", &save) : NULL; tok; tok = strtok_r(NULL, " \n", &save)) {
		if (++field == 50)
			*start = (uintptr_t)strtoull(tok, NULL, 10);
		if (field == 51) {
			*end = (uintptr_t)strtoull(tok, NULL, 10);
			rc = 0;
			break;
		}
	}
	if (rc < 0)
		snprintf(err, errlen, "/proc/self/stat has no env_start/env_end (Linux 3.5 or later needed)");
	free(stat);
	return rc;
}

int procenv_blank(const char *const *names, char *err, size_t errlen)
{
	uintptr_t start = 0, end = 0;
	char *p, *lim;
	int ours = 0, n = 0;

	if (env_bounds(&start, &end, err, errlen) < 0)
		return -1;
	if (end <= start)
		return 0;
	for (char **e = environ; e && *e && !ours; e++)
		ours = (uintptr_t)*e >= start && (uintptr_t)*e < end;
	if (!ours)
		return 0;
	p = (char *)start;
	lim = (char *)end;
	while (p < lim) {
		size_t len = strnlen(p, (size_t)(lim - p));

		for (const char *const *name = names; *name; name++) {
			size_t nl = strlen(*name);
			if (len > nl && !memcmp(p, *name, nl) && p[nl] == '=') {
				memset(p + nl + 1, 0, len - nl - 1);
				n++;
				break;
			}
		}
		p += len + 1;
	}
	return n;
}

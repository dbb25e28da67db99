/* fuzz_status: reading STATUS_FILE back (status_read_all, status_read:
 * the next agent and `rds-agent health` read what an earlier one wrote, or
 * what else is in that volume), then what is done with what was read: the
 * health verdicts, the table `rds-agent status` prints, and the carry-over
 * to a new agent's record. The input is written to a memfd, read through
 * /proc/self/fd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "status.h"
#include "statusview.h"

static int fd = -1;
static char path[64];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("TZ", "UTC", 1);
	tzset();
	fd = memfd_create("rds-fuzz-status", MFD_CLOEXEC);
	devnull = fopen("/dev/null", "w");
	if (fd < 0 || !devnull)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static void put(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		abort();
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0)
			abort();
		off += (size_t)w;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const time_t now = 1750000000;
	struct status *v = NULL, one, fresh;
	char err[512], why[2048];
	size_t n = 0;

	put(data, size);
	if (status_read_all(path, &v, &n, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(n <= STATUS_JOBS_MAX);
		(void)status_health_all(v, n, now, why, sizeof(why));
		statusview_print(devnull, v, n, now);
		for (size_t i = 0; i < n; i++) {
			FUZZ_ASSERT(memchr(v[i].job, '\0', sizeof(v[i].job)) &&
				    memchr(v[i].message, '\0', sizeof(v[i].message)));
			(void)status_health(&v[i], now, why, sizeof(why));
			memset(&fresh, 0, sizeof(fresh));
			memcpy(fresh.job, v[i].job, sizeof(fresh.job));
			memcpy(fresh.repository, v[i].repository, sizeof(fresh.repository));
			(void)status_carry_over(&fresh, &v[i]);
		}
		free(v);
	}
	(void)status_read(path, &one, err, sizeof(err));
	return 0;
}

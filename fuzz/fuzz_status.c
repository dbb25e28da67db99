/* fuzz_status: reading STATUS_FILE back (status_read_all, status_read:
 * the next agent and `rds-agent health` read what an earlier one wrote, or
 * what else is in that volume), then what is done with what was read: the
 * health verdicts, the table `rds-agent status` prints, and the carry-over
 * to a new agent's record. What was read is written back (status_write_all)
 * and read again twice: after the writer's one repair (a text cut inside a
 * character, say) a record must come back as it was written. The input is
 * written to a memfd, read through /proc/self/fd; the records written go
 * to a file in a directory of this target's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "status.h"
#include "statusview.h"

static int fd = -1;
static char path[64], dir[64], out[80];
static FILE *devnull;

static void cleanup(void)
{
	unlink(out);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("TZ", "UTC", 1);
	tzset();
	fd = memfd_create("rds-fuzz-status", MFD_CLOEXEC);
	devnull = fopen("/dev/null", "w");
	if (fd < 0 || !devnull)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fuzz_tmpdir("rds-fuzz-status", dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/status.json", dir);
	atexit(cleanup);
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

/* Writes v[0..n) to out and reads it back into a new *back. */
static size_t write_read(const struct status *v, size_t n, struct status **back)
{
	const struct status **w = malloc(n * sizeof(*w));
	char err[512];
	size_t m = 0;

	FUZZ_ASSERT(w);
	for (size_t i = 0; i < n; i++)
		w[i] = &v[i];
	FUZZ_ASSERT(status_write_all(out, w, n, 0) == 0);
	FUZZ_ASSERT(status_read_all(out, back, &m, err, sizeof(err)) == 0);
	free(w);
	return m;
}

/* The records of v written and read twice: the second time changes nothing. */
static void round_trip(const struct status *v, size_t n)
{
	struct status *a = NULL, *b = NULL;
	size_t na, nb;

	if (!n)
		return;
	na = write_read(v, n, &a);
	FUZZ_ASSERT(na <= n);
	if (na) {
		nb = write_read(a, na, &b);
		FUZZ_ASSERT(nb == na && !memcmp(a, b, na * sizeof(*a)));
	}
	free(a);
	free(b);
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
		round_trip(v, n);
		free(v);
	}
	(void)status_read(path, &one, err, sizeof(err));
	return 0;
}

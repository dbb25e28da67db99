/* fuzz.h: what the libFuzzer targets (fuzz/fuzz_*.c) share. Each target is
 * one file with LLVMFuzzerTestOneInput over one parser of outside input;
 * make fuzz builds them (objects in build-fuzz/) and fuzz/run.sh runs them. */
#ifndef RDS_FUZZ_H
#define RDS_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* data[0..n) as a new NUL-terminated string (NUL bytes inside kept); the
 * caller frees it. Aborts when out of memory: a fuzzer cannot go on. */
static inline char *fuzz_str(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	if (n)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* A new directory for a target's files: in /dev/shm (tmpfs: the fsync of
 * an atomic write costs nothing, no disk is busy) when there is one, else
 * in /tmp. name is the directory's name without its random suffix; the
 * path goes into dir. Aborts when neither works. */
static inline void fuzz_tmpdir(const char *name, char *dir, size_t cap)
{
	static const char *const bases[] = { "/dev/shm", "/tmp" };

	for (size_t i = 0; i < 2; i++) {
		snprintf(dir, cap, "%s/%s.XXXXXX", bases[i], name);
		if (mkdtemp(dir))
			return;
	}
	abort();
}

/* A failed invariant of a parser's promise: a crash libFuzzer reports. */
#define FUZZ_ASSERT(cond)                 \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#endif

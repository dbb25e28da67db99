/* Tiny unit-test harness: each CHECK prints one TAP-like line. */
#ifndef RDS_T_H
#define RDS_T_H
#include <stdio.h>
#include <string.h>

static int t_n, t_failed;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		t_n++;                                                          \
		if (cond) {                                                     \
			printf("ok %d - ", t_n);                                \
		} else {                                                        \
			t_failed++;                                             \
			printf("not ok %d - %s:%d: ", t_n, __FILE__, __LINE__); \
		}                                                               \
		printf(__VA_ARGS__);                                            \
		printf("\n");                                                   \
	} while (0)

#define CHECK_STR(got, want, ...)                                                                             \
	do {                                                                                                  \
		const char *t_g = (got), *t_w = (want);                                                       \
		int t_ok = (t_g && t_w) ? strcmp(t_g, t_w) == 0 : t_g == t_w;                                 \
		CHECK(t_ok, __VA_ARGS__);                                                                     \
		if (!t_ok)                                                                                    \
			printf("#   got  '%s'\n#   want '%s'\n", t_g ? t_g : "(null)", t_w ? t_w : "(null)"); \
	} while (0)

#define CHECK_INT(got, want, ...)                                           \
	do {                                                                \
		long long t_g = (got), t_w = (want);                        \
		CHECK(t_g == t_w, __VA_ARGS__);                             \
		if (t_g != t_w)                                             \
			printf("#   got  %lld\n#   want %lld\n", t_g, t_w); \
	} while (0)

#define T_DONE() (t_failed ? 1 : 0)
#endif

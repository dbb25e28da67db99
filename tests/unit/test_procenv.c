/* Unit tests for procenv_blank: the values of the named variables are gone
 * from /proc/self/environ, everything else (a longer name with the same
 * start included) is still there. The test re-executes itself once so that
 * its variables are in the kernel's initial environment block. */
#include <stdlib.h>
#include <unistd.h>

#include "procenv.h"
#include "t.h"
#include "util.h"

extern char **environ;

/* Whether /proc/self/environ holds the bytes of the literal s (NULs too). */
#define HAS(s) environ_has(s, sizeof(s) - 1)

static int environ_has(const char *needle, size_t nlen)
{
	char *buf = NULL;
	size_t len = 0;
	int found;

	if (read_file_bounded("/proc/self/environ", 1 << 20, &buf, &len) < 0)
		return -1;
	found = memmem(buf, len, needle, nlen) != NULL;
	free(buf);
	return found;
}

/* Back into this program (argv[0]: run.sh gives a path) with the test's
 * variables at exec. */
static int reexec(char **argv)
{
	static char *extra[] = { "RDS_T_SECRET=hunter2-first", "RDS_T_SECRETX=visible", "RDS_T_KEEP=keep-me",
				 "RDS_T_SECRET=hunter2-second", NULL };
	size_t n = 0, i = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 5, sizeof(*env));
	if (!env)
		return 1;
	for (; i < n; i++)
		env[i] = environ[i];
	for (size_t k = 0; extra[k]; k++)
		env[i++] = extra[k];
	execve(argv[0], argv, env);
	perror(argv[0]);
	free(env);
	return 1;
}

int main(int argc, char **argv)
{
	static const char *const secret[] = { "RDS_T_SECRET", "RDS_T_ABSENT", NULL };
	static const char *const set_later[] = { "RDS_T_SET", NULL };
	char err[256] = "";
	int n;

	if (!getenv("RDS_T_KEEP"))
		return reexec(argv);
	CHECK_INT(HAS("hunter2"), 1, "before: the value is in /proc/self/environ");
	n = procenv_blank(secret, err, sizeof(err));
	if (n == 0 && getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload")) {
		printf("ok - procenv_blank # skip under valgrind the program runs on a copy of its environment\n");
		return T_DONE();
	}
	CHECK(n == 2, "both strings named RDS_T_SECRET blanked, the absent name ignored (%d; %s)", n, err);
	CHECK_INT(HAS("hunter2"), 0, "after: neither value is in /proc/self/environ");
	CHECK_INT(HAS("\0RDS_T_SECRET=\0"), 1, "the name stays, with an empty value");
	CHECK_INT(HAS("RDS_T_SECRETX=visible"), 1, "a longer name with the same start is not touched");
	CHECK_INT(HAS("RDS_T_KEEP=keep-me"), 1, "other variables are not touched");
	CHECK_STR(getenv("RDS_T_SECRET"), "", "getenv sees the empty value");
	CHECK_STR(getenv("RDS_T_KEEP"), "keep-me", "and the others as they were");
	CHECK_INT(procenv_blank(secret, err, sizeof(err)), 2, "a second call finds the same (empty) strings");

	setenv("RDS_T_SET", "heap-copy", 1);
	CHECK_INT(procenv_blank(set_later, err, sizeof(err)), 0, "a variable added by setenv is not in the block");
	CHECK_STR(getenv("RDS_T_SET"), "heap-copy", "and is left alone");
	return T_DONE();
}

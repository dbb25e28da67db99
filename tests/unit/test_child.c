/* Unit tests for child: argv without a shell, line streaming, exit codes,
 * timeouts, stop requests and reaping. */
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "t.h"
#include "util.h"

struct lines {
	char out[4096], err[4096];
	int nout, nerr;
};

static void collect(void *ud, int stream, const char *line)
{
	struct lines *l = ud;
	char *dst = stream == 1 ? l->out : l->err;
	size_t n = strlen(dst);
	snprintf(dst + n, 4096 - n, "%s|", line);
	if (stream == 1)
		l->nout++;
	else
		l->nerr++;
}

static int run(char **argv, long timeout_ms, volatile sig_atomic_t *stop, struct lines *l, struct child_result *r)
{
	struct child_spec s = { 0 };
	char err[256];
	memset(l, 0, sizeof(*l));
	s.argv = argv;
	s.on_line = collect;
	s.ud = l;
	s.timeout_ms = timeout_ms;
	s.stop = stop;
	s.kill_grace_ms = 500;
	return child_run(&s, r, err, sizeof(err));
}

static volatile sig_atomic_t stop;

static void on_alarm(int sig)
{
	stop = 1;
}

int main(void)
{
	struct lines l;
	struct child_result r;
	char *echo[] = { "sh", "-c", "echo one; echo two >&2; printf 'no newline'; exit 3", NULL };
	char *literal[] = { "printf", "%s\\n", "$HOME; rm -rf /", NULL };
	char *missing[] = { "rds-no-such-program", NULL };
	char *sleeper[] = { "sleep", "30", NULL };
	char *trap_term[] = { "sh", "-c", "trap '' TERM INT; sleep 30", NULL };
	char *orphan[] = { "sh", "-c", "sleep 0.2 & exit 0", NULL };

	CHECK_INT(run(echo, 0, NULL, &l, &r), 0, "child ran");
	CHECK_INT(r.code, 3, "exit code comes back");
	CHECK_STR(l.out, "one|no newline|", "stdout lines, last partial line flushed");
	CHECK_STR(l.err, "two|", "stderr lines kept apart");

	run(literal, 0, NULL, &l, &r);
	CHECK_STR(l.out, "$HOME; rm -rf /|", "arguments reach the program literally, no shell");

	CHECK_INT(run(missing, 0, NULL, &l, &r), 0, "a missing program still reports");
	CHECK_INT(r.code, 127, "missing program exits 127");

	{
		long long t0 = mono_ms();
		run(sleeper, 300, NULL, &l, &r);
		CHECK(r.timed_out && r.code == 128 + SIGTERM, "timeout stops the child with SIGTERM (code %d)", r.code);
		CHECK(mono_ms() - t0 < 2000, "timeout honoured promptly");
	}
	{
		long long t0 = mono_ms();
		run(trap_term, 300, NULL, &l, &r);
		CHECK(r.timed_out && r.code == 128 + SIGKILL,
		      "a child ignoring SIGTERM is killed after the grace (code %d)", r.code);
		CHECK(mono_ms() - t0 < 3000, "timeout + grace bounded");
	}
	{
		/* The stop arrives while the child runs, as SIGTERM reaches the
		 * agent: from a signal handler, 100 ms in. (A stop already set
		 * before the fork races the child's exec, and valgrind's own
		 * exec can then lose the signal.) */
		struct itimerval it = { .it_value = { 0, 100000 } };
		long long t0 = mono_ms();
		signal(SIGALRM, on_alarm);
		setitimer(ITIMER_REAL, &it, NULL);
		run(sleeper, 0, &stop, &l, &r);
		CHECK(r.stopped && r.code == 128 + SIGTERM, "a stop request ends the child (code %d)", r.code);
		CHECK(mono_ms() - t0 < 1500, "stop is prompt");
		stop = 0;
	}
	run(orphan, 0, NULL, &l, &r);
	CHECK_INT(r.code, 0, "child with a background grandchild returns");
	CHECK(waitpid(-1, NULL, WNOHANG) <= 0, "no zombie left behind");
	return T_DONE();
}

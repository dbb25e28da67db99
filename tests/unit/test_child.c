/* Unit tests for child: argv without a shell, line streaming, exit codes,
 * timeouts, stop requests (also one that comes just at the fork), data on
 * stdin and reaping. */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
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

/* The agent's stop handler: it only sets the flag. */
static void on_stop(int sig)
{
	stop = 1;
}

/* When set, fork() (child.c's call binds to this definition) makes the worst
 * timing of a stop request happen on purpose: SIGINT reaches the parent right
 * after the fork, and the new child takes 100 ms before it reaches
 * child_default_signals, so the parent's SIGINT to it arrives while it still
 * has the inherited flag-setting handler. */
static int stop_at_fork;

pid_t fork(void)
{
	static pid_t (*real_fork)(void);
	pid_t pid;

	if (!real_fork)
		real_fork = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
	pid = real_fork();
	if (stop_at_fork && pid == 0) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	} else if (stop_at_fork && pid > 0) {
		raise(SIGINT);
	}
	return pid;
}

/* A restic-like run: SIGINT to stop, a 10 s grace before SIGKILL. */
static int run_stoppable(char **argv, struct child_result *r)
{
	struct child_spec s = { 0 };
	char err[256];

	s.argv = argv;
	s.stop = &stop;
	s.stop_signal = SIGINT;
	s.kill_grace_ms = 10000;
	return child_run(&s, r, err, sizeof(err));
}

/* A stop requested before or at the fork must end the child at once, not
 * after the grace: run it `rounds` times, stop at the first slow one. */
static void check_stop_near_fork(const char *what, int at_fork, int rounds)
{
	char *sleeper[] = { "sleep", "30", NULL };
	struct child_result r = { 0 };
	struct sigaction sa, old;
	long long worst = 0;
	int i, rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* as the agent installs it: no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	for (i = 0; i < rounds; i++) {
		long long t0 = mono_ms(), took;

		stop = !at_fork;
		stop_at_fork = at_fork;
		rc = run_stoppable(sleeper, &r);
		stop_at_fork = 0;
		took = mono_ms() - t0;
		if (took > worst)
			worst = took;
		if (rc < 0 || !r.stopped || r.not_started != !at_fork || r.code != 128 + SIGINT || took >= 1000)
			break;
	}
	sigaction(SIGINT, &old, NULL);
	stop = 0;
	CHECK(i == rounds,
	      "%s: %d of %d runs ended within 1 s, code 130 (worst %lld ms; last rc %d, stopped %d, not started %d, "
	      "code %d)",
	      what, i, rounds, worst, rc, r.stopped, r.not_started, r.code);
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
		 * agent: from a signal handler, 100 ms in. (A stop before or at
		 * the fork: check_stop_near_fork.) */
		struct itimerval it = { .it_value = { 0, 100000 } };
		long long t0 = mono_ms();
		signal(SIGALRM, on_alarm);
		setitimer(ITIMER_REAL, &it, NULL);
		run(sleeper, 0, &stop, &l, &r);
		CHECK(r.stopped && r.code == 128 + SIGTERM, "a stop request ends the child (code %d)", r.code);
		CHECK(mono_ms() - t0 < 1500, "stop is prompt");
		stop = 0;
	}
	{
		/* stop_delay_ms: a cleanup that finishes within the delay is not
		 * stopped; one that does not is stopped when the delay is over. */
		char *quick[] = { "sh", "-c", "sleep 0.5; echo done", NULL };
		struct itimerval it = { .it_value = { 0, 100000 } };
		struct child_spec s = { .argv = quick, .on_line = collect, .ud = &l, .stop = &stop, .stop_delay_ms = 1500 };
		char err[256] = "";
		long long t0 = mono_ms(), took;

		memset(&l, 0, sizeof(l));
		signal(SIGALRM, on_alarm);
		setitimer(ITIMER_REAL, &it, NULL);
		CHECK(child_run(&s, &r, err, sizeof(err)) == 0 && !r.stopped && r.code == 0 && !strcmp(l.out, "done|"),
		      "stop_delay_ms: a stop 100 ms in lets a 500 ms child finish (code %d, stopped %d)", r.code, r.stopped);
		stop = 0;
		s.argv = sleeper;
		s.stop_delay_ms = 700;
		t0 = mono_ms();
		setitimer(ITIMER_REAL, &it, NULL);
		child_run(&s, &r, err, sizeof(err));
		took = mono_ms() - t0;
		CHECK(r.stopped && r.code == 128 + SIGTERM && took >= 750 && took < 2000,
		      "stop_delay_ms: a longer child is stopped when the delay is over (%lld ms, code %d)", took, r.code);
		stop = 0;
	}
	{
		char *cat[] = { "cat", NULL }, *wc[] = { "wc", "-c", NULL }, err[256] = "";
		static char big[CHILD_STDIN_MAX + 1];
		struct child_spec s = {
			.argv = cat, .on_line = collect, .ud = &l, .stdin_data = "in\nput", .stdin_len = 7
		};

		memset(&l, 0, sizeof(l));
		CHECK(child_run(&s, &r, err, sizeof(err)) == 0 && r.code == 0, "child with stdin data ran (%s)", err);
		CHECK_STR(l.out, "in|put|", "it read the data, then end of file");
		memset(&l, 0, sizeof(l));
		s.argv = wc;
		s.stdin_data = big;
		s.stdin_len = CHILD_STDIN_MAX;
		CHECK(child_run(&s, &r, err, sizeof(err)) == 0 && r.code == 0, "CHILD_STDIN_MAX bytes of stdin (%s)",
		      err);
		CHECK_STR(l.out, "65536|", "all of them arrive");
		s.stdin_len = CHILD_STDIN_MAX + 1;
		CHECK(child_run(&s, &r, err, sizeof(err)) < 0 && strstr(err, "more than"),
		      "one byte more: refused (%s)", err);
	}
	check_stop_near_fork("stop set before the fork", 0, 20);
	check_stop_near_fork("stop signal at the fork", 1, 5);
	run(orphan, 0, NULL, &l, &r);
	CHECK_INT(r.code, 0, "child with a background grandchild returns");
	CHECK(waitpid(-1, NULL, WNOHANG) <= 0, "no zombie left behind");
	return T_DONE();
}

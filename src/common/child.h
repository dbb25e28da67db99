/* child: run a program with an explicit argv and environment in its own
 * process group, stream its output line by line, bound it in time, stop it on
 * request, and reap it (and, for PID 1, every other zombie). */
#ifndef RDS_CHILD_H
#define RDS_CHILD_H
#include <signal.h>
#include <stddef.h>

/* Called once per complete output line (without the newline); stream is 1
 * for stdout, 2 for stderr. Lines longer than CHILD_LINE_MAX are split. */
typedef void (*child_line_fn)(void *ud, int stream, const char *line);
#define CHILD_LINE_MAX 65536

struct child_spec {
	char *const *argv;     /* borrowed; argv[0] is looked up in PATH */
	char *const *envp;     /* borrowed; NULL = inherit environ */
	child_line_fn on_line; /* NULL = output discarded */
	void *ud;
	long timeout_ms; /* 0 = none */
	/* When *stop becomes non-zero (set by a signal handler), stop_signal is
	 * sent to the process group, then SIGKILL after kill_grace_ms. */
	const volatile sig_atomic_t *stop;
	int stop_signal; /* 0 = SIGTERM */
	/* Send stop_signal to the child alone, not its group. restic needs its
	 * ssh alive after SIGINT to delete its lock; SIGKILL after the grace
	 * still goes to the whole group. */
	int stop_leader_only;
	long kill_grace_ms;
	/* > 0: a stop is passed on only this long after *stop became non-zero
	 * (a cleanup gets its time to finish; the timeout still applies). */
	long stop_delay_ms;
	/* What the child reads on its stdin, then end of file (borrowed; NULL =
	 * /dev/null). Written whole into a pipe before the fork, so child_run
	 * never blocks on it: at most CHILD_STDIN_MAX bytes, and it fails when
	 * the pipe cannot hold them. Unlike argv, it is not in
	 * /proc/PID/cmdline. */
	const char *stdin_data;
	size_t stdin_len;
};
#define CHILD_STDIN_MAX 65536

struct child_result {
	int code;        /* exit status, or 128+N when killed by signal N; 127 exec failed */
	int timed_out;   /* the timeout fired */
	int stopped;     /* *stop fired */
	int not_started; /* *stop was set already: no child was forked */
	long long elapsed_ms;
};

/* Runs the child to completion. Returns 0 when it ran (see res->code), or -1
 * with err set when it could not be started.
 * A stop is never lost: when *stop is set already, no child is started and
 * the result is that of a child ended by stop_signal (stopped = 1,
 * not_started = 1, code 128 + stop_signal: 130 for SIGINT, 143 for SIGTERM),
 * with 0 returned. Every signal is blocked across the fork, so one that comes
 * meanwhile runs the parent's handler only when the parent's mask is back
 * (and is then forwarded), and a stop_signal sent to the new child stays
 * pending until the child's dispositions are the defaults, and then ends it. */
int child_run(const struct child_spec *spec, struct child_result *res, char *err, size_t errlen);

/* A wait status as an exit code: the code, 128+N for signal N, else 255. */
int child_status_code(int st);

/* In a forked child before exec: every signal back to its default
 * disposition, then nothing blocked (async-signal-safe). */
void child_default_signals(void);

/* Reaps every exited child without blocking (the PID 1 duty). */
void child_reap_all(void);

#endif

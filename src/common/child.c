/* child: see child.h. Single-threaded: the parent polls the two output pipes
 * with a short timeout and reaps with waitpid(-1) so that orphans adopted by
 * PID 1 (restic's ssh, hook leftovers) never stay zombies. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

struct linebuf {
	char *buf;
	size_t n;
};

static void lb_feed(struct linebuf *lb, const char *data, size_t len, int stream, const struct child_spec *s)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n' || lb->n == CHILD_LINE_MAX) {
			lb->buf[lb->n] = '\0';
			if (s->on_line)
				s->on_line(s->ud, stream, lb->buf);
			lb->n = 0;
			if (data[i] == '\n')
				continue;
		}
		lb->buf[lb->n++] = data[i];
	}
}

static void lb_flush(struct linebuf *lb, int stream, const struct child_spec *s)
{
	if (lb->n) {
		lb->buf[lb->n] = '\0';
		if (s->on_line)
			s->on_line(s->ud, stream, lb->buf);
		lb->n = 0;
	}
}

int child_status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

void child_reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

void child_default_signals(void)
{
	sigset_t none;

	/* Default dispositions first, then unblock: a stop signal the parent
	 * sent already (pending here) must end us, not run an inherited
	 * handler that only sets a flag. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the forked child, with every signal blocked until child_default_signals
 * (see child_run): only async-signal-safe calls, then exec or _exit. */
static void child_exec(const struct child_spec *s, int in_fd, int out_fd, int err_fd)
{
	int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	child_default_signals();
	if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	execvpe(s->argv[0], s->argv, s->envp ? s->envp : environ);
	{
		static const char msg[] = "cannot execute program\n";
		(void)!write(2, msg, sizeof(msg) - 1);
	}
	_exit(errno == ENOENT ? 127 : 126);
}

/* A pipe holding all of the child's stdin, its write end closed: the child
 * reads the data, then end of file. Returns the read end, or -1 with err. */
static int stdin_pipe(const struct child_spec *s, char *err, size_t errlen)
{
	int p[2], size;
	ssize_t w;

	if (s->stdin_len > CHILD_STDIN_MAX) {
		snprintf(err, errlen, "stdin data of %zu bytes: more than %d", s->stdin_len, CHILD_STDIN_MAX);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	/* Pipes start with 64 KiB, but only one or two pages for a user over
	 * fs.pipe-user-pages-soft: ask for room, and never block writing. */
	size = fcntl(p[1], F_GETPIPE_SZ);
	if (size >= 0 && (size_t)size < s->stdin_len)
		(void)fcntl(p[1], F_SETPIPE_SZ, (int)s->stdin_len);
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		goto fail;
	}
	do
		w = s->stdin_len ? write(p[1], s->stdin_data, s->stdin_len) : 0;
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != s->stdin_len) {
		snprintf(err, errlen, "stdin data of %zu bytes does not fit a pipe%s%s", s->stdin_len,
			 w < 0 ? ": " : "", w < 0 ? strerror(errno) : "");
		goto fail;
	}
	close(p[1]);
	return p[0];
fail:
	close(p[0]);
	close(p[1]);
	return -1;
}

int child_run(const struct child_spec *s, struct child_result *res, char *err, size_t errlen)
{
	struct linebuf lb[2] = { { 0 }, { 0 } };
	int pin = -1, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int open_fds = 2, reaped = 0, st = 0, rc = -1, sent_stop = 0, sent_kill = 0, saved;
	long long start = mono_ms(), stop_at = 0, reaped_at = 0, stop_seen = 0;
	sigset_t all, old;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (s->stop && *s->stop) {
		res->stopped = res->not_started = 1;
		res->code = 128 + (s->stop_signal ? s->stop_signal : SIGTERM);
		return 0;
	}
	lb[0].buf = malloc(CHILD_LINE_MAX + 1);
	lb[1].buf = malloc(CHILD_LINE_MAX + 1);
	if (!lb[0].buf || !lb[1].buf) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	if (s->stdin_data && (pin = stdin_pipe(s, err, errlen)) < 0)
		goto out;
	/* Nothing is delivered across the fork: the child inherits the full
	 * mask and unblocks only after child_default_signals has reset the
	 * parent's flag-setting handlers, which would otherwise swallow a stop
	 * meant for it. */
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) < 0) {
		snprintf(err, errlen, "sigprocmask: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == 0)
		child_exec(s, pin, pout[1], perr[1]);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL); /* a stop that came meanwhile sets *stop now */
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(saved));
		goto out;
	}
	setpgid(pid, pid); /* also in the child: whichever runs first wins the race */
	close(pout[1]);
	close(perr[1]);
	pout[1] = perr[1] = -1;
	if (pin >= 0)
		close(pin);
	pin = -1;

	/* The first pass re-checks *stop, so a stop from during the fork is
	 * forwarded at once. */
	while (open_fds > 0 || !reaped) {
		struct pollfd pfd[2] = { { pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 } };
		long long now = mono_ms();
		int want_stop = s->stop && *s->stop;
		pid_t w = 0;

		if (want_stop && s->stop_delay_ms > 0) {
			if (!stop_seen)
				stop_seen = now;
			want_stop = now - stop_seen >= s->stop_delay_ms;
		}
		if (!sent_stop && (want_stop || (s->timeout_ms > 0 && now - start >= s->timeout_ms))) {
			if (want_stop)
				res->stopped = 1;
			else
				res->timed_out = 1;
			kill(s->stop_leader_only ? pid : -pid, s->stop_signal ? s->stop_signal : SIGTERM);
			sent_stop = 1;
			stop_at = now;
		}
		if (sent_stop && !sent_kill && now - stop_at >= (s->kill_grace_ms > 0 ? s->kill_grace_ms : 5000)) {
			kill(-pid, SIGKILL);
			sent_kill = 1;
		}
		if (open_fds > 0) {
			int n = poll(pfd, 2, 200);
			if (n < 0 && errno != EINTR) {
				snprintf(err, errlen, "poll: %s", strerror(errno));
				kill(-pid, SIGKILL);
			}
			for (int i = 0; n > 0 && i < 2; i++) {
				char buf[16384];
				ssize_t r;

				if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				r = read(pfd[i].fd, buf, sizeof(buf));
				if (r > 0) {
					lb_feed(&lb[i], buf, (size_t)r, i + 1, s);
				} else if (r == 0 || errno != EINTR) {
					lb_flush(&lb[i], i + 1, s);
					close(i == 0 ? pout[0] : perr[0]);
					if (i == 0)
						pout[0] = -1;
					else
						perr[0] = -1;
					open_fds--;
				}
			}
		} else {
			/* Output closed; the child may still run (or a grandchild kept
			 * the pipe until now). Sleep briefly between reaps. */
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		while (!reaped && (w = waitpid(-1, &st, WNOHANG)) > 0) {
			if (w == pid) {
				reaped = 1;
				reaped_at = mono_ms();
			}
		}
		if (!reaped && w < 0 && errno == ECHILD) {
			snprintf(err, errlen, "child %ld vanished", (long)pid);
			goto out;
		}
		/* A grandchild holding the pipes open must not keep us here
		 * forever once the child itself is gone and we asked it to stop. */
		if (reaped && open_fds > 0 && (sent_kill || mono_ms() - reaped_at > 2000))
			break;
	}
	/* Whatever is left of the group goes with it. */
	kill(-pid, SIGKILL);
	child_reap_all();
	res->code = child_status_code(st);
	res->elapsed_ms = mono_ms() - start;
	rc = 0;
out:
	if (pin >= 0)
		close(pin);
	for (int i = 0; i < 2; i++) {
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	free(lb[0].buf);
	free(lb[1].buf);
	return rc;
}

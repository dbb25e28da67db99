/* server_super: see server_super.h. */
#include "server_super.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "util.h"

static const int stop_sigs[] = { SIGTERM, SIGINT, SIGQUIT };

static void handled_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigaddset(set, stop_sigs[i]);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

void super_block_signals(void)
{
	struct sigaction sa;
	sigset_t set;

	handled_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* In the forked child: async-signal-safe calls only, then exec or _exit. */
static void child_exec(const struct super_spec *s)
{
	int devnull = open("/dev/null", O_RDONLY);

	/* Its own process group: a terminal's ^C reaches sshd once, through
	 * us, not twice. */
	setpgid(0, 0);
	child_default_signals();
	if (devnull < 0 || dup2(devnull, 0) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	execve(s->argv[0], s->argv, s->envp);
	{
		static const char msg[] = "rds-server: cannot execute sshd\n";
		(void)!write(2, msg, sizeof(msg) - 1);
	}
	_exit(errno == ENOENT ? 127 : 126);
}

/* Sends sig to every process whose parent is us, found in /proc (the
 * sessions sshd left behind). Returns how many were signalled. */
static int signal_children(int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t self = getpid();
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[64], buf[512], *p;
		long ppid;
		ssize_t r;
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		/* "pid (comm) state ppid ...": comm may hold spaces and ')'. */
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1 || ppid != (long)self)
			continue;
		if (kill((pid_t)atol(e->d_name), sig) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* After sshd is gone: SIGTERM what it left, SIGKILL at the deadline, reap
 * until nothing is left (or give up a second after SIGKILL). */
static void stop_leftovers(long long deadline)
{
	sigset_t chld;
	int killed = 0, n;
	long long kill_deadline = 0;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	n = signal_children(SIGTERM);
	if (n)
		log_info("stopping %d SFTP session process%s left by sshd", n, n == 1 ? "" : "es");
	for (;;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		long long now;
		pid_t w;

		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (w < 0 && errno == ECHILD)
			return;
		now = mono_ms();
		if (!killed && now >= deadline) {
			n = signal_children(SIGKILL);
			log_warn("%d session process%s still running at the stop deadline: killed", n,
				 n == 1 ? "" : "es");
			killed = 1;
			kill_deadline = now + 1000;
		} else if (!killed) {
			/* A session's own children are reparented to us when it
			 * exits first. */
			signal_children(SIGTERM);
		}
		if (killed && now >= kill_deadline)
			return;
		sigtimedwait(&chld, NULL, &ts);
	}
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGTERM:
		return "SIGTERM";
	case SIGINT:
		return "SIGINT";
	case SIGQUIT:
		return "SIGQUIT";
	case SIGHUP:
		return "SIGHUP";
	}
	return "a signal";
}

int super_run(const struct super_spec *s, char *err, size_t errlen)
{
	sigset_t set;
	long long deadline = 0;
	int code = 255, alive = 1, stopping = 0, killed = 0;
	pid_t pid;

	handled_set(&set);
	/* Asked to stop during set-up: sshd would get the signal before it
	 * has handlers for it. Not starting it is the clean stop. */
	{
		sigset_t pending;
		if (sigpending(&pending) == 0)
			for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
				if (sigismember(&pending, stop_sigs[i])) {
					log_info("%s during set-up: not starting sshd", sig_name(stop_sigs[i]));
					return 0;
				}
	}
	/* Outside a container we are not PID 1; orphaned sessions must still
	 * come to us, not to the host's init. Harmless when PID 1. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_debug("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child_exec(s);
	setpgid(pid, pid);
	log_info("sshd started (pid %ld)", (long)pid);
	while (alive) {
		struct timespec ts = { stopping ? 0 : 5, stopping ? 100 * 1000 * 1000 : 0 };
		siginfo_t info;
		pid_t w;
		int sig, st;

		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == pid) {
				alive = 0;
				code = child_status_code(st);
			}
		if (!alive)
			break;
		if (stopping && !killed && mono_ms() >= deadline) {
			log_warn("sshd did not stop within the stop timeout: SIGKILL");
			kill(pid, SIGKILL);
			killed = 1;
		}
		sig = sigtimedwait(&set, &info, &ts);
		if (sig < 0 || sig == SIGCHLD)
			continue;
		if (sig == SIGHUP) {
			/* sshd reads AuthorizedKeysFile at every login: new keys
			 * need no sshd reload, and a reload (sshd re-executes
			 * itself) would refuse connections for a moment. */
			log_info("SIGHUP: reloading");
			if (s->on_hup)
				s->on_hup(s->ud);
			continue;
		}
		log_info("%s: stopping sshd", sig_name(sig));
		kill(pid, sig);
		if (!stopping) {
			stopping = 1;
			deadline = mono_ms() + s->stop_timeout_ms;
		}
	}
	if (!stopping) {
		log_error("sshd exited by itself with status %d", code);
		deadline = mono_ms() + s->stop_timeout_ms;
	} else {
		log_info("sshd exited with status %d", code);
	}
	stop_leftovers(deadline);
	return code;
}

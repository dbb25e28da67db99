/* rds-hook: runs one hook in a Swarm service for rds-agent, through the
 * Docker Engine API.
 *   rds-hook [-v] [--container ID] SERVICE TIMEOUT_MS -- CMD [ARGS...]
 *   rds-hook [-v] [--container ID] SERVICE TIMEOUT_MS --stdin
 * The second form, the one rds-agent uses, reads CMD and ARGS from stdin,
 * each word ended by a NUL byte, at most WORDS_WIRE_MAX bytes in all
 * (words.h), so that a password in the hook is not in /proc/PID/cmdline.
 * --container ID (the full id, or a prefix of at least 12 characters)
 * names the container to use when it is still a running task container of
 * SERVICE on this node (label mode passes the one rds-discover chose);
 * otherwise the hook runs where it would without it (see docker.h).
 * A program of its own so that the long-lived agent never loads libcurl and
 * the TLS libraries it drags in (about 8 MB of resident memory, measured by
 * bench/footprint.sh): the agent starts this once per hook.
 *
 * Every line on stdout starts with a tag, so that nothing the hook prints
 * can pass for a result:
 *   "1 TEXT"  a line of the hook's stdout      "2 TEXT"  of its stderr
 *   "R exit=N container=ID task=ID node=ID slot=N"   the hook ran
 *   "E CODE MESSAGE"                            it could not run (CODE is a
 *                                               negative enum docker_err)
 * Exit status: 0 after an R line, 3 after an E line, 2 for bad usage (and for
 * words on stdin that are empty, too long or not ended by NUL).
 * SIGTERM/SIGINT cancel the wait (the E line says so). DOCKER_HOST as for the
 * agent. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "log.h"
#include "util.h"
#include "words.h"

static volatile int cancelled;

static void on_signal(int sig)
{
	cancelled = 1;
}

static void tag_line(void *ud, int stream, const char *line)
{
	printf("%d %s\n", stream == 1 ? 1 : 2, line);
	fflush(stdout);
}

static int usage(void)
{
	fprintf(stderr, "usage: rds-hook [-v] [--container ID] SERVICE TIMEOUT_MS -- CMD [ARGS...]\n"
			"       rds-hook [-v] [--container ID] SERVICE TIMEOUT_MS --stdin   (CMD and ARGS on stdin, "
			"each ended by NUL)\n"
			"(run by rds-agent)\n");
	return 2;
}

/* The --stdin form: every word of stdin into words. Returns 0, or -1 after
 * saying why on stderr. */
static int read_words(struct strvec *words)
{
	char *buf = malloc(WORDS_WIRE_MAX + 1), err[128];
	size_t n = 0;
	int rc = -1;

	if (!buf) {
		fprintf(stderr, "rds-hook: out of memory\n");
		return -1;
	}
	for (;;) {
		ssize_t r = read(0, buf + n, WORDS_WIRE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "rds-hook: reading the words on stdin: %s\n", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > WORDS_WIRE_MAX)
			break; /* words_unpack says it is too long */
	}
	if (words_unpack(buf, n, words, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-hook: the words on stdin: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	struct docker *d = NULL;
	struct docker_exec_result res;
	struct strvec words = { 0 };
	struct sigaction sa;
	const char *prefer = NULL;
	char err[1024], *end, *const *cmd;
	long timeout_ms;
	int i = 1, rc, verbose = 0;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[i], "--container") && i + 1 < argc) {
			prefer = argv[++i];
			/* Ids only: a name or a short prefix could mean another container. */
			if (strlen(prefer) < 12 || strlen(prefer) > 64 ||
			    strspn(prefer, "0123456789abcdef") != strlen(prefer)) {
				fprintf(stderr,
					"rds-hook: --container %s: not a container id (12 to 64 of 0-9a-f)\n",
					prefer);
				return usage();
			}
		} else {
			break;
		}
	}
	rds_log_init(verbose ? RDS_LOG_DEBUG : RDS_LOG_WARN, 0);
	if (argc - i == 3 && !strcmp(argv[i + 2], "--stdin")) {
		if (read_words(&words) < 0)
			return usage();
		cmd = words.v;
	} else if (argc - i >= 4 && !strcmp(argv[i + 2], "--")) {
		cmd = argv + i + 3;
	} else {
		return usage();
	}
	timeout_ms = strtol(argv[i + 1], &end, 10);
	if (*end || end == argv[i + 1] || timeout_ms < 0) {
		strvec_free(&words);
		return usage();
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: the wait must wake at once */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
		printf("E %d sigaction failed\n", DOCKER_E_HOST);
		strvec_free(&words);
		return 3;
	}
	rc = docker_open(&d, NULL, err, sizeof(err));
	if (rc == 0)
		rc = docker_exec_prefer(d, argv[i], prefer, cmd, timeout_ms, &cancelled, tag_line, NULL, &res, err,
					sizeof(err));
	docker_close(d);
	strvec_free(&words);
	if (rc < 0)
		printf("E %d %s\n", rc, err);
	else
		printf("R exit=%d container=%s task=%s node=%s slot=%d\n", res.exit_code,
		       res.container_id[0] ? res.container_id : "-", res.task_id[0] ? res.task_id : "-",
		       res.node_id[0] ? res.node_id : "-", res.slot);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 3;
	return rc < 0 ? 3 : 0;
}

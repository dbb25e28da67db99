/* docker_hook: run one hook through docker_exec_in_service, for the docker
 * integration tests.
 *   docker_hook SERVICE TIMEOUT_MS CMD [ARGS...]
 * Prints "[stdout] line" / "[stderr] line" per output line, then
 * "exit_code=N container=ID"; exits 0. On an error prints the message to
 * stderr and exits 3 (usage errors: 2). SIGINT/SIGTERM cancel the wait.
 * DOCKER_HOST as for the agent; RDS_DEBUG=1 logs the API calls. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "log.h"

static volatile int cancelled;

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
}

static void print_line(void *ud, int stream, const char *line)
{
	(void)ud;
	printf("[%s] %s\n", stream == 1 ? "stdout" : "stderr", line);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct docker *d = NULL;
	struct docker_exec_result res;
	struct sigaction sa;
	char err[1024], *end;
	long timeout_ms;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: docker_hook SERVICE TIMEOUT_MS CMD [ARGS...]\n");
		return 2;
	}
	timeout_ms = strtol(argv[2], &end, 10);
	if (*end || end == argv[2] || timeout_ms < 0) {
		fprintf(stderr, "docker_hook: TIMEOUT_MS must be a number >= 0, not '%s'\n", argv[2]);
		return 2;
	}
	const char *dbg = getenv("RDS_DEBUG");
	rds_log_init(dbg && *dbg == '1' ? RDS_LOG_DEBUG : RDS_LOG_WARN, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* No SA_RESTART: a signal must interrupt the poll at once. */
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
		perror("docker_hook: sigaction");
		return 3;
	}
	if (docker_open(&d, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "docker_hook: %s\n", err);
		return 3;
	}
	rc = docker_exec_in_service(d, argv[1], argv + 3, timeout_ms, &cancelled, print_line, NULL, &res, err,
				    sizeof(err));
	docker_close(d);
	if (rc < 0) {
		fprintf(stderr, "docker_hook: %s\n", err);
		return 3;
	}
	printf("exit_code=%d container=%s task=%s node=%s slot=%d\n", res.exit_code, res.container_id, res.task_id,
	       res.node_id, res.slot);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("docker_hook: stdout");
		return 3;
	}
	return 0;
}

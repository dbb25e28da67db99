/* maint_tool: the agent's maintenance code behind a command line, so that
 * shell scenarios (tests/integration/60-retention.sh) run real restic with
 * exactly the argv restic.c builds and read its output as restic_maint.c
 * does.
 *   maint_tool forget [-n] HOST TAG...  forget's argv (-n: --dry-run), the
 *                                       policy from FORGET_KEEP_*
 *   maint_tool describe                 the policy's log line
 *   maint_tool prune|check [WORD...]    prune's or check's argv, WORDs extra
 *   maint_tool count FILE               forget --json output: GROUPS KEPT REMOVED
 *   maint_tool freed FILE               prune output: BYTES TEXT ("-1 -" unknown)
 *   maint_tool check-error FILE         check's stderr: its first error line
 * An argv goes to stdout with every word followed by a NUL byte. The
 * repository comes from T_BIN, T_HOST, T_PORT, T_REPO, T_KEY, T_KH, T_PW and
 * T_LOG (optional). Exit 0, 1 when refused (the reason on stderr), 2 on a
 * usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restic.h"
#include "restic_maint.h"
#include "retention.h"
#include "util.h"

#define FILE_MAX (64 << 20)

static const char *env(const char *k)
{
	const char *v = getenv(k);
	return v && *v ? v : NULL;
}

static const char *get(const char *name, void *ud)
{
	(void)ud;
	return getenv(name);
}

static int usage(void)
{
	fputs("usage: maint_tool forget [-n] HOST TAG... | describe | prune|check [WORD...] |\n"
	      "       count FILE | freed FILE | check-error FILE\n",
	      stderr);
	return 2;
}

static int print_argv(const struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		fwrite(sv->v[i], strlen(sv->v[i]) + 1, 1, stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

/* The reports on a file's text. */
static int report(const char *what, const char *path)
{
	char *text = NULL, line[1024];
	size_t len = 0;
	int rc = 1;

	if (read_file_bounded(path, FILE_MAX, &text, &len) < 0) {
		fprintf(stderr, "maint_tool: cannot read %s\n", path);
		return 1;
	}
	if (strcmp(what, "count") == 0) {
		struct restic_forget f;
		if (restic_parse_forget_json(text, len, &f) == 0) {
			printf("%ld %ld %ld\n", f.groups, f.kept, f.removed);
			rc = 0;
		} else {
			fprintf(stderr, "maint_tool: %s is not whole forget --json output\n", path);
		}
	} else if (strcmp(what, "freed") == 0) {
		struct restic_prune p;
		restic_parse_prune(text, len, &p);
		printf("%lld %s\n", p.freed_bytes, p.freed[0] ? p.freed : "-");
		rc = 0;
	} else {
		restic_check_error(text, line, sizeof(line));
		printf("%s\n", line);
		rc = 0;
	}
	free(text);
	return fflush(stdout) == 0 ? rc : 1;
}

int main(int argc, char **argv)
{
	struct restic_remote r = {
		.restic_bin = env("T_BIN"),
		.ssh_host = env("T_HOST"),
		.ssh_port = env("T_PORT") ? atoi(env("T_PORT")) : 0,
		.repo_path = env("T_REPO"),
		.key_file = env("T_KEY"),
		.known_hosts_file = env("T_KH"),
		.password_file = env("T_PW"),
		.ssh_log_file = env("T_LOG"),
	};
	struct retention policy = { 0 };
	struct strvec sv = { 0 };
	char err[512], line[512];
	int rc = 1, dry_run = 0, i = 2;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "count") == 0 || strcmp(argv[1], "freed") == 0 || strcmp(argv[1], "check-error") == 0)
		return argc == 3 ? report(argv[1], argv[2]) : usage();
	if (strcmp(argv[1], "forget") == 0 || strcmp(argv[1], "describe") == 0) {
		if (retention_parse(&policy, get, NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "maint_tool: %s\n", err);
			return 1;
		}
	}
	if (strcmp(argv[1], "describe") == 0) {
		retention_describe(&policy, line, sizeof(line));
		printf("%s\n", line);
		retention_free(&policy);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "prune") != 0 && strcmp(argv[1], "check") != 0 && strcmp(argv[1], "forget") != 0)
		return usage();
	if (restic_remote_check(&r, err, sizeof(err)) < 0) {
		fprintf(stderr, "maint_tool: %s\n", err);
		goto out;
	}
	if (strcmp(argv[1], "prune") == 0) {
		rc = restic_argv_prune(&sv, &r, argv + 2);
	} else if (strcmp(argv[1], "check") == 0) {
		rc = restic_argv_check(&sv, &r, argv + 2);
	} else {
		if (argc > 2 && strcmp(argv[2], "-n") == 0) {
			dry_run = 1;
			i++;
		}
		if (argc < i + 2) {
			retention_free(&policy);
			return usage();
		}
		rc = restic_argv_forget(&sv, &r, argv[i], argv + i + 1, &policy, dry_run);
	}
	if (rc < 0) {
		fprintf(stderr, "maint_tool: the %s argv is refused (%s)\n", argv[1], strerror(-rc));
		rc = 1;
		goto out;
	}
	rc = print_argv(&sv);
out:
	strvec_free(&sv);
	retention_free(&policy);
	return rc;
}

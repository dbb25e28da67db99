/* Unit tests for job_prepare's paths: the private key copy, the ssh -E file
 * and the hook helper, each a string of the job's own (a label-mode agent
 * keeps one job per service); job_set_ssh_log moves restic's ssh -E file
 * with it; job_free and a new job_prepare after it (a job whose labels
 * changed) leave nothing behind (make valgrind). */
#include <libgen.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fakeenv.h"
#include "job.h"
#include "jobspec.h"
#include "log.h"
#include "t.h"

#define KEY_TEXT "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n"

static char dir[] = "/tmp/rds-test-job-XXXXXX";
static char key[256], kh[256], pw[256], run[256], status[256], data[256];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A valid agent configuration, with hooks when pre is non-NULL. */
static int load(struct config *c, struct jobspec *s, const char *pre, char *err, size_t errlen)
{
	env_reset();
	setv("SSH_HOST", "backup-server");
	setv("REPO_PATH", "db");
	setv("BACKUP_PATH", data);
	setv("SSH_PRIVKEY_FILE", key);
	setv("SSH_KNOWN_HOSTS_FILE", kh);
	setv("RESTIC_REPO_PASSWORD_FILE", pw);
	setv("RDS_RUN_DIR", run);
	setv("STATUS_FILE", status);
	if (pre) {
		setv("SERVICE_NAME", "db");
		setv("PRE_HOOK", pre);
	}
	config_init(c);
	memset(s, 0, sizeof(*s));
	if (config_load_env(c, fake_getenv, err, errlen) < 0 || config_validate(c, CONFIG_AGENT, err, errlen) < 0)
		return -1;
	if (jobspec_from_config(s, c) < 0) {
		snprintf(err, errlen, "jobspec_from_config failed");
		return -1;
	}
	return 0;
}

static int ends_with(const char *s, const char *end)
{
	size_t a = s ? strlen(s) : 0, b = strlen(end);

	return s && a >= b && !strcmp(s + a - b, end);
}

int main(void)
{
	struct config c;
	struct jobspec s;
	struct job j;
	struct stat st;
	char err[1024], want[512], self[4096], path[8192];
	ssize_t n;

	if (!mkdtemp(dir))
		return 1;
	snprintf(key, sizeof(key), "%s/key", dir);
	snprintf(kh, sizeof(kh), "%s/known_hosts", dir);
	snprintf(pw, sizeof(pw), "%s/password", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(status, sizeof(status), "%s/status/status.json", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	write_file(key, KEY_TEXT);
	chmod(key, 0444);
	write_file(kh,
		   "backup-server ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3n0zCDd1pmSnvkVzi4aWu5HzcPzJQlMPDGAKIQdGSy\n");
	write_file(pw, "secret\n");
	mkdir(data, 0755);
	/* rds-hook is in the build directory, one up from this test. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(path, sizeof(path), "%s:%s", dirname(dirname(self)), getenv("PATH") ? getenv("PATH") : "/bin");
		setenv("PATH", path, 1);
	}
	rds_log_init(RDS_LOG_ERROR, 0); /* the 0444 key's warning, every time */

	/* Without hooks. */
	if (load(&c, &s, NULL, err, sizeof(err)) < 0) {
		CHECK(0, "configuration without hooks: %s", err);
		return T_DONE();
	}
	CHECK_INT(job_prepare(&j, &c, &s, NULL, err, sizeof(err)), 0, "job_prepare without hooks (%s)", err);
	snprintf(want, sizeof(want), "%s/ssh-key", run);
	CHECK_STR(j.key_copy, want, "the key copy is in RDS_RUN_DIR");
	CHECK(j.remote.key_file == j.key_copy, "restic's ssh uses that copy");
	CHECK(stat(want, &st) == 0 && (st.st_mode & 0777) == 0600, "the copy has mode 0600 (the secret is 0444)");
	snprintf(want, sizeof(want), "%s/ssh.log", run);
	CHECK_STR(j.ssh_log, want, "ssh -E file in RDS_RUN_DIR");
	CHECK(j.remote.ssh_log_file == j.ssh_log, "restic's ssh writes there");
	CHECK(j.hook_bin == NULL, "no hook helper without hooks");

	/* A label-mode job's own ssh -E file. */
	snprintf(want, sizeof(want), "%s/ssh-7.log", run);
	CHECK_INT(job_set_ssh_log(&j, want), 0, "job_set_ssh_log");
	CHECK_STR(j.ssh_log, want, "the job's ssh -E file is its own");
	CHECK_STR(j.remote.ssh_log_file, want, "and restic's ssh writes that one");

	job_free(&j);
	CHECK(!j.key_copy && !j.ssh_log && !j.hook_bin && !j.remote.key_file && !j.remote.ssh_log_file,
	      "job_free leaves no dangling path");
	job_free(&j);
	CHECK(1, "job_free twice is harmless");
	/* Prepared again (its labels changed): new strings, the old ones freed. */
	CHECK_INT(job_prepare(&j, &c, &s, NULL, err, sizeof(err)), 0, "job_prepare after job_free (%s)", err);
	CHECK(j.key_copy && j.ssh_log && j.remote.ssh_log_file == j.ssh_log, "prepared again: its paths are set");
	job_free(&j);
	jobspec_free(&s);
	config_free(&c);

	/* With a hook: the helper found on PATH. */
	if (load(&c, &s, "sh -c 'echo dump'", err, sizeof(err)) < 0) {
		CHECK(0, "configuration with a hook: %s", err);
		return T_DONE();
	}
	CHECK_INT(job_prepare(&j, &c, &s, NULL, err, sizeof(err)), 0, "job_prepare with a hook (%s)", err);
	CHECK(ends_with(j.hook_bin, "/rds-hook") && access(j.hook_bin, X_OK) == 0, "the hook helper: %s",
	      j.hook_bin ? j.hook_bin : "(null)");
	job_free(&j);
	CHECK(!j.hook_bin, "job_free frees the helper's path");
	jobspec_free(&s);
	config_free(&c);

	/* A job_prepare that fails after the helper's path was made (the key
	 * file is no key): job_free frees it. */
	if (load(&c, &s, "sh -c 'echo dump'", err, sizeof(err)) < 0) {
		CHECK(0, "configuration with a hook: %s", err);
		return T_DONE();
	}
	chmod(key, 0644);
	write_file(key, "no key here\n");
	CHECK(job_prepare(&j, &c, &s, NULL, err, sizeof(err)) < 0 && strstr(err, "SSH_PRIVKEY_FILE"),
	      "not a key: job_prepare fails naming SSH_PRIVKEY_FILE (%s)", err);
	CHECK(j.hook_bin != NULL, "after making the helper's path");
	job_free(&j);
	CHECK(!j.hook_bin && !j.key_copy && !j.ssh_log, "job_free after the failure frees it");
	jobspec_free(&s);
	config_free(&c);

	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	if (system(want) != 0)
		printf("# could not remove %s\n", dir);
	return T_DONE();
}

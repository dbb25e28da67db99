/* Unit tests for src/agent/repoclaim.c: the sftp argv that claims a new
 * repository's directory, the batch it reads (every parent with "-mkdir",
 * the directory itself with "mkdir"), the bounds, and the probe's argv.
 * tests/integration/75-labels_nodes.sh runs the claim against a real sshd
 * with two agents at once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repoclaim.h"
#include "t.h"
#include "util.h"

static const struct restic_remote base_remote = {
	.ssh_host = "srv",
	.ssh_port = 2222,
	.repo_path = "stack/db",
	.key_file = "/run/rds/ssh_key",
	.known_hosts_file = "/run/secrets/restic-ssh-known-hosts",
	.password_file = "/run/secrets/restic-repo-password",
	.ssh_log_file = "/run/rds/ssh-1.log",
};

static void check_argv(const struct strvec *sv, const char *const *want, const char *what)
{
	size_t n = 0;

	while (want[n])
		n++;
	CHECK_INT(sv->n, n, "%s: %zu elements", what, n);
	for (size_t i = 0; i < n && i < sv->n; i++)
		CHECK_STR(sv->v[i], want[i], "%s: argv[%zu]", what, i);
	CHECK(sv->n == 0 || sv->v[sv->n] == NULL, "%s: NULL-terminated", what);
}

static void test_argv(void)
{
	struct restic_remote r = base_remote;
	struct strvec sv = { 0 };
	char *opts[] = { "ConnectTimeout=5", "ProxyJump=jump host", NULL };
	const char *want[] = { "sftp",
			       "-b",
			       "-",
			       "-P",
			       "2222",
			       "-i",
			       "/run/rds/ssh_key",
			       "-o",
			       "UserKnownHostsFile=/run/secrets/restic-ssh-known-hosts",
			       "-o",
			       "StrictHostKeyChecking=yes",
			       "-o",
			       "BatchMode=yes",
			       "-o",
			       "IdentitiesOnly=yes",
			       "restic@srv",
			       NULL };
	const char *want_opts[] = { "sftp",
				    "-b",
				    "-",
				    "-P",
				    "22",
				    "-i",
				    "/run/rds/ssh_key",
				    "-o",
				    "UserKnownHostsFile=\"/run/my secrets/kh\"",
				    "-o",
				    "StrictHostKeyChecking=yes",
				    "-o",
				    "BatchMode=yes",
				    "-o",
				    "IdentitiesOnly=yes",
				    "-o",
				    "ConnectTimeout=5",
				    "-o",
				    "ProxyJump=jump host",
				    "backup@[fd00::10]",
				    NULL };

	CHECK_INT(repoclaim_argv(&sv, &r), 0, "sftp argv builds");
	check_argv(&sv, want, "default: batch from stdin, the agent's key and host key checks, no -E");
	strvec_free(&sv);

	r.ssh_host = "backup@fd00::10";
	r.ssh_port = 22;
	r.known_hosts_file = "/run/my secrets/kh";
	r.ssh_options = opts;
	CHECK_INT(repoclaim_argv(&sv, &r), 0, "user@IPv6, options, a blank in the known_hosts path");
	check_argv(&sv, want_opts, "user@[v6], -o options passed as they are, the path quoted for ssh");
	strvec_free(&sv);

	/* Appends; a refused remote leaves out as it was. */
	strvec_push(&sv, "keep");
	r = base_remote;
	r.ssh_host = "-oProxyCommand=x";
	CHECK_INT(repoclaim_argv(&sv, &r), -EINVAL, "a host that reads as an option is refused");
	r = base_remote;
	r.ssh_port = 0;
	CHECK_INT(repoclaim_argv(&sv, &r), -EINVAL, "port 0 is refused");
	r = base_remote;
	r.known_hosts_file = "/run/\"kh";
	CHECK_INT(repoclaim_argv(&sv, &r), -EINVAL, "a quote in the known_hosts path is refused");
	CHECK(sv.n == 1 && !strcmp(sv.v[0], "keep"), "refusals leave the vector as it was");
	strvec_free(&sv);
}

static void check_batch(const char *path, const char *want, const char *what)
{
	char *b = NULL;
	size_t len = 0;
	int rc = repoclaim_batch(path, &b, &len);

	CHECK_INT(rc, 0, "%s: builds", what);
	CHECK_STR(b, want, "%s", what);
	CHECK(b && len == strlen(b), "%s: length %zu", what, len);
	free(b);
}

static void test_batch(void)
{
	char *b = (char *)1, *deep;
	size_t len = 1, n;

	check_batch("db", "mkdir \"db\"\n", "one component: only the claim");
	check_batch("stack/db", "-mkdir \"stack\"\nmkdir \"stack/db\"\n", "a parent first, its error ignored");
	check_batch("/srv/restic/my db/", "-mkdir \"/srv\"\n-mkdir \"/srv/restic\"\nmkdir \"/srv/restic/my db\"\n",
		    "absolute, a blank, the trailing '/' dropped");
	check_batch("a//b///", "-mkdir \"a\"\nmkdir \"a//b\"\n", "doubled slashes: one parent");
	check_batch("x/it's #1 *?[]/z", "-mkdir \"x\"\n-mkdir \"x/it's #1 *?[]\"\nmkdir \"x/it's #1 *?[]/z\"\n",
		    "quote, '#' and glob characters inside double quotes");
	check_batch("d\xc3\xa9j\xc3\xa0", "mkdir \"d\xc3\xa9j\xc3\xa0\"\n", "UTF-8 as it is");

	CHECK(repoclaim_batch("", &b, &len) == -EINVAL && b == NULL && len == 0, "empty: refused, out cleared");
	CHECK_INT(repoclaim_batch("/", &b, &len), -EINVAL, "'/': refused");
	CHECK_INT(repoclaim_batch("///", &b, &len), -EINVAL, "'///': refused");
	CHECK_INT(repoclaim_batch(NULL, &b, &len), -EINVAL, "NULL: refused");
	CHECK_INT(repoclaim_batch("a\"b", &b, &len), -EINVAL, "a '\"' is refused (an escape in sftp's quotes)");
	CHECK_INT(repoclaim_batch("a\\b", &b, &len), -EINVAL, "a '\\' is refused");
	CHECK_INT(repoclaim_batch("a\nmkdir x", &b, &len), -EINVAL, "a newline is refused (a second command)");
	CHECK_INT(repoclaim_batch("a\x7f", &b, &len), -EINVAL, "DEL is refused");

	/* The bound: a path of many components makes a batch that grows with
	 * the square of its depth. */
	deep = malloc(4097);
	for (n = 0; n < 4096; n += 2)
		memcpy(deep + n, "a/", 2);
	deep[4095] = 'z';
	deep[4096] = '\0';
	CHECK_INT(repoclaim_batch(deep, &b, &len), -E2BIG, "4096 bytes in 2048 components: -E2BIG");
	deep[100] = '\0';
	CHECK_INT(repoclaim_batch(deep, &b, &len), 0, "100 bytes in 50 components: builds");
	CHECK(len < REPOCLAIM_BATCH_MAX && b[len - 1] == '\n', "within the bound (%zu bytes)", len);
	free(b);
	memset(deep, 'x', 4096);
	CHECK_INT(repoclaim_batch(deep, &b, &len), 0, "one component of 4096 bytes builds");
	CHECK_INT(len, strlen("mkdir \"\"\n") + 4096, "its one line");
	free(b);
	free(deep);
}

static void test_probe(void)
{
	struct strvec sv = { 0 };

	CHECK_INT(repoclaim_argv_probe(&sv, &base_remote), 0, "probe builds");
	CHECK(sv.n == 9 && !strcmp(sv.v[0], "restic") && !strcmp(sv.v[2], "sftp:restic@srv:stack/db") &&
		      !strcmp(sv.v[7], "cat") && !strcmp(sv.v[8], "config"),
	      "probe: the base argv, then cat config");
	strvec_free(&sv);
	strvec_push(&sv, "keep");
	{
		struct restic_remote r = base_remote;
		r.repo_path = "";
		CHECK_INT(repoclaim_argv_probe(&sv, &r), -EINVAL, "probe of an empty REPO_PATH is refused");
	}
	CHECK_INT(sv.n, 1, "... and leaves the vector as it was");
	strvec_free(&sv);
}

/* The locks of a dead agent: IDs, restic's argv, the lock's host name, and
 * the sftp batch that removes them. */
static void test_dead_locks(void)
{
	static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	static const char lock[] = "{\n  \"time\": \"2026-12-02T15:00:00.1+00:00\",\n  \"exclusive\": false,\n"
				   "  \"hostname\": \"3f2a9c1d7b4e\",\n  \"username\": \"root\",\n  \"pid\": 7\n}\n";
	char *ids[] = { (char *)id, (char *)id, NULL }, *bad[] = { "../config", NULL };
	char host[64], tiny[4], *batch = NULL;
	struct strvec sv = { 0 };
	size_t len;

	CHECK(repoclaim_is_lock_id(id), "64 hex digits are a lock ID");
	CHECK(!repoclaim_is_lock_id("0123"), "4 are not");
	CHECK(!repoclaim_is_lock_id("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"), "upper case is not");
	CHECK(!repoclaim_is_lock_id("../locks/x"), "a path is not");
	CHECK_INT(repoclaim_argv_list_locks(&sv, &base_remote), 0, "list locks builds");
	CHECK(sv.n >= 3 && !strcmp(sv.v[sv.n - 3], "list") && !strcmp(sv.v[sv.n - 2], "locks") &&
		      !strcmp(sv.v[sv.n - 1], "--no-lock"),
	      "list locks --no-lock at the end");
	strvec_free(&sv);
	CHECK_INT(repoclaim_argv_cat_lock(&sv, &base_remote, id), 0, "cat lock builds");
	CHECK(sv.n >= 4 && !strcmp(sv.v[sv.n - 4], "cat") && !strcmp(sv.v[sv.n - 2], id) &&
		      !strcmp(sv.v[sv.n - 1], "--no-lock"),
	      "cat lock ID --no-lock at the end");
	strvec_free(&sv);
	CHECK_INT(repoclaim_argv_cat_lock(&sv, &base_remote, "config"), -EINVAL, "cat lock refuses a non-ID");
	CHECK_INT((int)sv.n, 0, "and leaves the argv alone");
	CHECK_INT(repoclaim_lock_host(lock, strlen(lock), host, sizeof(host)), 0, "a lock's JSON has a host name");
	CHECK_STR(host, "3f2a9c1d7b4e", "the host name");
	CHECK_INT(repoclaim_lock_host(lock, strlen(lock), tiny, sizeof(tiny)), -1, "a host name too long for the buffer");
	CHECK_INT(repoclaim_lock_host("{\"pid\": 7}", 10, host, sizeof(host)), -1, "no host name");
	CHECK_INT(repoclaim_lock_host("not json", 8, host, sizeof(host)), -1, "not JSON");
	CHECK_INT(repoclaim_rm_locks_batch("stack/db/", ids, &batch, &len), 0, "the rm batch builds");
	CHECK_STR(batch ? batch : "",
		  "rm \"stack/db/locks/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n"
		  "rm \"stack/db/locks/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n",
		  "one rm per lock, under REPO/locks");
	CHECK_INT((int)len, batch ? (int)strlen(batch) : -1, "its length");
	free(batch);
	batch = NULL;
	CHECK_INT(repoclaim_rm_locks_batch("stack/db", bad, &batch, &len), -EINVAL, "never a path that is not a lock ID");
	CHECK(batch == NULL, "and no batch");
	CHECK_INT(repoclaim_rm_locks_batch("a\"b", ids, &batch, &len), -EINVAL, "nor a repository path sftp cannot take");
}

int main(void)
{
	test_argv();
	test_batch();
	test_probe();
	test_dead_locks();
	return T_DONE();
}

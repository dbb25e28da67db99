/* fuzz_sshkeys: SSH public keys as text: a whole file through
 * sshkeys_parse_text (what rds-server reads from each file of SECRETS_DIR),
 * one line through sshkey_parse_line, base64_decode; for keys that parse,
 * the known_hosts and authorized_keys texts built from them. The input is
 * also a file in a temporary SECRETS_DIR, scanned by server_authkeys_scan,
 * and the authorized_keys text installed from what it found must count
 * (server_authkeys_count) the keys it holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"
#include "server_authkeys.h"
#include "sshkeys.h"

static char dir[64], secrets[64], keyfile[80], authdir[64], authfile[80];

static void cleanup(void)
{
	unlink(keyfile);
	unlink(authfile);
	rmdir(secrets);
	rmdir(authdir);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	rds_log_init(RDS_LOG_ERROR, 0);
	fuzz_tmpdir("rds-fuzz-sshkeys", dir, sizeof(dir));
	snprintf(secrets, sizeof(secrets), "%s/secrets", dir);
	snprintf(keyfile, sizeof(keyfile), "%s/agent.pub", secrets);
	snprintf(authdir, sizeof(authdir), "%s/auth", dir);
	snprintf(authfile, sizeof(authfile), "%s/restic", authdir);
	if (mkdir(secrets, 0700) < 0)
		abort();
	atexit(cleanup);
	return 0;
}

static void put(const uint8_t *data, size_t size)
{
	FILE *f = fopen(keyfile, "w");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

static void texts(const struct sshkey_list *l)
{
	static char *const names[] = { (char *)"backup.example", (char *)"10.0.0.2" };
	char *t;

	t = sshkeys_known_hosts_text(l, names, 2, 2222);
	FUZZ_ASSERT(t);
	free(t);
	t = sshkeys_known_hosts_text(l, NULL, 0, 22);
	FUZZ_ASSERT(t);
	free(t);
	t = sshkeys_authorized_text(l);
	FUZZ_ASSERT(t);
	free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sshkey_list l = { 0 }, scanned = { 0 };
	const char *text = (const char *)data, *why;
	const char *nl = memchr(text, '\n', size);
	unsigned char blob[1024];
	struct sshkey k;
	char err[512];
	int n, m;

	n = sshkeys_parse_text(text, size, &l, err, sizeof(err));
	FUZZ_ASSERT(n < 0 ? l.n == 0 : (size_t)n == l.n);
	if (n > 0)
		texts(&l);
	if (sshkey_parse_line(text, nl ? (size_t)(nl - text) : size, &k, &why) == 0)
		sshkey_clear(&k);
	(void)base64_decode(text, size, blob, sizeof(blob));
	put(data, size);
	m = server_authkeys_scan(secrets, &scanned, err, sizeof(err));
	FUZZ_ASSERT(m >= 0 && m <= (n < 0 ? 0 : n));
	/* Installing needs root (the directory is made root's). */
	if (m > 0 && server_authkeys_install(authdir, "restic", &scanned, err, sizeof(err)) == 0)
		FUZZ_ASSERT(server_authkeys_count(authdir, "restic", err, sizeof(err)) == m);
	sshkey_list_free(&l);
	sshkey_list_free(&scanned);
	return 0;
}

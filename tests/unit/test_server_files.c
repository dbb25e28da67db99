/* Unit tests for the server's file work: scanning a secrets directory (keys
 * taken, everything else skipped by name, no secret in the log), the
 * authorized_keys file and its count, the known_hosts file (its directory
 * made when missing, an existing one such as /tmp left as it is), the
 * sshd_config text, `info` on a fake repository tree, `health` against a
 * fake banner, and (as root, with ssh-keygen) host keys that are made, kept,
 * lost or corrupted. Run from the repository root. */
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "server_authkeys.h"
#include "server_hostkeys.h"
#include "server_info.h"
#include "server_sshd.h"
#include "t.h"
#include "util.h"

#define DATA "tests/data/sshkeys/"

static char dir[] = "/tmp/rds-test-srvfiles-XXXXXX";

static void copy(const char *name, const char *to)
{
	char src[256], dst[512], *buf;
	size_t len;

	snprintf(src, sizeof(src), DATA "%s", name);
	snprintf(dst, sizeof(dst), "%s/%s", to, name);
	if (read_file_bounded(src, 1 << 20, &buf, &len) < 0 || write_file_atomic(dst, buf, len, 0444) < 0)
		exit(1);
	free(buf);
}

static void put(const char *path, const char *text)
{
	if (write_file_atomic(path, text, strlen(text), 0644) < 0)
		exit(1);
}

/* Runs the scan with stderr captured into log (a new string). */
static int scan_logged(const char *secrets, struct sshkey_list *keys, char **log)
{
	char path[512], err[256];
	int saved = dup(2), fd, n;

	snprintf(path, sizeof(path), "%s/scan.log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	n = server_authkeys_scan(secrets, keys, err, sizeof(err));
	dup2(saved, 2);
	close(saved);
	read_file_bounded(path, 1 << 20, log, NULL);
	return n;
}

static int capture_fd = -1;

/* stderr into dir/NAME until capture_end, which returns it (a new string). */
static void capture_begin(void)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/capture.log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	capture_fd = dup(2);
	dup2(fd, 2);
	close(fd);
}

static char *capture_end(void)
{
	char path[512], *log = NULL;

	dup2(capture_fd, 2);
	close(capture_fd);
	snprintf(path, sizeof(path), "%s/capture.log", dir);
	read_file_bounded(path, 1 << 20, &log, NULL);
	return log;
}

static void check_scan(void)
{
	char secrets[512], keysdir[512], path[600], *log = NULL, *priv = NULL, *ak = NULL, err[256];
	struct sshkey_list keys = { 0 };
	int n, leaked = 0;

	snprintf(secrets, sizeof(secrets), "%s/secrets", dir);
	snprintf(keysdir, sizeof(keysdir), "%s/etc/authorized_keys", dir);
	mkdir(secrets, 0755);
	copy("ed25519.pub", secrets);
	copy("multi.pub", secrets); /* repeats ed25519.pub's key */
	copy("id_throwaway", secrets);
	copy("password.txt", secrets);
	copy("known_hosts", secrets);
	snprintf(path, sizeof(path), "%s/a-directory", secrets);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/a-fifo", secrets);
	mkfifo(path, 0600);

	n = scan_logged(secrets, &keys, &log);
	CHECK_INT(n, 2, "two distinct keys from ed25519.pub and multi.pub");
	CHECK(log && strstr(log, "authorized key from secret ed25519.pub: ssh-ed25519 256 bits 'agent@node1' "
				 "SHA256:Eb9AO+Kp/FOhNx2HEVprediZlhtGB9vr3xYoKTMj8V0"),
	      "the log names file, type, bits, comment and fingerprint of an accepted key");
	CHECK(log && strstr(log, "secret multi.pub: key SHA256:Eb9AO+Kp/FOhNx2HEVprediZlhtGB9vr3xYoKTMj8V0 is already "
				 "authorized"),
	      "a duplicate key is reported once");
	CHECK(log && strstr(log, "secret id_throwaway is a PRIVATE key"), "the private key file is named and skipped");
	CHECK(log && strstr(log, "secret password.txt is not an SSH public key file (line 1: not an SSH public key "
				 "line); skipped"),
	      "the password file is named and skipped");
	CHECK(log && strstr(log, "secret known_hosts is not an SSH public key file (line 1: a known_hosts line"),
	      "a known_hosts file is recognised");
	CHECK(log && strstr(log, "secret a-directory: not a regular file; skipped") &&
		      strstr(log, "secret a-fifo: not a regular file; skipped"),
	      "a directory and a FIFO are skipped (the FIFO without hanging)");
	CHECK(log && !strstr(log, "horse"), "the password is not in the log");
	read_file_bounded(DATA "id_throwaway", 1 << 16, &priv, NULL);
	for (char *save = NULL, *l = strtok_r(priv, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strlen(l) > 8 && !strstr(l, "-----") && log && strstr(log, l))
			leaked = 1;
	CHECK(!leaked, "no line of the private key is in the log");
	free(priv);

	CHECK_INT(server_authkeys_install(keysdir, "restic", &keys, err, sizeof(err)), 0,
		  "authorized_keys installed (%s)", err);
	snprintf(path, sizeof(path), "%s/restic", keysdir);
	{
		struct stat st;
		CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "authorized_keys is 0644");
		CHECK(stat(keysdir, &st) == 0 && (st.st_mode & 0777) == 0755, "its directory is 0755");
	}
	read_file_bounded(path, 1 << 20, &ak, NULL);
	CHECK(ak && strstr(ak, "restrict ssh-ed25519 AAAA") && strstr(ak, "restrict ecdsa-sha2-nistp256 AAAA"),
	      "authorized_keys holds both keys with 'restrict'");
	free(ak);
	CHECK_INT(server_authkeys_count(keysdir, "restic", err, sizeof(err)), 2, "the installed file counts 2 keys");
	sshkey_list_free(&keys);
	CHECK_INT(server_authkeys_install(keysdir, "restic", &keys, err, sizeof(err)), 0,
		  "an empty list is installed too");
	CHECK_INT(server_authkeys_count(keysdir, "restic", err, sizeof(err)), 0, "a removed secret revokes its key");
	CHECK_INT(server_authkeys_count(keysdir, "nobody", err, sizeof(err)), -1, "a missing file counts -1");
	snprintf(path, sizeof(path), "%s/nonexistent", dir);
	CHECK_INT(server_authkeys_scan(path, &keys, err, sizeof(err)), -1, "an unreadable SECRETS_DIR is an error");
	free(log);
}

static long long size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* prepare with the log captured; *log is a new string. */
static int hk_prepare(const char *hk, const struct strvec *types, struct sshkey_list *pub, struct strvec *paths,
		      char **log, char *err, size_t errlen)
{
	int r;

	sshkey_list_free(pub);
	strvec_free(paths);
	err[0] = '\0';
	capture_begin();
	r = server_hostkeys_prepare(hk, types, pub, paths, err, errlen);
	*log = capture_end();
	return r;
}

static void check_hostkeys(void)
{
	struct strvec types = { 0 }, paths = { 0 };
	struct sshkey_list pub = { 0 };
	char hk[512], ed[600], ec[600], edfp[SSHKEY_FP_LEN], ecfp[SSHKEY_FP_LEN], err[2048] = "", *log = NULL;

	if (geteuid() != 0 || system("command -v ssh-keygen >/dev/null") != 0) {
		printf("# host key checks skipped: they need root and ssh-keygen\n");
		return;
	}
	strvec_push(&types, "ed25519");
	strvec_push(&types, "ecdsa");
	snprintf(hk, sizeof(hk), "%s/host_keys", dir);
	snprintf(ed, sizeof(ed), "%s/ssh_host_ed25519_key", hk);
	snprintf(ec, sizeof(ec), "%s/ssh_host_ecdsa_key", hk);

	CHECK_INT(hk_prepare(hk, &types, &pub, &paths, &log, err, sizeof(err)), 0, "first start: keys made (%s)", err);
	CHECK(pub.n == 2 && paths.n == 2, "two host keys");
	CHECK(log && strstr(log, "generated a new ed25519 host key") && !strstr(log, "MISSING"),
	      "first start: 'generated', no alarm");
	snprintf(edfp, sizeof(edfp), "%s", pub.n == 2 ? pub.v[0].fp : "");
	snprintf(ecfp, sizeof(ecfp), "%s", pub.n == 2 ? pub.v[1].fp : "");
	free(log);

	CHECK_INT(hk_prepare(hk, &types, &pub, &paths, &log, err, sizeof(err)), 0, "second start");
	CHECK(pub.n == 2 && !strcmp(pub.v[0].fp, edfp) && !strcmp(pub.v[1].fp, ecfp), "second start: the same keys");
	CHECK(log && !strstr(log, "generated"), "second start: nothing generated");
	free(log);

	/* Truncated: not served, not replaced; the other key still is. */
	CHECK_INT(truncate(ed, 100), 0, "ed25519 key truncated to 100 bytes");
	CHECK_INT(hk_prepare(hk, &types, &pub, &paths, &log, err, sizeof(err)), 0,
		  "a truncated key: start goes on (%s)", err);
	CHECK(pub.n == 1 && !strcmp(pub.v[0].fp, ecfp) && paths.n == 1 && !strcmp(paths.v[0], ec),
	      "only the ecdsa key is served and published");
	CHECK(log && strstr(log, "is UNUSABLE") && strstr(log, ed) && strstr(log, "100 bytes") &&
		      strstr(log, "sshd serves only ecdsa-sha2-nistp256"),
	      "one warning names the file, its size and what is served");
	CHECK_INT(size_of(ed), 100, "the truncated file is left as it is");
	free(log);

	/* Both unusable: refused, nothing generated. */
	put(ec, "garbage, not a key\n");
	chmod(ec, 0600);
	CHECK_INT(hk_prepare(hk, &types, &pub, &paths, &log, err, sizeof(err)), -1, "both keys unusable: refused");
	CHECK(strstr(err, "no usable host key") && strstr(err, ed) && strstr(err, "does not replace"),
	      "the error says why: %.200s", err);
	CHECK(log && strstr(log, "ssh_host_ecdsa_key (19 bytes; ssh-keygen -y: Load key") &&
		      strstr(log, "is unusable too") && !strstr(log, "garbage") && !strstr(log, "\\x0d"),
	      "the other file is named, its content is not");
	CHECK(size_of(ed) == 100 && size_of(ec) == 19, "neither file was replaced");
	free(log);

	/* The private key deleted, its .pub left: a new key, loudly. */
	unlink(ed);
	unlink(ec);
	{
		char ecpub[700];
		snprintf(ecpub, sizeof(ecpub), "%s.pub", ec);
		unlink(ecpub);
	}
	CHECK_INT(hk_prepare(hk, &types, &pub, &paths, &log, err, sizeof(err)), 0, "deleted keys: made again (%s)",
		  err);
	CHECK(pub.n == 2 && strcmp(pub.v[0].fp, edfp), "a new ed25519 key");
	CHECK(log && strstr(log, "ssh_host_ed25519_key was MISSING") && strstr(log, edfp) && strstr(log, "NEW ed25519"),
	      "the lost key is named with its old fingerprint");
	CHECK(log && strstr(log, "generated a new ecdsa host key"), "without a .pub there is nothing to compare");
	free(log);

	sshkey_list_free(&pub);
	strvec_free(&paths);
	strvec_free(&types);
}

static int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* KNOWN_HOSTS_FILE=/tmp/kh must not turn /tmp into 0755: a directory that is
 * there already keeps its mode; missing ones are made. */
static void check_known_hosts_dir(void)
{
	char shared[512], path[600], nested[700], err[512] = "", *text = NULL;
	const char *kh = "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB rds-server\n";

	snprintf(shared, sizeof(shared), "%s/shared-tmp", dir);
	mkdir(shared, 0700);
	chmod(shared, 01777);
	snprintf(path, sizeof(path), "%s/kh", shared);
	CHECK_INT(server_known_hosts_write(path, kh, err, sizeof(err)), 0, "known_hosts written into a 1777 directory");
	CHECK_INT(mode_of(shared), 01777, "the existing directory keeps its mode 1777");
	read_file_bounded(path, 4096, &text, NULL);
	CHECK_STR(text, kh, "known_hosts content");
	free(text);
	CHECK_INT(mode_of(path), 0644, "known_hosts is 0644");

	snprintf(nested, sizeof(nested), "%s/new/dirs/known_hosts", shared);
	CHECK_INT(server_known_hosts_write(nested, kh, err, sizeof(err)), 0, "missing directories are made (%s)", err);
	snprintf(nested, sizeof(nested), "%s/new/dirs", shared);
	CHECK(mode_of(nested) >= 0 && !(mode_of(nested) & 022), "a made directory is not group/other writable (%04o)",
	      mode_of(nested));
	CHECK_INT(mode_of(shared), 01777, "the existing parent still keeps its mode");

	snprintf(nested, sizeof(nested), "%s/kh/below", shared);
	CHECK(server_known_hosts_write(nested, kh, err, sizeof(err)) < 0 && strstr(err, "KNOWN_HOSTS_FILE"),
	      "a file in the way: the error names the setting: %s", err);
}

static void check_sshd_text(void)
{
	char *keys[] = { "/etc/ssh/host_keys/ssh_host_ed25519_key", "/etc/ssh/host_keys/ssh_host_ecdsa_key" };
	struct sshd_conf in = { 2222, keys, 2, "/etc/ssh/authorized_keys", "restic", "/home", "/restic", 0 };
	char *t = server_sshd_config_text(&in);
	static const char *const want[] = {
		"\nPort 2222\n",
		"\nHostKey /etc/ssh/host_keys/ssh_host_ed25519_key\n",
		"\nHostKey /etc/ssh/host_keys/ssh_host_ecdsa_key\n",
		"\nPidFile none\n",
		"\nUsePAM no\n",
		"\nPermitRootLogin no\n",
		"\nAllowUsers restic\n",
		"\nAuthenticationMethods publickey\n",
		"\nPasswordAuthentication no\n",
		"\nKbdInteractiveAuthentication no\n",
		"\nPubkeyAuthentication yes\n",
		"\nAuthorizedKeysFile /etc/ssh/authorized_keys/%u\n",
		"\nDisableForwarding yes\n",
		"\nPermitTunnel no\n",
		"\nAllowAgentForwarding no\n",
		"\nAllowTcpForwarding no\n",
		"\nX11Forwarding no\n",
		"\nPermitTTY no\n",
		"\nPermitUserRC no\n",
		"\nSubsystem sftp internal-sftp\n",
		"\nLogLevel VERBOSE\n",
		"\nMaxStartups 30:30:100\n",
		"\nPerSourceMaxStartups 10\n",
		"\nPerSourceNetBlockSize 32:128\n",
		"\nMatch User restic\n\tChrootDirectory /home\n\tForceCommand internal-sftp -d /restic -u 0077\n",
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(t && strstr(t, want[i]), "sshd_config has '%.*s'", (int)strcspn(want[i] + 1, "\n"), want[i] + 1);
	CHECK(t && strstr(t, "Match") > strstr(t, "Subsystem"), "Match comes last (it applies to the end of the file)");
	CHECK(t && !strstr(t, "PerSourcePenalties"), "no PerSourcePenalties for an sshd without it");
	free(t);
	in.penalties = 1;
	t = server_sshd_config_text(&in);
	CHECK(t && strstr(t, "\nPerSourcePenalties max:60s\n") && strstr(t, "Match") > strstr(t, "PerSourcePenalties"),
	      "PerSourcePenalties capped at 60 s where sshd has it, before Match");
	free(t);
	/* This host's sshd: the probe, and sshd -t on the text it picks. */
	if (access("/usr/sbin/sshd", X_OK) == 0 && geteuid() == 0) {
		char path[600], conf[600], cmd[800], err[512] = "", *hk[] = { path };
		struct sshd_conf real = in;

		snprintf(path, sizeof(path), "%s/hostkey", dir);
		snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N '' -f '%s' </dev/null", path);
		CHECK_INT(system(cmd), 0, "a host key for sshd -t");
		real.penalties = server_sshd_knows("/usr/sbin/sshd", path, SSHD_PENALTIES);
		CHECK_INT(server_sshd_knows("/usr/sbin/sshd", path, "PerSourceMaxStartups 10"), 1,
			  "the probe: this sshd knows PerSourceMaxStartups");
		CHECK_INT(server_sshd_knows("/usr/sbin/sshd", path, "NoSuchOption yes"), 0,
			  "the probe: an unknown option");
		printf("# this sshd %s PerSourcePenalties\n", real.penalties ? "has" : "has no");
		real.host_keys = hk;
		real.nhost_keys = 1;
		real.chroot_dir = dir;
		t = server_sshd_config_text(&real);
		snprintf(conf, sizeof(conf), "%s/sshd_config", dir);
		CHECK_INT(server_sshd_write_and_test("/usr/sbin/sshd", conf, t, err, sizeof(err)), 0,
			  "sshd -t accepts the generated file (%s)", err);
		free(t);
	}
}

static void mkrepo(const char *base, const char *rel, size_t bytes)
{
	char p[700], f[800], *data = calloc(1, bytes + 1);

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	{
		char cmd[800];
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s/keys' '%s/data/0a'", p, p);
		if (system(cmd) != 0)
			exit(1);
	}
	memset(data, 'x', bytes);
	snprintf(f, sizeof(f), "%s/config", p);
	put(f, "cfg");
	snprintf(f, sizeof(f), "%s/data/0a/pack", p);
	put(f, data);
	free(data);
}

static void check_info(void)
{
	char root[512], path[600], *out = NULL, size[32];
	size_t n = 0;
	struct server_config c;
	FILE *f;

	snprintf(root, sizeof(root), "%s/chroot/restic", dir);
	mkrepo(root, "db", 2048);      /* 3 + 2048 bytes */
	mkrepo(root, "apps/web", 100); /* depth 2 */
	mkrepo(root, "a/b/c/deep", 1); /* depth 4: too deep */
	snprintf(path, sizeof(path), "%s/notrepo", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/db/escape", root);
	CHECK(symlink("/usr", path) == 0, "a symlink out of a repository (never followed)");
	memset(&c, 0, sizeof(c));
	c.port = 2222;
	c.ssh_user = "restic";
	c.repo_root = root;
	c.login_dir = "/restic";
	c.known_hosts_file = "/etc/ssh/host_fingerprints/known_hosts";
	snprintf(path, sizeof(path), "%s/etc/authorized_keys", dir);
	c.authorized_keys_dir = path;
	f = open_memstream(&out, &n);
	CHECK_INT(server_info(&c, f), 0, "info runs");
	fclose(f);
	printf("%s", out);
	CHECK(out && strstr(out, "sshd port 2222"), "info names the port");
	CHECK(out && strstr(out, "  db ") && strstr(out, "2.0 KiB") && strstr(out, "2 files"),
	      "db: its size and file count");
	CHECK(out && strstr(out, "  apps/web ") && strstr(out, "103 B"), "a nested repository with its size");
	CHECK(out && !strstr(out, "deep"), "repositories deeper than 3 levels are not looked for");
	CHECK(out && strstr(out, "2 repositories, 2.1 KiB in all"), "the count and total");
	free(out);
	snprintf(path, sizeof(path), "%s/nonexistent", dir);
	c.repo_root = path;
	out = NULL;
	f = open_memstream(&out, &n);
	CHECK_INT(server_info(&c, f), -1, "info on a missing REPO_ROOT fails");
	fclose(f);
	CHECK(out && strstr(out, "cannot be read"), "and says so");
	free(out);

	server_human_size(0, size, sizeof(size));
	CHECK_STR(size, "0 B", "0 bytes");
	server_human_size(1023, size, sizeof(size));
	CHECK_STR(size, "1023 B", "1023 bytes");
	server_human_size(1536, size, sizeof(size));
	CHECK_STR(size, "1.5 KiB", "1536 bytes");
	server_human_size(5ULL << 40, size, sizeof(size));
	CHECK_STR(size, "5.0 TiB", "5 TiB");
}

/* A one-shot listener on 127.0.0.1 that sends banner (NULL: nothing). */
static pid_t fake_server(const char *banner, int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	bind(s, (struct sockaddr *)&sa, sizeof(sa));
	listen(s, 1);
	getsockname(s, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	pid = fork();
	if (pid == 0) {
		int c = accept(s, NULL, NULL);
		if (banner)
			(void)!write(c, banner, strlen(banner));
		sleep(5);
		_exit(0);
	}
	close(s);
	return pid;
}

static void check_health(void)
{
	struct server_config c;
	char keysdir[512], why[512];
	long long t0;
	pid_t pid;
	int port;

	memset(&c, 0, sizeof(c));
	snprintf(keysdir, sizeof(keysdir), "%s/etc/authorized_keys", dir);
	c.authorized_keys_dir = keysdir;
	c.ssh_user = "restic";
	c.secrets_dir = "/run/secrets";

	pid = fake_server("SSH-2.0-OpenSSH_9.2\r\n", &port);
	c.port = port;
	CHECK_INT(server_health(&c, why, sizeof(why)), 1, "banner but no key: unhealthy");
	CHECK(strstr(why, "no authorized keys"), "why: %s", why);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	{
		char path[600], *text;
		size_t len;
		read_file_bounded(DATA "ed25519.pub", 4096, &text, &len);
		snprintf(path, sizeof(path), "%s/restic", keysdir);
		put(path, text);
		free(text);
	}
	pid = fake_server("SSH-2.0-OpenSSH_9.2\r\n", &port);
	c.port = port;
	CHECK_INT(server_health(&c, why, sizeof(why)), 0, "banner and a key: healthy (%s)", why);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	pid = fake_server("HTTP/1.1 400 Bad Request\r\n", &port);
	c.port = port;
	CHECK_INT(server_health(&c, why, sizeof(why)), 1, "not SSH: unhealthy");
	CHECK(strstr(why, "not with an SSH-2.0 banner"), "why: %s", why);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	pid = fake_server(NULL, &port);
	c.port = port;
	t0 = mono_ms();
	CHECK_INT(server_health(&c, why, sizeof(why)), 1, "silent server: unhealthy");
	CHECK(strstr(why, "no SSH banner within") && mono_ms() - t0 < HEALTH_TIMEOUT_MS + 1000,
	      "within the timeout (%lld ms): %s", mono_ms() - t0, why);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	c.port = port; /* nobody listens any more */
	CHECK_INT(server_health(&c, why, sizeof(why)), 1, "closed port: unhealthy");
	CHECK(strstr(why, "does not answer") && strstr(why, "refused"), "why: %s", why);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir))
		return 1;
	rds_log_init(RDS_LOG_INFO, 0);
	check_scan();
	check_known_hosts_dir();
	check_sshd_text();
	check_info();
	check_health();
	check_hostkeys();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return T_DONE();
}

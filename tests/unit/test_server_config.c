/* Unit tests for server_config: defaults, precedence, derived values (names,
 * key types, chroot layout) and every error message a user can meet. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server_config.h"
#include "fakeenv.h"
#include "t.h"

static char dir[] = "/tmp/rds-test-srvcfg-XXXXXX";
static char secrets[256], notexec[256];

/* A valid environment for SERVER_RUN on this machine. */
static void base_env(void)
{
	env_reset();
	setv("SECRETS_DIR", secrets);
	setv("SSHD_BIN", "/bin/sh"); /* any executable will do for validation */
}

static int load(struct server_config *c, char **argv, int argc, enum server_mode mode, char *err, size_t errlen)
{
	int idx = 0, r;

	server_config_init(c);
	err[0] = '\0';
	if (server_config_load_env(c, fake_getenv, err, errlen) < 0)
		return -1;
	r = server_config_parse_args(c, argc, argv, &idx, err, errlen);
	if (r != 0)
		return r;
	return server_config_validate(c, mode, err, errlen);
}

static void expect_error(const char *what, const char *needle1, const char *needle2)
{
	struct server_config c;
	char err[1024];
	int r = load(&c, NULL, 0, SERVER_RUN, err, sizeof(err));

	CHECK(r < 0 && strstr(err, needle1) && (!needle2 || strstr(err, needle2)), "%s -> '%s'", what, err);
	CHECK(!strchr(err, '\n'), "%s: the error is one line", what);
	server_config_free(&c);
}

static void expect_arg_error(const char *what, char **argv, int argc, const char *needle)
{
	struct server_config c;
	char err[1024];
	int r = load(&c, argv, argc, SERVER_RUN, err, sizeof(err));

	CHECK(r < 0 && strstr(err, needle), "%s -> '%s'", what, err);
	server_config_free(&c);
}

int main(void)
{
	struct server_config c;
	char err[1024], big[5000];

	if (!mkdtemp(dir))
		return 1;
	snprintf(secrets, sizeof(secrets), "%s/secrets", dir);
	snprintf(notexec, sizeof(notexec), "%s/sshd", dir);
	mkdir(secrets, 0700);
	{
		FILE *f = fopen(notexec, "w");
		fclose(f);
		chmod(notexec, 0644);
	}

	/* Defaults: the seed's port and paths. */
	base_env();
	CHECK_INT(load(&c, NULL, 0, SERVER_RUN, err, sizeof(err)), 0, "defaults are valid (%s)", err);
	CHECK_INT(c.port, 2222, "SSHD_PORT defaults to 2222");
	CHECK_STR(c.repo_root, "/home/restic", "REPO_ROOT defaults to /home/restic");
	CHECK_STR(c.known_hosts_file, "/etc/ssh/host_fingerprints/known_hosts", "KNOWN_HOSTS_FILE is the seed's path");
	CHECK_STR(c.host_key_dir, "/etc/ssh/host_keys", "HOST_KEY_DIR default");
	CHECK_STR(c.authorized_keys_dir, "/etc/ssh/authorized_keys", "AUTHORIZED_KEYS_DIR default");
	CHECK_STR(c.ssh_user, "restic", "SSH_USER defaults to restic");
	CHECK_INT(c.stop_timeout_s, 5, "STOP_TIMEOUT defaults to 5s");
	CHECK_STR(c.chroot_dir, "/home", "the chroot is REPO_ROOT's parent");
	CHECK_STR(c.login_dir, "/restic", "the SFTP start directory is /restic");
	CHECK_INT(c.names.n, 0, "no names by default");
	CHECK(c.key_types.n == 2 && !strcmp(c.key_types.v[0], "ed25519") && !strcmp(c.key_types.v[1], "ecdsa"),
	      "host key types default to ed25519 and ecdsa");
	server_config_free(&c);

	/* Names and precedence. */
	base_env();
	setv("SWARM_SERVICE", "backup_server");
	setv("EXTRA_HOST_NAMES", " backup.example.org,10.0.0.5  fe80::1,BACKUP_server ");
	setv("SSHD_PORT", "2200");
	setv("HOST_KEY_TYPES", "rsa ed25519");
	setv("REPO_ROOT", "/srv/backups/repos/");
	{
		char *argv[] = { "--port", "2201", "-v", "--stop-timeout=1m" };
		CHECK_INT(load(&c, argv, 4, SERVER_RUN, err, sizeof(err)), 0, "env + flags (%s)", err);
	}
	CHECK_INT(c.port, 2201, "a flag beats the environment");
	CHECK_INT(c.verbose, 1, "-v sets verbose");
	CHECK_INT(c.stop_timeout_s, 60, "--stop-timeout=1m is 60 s");
	CHECK(c.names.n == 4 && !strcmp(c.names.v[0], "backup_server") && !strcmp(c.names.v[1], "backup.example.org") &&
		      !strcmp(c.names.v[2], "10.0.0.5") && !strcmp(c.names.v[3], "fe80::1"),
	      "SWARM_SERVICE first, then the extra names; a case-insensitive duplicate dropped (%zu)", c.names.n);
	CHECK(c.key_types.n == 2 && !strcmp(c.key_types.v[0], "rsa"), "HOST_KEY_TYPES in the order given");
	CHECK_STR(c.repo_root, "/srv/backups/repos", "a trailing slash is dropped");
	CHECK_STR(c.chroot_dir, "/srv/backups", "chroot of a deeper REPO_ROOT");
	CHECK_STR(c.login_dir, "/repos", "start directory of a deeper REPO_ROOT");
	server_config_free(&c);

	/* health and info need no secrets and no sshd. */
	base_env();
	setv("SECRETS_DIR", "/nonexistent/secrets");
	CHECK_INT(load(&c, NULL, 0, SERVER_HEALTH, err, sizeof(err)), 0, "health mode does not open SECRETS_DIR");
	server_config_free(&c);

	/* Every misconfiguration: one line naming the setting and the value. */
	base_env();
	setv("SSHD_PORT", "70000");
	expect_error("port out of range", "SSHD_PORT='70000' is not a TCP port", "1 to 65535");
	base_env();
	setv("SSHD_PORT", "0");
	expect_error("port zero", "SSHD_PORT='0'", "1 to 65535");
	base_env();
	setv("SSHD_PORT", "22x");
	expect_error("port not a number", "SSHD_PORT='22x'", NULL);
	base_env();
	setv("SSHD_PORT", "");
	expect_error("empty port", "SSHD_PORT=''", NULL);
	base_env();
	setv("SWARM_SERVICE", "backup server");
	expect_error("SWARM_SERVICE with a space", "SWARM_SERVICE: 'backup server' is not a host name", "letters");
	base_env();
	setv("SWARM_SERVICE", "-oProxyCommand=x");
	expect_error("SWARM_SERVICE like an option", "SWARM_SERVICE: '-oProxyCommand=x'", NULL);
	base_env();
	setv("EXTRA_HOST_NAMES", "good.example,b@d");
	expect_error("a bad extra name", "EXTRA_HOST_NAMES: 'b@d' is not a host name", NULL);
	base_env();
	setv("EXTRA_HOST_NAMES",
	     "a1 a2 a3 a4 a5 a6 a7 a8 a9 b1 b2 b3 b4 b5 b6 b7 b8 b9 c1 c2 c3 c4 c5 c6 c7 c8 c9 d1 d2 d3 d4 d5 d6");
	expect_error("too many names", "EXTRA_HOST_NAMES: more than 32 names", NULL);
	memset(big, 'a', 300);
	big[300] = '\0';
	base_env();
	setv("EXTRA_HOST_NAMES", big);
	expect_error("a name too long", "EXTRA_HOST_NAMES: a name of 300 characters is too long", NULL);
	base_env();
	setv("HOST_KEY_DIR", "etc/ssh/keys");
	expect_error("relative HOST_KEY_DIR", "HOST_KEY_DIR='etc/ssh/keys' must be an absolute path", NULL);
	base_env();
	setv("KNOWN_HOSTS_FILE", "/etc/ssh/../known_hosts");
	expect_error("'..' in a path", "KNOWN_HOSTS_FILE='/etc/ssh/../known_hosts'", "'..'");
	base_env();
	setv("REPO_ROOT", "/home/my repos");
	expect_error("space in a path", "REPO_ROOT='/home/my repos' has a character sshd_config cannot carry", NULL);
	base_env();
	setv("AUTHORIZED_KEYS_DIR", "/etc/ssh/keys-%u");
	expect_error("'%' in a path", "AUTHORIZED_KEYS_DIR='/etc/ssh/keys-%u'", NULL);
	base_env();
	setv("REPO_ROOT", "/restic");
	expect_error("REPO_ROOT one level deep", "REPO_ROOT='/restic' must be at least two levels deep", "chroot");
	base_env();
	setv("REPO_ROOT", "/");
	expect_error("REPO_ROOT /", "REPO_ROOT='/' must be at least two levels deep", NULL);
	base_env();
	setv("HOST_KEY_DIR", "/home/keys");
	expect_error("host keys inside the chroot", "HOST_KEY_DIR=/home/keys is inside the SFTP chroot /home", NULL);
	base_env();
	setv("REPO_ROOT", "/etc/ssh/repos");
	expect_error("chroot over the host keys", "HOST_KEY_DIR=/etc/ssh/host_keys is inside the SFTP chroot /etc/ssh",
		     NULL);
	base_env();
	setv("SECRETS_DIR", "/home/restic/secrets");
	expect_error("secrets inside the chroot", "SECRETS_DIR=/home/restic/secrets is inside the SFTP chroot", NULL);
	base_env();
	setv("KNOWN_HOSTS_FILE", "/home/restic/known_hosts");
	expect_error("known_hosts inside the chroot", "KNOWN_HOSTS_FILE=/home/restic/known_hosts is inside", NULL);
	base_env();
	setv("SECRETS_DIR", "/nonexistent/secrets");
	expect_error("unreadable SECRETS_DIR", "SECRETS_DIR=/nonexistent/secrets cannot be read: No such file",
		     "Docker secrets");
	base_env();
	setv("SSHD_BIN", notexec);
	expect_error("SSHD_BIN not executable", "SSHD_BIN=", "is not an executable file");
	base_env();
	setv("SSHD_BIN", "/nonexistent/sshd");
	expect_error("SSHD_BIN missing", "SSHD_BIN=/nonexistent/sshd is not an executable file", "openssh-server");
	base_env();
	setv("HOST_KEY_TYPES", "ed25519,dsa");
	expect_error("unknown host key type", "HOST_KEY_TYPES='ed25519,dsa': 'dsa' is not a host key type",
		     "ed25519, ecdsa or rsa");
	base_env();
	setv("HOST_KEY_TYPES", "ed25519 ed25519");
	expect_error("duplicate host key type", "HOST_KEY_TYPES='ed25519 ed25519' names ed25519 twice", NULL);
	base_env();
	setv("HOST_KEY_TYPES", " , ");
	expect_error("no host key type", "HOST_KEY_TYPES is empty", NULL);
	base_env();
	setv("SSH_USER", "root");
	expect_error("SSH_USER root", "SSH_USER='root' is not a usable user name", "not root");
	base_env();
	setv("SSH_USER", "Restic");
	expect_error("SSH_USER upper case", "SSH_USER='Restic'", NULL);
	base_env();
	setv("SSH_USER", "-restic");
	expect_error("SSH_USER like an option", "SSH_USER='-restic'", NULL);
	base_env();
	setv("STOP_TIMEOUT", "soon");
	expect_error("bad STOP_TIMEOUT", "STOP_TIMEOUT='soon' is not a duration", "90s");
	base_env();
	setv("STOP_TIMEOUT", "2h");
	expect_error("STOP_TIMEOUT over an hour", "STOP_TIMEOUT=7200s is too long", "at most 1h");
	base_env();
	setv("LOG_FORMAT", "xml");
	expect_error("bad LOG_FORMAT", "LOG_FORMAT='xml' is not valid", "text or json");
	memset(big, 'x', 4500);
	big[4500] = '\0';
	base_env();
	setv("REPO_ROOT", big);
	expect_error("an overlong value", "REPO_ROOT: value is 4500 bytes long", NULL);

	base_env();
	{
		char *a1[] = { "--frobnicate" };
		char *a2[] = { "--repo-root" };
		char *a3[] = { "--verbose=yes" };
		char *a4[] = { "-p", "99999" };
		expect_arg_error("unknown flag", a1, 1, "unknown option '--frobnicate'");
		expect_arg_error("flag without value", a2, 1, "--repo-root needs a value");
		expect_arg_error("value for a switch", a3, 1, "--verbose takes no value");
		expect_arg_error("bad port flag", a4, 2, "--port='99999' is not a TCP port");
	}
	{
		char *a[] = { "--help" };
		CHECK_INT(load(&c, a, 1, SERVER_RUN, err, sizeof(err)), 1, "--help is reported");
		server_config_free(&c);
	}
	{
		char *a[] = { "--version" };
		CHECK_INT(load(&c, a, 1, SERVER_RUN, err, sizeof(err)), 2, "--version is reported");
		server_config_free(&c);
	}
	{
		char *ptr = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&ptr, &n);
		server_config_usage(f);
		fclose(f);
		CHECK(ptr && strstr(ptr, "SSHD_PORT") && strstr(ptr, "SWARM_SERVICE") &&
			      strstr(ptr, "EXTRA_HOST_NAMES") &&
			      strstr(ptr, "[default: /etc/ssh/host_fingerprints/known_hosts]") &&
			      strstr(ptr, "--secrets-dir") && strstr(ptr, "[default: 2222]"),
		      "--help lists every setting with its default");
		free(ptr);
	}

	unlink(notexec);
	rmdir(secrets);
	rmdir(dir);
	return T_DONE();
}

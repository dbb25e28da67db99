/* server_config: see server_config.h. The table below is the single source of
 * truth for names, flags, defaults and --help. */
#include "server_config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgtab.h"
#include "sshkeys.h"

#define OFF(f) offsetof(struct server_config, f)

static const struct cfgtab_entry entries[] = {
	{ "SSHD_PORT", "port", 'p', CFG_PORT, OFF(port), "2222", "port sshd listens on" },
	{ "SWARM_SERVICE", "swarm-service", 0, CFG_STR, OFF(swarm_service), "",
	  "name that resolves to this server service; written into known_hosts" },
	{ "EXTRA_HOST_NAMES", "extra-host-names", 0, CFG_STR, OFF(extra_names), "",
	  "more names or addresses for known_hosts, separated by commas or spaces" },
	{ "HOST_KEY_DIR", "host-key-dir", 0, CFG_STR, OFF(host_key_dir), "/etc/ssh/host_keys",
	  "persistent host keys (mount a volume: agents' known_hosts depend on them)" },
	{ "HOST_KEY_TYPES", "host-key-types", 0, CFG_STR, OFF(host_key_types), "ed25519,ecdsa",
	  "host key types to use: ed25519, ecdsa, rsa (generated once when missing)" },
	{ "REPO_ROOT", "repo-root", 0, CFG_STR, OFF(repo_root), "/home/restic",
	  "restic repositories (mount a volume); its parent directory is the SFTP chroot" },
	{ "SECRETS_DIR", "secrets-dir", 0, CFG_STR, OFF(secrets_dir), "/run/secrets",
	  "every SSH public key file here is an authorized agent key" },
	{ "KNOWN_HOSTS_FILE", "known-hosts-file", 0, CFG_STR, OFF(known_hosts_file),
	  "/etc/ssh/host_fingerprints/known_hosts", "known_hosts written for the agents" },
	{ "AUTHORIZED_KEYS_DIR", "authorized-keys-dir", 0, CFG_STR, OFF(authorized_keys_dir),
	  "/etc/ssh/authorized_keys", "where the authorized_keys file (named after SSH_USER) is written" },
	{ "SSHD_BIN", "sshd-bin", 0, CFG_STR, OFF(sshd_bin), "/usr/sbin/sshd", "sshd program (absolute path)" },
	{ "SSHD_CONFIG", "sshd-config", 0, CFG_STR, OFF(sshd_config), "/etc/ssh/sshd_config.rds",
	  "where the generated sshd configuration is written" },
	{ "SSH_USER", "ssh-user", 0, CFG_STR, OFF(ssh_user), "restic",
	  "the only user allowed to log in (must exist; the image creates it)" },
	{ "STOP_TIMEOUT", "stop-timeout", 0, CFG_DURATION, OFF(stop_timeout_s), "5s",
	  "on SIGTERM, how long sshd and open sessions get before SIGKILL" },
	{ "LOG_FORMAT", "log-format", 0, CFG_STR, OFF(log_format), "text", "text or json (rds-server's own lines)" },
	{ NULL, "verbose", 'v', CFG_FLAG, OFF(verbose), "", "debug logging" },
};

#define PATH_MAX_LEN 1024
#define STOP_TIMEOUT_MAX 3600 /* Docker's stop grace is shorter anyway */

static const struct cfgtab table = { entries, sizeof(entries) / sizeof(entries[0]) };

void server_config_init(struct server_config *c)
{
	memset(c, 0, sizeof(*c));
	cfgtab_defaults(&table, c);
}

void server_config_free(struct server_config *c)
{
	cfgtab_free(&table, c);
	strvec_free(&c->names);
	strvec_free(&c->key_types);
	free(c->chroot_dir);
	free(c->login_dir);
	c->chroot_dir = c->login_dir = NULL;
}

int server_config_load_env(struct server_config *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
	return cfgtab_load_env(&table, c, getenv_fn, err, errlen);
}

int server_config_parse_args(struct server_config *c, int argc, char **argv, int *argi, char *err, size_t errlen)
{
	return cfgtab_parse_args(&table, c, argc, argv, argi, err, errlen);
}

/* sshd_config has no quoting we could rely on for every keyword, and '%'
 * starts a token in ChrootDirectory and AuthorizedKeysFile: paths are kept to
 * characters that mean nothing to it. */
static int check_path(const char *name, char *path, char *err, size_t errlen)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	if (path[0] != '/' || n > PATH_MAX_LEN || strstr(path, "/../") || strstr(path, "/./") ||
	    (n >= 3 && !strcmp(path + n - 3, "/..")) || (n >= 2 && !strcmp(path + n - 2, "/.")) || strstr(path, "//")) {
		snprintf(err, errlen, "%s='%.200s' must be an absolute path without '.', '..' or '//' components", name,
			 path);
		return -1;
	}
	if (strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+@~,=") != n) {
		snprintf(err, errlen,
			 "%s='%.200s' has a character sshd_config cannot carry; use letters, digits and / . _ - + @ ~ "
			 ", =",
			 name, path);
		return -1;
	}
	return 0;
}

/* 1 when path is dir or below it. */
static int path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return 1;
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

static int add_name(struct server_config *c, const char *src, const char *name, size_t len, char *err, size_t errlen)
{
	char buf[SSHKEYS_NAME_MAX + 2];

	if (len > SSHKEYS_NAME_MAX) {
		snprintf(err, errlen, "%s: a name of %zu characters is too long; host names have at most %d", src, len,
			 SSHKEYS_NAME_MAX);
		return -1;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	if (sshkeys_check_name(buf) < 0) {
		snprintf(err, errlen,
			 "%s: '%s' is not a host name or address; use letters, digits, '.', '-', '_' (and ':' in IPv6)",
			 src, buf);
		return -1;
	}
	for (size_t i = 0; i < c->names.n; i++)
		if (!strcasecmp(c->names.v[i], buf))
			return 0;
	if (c->names.n >= SSHKEYS_NAMES_MAX) {
		snprintf(err, errlen, "%s: more than %d names; known_hosts needs only the names agents use", src,
			 SSHKEYS_NAMES_MAX);
		return -1;
	}
	if (strvec_push(&c->names, buf) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int derive_names(struct server_config *c, char *err, size_t errlen)
{
	const char *p = c->extra_names, *sep = ", \t\n";

	strvec_free(&c->names);
	if (*c->swarm_service &&
	    add_name(c, "SWARM_SERVICE", c->swarm_service, strlen(c->swarm_service), err, errlen) < 0)
		return -1;
	while (*p) {
		size_t len;
		p += strspn(p, sep);
		len = strcspn(p, sep);
		if (len && add_name(c, "EXTRA_HOST_NAMES", p, len, err, errlen) < 0)
			return -1;
		p += len;
	}
	return 0;
}

static int derive_key_types(struct server_config *c, char *err, size_t errlen)
{
	static const char *const known[] = { "ed25519", "ecdsa", "rsa" };
	const char *p = c->host_key_types, *sep = ", \t\n";

	strvec_free(&c->key_types);
	while (*p) {
		size_t len, i;
		p += strspn(p, sep);
		len = strcspn(p, sep);
		if (!len)
			break;
		for (i = 0; i < 3; i++)
			if (strlen(known[i]) == len && !strncmp(known[i], p, len))
				break;
		if (i == 3) {
			snprintf(err, errlen,
				 "HOST_KEY_TYPES='%.100s': '%.*s' is not a host key type; use ed25519, ecdsa or rsa",
				 c->host_key_types, (int)(len > 40 ? 40 : len), p);
			return -1;
		}
		for (size_t j = 0; j < c->key_types.n; j++)
			if (!strcmp(c->key_types.v[j], known[i])) {
				snprintf(err, errlen, "HOST_KEY_TYPES='%.100s' names %s twice", c->host_key_types,
					 known[i]);
				return -1;
			}
		if (strvec_push(&c->key_types, known[i]) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p += len;
	}
	if (!c->key_types.n) {
		snprintf(err, errlen, "HOST_KEY_TYPES is empty; use one or more of ed25519, ecdsa, rsa");
		return -1;
	}
	return 0;
}

/* REPO_ROOT=/a/b/c: chroot /a/b, login directory /c. */
static int derive_layout(struct server_config *c, char *err, size_t errlen)
{
	char *slash = strrchr(c->repo_root, '/');

	if (slash == c->repo_root || !slash[1]) {
		snprintf(err, errlen,
			 "REPO_ROOT='%.200s' must be at least two levels deep (e.g. /home/restic): its parent "
			 "directory becomes the SFTP chroot",
			 c->repo_root);
		return -1;
	}
	free(c->chroot_dir);
	free(c->login_dir);
	c->chroot_dir = strndup(c->repo_root, (size_t)(slash - c->repo_root));
	c->login_dir = strdup(slash);
	if (!c->chroot_dir || !c->login_dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int check_user(const char *u, char *err, size_t errlen)
{
	size_t n = strlen(u);

	if (n == 0 || n > 32 || strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n || u[0] == '-' ||
	    (u[0] >= '0' && u[0] <= '9') || !strcmp(u, "root")) {
		snprintf(err, errlen,
			 "SSH_USER='%.100s' is not a usable user name; use lower-case letters, digits, '_' or '-' (not "
			 "root)",
			 u);
		return -1;
	}
	return 0;
}

static int check_run_inputs(const struct server_config *c, char *err, size_t errlen)
{
	struct stat st;
	DIR *d;

	d = opendir(c->secrets_dir);
	if (!d) {
		snprintf(err, errlen,
			 "SECRETS_DIR=%s cannot be read: %s; give the service the agents' public keys as Docker "
			 "secrets, or point SECRETS_DIR to a directory holding them",
			 c->secrets_dir, strerror(errno));
		return -1;
	}
	closedir(d);
	if (stat(c->sshd_bin, &st) < 0 || !S_ISREG(st.st_mode) || access(c->sshd_bin, X_OK) < 0) {
		snprintf(err, errlen,
			 "SSHD_BIN=%s is not an executable file; install openssh-server or point SSHD_BIN to sshd",
			 c->sshd_bin);
		return -1;
	}
	return 0;
}

int server_config_validate(struct server_config *c, enum server_mode mode, char *err, size_t errlen)
{
	struct {
		const char *name;
		char *path;
	} paths[] = {
		{ "HOST_KEY_DIR", c->host_key_dir },
		{ "REPO_ROOT", c->repo_root },
		{ "SECRETS_DIR", c->secrets_dir },
		{ "KNOWN_HOSTS_FILE", c->known_hosts_file },
		{ "AUTHORIZED_KEYS_DIR", c->authorized_keys_dir },
		{ "SSHD_BIN", c->sshd_bin },
		{ "SSHD_CONFIG", c->sshd_config },
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (check_path(paths[i].name, paths[i].path, err, errlen) < 0)
			return -1;
	if (derive_layout(c, err, errlen) < 0)
		return -1;
	/* What the SFTP user can reach must hold no secret, nothing sshd trusts
	 * and no directory root writes into (a planted symlink would redirect
	 * the write). */
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (!strcmp(paths[i].name, "REPO_ROOT") || !path_under(paths[i].path, c->chroot_dir))
			continue;
		snprintf(err, errlen,
			 "%s=%s is inside the SFTP chroot %s (the parent of REPO_ROOT), where the SFTP user could "
			 "reach it; use a path outside it",
			 paths[i].name, paths[i].path, c->chroot_dir);
		return -1;
	}
	if (check_user(c->ssh_user, err, errlen) < 0 || derive_names(c, err, errlen) < 0 ||
	    derive_key_types(c, err, errlen) < 0)
		return -1;
	if (strcmp(c->log_format, "text") && strcmp(c->log_format, "json")) {
		snprintf(err, errlen, "LOG_FORMAT='%.100s' is not valid; use text or json", c->log_format);
		return -1;
	}
	if (c->stop_timeout_s > STOP_TIMEOUT_MAX) {
		snprintf(err, errlen, "STOP_TIMEOUT=%lds is too long; use at most 1h (e.g. 5s, 1m)", c->stop_timeout_s);
		return -1;
	}
	if (mode == SERVER_RUN && check_run_inputs(c, err, errlen) < 0)
		return -1;
	return 0;
}

void server_config_usage(FILE *f)
{
	cfgtab_usage(&table, f);
}

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

#include "config.h"
#include "sshkeys.h"

enum kind { K_STR, K_PORT, K_DURATION, K_FLAG };

struct setting {
	const char *env;   /* NULL: flag only */
	const char *lflag; /* long flag without "--" */
	char sflag;        /* short flag, 0 for none */
	enum kind kind;
	size_t off;
	const char *def;
	const char *help;
};

#define OFF(f) offsetof(struct server_config, f)

static const struct setting settings[] = {
	{ "SSHD_PORT", "port", 'p', K_PORT, OFF(port), "2222", "port sshd listens on" },
	{ "SWARM_SERVICE", "swarm-service", 0, K_STR, OFF(swarm_service), "",
	  "name that resolves to this server service; written into known_hosts" },
	{ "EXTRA_HOST_NAMES", "extra-host-names", 0, K_STR, OFF(extra_names), "",
	  "more names or addresses for known_hosts, separated by commas or spaces" },
	{ "HOST_KEY_DIR", "host-key-dir", 0, K_STR, OFF(host_key_dir), "/etc/ssh/host_keys",
	  "persistent host keys (mount a volume: agents' known_hosts depend on them)" },
	{ "HOST_KEY_TYPES", "host-key-types", 0, K_STR, OFF(host_key_types), "ed25519,ecdsa",
	  "host key types to use: ed25519, ecdsa, rsa (generated once when missing)" },
	{ "REPO_ROOT", "repo-root", 0, K_STR, OFF(repo_root), "/home/restic",
	  "restic repositories (mount a volume); its parent directory is the SFTP chroot" },
	{ "SECRETS_DIR", "secrets-dir", 0, K_STR, OFF(secrets_dir), "/run/secrets",
	  "every SSH public key file here is an authorized agent key" },
	{ "KNOWN_HOSTS_FILE", "known-hosts-file", 0, K_STR, OFF(known_hosts_file),
	  "/etc/ssh/host_fingerprints/known_hosts", "known_hosts written for the agents" },
	{ "AUTHORIZED_KEYS_DIR", "authorized-keys-dir", 0, K_STR, OFF(authorized_keys_dir),
	  "/etc/ssh/authorized_keys", "where the authorized_keys file (named after SSH_USER) is written" },
	{ "SSHD_BIN", "sshd-bin", 0, K_STR, OFF(sshd_bin), "/usr/sbin/sshd", "sshd program (absolute path)" },
	{ "SSHD_CONFIG", "sshd-config", 0, K_STR, OFF(sshd_config), "/etc/ssh/sshd_config.rds",
	  "where the generated sshd configuration is written" },
	{ "SSH_USER", "ssh-user", 0, K_STR, OFF(ssh_user), "restic",
	  "the only user allowed to log in (must exist; the image creates it)" },
	{ "STOP_TIMEOUT", "stop-timeout", 0, K_DURATION, OFF(stop_timeout_s), "5s",
	  "on SIGTERM, how long sshd and open sessions get before SIGKILL" },
	{ "LOG_FORMAT", "log-format", 0, K_STR, OFF(log_format), "text", "text or json (rds-server's own lines)" },
	{ NULL, "verbose", 'v', K_FLAG, OFF(verbose), "", "debug logging" },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))
#define VALUE_MAX 4096
#define PATH_MAX_LEN 1024

static char **str_at(struct server_config *c, const struct setting *s)
{
	return (char **)((char *)c + s->off);
}

static int set_value(struct server_config *c, const struct setting *s, const char *val, const char *src, char *err,
		     size_t errlen)
{
	char *end, *dup;
	long v;

	if (strlen(val) > VALUE_MAX) {
		snprintf(err, errlen, "%s: value is %zu bytes long; at most %d are allowed", src, strlen(val),
			 VALUE_MAX);
		return -1;
	}
	switch (s->kind) {
	case K_STR:
		dup = strdup(val);
		if (!dup) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(*str_at(c, s));
		*str_at(c, s) = dup;
		return 0;
	case K_PORT:
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end || v < 1 || v > 65535) {
			snprintf(err, errlen, "%s='%.100s' is not a TCP port; use a number from 1 to 65535", src, val);
			return -1;
		}
		*(int *)((char *)c + s->off) = (int)v;
		return 0;
	case K_DURATION:
		if (config_parse_duration(val, &v) < 0 || v > 3600) {
			snprintf(err, errlen, "%s='%.100s' is not a duration up to 1h; use seconds or a number with s or m (e.g. 5s, 1m)",
				 src, val);
			return -1;
		}
		*(long *)((char *)c + s->off) = v;
		return 0;
	case K_FLAG:
		*(int *)((char *)c + s->off) = 1;
		return 0;
	}
	return 0;
}

void server_config_init(struct server_config *c)
{
	char err[64];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NSETTINGS; i++)
		if (settings[i].kind != K_FLAG)
			set_value(c, &settings[i], settings[i].def, "default", err, sizeof(err));
}

void server_config_free(struct server_config *c)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (settings[i].kind == K_STR) {
			free(*str_at(c, &settings[i]));
			*str_at(c, &settings[i]) = NULL;
		}
	strvec_free(&c->names);
	strvec_free(&c->key_types);
	free(c->chroot_dir);
	free(c->login_dir);
	c->chroot_dir = c->login_dir = NULL;
}

int server_config_load_env(struct server_config *c, const char *(*getenv_fn)(const char *), char *err,
			   size_t errlen)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *v;
		if (!settings[i].env)
			continue;
		v = getenv_fn ? getenv_fn(settings[i].env) : getenv(settings[i].env);
		if (v && set_value(c, &settings[i], v, settings[i].env, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static const struct setting *find_flag(const char *a, size_t len, char sflag)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (sflag && settings[i].sflag == sflag)
			return &settings[i];
		if (!sflag && strlen(settings[i].lflag) == len && !strncmp(settings[i].lflag, a, len))
			return &settings[i];
	}
	return NULL;
}

int server_config_parse_args(struct server_config *c, int argc, char **argv, int *optind, char *err,
			     size_t errlen)
{
	int i = *optind;

	for (; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct setting *s = NULL;
		char src[64];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*optind = i + 1;
			return 1;
		}
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			*optind = i + 1;
			return 2;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			s = find_flag(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2), 0);
			if (eq)
				val = eq + 1;
		} else if (!a[2]) {
			s = find_flag(NULL, 0, a[1]);
		}
		if (!s) {
			snprintf(err, errlen, "unknown option '%.100s'; see --help for the list", a);
			return -1;
		}
		snprintf(src, sizeof(src), "--%s", s->lflag);
		if (s->kind == K_FLAG && val) {
			snprintf(err, errlen, "%s takes no value", src);
			return -1;
		}
		if (s->kind != K_FLAG && !val) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value (%s)", src, s->help);
				return -1;
			}
			val = argv[++i];
		}
		if (set_value(c, s, val ? val : "", src, err, errlen) < 0)
			return -1;
	}
	*optind = i;
	return 0;
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
	    (n >= 3 && !strcmp(path + n - 3, "/..")) || (n >= 2 && !strcmp(path + n - 2, "/.")) ||
	    strstr(path, "//")) {
		snprintf(err, errlen, "%s='%.200s' must be an absolute path without '.', '..' or '//' components", name,
			 path);
		return -1;
	}
	if (strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+@~,=") != n) {
		snprintf(err, errlen, "%s='%.200s' has a character sshd_config cannot carry; use letters, digits and / . _ - + @ ~ , =",
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

static int add_name(struct server_config *c, const char *src, const char *name, size_t len, char *err,
		    size_t errlen)
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
		snprintf(err, errlen, "%s: '%s' is not a host name or address; use letters, digits, '.', '-', '_' (and ':' in IPv6)",
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
	if (*c->swarm_service && add_name(c, "SWARM_SERVICE", c->swarm_service, strlen(c->swarm_service), err, errlen) < 0)
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
			snprintf(err, errlen, "HOST_KEY_TYPES='%.100s': '%.*s' is not a host key type; use ed25519, ecdsa or rsa",
				 c->host_key_types, (int)(len > 40 ? 40 : len), p);
			return -1;
		}
		for (size_t j = 0; j < c->key_types.n; j++)
			if (!strcmp(c->key_types.v[j], known[i])) {
				snprintf(err, errlen, "HOST_KEY_TYPES='%.100s' names %s twice", c->host_key_types, known[i]);
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
		snprintf(err, errlen, "REPO_ROOT='%.200s' must be at least two levels deep (e.g. /home/restic): its parent directory becomes the SFTP chroot",
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
		snprintf(err, errlen, "SSH_USER='%.100s' is not a usable user name; use lower-case letters, digits, '_' or '-' (not root)",
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
		snprintf(err, errlen, "SECRETS_DIR=%s cannot be read: %s; give the service the agents' public keys as Docker secrets, or point SECRETS_DIR to a directory holding them",
			 c->secrets_dir, strerror(errno));
		return -1;
	}
	closedir(d);
	if (stat(c->sshd_bin, &st) < 0 || !S_ISREG(st.st_mode) || access(c->sshd_bin, X_OK) < 0) {
		snprintf(err, errlen, "SSHD_BIN=%s is not an executable file; install openssh-server or point SSHD_BIN to sshd",
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
		{ "HOST_KEY_DIR", c->host_key_dir },	     { "REPO_ROOT", c->repo_root },
		{ "SECRETS_DIR", c->secrets_dir },	     { "KNOWN_HOSTS_FILE", c->known_hosts_file },
		{ "AUTHORIZED_KEYS_DIR", c->authorized_keys_dir }, { "SSHD_BIN", c->sshd_bin },
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
		snprintf(err, errlen, "%s=%s is inside the SFTP chroot %s (the parent of REPO_ROOT), where the SFTP user could reach it; use a path outside it",
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
	if (mode == SERVER_RUN && check_run_inputs(c, err, errlen) < 0)
		return -1;
	return 0;
}

void server_config_usage(FILE *f)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		char flag[64];

		if (s->sflag)
			snprintf(flag, sizeof(flag), "-%c, --%s", s->sflag, s->lflag);
		else
			snprintf(flag, sizeof(flag), "    --%s", s->lflag);
		fprintf(f, "  %-26s %-20s %s", flag, s->env ? s->env : "", s->help);
		if (s->def && *s->def)
			fprintf(f, " [default: %s]", s->def);
		fputc('\n', f);
	}
}

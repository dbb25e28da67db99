/* config: see config.h. The table below is the single source of truth for
 * names, flags, defaults and --help. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "words.h"

enum kind { K_STR, K_PORT, K_DURATION, K_FLAG, K_LIST };

struct setting {
	const char *env;   /* NULL: flag only */
	const char *lflag; /* long flag without "--" */
	char sflag;        /* short flag, 0 for none */
	enum kind kind;
	size_t off;
	const char *def;
	const char *help;
};

#define OFF(f) offsetof(struct config, f)

static const struct setting settings[] = {
	{ "SSH_HOST", "ssh-host", 's', K_STR, OFF(ssh_host), "",
	  "SFTP server (name of the server service); may be USER@HOST" },
	{ "SSH_PORT", "ssh-port", 'p', K_PORT, OFF(ssh_port), "2222", "SSH port of the server" },
	{ "SSH_USER", "ssh-user", 0, K_STR, OFF(ssh_user), "restic", "SSH user on the server" },
	{ "BACKUP_PATH", "backup-path", 0, K_STR, OFF(backup_path), "/backup",
	  "directory backed up (mount the volume here)" },
	{ "REPO_PATH", "repo-path", 'r', K_STR, OFF(repo_path), "",
	  "repository path on the server (relative to the login directory, or absolute)" },
	{ "SERVICE_NAME", "service-name", 'n', K_STR, OFF(service_name), "",
	  "full Swarm service name (with stack prefix) the hooks run in" },
	{ "PRE_HOOK", "pre-hook", 'a', K_STR, OFF(pre_hook), "", "command run in the service before the backup" },
	{ "POST_HOOK", "post-hook", 'b', K_STR, OFF(post_hook), "",
	  "command run in the service after the backup (also after a failure)" },
	{ "RUN_AT", "run-at", 't', K_STR, OFF(run_at), "",
	  "cron expression (5 or 6 fields, @daily...); empty: one backup now, then exit" },
	{ "SSH_PRIVKEY_FILE", "ssh-privkey-file", 0, K_STR, OFF(privkey_file), "/run/secrets/restic-ssh-privkey",
	  "SSH private key (a private 0600 copy is used)" },
	{ "SSH_KNOWN_HOSTS_FILE", "ssh-known-hosts-file", 0, K_STR, OFF(known_hosts_file),
	  "/run/secrets/restic-ssh-known-hosts", "known_hosts with the server's host key" },
	{ "RESTIC_REPO_PASSWORD_FILE", "restic-repo-password-file", 0, K_STR, OFF(password_file),
	  "/run/secrets/restic-repo-password", "repository password file" },
	{ "EXTRA_ARGS", NULL, 0, K_STR, OFF(extra_args), "", "more flags, split like shell words (e.g. --verbose)" },
	{ "BACKUP_HOST", "backup-host", 0, K_STR, OFF(backup_host), "",
	  "restic --host of every snapshot (default: SERVICE_NAME, else from REPO_PATH)" },
	{ "HOOK_TIMEOUT", "hook-timeout", 0, K_DURATION, OFF(hook_timeout_s), "1h",
	  "longest a hook may run (s, m, h; 0 = no limit)" },
	{ "STOP_TIMEOUT", "stop-timeout", 0, K_DURATION, OFF(stop_timeout_s), "30s",
	  "on SIGTERM, how long restic may take to stop before SIGKILL" },
	{ "STATUS_FILE", "status-file", 0, K_STR, OFF(status_file), "/run/rds/status.json",
	  "JSON status written after every run (read by 'rds-agent health')" },
	{ "DOCKER_HOST", "docker-host", 0, K_STR, OFF(docker_host), "",
	  "Docker API: unix:///path or tcp://host:port (default unix:///var/run/docker.sock)" },
	{ "TZ", "tz", 0, K_STR, OFF(tz), "", "time zone of RUN_AT (default UTC or the image's local time)" },
	{ "RESTIC_BINARY", "restic-binary", 0, K_STR, OFF(restic_bin), "restic", "restic program to run" },
	{ "RDS_RUN_DIR", "run-dir", 0, K_STR, OFF(run_dir), "/run/rds", "private directory for the key copy" },
	{ "LOG_FORMAT", "log-format", 0, K_STR, OFF(log_format), "text", "text or json" },
	{ NULL, "verbose", 'v', K_FLAG, OFF(verbose), "", "debug logging" },
	{ NULL, "ssh-option", 'o', K_LIST, OFF(ssh_options), "", "extra ssh option, e.g. Ciphers=aes128-gcm@openssh.com (repeatable)" },
	{ NULL, "restic-arg", 'e', K_LIST, OFF(restic_args), "", "extra argument for restic (repeatable)" },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))
#define VALUE_MAX 4096

static char **str_at(struct config *c, const struct setting *s)
{
	return (char **)((char *)c + s->off);
}

int config_parse_duration(const char *s, long *out)
{
	char *end;
	long mult = 1, v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	if (*end) {
		if (end[1])
			return -1;
		switch (*end) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		default: return -1;
		}
	}
	if (v > LONG_MAX / 3600 / 24)
		return -1;
	*out = v * mult;
	return 0;
}

/* Stores one value. src names where it came from, for the error message. */
static int set_value(struct config *c, const struct setting *s, const char *val, const char *src, char *err,
		     size_t errlen)
{
	char *end;
	long v;

	if (strlen(val) > VALUE_MAX) {
		snprintf(err, errlen, "%s: value is %zu bytes long; at most %d are allowed", src, strlen(val),
			 VALUE_MAX);
		return -1;
	}
	switch (s->kind) {
	case K_STR: {
		char *dup = strdup(val);
		if (!dup)
			goto oom;
		free(*str_at(c, s));
		*str_at(c, s) = dup;
		return 0;
	}
	case K_PORT:
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end || v < 1 || v > 65535) {
			snprintf(err, errlen, "%s='%s' is not a TCP port; use a number from 1 to 65535", src, val);
			return -1;
		}
		*(int *)((char *)c + s->off) = (int)v;
		return 0;
	case K_DURATION:
		if (config_parse_duration(val, &v) < 0) {
			snprintf(err, errlen, "%s='%s' is not a duration; use seconds or a number with s, m or h (e.g. 90s, 5m, 1h)",
				 src, val);
			return -1;
		}
		*(long *)((char *)c + s->off) = v;
		return 0;
	case K_FLAG:
		*(int *)((char *)c + s->off) = 1;
		return 0;
	case K_LIST:
		if (strvec_push((struct strvec *)((char *)c + s->off), val) < 0)
			goto oom;
		return 0;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void config_init(struct config *c)
{
	char err[64];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NSETTINGS; i++)
		if (settings[i].kind != K_FLAG && settings[i].kind != K_LIST)
			set_value(c, &settings[i], settings[i].def, "default", err, sizeof(err));
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].kind == K_STR) {
			free(*str_at(c, &settings[i]));
			*str_at(c, &settings[i]) = NULL;
		}
	}
	strvec_free(&c->ssh_options);
	strvec_free(&c->restic_args);
	strvec_free(&c->pre_argv);
	strvec_free(&c->post_argv);
}

static const struct setting *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (settings[i].lflag && strlen(settings[i].lflag) == len && !strncmp(settings[i].lflag, name, len))
			return &settings[i];
	return NULL;
}

static const struct setting *find_short(char f)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (settings[i].sflag == f)
			return &settings[i];
	return NULL;
}

int config_parse_args(struct config *c, int argc, char **argv, int *optind, char *err, size_t errlen)
{
	int i = *optind;

	for (; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct setting *s = NULL;
		char src[128];

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
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			s = find_long(a + 2, len);
			if (eq)
				val = eq + 1;
		} else if (!a[2]) {
			s = find_short(a[1]);
		}
		if (!s) {
			snprintf(err, errlen, "unknown option '%.100s'; see --help for the list", a);
			return -1;
		}
		snprintf(src, sizeof(src), "--%s", s->lflag);
		if (s->kind == K_FLAG) {
			if (val) {
				snprintf(err, errlen, "%s takes no value", src);
				return -1;
			}
		} else if (!val) {
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

int config_load_env(struct config *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
	struct strvec words = { 0 };
	char msg[256];
	int idx = 0, rc = -1;

	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *v;
		if (!settings[i].env)
			continue;
		v = getenv_fn ? getenv_fn(settings[i].env) : getenv(settings[i].env);
		if (v && set_value(c, &settings[i], v, settings[i].env, err, errlen) < 0)
			return -1;
	}
	if (!c->extra_args || !*c->extra_args)
		return 0;
	if (words_split(c->extra_args, &words, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "EXTRA_ARGS: %s", msg);
		goto out;
	}
	/* config_parse_args expects argv[0] to be skipped by the caller. */
	switch (config_parse_args(c, (int)words.n, words.v, &idx, msg, sizeof(msg))) {
	case 0:
		if (idx < (int)words.n) {
			snprintf(err, errlen, "EXTRA_ARGS: '%.100s' is not an option; EXTRA_ARGS takes flags such as --verbose",
				 words.v[idx]);
			goto out;
		}
		break;
	case -1:
		snprintf(err, errlen, "EXTRA_ARGS: %s", msg);
		goto out;
	default:
		snprintf(err, errlen, "EXTRA_ARGS: --help and --version are not settings");
		goto out;
	}
	rc = 0;
out:
	strvec_free(&words);
	return rc;
}

/* A secret must be a readable, non-empty regular file; only its path and size
 * ever reach a message. */
static int check_secret(const char *name, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (!path || !*path) {
		snprintf(err, errlen, "%s is empty; set it to the path of the file (usually a Docker secret)", name);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s=%s cannot be read: %s; create the Docker secret or point %s to the file",
			 name, path, strerror(errno), name);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s=%s is not a regular file", name, path);
		return -1;
	}
	close(fd);
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s=%s is empty; the secret must hold the %s", name, path,
			 !strcmp(name, "RESTIC_REPO_PASSWORD_FILE") ? "repository password"
			 : !strcmp(name, "SSH_PRIVKEY_FILE")	    ? "SSH private key"
								    : "server's known_hosts line");
		return -1;
	}
	return 0;
}

static int check_hook(const char *name, const char *hook, struct strvec *out, char *err, size_t errlen)
{
	char msg[256];

	if (!hook || !*hook)
		return 0;
	if (words_split(hook, out, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s='%.200s': %s", name, hook, msg);
		return -1;
	}
	if (out->n == 0) {
		snprintf(err, errlen, "%s is blank; leave it empty or give a command", name);
		return -1;
	}
	return 0;
}

/* A host name must not be mistaken for an ssh option or carry spaces. */
static int check_host(const char *host, char *err, size_t errlen)
{
	if (!host || !*host) {
		snprintf(err, errlen, "SSH_HOST is empty; set it to the name of the SFTP server (e.g. the server service's name)");
		return -1;
	}
	if (host[0] == '-' || strpbrk(host, " \t\n'\"\\:/")) {
		snprintf(err, errlen, "SSH_HOST='%.200s' is not a host name; use NAME or USER@NAME", host);
		return -1;
	}
	return 0;
}

static int check_repo_path(const char *p, char *err, size_t errlen)
{
	if (!p || !*p) {
		snprintf(err, errlen, "REPO_PATH is empty; set it to the repository path on the server, e.g. 'db' or '/home/restic/db'");
		return -1;
	}
	if (strstr(p, "..") || strpbrk(p, "\n\t'\"\\")) {
		snprintf(err, errlen, "REPO_PATH='%.200s' may not contain '..', quotes, backslashes or control characters", p);
		return -1;
	}
	return 0;
}

/* glibc falls back to UTC for an unknown zone without a word; a schedule
 * silently hours off is worse than refusing to start. POSIX strings such as
 * "EST5EDT" or "UTC0" carry a digit and are left to glibc. */
static int check_tz(const char *tz, char *err, size_t errlen)
{
	char path[512];
	const char *name = tz;

	if (!tz || !*tz || strpbrk(tz, "0123456789"))
		return 0;
	if (*name == ':')
		name++;
	if (*name == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	if (strstr(name, "..") || access(path, R_OK) < 0) {
		snprintf(err, errlen, "TZ='%.100s' is not a known time zone (no %s); use a name such as Europe/Helsinki or UTC",
			 tz, path);
		return -1;
	}
	return 0;
}

/* Default snapshot host: stable across redeploys, unlike the container id. */
static int derive_backup_host(struct config *c, char *err, size_t errlen)
{
	const char *src;
	char *h;
	size_t j = 0;

	if (c->backup_host && *c->backup_host)
		return 0;
	src = (c->service_name && *c->service_name) ? c->service_name : c->repo_path;
	while (*src == '/')
		src++;
	h = malloc(strlen(src) + 4);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (; *src; src++)
		h[j++] = (*src == '/' || *src == ' ') ? '-' : *src;
	if (!j)
		h[j++] = 'r', h[j++] = 'd', h[j++] = 's';
	h[j] = '\0';
	free(c->backup_host);
	c->backup_host = h;
	return 0;
}

int config_validate(struct config *c, enum config_mode mode, char *err, size_t errlen)
{
	char msg[256];

	if (check_host(c->ssh_host, err, errlen) < 0 || check_repo_path(c->repo_path, err, errlen) < 0)
		return -1;
	if (!c->ssh_user || !*c->ssh_user || strpbrk(c->ssh_user, " @:'\"\\") || c->ssh_user[0] == '-') {
		snprintf(err, errlen, "SSH_USER='%.100s' is not a user name", c->ssh_user ? c->ssh_user : "");
		return -1;
	}
	if (check_secret("SSH_PRIVKEY_FILE", c->privkey_file, err, errlen) < 0 ||
	    check_secret("SSH_KNOWN_HOSTS_FILE", c->known_hosts_file, err, errlen) < 0 ||
	    check_secret("RESTIC_REPO_PASSWORD_FILE", c->password_file, err, errlen) < 0)
		return -1;
	if (!c->run_dir || c->run_dir[0] != '/') {
		snprintf(err, errlen, "RDS_RUN_DIR='%s' must be an absolute path", c->run_dir ? c->run_dir : "");
		return -1;
	}
	if (strcmp(c->log_format, "text") && strcmp(c->log_format, "json")) {
		snprintf(err, errlen, "LOG_FORMAT='%.100s' is not valid; use text or json", c->log_format);
		return -1;
	}
	if (derive_backup_host(c, err, errlen) < 0)
		return -1;
	if (check_tz(c->tz, err, errlen) < 0)
		return -1;
	if (mode == CONFIG_RUNRESTIC)
		return 0;

	if (!c->backup_path || c->backup_path[0] != '/') {
		snprintf(err, errlen, "BACKUP_PATH='%.200s' must be an absolute path inside the container, e.g. /backup",
			 c->backup_path ? c->backup_path : "");
		return -1;
	}
	if (!c->status_file || c->status_file[0] != '/') {
		snprintf(err, errlen, "STATUS_FILE='%.200s' must be an absolute path", c->status_file);
		return -1;
	}
	strvec_free(&c->pre_argv);
	strvec_free(&c->post_argv);
	if (check_hook("PRE_HOOK", c->pre_hook, &c->pre_argv, err, errlen) < 0 ||
	    check_hook("POST_HOOK", c->post_hook, &c->post_argv, err, errlen) < 0)
		return -1;
	if ((c->pre_argv.n || c->post_argv.n) && !*c->service_name) {
		snprintf(err, errlen, "%s is set but SERVICE_NAME is empty; set SERVICE_NAME to the full service name (stack_service)",
			 c->pre_argv.n ? "PRE_HOOK" : "POST_HOOK");
		return -1;
	}
	if (*c->service_name && strpbrk(c->service_name, " /\t\n\"'")) {
		snprintf(err, errlen, "SERVICE_NAME='%.200s' is not a service name", c->service_name);
		return -1;
	}
	c->scheduled = c->run_at && *c->run_at;
	if (c->scheduled && cron_parse(c->run_at, &c->cron, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "RUN_AT='%.200s': %s", c->run_at, msg);
		return -1;
	}
	return 0;
}

void config_usage(FILE *f)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		char flag[64] = "";

		if (s->lflag && s->sflag)
			snprintf(flag, sizeof(flag), "-%c, --%s", s->sflag, s->lflag);
		else if (s->lflag)
			snprintf(flag, sizeof(flag), "    --%s", s->lflag);
		fprintf(f, "  %-32s %-26s %s", flag, s->env ? s->env : "", s->help);
		if (s->def && *s->def)
			fprintf(f, " [default: %s]", s->def);
		fputc('\n', f);
	}
}

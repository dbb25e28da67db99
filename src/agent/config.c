/* config: see config.h. The table below is the single source of truth for
 * names, flags, defaults and --help. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgtab.h"
#include "pingurl.h"
#include "retention.h"
#include "utf8.h"
#include "words.h"

#define OFF(f) offsetof(struct config, f)

static const struct cfgtab_entry entries[] = {
	{ "SSH_HOST", "ssh-host", 's', CFG_STR, OFF(ssh_host), "",
	  "SFTP server (name of the server service, or an IP address); may be USER@HOST" },
	{ "SSH_PORT", "ssh-port", 'p', CFG_PORT, OFF(ssh_port), "2222", "SSH port of the server" },
	{ "SSH_USER", "ssh-user", 0, CFG_STR, OFF(ssh_user), "restic", "SSH user on the server" },
	{ "BACKUP_PATH", "backup-path", 0, CFG_STR, OFF(backup_path), "/backup",
	  "directory backed up (mount the volume here)" },
	{ "REPO_PATH", "repo-path", 'r', CFG_STR, OFF(repo_path), "",
	  "repository path on the server (relative to the login directory, or absolute)" },
	{ "SERVICE_NAME", "service-name", 'n', CFG_STR, OFF(service_name), "",
	  "full Swarm service name (with stack prefix) the hooks run in" },
	{ "PRE_HOOK", "pre-hook", 'a', CFG_STR, OFF(pre_hook), "", "command run in the service before the backup" },
	{ "POST_HOOK", "post-hook", 'b', CFG_STR, OFF(post_hook), "",
	  "command run in the service after the backup (also after a failure)" },
	{ "RUN_AT", "run-at", 't', CFG_STR, OFF(run_at), "",
	  "cron expression (5 or 6 fields, @daily...); empty: one backup now, then exit" },
	{ "SSH_PRIVKEY_FILE", "ssh-privkey-file", 0, CFG_STR, OFF(privkey_file), "/run/secrets/restic-ssh-privkey",
	  "SSH private key (a private 0600 copy is used)" },
	{ "SSH_KNOWN_HOSTS_FILE", "ssh-known-hosts-file", 0, CFG_STR, OFF(known_hosts_file),
	  "/run/secrets/restic-ssh-known-hosts", "known_hosts with the server's host key" },
	{ "RESTIC_REPO_PASSWORD_FILE", "restic-repo-password-file", 0, CFG_STR, OFF(password_file),
	  "/run/secrets/restic-repo-password", "repository password file" },
	{ "EXTRA_ARGS", NULL, 0, CFG_STR, OFF(extra_args), "", "more flags, split like shell words (e.g. --verbose)" },
	{ "BACKUP_HOST", "backup-host", 0, CFG_STR, OFF(backup_host), "",
	  "restic --host of every snapshot (default: SERVICE_NAME, else from REPO_PATH)" },
	{ "HOOK_TIMEOUT", "hook-timeout", 0, CFG_DURATION, OFF(hook_timeout_s), "1h",
	  "longest a hook may run (90s, 5m, 1h; at most 24h; 0 = no limit)" },
	{ "STOP_TIMEOUT", "stop-timeout", 0, CFG_DURATION, OFF(stop_timeout_s), "30s",
	  "on SIGTERM, how long restic and then the post-hook may take in all (at most 1h)" },
	{ "BACKUP_TIMEOUT", "backup-timeout", 0, CFG_DURATION, OFF(backup_timeout_s), "0",
	  "longest restic may take in a run (90m, 24h, 2d; at most 30d); then it is stopped and the run fails; 0 = no "
	  "limit" },
	{ "HEALTH_MAX_AGE", "health-max-age", 0, CFG_DURATION, OFF(health_max_age_s), "0",
	  "unhealthy after this long without a successful backup (0 = twice the schedule's longest gap + 10m)" },
	{ "FORGET_KEEP_LAST", "keep-last", 0, CFG_STR, OFF(keep[0]), "", "forget: keep the last N snapshots" },
	{ "FORGET_KEEP_HOURLY", "keep-hourly", 0, CFG_STR, OFF(keep[1]), "", "forget: keep the last N hours' newest" },
	{ "FORGET_KEEP_DAILY", "keep-daily", 0, CFG_STR, OFF(keep[2]), "", "forget: keep the last N days' newest" },
	{ "FORGET_KEEP_WEEKLY", "keep-weekly", 0, CFG_STR, OFF(keep[3]), "", "forget: keep the last N weeks' newest" },
	{ "FORGET_KEEP_MONTHLY", "keep-monthly", 0, CFG_STR, OFF(keep[4]), "",
	  "forget: keep the last N months' newest" },
	{ "FORGET_KEEP_YEARLY", "keep-yearly", 0, CFG_STR, OFF(keep[5]), "", "forget: keep the last N years' newest" },
	{ "FORGET_KEEP_WITHIN", "keep-within", 0, CFG_STR, OFF(keep[6]), "",
	  "forget: keep all within this of the newest (1y2m7d3h)" },
	{ "FORGET_KEEP_TAG", "keep-tag", 0, CFG_STR, OFF(keep[7]), "",
	  "forget: keep snapshots with all these tags (a,b); needs a count" },
	{ "PRUNE_AT", "prune-at", 0, CFG_STR, OFF(prune_at), "",
	  "cron expression for 'restic prune' (e.g. weekly: 0 4 * * 0); empty: never scheduled" },
	{ "CHECK_AT", "check-at", 0, CFG_STR, OFF(check_at), "",
	  "cron expression for 'restic check'; a failed check makes the agent unhealthy; empty: never scheduled" },
	{ "PRUNE_ARGS", "prune-args", 0, CFG_STR, OFF(prune_args), "",
	  "extra restic words for prune only, split like shell words (e.g. --max-unused 10%)" },
	{ "CHECK_ARGS", "check-args", 0, CFG_STR, OFF(check_args), "",
	  "extra restic words for check only (e.g. --read-data-subset 5%)" },
	{ "DISCOVER", "discover", 0, CFG_STR, OFF(discover), "",
	  "'labels': back up every service labelled rds.backup=true with a task on this node (deploy the agent "
	  "as a global service); empty: the one service of SERVICE_NAME" },
	{ "MAX_PARALLEL", "max-parallel", 0, CFG_STR, OFF(max_parallel_text), "1",
	  "most restic operations at once, over all jobs (1..16); never two on one repository" },
	{ "VOLUMES_ROOT", "volumes-root", 0, CFG_STR, OFF(volumes_root), "/var/lib/docker/volumes",
	  "label mode: the node's Docker volume directory, mounted read-only into the agent" },
	{ "METRICS_ADDR", "metrics-addr", 0, CFG_STR, OFF(metrics_addr), "",
	  "serve Prometheus metrics at http://ADDR/metrics (:9469, 127.0.0.1:9469, [::1]:9469); empty: off" },
	{ "NOTIFY_URLS", "notify-urls", 0, CFG_STR, OFF(notify_urls), "",
	  "where to send notifications, space separated (generic+https://, ntfy://, gotify://, slack://, "
	  "discord://; see README)" },
	{ "NOTIFY_URLS_FILE", "notify-urls-file", 0, CFG_STR, OFF(notify_urls_file), "",
	  "a file (a secret) holding NOTIFY_URLS, so that their tokens stay out of docker service inspect" },
	{ "NOTIFY_ON", "notify-on", 0, CFG_STR, OFF(notify_on), "failure",
	  "failure: every failure; change: also the first success after one; always: every run" },
	{ "PING_URL", "ping-url", 0, CFG_STR, OFF(ping_url), "",
	  "dead-man's switch (healthchecks.io form): URL/start, URL on success, URL/fail on failure" },
	{ "PING_URL_FILE", "ping-url-file", 0, CFG_STR, OFF(ping_url_file), "", "a file (a secret) holding PING_URL" },
	{ "STATUS_FILE", "status-file", 0, CFG_STR, OFF(status_file), "/var/lib/rds/status.json",
	  "JSON status of every run, read by 'rds-agent health'; keep it on a volume" },
	{ "DOCKER_HOST", "docker-host", 0, CFG_STR, OFF(docker_host), "",
	  "Docker API: unix:///path or tcp://host:port (default unix:///var/run/docker.sock)" },
	{ "TZ", "tz", 0, CFG_STR, OFF(tz), "", "time zone of RUN_AT (default UTC or the image's local time)" },
	{ "RESTIC_BINARY", "restic-binary", 0, CFG_STR, OFF(restic_bin), "restic", "restic program to run" },
	{ "RDS_RUN_DIR", "run-dir", 0, CFG_STR, OFF(run_dir), "/run/rds", "private directory for the key copy" },
	{ "LOG_FORMAT", "log-format", 0, CFG_STR, OFF(log_format), "text", "text or json" },
	{ NULL, "verbose", 'v', CFG_FLAG, OFF(verbose), "", "debug logging" },
	{ NULL, "ssh-option", 'o', CFG_LIST, OFF(ssh_options), "",
	  "extra ssh option, e.g. Ciphers=aes128-gcm@openssh.com (repeatable); one named ServerAliveInterval "
	  "(default 15), ServerAliveCountMax (4) or ConnectTimeout (30) replaces that default" },
	{ NULL, "restic-arg", 'e', CFG_LIST, OFF(restic_args), "",
	  "extra argument for restic backup only (repeatable)" },
};

static const struct cfgtab table = { entries, sizeof(entries) / sizeof(entries[0]) };

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	cfgtab_defaults(&table, c);
}

void config_free(struct config *c)
{
	cfgtab_free(&table, c);
	strvec_free(&c->pre_argv);
	strvec_free(&c->post_argv);
	strvec_free(&c->prune_argv);
	strvec_free(&c->check_argv);
	retention_free(&c->retention);
}

int config_parse_args(struct config *c, int argc, char **argv, int *argi, char *err, size_t errlen)
{
	return cfgtab_parse_args(&table, c, argc, argv, argi, err, errlen);
}

int config_load_env(struct config *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
	struct strvec words = { 0 };
	char msg[256];
	int idx = 0, rc = -1;

	if (cfgtab_load_env(&table, c, getenv_fn, err, errlen) < 0)
		return -1;
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
			snprintf(err, errlen,
				 "EXTRA_ARGS: '%.100s' is not an option; EXTRA_ARGS takes flags such as --verbose",
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
			 : !strcmp(name, "SSH_PRIVKEY_FILE")        ? "SSH private key"
								    : "server's known_hosts line");
		return -1;
	}
	return 0;
}

static int check_hook(const char *name, const char *hook, struct strvec *out, char *err, size_t errlen)
{
	char msg[384], shown[204];

	if (!hook || !*hook)
		return 0;
	/* Hooks run as argv, so a glob would reach the command unexpanded. */
	if (words_split_flags(hook, WORDS_REFUSE_GLOB, out, msg, sizeof(msg)) < 0) {
		/* One line, valid UTF-8, however long or odd the hook is. */
		utf8_copy(shown, sizeof(shown), hook, strlen(hook), UTF8_ESCAPE_CTL);
		snprintf(err, errlen, "%s='%s': %s", name, shown, msg);
		return -1;
	}
	if (out->n == 0) {
		snprintf(err, errlen, "%s is blank; leave it empty or give a command", name);
		return -1;
	}
	return 0;
}

/* A host name must not be mistaken for an ssh option or carry spaces. An
 * IPv6 literal (fd00::5, also in brackets: [fd00::5]) is checked with
 * inet_pton; brackets are dropped, as restic_remote wants the bare address
 * (restic.c writes the URL form). */
static int check_host(char **hostp, char *err, size_t errlen)
{
	const char *host = *hostp, *at, *h;
	char addr[INET6_ADDRSTRLEN + 1], shown[160];
	struct in6_addr a6;
	size_t n, un;
	int bracketed = 0;
	char *fixed;

	if (!host || !*host) {
		snprintf(err, errlen,
			 "SSH_HOST is empty; set it to the name of the SFTP server (e.g. the server service's name)");
		return -1;
	}
	at = strrchr(host, '@');
	h = at ? at + 1 : host;
	un = at ? (size_t)(at - host) : 0;
	n = strlen(h);
	utf8_copy(shown, sizeof(shown), host, strlen(host), UTF8_ESCAPE_CTL);
	if (host[0] == '-' || strpbrk(host, " '\"\\/") || utf8_has_ctl(host, strlen(host)) ||
	    !utf8_valid(host, strlen(host)) || (at && un == 0) || memchr(host, ':', un) || memchr(host, '[', un) ||
	    n == 0) {
		snprintf(err, errlen, "SSH_HOST='%s' is not a host name; use NAME, USER@NAME or an IPv6 address",
			 shown);
		return -1;
	}
	if (!strpbrk(h, ":[]"))
		return 0;
	/* Only an IPv6 literal may hold ':' or brackets. */
	if (h[0] == '[' && n >= 2 && h[n - 1] == ']') {
		h++;
		n -= 2;
		bracketed = 1;
	}
	if (n > 0 && n < sizeof(addr)) {
		memcpy(addr, h, n);
		addr[n] = '\0';
	}
	if (n == 0 || n >= sizeof(addr) || inet_pton(AF_INET6, addr, &a6) != 1) {
		snprintf(err, errlen,
			 "SSH_HOST='%s' is not a host name or IPv6 address; use NAME, USER@NAME or an IPv6 address "
			 "such as fd00::5 or [fd00::5] (no zone, no port: the port goes in SSH_PORT)",
			 shown);
		return -1;
	}
	if (!bracketed)
		return 0;
	fixed = malloc(un + 1 + n + 1);
	if (!fixed) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(fixed, un + 1 + n + 1, "%.*s%s%s", (int)un, host, at ? "@" : "", addr);
	free(*hostp);
	*hostp = fixed;
	return 0;
}

static int check_repo_path(const char *p, char *err, size_t errlen)
{
	if (!p || !*p) {
		snprintf(err, errlen,
			 "REPO_PATH is empty; set it to the repository path on the server, e.g. 'db' or "
			 "'/home/restic/db'");
		return -1;
	}
	if (strstr(p, "..") || strpbrk(p, "\n\t'\"\\")) {
		snprintf(err, errlen,
			 "REPO_PATH='%.200s' may not contain '..', quotes, backslashes or control characters", p);
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
		snprintf(err, errlen,
			 "TZ='%.100s' is not a known time zone (no %s); use a name such as Europe/Helsinki or UTC", tz,
			 path);
		return -1;
	}
	return 0;
}

/* The FORGET_KEEP_* values for retention_parse, by name. */
static const char *keep_value(const char *name, void *ud)
{
	const struct config *c = ud;

	for (size_t i = 0; i < sizeof(c->keep) / sizeof(c->keep[0]); i++)
		if (retention_vars[i] && !strcmp(retention_vars[i], name))
			return c->keep[i];
	return NULL;
}

/* A maintenance schedule (PRUNE_AT, CHECK_AT) and its extra words. */
static int check_maint(const char *at_name, const char *at, struct cron_expr *cron, int *scheduled,
		       const char *args_name, const char *args, struct strvec *argv, int backups_scheduled, char *err,
		       size_t errlen)
{
	char msg[256];

	*scheduled = at && *at;
	if (*scheduled && cron_parse(at, cron, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s='%.200s': %s", at_name, at, msg);
		return -1;
	}
	if (*scheduled && !backups_scheduled) {
		snprintf(err, errlen,
			 "%s is set but RUN_AT is empty: scheduled maintenance needs the scheduled agent; for one "
			 "run now use 'rds-agent %s'",
			 at_name, !strcmp(at_name, "PRUNE_AT") ? "prune" : "check");
		return -1;
	}
	strvec_free(argv);
	if (args && *args && words_split(args, argv, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: %s", args_name, msg);
		return -1;
	}
	return 0;
}

/* Every duration is bounded, so that it fits in milliseconds and a typo (an
 * extra digit) is caught instead of meaning "forever". */
static int check_durations(const struct config *c, char *err, size_t errlen)
{
	static const struct {
		const char *name, *max_text, *zero;
		size_t off;
		long max;
	} limits[] = {
		{ "HOOK_TIMEOUT", "24h", "no limit", offsetof(struct config, hook_timeout_s), 24 * 3600L },
		{ "STOP_TIMEOUT", "1h", "SIGKILL at once", offsetof(struct config, stop_timeout_s), 3600L },
		{ "BACKUP_TIMEOUT", "30d", "no limit", offsetof(struct config, backup_timeout_s), 30 * 86400L },
		{ "HEALTH_MAX_AGE", "400d", "from the schedule", offsetof(struct config, health_max_age_s),
		  400 * 86400L },
	};

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		long v = *(const long *)((const char *)c + limits[i].off);
		if (v > limits[i].max) {
			snprintf(err, errlen, "%s=%lds is too long; use at most %s (0: %s)", limits[i].name, v,
				 limits[i].max_text, limits[i].zero);
			return -1;
		}
	}
	return 0;
}

/* Names that reach JSON (the status file's job key, log lines) and restic
 * (--host, the service=NAME tag) must be valid UTF-8 without control
 * characters: jansson drops a string that is not UTF-8, a whole job with it. */
static int check_text(const char *name, const char *v, char *err, size_t errlen)
{
	char shown[160];
	size_t n = v ? strlen(v) : 0;
	int valid = utf8_valid(v, n);

	if (valid && !utf8_has_ctl(v, n))
		return 0;
	utf8_copy(shown, sizeof(shown), v, n, UTF8_ESCAPE_CTL);
	snprintf(err, errlen, "%s='%s' %s; use printable UTF-8 text", name, shown,
		 valid ? "contains a control character (shown as \\xNN)"
		       : "is not valid UTF-8 (a Latin-1 or cut character; shown as U+FFFD)");
	return -1;
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

/* Label mode: the per-service settings come from labels; an agent-wide
 * one would apply to no job, or to every one. */
static int check_label_mode(struct config *c, enum config_mode mode, char *err, size_t errlen)
{
	static const struct {
		const char *name, *label;
		size_t off;
	} per_service[] = {
		{ "SERVICE_NAME", "(the labelled service itself)", OFF(service_name) },
		{ "REPO_PATH", "rds.backup.repo", OFF(repo_path) },
		{ "PRE_HOOK", "rds.backup.pre-hook", OFF(pre_hook) },
		{ "POST_HOOK", "rds.backup.post-hook", OFF(post_hook) },
	};
	char *end;
	long n;

	c->label_mode = 0;
	if (c->discover && *c->discover && strcmp(c->discover, "labels")) {
		snprintf(err, errlen, "DISCOVER='%.100s' is not valid; use 'labels', or leave it empty for one service",
			 c->discover);
		return -1;
	}
	errno = 0;
	n = strtol(c->max_parallel_text ? c->max_parallel_text : "1", &end, 10);
	if (errno || *end || end == c->max_parallel_text || n < 1 || n > 16) {
		snprintf(err, errlen, "MAX_PARALLEL='%.100s' is not valid; use a whole number from 1 to 16",
			 c->max_parallel_text ? c->max_parallel_text : "");
		return -1;
	}
	c->max_parallel = (int)n;
	if (!c->discover || strcmp(c->discover, "labels"))
		return 0;
	c->label_mode = 1;
	if (mode == CONFIG_RUNRESTIC)
		return 0;
	for (size_t i = 0; i < sizeof(per_service) / sizeof(per_service[0]); i++) {
		const char *v = *(char **)((char *)c + per_service[i].off);
		if (v && *v) {
			snprintf(err, errlen,
				 "%s is set, but with DISCOVER=labels every service brings its own: use the label %s "
				 "on the service, and unset %s on the agent",
				 per_service[i].name, per_service[i].label, per_service[i].name);
			return -1;
		}
	}
	if (!c->volumes_root || c->volumes_root[0] != '/') {
		snprintf(err, errlen, "VOLUMES_ROOT='%.200s' must be an absolute path (the node's volume directory)",
			 c->volumes_root ? c->volumes_root : "");
		return -1;
	}
	return 0;
}

/* NOTIFY_ON, NOTIFY_URLS and PING_URL: a URL that could never be sent to
 * is refused at start, not at the first failure it should report. */
/* *value = the content of file (name: its setting), white space at the
 * ends trimmed, when file is set; both set is an error. */
static int read_url_file(const char *name, const char *file, const char *vname, char **value, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, b = 0;
	int r;

	if (!file || !*file)
		return 0;
	if (*value && **value) {
		snprintf(err, errlen, "%s and %s are both set; set one of them", vname, name);
		return -1;
	}
	r = read_file_bounded(file, 64 * 1024, &text, &len);
	if (r < 0) {
		snprintf(err, errlen, "%s=%.200s cannot be read: %s", name, file,
			 r == -2 ? "larger than 64 KiB" : strerror(errno));
		return -1;
	}
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r'))
		text[--len] = '\0';
	while (b < len && (text[b] == ' ' || text[b] == '\t' || text[b] == '\n' || text[b] == '\r'))
		b++;
	memmove(text, text + b, len - b + 1);
	free(*value);
	*value = text;
	return 0;
}

static int check_notify(struct config *c, char *err, size_t errlen)
{
	struct notifyurl *urls = NULL, ping;
	size_t n = 0;

	if (read_url_file("NOTIFY_URLS_FILE", c->notify_urls_file, "NOTIFY_URLS", &c->notify_urls, err, errlen) < 0 ||
	    read_url_file("PING_URL_FILE", c->ping_url_file, "PING_URL", &c->ping_url, err, errlen) < 0)
		return -1;

	if (notify_on_parse(c->notify_on, &c->notify, err, errlen) < 0 ||
	    notifyurl_parse_list(c->notify_urls, &urls, &n, err, errlen) < 0)
		return -1;
	notifyurl_free_list(urls, n);
	if (c->ping_url && *c->ping_url) {
		int rc = pingurl_parse_setting(c->ping_url, &ping, err, errlen);
		notifyurl_free(&ping);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int config_load_notify(struct config *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
	static const char *const keep[] = { "NOTIFY_URLS", "NOTIFY_URLS_FILE", "NOTIFY_ON", "STATUS_FILE",
					    "LOG_FORMAT" };
	const char *(*get)(const char *) = getenv_fn ? getenv_fn : (const char *(*)(const char *))getenv;

	for (size_t i = 0; i < table.n; i++) {
		const struct cfgtab_entry *e = &table.v[i];
		const char *v;
		for (size_t k = 0; e->env && e->kind == CFG_STR && k < sizeof(keep) / sizeof(keep[0]); k++)
			if (!strcmp(e->env, keep[k]) && (v = get(e->env))) {
				char **f = (char **)((char *)c + e->off);
				char *copy = strdup(v);
				if (!copy) {
					snprintf(err, errlen, "out of memory");
					return -1;
				}
				free(*f);
				*f = copy;
			}
	}
	return check_notify(c, err, errlen);
}

int config_validate(struct config *c, enum config_mode mode, char *err, size_t errlen)
{
	char msg[256];

	if (check_label_mode(c, mode, err, errlen) < 0 || check_host(&c->ssh_host, err, errlen) < 0 ||
	    ((!c->label_mode || mode == CONFIG_RUNRESTIC) && check_repo_path(c->repo_path, err, errlen) < 0))
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
	if (check_text("BACKUP_HOST", c->backup_host, err, errlen) < 0 ||
	    check_text("SERVICE_NAME", c->service_name, err, errlen) < 0 ||
	    check_text("REPO_PATH", c->repo_path, err, errlen) < 0)
		return -1;
	if (!c->label_mode && derive_backup_host(c, err, errlen) < 0)
		return -1;
	if (check_tz(c->tz, err, errlen) < 0)
		return -1;
	if (mode == CONFIG_RUNRESTIC)
		return 0;

	if (!c->backup_path || c->backup_path[0] != '/') {
		snprintf(err, errlen,
			 "BACKUP_PATH='%.200s' must be an absolute path inside the container, e.g. /backup",
			 c->backup_path ? c->backup_path : "");
		return -1;
	}
	if (check_durations(c, err, errlen) < 0 || check_notify(c, err, errlen) < 0)
		return -1;
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
		snprintf(err, errlen,
			 "%s is set but SERVICE_NAME is empty; set SERVICE_NAME to the full service name "
			 "(stack_service)",
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
	retention_free(&c->retention);
	if (retention_parse(&c->retention, keep_value, c, err, errlen) < 0)
		return -1;
	if (check_maint("PRUNE_AT", c->prune_at, &c->prune_cron, &c->prune_scheduled, "PRUNE_ARGS", c->prune_args,
			&c->prune_argv, c->scheduled || c->label_mode, err, errlen) < 0 ||
	    check_maint("CHECK_AT", c->check_at, &c->check_cron, &c->check_scheduled, "CHECK_ARGS", c->check_args,
			&c->check_argv, c->scheduled || c->label_mode, err, errlen) < 0)
		return -1;
	return 0;
}

void config_usage(FILE *f)
{
	cfgtab_usage(&table, f);
}

/* rds-server: the server image's entrypoint, meant to be PID 1.
 *   rds-server [FLAGS]          set up host keys, known_hosts, authorized_keys
 *                               and sshd_config, then run sshd and supervise it
 *   rds-server [FLAGS] health   HEALTHCHECK: exit 0 healthy, 1 unhealthy
 *   rds-server [FLAGS] info     port, repositories and their sizes
 *   rds-server [FLAGS] restic ARGS   restic as SSH_USER in REPO_ROOT
 * Exit codes: sshd's own status (0 after a clean SIGTERM, 128+N when signal N
 * killed it), 1 when set-up failed, 2 for bad configuration. The directory
 * layout is described in server_layout.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "server_authkeys.h"
#include "server_config.h"
#include "server_hostkeys.h"
#include "server_info.h"
#include "server_layout.h"
#include "server_sshd.h"
#include "server_super.h"
#include "sshkeys.h"
#include "util.h"

#ifndef RDS_VERSION
#define RDS_VERSION "0.1.0"
#endif

struct server {
	struct server_config *cfg;
	struct sshkey_list hostkeys;
	struct strvec hostkey_paths;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: rds-server [FLAGS] [health | info | restic ARGS...]\n"
		   "\n"
		   "Entrypoint of the restic-docker-swarm server image: keeps SSH host keys in\n"
		   "HOST_KEY_DIR, writes KNOWN_HOSTS_FILE for the agents, authorizes the SSH public\n"
		   "keys found in SECRETS_DIR, and runs sshd (chroot, SFTP only) in the foreground.\n"
		   "Repositories live in REPO_ROOT; agents use REPO_PATH=NAME (relative), /LAST/NAME\n"
		   "or REPO_ROOT/NAME, where LAST is REPO_ROOT's last component.\n"
		   "\n"
		   "Commands:\n"
		   "  (none)   set up and run sshd until SIGTERM\n"
		   "  health   exit 0 when sshd answers on 127.0.0.1:SSHD_PORT and a key is\n"
		   "           authorized, else 1; prints why\n"
		   "  info     the port, each repository in REPO_ROOT with its size, their count\n"
		   "  restic ARGS...  restic as SSH_USER in REPO_ROOT, e.g.\n"
		   "           rds-server restic -r db snapshots   (asks for the password)\n"
		   "\n"
		   "Settings (flag, environment variable, meaning, default):\n");
	server_config_usage(f);
	fprintf(f, "  -h, --help                                      this text\n"
		   "  -V, --version                                   the version\n"
		   "\n"
		   "Exit codes: sshd's status (0 after SIGTERM), 1 set-up failed, 2 bad configuration.\n"
		   "Signals: SIGTERM/SIGINT/SIGQUIT stop sshd and its sessions (SIGKILL after\n"
		   "STOP_TIMEOUT); SIGHUP re-reads SECRETS_DIR (sshd keeps serving).\n");
}

/* "ssh-ed25519 SHA256:..., ..." of the keys of a not in b. */
static size_t keys_missing(const struct sshkey_list *a, const struct sshkey_list *b, char *out, size_t len)
{
	size_t n = 0, used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < a->n; i++)
		if (sshkey_list_find(b, &a->v[i]) < 0) {
			if (used < len)
				used += (size_t)snprintf(out + used, len - used, "%s%s %s", n ? ", " : "", a->v[i].type,
							 a->v[i].fp);
			n++;
		}
	return n;
}

/* Compares the host keys the previous KNOWN_HOSTS_FILE pinned with the ones
 * served now: a lost or replaced host key volume must not pass unnoticed,
 * since every agent with a copy of the old file refuses the new keys. */
static void report_key_change(const struct server *s)
{
	const char *path = s->cfg->known_hosts_file;
	struct sshkey_list old = { 0 };
	char *text = NULL, gone[1024], added[1024];
	size_t len = 0, ngone, nadded;

	if (read_file_bounded(path, 1 << 20, &text, &len) < 0 || sshkeys_known_hosts_keys(text, len, &old) <= 0)
		goto out;
	ngone = keys_missing(&old, &s->hostkeys, gone, sizeof(gone));
	nadded = keys_missing(&s->hostkeys, &old, added, sizeof(added));
	if (ngone)
		log_warn("HOST KEYS CHANGED: the previous %s pinned %s, which this server no longer has%s%s. Agents "
			 "holding a copy of the old file (the restic-ssh-known-hosts secret) may fail with a host key "
			 "error until it is made again from the new one",
			 path, gone, nadded ? "; new: " : "", nadded ? added : "");
	else if (nadded)
		log_info("known_hosts %s gains %s; the keys it pinned before are all still served", path, added);
out:
	sshkey_list_free(&old);
	free(text);
}

static int write_known_hosts(const struct server *s, char *err, size_t errlen)
{
	const struct server_config *c = s->cfg;
	char *text = NULL;
	int rc = -1;

	text = sshkeys_known_hosts_text(&s->hostkeys, c->names.v, c->names.n, c->port);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	report_key_change(s);
	if (server_known_hosts_write(c->known_hosts_file, text, err, errlen) < 0)
		goto out;
	if (!c->names.n)
		log_warn("NO HOST NAME: SWARM_SERVICE and EXTRA_HOST_NAMES are empty, so known_hosts names the pattern "
			 "'*': "
			 "it pins this server's keys for whatever name the agents use. Set SWARM_SERVICE to the "
			 "server service's name to bind the keys to it");
	log_info("known_hosts for the agents (%s) follows on stdout; create the restic-ssh-known-hosts secret from it",
		 c->known_hosts_file);
	fputs(text, stdout);
	if (fflush(stdout) != 0)
		log_warn("cannot print known_hosts on stdout: %s", strerror(errno));
	rc = 0;
out:
	free(text);
	return rc;
}

static int install_keys(const struct server_config *c, char *err, size_t errlen)
{
	struct sshkey_list keys = { 0 };
	int n, rc = -1;

	n = server_authkeys_scan(c->secrets_dir, &keys, err, errlen);
	if (n < 0)
		goto out;
	if (server_authkeys_install(c->authorized_keys_dir, c->ssh_user, &keys, err, errlen) < 0)
		goto out;
	if (n == 0)
		log_warn("NO AUTHORIZED KEYS: no SSH public key file in SECRETS_DIR %s. sshd runs, but nobody can log "
			 "in and health reports unhealthy. Give this service the agents' public keys as Docker secrets",
			 c->secrets_dir);
	else
		log_info("%d authorized key%s installed in %s/%s", n, n == 1 ? "" : "s", c->authorized_keys_dir,
			 c->ssh_user);
	rc = 0;
out:
	sshkey_list_free(&keys);
	return rc;
}

static void on_hup(void *ud)
{
	const struct server *s = ud;
	char err[1024];

	if (install_keys(s->cfg, err, sizeof(err)) < 0)
		log_error("SIGHUP: authorized keys not reloaded: %s", err);
}

/* sshd builds its sessions' environment itself; it only needs a PATH, and
 * TZ for its log timestamps. */
static int sshd_env(struct strvec *env)
{
	const char *tz = getenv("TZ");

	if (strvec_push(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
		return -1;
	if (tz && strlen(tz) < 256 && strvec_pushf(env, "TZ=%s", tz) < 0)
		return -1;
	return 0;
}

/* Set-up then supervision. Returns the process exit code. */
static int run(struct server_config *c)
{
	struct server s = { .cfg = c };
	struct server_user user;
	struct strvec argv = { 0 }, env = { 0 };
	struct sshd_conf sc;
	char err[1024], *text = NULL;
	int rc = 1, r;

	if (geteuid() != 0) {
		fprintf(stderr,
			"rds-server: must run as root (uid %u): sshd needs root for its chroot and privilege "
			"separation\n",
			(unsigned)geteuid());
		return 2;
	}
	super_block_signals();
	if ((r = server_user_prepare(c->ssh_user, &user, err, sizeof(err))) < 0 ||
	    (r = server_layout_prepare(c, &user, err, sizeof(err))) < 0) {
		/* A setting the user must change: one plain line, like the
		 * errors of server_config_validate. */
		if (r == -2)
			fprintf(stderr, "rds-server: %s\n", err);
		else
			log_error("%s", err);
		rc = r == -2 ? 2 : 1;
		goto out;
	}
	log_info("rds-server %s: port %d, user %s, repositories in %s (SFTP chroot %s, start directory %s)",
		 RDS_VERSION, c->port, c->ssh_user, c->repo_root, c->chroot_dir, c->login_dir);
	if (server_ensure_dir(SSHD_PRIVSEP_DIR, 0, 0, 0755, err, sizeof(err)) < 0 ||
	    server_hostkeys_prepare(c->host_key_dir, &c->key_types, &s.hostkeys, &s.hostkey_paths, err, sizeof(err)) <
		    0 ||
	    write_known_hosts(&s, err, sizeof(err)) < 0 || install_keys(c, err, sizeof(err)) < 0) {
		log_error("%s", err);
		goto out;
	}
	sc = (struct sshd_conf){ .port = c->port,
				 .host_keys = s.hostkey_paths.v,
				 .nhost_keys = s.hostkey_paths.n,
				 .authorized_keys_dir = c->authorized_keys_dir,
				 .user = c->ssh_user,
				 .chroot_dir = c->chroot_dir,
				 .login_dir = c->login_dir,
				 .penalties = s.hostkey_paths.n &&
					      server_sshd_knows(c->sshd_bin, s.hostkey_paths.v[0], SSHD_PENALTIES) };
	if (sc.penalties)
		log_info("sshd: at most %d unauthenticated connections per address; an address that keeps failing is "
			 "refused for at most %d s (PerSourcePenalties)",
			 SSHD_PER_SOURCE_STARTUPS, SSHD_PENALTY_MAX_S);
	else
		log_info("sshd: at most %d unauthenticated connections per address (this sshd has no "
			 "PerSourcePenalties)",
			 SSHD_PER_SOURCE_STARTUPS);
	text = server_sshd_config_text(&sc);
	if (!text || strvec_push(&argv, c->sshd_bin) < 0 || strvec_push(&argv, "-D") < 0 ||
	    strvec_push(&argv, "-e") < 0 || strvec_push(&argv, "-f") < 0 || strvec_push(&argv, c->sshd_config) < 0 ||
	    sshd_env(&env) < 0) {
		log_error("out of memory");
		goto out;
	}
	if (server_sshd_write_and_test(c->sshd_bin, c->sshd_config, text, err, sizeof(err)) < 0) {
		log_error("%s", err);
		goto out;
	}
	{
		struct super_spec sp = { argv.v, env.v, c->stop_timeout_s * 1000, on_hup, &s };
		rc = super_run(&sp, err, sizeof(err));
		if (rc < 0) {
			log_error("cannot start sshd: %s", err);
			rc = 1;
		}
		log_info("rds-server exits with status %d", rc);
	}
out:
	free(text);
	strvec_free(&argv);
	strvec_free(&env);
	strvec_free(&s.hostkey_paths);
	sshkey_list_free(&s.hostkeys);
	return rc;
}

/* `rds-server restic ARGS`: restic as SSH_USER in REPO_ROOT, so `-r db`
 * names a repository the way an agent's REPO_PATH does, and whatever restic
 * writes (forget, prune, a new key) stays the SFTP user's. Replaces this
 * process: the terminal and restic's exit code are the caller's. */
static int exec_restic(const struct server_config *c, int argc, char **argv)
{
	char err[512];
	char **args = calloc((size_t)argc + 2, sizeof(*args));

	if (!args) {
		fprintf(stderr, "rds-server: out of memory\n");
		return 1;
	}
	if (server_become_user(c->ssh_user, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-server: %s\n", err);
		free(args);
		return 1;
	}
	if (chdir(c->repo_root) < 0) {
		fprintf(stderr, "rds-server: cannot enter REPO_ROOT %s as %s: %s\n", c->repo_root, c->ssh_user,
			strerror(errno));
		free(args);
		return 1;
	}
	/* restic's cache would otherwise land in ~ = REPO_ROOT; a local
	 * repository needs none that outlives the command. */
	if (!getenv("RESTIC_CACHE_DIR"))
		setenv("RESTIC_CACHE_DIR", "/tmp/rds-restic-cache", 1);
	args[0] = "restic";
	for (int i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	execvp(args[0], args);
	fprintf(stderr, "rds-server: cannot run restic: %s\n", strerror(errno));
	free(args);
	return errno == ENOENT ? 127 : 126;
}

int main(int argc, char **argv)
{
	struct server_config cfg;
	char err[1024];
	const char *cmd = NULL;
	int optind_ = 1, rc = 2, r;

	umask(022);
	server_config_init(&cfg);
	if (server_config_load_env(&cfg, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "rds-server: %s\n", err);
		goto out;
	}
	r = server_config_parse_args(&cfg, argc, argv, &optind_, err, sizeof(err));
	if (r == 1 || r == 2) {
		if (r == 1)
			usage(stdout);
		else
			printf("rds-server %s\n", RDS_VERSION);
		rc = 0;
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "rds-server: %s\n", err);
		goto out;
	}
	if (optind_ < argc)
		cmd = argv[optind_++];
	if ((cmd && strcmp(cmd, "health") && strcmp(cmd, "info") && strcmp(cmd, "run") && strcmp(cmd, "restic")) ||
	    (optind_ < argc && strcmp(cmd, "restic"))) {
		fprintf(stderr,
			"rds-server: unexpected argument '%.100s'; commands are health, info and restic (see --help)\n",
			optind_ < argc ? argv[optind_] : cmd);
		goto out;
	}
	if (server_config_validate(&cfg, (cmd && strcmp(cmd, "run")) ? SERVER_HEALTH : SERVER_RUN, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "rds-server: %s\n", err);
		/* Docker reads 0 and 1 from a HEALTHCHECK; 2 is reserved. */
		rc = cmd && !strcmp(cmd, "health") ? 1 : 2;
		goto out;
	}
	rds_log_init(cfg.verbose ? RDS_LOG_DEBUG : RDS_LOG_INFO, !strcmp(cfg.log_format, "json"));
	if (cmd && !strcmp(cmd, "health")) {
		rc = server_health(&cfg, err, sizeof(err));
		printf("%s\n", err);
	} else if (cmd && !strcmp(cmd, "info")) {
		/* As sshd's sessions see REPO_ROOT: root in the image has no
		 * capability to read the SFTP user's 0700 directory. */
		if (server_become_user(cfg.ssh_user, err, sizeof(err)) < 0)
			log_warn("%s", err);
		rc = server_info(&cfg, stdout) < 0 ? 1 : 0;
	} else if (cmd && !strcmp(cmd, "restic")) {
		rc = exec_restic(&cfg, argc - optind_, argv + optind_);
	} else {
		rc = run(&cfg);
	}
out:
	server_config_free(&cfg);
	return rc;
}

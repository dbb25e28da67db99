/* fuzz_config: the settings (config.h over cfgtab.h): the input is an
 * environment, one NAME=value per line, read by config_load_env (EXTRA_ARGS
 * split into flags included) and checked by config_validate for rds-agent
 * and runrestic; config_load_notify; the server's settings the same way
 * (server_config.h, health mode: no files looked at); and for a
 * configuration that passed, seed mode's job (jobspec_from_config) and the
 * restic command lines built from the settings (restic.h).
 * The secret files a configuration names are replaced by files of this
 * target (in a temporary directory) before validation: what the input names
 * is never opened, so no run depends on this machine's files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgtab.h"
#include "config.h"
#include "fuzz.h"
#include "jobspec.h"
#include "restic.h"
#include "server_config.h"

#define VARS_MAX 64

static struct {
	const char *name[VARS_MAX], *value[VARS_MAX];
	size_t n;
} env;

static char dir[64], secret[64], urls[64];

/* The agent's variables that name files it opens: a value given is one
 * of ours. */
static const char *file_var(const char *name)
{
	if (!strcmp(name, "NOTIFY_URLS_FILE") || !strcmp(name, "PING_URL_FILE"))
		return urls;
	if (!strcmp(name, "SSH_PRIVKEY_FILE") || !strcmp(name, "SSH_KNOWN_HOSTS_FILE") ||
	    !strcmp(name, "RESTIC_REPO_PASSWORD_FILE"))
		return secret;
	return NULL;
}

static const char *fake_getenv(const char *name)
{
	for (size_t i = env.n; i-- > 0;)
		if (!strcmp(env.name[i], name))
			return *env.value[i] && file_var(name) ? file_var(name) : env.value[i];
	return NULL;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static void cleanup(void)
{
	unlink(secret);
	unlink(urls);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_tmpdir("rds-fuzz-config", dir, sizeof(dir));
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(urls, sizeof(urls), "%s/urls", dir);
	write_file(secret, "not empty\n");
	write_file(urls, " ntfy://ntfy.example/topic\n");
	atexit(cleanup);
	return 0;
}

static void use_ours(char **field, const char *path)
{
	if (*field && **field) {
		free(*field);
		*field = strdup(path);
		if (!*field)
			abort();
	}
}

/* The restic command lines of the job, as job.c and maint.c build them. */
static void argvs(const struct config *c, const struct jobspec *s)
{
	static char *const tags[] = { (char *)"rds", NULL };
	struct restic_remote r = {
		.restic_bin = c->restic_bin,
		.ssh_user = c->ssh_user,
		.ssh_host = c->ssh_host,
		.ssh_port = c->ssh_port,
		.repo_path = s->repo_path,
		.key_file = secret,
		.known_hosts_file = c->known_hosts_file,
		.password_file = c->password_file,
		.ssh_options = c->ssh_options.v,
		.restic_args = c->restic_args.v,
		.ssh_log_file = secret,
	};
	struct strvec v = { 0 };
	char err[512];

	if (restic_remote_check(&r, err, sizeof(err)) < 0)
		return;
	(void)restic_argv_backup(&v, &r, s->host, tags, s->paths.v[0]);
	if (retention_is_set(&s->retention))
		(void)restic_argv_forget(&v, &r, s->host, tags, &s->retention, 0);
	(void)restic_argv_prune(&v, &r, c->prune_argv.v);
	(void)restic_argv_check(&v, &r, c->check_argv.v);
	strvec_free(&v);
}

static void agent(enum config_mode mode)
{
	struct config c;
	struct jobspec s;
	char err[1024] = "";

	config_init(&c);
	if (config_load_env(&c, fake_getenv, err, sizeof(err)) == 0) {
		use_ours(&c.privkey_file, secret);
		use_ours(&c.known_hosts_file, secret);
		use_ours(&c.password_file, secret);
		use_ours(&c.notify_urls_file, urls);
		use_ours(&c.ping_url_file, urls);
		if (config_validate(&c, mode, err, sizeof(err)) == 0 && mode == CONFIG_AGENT && !c.label_mode &&
		    jobspec_from_config(&s, &c) == 0) {
			argvs(&c, &s);
			jobspec_free(&s);
		}
	}
	FUZZ_ASSERT(strlen(err) < sizeof(err));
	config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *p = s, err[1024] = "";
	struct server_config sc;
	struct config c;
	long secs;

	env.n = 0;
	while (p && *p && env.n < VARS_MAX) {
		char *nl = strchr(p, '\n'), *eq;

		if (nl)
			*nl++ = '\0';
		if ((eq = strchr(p, '='))) {
			*eq = '\0';
			env.name[env.n] = p;
			env.value[env.n++] = eq + 1;
		}
		p = nl;
	}
	agent(CONFIG_AGENT);
	agent(CONFIG_RUNRESTIC);
	config_init(&c);
	(void)config_load_notify(&c, fake_getenv, err, sizeof(err));
	config_free(&c);
	server_config_init(&sc);
	if (server_config_load_env(&sc, fake_getenv, err, sizeof(err)) == 0)
		(void)server_config_validate(&sc, SERVER_HEALTH, err, sizeof(err));
	server_config_free(&sc);
	for (size_t i = 0; i < env.n; i++)
		(void)cfgtab_parse_duration(env.value[i], &secs);
	free(s);
	return 0;
}

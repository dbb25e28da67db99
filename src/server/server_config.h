/* server_config: rds-server's settings as one table (environment variable,
 * CLI flag, default, help). Sources in increasing precedence: defaults, the
 * environment, the command line. Errors are one line naming the setting, the
 * bad value and what would be valid. */
#ifndef RDS_SERVER_CONFIG_H
#define RDS_SERVER_CONFIG_H
#include <stddef.h>
#include <stdio.h>

#include "util.h"

struct server_config {
	int port;
	char *swarm_service, *extra_names;
	char *host_key_dir, *host_key_types, *repo_root, *secrets_dir;
	char *known_hosts_file, *authorized_keys_dir, *sshd_bin, *sshd_config;
	char *ssh_user, *log_format;
	long stop_timeout_s;
	int verbose;
	/* Derived by server_config_validate. */
	struct strvec names;     /* SWARM_SERVICE then EXTRA_HOST_NAMES, no duplicates */
	struct strvec key_types; /* "ed25519", "ecdsa", "rsa" in the order given */
	char *chroot_dir;        /* the parent of REPO_ROOT: sshd's ChrootDirectory */
	char *login_dir;         /* "/" + the last component of REPO_ROOT, inside the chroot */
};

enum server_mode {
	SERVER_RUN,    /* also proves SECRETS_DIR readable and SSHD_BIN executable */
	SERVER_HEALTH, /* only what health and info read */
};

void server_config_init(struct server_config *c);
void server_config_free(struct server_config *c);

/* Reads the environment through getenv_fn (NULL = getenv). Returns 0 or -1
 * with err set. */
int server_config_load_env(struct server_config *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen);

/* Parses flags from argv[*argi]; stops at the first non-flag word or "--".
 * Returns 0, 1 for --help, 2 for --version, -1 with err set. */
int server_config_parse_args(struct server_config *c, int argc, char **argv, int *argi, char *err, size_t errlen);

/* Checks every setting and fills the derived fields. Returns 0 or -1. */
int server_config_validate(struct server_config *c, enum server_mode mode, char *err, size_t errlen);

/* The flag/variable/default table for --help. */
void server_config_usage(FILE *f);

#endif

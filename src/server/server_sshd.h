/* server_sshd: the hardened sshd_config of the server image, written on every
 * start and checked with `sshd -t` before sshd runs. One user, public keys
 * only, chroot + internal-sftp, no forwarding of any kind, no TTY. */
#ifndef RDS_SERVER_SSHD_H
#define RDS_SERVER_SSHD_H
#include <stddef.h>

#define SSHD_PRIVSEP_DIR "/run/sshd" /* compiled into Debian's sshd */

struct sshd_conf {
	int port;
	char *const *host_keys; /* private key paths */
	size_t nhost_keys;
	const char *authorized_keys_dir;
	const char *user;
	const char *chroot_dir;
	const char *login_dir; /* inside the chroot, e.g. "/restic" */
	int penalties;         /* sshd has PerSourcePenalties (OpenSSH 9.8 and later) */
};

/* Unauthenticated connections: at most SSHD_PER_SOURCE_STARTUPS from one
 * address, so that a storm of failing logins from one address cannot crowd
 * out the agents' (random early drops start at SSHD_STARTUPS_BEGIN, all new
 * ones are dropped at SSHD_STARTUPS_FULL). */
#define SSHD_PER_SOURCE_STARTUPS 10
#define SSHD_STARTUPS_BEGIN 30
#define SSHD_STARTUPS_FULL 100
/* OpenSSH 9.8+ refuses an address that keeps failing for up to 10 minutes by
 * default; behind NAT an agent may share the address of whoever fails. */
#define SSHD_PENALTY_MAX_S 60
#define SSHD_PENALTIES "PerSourcePenalties max:60s"

/* The configuration text; a new string, or NULL when out of memory. */
char *server_sshd_config_text(const struct sshd_conf *in);

/* 1 when sshd_bin accepts the configuration line setting ("Name value"),
 * tried with `sshd -t -f /dev/null -o HostKey=hostkey -o setting` (OpenSSH
 * 10 checks nothing without a host key); 0 otherwise. */
int server_sshd_knows(const char *sshd_bin, const char *hostkey, const char *setting);

/* Writes text to path atomically (0644) and runs `sshd_bin -t -f path`.
 * Returns 0, or -1 with the first complaint of sshd in err (all of them are
 * logged). */
int server_sshd_write_and_test(const char *sshd_bin, const char *path, const char *text, char *err, size_t errlen);

#endif

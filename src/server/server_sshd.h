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
};

/* The configuration text; a new string, or NULL when out of memory. */
char *server_sshd_config_text(const struct sshd_conf *in);

/* Writes text to path atomically (0644) and runs `sshd_bin -t -f path`.
 * Returns 0, or -1 with the first complaint of sshd in err (all of them are
 * logged). */
int server_sshd_write_and_test(const char *sshd_bin, const char *path, const char *text, char *err, size_t errlen);

#endif

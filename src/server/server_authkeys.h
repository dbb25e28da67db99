/* server_authkeys: the agents' public keys. Every regular file directly in
 * SECRETS_DIR that holds only SSH public key lines is an authorized key file;
 * anything else found there (a password, a private key, a known_hosts) is
 * skipped with a log line naming the file and a reason, never its content.
 * The keys are written to AUTHORIZED_KEYS_DIR/USER, outside the chroot,
 * root-owned 0644, rewritten on every start so that a removed secret revokes
 * its key. */
#ifndef RDS_SERVER_AUTHKEYS_H
#define RDS_SERVER_AUTHKEYS_H
#include <stddef.h>

#include "sshkeys.h"

#define AUTHKEYS_FILE_MAX 65536 /* larger files are not public key files */
#define AUTHKEYS_FILES_MAX 256  /* files looked at in SECRETS_DIR */

/* Appends the keys found in dir to out (duplicates dropped) and logs each
 * accepted key (file, type, bits, comment, fingerprint) and each skipped
 * file. Returns the number of keys in out, or -1 when dir cannot be read. */
int server_authkeys_scan(const char *dir, struct sshkey_list *out, char *err, size_t errlen);

/* Writes dir/user atomically (dir made root-owned 0755 as StrictModes
 * wants). Returns 0 or -1. */
int server_authkeys_install(const char *dir, const char *user, const struct sshkey_list *keys, char *err,
			    size_t errlen);

/* The number of valid keys in the installed file (for health), or -1 with
 * err set when it cannot be read. */
int server_authkeys_count(const char *dir, const char *user, char *err, size_t errlen);

#endif

/* server_hostkeys: the server's persistent SSH host keys. Generated once with
 * ssh-keygen into HOST_KEY_DIR (root, 0700; private keys 0600) and reused on
 * every later start, so that the agents' known_hosts keeps working when the
 * container is replaced. */
#ifndef RDS_SERVER_HOSTKEYS_H
#define RDS_SERVER_HOSTKEYS_H
#include <stddef.h>

#include "sshkeys.h"
#include "util.h"

/* For every type in types ("ed25519", "ecdsa", "rsa"): generates the key when
 * its private file is missing, fixes ownership and modes, derives the public
 * key from the private one (ssh-keygen -y; the .pub file is rewritten when it
 * differs) and appends it to pub and the private key's path to paths.
 * Returns 0 or -1 with err set. */
int server_hostkeys_prepare(const char *dir, const struct strvec *types, struct sshkey_list *pub, struct strvec *paths,
			    char *err, size_t errlen);

/* Writes text (the agents' known_hosts) to path, KNOWN_HOSTS_FILE, mode 0644.
 * Missing directories above it are made (server_make_dirs); an existing one
 * keeps its owner and mode. Returns 0 or -1 with err set. */
int server_known_hosts_write(const char *path, const char *text, char *err, size_t errlen);

#endif

/* sshkeys: OpenSSH public keys as text. Parses and validates public key lines
 * ("TYPE BASE64 [COMMENT]": the base64 blob must decode and its structure must
 * match TYPE), computes "SHA256:" fingerprints the way ssh-keygen -l prints
 * them, and builds the known_hosts and authorized_keys files of the server.
 * No I/O. Whatever the input was, error reasons are fixed phrases and line
 * numbers: a file that fails to parse may be a private key or a password, so
 * its bytes never reach a message. */
#ifndef RDS_SSHKEYS_H
#define RDS_SSHKEYS_H
#include <stddef.h>

#define SSHKEY_LINE_MAX 16384  /* an RSA-16384 key is about 2.8 KiB of text */
#define SSHKEY_COMMENT_MAX 200 /* longer comments are cut (they are labels) */
#define SSHKEY_FP_LEN 51       /* "SHA256:" + 43 base64 characters + NUL */
#define SSHKEYS_MAX 1024       /* keys in one list */
#define SSHKEYS_NAMES_MAX 32   /* host names in one known_hosts */
#define SSHKEYS_NAME_MAX 253   /* a DNS name */

struct sshkey {
	char type[40];                        /* e.g. "ssh-ed25519" */
	char *b64;                            /* the blob, base64 as given (owned) */
	char comment[SSHKEY_COMMENT_MAX + 1]; /* printable; may be empty */
	char fp[SSHKEY_FP_LEN];               /* "SHA256:..." */
	int bits;                             /* key size: 256, 3072, ... */
};

struct sshkey_list {
	struct sshkey *v;
	size_t n, cap;
};

/* Parses one line (len bytes, no newline needed). Returns 0 and fills *k (the
 * caller frees k->b64 with sshkey_clear), or -1 with *why set to a fixed,
 * content-free reason. */
int sshkey_parse_line(const char *line, size_t len, struct sshkey *k, const char **why);
void sshkey_clear(struct sshkey *k);

/* Parses a whole file: every line that is not blank or a '#' comment must be
 * a valid key, and there must be at least one. Appends the keys to out (the
 * list owns them). Returns the number of keys, or -1 with "line N: reason"
 * (or a whole-file reason) in err; out is unchanged then. */
int sshkeys_parse_text(const char *text, size_t len, struct sshkey_list *out, char *err, size_t errlen);

/* Index of a key with the same blob in l, or -1. */
int sshkey_list_find(const struct sshkey_list *l, const struct sshkey *k);
/* Moves *k into l (k->b64 becomes NULL). Returns 0, or -1 when the list is
 * full or memory runs out (then k is left to the caller). */
int sshkey_list_take(struct sshkey_list *l, struct sshkey *k);
void sshkey_list_free(struct sshkey_list *l);

/* "SHA256:" + unpadded base64 of SHA-256(blob) into out (SSHKEY_FP_LEN). */
void sshkey_fingerprint(const unsigned char *blob, size_t len, char out[SSHKEY_FP_LEN]);

/* Strict base64 (RFC 4648 alphabet, padded to a multiple of 4). Writes at
 * most cap bytes. Returns the decoded length or -1. */
long base64_decode(const char *in, size_t len, unsigned char *out, size_t cap);
/* Unpadded base64 of in into out; returns the length written (NUL added)
 * or -1 when cap is too small. */
long base64_encode_nopad(const unsigned char *in, size_t len, char *out, size_t cap);

/* 0 when name may appear in known_hosts: 1-253 characters of letters,
 * digits, '.', '-', '_' or ':' (IPv6), not starting with '-' or '.'. */
int sshkeys_check_name(const char *name);

/* The known_hosts text: one line per name and key, "[name]:port TYPE BLOB"
 * (plain "name" when port is 22). With no names, the pattern "*" is used so
 * that the file still pins the keys (see the caller's warning). Returns a new
 * string or NULL (out of memory, or a name that fails sshkeys_check_name). */
char *sshkeys_known_hosts_text(const struct sshkey_list *hostkeys, char *const *names, size_t nnames, int port);

/* The host keys a known_hosts text pins: of every line "PATTERNS TYPE BLOB
 * [COMMENT]" that parses, the key is appended to out unless it is there
 * already; blank, '#' and '@' (cert-authority, revoked) lines and lines that
 * do not parse are skipped. Returns the number of keys appended. */
int sshkeys_known_hosts_keys(const char *text, size_t len, struct sshkey_list *out);

/* The authorized_keys text: a header comment, then "restrict TYPE BLOB
 * COMMENT" per key ("restrict" turns off forwarding, pty and rc for the key
 * even if the sshd_config were to allow them). Returns a new string or NULL. */
char *sshkeys_authorized_text(const struct sshkey_list *keys);

#endif

/* server_hostkeys: see server_hostkeys.h. Keys are generated under a
 * temporary name and renamed into place, the private key last: a start
 * interrupted half-way leaves either no key (generated again next time) or a
 * complete one. The public key is always derived from the private key, so a
 * stale or missing .pub file cannot publish a key sshd does not hold. */
#include "server_hostkeys.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "server_layout.h"

#define KEYGEN_TIMEOUT_MS 60000

static char *const keygen_env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
				    NULL };

/* Collects the first stdout line; stderr goes to the log (ssh-keygen's
 * messages name files and problems, never key material). */
struct keygen_out {
	char line[SSHKEY_LINE_MAX + 1];
	int got;
};

static void on_keygen_line(void *ud, int stream, const char *line)
{
	struct keygen_out *o = ud;

	if (stream == 2) {
		log_warn("ssh-keygen: %s", line);
		return;
	}
	if (!o->got) {
		snprintf(o->line, sizeof(o->line), "%s", line);
		o->got = 1;
	}
}

static int run_keygen(char *const *argv, const char *what, struct keygen_out *o, char *err, size_t errlen)
{
	struct child_spec spec = {
		.argv = argv, .envp = keygen_env, .on_line = on_keygen_line, .ud = o, .timeout_ms = KEYGEN_TIMEOUT_MS
	};
	struct child_result res;
	char msg[256];

	o->got = 0;
	if (child_run(&spec, &res, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "cannot run ssh-keygen: %s", msg);
		return -1;
	}
	if (res.code != 0) {
		snprintf(err, errlen, "ssh-keygen failed to %s (exit %d%s)", what, res.code,
			 res.code == 127 ? ": not installed? apt-get install openssh-client" : "");
		return -1;
	}
	return 0;
}

static int generate(const char *type, const char *priv, char *err, size_t errlen)
{
	char tmp[4096], tmppub[4200], pub[4200];
	char *argv[] = { "ssh-keygen", "-q", "-t",         (char *)type, "-b", NULL, "-N",
			 "",           "-C", "rds-server", "-f",         tmp,  NULL };
	struct keygen_out *o = NULL;
	int rc = -1;

	/* ssh-keygen picks the size for ed25519; 3072 is its RSA default and
	 * 256 its ECDSA default, stated here so they never shrink. */
	argv[5] = !strcmp(type, "rsa") ? "3072" : !strcmp(type, "ecdsa") ? "256" : NULL;
	if (!argv[5])
		memmove(&argv[4], &argv[6], 7 * sizeof(argv[0]));
	snprintf(tmp, sizeof(tmp), "%s.new", priv);
	snprintf(tmppub, sizeof(tmppub), "%s.pub", tmp);
	snprintf(pub, sizeof(pub), "%s.pub", priv);
	/* Left over by an interrupted start; ssh-keygen would ask before
	 * overwriting them. */
	unlink(tmp);
	unlink(tmppub);
	o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (run_keygen(argv, "generate a host key", o, err, errlen) < 0)
		goto out;
	if (chmod(tmp, 0600) < 0 || rename(tmppub, pub) < 0 || rename(tmp, priv) < 0) {
		snprintf(err, errlen, "cannot put the new %s host key in place at %s: %s", type, priv, strerror(errno));
		goto out;
	}
	log_info("generated a new %s host key %s (kept on later starts)", type, priv);
	rc = 0;
out:
	free(o);
	unlink(tmp);
	unlink(tmppub);
	return rc;
}

/* sshd refuses private host keys that others can read. */
static int fix_private(const char *priv, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(priv, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "host key %s is not a regular file", priv);
		return -1;
	}
	if (st.st_uid != 0 || st.st_gid != 0 || (st.st_mode & 07777) != 0600) {
		log_warn("host key %s was uid %u mode %04o; making it root-owned 0600", priv, (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
		if (chown(priv, 0, 0) < 0 || chmod(priv, 0600) < 0) {
			snprintf(err, errlen, "cannot make host key %s root-owned 0600: %s", priv, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static const char *type_prefix(const char *type)
{
	return !strcmp(type, "ed25519") ? "ssh-ed25519" : !strcmp(type, "rsa") ? "ssh-rsa" : "ecdsa-sha2-";
}

/* Derives the public key from priv, checks it and (re)writes priv.pub. */
static int load_public(const char *type, const char *priv, struct sshkey *k, char *err, size_t errlen)
{
	char *argv[] = { "ssh-keygen", "-y", "-f", (char *)priv, NULL };
	char pub[4200], text[SSHKEY_LINE_MAX + 8];
	struct keygen_out *o = calloc(1, sizeof(*o));
	char *old = NULL;
	const char *why;
	int rc = -1, n;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (run_keygen(argv, "read a host key", o, err, errlen) < 0)
		goto out;
	if (!o->got || sshkey_parse_line(o->line, strlen(o->line), k, &why) < 0) {
		snprintf(err, errlen, "ssh-keygen -y %s gave no usable public key", priv);
		goto out;
	}
	if (strncmp(k->type, type_prefix(type), strlen(type_prefix(type)))) {
		snprintf(err, errlen, "%s holds a %s key, not %s; move it away or fix HOST_KEY_TYPES", priv, k->type,
			 type);
		goto out;
	}
	snprintf(k->comment, sizeof(k->comment), "rds-server");
	n = snprintf(text, sizeof(text), "%s %s %s\n", k->type, k->b64, k->comment);
	snprintf(pub, sizeof(pub), "%s.pub", priv);
	if (read_file_bounded(pub, SSHKEY_LINE_MAX + 8, &old, NULL) < 0 || strcmp(old, text)) {
		if (write_file_atomic(pub, text, (size_t)n, 0644) < 0) {
			snprintf(err, errlen, "cannot write %s: %s", pub, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0)
		sshkey_clear(k);
	free(old);
	free(o);
	return rc;
}

int server_hostkeys_prepare(const char *dir, const struct strvec *types, struct sshkey_list *pub, struct strvec *paths,
			    char *err, size_t errlen)
{
	if (server_ensure_dir(dir, 0, 0, 0700, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < types->n; i++) {
		const char *t = types->v[i];
		char priv[4096];
		struct sshkey k;

		snprintf(priv, sizeof(priv), "%s/ssh_host_%s_key", dir, t);
		if (access(priv, F_OK) < 0) {
			if (errno != ENOENT) {
				snprintf(err, errlen, "cannot check host key %s: %s", priv, strerror(errno));
				return -1;
			}
			if (generate(t, priv, err, errlen) < 0)
				return -1;
		}
		if (fix_private(priv, err, errlen) < 0 || load_public(t, priv, &k, err, errlen) < 0)
			return -1;
		log_info("host key %s %d bits %s (%s)", k.type, k.bits, k.fp, priv);
		if (sshkey_list_take(pub, &k) < 0 || strvec_push(paths, priv) < 0) {
			sshkey_clear(&k);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

int server_known_hosts_write(const char *path, const char *text, char *err, size_t errlen)
{
	char *copy = strdup(path), why[512];
	int rc = -1;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (server_make_dirs(dirname(copy), 0755, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "KNOWN_HOSTS_FILE=%s: %s; point it to a directory rds-server can write", path,
			 why);
		goto out;
	}
	if (write_file_atomic(path, text, strlen(text), 0644) < 0) {
		snprintf(err, errlen, "cannot write KNOWN_HOSTS_FILE %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

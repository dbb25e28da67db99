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
 * messages name files and problems, never key material), or, with
 * keep_stderr, its first line into errline for the caller's one message. */
struct keygen_out {
	char line[SSHKEY_LINE_MAX + 1];
	int got;
	int keep_stderr;
	char errline[256];
};

static void on_keygen_line(void *ud, int stream, const char *line)
{
	struct keygen_out *o = ud;

	if (stream == 2) {
		if (!o->keep_stderr)
			log_warn("ssh-keygen: %s", line);
		else if (!o->errline[0]) {
			size_t n = strlen(line);
			while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
				n--;
			snprintf(o->errline, sizeof(o->errline), "%.*s", (int)n, line);
		}
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
	o->errline[0] = '\0';
	if (child_run(&spec, &res, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "cannot run ssh-keygen: %s", msg);
		return -1;
	}
	if (res.code != 0) {
		snprintf(err, errlen, "ssh-keygen failed to %s (exit %d%s)", what, res.code,
			 res.code == 127 ? ": not installed? apt-get install openssh-client" : "");
		/* 255 is ssh-keygen's own "cannot do that" (a file it cannot
		 * load); anything else is about running it. */
		return res.code == 255 && !res.timed_out ? -2 : -1;
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

/* Derives the public key from priv, checks it and (re)writes priv.pub.
 * Returns 0, -2 when priv is not a usable private key (truncated, garbage,
 * a passphrase on it: err says which file and ssh-keygen's reason), or -1
 * for any other failure. -P '': a key with a passphrase fails instead of
 * asking on a terminal. */
static int load_public(const char *type, const char *priv, struct sshkey *k, char *err, size_t errlen)
{
	char *argv[] = { "ssh-keygen", "-y", "-P", "", "-f", (char *)priv, NULL };
	char pub[4200], text[SSHKEY_LINE_MAX + 8];
	struct keygen_out *o = calloc(1, sizeof(*o));
	char *old = NULL;
	const char *why;
	int rc = -1, n;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o->keep_stderr = 1;
	if ((rc = run_keygen(argv, "read a host key", o, err, errlen)) < 0) {
		if (rc == -2)
			snprintf(err, errlen, "ssh-keygen -y: %s", o->errline[0] ? o->errline : "no message");
		goto out;
	}
	rc = -1;
	if (!o->got || sshkey_parse_line(o->line, strlen(o->line), k, &why) < 0) {
		snprintf(err, errlen, "ssh-keygen -y gave no usable public key");
		rc = -2;
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

/* The fingerprint in priv.pub when that file holds one key, else "". */
static void old_public_fp(const char *priv, char fp[SSHKEY_FP_LEN])
{
	struct sshkey_list l = { 0 };
	char pub[4200], *text = NULL, why[128];
	size_t len = 0;

	fp[0] = '\0';
	snprintf(pub, sizeof(pub), "%s.pub", priv);
	if (read_file_bounded(pub, SSHKEY_LINE_MAX + 8, &text, &len) == 0 &&
	    sshkeys_parse_text(text, len, &l, why, sizeof(why)) == 1)
		snprintf(fp, SSHKEY_FP_LEN, "%s", l.v[0].fp);
	sshkey_list_free(&l);
	free(text);
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int server_hostkeys_prepare(const char *dir, const struct strvec *types, struct sshkey_list *pub, struct strvec *paths,
			    char *err, size_t errlen)
{
	struct strvec bad = { 0 }; /* "PATH (N bytes; reason)" of each unusable key */
	int rc = -1;

	if (server_ensure_dir(dir, 0, 0, 0700, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < types->n; i++) {
		const char *t = types->v[i];
		char priv[4096], oldfp[SSHKEY_FP_LEN] = "", why[512];
		struct sshkey k;
		int made = 0, r;

		snprintf(priv, sizeof(priv), "%s/ssh_host_%s_key", dir, t);
		if (access(priv, F_OK) < 0) {
			if (errno != ENOENT) {
				snprintf(err, errlen, "cannot check host key %s: %s", priv, strerror(errno));
				goto out;
			}
			old_public_fp(priv, oldfp);
			if (generate(t, priv, err, errlen) < 0)
				goto out;
			made = 1;
		}
		if (fix_private(priv, err, errlen) < 0)
			goto out;
		r = load_public(t, priv, &k, why, sizeof(why));
		if (r == -2 && !made) {
			/* Never replaced: the agents trust this key, and the
			 * file may yet be restored. */
			if (strvec_pushf(&bad, "%s (%lld bytes; %s)", priv, file_size(priv), why) < 0) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			continue;
		}
		if (r < 0) {
			snprintf(err, errlen, "host key %s: %s", priv, why);
			goto out;
		}
		if (made && oldfp[0] && strcmp(oldfp, k.fp))
			log_warn("host key %s was MISSING, but its public half (%s) was still there: that key is "
				 "lost. Generated a NEW %s key %s; agents holding the old known_hosts will fail with "
				 "a host key error until they get the new one",
				 priv, oldfp, t, k.fp);
		else if (made)
			log_info("generated a new %s host key %s (kept on later starts)", t, priv);
		log_info("host key %s %d bits %s (%s)", k.type, k.bits, k.fp, priv);
		if (sshkey_list_take(pub, &k) < 0 || strvec_push(paths, priv) < 0) {
			sshkey_clear(&k);
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (bad.n && !pub->n) {
		snprintf(
			err, errlen,
			"no usable host key: %s%s. rds-server does not replace a host key it cannot read, because the "
			"agents' known_hosts trusts it: restore the file from a backup, or delete it to have a new key "
			"made (the agents then need the new known_hosts)",
			bad.v[0], bad.n > 1 ? " and more" : "");
		for (size_t i = 1; i < bad.n; i++)
			log_error("host key %s is unusable too", bad.v[i]);
		goto out;
	}
	if (bad.n) {
		char served[256] = "";
		size_t n = 0;

		for (size_t i = 0; i < pub->n && n < sizeof(served); i++)
			n += (size_t)snprintf(served + n, sizeof(served) - n, "%s%s", i ? ", " : "", pub->v[i].type);
		for (size_t i = 0; i < bad.n; i++)
			log_warn("host key %s is UNUSABLE: not served, and left as it is. sshd serves only %s, and "
				 "known_hosts lists only that, so agents that pinned it keep connecting; agents that "
				 "pinned only the unusable key fail with a host key error. Restore the file from a "
				 "backup, or delete it to have a new key made",
				 bad.v[i], served);
	}
	rc = 0;
out:
	strvec_free(&bad);
	return rc;
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

/* server_authkeys: see server_authkeys.h. */
#include "server_authkeys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "server_layout.h"
#include "util.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads name (relative to dfd) when it is a regular file of at most
 * AUTHKEYS_FILE_MAX bytes. O_NONBLOCK: a FIFO dropped there must not hang
 * the start. Returns 0, or -1 with *why set. */
static int read_secret(int dfd, const char *name, char **buf, size_t *len, const char **why)
{
	struct stat st;
	size_t n = 0;
	int fd, rc = -1;

	*buf = NULL;
	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*why = "cannot be opened";
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto out;
	}
	if (st.st_size > AUTHKEYS_FILE_MAX) {
		*why = "larger than 64 KiB, so not a public key file";
		goto out;
	}
	*buf = malloc(AUTHKEYS_FILE_MAX + 1);
	if (!*buf) {
		*why = "out of memory";
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, *buf + n, AUTHKEYS_FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = "cannot be read";
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > AUTHKEYS_FILE_MAX) {
			*why = "larger than 64 KiB, so not a public key file";
			goto out;
		}
	}
	(*buf)[n] = '\0';
	*len = n;
	rc = 0;
out:
	if (rc < 0 && *buf) {
		explicit_bzero(*buf, AUTHKEYS_FILE_MAX + 1);
		free(*buf);
		*buf = NULL;
	}
	close(fd);
	return rc;
}

static void scan_one(int dfd, const char *name, struct sshkey_list *out)
{
	struct sshkey_list got = { 0 };
	char *buf = NULL, why[256];
	const char *reason;
	size_t len = 0;

	/* Warnings: the server needs nothing but public keys, so a skipped
	 * secret is most likely an agent key given the wrong way. */
	if (read_secret(dfd, name, &buf, &len, &reason) < 0) {
		log_warn("secret %s: %s; skipped", name, reason);
		return;
	}
	if (sshkeys_parse_text(buf, len, &got, why, sizeof(why)) < 0) {
		/* why is a fixed phrase and a line number: safe to print. */
		if (strstr(why, "PRIVATE"))
			log_warn("secret %s is %s; skipped", name, why);
		else
			log_warn("secret %s is not an SSH public key file (%s); skipped", name, why);
		goto out;
	}
	for (size_t i = 0; i < got.n; i++) {
		struct sshkey *k = &got.v[i];
		if (sshkey_list_find(out, k) >= 0) {
			log_info("secret %s: key %s is already authorized by another file", name, k->fp);
			continue;
		}
		log_info("authorized key from secret %s: %s %d bits '%s' %s", name, k->type, k->bits, k->comment,
			 k->fp);
		if (sshkey_list_take(out, k) < 0)
			log_error("secret %s: too many keys; key %s left out", name, k->fp);
	}
out:
	sshkey_list_free(&got);
	/* The buffer may have held a password or a private key. */
	explicit_bzero(buf, len);
	free(buf);
}

int server_authkeys_scan(const char *dir, struct sshkey_list *out, char *err, size_t errlen)
{
	struct strvec names = { 0 };
	struct dirent *e;
	size_t total = 0;
	DIR *d = opendir(dir);
	int rc = -1;

	if (!d) {
		snprintf(err, errlen, "SECRETS_DIR=%s cannot be read: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') /* ".", "..", and hidden helper files */
			continue;
		if (++total > AUTHKEYS_FILES_MAX)
			continue;
		if (strvec_push(&names, e->d_name) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (total > AUTHKEYS_FILES_MAX)
		log_warn("SECRETS_DIR %s has %zu entries; only %d were looked at", dir, total, AUTHKEYS_FILES_MAX);
	/* Directory order is arbitrary; the log and the file should not be. */
	if (names.n)
		qsort(names.v, names.n, sizeof(names.v[0]), cmp_names);
	for (size_t i = 0; i < names.n; i++)
		scan_one(dirfd(d), names.v[i], out);
	rc = (int)out->n;
out:
	strvec_free(&names);
	closedir(d);
	return rc;
}

int server_authkeys_install(const char *dir, const char *user, const struct sshkey_list *keys, char *err, size_t errlen)
{
	char path[4096], *text = NULL;
	int rc = -1;

	if (server_ensure_dir(dir, 0, 0, 0755, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, user);
	text = sshkeys_authorized_text(keys);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (write_file_atomic(path, text, strlen(text), 0644) < 0 || chmod(path, 0644) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

int server_authkeys_count(const char *dir, const char *user, char *err, size_t errlen)
{
	char path[4096], *text = NULL, *line, *save = NULL;
	int n = 0, r;

	snprintf(path, sizeof(path), "%s/%s", dir, user);
	r = read_file_bounded(path, (size_t)SSHKEYS_MAX * (SSHKEY_LINE_MAX + 16), &text, NULL);
	if (r < 0) {
		snprintf(err, errlen, "%s cannot be read: %s", path, r == -2 ? "too large" : strerror(errno));
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct sshkey k;
		const char *why;

		if (!strncmp(line, "restrict ", 9))
			line += 9;
		if (*line == '#' || sshkey_parse_line(line, strlen(line), &k, &why) < 0)
			continue;
		sshkey_clear(&k);
		n++;
	}
	free(text);
	return n;
}

/* util: see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int strvec_take(struct strvec *sv, char *s)
{
	if (!s)
		return -1;
	if (sv->n + 2 > sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 16;
		char **v = realloc(sv->v, cap * sizeof(*v));
		if (!v) {
			free(s);
			return -1;
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

int strvec_push(struct strvec *sv, const char *s)
{
	return strvec_take(sv, strdup(s));
}

int strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	return strvec_take(sv, s);
}

int strvec_extend(struct strvec *sv, char *const *src)
{
	for (; src && *src; src++)
		if (strvec_push(sv, *src) < 0)
			return -1;
	return 0;
}

void strvec_free(struct strvec *sv)
{
	if (!sv)
		return;
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* Reads at most max bytes of path into a new buffer: from its start, or
 * (tail) its last max bytes, without the line the cut went through. The body
 * of read_file_bounded and read_file_tail. */
static int read_span(const char *path, size_t max, int tail, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL, *nl;
	size_t n = 0;
	off_t from = 0;
	int fd, rc = -1;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (tail) {
		if (fstat(fd, &st) < 0)
			goto out;
		if (st.st_size > (off_t)max && lseek(fd, from = st.st_size - (off_t)max, SEEK_SET) < 0)
			goto out;
	}
	buf = malloc(max + 1);
	if (!buf)
		goto out;
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			if (!tail) {
				rc = -2;
				goto out;
			}
			n = max; /* it grew while we read */
			break;
		}
	}
	buf[n] = '\0';
	if (from > 0 && (nl = memchr(buf, '\n', n))) {
		n -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, n + 1);
	}
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int read_file_bounded(const char *path, size_t max, char **out, size_t *len)
{
	return read_span(path, max, 0, out, len);
}

int read_file_tail(const char *path, size_t max, char **out, size_t *len)
{
	return read_span(path, max, 1, out, len);
}

/* Creates a temporary file next to path; its name goes into tmp. */
static int open_temp(const char *path, char *tmp, size_t tmplen, int mode)
{
	for (int tries = 0; tries < 8; tries++) {
		unsigned char r[8];
		ssize_t got = getrandom(r, sizeof(r), 0);
		int fd;

		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)sizeof(r))
			return -1;
		if (snprintf(tmp, tmplen, "%s.tmp.%02x%02x%02x%02x%02x%02x%02x%02x", path, r[0], r[1], r[2], r[3], r[4],
			     r[5], r[6], r[7]) >= (int)tmplen) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1; /* EEXIST eight times: someone is planting names */
}

/* fsync of the directory that holds path. */
static int sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc, saved;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int write_file_atomic(const char *path, const char *data, size_t len, int mode)
{
	return write_file_replace(path, data, len, mode, 1);
}

int write_file_replace(const char *path, const char *data, size_t len, int mode, int durable)
{
	char tmp[4096];
	size_t off = 0;
	int fd, saved;

	fd = open_temp(path, tmp, sizeof(tmp), mode);
	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode & 07777) < 0 || (durable && fsync(fd) < 0))
		goto fail;
	/* close() reports a late write error (NFS); the descriptor is gone
	 * either way. */
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return durable ? sync_dir(path) : 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


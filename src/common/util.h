/* util: small owned containers and bounded file reading shared by modules. */
#ifndef RDS_UTIL_H
#define RDS_UTIL_H
#include <stddef.h>

/* A NULL-terminated, heap-owned argv vector. */
struct strvec {
	char **v;
	size_t n, cap;
};

/* Copies s (strdup) onto the end. Returns 0 or -1 (out of memory). */
int strvec_push(struct strvec *sv, const char *s);
/* printf-style push. */
int strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Pushes every string of a NULL-terminated array. */
int strvec_extend(struct strvec *sv, char *const *src);
/* Frees every element and the array; leaves sv empty (NULL-safe). */
void strvec_free(struct strvec *sv);

/* Reads at most max bytes of path into a new NUL-terminated buffer (*out, owned
 * by the caller). Returns 0, -1 on an I/O error (errno set), -2 when the file
 * is larger than max. */
int read_file_bounded(const char *path, size_t max, char **out, size_t *len);

/* Reads the last max bytes of path (all of it when smaller) into a new
 * NUL-terminated buffer (*out, owned by the caller); a cut first line is
 * dropped. Returns 0 or -1 on an I/O error (errno set). */
int read_file_tail(const char *path, size_t max, char **out, size_t *len);

/* Writes data to path atomically, with exactly mode (not reduced by the
 * umask): a new temporary file path.tmp.<16 random hex digits> in the same
 * directory (getrandom; opened O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC,
 * so a file or symlink planted there is never followed or reused), written,
 * fchmod, fsync, closed, renamed over path, then the directory fsynced so the
 * rename survives a crash. The descriptors are closed on every path, and the
 * temporary file is removed whenever the rename did not happen.
 * Returns 0, or -1 with errno set; then path is as before, except when only
 * the directory's fsync failed: the new content is in place then, but may not
 * survive a crash. */
int write_file_atomic(const char *path, const char *data, size_t len, int mode);

/* write_file_atomic when durable is non-zero; otherwise the same without
 * either fsync: readers still see the old or the new content whole, but a
 * crash may lose the change (for files that are made again anyway, or whose
 * next write follows soon). */
int write_file_replace(const char *path, const char *data, size_t len, int mode, int durable);

/* Monotonic clock in milliseconds. */
long long mono_ms(void);

#endif

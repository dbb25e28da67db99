/* Unit tests for util's write_file_atomic: content and exact mode, a planted
 * symlink at a temporary name is never followed, no temporary file and no
 * file descriptor left behind after a success or a failure (a full tmpfs in a
 * private mount namespace for a failing write, when root; an fsync made to
 * fail for the file and for its directory; a rename onto a directory). */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "util.h"

static char dir[] = "/tmp/rds-test-util-XXXXXX";

/* When fail_fsync_at is N > 0, the Nth fsync from now fails with EIO
 * (util.c's calls bind to this definition). */
static int fail_fsync_at, fsync_calls;

int fsync(int fd)
{
	static int (*real_fsync)(int);

	if (fail_fsync_at > 0 && ++fsync_calls == fail_fsync_at) {
		errno = EIO;
		return -1;
	}
	if (!real_fsync)
		real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return real_fsync(fd);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Entries of d whose name holds ".tmp". */
static int count_temps(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *e;
	int n = 0;

	if (!dd)
		return -1;
	while ((e = readdir(dd)))
		if (strstr(e->d_name, ".tmp"))
			n++;
	closedir(dd);
	return n;
}

static char *slurp(const char *path)
{
	char *s = NULL;
	read_file_bounded(path, 1 << 20, &s, NULL);
	return s;
}

static int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void check_content_and_mode(void)
{
	char path[256], *s;
	mode_t old = umask(077);

	snprintf(path, sizeof(path), "%s/plain", dir);
	CHECK_INT(write_file_atomic(path, "first\n", 6, 0600), 0, "a new file is written");
	s = slurp(path);
	CHECK_STR(s, "first\n", "its content");
	free(s);
	CHECK_INT(mode_of(path), 0600, "its mode");
	CHECK_INT(write_file_atomic(path, "second", 6, 0644), 0, "an existing file is replaced");
	s = slurp(path);
	CHECK_STR(s, "second", "the new content");
	free(s);
	CHECK_INT(mode_of(path), 0644, "the mode asked for, whatever the umask (077 here)");
	CHECK_INT(write_file_atomic(path, "", 0, 0600), 0, "an empty file is written");
	s = slurp(path);
	CHECK_STR(s, "", "empty content");
	free(s);
	CHECK_INT(count_temps(dir), 0, "no temporary file left after success");
	unlink(path);
	umask(old);
}

/* The name the old code used (path.tmp.PID) is the one an attacker could
 * plant: a symlink there must not be followed. */
static void check_planted_symlink(void)
{
	char path[256], tmp[300], victim[256], *s;

	snprintf(path, sizeof(path), "%s/target", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	CHECK_INT(write_file_atomic(victim, "untouched", 9, 0644), 0, "victim file written");
	if (symlink(victim, tmp) < 0)
		CHECK(0, "symlink: %s", strerror(errno));
	CHECK_INT(write_file_atomic(path, "new", 3, 0600), 0, "write next to a planted symlink succeeds");
	s = slurp(victim);
	CHECK_STR(s, "untouched", "the symlink's target is not written");
	free(s);
	CHECK_INT(mode_of(victim), 0644, "nor its mode changed");
	s = slurp(path);
	CHECK_STR(s, "new", "the file itself has the content");
	free(s);
	unlink(tmp);
	unlink(victim);
	unlink(path);
}

static void check_fsync_failures(void)
{
	char path[256], *s;
	int fds;

	snprintf(path, sizeof(path), "%s/synced", dir);
	CHECK_INT(write_file_atomic(path, "old", 3, 0644), 0, "file before the failures");

	fds = count_fds();
	fail_fsync_at = 1;
	fsync_calls = 0;
	errno = 0;
	CHECK_INT(write_file_atomic(path, "new", 3, 0644), -1, "a failing fsync of the file is reported");
	CHECK_INT(errno, EIO, "with fsync's errno");
	fail_fsync_at = 0;
	CHECK_INT(count_fds(), fds, "no file descriptor left open after the failed fsync");
	CHECK_INT(count_temps(dir), 0, "no temporary file left after the failed fsync");
	s = slurp(path);
	CHECK_STR(s, "old", "the file is unchanged");
	free(s);

	fail_fsync_at = 2;
	fsync_calls = 0;
	errno = 0;
	CHECK_INT(write_file_atomic(path, "new", 3, 0644), -1, "a failing fsync of the directory is reported");
	CHECK_INT(errno, EIO, "with fsync's errno");
	CHECK_INT(fsync_calls, 2, "the directory is fsynced after the file");
	fail_fsync_at = 0;
	CHECK_INT(count_fds(), fds, "no file descriptor left open after the failed directory fsync");
	CHECK_INT(count_temps(dir), 0, "no temporary file left after the failed directory fsync");
	s = slurp(path);
	CHECK_STR(s, "new", "the new content is in place (only its durability is in doubt)");
	free(s);

	/* Not durable: no fsync at all (a failing one would show). */
	fail_fsync_at = 1;
	fsync_calls = 0;
	CHECK_INT(write_file_replace(path, "fast", 4, 0644, 0), 0, "write_file_replace without durability: no fsync");
	CHECK_INT(fsync_calls, 0, "and fsync was not called");
	fail_fsync_at = 0;
	s = slurp(path);
	CHECK_STR(s, "fast", "the content is in place");
	free(s);
	unlink(path);
}

static void check_rename_failure(void)
{
	char path[256], inner[300];
	int fds;

	snprintf(path, sizeof(path), "%s/a-directory", dir);
	snprintf(inner, sizeof(inner), "%s/keep", path);
	mkdir(path, 0755);
	write_file_atomic(inner, "x", 1, 0644);
	fds = count_fds();
	CHECK_INT(write_file_atomic(path, "data", 4, 0644), -1, "a rename onto a directory fails");
	CHECK_INT(count_fds(), fds, "no file descriptor left open after the failed rename");
	CHECK_INT(count_temps(dir), 0, "no temporary file left after the failed rename");
	unlink(inner);
	rmdir(path);
}

/* A real ENOSPC: a one-page tmpfs, mounted in a mount namespace of our own
 * so that nobody else sees it and it goes away with this process. */
static void check_full_disk(void)
{
	static char big[64 * 1024];
	char mnt[256], path[300];
	int fds, rc;

	if (geteuid() != 0) {
		printf("ok - a full file system # skip not root (needs a private mount namespace)\n");
		return;
	}
	snprintf(mnt, sizeof(mnt), "%s/tiny", dir);
	mkdir(mnt, 0755);
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("rds-test", mnt, "tmpfs", 0, "size=4k") < 0) {
		printf("ok - a full file system # skip cannot mount a tmpfs: %s\n", strerror(errno));
		rmdir(mnt);
		return;
	}
	snprintf(path, sizeof(path), "%s/full", mnt);
	memset(big, 'x', sizeof(big));
	fds = count_fds();
	errno = 0;
	rc = write_file_atomic(path, big, sizeof(big), 0644);
	CHECK(rc == -1 && errno == ENOSPC, "a write to a full file system fails with ENOSPC (rc %d, %s)", rc,
	      strerror(errno));
	CHECK_INT(count_fds(), fds, "no file descriptor left open after the failed write");
	CHECK_INT(count_temps(mnt), 0, "no temporary file left after the failed write");
	CHECK(access(path, F_OK) < 0, "the file was not created");
	umount(mnt);
	rmdir(mnt);
}

/* read_file_tail keeps the end of a long log (ssh -E) from a line start;
 * read_file_bounded still refuses a file over its bound. */
static void check_tail(void)
{
	char path[256], text[20100], *buf = NULL;
	size_t n = 0, len = 0;
	int line = 0;

	snprintf(path, sizeof(path), "%s/log", dir);
	while (n < 20000)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "debug3: line %05d of a long ssh log\n", line++);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "Host key verification failed.\n");
	CHECK_INT(write_file_atomic(path, text, n, 0600), 0, "a %zu-byte log written", n);
	CHECK_INT(read_file_tail(path, 8192, &buf, &len), 0, "read_file_tail reads it");
	CHECK(len <= 8192 && len > 8000, "at most the bound (%zu bytes)", len);
	CHECK(buf && !strncmp(buf, "debug3: line ", 13), "from the start of a line: %.30s", buf ? buf : "");
	CHECK(buf && strstr(buf, "Host key verification failed.\n") && buf[len] == '\0', "to the end, NUL-terminated");
	free(buf);
	buf = NULL;
	CHECK_INT(read_file_bounded(path, 8192, &buf, &len), -2, "read_file_bounded refuses it");
	CHECK(buf == NULL, "and gives no buffer");
	CHECK_INT(read_file_tail(path, sizeof(text), &buf, &len), 0, "a tail larger than the file");
	CHECK(len == n && buf && !memcmp(buf, text, n), "is the whole file");
	free(buf);
	unlink(path);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	check_content_and_mode();
	check_planted_symlink();
	check_fsync_failures();
	check_rename_failure();
	check_full_disk();
	check_tail();
	rmdir(dir);
	return T_DONE();
}

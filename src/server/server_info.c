/* server_info: see server_info.h. Directories are walked with openat and
 * O_NOFOLLOW: a symlink in a repository (put there over SFTP) is never
 * followed out of it. */
#include "server_info.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server_authkeys.h"
#include "util.h"

#define BANNER_MAX 255 /* RFC 4253 4.2 */
#define WALK_DEPTH 8   /* restic's deepest is data/xx/FILE */

/* Reads the server's identification line. Returns 0 when it is SSH-2.0. */
static int banner_ok(int port, char *why, size_t whylen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	long long deadline = mono_ms() + HEALTH_TIMEOUT_MS;
	char buf[BANNER_MAX + 1];
	size_t n = 0;
	int fd, rc = -1, soerr = 0;
	socklen_t sl = sizeof(soerr);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		snprintf(why, whylen, "sshd does not answer on 127.0.0.1:%d: %s", port, strerror(errno));
		goto out;
	}
	for (;;) {
		struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
		long long left = deadline - mono_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			snprintf(why, whylen, "sshd on 127.0.0.1:%d sent no SSH banner within %d ms", port,
				 HEALTH_TIMEOUT_MS);
			goto out;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr) {
			snprintf(why, whylen, "sshd does not answer on 127.0.0.1:%d: %s", port, strerror(soerr));
			goto out;
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			snprintf(why, whylen, "sshd on 127.0.0.1:%d closed the connection without a banner", port);
			goto out;
		}
		n += (size_t)r;
		buf[n] = '\0';
		if (strchr(buf, '\n') || n == sizeof(buf) - 1)
			break;
	}
	if (strncmp(buf, "SSH-2.0-", 8)) {
		snprintf(why, whylen, "127.0.0.1:%d answers, but not with an SSH-2.0 banner", port);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int server_health(const struct server_config *c, char *why, size_t whylen)
{
	char msg[512];
	int n;

	if (banner_ok(c->port, why, whylen) < 0)
		return 1;
	n = server_authkeys_count(c->authorized_keys_dir, c->ssh_user, msg, sizeof(msg));
	if (n < 0) {
		snprintf(why, whylen, "no authorized keys: %s", msg);
		return 1;
	}
	if (n == 0) {
		snprintf(why, whylen,
			 "no authorized keys: nobody can log in; give the service the agents' public keys as secrets "
			 "in %s",
			 c->secrets_dir);
		return 1;
	}
	snprintf(why, whylen, "healthy: sshd answers on port %d, %d authorized key%s", c->port, n, n == 1 ? "" : "s");
	return 0;
}

void server_human_size(unsigned long long bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

struct walk {
	unsigned long long bytes, files;
	long entries; /* budget left for the whole command */
};

/* Sums the sizes of the regular files below dfd (which it closes). */
static void sum_tree(int dfd, int depth, struct walk *w)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;

	if (!d) {
		close(dfd);
		return;
	}
	while ((e = readdir(d)) && w->entries > 0) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		w->entries--;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			w->bytes += (unsigned long long)st.st_size;
			w->files++;
		} else if (S_ISDIR(st.st_mode) && depth < WALK_DEPTH) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				sum_tree(sub, depth + 1, w);
		}
	}
	closedir(d);
}

static int is_repo(int dfd)
{
	struct stat st;

	return fstatat(dfd, "config", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       fstatat(dfd, "keys", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

struct found {
	FILE *out;
	int repos;
	unsigned long long total;
	long entries;
};

static void print_repo(struct found *f, int dfd, const char *rel)
{
	struct walk w = { 0, 0, f->entries };
	char size[32];

	sum_tree(dup(dfd), 0, &w);
	f->entries = w.entries;
	server_human_size(w.bytes, size, sizeof(size));
	fprintf(f->out, "  %-32s %12s%s %10llu files\n", rel, size, w.entries <= 0 ? "+" : " ", w.files);
	f->total += w.bytes;
	f->repos++;
}

/* Looks for repositories at dfd (named rel) and below, INFO_DEPTH deep. */
static void find_repos(struct found *f, int dfd, const char *rel, int depth)
{
	DIR *d;
	struct dirent *e;
	struct strvec subs = { 0 };

	if (*rel && is_repo(dfd)) {
		if (f->repos < INFO_REPOS_MAX)
			print_repo(f, dfd, rel);
		else
			f->repos++; /* counted, not sized */
		close(dfd);
		return;
	}
	if (depth >= INFO_DEPTH || !(d = fdopendir(dfd))) {
		close(dfd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || subs.n >= 10000)
			continue;
		if (strvec_pushf(&subs, "%s%s%s", rel, *rel ? "/" : "", e->d_name) < 0)
			break;
	}
	/* Sorted, so the listing is stable from one login to the next. */
	for (size_t i = 1; i < subs.n; i++)
		for (size_t j = i; j > 0 && strcmp(subs.v[j - 1], subs.v[j]) > 0; j--) {
			char *t = subs.v[j];
			subs.v[j] = subs.v[j - 1];
			subs.v[j - 1] = t;
		}
	for (size_t i = 0; i < subs.n; i++) {
		const char *base = strrchr(subs.v[i], '/');
		int sub =
			openat(dirfd(d), base ? base + 1 : subs.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			find_repos(f, sub, subs.v[i], depth + 1);
	}
	strvec_free(&subs);
	closedir(d);
}

int server_info(const struct server_config *c, FILE *out)
{
	struct found f = { out, 0, 0, INFO_ENTRIES_MAX };
	char msg[512], total[32];
	int keys, dfd;

	keys = server_authkeys_count(c->authorized_keys_dir, c->ssh_user, msg, sizeof(msg));
	fprintf(out, "restic-docker-swarm server: sshd port %d, SFTP user %s, %d authorized agent key%s\n", c->port,
		c->ssh_user, keys < 0 ? 0 : keys, keys == 1 ? "" : "s");
	fprintf(out,
		"Agents: SSH_HOST=<this service>, SSH_PORT=%d, REPO_PATH=NAME (relative to %s), %s/NAME or %s/NAME\n",
		c->port, c->repo_root, c->login_dir, c->repo_root);
	fprintf(out, "known_hosts for the agents' secret: %s\n", c->known_hosts_file);
	dfd = open(c->repo_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		fprintf(out, "Repositories: %s cannot be read: %s\n", c->repo_root, strerror(errno));
		return -1;
	}
	fprintf(out, "Repositories in %s:\n", c->repo_root);
	find_repos(&f, dfd, "", 0);
	server_human_size(f.total, total, sizeof(total));
	fprintf(out, "%d repositor%s, %s%s in all\n", f.repos, f.repos == 1 ? "y" : "ies", total,
		f.entries <= 0 ? " (at least; too many files to count)" : "");
	return 0;
}

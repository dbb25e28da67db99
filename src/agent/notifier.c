/* notifier: see notifier.h. */
#include "notifier.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "hook.h"
#include "log.h"
#include "notifyurl.h"
#include "pingurl.h"
#include "util.h"

#define NOTIFY_HELPER "rds-notify"
#define LOG_EVERY_MS (3600 * 1000LL)

int notifier_init(struct notifier *n, const struct config *c, char *err, size_t errlen)
{
	struct notifyurl *urls = NULL, ping;
	size_t nu = 0;

	memset(n, 0, sizeof(*n));
	n->cfg = c;
	for (int i = 0; i < NOTIFIER_SENDERS; i++)
		n->s[i].fd = -1;
	if (notifyurl_parse_list(c->notify_urls, &urls, &nu, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < nu && n->nep < NOTIFIER_ENDPOINTS; i++)
		snprintf(n->ep[n->nep++].name, sizeof(n->ep[0].name), "%s", urls[i].shown);
	notifyurl_free_list(urls, nu);
	n->nurls = n->nep;
	if (c->ping_url && *c->ping_url) {
		int rc = pingurl_parse_setting(c->ping_url, &ping, err, errlen);
		if (rc == 0)
			snprintf(n->ep[n->nep++].name, sizeof(n->ep[0].name), "%s", ping.shown);
		notifyurl_free(&ping);
		if (rc < 0)
			return -1;
	}
	n->enabled = n->nep > 0;
	if (n->enabled &&
	    hook_find_program(NOTIFY_HELPER, "NOTIFY_URLS and PING_URL need", n->bin, sizeof(n->bin), err, errlen) < 0)
		return -1;
	return 0;
}

static void enqueue(struct notifier *n, char *doc, const char *ping)
{
	struct notifier_item *it;

	if (!doc)
		return;
	if (n->qlen == NOTIFIER_QUEUE) {
		/* Full: the oldest goes (the newest says the most now). */
		free(n->q[n->qhead].doc);
		n->qhead = (n->qhead + 1) % NOTIFIER_QUEUE;
		n->qlen--;
		n->dropped++;
		log_warn("notifications: %d are waiting; the oldest is dropped", NOTIFIER_QUEUE);
	}
	it = &n->q[(n->qhead + n->qlen) % NOTIFIER_QUEUE];
	it->doc = doc;
	snprintf(it->ping, sizeof(it->ping), "%s", ping ? ping : "");
	n->qlen++;
}

static void start_senders(struct notifier *n);

void notifier_event(struct notifier *n, const struct notify_event *ev)
{
	if (!n->nurls || !notify_on_wants(n->cfg->notify, ev->kind))
		return;
	enqueue(n, notify_event_to_json(ev), NULL);
	start_senders(n);
}

void notifier_ping(struct notifier *n, const char *kind, const char *body)
{
	if (!n->cfg->ping_url || !*n->cfg->ping_url)
		return;
	enqueue(n, strdup(body ? body : ""), kind);
	start_senders(n);
}

static int spawn(struct notifier *n, struct notifier_sender *s, const struct notifier_item *it)
{
	int in[2], out[2];
	size_t len = strlen(it->doc);
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	/* The document fits the pipe (a few KiB): written before the fork,
	 * it never blocks the agent. */
	if (len > 60000 || write(in[1], it->doc, len) != (ssize_t)len) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -1;
	}
	close(in[1]);
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (pid == 0) {
		char *argv[4] = { n->bin, NULL, NULL, NULL };
		child_default_signals();
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		if (it->ping[0]) {
			argv[1] = "--ping";
			argv[2] = (char *)it->ping;
			setenv("PING_URL", n->cfg->ping_url, 1);
		} else {
			setenv("NOTIFY_URLS", n->cfg->notify_urls, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->pid = pid;
	s->fd = out[0];
	s->ping = it->ping[0] != '\0';
	s->len = 0;
	s->started_ms = mono_ms();
	return 0;
}

static void start_senders(struct notifier *n)
{
	for (int i = 0; i < NOTIFIER_SENDERS && n->qlen; i++) {
		struct notifier_item *it;
		if (n->s[i].pid > 0)
			continue;
		it = &n->q[n->qhead];
		if (spawn(n, &n->s[i], it) < 0)
			log_warn("notifications: cannot start %s: %s", NOTIFY_HELPER, strerror(errno));
		free(it->doc);
		it->doc = NULL;
		n->qhead = (n->qhead + 1) % NOTIFIER_QUEUE;
		n->qlen--;
	}
}

/* One result line of rds-notify: "ok N" or "fail N scheme://host: why",
 * N from 1 in NOTIFY_URLS' order (a ping's is 1). */
static void result_line(struct notifier *n, const struct notifier_sender *s, const char *line)
{
	struct notifier_endpoint *e;
	long long now = mono_ms();
	char *end;
	long i;
	int ok = !strncmp(line, "ok ", 3);

	if (!ok && strncmp(line, "fail ", 5))
		return;
	i = strtol(line + (ok ? 3 : 5), &end, 10) - 1;
	if (s->ping)
		i = (long)n->nurls; /* the ping endpoint comes after the URLs */
	if (i < 0 || (size_t)i >= n->nep)
		return;
	e = &n->ep[i];
	if (ok) {
		e->sent++;
		return;
	}
	e->failed++;
	if (!e->logged_ms || now - e->logged_ms >= LOG_EVERY_MS) {
		while (*end == ' ')
			end++;
		/* It names the endpoint first, as we do. */
		if (!strncmp(end, e->name, strlen(e->name)) && end[strlen(e->name)] == ':')
			end += strlen(e->name) + 1;
		while (*end == ' ')
			end++;
		/* rds-notify names the endpoint by scheme and host only. */
		log_warn("notification to %s not delivered: %s (failures of this endpoint are counted in the metrics; "
			 "the next is logged in an hour at the earliest)",
			 e->name, *end ? end : "no reason given");
		e->logged_ms = now;
	}
}

static void finish(struct notifier *n, struct notifier_sender *s)
{
	if (s->len) {
		s->buf[s->len] = '\0';
		result_line(n, s, s->buf);
	}
	close(s->fd);
	s->fd = -1;
	s->pid = 0;
	s->len = 0;
}

static void read_sender(struct notifier *n, struct notifier_sender *s)
{
	for (;;) {
		ssize_t r = read(s->fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len);
		char *nl;
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			finish(n, s); /* end of its output: it exited (reaped by the loop) */
			return;
		}
		s->len += (size_t)r;
		while ((nl = memchr(s->buf, '\n', s->len))) {
			*nl = '\0';
			result_line(n, s, s->buf);
			memmove(s->buf, nl + 1, s->len - (size_t)(nl + 1 - s->buf));
			s->len -= (size_t)(nl + 1 - s->buf);
		}
		if (s->len == sizeof(s->buf) - 1)
			s->len = 0; /* a line longer than any it writes: dropped */
	}
}

int notifier_pollfds(const struct notifier *n, struct pollfd *fds, int max)
{
	int k = 0;

	for (int i = 0; i < NOTIFIER_SENDERS && k < max; i++)
		if (n->s[i].fd >= 0) {
			fds[k].fd = n->s[i].fd;
			fds[k].events = POLLIN;
			fds[k].revents = 0;
			k++;
		}
	return k;
}

int notifier_timeout_ms(const struct notifier *n)
{
	long long now = mono_ms(), best = -1;

	for (int i = 0; i < NOTIFIER_SENDERS; i++)
		if (n->s[i].pid > 0) {
			long long left = n->s[i].started_ms + NOTIFIER_KILL_MS - now;
			if (left < 0)
				left = 0;
			if (best < 0 || left < best)
				best = left;
		}
	return (int)best;
}

void notifier_service(struct notifier *n, const struct pollfd *fds, int nfds)
{
	long long now = mono_ms();

	for (int i = 0; i < NOTIFIER_SENDERS; i++) {
		struct notifier_sender *s = &n->s[i];
		if (s->fd < 0)
			continue;
		for (int k = 0; k < nfds; k++)
			if (fds[k].fd == s->fd && (fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
				read_sender(n, s);
		if (s->fd >= 0 && now - s->started_ms >= NOTIFIER_KILL_MS) {
			log_warn("notifications: %s ran for %d s; killed", NOTIFY_HELPER, NOTIFIER_KILL_MS / 1000);
			kill(s->pid, SIGKILL);
			finish(n, s);
		}
	}
	start_senders(n);
}

void notifier_drain(struct notifier *n, long ms)
{
	long long until = mono_ms() + ms;

	start_senders(n);
	while (mono_ms() < until) {
		struct pollfd fds[NOTIFIER_SENDERS];
		int nf = notifier_pollfds(n, fds, NOTIFIER_SENDERS);
		long long left = until - mono_ms();
		if (!nf && !n->qlen)
			return;
		if (poll(fds, (nfds_t)nf, left > 200 ? 200 : (int)(left < 0 ? 0 : left)) < 0 && errno != EINTR)
			break;
		notifier_service(n, fds, nf);
		child_reap_all();
	}
	for (int i = 0; i < NOTIFIER_SENDERS; i++)
		if (n->s[i].fd >= 0) {
			kill(n->s[i].pid, SIGKILL);
			finish(n, &n->s[i]);
		}
	while (n->qlen) {
		free(n->q[n->qhead].doc);
		n->q[n->qhead].doc = NULL;
		n->qhead = (n->qhead + 1) % NOTIFIER_QUEUE;
		n->qlen--;
		n->dropped++;
	}
	child_reap_all();
}

void notifier_send_now(struct notifier *n, const struct notify_event *ev, long ms)
{
	notifier_event(n, ev);
	notifier_drain(n, ms);
}

/* The note: "EPOCH HASH\n" of the last config_error sent. */
static unsigned long hash_of(const char *s)
{
	unsigned long h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static int note_path(const struct config *c, char *out, size_t len)
{
	const char *f = c->status_file, *slash = f ? strrchr(f, '/') : NULL;

	if (!slash)
		return -1;
	return snprintf(out, len, "%.*s/.rds-config-error", (int)(slash - f), f) < (int)len ? 0 : -1;
}

void notifier_config_error(struct notifier *n, const struct config *c, const char *node, const char *message)
{
	static struct notify_event ev;
	char path[4096], *text = NULL, line[64];
	unsigned long h = hash_of(message ? message : "");
	long long then = 0;
	unsigned long was = 0;
	time_t now = time(NULL);

	if (!n->nurls || !n->bin[0])
		return;
	if (note_path(c, path, sizeof(path)) == 0 && read_file_bounded(path, 64, &text, NULL) == 0 && text &&
	    sscanf(text, "%lld %lu", &then, &was) == 2 && was == h && then >= 0 && now >= then && now - then < 3600) {
		log_info("notifications: this configuration error was sent less than an hour ago; not again yet");
		free(text);
		return;
	}
	free(text);
	memset(&ev, 0, sizeof(ev));
	ev.kind = NOTIFY_CONFIG_ERROR;
	snprintf(ev.node, sizeof(ev.node), "%s", node ? node : "");
	snprintf(ev.result, sizeof(ev.result), "failed");
	snprintf(ev.message, sizeof(ev.message), "%s", message ? message : "");
	notifier_send_now(n, &ev, NOTIFIER_CONFIG_WAIT_MS);
	snprintf(line, sizeof(line), "%lld %lu\n", (long long)now, h);
	if (note_path(c, path, sizeof(path)) == 0)
		write_file_atomic(path, line, strlen(line), 0644);
}

void notifier_metrics(const struct notifier *n, struct metrics_input *in, struct metrics_endpoint *ep, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n->nep && k < max; i++, k++) {
		ep[k].name = n->ep[i].name;
		ep[k].sent = n->ep[i].sent;
		ep[k].failed = n->ep[i].failed;
	}
	in->endpoints = ep;
	in->nendpoints = k;
	in->notify_dropped = n->dropped;
}

void notifier_free(struct notifier *n)
{
	for (int i = 0; i < NOTIFIER_SENDERS; i++)
		if (n->s[i].fd >= 0)
			close(n->s[i].fd);
	for (size_t i = 0; i < n->qlen; i++)
		free(n->q[(n->qhead + i) % NOTIFIER_QUEUE].doc);
	n->qlen = 0;
}

/* labels: see labels.h. One pass per service: check every label, then build
 * the specs from what was checked; the first refusal ends the checks and
 * becomes the one refused spec. */
#include "labels.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtab.h"
#include "cron.h"
#include "labeldata.h"
#include "retention.h"
#include "utf8.h"
#include "words.h"

_Static_assert(LABELS_VALUE_MAX == CFGTAB_VALUE_MAX, "a label value is bounded like an environment value");

#define K_ENABLE "rds.backup"
#define K_AT "rds.backup.at"
#define K_RUN_AT "rds.backup.run-at"
#define K_PRE "rds.backup.pre-hook"
#define K_POST "rds.backup.post-hook"
#define K_REPO "rds.backup.repo"
#define K_REPOS "rds.backup.repos"
#define K_VOLUMES "rds.backup.volumes"
#define K_EXCLUDE "rds.backup.exclude"
#define K_KEEP(x) "rds.backup.forget.keep-" x

#define N_KEEP 8 /* retention_vars without its NULL */
/* The label of each of retention_vars, in its order. */
static const char *const keep_keys[N_KEEP] = { K_KEEP("last"),    K_KEEP("hourly"), K_KEEP("daily"),  K_KEEP("weekly"),
					       K_KEEP("monthly"), K_KEEP("yearly"), K_KEEP("within"), K_KEEP("tag") };

/* With keep_keys, every label this module reads. */
static const char *const main_keys[] = {
	K_ENABLE, K_AT, K_RUN_AT, K_PRE, K_POST, K_REPO, K_REPOS, K_VOLUMES, K_EXCLUDE
};
#define N_MAIN (sizeof(main_keys) / sizeof(main_keys[0]))
#define N_KNOWN (N_MAIN + N_KEEP)

static const char *known_key(size_t i)
{
	return i < N_MAIN ? main_keys[i] : keep_keys[i - N_MAIN];
}

#define SHOWN_MAX 204               /* a value in a message */
#define TEXT_MAX (JOBSPEC_NAME_MAX) /* service name, container id, host */
#define KEY_CMP_MAX 64              /* longest key compared for a typo */
#define REPO_FORM                                                                                              \
	"use components of A-Z a-z 0-9 . _ - joined by single '/', relative to the server's repository root, " \
	"at most 200 bytes (e.g. db or stack/db)"

struct ctx {
	const struct discovery_service *svc;
	const struct labels_defaults *d;
	struct strvec *warnings;
	char err[LABELS_ERROR_MAX];
	/* What the labels say, checked. Owned unless said. */
	const char *run_at; /* borrowed: a label's or the agent's */
	struct cron_expr cron;
	struct strvec pre, post, excludes;
	struct strvec volumes; /* names, sorted, each once */
	struct strvec repos;   /* rds.backup.repos entries, each once */
	const char *repo;      /* borrowed: the label's or the service name */
	struct retention ret;
	size_t root; /* length of VOLUMES_ROOT or BACKUP_PATH without trailing '/' */
};

static const char *shown(const char *v, char *buf, size_t len)
{
	utf8_copy(buf, len, v ? v : "", v ? strlen(v) : 0, UTF8_ESCAPE_CTL);
	return buf;
}

/* Appends s[0..n) at buf[*o], kept NUL-terminated in len; a cut falls
 * between characters. */
static void put(char *buf, size_t len, size_t *o, const char *s, size_t n)
{
	if (*o + 1 >= len)
		return;
	if (n > len - 1 - *o)
		n = utf8_trim_cut(s, len - 1 - *o);
	memcpy(buf + *o, s, n);
	*o += n;
	buf[*o] = '\0';
}

static void put_str(char *buf, size_t len, size_t *o, const char *s)
{
	put(buf, len, o, s, strlen(s));
}

static int refuse(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(c->err))
		c->err[utf8_trim_cut(c->err, sizeof(c->err) - 1)] = '\0';
	return -EINVAL;
}

static int warn(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warn(struct ctx *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (!c->warnings)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		line[utf8_trim_cut(line, sizeof(line) - 1)] = '\0';
	return strvec_push(c->warnings, line) < 0 ? -ENOMEM : 0;
}

/* The value of key, or NULL (discovery_label's meaning, kept here so that
 * this module stands on its own). */
static const char *label(const struct discovery_service *svc, const char *key)
{
	for (size_t i = 0; i < svc->nlabels; i++)
		if (svc->labels[i].key && !strcmp(svc->labels[i].key, key))
			return svc->labels[i].value ? svc->labels[i].value : "";
	return NULL;
}

static int text_ok(const char *v, size_t max)
{
	size_t n = v ? strlen(v) : 0;
	return n <= max && utf8_valid(v, n) && !utf8_has_ctl(v, n);
}

/* Optimal string alignment distance (a swap of two neighbours is one edit),
 * for keys of at most KEY_CMP_MAX bytes; larger ones count as far apart. */
static size_t key_distance(const char *a, const char *b)
{
	unsigned char d[KEY_CMP_MAX + 1][KEY_CMP_MAX + 1];
	size_t n = strlen(a), m = strlen(b);

	if (n > KEY_CMP_MAX || m > KEY_CMP_MAX)
		return (size_t)-1;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			unsigned v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
		}
	return d[n][m];
}

/* The known key that key is likely a typo of: at most two edits away, and
 * fewer than the bytes after "rds.backup." (else "rds.backup.x" would be a
 * typo of rds.backup.at); or else with the same last part
 * ("rds.backup.keep-daily"). NULL if none. */
static const char *nearest_key(const char *key)
{
	const char *best = NULL, *dot = strrchr(key, '.');
	size_t bestd = 3, tail = strlen(key);

	if (!strncmp(key, K_ENABLE ".", sizeof(K_ENABLE)))
		tail -= sizeof(K_ENABLE);
	for (size_t i = 0; i < N_KNOWN; i++) {
		size_t dist = key_distance(key, known_key(i));
		if (dist < bestd && dist < tail) {
			bestd = dist;
			best = known_key(i);
		}
	}
	for (size_t i = 0; !best && dot && strlen(dot) > 3 && i < N_KNOWN; i++) {
		const char *kd = strrchr(known_key(i), '.');
		if (kd && !strcmp(kd, dot))
			best = known_key(i);
	}
	return best;
}

static int is_known(const char *key)
{
	for (size_t i = 0; i < N_KNOWN; i++)
		if (!strcmp(key, known_key(i)))
			return 1;
	return 0;
}

/* Warns of every unknown key, then checks every known one's value. */
static int check_labels(struct ctx *c, const char *svcname)
{
	const struct discovery_service *svc = c->svc;
	char sh[SHOWN_MAX];

	for (size_t i = 0; i < svc->nlabels; i++) {
		const char *key = svc->labels[i].key ? svc->labels[i].key : "", *near;
		if (is_known(key))
			continue;
		near = nearest_key(key);
		if (warn(c, "service %s: label '%s' is not known and is ignored%s%s%s", svcname,
			 shown(key, sh, sizeof(sh)), near ? "; did you mean '" : "", near ? near : "",
			 near ? "'?" : "") < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < svc->nlabels; i++) {
		const char *key = svc->labels[i].key, *v = svc->labels[i].value ? svc->labels[i].value : "";
		size_t n = strlen(v);
		if (!key || !is_known(key))
			continue;
		if (n > LABELS_VALUE_MAX)
			return refuse(c, "%s: value is %zu bytes long; at most %d are allowed", key, n,
				      LABELS_VALUE_MAX);
		if (!utf8_valid(v, n) || utf8_has_ctl(v, n))
			return refuse(c, "%s='%s' %s; use printable UTF-8 text", key, shown(v, sh, sizeof(sh)),
				      utf8_valid(v, n) ? "contains a control character (shown as \\xNN)"
						       : "is not valid UTF-8 (shown as U+FFFD)");
	}
	return 0;
}

static int parse_schedule(struct ctx *c)
{
	const char *at = label(c->svc, K_AT), *ra = label(c->svc, K_RUN_AT), *src = K_AT;
	char msg[256], sh[SHOWN_MAX], sh2[SHOWN_MAX];

	if (at && ra && strcmp(at, ra))
		return refuse(c, "%s='%s' and %s='%s' differ: they are one setting; set only one of them", K_AT,
			      shown(at, sh, sizeof(sh)), K_RUN_AT, shown(ra, sh2, sizeof(sh2)));
	if (!at) {
		at = ra;
		src = K_RUN_AT;
	}
	if (at && !*at)
		return refuse(c,
			      "%s is empty; give a cron expression (e.g. 0 3 * * * or @daily), or remove the label "
			      "to use the agent's RUN_AT",
			      src);
	if (!at) {
		at = c->d->run_at;
		src = "the agent's RUN_AT";
		if (!at || !*at)
			return refuse(c, "no schedule: set %s on the service or RUN_AT on the agent", K_AT);
	}
	if (cron_parse(at, &c->cron, msg, sizeof(msg)) < 0)
		return refuse(c, "%s='%s': %s", src, shown(at, sh, sizeof(sh)), msg);
	c->run_at = at;
	return 0;
}

/* words.h says out of memory is one of its reasons; it has no code of its
 * own. */
static int words_oom(const char *msg)
{
	return !strcmp(msg, "out of memory");
}

static int parse_hook(struct ctx *c, const char *key, struct strvec *out)
{
	const char *v = label(c->svc, key);
	char msg[384], sh[SHOWN_MAX];

	if (!v || !*v)
		return 0;
	/* Hooks run as argv, so a glob would reach the command unexpanded. */
	if (words_split_flags(v, WORDS_REFUSE_GLOB, out, msg, sizeof(msg)) < 0)
		return words_oom(msg) ? -ENOMEM : refuse(c, "%s='%s': %s", key, shown(v, sh, sizeof(sh)), msg);
	if (out->n == 0)
		return refuse(c, "%s is blank; remove the label or give a command", key);
	return 0;
}

static int has(const struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return 1;
	return 0;
}

static int parse_excludes(struct ctx *c)
{
	const char *v = label(c->svc, K_EXCLUDE);
	struct strvec w = { 0 };
	char msg[256], sh[SHOWN_MAX];
	int rc = 0;

	if (!v || !*v)
		return 0;
	if (words_split(v, &w, msg, sizeof(msg)) < 0) {
		/* words' reasons read "what; fix", and its fix is for commands. */
		char *fix = strstr(msg, "; ");
		if (fix)
			*fix = '\0';
		rc = words_oom(msg) ? -ENOMEM
				    : refuse(c,
					     "%s='%s' cannot be split into patterns: %s; patterns are split like shell "
					     "words: quote one that holds a space or one of | ; & < > ( ) $ `",
					     K_EXCLUDE, shown(v, sh, sizeof(sh)), msg);
		goto out;
	}
	if (w.n > LABELS_EXCLUDES_MAX) {
		rc = refuse(c, "%s has %zu patterns; at most %d are allowed", K_EXCLUDE, w.n, LABELS_EXCLUDES_MAX);
		goto out;
	}
	for (size_t i = 0; i < w.n; i++) {
		if (!*w.v[i] || strlen(w.v[i]) > LABELS_EXCLUDE_MAX) {
			rc = refuse(c, "%s='%s' has %s; give patterns of 1 to %d bytes", K_EXCLUDE,
				    shown(v, sh, sizeof(sh)),
				    *w.v[i] ? "a pattern that is too long" : "an empty pattern", LABELS_EXCLUDE_MAX);
			goto out;
		}
		if (strvec_pushf(&c->excludes, "--exclude=%s", w.v[i]) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
out:
	strvec_free(&w);
	return rc;
}

/* Where each FORGET_KEEP_* value comes from: a label, else the agent. */
struct keep_src {
	const char *v[N_KEEP];
	int from_label[N_KEEP], agent_set[N_KEEP];
};

static const char *keep_get(const char *name, void *ud)
{
	const struct keep_src *k = ud;

	for (int i = 0; i < N_KEEP && retention_vars[i]; i++)
		if (!strcmp(retention_vars[i], name))
			return k->v[i];
	return NULL;
}

/* retention_parse's message with each FORGET_KEEP_<X> named after where its
 * value came from: the label when one set it, or when neither did (the fix
 * goes on the service then); else "the agent's FORGET_KEEP_<X>". */
static void name_keep_sources(const char *msg, const struct keep_src *k, char *out, size_t len)
{
	static const char prefix[] = "FORGET_KEEP_", all[] = "rds.backup.forget.keep-* labels and the agent's ";
	const size_t pn = sizeof(prefix) - 1;
	size_t o = 0;

	out[0] = '\0';
	for (const char *p = msg; *p;) {
		const char *hit = strstr(p, prefix), *q;
		size_t w = 0;
		int idx = -1;

		put(out, len, &o, p, hit ? (size_t)(hit - p) : strlen(p));
		if (!hit)
			break;
		q = hit + pn;
		while (q[w] >= 'A' && q[w] <= 'Z')
			w++;
		for (int i = 0; i < N_KEEP && retention_vars[i]; i++)
			if (strlen(retention_vars[i]) == pn + w && !strncmp(retention_vars[i], hit, pn + w))
				idx = i;
		if (idx >= 0 && (k->from_label[idx] || !k->agent_set[idx]))
			put_str(out, len, &o, keep_keys[idx]);
		else if (idx >= 0) {
			put_str(out, len, &o, "the agent's ");
			put(out, len, &o, hit, pn + w);
		} else if (*q == '*') {
			put_str(out, len, &o, all);
			put(out, len, &o, hit, pn + 1);
			w = 1;
		} else
			put(out, len, &o, hit, pn + w);
		p = q + w;
	}
}

static int parse_retention(struct ctx *c)
{
	const char *const *agent = c->d->keep_text;
	struct keep_src k;
	char msg[LABELS_ERROR_MAX];
	int rc;

	memset(&k, 0, sizeof(k));
	for (int i = 0; i < N_KEEP; i++) {
		const char *lv = label(c->svc, keep_keys[i]);
		k.agent_set[i] = agent && agent[i] && *agent[i];
		k.from_label[i] = lv != NULL;
		k.v[i] = lv ? lv : agent ? agent[i] : NULL;
	}
	rc = retention_parse(&c->ret, keep_get, &k, msg, sizeof(msg));
	if (rc == -EINVAL) {
		name_keep_sources(msg, &k, c->err, sizeof(c->err));
		return -EINVAL;
	}
	return rc < 0 ? -ENOMEM : 0;
}

/* An agent directory the data is under: absolute; c->root is its length
 * without trailing '/'s. */
static int agent_dir(struct ctx *c, const char *name, const char *v, const char *example)
{
	char sh[SHOWN_MAX];

	if (!v || v[0] != '/' || !text_ok(v, LABELS_VALUE_MAX))
		return refuse(c, "%s='%s' is not an absolute path; set it on the agent, e.g. %s", name,
			      shown(v, sh, sizeof(sh)), example);
	c->root = strlen(v);
	while (c->root > 0 && v[c->root - 1] == '/')
		c->root--;
	return 0;
}

static int parse_repos(struct ctx *c, const char *svcname, const char *v)
{
	struct strvec all = { 0 };
	char sh[SHOWN_MAX];
	int rc;

	if (label(c->svc, K_REPO) || label(c->svc, K_VOLUMES))
		return refuse(c,
			      "%s and %s are both set: %s makes one job per entry, each its own repository with "
			      "the data under BACKUP_PATH; remove one of them",
			      K_REPOS, label(c->svc, K_REPO) ? K_REPO : K_VOLUMES, K_REPOS);
	if (!*v)
		return refuse(c, "%s is empty; give paths under BACKUP_PATH separated by ',', or remove the label",
			      K_REPOS);
	if ((rc = agent_dir(c, "BACKUP_PATH", c->d->backup_path, "/backup")) < 0 ||
	    (rc = labeldata_split(K_REPOS, v, LABELS_REPOS_MAX, &all, c->err, sizeof(c->err))) < 0)
		goto out;
	for (size_t i = 0; i < all.n; i++) {
		const char *why = labeldata_repo_problem(all.v[i]);
		if (why) {
			rc = refuse(c, "%s entry '%s' is not a path: %s; " REPO_FORM, K_REPOS,
				    shown(all.v[i], sh, sizeof(sh)), why);
			goto out;
		}
		if (strlen(svcname) + 1 + strlen(all.v[i]) > JOBSPEC_NAME_MAX) {
			rc = refuse(c,
				    "%s entry '%s' makes the job name %s:%s longer than %d bytes; use a shorter entry",
				    K_REPOS, all.v[i], svcname, all.v[i], JOBSPEC_NAME_MAX);
			goto out;
		}
		if (!has(&c->repos, all.v[i]) && strvec_push(&c->repos, all.v[i]) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
out:
	strvec_free(&all);
	return rc;
}

/* Every check, in the order a user fixes them. */
static int parse(struct ctx *c, const char *svcname)
{
	const char *repos = label(c->svc, K_REPOS), *why;
	char sh[SHOWN_MAX];
	int rc;

	if ((rc = check_labels(c, svcname)) < 0 || (rc = parse_schedule(c)) < 0 ||
	    (rc = parse_hook(c, K_PRE, &c->pre)) < 0 || (rc = parse_hook(c, K_POST, &c->post)) < 0)
		return rc;
	if (repos) {
		if ((rc = parse_repos(c, svcname, repos)) < 0)
			return rc;
	} else {
		c->repo = label(c->svc, K_REPO);
		why = labeldata_repo_problem(c->repo ? c->repo : svcname);
		if (why && c->repo)
			return refuse(c, "%s='%s' is not a repository path: %s; " REPO_FORM, K_REPO,
				      shown(c->repo, sh, sizeof(sh)), why);
		if (why)
			return refuse(c, "the service name '%s' is not a repository path (%s); set %s: " REPO_FORM,
				      svcname, why, K_REPO);
		if (!c->repo)
			c->repo = svcname;
		if ((rc = agent_dir(c, "VOLUMES_ROOT", c->d->volumes_root, "/var/lib/docker/volumes")) < 0 ||
		    (rc = labeldata_volumes(c->svc, label(c->svc, K_VOLUMES), &c->volumes, c->warnings, c->err,
					    sizeof(c->err))) < 0)
			return rc;
	}
	if ((rc = parse_excludes(c)) < 0 || (rc = parse_retention(c)) < 0)
		return rc;
	return 0;
}

static int dup_to(char **dst, const char *s)
{
	return (*dst = strdup(s ? s : "")) ? 0 : -ENOMEM;
}

/* The fields every spec of the service has, refused or not. */
static int common(struct jobspec *s, const char *name, const char *host, const char *container)
{
	if (dup_to(&s->name, name) < 0 || dup_to(&s->host, host) < 0 || dup_to(&s->service, name) < 0 ||
	    dup_to(&s->container, container) < 0 || asprintf(&s->origin, "labels of %s", name) < 0) {
		s->origin = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The specs from a checked ctx: one on the volumes, or one per entry. */
static int build(struct ctx *c, struct jobspecs *out)
{
	const struct discovery_service *svc = c->svc;
	struct jobspec base = { 0 }, s = { 0 };
	int rc = -ENOMEM;

	if (common(&base, svc->name, c->d->host, svc->container) < 0 || dup_to(&base.run_at, c->run_at) < 0 ||
	    strvec_extend(&base.pre_argv, c->pre.v) < 0 || strvec_extend(&base.post_argv, c->post.v) < 0 ||
	    strvec_extend(&base.backup_args, c->excludes.v) < 0)
		goto out;
	base.cron = c->cron;
	base.scheduled = 1;
	base.retention = c->ret; /* moved: keep_tags is base's now */
	memset(&c->ret, 0, sizeof(c->ret));
	if (!c->repos.n) {
		if (dup_to(&base.repo_path, c->repo) < 0)
			goto out;
		for (size_t i = 0; i < c->volumes.n; i++)
			if (strvec_pushf(&base.paths, "%.*s/%s/_data", (int)c->root, c->d->volumes_root,
					 c->volumes.v[i]) < 0)
				goto out;
		if (jobspecs_take(out, &base) < 0)
			goto out;
	}
	for (size_t i = 0; i < c->repos.n; i++) {
		if (jobspec_copy(&s, &base) < 0)
			goto out;
		free(s.name);
		if (asprintf(&s.name, "%s:%s", svc->name, c->repos.v[i]) < 0) {
			s.name = NULL;
			goto out;
		}
		if (dup_to(&s.repo_path, c->repos.v[i]) < 0 ||
		    strvec_pushf(&s.paths, "%.*s/%s", (int)c->root, c->d->backup_path, c->repos.v[i]) < 0 ||
		    jobspecs_take(out, &s) < 0)
			goto out;
	}
	rc = 0;
out:
	jobspec_free(&s);
	jobspec_free(&base);
	return rc;
}

/* The one spec of a refused service. Its texts are shown(): a name that is
 * not valid (the reason it was refused) is made safe for the status. */
static int refused(struct ctx *c, struct jobspecs *out)
{
	char name[TEXT_MAX + 1], host[TEXT_MAX + 1], container[TEXT_MAX + 1];
	struct jobspec s = { 0 };
	int rc = -ENOMEM;

	shown(c->svc->name, name, sizeof(name));
	if (!*name)
		snprintf(name, sizeof(name), "(no name)");
	if (common(&s, name, shown(c->d->host, host, sizeof(host)),
		   shown(c->svc->container, container, sizeof(container))) < 0 ||
	    dup_to(&s.repo_path, "") < 0 || dup_to(&s.run_at, "") < 0 || dup_to(&s.error, c->err) < 0 ||
	    jobspecs_take(out, &s) < 0)
		goto out;
	rc = 0;
out:
	jobspec_free(&s);
	return rc;
}

int labels_jobs(const struct discovery_service *svc, const struct labels_defaults *d, struct jobspecs *out,
		struct strvec *warnings)
{
	struct ctx c = { .svc = svc, .d = d, .warnings = warnings };
	const char *on = label(svc, K_ENABLE);
	char sh[SHOWN_MAX], name[TEXT_MAX + 1];
	size_t n0 = out->n;
	int rc;

	shown(svc->name, name, sizeof(name));
	if (!on || strcmp(on, "true")) {
		if (on && strcmp(on, "false"))
			return warn(&c, "service %s: %s='%s' is not 'true': the service is not backed up", name,
				    K_ENABLE, shown(on, sh, sizeof(sh)));
		return 0;
	}
	if (!svc->name || !*svc->name || !text_ok(svc->name, TEXT_MAX))
		rc = refuse(&c, "the service name '%s' is not 1 to %d bytes of printable UTF-8", name, TEXT_MAX);
	else if (!text_ok(svc->container, TEXT_MAX))
		rc = refuse(&c, "the container id '%s' of the service is not printable UTF-8 of at most %d bytes",
			    shown(svc->container, sh, sizeof(sh)), TEXT_MAX);
	else if (svc->error)
		/* The helper could not pass its labels or volumes on whole:
		 * a job of part of them would back up the wrong thing. */
		rc = refuse(&c, "%s", shown(svc->error, sh, sizeof(sh)));
	else if (!d->host || !*d->host || !text_ok(d->host, TEXT_MAX))
		rc = refuse(&c, "the agent's snapshot host '%s' is not 1 to %d bytes of printable UTF-8",
			    shown(d->host, sh, sizeof(sh)), TEXT_MAX);
	else
		rc = parse(&c, svc->name);
	if (rc == 0)
		rc = build(&c, out);
	else if (rc == -EINVAL)
		rc = refused(&c, out);
	strvec_free(&c.pre);
	strvec_free(&c.post);
	strvec_free(&c.excludes);
	strvec_free(&c.volumes);
	strvec_free(&c.repos);
	retention_free(&c.ret);
	if (rc < 0)
		jobspecs_truncate(out, n0);
	return rc < 0 ? -ENOMEM : 0;
}

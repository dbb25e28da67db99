/* labeldata: see labeldata.h. */
#include "labeldata.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define K_VOLUMES "rds.backup.volumes"
#define K_REPOS "rds.backup.repos"
#define SHOWN_MAX 204 /* a value in a message */

static const char *shown(const char *v, char *buf, size_t len)
{
	utf8_copy(buf, len, v ? v : "", v ? strlen(v) : 0, UTF8_ESCAPE_CTL);
	return buf;
}

/* Appends s at buf[*o], kept NUL-terminated in len; a cut falls between
 * characters. */
static void put(char *buf, size_t len, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o + 1 >= len)
		return;
	if (n > len - 1 - *o)
		n = utf8_trim_cut(s, len - 1 - *o);
	memcpy(buf + *o, s, n);
	*o += n;
	buf[*o] = '\0';
}

/* One line into buf, cut between characters. */
static void vline(char *buf, size_t len, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
static void vline(char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, len, fmt, ap);

	if (n >= (int)len)
		buf[utf8_trim_cut(buf, len - 1)] = '\0';
}

static int refuse(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vline(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int warn(struct strvec *warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warn(struct strvec *warnings, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!warnings)
		return 0;
	va_start(ap, fmt);
	vline(line, sizeof(line), fmt, ap);
	va_end(ap);
	return strvec_push(warnings, line) < 0 ? -ENOMEM : 0;
}

static int safe_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
	       ch == '_' || ch == '-';
}

const char *labeldata_repo_problem(const char *p)
{
	size_t n = strlen(p);

	if (n == 0)
		return "it is empty";
	if (n > LABELS_REPO_MAX)
		return "it is longer than 200 bytes";
	if (p[0] == '/')
		return "it is absolute (db, not /home/restic/db: one repository, one spelling)";
	if (p[n - 1] == '/')
		return "it ends with '/'";
	for (const char *s = p;;) {
		size_t k = strcspn(s, "/");
		if (k == 0)
			return "it has an empty component ('//')";
		if ((k == 1 && s[0] == '.') || (k == 2 && s[0] == '.' && s[1] == '.'))
			return "it has a '.' or '..' component";
		for (size_t i = 0; i < k; i++)
			if (!safe_char(s[i]))
				return "it has a character other than A-Z a-z 0-9 . _ - and '/'";
		if (!s[k])
			return NULL;
		s += k + 1;
	}
}

int labeldata_volume_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	/* The first character is a letter or digit: never '.', so never "."
	 * or "..", and never an option. */
	if (n == 0 || n > LABELS_VOLUME_MAX || !safe_char(s[0]) || s[0] == '.' || s[0] == '_' || s[0] == '-')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!safe_char(s[i]))
			return 0;
	return 1;
}

int labeldata_split(const char *key, const char *v, size_t max, struct strvec *out, char *err, size_t errlen)
{
	char sh[SHOWN_MAX];
	size_t had = out->n;

	for (const char *p = v;;) {
		size_t n = strcspn(p, ",");
		const char *b = p, *e = p + n;
		while (b < e && *b == ' ')
			b++;
		while (e > b && e[-1] == ' ')
			e--;
		if (b == e)
			return refuse(err, errlen,
				      "%s='%s' has an empty entry (two ',' in a row, or one at an end); give entries "
				      "separated by ','",
				      key, shown(v, sh, sizeof(sh)));
		if (out->n - had >= max)
			return refuse(err, errlen, "%s='%s' has more than %zu entries; give at most %zu", key,
				      shown(v, sh, sizeof(sh)), max, max);
		if (strvec_pushf(out, "%.*s", (int)(e - b), b) < 0)
			return -ENOMEM;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static int local_driver(const struct discovery_volume *m)
{
	return m->driver && !strcmp(m->driver, "local");
}

static const struct discovery_volume *find_mount(const struct discovery_service *svc, const char *name)
{
	for (size_t i = 0; i < svc->nvolumes; i++)
		if (svc->volumes[i].name && !strcmp(svc->volumes[i].name, name))
			return &svc->volumes[i];
	return NULL;
}

/* The one mount named <prefix>_<name>: in a stack, Docker names the volume
 * "dump" of stack "app" app_dump, and a compose label cannot know the stack's
 * name, so it may say just dump. NULL when none or several match (*several
 * set). */
static const char *stack_named(const struct discovery_service *svc, const char *name, int *several)
{
	const char *found = NULL;
	size_t n = strlen(name);

	*several = 0;
	for (size_t i = 0; i < svc->nvolumes; i++) {
		const char *m = svc->volumes[i].name;
		size_t k = m ? strlen(m) : 0;
		if (k > n + 1 && m[k - n - 1] == '_' && !strcmp(m + k - n, name)) {
			if (found)
				*several = 1;
			found = m;
		}
	}
	return *several ? NULL : found;
}

/* "a, b (driver nfs)" for a message: what the container mounts. */
static const char *list_mounts(const struct discovery_service *svc, char *buf, size_t len)
{
	char sh[SHOWN_MAX];
	size_t o = 0;

	buf[0] = '\0';
	if (!svc->nvolumes)
		put(buf, len, &o, "no named volume");
	for (size_t i = 0; i < svc->nvolumes; i++) {
		const struct discovery_volume *m = &svc->volumes[i];
		if (i)
			put(buf, len, &o, ", ");
		put(buf, len, &o, shown(m->name, sh, sizeof(sh)));
		if (!local_driver(m)) {
			put(buf, len, &o, " (driver ");
			put(buf, len, &o, shown(m->driver, sh, sizeof(sh)));
			put(buf, len, &o, ")");
		}
	}
	return buf;
}

/* Each name of the list checked against svc's mounts; a name without its
 * stack's prefix is replaced by the one mount it means. */
static int check_named(const struct discovery_service *svc, struct strvec *names, char *err, size_t errlen)
{
	char sh[SHOWN_MAX], svcname[SHOWN_MAX], mounts[400];

	shown(svc->name, svcname, sizeof(svcname));
	for (size_t i = 0; i < names->n; i++) {
		const char *name = names->v[i], *full;
		const struct discovery_volume *m;

		if (!labeldata_volume_name_ok(name))
			return refuse(err, errlen,
				      "%s entry '%s' is not a Docker volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most "
				      "%d bytes): the label names volumes the container mounts, never a path",
				      K_VOLUMES, shown(name, sh, sizeof(sh)), LABELS_VOLUME_MAX);
		if (!(m = find_mount(svc, name))) {
			int several;
			char *copy;

			full = stack_named(svc, name, &several);
			if (!full)
				return refuse(err, errlen,
					      "%s names '%s', which the container of %s does not mount; it mounts %s%s",
					      K_VOLUMES, name, svcname, list_mounts(svc, mounts, sizeof(mounts)),
					      several ? " (several end in _ and that name: give the full one)" : "");
			if (!(copy = strdup(full)))
				return -ENOMEM;
			free(names->v[i]);
			names->v[i] = copy;
			name = copy;
			m = find_mount(svc, name);
		}
		if (!local_driver(m))
			return refuse(
				err, errlen,
				"%s names '%s', whose driver is '%s', not local: its data is not under "
				"VOLUMES_ROOT on this node; leave it out and back it up where its driver keeps it",
				K_VOLUMES, name, shown(m->driver, sh, sizeof(sh)));
	}
	return 0;
}

/* Every local mount of svc; the others warned of. */
static int local_mounts(const struct discovery_service *svc, struct strvec *names, struct strvec *warnings, char *err,
			size_t errlen)
{
	char sh[SHOWN_MAX], sh2[SHOWN_MAX], svcname[SHOWN_MAX];

	shown(svc->name, svcname, sizeof(svcname));
	for (size_t i = 0; i < svc->nvolumes; i++) {
		const struct discovery_volume *m = &svc->volumes[i];
		if (!local_driver(m)) {
			if (warn(warnings,
				 "service %s: volume '%s' (driver '%s') is not backed up: its data is not under "
				 "VOLUMES_ROOT; back it up where its driver keeps it",
				 svcname, shown(m->name, sh, sizeof(sh)), shown(m->driver, sh2, sizeof(sh2))) < 0)
				return -ENOMEM;
			continue;
		}
		if (!labeldata_volume_name_ok(m->name))
			return refuse(err, errlen,
				      "the container mounts a volume named '%s', which is not a Docker volume name; "
				      "name the volumes to back up in %s",
				      shown(m->name, sh, sizeof(sh)), K_VOLUMES);
		if (strvec_push(names, m->name) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int labeldata_volumes(const struct discovery_service *svc, const char *list, struct strvec *names,
		      struct strvec *warnings, char *err, size_t errlen)
{
	struct strvec found = { 0 };
	int rc;

	if (list && !*list)
		return refuse(err, errlen,
			      "%s is empty; name the volumes to back up, or remove the label to back up every "
			      "local volume the container mounts",
			      K_VOLUMES);
	if (list)
		rc = labeldata_split(K_VOLUMES, list, DISCOVERY_VOLUMES_MAX, &found, err, errlen);
	else
		rc = local_mounts(svc, &found, warnings, err, errlen);
	if (rc == 0 && list)
		rc = check_named(svc, &found, err, errlen);
	if (rc == 0 && !found.n)
		rc = refuse(err, errlen,
			    "the container mounts no named local volume; bind mounts and tmpfs are not backed up: "
			    "put the data on a named volume, or mount it into the agent under BACKUP_PATH and use %s",
			    K_REPOS);
	if (rc < 0)
		goto out;
	qsort(found.v, found.n, sizeof(found.v[0]), cmp_str);
	for (size_t i = 0; i < found.n; i++)
		if ((i == 0 || strcmp(found.v[i], found.v[i - 1])) && strvec_push(names, found.v[i]) < 0) {
			rc = -ENOMEM;
			goto out;
		}
out:
	strvec_free(&found);
	return rc;
}

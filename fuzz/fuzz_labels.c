/* fuzz_labels: label mode's reading of a service's rds.backup* labels
 * (labels_jobs, and through it labeldata.h, cron, words and retention).
 * The input is the labels, one "key=value" per line (a value may not hold
 * a newline here; discovery_parse's target covers those); a line
 * "@name=", "@container=", "@host=", "@run_at=", "@volumes_root=" or
 * "@backup_path=" replaces the service's name, its container, or one of the
 * agent's settings (fixed otherwise, as are the volumes). Checks the promise that
 * a label never makes the agent read anything but the container's own
 * local volumes or a directory inside BACKUP_PATH. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "labeldata.h"
#include "labels.h"

#define ROOT "/var/lib/docker/volumes"
#define BACKUP "/backup"
#define NLABELS 80

static struct discovery_volume vols[] = {
	{ (char *)"stack_db_data", (char *)"/var/lib/postgresql/data", (char *)"local", 1 },
	{ (char *)"stack_db_dump", (char *)"/dump", (char *)"local", 1 },
	{ (char *)"stack_db_nfs", (char *)"/nfs", (char *)"nfs", 0 },
	{ (char *)"bad name", (char *)"/bad", (char *)"local", 1 },
};

/* The length of dir without its trailing slashes. */
static size_t dir_len(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	return n;
}

/* 1 when path is dir/<rest> (dir without trailing slashes); *rest is set. */
static int under(const char *path, const char *dir, const char **rest)
{
	size_t n = dir_len(dir);

	if (strncmp(path, dir, n) != 0 || path[n] != '/')
		return 0;
	*rest = path + n + 1;
	return 1;
}

/* 1 when path is ROOT/<a local volume of svc>/_data. */
static int volume_path(const struct discovery_service *svc, const char *root, const char *path)
{
	const char *rest;

	if (!under(path, root, &rest))
		return 0;
	for (size_t i = 0; i < svc->nvolumes; i++) {
		const struct discovery_volume *v = &svc->volumes[i];
		size_t n = strlen(v->name);

		if (!strncmp(rest, v->name, n) && !strcmp(rest + n, "/_data"))
			return !strcmp(v->driver, "local") && labeldata_volume_name_ok(v->name);
	}
	return 0;
}

static void check(const struct discovery_service *svc, const struct labels_defaults *d, const struct jobspecs *out)
{
	for (size_t i = 0; i < out->n; i++) {
		const struct jobspec *s = &out->v[i];

		FUZZ_ASSERT(s->name && s->host && s->service && s->repo_path && s->run_at);
		if (s->error) {
			FUZZ_ASSERT(out->n == 1 && s->paths.n == 0 && !s->scheduled);
			continue;
		}
		FUZZ_ASSERT(labeldata_repo_problem(s->repo_path) == NULL && s->paths.n > 0);
		for (size_t k = 0; k < s->paths.n; k++) {
			const char *p = s->paths.v[k], *rest;

			FUZZ_ASSERT(volume_path(svc, d->volumes_root, p) ||
				    (under(p, d->backup_path, &rest) && labeldata_repo_problem(rest) == NULL));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keep[8] = { NULL, NULL, "7", "4" };
	struct labels_defaults d = {
		.run_at = "0 3 * * *", .keep_text = keep, .host = "node-1", .volumes_root = ROOT, .backup_path = BACKUP
	};
	struct discovery_label labels[NLABELS];
	struct discovery_service svc = { .name = (char *)"stack_db",
					 .id = (char *)"svc1",
					 .container = (char *)"c1",
					 .task = (char *)"t1",
					 .slot = 1,
					 .labels = labels,
					 .volumes = vols,
					 .nvolumes = sizeof(vols) / sizeof(vols[0]) };
	struct jobspecs out = { 0 };
	struct strvec warn = { 0 };
	char *s = fuzz_str(data, size), *p = s;

	while (p && *p && svc.nlabels < NLABELS) {
		char *nl = strchr(p, '\n'), *eq;

		if (nl)
			*nl++ = '\0';
		eq = strchr(p, '=');
		if (eq && *p == '@') {
			*eq = '\0';
			if (!strcmp(p, "@name"))
				svc.name = eq + 1;
			else if (!strcmp(p, "@container"))
				svc.container = eq + 1;
			else if (!strcmp(p, "@host"))
				d.host = eq + 1;
			else if (!strcmp(p, "@run_at"))
				d.run_at = eq + 1;
			else if (!strcmp(p, "@volumes_root"))
				d.volumes_root = eq + 1;
			else if (!strcmp(p, "@backup_path"))
				d.backup_path = eq + 1;
		} else if (eq) {
			*eq = '\0';
			labels[svc.nlabels].key = p;
			labels[svc.nlabels++].value = eq + 1;
		}
		p = nl;
	}
	if (labels_jobs(&svc, &d, &out, &warn) == 0)
		check(&svc, &d, &out);
	jobspecs_free(&out);
	strvec_free(&warn);
	free(s);
	return 0;
}

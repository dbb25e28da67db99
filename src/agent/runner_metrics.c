/* runner_metrics: the scrape of METRICS_ADDR, rendered from the runner's
 * jobs as they are at that moment (metrics.h). */
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "runner_int.h"

int runner_metrics_render(void *ud, char **body, size_t *len)
{
	struct runner *r = ud;
	const struct config *c = r->cfg;
	struct metrics_job *jobs = calloc(r->n ? r->n : 1, sizeof(*jobs));
	struct metrics_input in;
	struct metrics_endpoint eps[NOTIFIER_ENDPOINTS + 1];
	int rc;

	if (!jobs)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct rjob *rj = r->jobs[i];
		jobs[i].st = &rj->job.st;
		jobs[i].service = rj->spec.service ? rj->spec.service : "";
		jobs[i].ops = (retention_is_set(&rj->spec.retention) ? METRICS_FORGET : 0) |
			      (c->prune_scheduled ? METRICS_PRUNE : 0) | (c->check_scheduled ? METRICS_CHECK : 0);
	}
	memset(&in, 0, sizeof(in));
	in.jobs = jobs;
	in.njobs = r->n;
	in.node = r->node;
	in.version = r->o->version;
	in.restic_version = r->restic_version;
	in.agent_started = r->o->agent_started;
	in.http_refused = (long)r->http.refused;
	notifier_metrics(&r->notify, &in, eps, sizeof(eps) / sizeof(eps[0]));
	rc = metrics_render(&in, body, len);
	free(jobs);
	return rc;
}

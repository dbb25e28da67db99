/* fuzz_discovery: the agent's reading of rds-discover's table line
 * (discovery_parse), and label mode's jobs (labels_jobs) for each service
 * of a table it accepts. */
#include <stdlib.h>
#include <string.h>

#include "discovery.h"
#include "fuzz.h"
#include "labels.h"
#include "utf8.h"

static void check_str(const char *s, size_t max)
{
	size_t n;

	FUZZ_ASSERT(s);
	n = strlen(s);
	FUZZ_ASSERT(n <= max && utf8_valid(s, n) && !utf8_has_ctl(s, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct labels_defaults d = { .run_at = "@daily",
				     .keep_text = NULL,
				     .host = "node-1",
				     .volumes_root = "/var/lib/docker/volumes",
				     .backup_path = "/backup" };
	struct discovery_table t;
	char err[512];

	if (discovery_parse((const char *)data, size, &t, err, sizeof(err)) < 0) {
		FUZZ_ASSERT(t.nservices == 0 && !t.services && !t.error);
		return 0;
	}
	if (t.error)
		check_str(t.error, DISCOVERY_VALUE_MAX);
	for (size_t i = 0; i < t.nservices; i++) {
		const struct discovery_service *svc = &t.services[i];
		struct jobspecs out = { 0 };

		check_str(svc->name, DISCOVERY_NAME_MAX);
		for (size_t k = 0; k < svc->nlabels; k++)
			check_str(svc->labels[k].value, DISCOVERY_VALUE_MAX);
		FUZZ_ASSERT(discovery_label(svc, "rds.backup") && !strcmp(discovery_label(svc, "rds.backup"), "true"));
		(void)labels_jobs(svc, &d, &out, NULL);
		jobspecs_free(&out);
	}
	discovery_free(&t);
	return 0;
}

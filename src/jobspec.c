/* jobspec: see jobspec.h. (placeholder until the full module lands) */
#include <stdlib.h>
#include <string.h>

#include "jobspec.h"

void jobspec_free(struct jobspec *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->host);
	free(s->service);
	free(s->repo_path);
	free(s->run_at);
	free(s->container);
	free(s->origin);
	free(s->error);
	strvec_free(&s->paths);
	strvec_free(&s->pre_argv);
	strvec_free(&s->post_argv);
	strvec_free(&s->backup_args);
	retention_free(&s->retention);
	memset(s, 0, sizeof(*s));
}

/* jobspec_env: seed mode's one job, from the environment's settings (see
 * jobspec.h). */
#include <errno.h>
#include <string.h>

#include "jobspec.h"

static int dup_to(char **dst, const char *s)
{
	*dst = strdup(s ? s : "");
	return *dst ? 0 : -ENOMEM;
}

int jobspec_from_config(struct jobspec *s, const struct config *c)
{
	memset(s, 0, sizeof(*s));
	if (dup_to(&s->name, c->backup_host) < 0 || dup_to(&s->host, c->backup_host) < 0 ||
	    dup_to(&s->service, c->service_name) < 0 || dup_to(&s->repo_path, c->repo_path) < 0 ||
	    dup_to(&s->run_at, c->scheduled ? c->run_at : "") < 0 || dup_to(&s->container, "") < 0 ||
	    dup_to(&s->origin, "env") < 0 || strvec_push(&s->paths, c->backup_path) < 0 ||
	    strvec_extend(&s->pre_argv, c->pre_argv.v) < 0 || strvec_extend(&s->post_argv, c->post_argv.v) < 0)
		goto nomem;
	s->cron = c->cron;
	s->scheduled = c->scheduled;
	if (strvec_extend(&s->retention.keep_tags, c->retention.keep_tags.v) < 0)
		goto nomem;
	{
		struct strvec tags = s->retention.keep_tags;
		s->retention = c->retention;
		s->retention.keep_tags = tags;
	}
	return 0;
nomem:
	jobspec_free(s);
	return -ENOMEM;
}

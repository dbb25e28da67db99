/* resticver: see resticver.h. */
#include "resticver.h"

#include <stdio.h>
#include <string.h>

#include "child.h"

struct seen {
	char *out;
	size_t len;
	int done;
};

static void version_line(void *ud, int stream, const char *line)
{
	struct seen *s = ud;
	char v[64];

	if (stream == 1 && !s->done && sscanf(line, "restic %63[0-9A-Za-z.+-]", v) == 1) {
		snprintf(s->out, s->len, "%s", v);
		s->done = 1;
	}
}

int restic_version(const char *bin, char *const *envp, char *out, size_t len)
{
	char *argv[] = { (char *)bin, "version", NULL };
	struct child_spec spec = { 0 };
	struct child_result res;
	struct seen s = { out, len, 0 };
	char err[256];

	if (len)
		out[0] = '\0';
	spec.argv = argv;
	spec.envp = envp;
	spec.on_line = version_line;
	spec.ud = &s;
	spec.timeout_ms = 5000;
	if (child_run(&spec, &res, err, sizeof(err)) < 0 || res.code != 0 || !s.done) {
		if (len)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int restic_version_parse(const char *text, int *major, int *minor)
{
	return sscanf(text, "%d.%d", major, minor) == 2 ? 0 : -1;
}

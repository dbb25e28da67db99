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

/* 1 to 6 decimal digits at *p into *out, *p moved past them. Returns 0 or
 * -1. Not sscanf's %d: a number too large for an int is undefined
 * behaviour there. */
static int version_number(const char **p, int *out)
{
	int v = 0, n = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > 6)
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	if (!n)
		return -1;
	*out = v;
	return 0;
}

int restic_version_parse(const char *text, int *major, int *minor)
{
	const char *p = text;
	int a, b;

	if (version_number(&p, &a) < 0 || *p++ != '.' || version_number(&p, &b) < 0)
		return -1;
	*major = a;
	*minor = b;
	return 0;
}

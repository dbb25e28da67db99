/* cfgtab: see cfgtab.h. */
#include "cfgtab.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FIELD(obj, e, type) ((type *)((char *)(obj) + (e)->off))

int cfgtab_parse_duration(const char *s, long *out)
{
	char *end;
	long mult = 1, v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	if (*end) {
		if (end[1])
			return -1;
		switch (*end) {
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		default:
			return -1;
		}
	}
	if (v > LONG_MAX / 3600 / 24)
		return -1;
	*out = v * mult;
	return 0;
}

/* Stores one value; src says where it came from, for the error message. */
static int set_value(void *obj, const struct cfgtab_entry *e, const char *val, const char *src, char *err,
		     size_t errlen)
{
	char *end, *dup;
	long v;

	if (strlen(val) > CFGTAB_VALUE_MAX) {
		snprintf(err, errlen, "%s: value is %zu bytes long; at most %d are allowed", src, strlen(val),
			 CFGTAB_VALUE_MAX);
		return -1;
	}
	switch (e->kind) {
	case CFG_STR:
		dup = strdup(val);
		if (!dup)
			goto oom;
		free(*FIELD(obj, e, char *));
		*FIELD(obj, e, char *) = dup;
		return 0;
	case CFG_PORT:
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end || v < 1 || v > 65535) {
			snprintf(err, errlen, "%s='%.100s' is not a TCP port; use a number from 1 to 65535", src, val);
			return -1;
		}
		*FIELD(obj, e, int) = (int)v;
		return 0;
	case CFG_DURATION:
		if (cfgtab_parse_duration(val, &v) < 0) {
			snprintf(err, errlen,
				 "%s='%.100s' is not a duration; use seconds or a number with s, m, h or d (e.g. 90s, "
				 "5m, 1h, 2d)",
				 src, val);
			return -1;
		}
		*FIELD(obj, e, long) = v;
		return 0;
	case CFG_FLAG:
		*FIELD(obj, e, int) = 1;
		return 0;
	case CFG_LIST:
		if (strvec_push(FIELD(obj, e, struct strvec), val) < 0)
			goto oom;
		return 0;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void cfgtab_defaults(const struct cfgtab *t, void *obj)
{
	char err[128];

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].kind != CFG_FLAG && t->v[i].kind != CFG_LIST)
			set_value(obj, &t->v[i], t->v[i].def, "default", err, sizeof(err));
}

void cfgtab_free(const struct cfgtab *t, void *obj)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cfgtab_entry *e = &t->v[i];

		if (e->kind == CFG_STR) {
			free(*FIELD(obj, e, char *));
			*FIELD(obj, e, char *) = NULL;
		} else if (e->kind == CFG_LIST) {
			strvec_free(FIELD(obj, e, struct strvec));
		}
	}
}

int cfgtab_load_env(const struct cfgtab *t, void *obj, const char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
	for (size_t i = 0; i < t->n; i++) {
		const char *v;

		if (!t->v[i].env)
			continue;
		v = getenv_fn ? getenv_fn(t->v[i].env) : getenv(t->v[i].env);
		if (v && set_value(obj, &t->v[i], v, t->v[i].env, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* A long flag (name of len bytes) or, when sflag is not 0, a short one. */
static const struct cfgtab_entry *find_flag(const struct cfgtab *t, const char *name, size_t len, char sflag)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cfgtab_entry *e = &t->v[i];

		if (sflag ? e->sflag == sflag : e->lflag && strlen(e->lflag) == len && !strncmp(e->lflag, name, len))
			return e;
	}
	return NULL;
}

int cfgtab_parse_args(const struct cfgtab *t, void *obj, int argc, char **argv, int *argi, char *err, size_t errlen)
{
	int i = *argi;

	for (; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct cfgtab_entry *e = NULL;
		char src[128];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*argi = i + 1;
			return 1;
		}
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			*argi = i + 1;
			return 2;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');

			e = find_flag(t, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2), 0);
			if (eq)
				val = eq + 1;
		} else if (!a[2]) {
			e = find_flag(t, NULL, 0, a[1]);
		}
		if (!e) {
			snprintf(err, errlen, "unknown option '%.100s'; see --help for the list", a);
			return -1;
		}
		snprintf(src, sizeof(src), "--%s", e->lflag);
		if (e->kind == CFG_FLAG && val) {
			snprintf(err, errlen, "%s takes no value", src);
			return -1;
		}
		if (e->kind != CFG_FLAG && !val) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value (%s)", src, e->help);
				return -1;
			}
			val = argv[++i];
		}
		if (set_value(obj, e, val ? val : "", src, err, errlen) < 0)
			return -1;
	}
	*argi = i;
	return 0;
}

static void flag_text(const struct cfgtab_entry *e, char *buf, size_t len)
{
	if (e->lflag && e->sflag)
		snprintf(buf, len, "-%c, --%s", e->sflag, e->lflag);
	else if (e->lflag)
		snprintf(buf, len, "    --%s", e->lflag);
	else
		buf[0] = '\0';
}

void cfgtab_usage(const struct cfgtab *t, FILE *f)
{
	int wflag = 0, wenv = 0;
	char flag[64];

	for (size_t i = 0; i < t->n; i++) {
		int n;

		flag_text(&t->v[i], flag, sizeof(flag));
		n = (int)strlen(flag);
		wflag = n > wflag ? n : wflag;
		n = t->v[i].env ? (int)strlen(t->v[i].env) : 0;
		wenv = n > wenv ? n : wenv;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct cfgtab_entry *e = &t->v[i];

		flag_text(e, flag, sizeof(flag));
		fprintf(f, "  %-*s  %-*s  %s", wflag, flag, wenv, e->env ? e->env : "", e->help);
		if (e->def && *e->def)
			fprintf(f, " [default: %s]", e->def);
		fputc('\n', f);
	}
}

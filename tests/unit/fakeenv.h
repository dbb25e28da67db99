/* A fake environment for the configuration tests: setv() records a
 * variable, fake_getenv() is what the loaders are given instead of getenv,
 * env_reset() empties it. Header-only, like t.h. */
#ifndef RDS_FAKEENV_H
#define RDS_FAKEENV_H
#include <string.h>

#define FAKEENV_MAX 64

static const char *env_keys[FAKEENV_MAX], *env_vals[FAKEENV_MAX];
static int env_n;

static const char *fake_getenv(const char *k)
{
	for (int i = 0; i < env_n; i++)
		if (!strcmp(env_keys[i], k))
			return env_vals[i];
	return NULL;
}

static void setv(const char *k, const char *v)
{
	for (int i = 0; i < env_n; i++)
		if (!strcmp(env_keys[i], k)) {
			env_vals[i] = v;
			return;
		}
	if (env_n < FAKEENV_MAX) {
		env_keys[env_n] = k;
		env_vals[env_n++] = v;
	}
}

static void env_reset(void)
{
	env_n = 0;
}

#endif

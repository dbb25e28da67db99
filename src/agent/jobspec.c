/* jobspec: see jobspec.h. Copy, compare and free one spec, and the array of
 * them. jobspec_from_config lives apart (it is the one piece that knows
 * struct config). */
#include "jobspec.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The string and vector fields, for copy, compare and free alike: a field
 * added to the struct needs one entry here. */
static const size_t str_off[] = { offsetof(struct jobspec, name),    offsetof(struct jobspec, host),
				  offsetof(struct jobspec, service), offsetof(struct jobspec, repo_path),
				  offsetof(struct jobspec, run_at),  offsetof(struct jobspec, container),
				  offsetof(struct jobspec, origin),  offsetof(struct jobspec, error) };
static const size_t vec_off[] = { offsetof(struct jobspec, paths), offsetof(struct jobspec, pre_argv),
				  offsetof(struct jobspec, post_argv), offsetof(struct jobspec, backup_args),
				  offsetof(struct jobspec, retention.keep_tags) };
#define N_STR (sizeof(str_off) / sizeof(str_off[0]))
#define N_VEC (sizeof(vec_off) / sizeof(vec_off[0]))

static char **str_at(struct jobspec *s, size_t i)
{
	return (char **)((char *)s + str_off[i]);
}

static const char *str_of(const struct jobspec *s, size_t i)
{
	return *(char *const *)((const char *)s + str_off[i]);
}

static struct strvec *vec_at(struct jobspec *s, size_t i)
{
	return (struct strvec *)((char *)s + vec_off[i]);
}

static const struct strvec *vec_of(const struct jobspec *s, size_t i)
{
	return (const struct strvec *)((const char *)s + vec_off[i]);
}

/* Every element of src pushed onto dst (zeroed). NULL-element-free by the
 * strvec contract. */
static int vec_copy(struct strvec *dst, const struct strvec *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n; i++)
		if (strvec_push(dst, src->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int str_equal(const char *a, const char *b)
{
	return (a && b) ? strcmp(a, b) == 0 : a == b;
}

static int vec_equal(const struct strvec *a, const struct strvec *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

static int cron_equal(const struct cron_expr *a, const struct cron_expr *b)
{
	return a->seconds == b->seconds && a->minutes == b->minutes && a->hours == b->hours && a->dom == b->dom &&
	       a->months == b->months && a->dow == b->dow && a->has_seconds == b->has_seconds &&
	       a->dom_restricted == b->dom_restricted && a->dow_restricted == b->dow_restricted;
}

static int retention_rules_equal(const struct retention *a, const struct retention *b)
{
	return a->last == b->last && a->hourly == b->hourly && a->daily == b->daily && a->weekly == b->weekly &&
	       a->monthly == b->monthly && a->yearly == b->yearly && a->within_years == b->within_years &&
	       a->within_months == b->within_months && a->within_days == b->within_days &&
	       a->within_hours == b->within_hours;
}

int jobspec_copy(struct jobspec *dst, const struct jobspec *src)
{
	/* Scalars (cron, scheduled, the retention counts) by value; every
	 * pointer is then replaced by its own copy. */
	*dst = *src;
	for (size_t i = 0; i < N_STR; i++)
		*str_at(dst, i) = NULL;
	for (size_t i = 0; i < N_VEC; i++)
		memset(vec_at(dst, i), 0, sizeof(struct strvec));
	for (size_t i = 0; i < N_STR; i++)
		if (str_of(src, i) && !(*str_at(dst, i) = strdup(str_of(src, i))))
			goto fail;
	for (size_t i = 0; i < N_VEC; i++)
		if (vec_copy(vec_at(dst, i), vec_of(src, i)) < 0)
			goto fail;
	return 0;
fail:
	jobspec_free(dst);
	return -ENOMEM;
}

static int equal_but(const struct jobspec *a, const struct jobspec *b, size_t skip_off)
{
	for (size_t i = 0; i < N_STR; i++)
		if (str_off[i] != skip_off && !str_equal(str_of(a, i), str_of(b, i)))
			return 0;
	for (size_t i = 0; i < N_VEC; i++)
		if (!vec_equal(vec_of(a, i), vec_of(b, i)))
			return 0;
	if (a->scheduled != b->scheduled || (a->scheduled && !cron_equal(&a->cron, &b->cron)))
		return 0;
	return retention_rules_equal(&a->retention, &b->retention);
}

int jobspec_equal(const struct jobspec *a, const struct jobspec *b)
{
	return equal_but(a, b, (size_t)-1);
}

int jobspec_same_job(const struct jobspec *a, const struct jobspec *b)
{
	return equal_but(a, b, offsetof(struct jobspec, container));
}

void jobspec_free(struct jobspec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < N_STR; i++)
		free(*str_at(s, i));
	for (size_t i = 0; i < N_VEC; i++)
		strvec_free(vec_at(s, i));
	memset(s, 0, sizeof(*s));
}

int jobspecs_take(struct jobspecs *a, struct jobspec *s)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct jobspec *v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

void jobspecs_truncate(struct jobspecs *a, size_t from)
{
	while (a->n > from)
		jobspec_free(&a->v[--a->n]);
}

void jobspecs_free(struct jobspecs *a)
{
	if (!a)
		return;
	jobspecs_truncate(a, 0);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

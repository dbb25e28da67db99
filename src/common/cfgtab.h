/* cfgtab: settings described as one table (environment variable, CLI flag,
 * kind, default, help) and the code that fills a struct from it: defaults,
 * the environment, command-line flags, and the --help listing. The agent's
 * and the server's configurations are two tables over this one parser.
 * Errors name where the bad value came from (the variable or the flag),
 * show the value and say what would be valid. */
#ifndef RDS_CFGTAB_H
#define RDS_CFGTAB_H
#include <stddef.h>
#include <stdio.h>

enum cfgtab_kind {
	CFG_STR,      /* char *, owned by the struct */
	CFG_PORT,     /* int, 1..65535 */
	CFG_DURATION, /* long seconds: "90", "90s", "5m", "2h", "3d" */
	CFG_FLAG,     /* int, set to 1 by a flag without a value */
	CFG_LIST,     /* struct strvec, one element per repeated flag */
};

struct cfgtab_entry {
	const char *env;   /* NULL: flag only */
	const char *lflag; /* long flag without "--"; NULL: variable only */
	char sflag;        /* short flag, 0 for none */
	enum cfgtab_kind kind;
	size_t off;      /* offsetof the field in the struct */
	const char *def; /* default value as text ("" for none) */
	const char *help;
};

struct cfgtab {
	const struct cfgtab_entry *v;
	size_t n;
};

#define CFGTAB_VALUE_MAX 4096 /* longer values are refused */

/* Zeroes nothing: sets every entry with a default (not flags and lists). */
void cfgtab_defaults(const struct cfgtab *t, void *obj);

/* Frees the strings and lists of the table's fields and NULLs them. */
void cfgtab_free(const struct cfgtab *t, void *obj);

/* Reads each entry's variable through getenv_fn (NULL = getenv). Returns 0,
 * or -1 with err set. */
int cfgtab_load_env(const struct cfgtab *t, void *obj, const char *(*getenv_fn)(const char *), char *err,
		    size_t errlen);

/* Parses flags from argv[*argi]; stops at the first non-flag word or after
 * "--" and leaves *argi there. Returns 0, 1 for -h/--help, 2 for
 * -V/--version (with *argi past it), -1 with err set. */
int cfgtab_parse_args(const struct cfgtab *t, void *obj, int argc, char **argv, int *argi, char *err, size_t errlen);

/* The flag / variable / help [default] listing, columns fitted to the table. */
void cfgtab_usage(const struct cfgtab *t, FILE *f);

/* Parses "90", "90s", "5m", "2h", "3d" into seconds; callers bound the value
 * (a duration in milliseconds must fit a long). Returns 0 or -1. */
int cfgtab_parse_duration(const char *s, long *out);

#endif

/* procenv: keep settings that may hold a secret (PRE_HOOK, POST_HOOK) out of
 * /proc/PID/environ. That file shows the environment block the kernel built
 * at exec, whatever setenv or unsetenv did since, to whoever may read the
 * process's memory (root on the host, the same uid). */
#ifndef RDS_PROCENV_H
#define RDS_PROCENV_H
#include <stddef.h>

/* Overwrites with NUL bytes, in place, the value of every NAME=VALUE string
 * of the process's initial environment block whose NAME is in names
 * (NULL-terminated); a name given twice in the block is blanked twice.
 * /proc/self/environ then shows "NAME=" and NULs where VALUE was, and
 * getenv(NAME) returns "". Call it once the configuration has been read: it
 * must hold its own copies. Strings that setenv or putenv added live outside
 * the block and are left alone.
 * Returns the number of strings blanked: 0 also when environ does not point
 * into the block (valgrind runs a program on a copy of it, and the block is
 * then not ours to write). Returns -1 with err set when /proc/self/stat
 * cannot be read or has no env_start/env_end (Linux before 3.5). */
int procenv_blank(const char *const *names, char *err, size_t errlen);

#endif

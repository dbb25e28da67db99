/* resticver: which restic this is, from `restic version` ("restic 0.18.0
 * compiled with go1.24.4 on linux/amd64"). It reads nothing remote. */
#ifndef RDS_RESTICVER_H
#define RDS_RESTICVER_H
#include <stddef.h>

/* Runs `bin version` (environment envp; NULL = inherited) for at most 5 s
 * and puts its version ("0.18.0") into out. Returns 0, or -1 with out ""
 * when it did not run or said no version. */
int restic_version(const char *bin, char *const *envp, char *out, size_t len);

/* major and minor of a version text such as "0.18.0": it starts with
 * MAJOR.MINOR, each 1 to 6 decimal digits. Returns 0 or -1. */
int restic_version_parse(const char *text, int *major, int *minor);

#endif

/* labeldata: what a service's labels may name as its data and its
 * repository (labels.h has the labels). These are the checks behind label
 * mode's promise that a label never makes the agent read anything but the
 * container's own local named volumes (VOLUMES_ROOT/<volume>/_data) or a
 * directory inside BACKUP_PATH, and that one repository has one spelling.
 * Pure: no I/O. Messages are one line of valid UTF-8, values shown with
 * control characters as \xNN. */
#ifndef RDS_LABELDATA_H
#define RDS_LABELDATA_H
#include <stddef.h>

#include "discovery.h"
#include "labels.h"
#include "util.h"

/* Why p is not a repository path of the form LABELS_REPO_MAX describes,
 * worded to follow "... is not a repository path: " ("it is absolute
 * ..."); NULL when it is one. Such a path is also a relative directory
 * that stays inside whatever it is joined to. */
const char *labeldata_repo_problem(const char *p);

/* 1 when s is a Docker volume name, [a-zA-Z0-9][a-zA-Z0-9_.-]* of at most
 * LABELS_VOLUME_MAX bytes, and so one directory name that is never "." or
 * ".."; else 0 (NULL included). */
int labeldata_volume_name_ok(const char *s);

/* Appends the ','-separated entries of the value v of label key to out,
 * spaces around each dropped. Refused: an empty entry (v "" included) and
 * more than max entries. Returns 0, -EINVAL with err set, or -ENOMEM. */
int labeldata_split(const char *key, const char *v, size_t max, struct strvec *out, char *err, size_t errlen);

/* The volumes of svc to back up, appended to names sorted by strcmp, each
 * once: those named in list (the value of rds.backup.volumes, split by
 * labeldata_split), or, list NULL, every mount whose driver is "local"
 * (each other one is left out, a line naming svc->name, the volume and its
 * driver appended to warnings when that is not NULL). Refused: list "", a
 * named entry that is not a Docker volume name, not mounted by svc or
 * mounted with another driver than "local"; by default a local mount whose
 * name is not a Docker volume name; and no volume left. Only names that
 * passed labeldata_volume_name_ok and that svc mounts with driver "local"
 * are ever appended. Returns 0, -EINVAL with err set, or -ENOMEM (names may
 * then hold some). */
int labeldata_volumes(const struct discovery_service *svc, const char *list, struct strvec *names,
		      struct strvec *warnings, char *err, size_t errlen);

#endif

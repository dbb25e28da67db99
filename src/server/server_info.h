/* server_info: the read-only commands of rds-server. `health` is the image's
 * HEALTHCHECK; `info` is the summary printed when someone logs into the
 * server container. */
#ifndef RDS_SERVER_INFO_H
#define RDS_SERVER_INFO_H
#include <stddef.h>
#include <stdio.h>

#include "server_config.h"

#define HEALTH_TIMEOUT_MS 3000
#define INFO_DEPTH 3             /* repositories are looked for this deep */
#define INFO_ENTRIES_MAX 5000000 /* files counted in all, then sizes are "at least" */
#define INFO_REPOS_MAX 1000

/* 0 when sshd answers on 127.0.0.1:port with an "SSH-2.0-" banner within
 * HEALTH_TIMEOUT_MS and at least one authorized key is installed; otherwise
 * 1. why gets a one-line verdict either way. */
int server_health(const struct server_config *c, char *why, size_t whylen);

/* Writes the port, every repository under REPO_ROOT (a directory with a
 * restic "config" file and "keys" directory) with its size, and their count.
 * Returns 0, or -1 when REPO_ROOT cannot be read (a line says so). */
int server_info(const struct server_config *c, FILE *out);

/* "12.3 MiB" */
void server_human_size(unsigned long long bytes, char *buf, size_t len);

#endif

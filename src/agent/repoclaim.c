/* repoclaim: see repoclaim.h. */
#include "repoclaim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Builds into tmp; out gets it only whole. */
static int give(struct strvec *out, struct strvec *tmp, int rc)
{
	if (rc == 0 && strvec_extend(out, tmp->v) < 0)
		rc = -ENOMEM;
	strvec_free(tmp);
	return rc;
}

int repoclaim_argv(struct strvec *out, const struct restic_remote *r)
{
	struct strvec t = { 0 };
	char user[RESTIC_MAX_USER + 1], host[RESTIC_MAX_HOST + 1];
	const char *kh = r->known_hosts_file;
	int rc = restic_remote_target(r, user, sizeof(user), host, sizeof(host));

	if (rc < 0)
		return rc;
	rc = -ENOMEM;
	/* ssh reads an -o value like a config line: a path with a blank,
	 * quote or '#' goes in double quotes (restic_remote_check refuses
	 * one with a '"'). */
	if (strvec_push(&t, "sftp") < 0 || strvec_push(&t, "-b") < 0 || strvec_push(&t, "-") < 0 ||
	    strvec_push(&t, "-P") < 0 || strvec_pushf(&t, "%d", r->ssh_port) < 0 || strvec_push(&t, "-i") < 0 ||
	    strvec_push(&t, r->key_file) < 0 || strvec_push(&t, "-o") < 0 ||
	    (strpbrk(kh, " \t'#") ? strvec_pushf(&t, "UserKnownHostsFile=\"%s\"", kh)
				  : strvec_pushf(&t, "UserKnownHostsFile=%s", kh)) < 0 ||
	    strvec_push(&t, "-o") < 0 || strvec_push(&t, "StrictHostKeyChecking=yes") < 0 ||
	    strvec_push(&t, "-o") < 0 || strvec_push(&t, "BatchMode=yes") < 0 || strvec_push(&t, "-o") < 0 ||
	    strvec_push(&t, "IdentitiesOnly=yes") < 0)
		return give(out, &t, rc);
	for (size_t i = 0; r->ssh_options && r->ssh_options[i]; i++)
		if (strvec_push(&t, "-o") < 0 || strvec_push(&t, r->ssh_options[i]) < 0)
			return give(out, &t, rc);
	if ((strchr(host, ':') ? strvec_pushf(&t, "%s@[%s]", user, host) : strvec_pushf(&t, "%s@%s", user, host)) < 0)
		return give(out, &t, rc);
	return give(out, &t, 0);
}

/* Appends `CMD "PATH"` and a newline, PATH being p[0..n). */
static int line(char *buf, size_t *len, const char *cmd, const char *p, size_t n)
{
	size_t need = strlen(cmd) + 2 + n + 2;

	if (*len + need + 1 > REPOCLAIM_BATCH_MAX)
		return -E2BIG;
	*len += (size_t)sprintf(buf + *len, "%s \"%.*s\"\n", cmd, (int)n, p);
	return 0;
}

int repoclaim_batch(const char *repo_path, char **out, size_t *len)
{
	size_t n, i, o = 0;
	char *buf;
	int rc = 0;

	*out = NULL;
	*len = 0;
	if (!repo_path)
		return -EINVAL;
	n = strlen(repo_path);
	while (n > 1 && repo_path[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && repo_path[0] == '/'))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)repo_path[i];
		/* Inside sftp's double quotes '"' and '\' would be escapes. */
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			return -EINVAL;
	}
	if (n + 12 > REPOCLAIM_BATCH_MAX)
		return -E2BIG;
	if (!(buf = malloc(REPOCLAIM_BATCH_MAX)))
		return -ENOMEM;
	/* Every parent: the prefix before each '/' that ends a component. */
	for (i = 1; i < n && rc == 0; i++)
		if (repo_path[i] == '/' && repo_path[i - 1] != '/')
			rc = line(buf, &o, "-mkdir", repo_path, i);
	if (rc == 0)
		rc = line(buf, &o, "mkdir", repo_path, n);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = o;
	return 0;
}

int repoclaim_argv_probe(struct strvec *out, const struct restic_remote *r)
{
	struct strvec t = { 0 };
	int rc = restic_argv_base(&t, r);

	if (rc == 0 && (strvec_push(&t, "cat") < 0 || strvec_push(&t, "config") < 0))
		rc = -ENOMEM;
	return give(out, &t, rc);
}

/* ---- the locks of a dead agent ---- */

int repoclaim_is_lock_id(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n == 64;
}

int repoclaim_argv_list_locks(struct strvec *out, const struct restic_remote *r)
{
	struct strvec t = { 0 };
	int rc = restic_argv_base(&t, r);

	if (rc == 0 && (strvec_push(&t, "list") < 0 || strvec_push(&t, "locks") < 0 || strvec_push(&t, "--no-lock") < 0))
		rc = -ENOMEM;
	return give(out, &t, rc);
}

int repoclaim_argv_cat_lock(struct strvec *out, const struct restic_remote *r, const char *id)
{
	struct strvec t = { 0 };
	int rc;

	if (!repoclaim_is_lock_id(id))
		return -EINVAL;
	rc = restic_argv_base(&t, r);
	if (rc == 0 && (strvec_push(&t, "cat") < 0 || strvec_push(&t, "lock") < 0 || strvec_push(&t, id) < 0 ||
			strvec_push(&t, "--no-lock") < 0))
		rc = -ENOMEM;
	return give(out, &t, rc);
}

int repoclaim_lock_host(const char *json, size_t len, char *host, size_t hostlen)
{
	json_t *root = json ? json_loadb(json, len, 0, NULL) : NULL;
	json_t *h = root ? json_object_get(root, "hostname") : NULL;
	int rc = -1;

	if (json_is_string(h) && json_string_length(h) > 0 && json_string_length(h) < hostlen &&
	    !memchr(json_string_value(h), '\0', json_string_length(h))) {
		memcpy(host, json_string_value(h), json_string_length(h) + 1);
		rc = 0;
	}
	json_decref(root);
	return rc;
}

int repoclaim_rm_locks_batch(const char *repo_path, char *const *ids, char **out, size_t *len)
{
	char *mkdirs = NULL, *buf, path[REPOCLAIM_BATCH_MAX];
	size_t n, i, o = 0;
	int rc;

	*out = NULL;
	*len = 0;
	/* The same checks on the path as the claim's. */
	if ((rc = repoclaim_batch(repo_path, &mkdirs, &n)) < 0)
		return rc;
	free(mkdirs);
	n = strlen(repo_path);
	while (n > 1 && repo_path[n - 1] == '/')
		n--;
	if (!ids || !ids[0])
		return -EINVAL;
	if (!(buf = malloc(REPOCLAIM_BATCH_MAX)))
		return -ENOMEM;
	for (i = 0; ids[i]; i++) {
		if (!repoclaim_is_lock_id(ids[i]) || n + 7 + 64 >= sizeof(path)) {
			free(buf);
			return -EINVAL;
		}
		snprintf(path, sizeof(path), "%.*s/locks/%s", (int)n, repo_path, ids[i]);
		if ((rc = line(buf, &o, "rm", path, strlen(path))) < 0) {
			free(buf);
			return rc;
		}
	}
	*out = buf;
	*len = o;
	return 0;
}

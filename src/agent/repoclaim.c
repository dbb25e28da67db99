/* repoclaim: see repoclaim.h. */
#include "repoclaim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* restic: see restic.h. Three layers read the sftp.command string that we
 * build, and each has its own rules:
 *   1. restic's -o flag is a pflag StringSlice: the value is one CSV record,
 *      so ',' splits it and a bare '"' is a parse error;
 *   2. restic splits the command into words (backend.SplitShellStrings);
 *   3. ssh parses `-o Name=value` like a config line (quotes, '%' and '${}'
 *      expansion in file names).
 * Values are checked and quoted for all three, or refused. */
#include "restic.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

#define CMD_MAX 65536 /* bound on the sftp.command string */

/* ---- small helpers ---- */

struct sbuf {
	char *p;
	size_t n, cap;
	int err;
};

static void sb_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (n > CMD_MAX - b->n) {
		b->err = -EINVAL;
		return;
	}
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;
		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static int bad(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* A string checked to hold no control character, cut short for messages. */
static const char *shown(const char *s, char *tmp, size_t len)
{
	size_t n = strlen(s);
	if (n < len) {
		memcpy(tmp, s, n + 1);
	} else {
		memcpy(tmp, s, len - 4);
		strcpy(tmp + len - 4, "...");
	}
	return tmp;
}

/* ---- layer 2: restic's word splitter ----
 * Whitespace separates words; '...' or "..." protect it. Up to 0.18 a quote
 * character also ends the word (`a"b c"` is two words) and a backslash is a
 * separator; later versions make '\' an escape. So a word that needs
 * protection is wrapped whole in a quote kind it does not contain, and a
 * backslash is refused: no spelling means the same thing to both. */
static int sftp_word(struct sbuf *b, const char *w)
{
	int need = 0, sq = 0, dq = 0;
	const char *p;

	/* restic decodes the command as UTF-8 runes (0.18+ rebuilds words
	 * from them), so an invalid byte would come out as U+FFFD. */
	if (!*w || has_ctl(w) || !utf8_valid(w, strlen(w)))
		return -EINVAL;
	for (p = w; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\\')
			return -EINVAL;
		/* Go's unicode.IsSpace also matches U+0085 and U+00A0:
		 * quote every non-ASCII word rather than list them. */
		if (c == ' ' || c >= 0x80)
			need = 1;
		if (c == '\'')
			sq = need = 1;
		if (c == '"')
			dq = need = 1;
	}
	if (b->n)
		sb_add(b, " ");
	if (!need) {
		sb_add(b, w);
	} else if (!sq) {
		sb_add(b, "'");
		sb_add(b, w);
		sb_add(b, "'");
	} else if (!dq) {
		sb_add(b, "\"");
		sb_add(b, w);
		sb_add(b, "\"");
	} else {
		return -EINVAL;
	}
	return b->err;
}

/* ---- layer 3: ssh ----
 * ssh expands '%x' and '${VAR}' in IdentityFile and UserKnownHostsFile, and
 * '~' at the start: such paths cannot be passed literally, so they are
 * refused. */
static const char *ssh_path_problem(const char *p)
{
	if (!p || !*p)
		return "is empty";
	if (strlen(p) > RESTIC_MAX_PATH)
		return "is too long";
	if (has_ctl(p))
		return "contains a control character";
	if (p[0] != '/')
		return "must be an absolute path";
	if (strchr(p, '%') || strstr(p, "${"))
		return "contains '%' or '${', which ssh would expand";
	if (strchr(p, '\\'))
		return "contains a backslash";
	if (!utf8_valid(p, strlen(p)))
		return "is not valid UTF-8";
	if (strchr(p, '\'') && strchr(p, '"'))
		return "contains both kinds of quote";
	return NULL;
}

/* `-o Name=value`: ssh splits the value like a config line, where quotes
 * group and '#' may start a comment: such a value goes in double quotes, and
 * a '"' in it cannot be written at all. */
static int ssh_opt_path(struct sbuf *b, const char *name, const char *path)
{
	struct sbuf w = { 0 };
	int rc;

	if (strchr(path, '"'))
		return -EINVAL;
	sb_add(&w, name);
	sb_add(&w, "=");
	if (strpbrk(path, " '#")) {
		sb_add(&w, "\"");
		sb_add(&w, path);
		sb_add(&w, "\"");
	} else {
		sb_add(&w, path);
	}
	rc = w.err;
	if (rc == 0)
		rc = sftp_word(b, "-o");
	if (rc == 0)
		rc = sftp_word(b, w.p);
	free(w.p);
	return rc;
}

/* ---- validation ---- */

static int user_ok(const char *u, size_t n)
{
	if (n == 0 || n > RESTIC_MAX_USER || u[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = u[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Host names, IPv4, or IPv6 without brackets; never an ssh option. */
static int host_ok(const char *h)
{
	size_t n = strlen(h);
	int v6 = strchr(h, ':') != NULL;

	if (n == 0 || n > RESTIC_MAX_HOST || h[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		if (v6) {
			if (!hex && c != ':' && c != '.')
				return 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			     c == '-' || c == '_')) {
			return 0;
		}
	}
	return 1;
}

struct target {
	char user[RESTIC_MAX_USER + 1];
	char host[RESTIC_MAX_HOST + 1];
};

static int split_target(const struct restic_remote *r, struct target *t, char *err, size_t len)
{
	const char *h = r->ssh_host, *at, *u = r->ssh_user ? r->ssh_user : "restic";
	size_t un;
	char tmp[80];

	if (!h || !*h)
		return bad(err, len, "SSH_HOST is empty: set it to the name of the SSH server");
	if (has_ctl(h) || strlen(h) > RESTIC_MAX_USER + 1 + RESTIC_MAX_HOST)
		return bad(err, len, "SSH_HOST is not a host name (control character or too long)");
	at = strrchr(h, '@');
	if (at) {
		u = h;
		un = (size_t)(at - h);
		h = at + 1;
	} else {
		un = strlen(u);
	}
	if (!user_ok(u, un))
		return bad(err, len, "SSH user in %s is not a valid user name (letters, digits, '.', '_', '-')",
			   at ? "SSH_HOST" : "ssh_user");
	if (!host_ok(h))
		return bad(err, len, "SSH_HOST '%s' is not a host name or IP address",
			   shown(r->ssh_host, tmp, sizeof(tmp)));
	memcpy(t->user, u, un);
	t->user[un] = '\0';
	strcpy(t->host, h);
	return 0;
}

/* Percent-encodes a path for the sftp://user@[v6]/path form (Go's url.Parse
 * decodes it back). */
static void url_path(struct sbuf *b, const char *p)
{
	static const char keep[] = "-._~/!$&'()*+,;=:@";
	char enc[4];

	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(keep, c)) {
			sb_addn(b, p, 1);
		} else {
			snprintf(enc, sizeof(enc), "%%%02X", c);
			sb_add(b, enc);
		}
	}
}

/* ---- the base argv ---- */

static int check_values(const struct restic_remote *r, char *err, size_t len)
{
	const char *why, *bin = r->restic_bin ? r->restic_bin : "restic";
	char tmp[80];
	size_t i;

	if (!*bin || strlen(bin) > RESTIC_MAX_PATH)
		return bad(err, len, "restic binary name is empty or too long");
	if (r->ssh_port < 1 || r->ssh_port > 65535)
		return bad(err, len, "SSH_PORT %d is out of range: use 1-65535", r->ssh_port);
	if (!r->repo_path || !*r->repo_path || strlen(r->repo_path) > RESTIC_MAX_PATH || has_ctl(r->repo_path))
		return bad(err, len, "REPO_PATH is empty, too long or has a control character");
	if (r->repo_path[0] == '~')
		return bad(err, len, "REPO_PATH '%s' starts with '~': use a path relative to the login directory",
			   shown(r->repo_path, tmp, sizeof(tmp)));
	if ((why = ssh_path_problem(r->key_file)))
		return bad(err, len, "SSH_PRIVKEY_FILE (its private copy) %s", why);
	if ((why = ssh_path_problem(r->known_hosts_file)))
		return bad(err, len, "SSH_KNOWN_HOSTS_FILE %s", why);
	if (strpbrk(r->known_hosts_file, "'\""))
		return bad(err, len,
			   "SSH_KNOWN_HOSTS_FILE has a quote character in it, which cannot pass through restic to ssh");
	if (r->ssh_log_file && (why = ssh_path_problem(r->ssh_log_file)))
		return bad(err, len, "ssh log file %s", why);
	if (!r->password_file || !*r->password_file || strlen(r->password_file) > RESTIC_MAX_PATH ||
	    has_ctl(r->password_file))
		return bad(err, len, "RESTIC_REPO_PASSWORD_FILE is empty, too long or has a control character");
	for (i = 0; r->ssh_options && r->ssh_options[i]; i++) {
		const char *o = r->ssh_options[i];
		if (i >= RESTIC_MAX_SSH_OPTS)
			return bad(err, len, "more than %d ssh options", RESTIC_MAX_SSH_OPTS);
		if (strlen(o) > 1024 || !strchr(o, '=') || has_ctl(o) ||
		    !((o[0] >= 'a' && o[0] <= 'z') || (o[0] >= 'A' && o[0] <= 'Z')))
			return bad(err, len, "ssh option #%zu is not Name=value", i + 1);
		if (strchr(o, '\\') || (strchr(o, '\'') && strchr(o, '"')) || !utf8_valid(o, strlen(o)))
			return bad(err, len,
				   "ssh option #%zu cannot be quoted for restic (a backslash, "
				   "both kinds of quote, or invalid UTF-8)",
				   i + 1);
	}
	for (i = 0; r->restic_args && r->restic_args[i]; i++)
		if (i >= RESTIC_MAX_ARGS || strlen(r->restic_args[i]) > RESTIC_MAX_PATH)
			return bad(err, len,
				   "-e/--restic-arg (in EXTRA_ARGS or on the command line) is given more than %d "
				   "times or with a value longer than %d bytes",
				   RESTIC_MAX_ARGS, RESTIC_MAX_PATH);
	return 0;
}

/* restic splits "sftp:user@host:path" at the first ':', so an IPv6 address
 * needs the URL form. */
static void compose_repo(struct sbuf *b, const struct target *t, const char *path)
{
	int v6 = strchr(t->host, ':') != NULL;

	sb_add(b, v6 ? "sftp://" : "sftp:");
	sb_add(b, t->user);
	sb_add(b, v6 ? "@[" : "@");
	sb_add(b, t->host);
	sb_add(b, v6 ? "]/" : ":");
	if (v6)
		url_path(b, path);
	else
		sb_add(b, path);
}

/* Defaults that bound a dead connection: a server or network that stops
 * answering (packets dropped, not refused) ends ssh, and with it restic's
 * run, after ServerAliveInterval * ServerAliveCountMax seconds (60 s)
 * instead of TCP's retransmission timeout (15 min and more, or never on an
 * idle connection); a connect gets 30 s. RESTIC_SSH_DEFAULTS in restic.h. */
static const char *const ssh_defaults[] = { RESTIC_SSH_DEFAULTS, NULL };

/* 1 when the user's ssh options set the option of def ("Name=value"),
 * compared as ssh does: the name without case. */
static int has_ssh_option(const struct restic_remote *r, const char *def)
{
	size_t n = (size_t)(strchr(def, '=') - def);

	for (size_t i = 0; r->ssh_options && r->ssh_options[i]; i++) {
		const char *o = r->ssh_options[i];
		if (strlen(o) > n && strncasecmp(o, def, n) == 0 && (o[n] == '=' || o[n] == ' '))
			return 1;
	}
	return 0;
}

/* The words of sftp.command, quoted for restic's splitter (layer 2). A
 * refusal here names the value that could not be quoted. */
static int compose_cmd(struct sbuf *b, const struct restic_remote *r, const struct target *t, char *err, size_t len)
{
	char num[16];
	size_t i;

	snprintf(num, sizeof(num), "%d", r->ssh_port);
	sb_add(b, "ssh ");
	sb_add(b, t->user);
	sb_add(b, "@");
	sb_add(b, t->host);
	sb_add(b, " -p ");
	sb_add(b, num);
	if (r->ssh_log_file && (sftp_word(b, "-E") < 0 || sftp_word(b, r->ssh_log_file) < 0))
		goto refused;
	if (sftp_word(b, "-i") < 0 || sftp_word(b, r->key_file) < 0)
		goto refused;
	if (ssh_opt_path(b, "UserKnownHostsFile", r->known_hosts_file) < 0)
		goto refused;
	sb_add(b, " -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes");
	for (i = 0; r->ssh_options && r->ssh_options[i]; i++)
		if (sftp_word(b, "-o") < 0 || sftp_word(b, r->ssh_options[i]) < 0)
			goto refused;
	/* After the user's: ssh takes the first value of an option, and a
	 * default the user set is left out (no duplicate). */
	for (i = 0; ssh_defaults[i]; i++)
		if (!has_ssh_option(r, ssh_defaults[i])) {
			sb_add(b, " -o ");
			sb_add(b, ssh_defaults[i]);
		}
	sb_add(b, " -s sftp");
	if (b->err == -EINVAL)
		return bad(err, len, "the ssh command for restic is longer than %d bytes", CMD_MAX);
	return b->err;
refused:
	if (b->err == -ENOMEM)
		return -ENOMEM;
	return bad(err, len, "a value cannot be quoted for restic");
}

/* Layer 1: the -o value is one CSV field, quoted when it holds '"' or ','. */
static void csv_field(struct sbuf *b, const char *prefix, const char *val)
{
	const char *p;

	if (!strpbrk(val, "\",")) {
		sb_add(b, prefix);
		sb_add(b, val);
		return;
	}
	sb_add(b, "\"");
	sb_add(b, prefix);
	for (p = val; *p; p++) {
		if (*p == '"')
			sb_add(b, "\"\"");
		else
			sb_addn(b, p, 1);
	}
	sb_add(b, "\"");
}

/* Builds the base argv into out (appending); err explains a refusal. */
static int build_base(struct strvec *out, const struct restic_remote *r, char *err, size_t len)
{
	struct sbuf repo = { 0 }, cmd = { 0 }, opt = { 0 };
	struct target t;
	int rc;

	if (err && len)
		err[0] = '\0';
	rc = split_target(r, &t, err, len);
	if (rc == 0)
		rc = check_values(r, err, len);
	if (rc == 0)
		rc = compose_cmd(&cmd, r, &t, err, len);
	if (rc < 0)
		goto out;
	compose_repo(&repo, &t, r->repo_path);
	csv_field(&opt, "sftp.command=", cmd.p);
	rc = repo.err ? repo.err : opt.err;
	if (rc < 0)
		goto out;

	rc = -ENOMEM;
	if (strvec_push(out, r->restic_bin ? r->restic_bin : "restic") < 0 || strvec_push(out, "-r") < 0 ||
	    strvec_push(out, repo.p) < 0 || strvec_push(out, "-o") < 0 || strvec_push(out, opt.p) < 0 ||
	    strvec_push(out, "--password-file") < 0 || strvec_push(out, r->password_file) < 0)
		goto out;
	rc = 0;
out:
	free(repo.p);
	free(cmd.p);
	free(opt.p);
	return rc;
}

/* Drops elements past n, so that a failed builder leaves out as it was. */
static void strvec_cut(struct strvec *sv, size_t n)
{
	while (sv->n > n) {
		free(sv->v[--sv->n]);
		sv->v[sv->n] = NULL;
	}
}

int restic_remote_target(const struct restic_remote *r, char *user, size_t ulen, char *host, size_t hlen)
{
	struct target t;
	int rc = restic_remote_check(r, NULL, 0);

	if (rc == 0)
		rc = split_target(r, &t, NULL, 0);
	if (rc < 0)
		return rc;
	if (strlen(t.user) >= ulen || strlen(t.host) >= hlen)
		return -EINVAL;
	strcpy(user, t.user);
	strcpy(host, t.host);
	return 0;
}

int restic_remote_check(const struct restic_remote *r, char *err, size_t errlen)
{
	struct strvec tmp = { 0 };
	int rc = build_base(&tmp, r, err, errlen);

	strvec_free(&tmp);
	if (rc == -ENOMEM)
		bad(err, errlen, "out of memory");
	return rc;
}

int restic_argv_base(struct strvec *out, const struct restic_remote *r)
{
	size_t n0 = out->n;
	int rc = build_base(out, r, NULL, 0);

	if (rc < 0)
		strvec_cut(out, n0);
	return rc;
}

static int simple_ok(const char *s, size_t max)
{
	return s && *s && strlen(s) <= max && !has_ctl(s);
}

int restic_argv_backup(struct strvec *out, const struct restic_remote *r, const char *host, char *const *tags,
		       const char *path)
{
	char *paths[2] = { (char *)path, NULL };
	return restic_argv_backup_paths(out, r, host, tags, paths);
}

int restic_argv_backup_paths(struct strvec *out, const struct restic_remote *r, const char *host, char *const *tags,
			     char *const *paths)
{
	size_t n0 = out->n, i;
	int rc = -EINVAL;

	if (!simple_ok(host, 255) || !paths || !paths[0])
		return -EINVAL;
	/* A relative path or one starting with '-' could read as a flag. */
	for (i = 0; paths[i]; i++)
		if (i >= RESTIC_MAX_ARGS || !simple_ok(paths[i], RESTIC_MAX_PATH) || paths[i][0] != '/')
			return -EINVAL;
	for (i = 0; tags && tags[i]; i++)
		/* restic splits --tag values at ','. */
		if (i >= RESTIC_MAX_ARGS || !simple_ok(tags[i], 255) || strchr(tags[i], ','))
			return -EINVAL;
	rc = build_base(out, r, NULL, 0);
	if (rc < 0)
		goto out;
	rc = -ENOMEM;
	if (strvec_push(out, "backup") < 0 || strvec_push(out, "--json") < 0 || strvec_push(out, "--host") < 0 ||
	    strvec_push(out, host) < 0)
		goto out;
	for (i = 0; tags && tags[i]; i++)
		if (strvec_push(out, "--tag") < 0 || strvec_push(out, tags[i]) < 0)
			goto out;
	/* The user's backup flags: after ours, before the paths (which stay last). */
	if (strvec_extend(out, r->restic_args) < 0 || strvec_extend(out, paths) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		strvec_cut(out, n0);
	return rc;
}

static int base_plus(struct strvec *out, const struct restic_remote *r, const char *a, const char *b)
{
	size_t n0 = out->n;
	int rc = build_base(out, r, NULL, 0);

	if (rc == 0 && (strvec_push(out, a) < 0 || (b && strvec_push(out, b) < 0)))
		rc = -ENOMEM;
	if (rc < 0)
		strvec_cut(out, n0);
	return rc;
}

int restic_argv_init(struct strvec *out, const struct restic_remote *r)
{
	return base_plus(out, r, "init", NULL);
}

int restic_argv_unlock(struct strvec *out, const struct restic_remote *r, int remove_all)
{
	return base_plus(out, r, "unlock", remove_all ? "--remove-all" : NULL);
}

/* ---- maintenance ---- */

/* a,b,c of a tag list, each entry checked as restic_argv_backup checks
 * tags. Returns 0, -EINVAL or -ENOMEM. */
static int tag_list(struct sbuf *b, char *const *tags, size_t n)
{
	if (n == 0 || n > RESTIC_MAX_ARGS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!simple_ok(tags[i], 255) || strchr(tags[i], ','))
			return -EINVAL;
		if (i)
			sb_add(b, ",");
		sb_add(b, tags[i]);
	}
	return b->err;
}

static size_t count_args(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* The keep-* flags of a policy, or -EINVAL for one that forgets nothing or
 * holds values retention_parse would refuse. */
static int push_policy(struct strvec *out, const struct retention *p)
{
	static const char *const flags[] = { "--keep-last",   "--keep-hourly",  "--keep-daily",
					     "--keep-weekly", "--keep-monthly", "--keep-yearly" };
	const int counts[] = { p->last, p->hourly, p->daily, p->weekly, p->monthly, p->yearly };
	const int within[] = { p->within_years, p->within_months, p->within_days, p->within_hours };
	struct sbuf tags = { 0 };
	char w[64];
	int rc = -EINVAL;

	if (!retention_is_set(p))
		return -EINVAL;
	for (size_t i = 0; i < 6; i++)
		if (counts[i] < 0 || counts[i] > RETENTION_COUNT_MAX)
			return -EINVAL;
	for (size_t i = 0; i < 4; i++)
		if (within[i] < 0 || within[i] > RETENTION_WITHIN_MAX)
			return -EINVAL;
	if (p->keep_tags.n &&
	    (p->keep_tags.n > RETENTION_TAGS_MAX || (rc = tag_list(&tags, p->keep_tags.v, p->keep_tags.n)) < 0))
		goto out;
	rc = -ENOMEM;
	for (size_t i = 0; i < 6; i++)
		if (counts[i] && (strvec_push(out, flags[i]) < 0 || strvec_pushf(out, "%d", counts[i]) < 0))
			goto out;
	retention_within_text(p, w, sizeof(w));
	if (w[0] && (strvec_push(out, "--keep-within") < 0 || strvec_push(out, w) < 0))
		goto out;
	if (tags.p && (strvec_push(out, "--keep-tag") < 0 || strvec_push(out, tags.p) < 0))
		goto out;
	rc = 0;
out:
	free(tags.p);
	return rc;
}

int restic_argv_forget(struct strvec *out, const struct restic_remote *r, const char *host, char *const *tags,
		       const struct retention *policy, int dry_run)
{
	struct sbuf filter = { 0 };
	size_t n0 = out->n;
	int rc = -EINVAL;

	if (!simple_ok(host, 255) || !policy || (rc = tag_list(&filter, tags, count_args(tags))) < 0)
		goto out;
	rc = build_base(out, r, NULL, 0);
	if (rc < 0)
		goto out;
	rc = -ENOMEM;
	if (strvec_push(out, "forget") < 0 || strvec_push(out, "--json") < 0 || strvec_push(out, "--host") < 0 ||
	    strvec_push(out, host) < 0 || strvec_push(out, "--tag") < 0 || strvec_push(out, filter.p) < 0 ||
	    strvec_push(out, "--group-by") < 0 || strvec_push(out, "host,paths,tags") < 0)
		goto out;
	rc = push_policy(out, policy);
	if (rc == 0 && dry_run && strvec_push(out, "--dry-run") < 0)
		rc = -ENOMEM;
out:
	free(filter.p);
	if (rc < 0)
		strvec_cut(out, n0);
	return rc;
}

/* base + COMMAND + the command's own extra words. */
static int base_extra(struct strvec *out, const struct restic_remote *r, const char *command, char *const *extra)
{
	size_t n0 = out->n, n = count_args(extra);
	int rc;

	if (n > RESTIC_MAX_ARGS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!simple_ok(extra[i], RESTIC_MAX_PATH))
			return -EINVAL;
	rc = build_base(out, r, NULL, 0);
	if (rc == 0 && (strvec_push(out, command) < 0 || strvec_extend(out, extra) < 0))
		rc = -ENOMEM;
	if (rc < 0)
		strvec_cut(out, n0);
	return rc;
}

int restic_argv_prune(struct strvec *out, const struct restic_remote *r, char *const *extra_args)
{
	return base_extra(out, r, "prune", extra_args);
}

int restic_argv_check(struct strvec *out, const struct restic_remote *r, char *const *extra_args)
{
	return base_extra(out, r, "check", extra_args);
}

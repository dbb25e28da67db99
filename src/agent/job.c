/* job: see job.h. The order of a run: pre-hook; backup only when it
 * succeeded; post-hook always (it is the cleanup); status. */
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "hook.h"
#include "log.h"
#include "maint.h"
#include "jobrestic.h"
#include "restic_out.h"
#include "util.h"

#define KEY_MAX (64 * 1024)

int job_copy_key(const char *src, const char *dir, char *dst, size_t dstlen, char *err, size_t errlen)
{
	struct stat st;
	char *key = NULL;
	size_t len;
	int r, rc = -1;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "RDS_RUN_DIR=%s cannot be created: %s", dir, strerror(errno));
		return -1;
	}
	if (chmod(dir, 0700) < 0) {
		snprintf(err, errlen, "RDS_RUN_DIR=%s: chmod: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(src, &st) == 0 && (st.st_mode & 077))
		log_warn("SSH_PRIVKEY_FILE %s has mode %04o, readable by others; ssh refuses such keys, so a private "
			 "0600 copy is used",
			 src, (unsigned)(st.st_mode & 07777));
	r = read_file_bounded(src, KEY_MAX, &key, &len);
	if (r < 0) {
		snprintf(err, errlen, "SSH_PRIVKEY_FILE=%s cannot be read: %s", src,
			 r == -2 ? "larger than 64 KiB, not a key" : strerror(errno));
		goto out;
	}
	if (!strstr(key, "PRIVATE KEY-----")) {
		snprintf(err, errlen, "SSH_PRIVKEY_FILE=%s does not hold an SSH private key (no 'PRIVATE KEY' block)",
			 src);
		goto out;
	}
	if (snprintf(dst, dstlen, "%s/ssh-key", dir) >= (int)dstlen) {
		snprintf(err, errlen, "RDS_RUN_DIR=%s is too long", dir);
		goto out;
	}
	/* Not fsynced: the copy is made again at every start. */
	if (write_file_replace(dst, key, len, 0600, 0) < 0) {
		snprintf(err, errlen, "cannot write the key copy %s: %s", dst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (key) {
		explicit_bzero(key, len);
		free(key);
	}
	return rc;
}

int job_restic_env(struct strvec *env)
{
	static const char *const keep[] = {
		"PATH", "HOME", "USER", "TMPDIR", "TZ", "XDG_CACHE_HOME", "RESTIC_CACHE_DIR", "LANG", "LC_ALL", NULL
	};
	for (const char *const *k = keep; *k; k++) {
		const char *v = getenv(*k);
		if (v && strvec_pushf(env, "%s=%s", *k, v) < 0)
			return -1;
	}
	if (!getenv("PATH") && strvec_push(env, "PATH=/usr/local/bin:/usr/bin:/bin") < 0)
		return -1;
	return 0;
}

/* The directory of STATUS_FILE (a volume's mount point, usually there
 * already). */
static int make_status_dir(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || (size_t)(slash - path) >= sizeof(dir))
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "STATUS_FILE=%s: its directory cannot be created: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void job_stop_request(struct job_stop *s)
{
	struct timespec ts;

	if (!s->requested && clock_gettime(CLOCK_MONOTONIC, &ts) == 0) {
		s->at_s = (sig_atomic_t)ts.tv_sec;
		s->at_ms = (sig_atomic_t)(ts.tv_nsec / 1000000);
	}
	s->requested = 1;
}

int job_stopping(const struct job *j)
{
	return j->stop_flag && *j->stop_flag;
}

/* Milliseconds of STOP_TIMEOUT left since the stop request came. */
static long stop_left_ms(const struct job *j)
{
	long long at = (long long)j->stop->at_s * 1000 + j->stop->at_ms;
	return (long)(j->cfg->stop_timeout_s * 1000 - (mono_ms() - at));
}

/* The longest a run can take when every limit holds: both hooks (and the
 * helper's grace), the backup, and the stop of an overrunning restic. 0 when
 * one of them has no limit. */
static long run_limit_s(const struct config *c, const struct jobspec *s)
{
	long hooks = 0;

	if (s->pre_argv.n || s->post_argv.n) {
		if (!c->hook_timeout_s)
			return 0;
		hooks = (s->pre_argv.n ? c->hook_timeout_s + 5 : 0) + (s->post_argv.n ? c->hook_timeout_s + 5 : 0);
	}
	if (!c->backup_timeout_s)
		return 0;
	return hooks + c->backup_timeout_s + c->stop_timeout_s + 300;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	strvec_free(&j->backup_args);
	free(j->key_copy);
	free(j->ssh_log);
	free(j->hook_bin);
	free(j->dead_host);
	j->key_copy = j->ssh_log = j->hook_bin = j->dead_host = NULL;
	j->remote.key_file = j->remote.ssh_log_file = NULL;
}

/* *dst = a copy of s. Returns 0 or -1 with err set. */
static int own(char **dst, const char *s, char *err, size_t errlen)
{
	if (!(*dst = strdup(s))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int job_set_ssh_log(struct job *j, const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		return -1;
	free(j->ssh_log);
	j->ssh_log = copy;
	j->remote.ssh_log_file = copy;
	return 0;
}

void job_publish(struct job *j, int durable)
{
	if (j->publish)
		j->publish(j, durable, j->publish_ud);
	else if (status_write(j->cfg->status_file, &j->st, durable) < 0)
		log_warn("cannot write STATUS_FILE %s: %s", j->cfg->status_file, strerror(errno));
}

int job_prepare(struct job *j, const struct config *cfg, const struct jobspec *spec, const struct job_stop *stop,
		char *err, size_t errlen)
{
	char path[PATH_MAX];

	memset(j, 0, sizeof(*j));
	j->cfg = cfg;
	j->spec = spec;
	j->stop = stop;
	j->stop_flag = stop ? &stop->requested : NULL;
	if (strvec_extend(&j->backup_args, cfg->restic_args.v) < 0 ||
	    strvec_extend(&j->backup_args, spec->backup_args.v) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((spec->pre_argv.n || spec->post_argv.n) &&
	    (hook_find_helper(path, sizeof(path), err, errlen) < 0 || own(&j->hook_bin, path, err, errlen) < 0))
		return -1;
	if (job_copy_key(cfg->privkey_file, cfg->run_dir, path, sizeof(path), err, errlen) < 0 ||
	    own(&j->key_copy, path, err, errlen) < 0 || make_status_dir(cfg->status_file, err, errlen) < 0)
		return -1;
	j->remote.restic_bin = cfg->restic_bin;
	j->remote.ssh_user = cfg->ssh_user;
	j->remote.ssh_host = cfg->ssh_host;
	j->remote.ssh_port = cfg->ssh_port;
	j->remote.repo_path = spec->repo_path;
	j->remote.key_file = j->key_copy;
	j->remote.known_hosts_file = cfg->known_hosts_file;
	j->remote.password_file = cfg->password_file;
	j->remote.ssh_options = cfg->ssh_options.v;
	j->remote.restic_args = j->backup_args.v;
	/* restic forwards ssh's stderr racily; ssh -E keeps every line. */
	if (snprintf(path, sizeof(path), "%s/ssh.log", cfg->run_dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "RDS_RUN_DIR=%s is too long", cfg->run_dir);
		return -1;
	}
	if (own(&j->ssh_log, path, err, errlen) < 0)
		return -1;
	j->remote.ssh_log_file = j->ssh_log;
	if (restic_remote_check(&j->remote, err, errlen) < 0)
		return -1;
	if (gethostname(j->st.agent_host, sizeof(j->st.agent_host)) < 0)
		j->st.agent_host[0] = '\0';
	j->st.agent_host[sizeof(j->st.agent_host) - 1] = '\0';
	snprintf(j->st.job, sizeof(j->st.job), "%s", spec->name);
	if (spec->container && *spec->container)
		snprintf(j->st.service, sizeof(j->st.service), "%s", spec->service);
	snprintf(j->st.repo_path, sizeof(j->st.repo_path), "%s", spec->repo_path);
	snprintf(j->st.host, sizeof(j->st.host), "%s", spec->host);
	snprintf(j->st.repository, sizeof(j->st.repository), "sftp:%s%s%s:%s (port %d)",
		 strchr(cfg->ssh_host, '@') ? "" : cfg->ssh_user, strchr(cfg->ssh_host, '@') ? "" : "@", cfg->ssh_host,
		 spec->repo_path, cfg->ssh_port);
	j->st.run_limit_s = run_limit_s(cfg, spec);
	return 0;
}

int job_status_dir_lock(const char *status_file)
{
	static int fd = -1, held = -1;
	char dir[PATH_MAX];
	const char *slash = strrchr(status_file, '/');

	if (held >= 0)
		return held;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == status_file)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - status_file), status_file);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		held = 1;
		return 1;
	}
	held = errno == EWOULDBLOCK ? 0 : -1;
	close(fd);
	fd = -1;
	return held;
}

void job_clear_dead_locks(struct job *j)
{
	/* Only before this agent's first run: a worker's copy of the job
	 * cannot clear the scheduler's dead_host, its report's counters do. */
	if (!j->dead_host || j->st.agent_runs || j->st.forget.agent_runs || j->st.prune.agent_runs ||
	    j->st.check.agent_runs || job_stopping(j))
		return;
	jobrestic_remove_host_locks(j, j->dead_host);
	free(j->dead_host);
	j->dead_host = NULL;
}

void job_load_status(struct job *j)
{
	struct status prev;
	char err[600], seen[40], ok[40];
	struct tm tm;

	job_status_dir_lock(j->cfg->status_file);
	if (access(j->cfg->status_file, F_OK) < 0)
		return;
	if (status_read(j->cfg->status_file, &prev, err, sizeof(err)) < 0) {
		log_warn("%s; starting without the earlier agent's record", err);
		return;
	}
	if (!status_carry_over(&j->st, &prev)) {
		log_warn("STATUS_FILE %s holds the record of another job or repository (%s, %s); starting a new one",
			 j->cfg->status_file, prev.job, prev.repository);
		return;
	}
	gmtime_r(&j->st.last_success, &tm);
	strftime(ok, sizeof(ok), "%Y-%m-%d %H:%M:%S UTC", &tm);
	gmtime_r(&j->st.repo_seen, &tm);
	strftime(seen, sizeof(seen), "%Y-%m-%d %H:%M:%S UTC", &tm);
	log_info("STATUS_FILE: last successful backup %s, repository known since %s, %ld runs, %ld failed%s%s",
		 j->st.last_success ? ok : "never", j->st.repo_seen ? seen : "(not yet)", j->st.runs, j->st.failures,
		 prev.running ? "; " : "", prev.running ? j->st.message : "");
	job_adopt_dead_host(j, &prev);
}

void job_adopt_dead_host(struct job *j, const struct status *prev)
{
	/* A killed agent on another host name (a replaced container): restic
	 * keeps its locks for 30 minutes, blocking forget, prune and check.
	 * Ours to remove only when it is surely dead. */
	const char *op = prev->running_op[0] ? prev->running_op : "backup";
	char who[300] = "";
	int held = job_status_dir_lock(j->cfg->status_file);

	if (!prev->running || !prev->agent_host[0] || !strcmp(prev->agent_host, j->st.agent_host))
		return;
	if (j->spec->service && *j->spec->service)
		snprintf(who, sizeof(who), "job %s: ", j->spec->name);
	free(j->dead_host);
	j->dead_host = NULL;
	if (held == 1 && (j->dead_host = strdup(prev->agent_host)))
		log_info("%sthe earlier agent, on host %s, was killed during its %s: its locks in the "
			 "repository are removed before the first run",
			 who, prev->agent_host, op);
	else
		log_warn("%sthe earlier agent, on host %s, did not finish its %s, but %s: its locks are left "
			 "to restic (stale after 30 minutes)",
			 who, prev->agent_host, op,
			 held == 0 ? "another process holds STATUS_FILE's directory" : "STATUS_FILE's directory cannot be locked");
}

/* ---- hooks ---- */

/* Returns the hook's exit code, or -1 when it could not run (msg says why). */
static int hook_exec(struct job *j, const char *which, char *const *argv, const volatile sig_atomic_t *cancel,
		     long cancel_delay_ms, long timeout_ms, char *msg, size_t msglen)
{
	struct hook_spec h = { .which = which,
			       .helper = j->hook_bin,
			       .docker_host = j->cfg->docker_host,
			       .service = j->spec->service,
			       .argv = argv,
			       .timeout_ms = timeout_ms,
			       .cancel = cancel,
			       .verbose = j->cfg->verbose,
			       .container = j->spec->container,
			       .cancel_delay_ms = cancel_delay_ms };

	log_info("%s-hook: running %s (%zu word%s) in service %s", which, argv[0],
		 !strcmp(which, "pre") ? j->spec->pre_argv.n : j->spec->post_argv.n, argv[1] ? "s" : "",
		 j->spec->service);
	return hook_run(&h, msg, msglen);
}

int job_run_hook(struct job *j, const char *which)
{
	const struct strvec *argv = !strcmp(which, "pre") ? &j->spec->pre_argv : &j->spec->post_argv;
	char msg[600] = "";
	int rc;

	if (!argv->n) {
		log_error("%s-hook is not configured (%s is empty)", which,
			  !strcmp(which, "pre") ? "PRE_HOOK" : "POST_HOOK");
		return -1;
	}
	rc = hook_exec(j, which, argv->v, j->stop_flag, 0, j->cfg->hook_timeout_s * 1000, msg, sizeof(msg));
	if (msg[0])
		log_error("%s", msg);
	return rc;
}

static void fmt_when(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

/* One backup with its recoveries: a missing repository is created, but only
 * when this job has never seen it (st.repo_seen, kept in STATUS_FILE): once
 * seen, a missing repository is a loud failure, never a new empty one. A
 * stale lock is removed and the backup retried once. BACKUP_TIMEOUT bounds
 * all of restic's part of the run. */
static enum status_result run_backup(struct job *j, char *msg, size_t msglen)
{
	struct strvec argv = { 0 }, tags = { 0 };
	struct jobrestic_run *r = calloc(1, sizeof(*r));
	struct restic_summary sum;
	enum status_result result = STATUS_FAILED;
	enum restic_outcome o = RESTIC_FAILED;
	int tried_init = 0, tried_unlock = 0, timed_out = 0;
	long long deadline = j->cfg->backup_timeout_s ? mono_ms() + j->cfg->backup_timeout_s * 1000 : 0;
	char last[300], added[32], when[40];

	if (!r || !(r->out = malloc(JOBRESTIC_STDOUT_KEEP + 1)) || strvec_push(&tags, "rds") < 0) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	r->deadline_ms = deadline;
	if (*j->spec->service && strvec_pushf(&tags, "service=%s", j->spec->service) < 0)
		goto out;
	if (restic_argv_backup_paths(&argv, &j->remote, j->spec->host, tags.v, j->spec->paths.v) < 0) {
		snprintf(msg, msglen, "cannot build the restic command line");
		goto out;
	}
	for (;;) {
		log_info("backup of %s%s to sftp:%s:%s started (host %s)", j->spec->paths.v[0],
			 j->spec->paths.n > 1 ? " and more" : "", j->cfg->ssh_host, j->spec->repo_path, j->spec->host);
		if (jobrestic_exec(j, "backup", &argv, r) < 0) {
			snprintf(msg, msglen, "%.400s", r->err);
			goto out;
		}
		o = restic_classify(r->res.code, r->err);
		timed_out = r->res.timed_out;
		if (r->res.stopped || timed_out)
			o = RESTIC_INTERRUPTED;
		if (o == RESTIC_NO_REPO && j->st.repo_seen) {
			fmt_when(j->st.repo_seen, when, sizeof(when));
			snprintf(msg, msglen,
				 "the repository sftp:%s:%s is gone, but this job backed up to it since %s: it is not "
				 "created again (that would start a new, empty history). Bring the server's repository "
				 "volume back; to start a new repository on purpose, run 'runrestic init' or remove "
				 "STATUS_FILE",
				 j->cfg->ssh_host, j->spec->repo_path, when);
			log_error("%s", msg);
			goto out;
		}
		if (o == RESTIC_NO_REPO && !tried_init && !job_stopping(j)) {
			enum restic_outcome made = jobrestic_create_repo(j, deadline);
			tried_init = 1;
			if (made == RESTIC_INTERRUPTED) {
				/* Stopped between restic runs: no lock to remove. */
				o = made;
				timed_out = !job_stopping(j);
				r->res.not_started = 1;
				break;
			}
			if (made != RESTIC_OK) {
				snprintf(msg, msglen,
					 "the repository does not exist and 'restic init' failed; see the log");
				goto out;
			}
			j->st.repo_seen = time(NULL);
			continue;
		}
		if (o == RESTIC_LOCKED && !tried_unlock && !job_stopping(j)) {
			tried_unlock = 1;
			log_warn("repository is locked; removing stale locks with 'restic unlock' and retrying once");
			jobrestic_simple(j, "unlock", jobrestic_unlock_stale, 0, deadline);
			if (job_stopping(j) || (deadline && mono_ms() >= deadline)) {
				o = RESTIC_INTERRUPTED;
				timed_out = !job_stopping(j);
				break;
			}
			continue;
		}
		break;
	}
	memset(&sum, 0, sizeof(sum));
	restic_parse_backup_json(r->out, r->out_len, &sum);
	if (sum.have) {
		snprintf(j->st.snapshot_id, sizeof(j->st.snapshot_id), "%s", sum.snapshot_id);
		j->st.bytes_added = sum.data_added;
		j->st.bytes_processed = sum.total_bytes_processed;
		j->st.files_new = sum.files_new;
		j->st.files_changed = sum.files_changed;
		j->st.files_unmodified = sum.files_unmodified;
	}
	status_fmt_bytes(sum.data_added, added, sizeof(added));
	switch (o) {
	case RESTIC_OK:
	case RESTIC_INCOMPLETE:
		if (!j->st.repo_seen)
			j->st.repo_seen = time(NULL);
		result = o == RESTIC_OK ? STATUS_OK : STATUS_INCOMPLETE;
		snprintf(msg, msglen, "snapshot %.8s%s: %ld new, %ld changed, %ld unmodified files, %s added, %.1fs",
			 sum.snapshot_id, o == RESTIC_INCOMPLETE ? " (incomplete: some files could not be read)" : "",
			 sum.files_new, sum.files_changed, sum.files_unmodified, added, sum.duration_s);
		if (o == RESTIC_INCOMPLETE)
			log_warn("backup %s", msg);
		else
			log_info("backup done: %s", msg);
		break;
	case RESTIC_INTERRUPTED:
		/* restic 0.14 exits on SIGINT without deleting its lock (its
		 * context is cancelled first), and a restic killed after the
		 * grace cannot: remove our now stale lock in what is left of
		 * STOP_TIMEOUT, so the repository is left unlocked. */
		if (!r->res.not_started) {
			log_info("backup %s; removing its stale lock",
				 timed_out ? "stopped by BACKUP_TIMEOUT" : "interrupted");
			jobrestic_simple(j, "unlock", jobrestic_unlock_stale, jobrestic_unlock_reserve_ms(j), 0);
		}
		if (timed_out) {
			status_fmt_duration(j->cfg->backup_timeout_s, when, sizeof(when));
			snprintf(msg, msglen, "backup stopped after BACKUP_TIMEOUT=%s: restic had not finished", when);
			log_error("%s", msg);
		} else {
			snprintf(msg, msglen, "backup interrupted by a stop request");
		}
		break;
	default: {
		const char *hint = restic_ssh_hint(r->err);
		restic_last_error(r->err, last, sizeof(last));
		snprintf(msg, msglen, "restic backup failed (exit %d, %s): %.200s%s%.200s", r->res.code,
			 restic_outcome_name(o), hint ? hint : last, hint ? " — " : "", hint ? last : "");
		log_error("%s", msg);
	}
	}
out:
	strvec_free(&argv);
	strvec_free(&tags);
	if (r)
		free(r->out);
	free(r);
	return result;
}

enum status_result job_run(struct job *j)
{
	const struct config *c = j->cfg;
	const struct jobspec *s = j->spec;
	char msg[512] = "", hookmsg[600] = "";
	enum status_result result = STATUS_FAILED;
	long long t0 = mono_ms();
	long hook_ms = c->hook_timeout_s * 1000;
	int made_snapshot = 0;

	job_clear_dead_locks(j);
	j->st.last_start = time(NULL);
	j->st.running = 1;
	j->st.bytes_added = j->st.bytes_processed = 0;
	j->st.files_new = j->st.files_changed = j->st.files_unmodified = 0;
	/* "running" need not survive a crash: the record before it does. */
	job_publish(j, 0);

	if (s->pre_argv.n &&
	    hook_exec(j, "pre", s->pre_argv.v, j->stop_flag, 0, hook_ms, hookmsg, sizeof(hookmsg)) != 0) {
		j->st.pre_hook_failures++;
		log_error("%s; no backup is taken", hookmsg);
		snprintf(msg, sizeof(msg), "%s; no backup taken", hookmsg);
	} else if (job_stopping(j)) {
		snprintf(msg, sizeof(msg), "stopped before the backup started");
	} else {
		/* A run that failed (the server or the network gone, the agent
		 * killed) may have left its lock behind: a backup does not mind
		 * it, but forget, prune, check and runrestic would. Once a
		 * backup gets through again, the stale ones go (dead process on
		 * this host, or older than 30 minutes; never a live lock). */
		int after_failure = j->st.runs > 0 && (j->st.result == STATUS_FAILED ||
						      j->st.prune.result == STATUS_FAILED ||
						      j->st.check.result == STATUS_FAILED);
		result = run_backup(j, msg, sizeof(msg));
		made_snapshot = result != STATUS_FAILED;
		if (made_snapshot && after_failure && !job_stopping(j)) {
			log_info("the last run failed and may have left its lock: removing stale locks with "
				 "'restic unlock'");
			jobrestic_simple(j, "unlock", jobrestic_unlock_stale, 0, 0);
		}
	}
	if (s->post_argv.n) {
		/* The post-hook is the cleanup: it runs after a failed pre-hook or
		 * backup too. While stopping it gets what is left of STOP_TIMEOUT
		 * since the stop request came (at least a second); a stop that
		 * comes while it runs gives it STOP_TIMEOUT to finish. */
		const volatile sig_atomic_t *cancel = j->stop_flag;
		long ms = hook_ms;
		if (job_stopping(j)) {
			cancel = NULL;
			ms = stop_left_ms(j);
			if (ms < 1000)
				ms = 1000;
		}
		hookmsg[0] = '\0';
		if (hook_exec(j, "post", s->post_argv.v, cancel, j->cfg->stop_timeout_s * 1000, ms, hookmsg,
			      sizeof(hookmsg)) != 0) {
			j->st.post_hook_failures++;
			log_error("%s", hookmsg);
			if (result != STATUS_FAILED) {
				result = STATUS_FAILED;
				snprintf(msg, sizeof(msg), "%s (the backup itself succeeded, snapshot %.8s)", hookmsg,
					 j->st.snapshot_id);
			}
		}
	}
	j->st.running = 0;
	j->st.result = result;
	j->st.last_end = time(NULL);
	j->st.duration_s = (double)(mono_ms() - t0) / 1000.0;
	j->st.runs++;
	j->st.agent_runs++;
	if (result == STATUS_FAILED)
		j->st.failures++;
	else
		j->st.last_success = j->st.last_end;
	if (result == STATUS_INCOMPLETE)
		j->st.incompletes++;
	snprintf(j->st.message, sizeof(j->st.message), "%s", msg);
	job_publish(j, 1);
	log_info("run finished: %s — %s (%.1fs)", status_result_name(result), msg, j->st.duration_s);
	/* The retention policy, after every backup that made a snapshot (a
	 * failed post-hook does not undo the snapshot). */
	if (made_snapshot && !job_stopping(j))
		maint_forget(j, 0);
	return result;
}

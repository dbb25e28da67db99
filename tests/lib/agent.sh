# Sourced after harness.sh and sshd.sh: run rds-agent / runrestic against the
# scenario's sshd with a fresh environment.
#   agent_env REPO          export the agent's variables for repository REPO
#   agent_run LOG [ARGS]    run rds-agent (through $AGENT_WRAP, e.g. valgrind)
#                           with output in LOG; returns its exit code
#   runrestic ARGS...       run runrestic with the same environment
#   snapshots_count REPO    number of snapshots in REPO (restic directly)
#   locks_count REPO        lock files in REPO on the server's disk
#   backup_under_way REPO   waits until the scheduled agent's backup runs
#                           (STATUS_FILE) and holds a lock in REPO, then 2 s
#                           more; returns 1 when it does not within 50 s
#   ok_since EPOCH          (predicate) the job's last result is ok and its
#                           last success at or after EPOCH
source "$(dirname "${BASH_SOURCE[0]}")/status.sh"
AGENT_WRAP=${AGENT_WRAP:-}
T_DIR=$(mktemp -d /tmp/rds-it.XXXXXX)
at_exit "rm -rf '$T_DIR'"
RESTIC_BINARY=${RESTIC_BINARY:-restic}

agent_env() {
	local repo=$1
	mkdir -p "$T_DIR/secrets" "$T_DIR/run" "$T_DIR/data"
	[ -f "$T_DIR/secrets/password" ] || echo "correct horse battery staple" >"$T_DIR/secrets/password"
	cp "$SSH_KEY" "$T_DIR/secrets/key" && chmod 0444 "$T_DIR/secrets/key"
	cp "$SSH_KNOWN_HOSTS" "$T_DIR/secrets/known_hosts"
	export SSH_HOST=127.0.0.1 SSH_PORT=$SSHD_PORT REPO_PATH=$repo BACKUP_PATH=$T_DIR/data
	export SSH_PRIVKEY_FILE=$T_DIR/secrets/key SSH_KNOWN_HOSTS_FILE=$T_DIR/secrets/known_hosts
	export RESTIC_REPO_PASSWORD_FILE=$T_DIR/secrets/password STATUS_FILE=$T_DIR/status.json
	export RDS_RUN_DIR=$T_DIR/run RESTIC_BINARY BACKUP_HOST=it-host
	export XDG_CACHE_HOME=$T_DIR/cache HOME=$T_DIR
	unset RUN_AT PRE_HOOK POST_HOOK SERVICE_NAME EXTRA_ARGS TZ
}

agent_run() {
	local log=$1
	shift
	$AGENT_WRAP "$BIN/rds-agent" "$@" >"$log" 2>&1
}

runrestic() {
	"$BIN/runrestic" "$@"
}

# restic straight, bypassing our code, to check what really is in a
# repository; the ssh options are the agent's.
restic_direct() {
	local repo=$1
	shift
	"$RESTIC_BINARY" -r "sftp:restic@127.0.0.1:$repo" \
		-o "sftp.command=ssh restic@127.0.0.1 -p $SSHD_PORT -i $SSH_KEY -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -s sftp" \
		--password-file "$T_DIR/secrets/password" "$@"
}

snapshots_count() {
	restic_direct "$1" snapshots --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

locks_count() {
	find "$REPO_ROOT/$1/locks" -type f 2>/dev/null | wc -l
}

# Value of a field of the single job in the status file.
status_field() { status_json_field "$1" <"$STATUS_FILE"; }

make_data() {
	local d=$1 n=${2:-50}
	mkdir -p "$d/sub"
	for i in $(seq 1 "$n"); do
		head -c $((RANDOM * 3 + 100)) /dev/urandom >"$d/file-$i.bin"
	done
	seq 1 20000 >"$d/sub/numbers.txt"
	echo "héllo wörld" >"$d/sub/utf8 name with spaces.txt"
}

# Predicates for wait_for (arguments are evaluated on every poll).
has_locks() { [ "$(locks_count "$1")" -ge "${2:-1}" ]; }
ok_since() { [ "$(status_field result)" = ok ] && [ "$(status_field last_success_epoch)" -ge "$1" ]; }
backup_under_way() {
	wait_for 30 eval '[ "$(status_field running)" = True ]' && wait_for 20 has_locks "$1" && sleep 2
}
runs_at_least() { [ "$(status_field runs 2>/dev/null || echo 0)" -ge "$1" ]; }

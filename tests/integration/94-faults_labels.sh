#!/usr/bin/env bash
# A label-mode agent (one per node, a global service's task) SIGKILLed in
# the middle of a backup, on the real private swarm with real sshd and
# restic: its replacement is a new container with another host name, so
# restic's own `unlock` would keep the dead agent's lock for 30 minutes and
# block forget, prune and check. The new agent finds in STATUS_FILE that
# the job was running on the old host and, holding the lock of STATUS_FILE's
# directory (no other live agent writes it), removes that host's locks
# before the job's first run. Then: its next scheduled backup succeeds, no
# lock is left, `restic check` passes and the volume restores byte for byte.
#   BUILD=dir bash tests/integration/94-faults_labels.sh
# The suite's dockerd is started (or found) first; the scenario then runs in
# its own network namespace (its sshd's port is its own while other
# scenarios run beside it; Docker is reached through its unix socket).
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"
source "$RDS_ROOT/tests/lib/ns.sh"
if [ -z "${RDS_FAULT_NS:-}" ]; then
	dockerd_up >/dev/null || { not_ok "private dockerd in swarm mode"; exit 1; }
fi
private_ns "$0" "$@"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
source "$RDS_ROOT/tests/lib/reliability.sh"

swarm_sshd_up
agent_env unused
unset REPO_PATH BACKUP_HOST
export DISCOVER=labels RUN_AT="*/5 * * * * *" VOLUMES_ROOT=$RDS_DOCKER_DATA/volumes STOP_TIMEOUT=10

svc=rdsfl_vol
vol=rdsfl_vol_data
cleanup() {
	dk service rm "$svc"
	wait_for 30 eval '[ -z "$(dk ps -aq --filter "label=com.docker.swarm.service.name=$svc")" ]'
	dk volume rm "$vol"
}
cleanup >/dev/null 2>&1
at_exit "cleanup >/dev/null 2>&1"
at_exit container_stop
# 30 MB that the container writes into its named volume: at 2000 KiB/s a
# backup of it takes about 15 s, long enough to be killed in.
dk service create -d --name "$svc" --container-label rds.backup=true \
	--mount "type=volume,source=$vol,target=/data" rds-test/busybox:latest \
	sh -c 'head -c 30000000 /dev/urandom > /data/big.bin && seq 1 5000 > /data/n.txt && sleep 100000' >/dev/null 2>&1
data=$RDS_DOCKER_DATA/volumes/$vol/_data
wait_for 60 test -s "$data/n.txt" || { not_ok "the labelled service runs and has filled its volume"; exit 1; }
ok "a labelled service with 30 MB in its volume"
node=$(dk info --format '{{.Swarm.NodeID}}')
export BACKUP_PATH=$data BACKUP_HOST=$node # what fault_verify restores and compares

jfield() { # FIELD of the job in the status file
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"].get(sys.argv[2]) or {}; v=j.get(sys.argv[3]); print("" if v is None else v)' \
		"$STATUS_FILE" "$svc" "$1" 2>/dev/null
}
agent_in() { container_start "$1" "$2" $AGENT_WRAP "$BIN/rds-agent"; }

# The killed agent: the backup under way (a lock in the repository), then
# SIGKILL to the container's PID 1.
EXTRA_ARGS="-e --limit-upload=2000" agent_in lab-c1 "$T_DIR/c1.log"
if ! wait_for 60 eval '[ "$(jfield running)" = True ]' || ! wait_for 30 has_locks "$svc"; then
	not_ok "the first agent's backup is under way"
	show "$T_DIR/c1.log"
	exit 1
fi
sleep 2
container_kill
left=$(locks_count "$svc")
[ "$left" -ge 1 ] && [ "$(jfield running)" = True ] &&
	ok "the SIGKILLed agent left $left lock(s), its STATUS_FILE says running" ||
	not_ok "a lock and a running record left" "$left lock(s), running=$(jfield running)"
pgrep -f "restic.*$T_DIR" >/dev/null && not_ok "no restic of the killed container left" "$(pgrep -af "restic.*$T_DIR")" ||
	ok "no restic or ssh of the killed container left"

# Its replacement: another host name.
up=$(date +%s)
t0=$SECONDS
agent_in lab-c2 "$T_DIR/c2.log"
if wait_for 120 eval '[ "$(jfield result)" = ok ] && [ "$(jfield last_success_epoch)" -ge '"$up"' ]'; then
	rec=$((SECONDS - t0))
	ok "the new container's next scheduled backup succeeds (${rec}s)"
else
	rec=-1
	not_ok "the new container's backup" "$(jfield message)"
	show "$T_DIR/c2.log"
fi
line=$(grep -m1 -E "lock\(s\) that the killed agent|no lock of the killed agent|its locks are left" "$T_DIR/c2.log" | sed -E 's/^[^ ]+ +[a-z]+ +//' | cut -c1-160)
grep -q "job $svc: the earlier agent, on host lab-c1, was killed during its backup" "$T_DIR/c2.log" &&
	[[ $line == "removed "* ]] && ok "the dead agent's lock is removed before the first run: $line" ||
	{ not_ok "the dead agent's lock removed" "${line:-no line}"; show "$T_DIR/c2.log"; }
container_stop
left2=$(locks_count "$svc")
[ "$left2" = 0 ] && ok "no lock left in the repository" || not_ok "no lock left" "$left2 left"
fault_verify "$svc" && ok "$FV_MSG" || not_ok "check and restore" "$FV_MSG"
r=ok
[ "$rec" -ge 0 ] && [ "$left2" = 0 ] && [[ $line == "removed "* ]] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
fault_row "label-mode agent SIGKILLed mid-backup, replaced by a new container (another host name)" \
	"left $left lock(s); the new agent: '$line'; its next scheduled backup ok after ${rec}s; $left2 lock(s) left; $FV_MSG" "$r"
! grep -q "correct horse" "$T_DIR"/*.log && ok "no password in any log" || not_ok "password in a log"

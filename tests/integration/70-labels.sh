#!/usr/bin/env bash
# Label mode on a real one-node private swarm: rds-agent with DISCOVER=labels
# finds the services labelled rds.backup=true through rds-discover, runs
# their hooks (once per run, in one container of a two-replica service),
# backs up their named volumes from the node's volume directory, and keeps
# the job table current from Docker's events: a service created after the
# agent started is backed up without a restart, a removed label stops its
# backups, a bad rds.backup.repo fails that job only. An unlabelled service's
# volume is never read. Each backup restores byte for byte. A restarted
# dockerd is re-listed without a duplicate job.
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
[ -f "$RDS_ROOT/tests/lib/reliability.sh" ] && source "$RDS_ROOT/tests/lib/reliability.sh"

swarm_sshd_up
agent_env unused
unset REPO_PATH BACKUP_HOST
export DISCOVER=labels RUN_AT="*/4 * * * * *" VOLUMES_ROOT=$RDS_DOCKER_DATA/volumes STOP_TIMEOUT=10

svcs="rdsl_files rdsl_db rdsl_plain rdsl_late rdsl_bad"
cleanup() {
	local s
	for s in $svcs; do dk service rm "$s"; done
	wait_for 30 eval '[ -z "$(dk ps -q --filter label=rdsl.test=1)" ]'
	dk volume rm rdsl_files_data rdsl_db_data rdsl_plain_data rdsl_late_data rdsl_bad_data
}
cleanup >/dev/null 2>&1
at_exit cleanup

# The volume's content is made inside the container (a named local volume).
mkvol='mkdir -p /data/sub && head -c 300000 /dev/urandom > /data/blob.bin && seq 1 5000 > /data/sub/n.txt && sleep 100000'
create() { # NAME VOLUME [ARGS...]
	local name=$1 vol=$2
	shift 2
	dk service create -d --name "$name" --container-label rdsl.test=1 \
		--mount "type=volume,source=$vol,target=/data" "$@" rds-test/busybox:latest sh -c "$mkvol" >/dev/null
}
running() { [ "$(dk ps -q --filter "label=com.docker.swarm.service.name=$1" | wc -l)" = "$2" ]; }

create rdsl_files rdsl_files_data --container-label rds.backup=true \
	--container-label "rds.backup.at=*/3 * * * * *" \
	--container-label "rds.backup.pre-hook=sh -c 'date > /data/pre-hook.txt'" \
	--mount "type=bind,source=$T_DIR,target=/hostdir"
create rdsl_db rdsl_db_data --replicas 2 --container-label rds.backup=true \
	--container-label "rds.backup.pre-hook=sh -c 'echo pre >> /tmp/hooks; echo dump-\$(hostname) > /data/dump.sql'" \
	--container-label "rds.backup.post-hook=sh -c 'echo post >> /tmp/hooks'" \
	--container-label "rds.backup.forget.keep-last=3"
create rdsl_plain rdsl_plain_data
create rdsl_bad rdsl_bad_data --container-label rds.backup=true --container-label "rds.backup.repo=../x"
for s in rdsl_files:1 rdsl_db:2 rdsl_plain:1 rdsl_bad:1; do
	wait_for 60 running "${s%:*}" "${s#*:}" || { not_ok "service ${s%:*} running"; exit 1; }
done
ok "four services running (two labelled, one unlabelled, one with a bad repo label)"
wait_for 20 test -s "$RDS_DOCKER_DATA/volumes/rdsl_files_data/_data/sub/n.txt"

$AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/agent.log" 2>&1 &
apid=$!
at_exit "kill -TERM $apid; sleep 1; kill -KILL $apid"
jobs_json() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["jobs"]))' "$STATUS_FILE"; }
jfield() { # JOB FIELD
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"].get(sys.argv[2]) or {}; v=j.get(sys.argv[3]); print("" if v is None else v)' \
		"$STATUS_FILE" "$1" "$2" 2>/dev/null
}
runs_of() { local r; r=$(jfield "$1" runs); echo "${r:-0}"; }
wait_for 30 eval '[ "$(runs_of rdsl_files)" -ge 2 ] && [ "$(runs_of rdsl_db)" -ge 2 ]' &&
	ok "both labelled services backed up on their schedules" || { not_ok "labelled services backed up"; show "$T_DIR/agent.log"; }
[ "$(jfield rdsl_files result)" = ok ] && [ "$(jfield rdsl_db result)" = ok ] &&
	ok "their last results are ok" || { not_ok "results ok" "$(jobs_json)"; show "$T_DIR/agent.log"; }
grep -q "job rdsl_files: scheduled '\*/3 \* \* \* \* \*'" "$T_DIR/agent.log" &&
	grep -q "job rdsl_db: scheduled '\*/4 \* \* \* \* \*'" "$T_DIR/agent.log" &&
	ok "rds.backup.at is the files service's schedule; the db takes the agent's RUN_AT" || not_ok "schedules from labels"
[ -z "$(jfield rdsl_plain result)" ] && ! grep -q "rdsl_plain" "$T_DIR/agent.log" &&
	ok "the unlabelled service is never a job" || not_ok "unlabelled service ignored"
[ "$(jfield rdsl_bad refused)" = True ] && grep -q "rds.backup.repo" "$STATUS_FILE" &&
	grep -q "job rdsl_bad: not scheduled: .*rds.backup.repo" "$T_DIR/agent.log" &&
	ok "rds.backup.repo=../x: that job is refused with the label named, the others run" ||
	{ not_ok "bad repo label" "$(jfield rdsl_bad message)"; show "$T_DIR/agent.log"; }

# Hooks: once per run, in one of the two db containers.
sleep 1
runs=$(runs_of rdsl_db)
total=0
for c in $(dk ps -q --filter label=com.docker.swarm.service.name=rdsl_db); do
	n=$(dk exec "$c" sh -c 'grep -c pre /tmp/hooks 2>/dev/null || echo 0')
	[ "$n" -gt 0 ] && used=$((${used:-0} + 1))
	total=$((total + n))
done
[ "${used:-0}" = 1 ] && [ "$total" -ge "$runs" ] && [ "$total" -le $((runs + 1)) ] &&
	ok "the db's hooks ran in exactly one of its two containers, once per run ($total pre-hooks, $runs runs)" ||
	not_ok "hooks once per run in one container" "used=${used:-0} total=$total runs=$runs"

# What is in the snapshots: the named volume, not the bind mount; a restore
# is byte for byte the volume.
node=$(dk info --format '{{.Swarm.NodeID}}')
restic_direct rdsl_files snapshots --json >"$T_DIR/snaps.json" 2>/dev/null
python3 - "$T_DIR/snaps.json" "$node" "$RDS_DOCKER_DATA/volumes/rdsl_files_data/_data" <<'EOF' && ok "snapshots of rdsl_files: host is the node id, the path is the volume's, tagged with the service" || not_ok "snapshot host and paths"
import json, sys
s = json.load(open(sys.argv[1]))
assert s, "no snapshot"
for x in s:
    assert x["hostname"] == sys.argv[2], x["hostname"]
    assert x["paths"] == [sys.argv[3]], x["paths"]
    assert "service=rdsl_files" in x.get("tags", []), x.get("tags")
EOF
restic_direct rdsl_files ls latest 2>/dev/null | grep -q "/hostdir" && not_ok "a bind mount was backed up" ||
	ok "the bind mount is not in the snapshot"
mkdir -p "$T_DIR/restore"
# The agent's forget after each backup holds the lock for a moment (restic
# 0.14 cannot wait for it): try again then.
restore() { wait_for 30 restic_direct "$1" restore latest --target "$2"; }
restore rdsl_db "$T_DIR/restore/db" >/dev/null 2>&1
vol=$RDS_DOCKER_DATA/volumes/rdsl_db_data/_data
cmp -s "$vol/blob.bin" "$T_DIR/restore/db$vol/blob.bin" && cmp -s "$vol/sub/n.txt" "$T_DIR/restore/db$vol/sub/n.txt" &&
	grep -q "^dump-" "$T_DIR/restore/db$vol/dump.sql" &&
	ok "the db volume restores byte for byte, with the pre-hook's dump" || not_ok "db restore"
restore rdsl_files "$T_DIR/restore/files" >/dev/null 2>&1
vol=$RDS_DOCKER_DATA/volumes/rdsl_files_data/_data
cmp -s "$vol/blob.bin" "$T_DIR/restore/files$vol/blob.bin" && test -s "$T_DIR/restore/files$vol/pre-hook.txt" &&
	ok "the files volume restores byte for byte" || not_ok "files restore"
[ ! -d "$REPO_ROOT/rdsl_plain" ] && [ ! -d "$REPO_ROOT/x" ] && ok "no repository for the unlabelled or the refused service" ||
	not_ok "stray repositories" "$(ls "$REPO_ROOT")"
# Counted after a forget, not between a backup and its forget.
n_db_now() { restic_direct rdsl_db snapshots --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
# One reading, kept: a second one may fall between the next backup and
# its forget.
n_db=
wait_for 20 eval 'n_db=$(n_db_now); [ "${n_db:-99}" -le 3 ]'
[ "$n_db" -le 3 ] && ok "rds.backup.forget.keep-last=3 keeps the db's snapshots at $n_db" || not_ok "forget from labels" "$n_db"

# A service created after the agent started: scheduled within 2 s of its
# container starting, backed up without a restart.
t0=$(date +%s%N)
create rdsl_late rdsl_late_data --container-label rds.backup=true
wait_for 60 running rdsl_late 1
t1=$(date +%s%N)
wait_for 10 grep -q "job rdsl_late: scheduled" "$T_DIR/agent.log"
t2=$(date +%s%N)
lat=$(((t2 - t1) / 1000000))
[ "$lat" -le 2000 ] && ok "a service created after the agent started is scheduled ${lat} ms after its container runs ($(((t2 - t0) / 1000000)) ms after service create)" ||
	not_ok "late service scheduled within 2 s" "${lat} ms"
wait_for 20 eval '[ "$(runs_of rdsl_late)" -ge 1 ] && [ "$(jfield rdsl_late result)" = ok ]' &&
	ok "and backed up without a restart" || { not_ok "late service backed up"; show "$T_DIR/agent.log"; }

# A label removed: no more backups; the status stays, marked gone, and does
# not make the agent unhealthy.
dk service update -d --container-label-rm rds.backup rdsl_files >/dev/null
wait_for 60 grep -q "job rdsl_files: service rdsl_files has no task on this node any more" "$T_DIR/agent.log" &&
	ok "removing the rds.backup label unschedules the job" || { not_ok "label removed"; show "$T_DIR/agent.log"; }
wait_for 10 eval '[ "$(jfield rdsl_files running)" = False ]'
r1=$(runs_of rdsl_files)
sleep 7
r2=$(runs_of rdsl_files)
[ "$r1" = "$r2" ] && [ -n "$(jfield rdsl_files gone)" ] && ok "no backup of it since ($r1 runs), its status kept and marked gone" ||
	not_ok "no more backups after the label went" "$r1 -> $r2"
"$BIN/rds-agent" health >"$T_DIR/health.txt" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "rdsl_bad: its labels are refused" "$T_DIR/health.txt" &&
	ok "health is healthy and names the refused job: $(head -c 200 "$T_DIR/health.txt")" ||
	{ not_ok "health in label mode" "rc=$rc"; show "$T_DIR/health.txt"; }

# runrestic lists the jobs and reaches any repository with -r.
runrestic --help >"$T_DIR/rr.txt" 2>&1
grep -q "rdsl_db .* rdsl_db" "$T_DIR/rr.txt" && grep -q "rdsl_late" "$T_DIR/rr.txt" &&
	ok "runrestic --help lists the jobs and their repositories" || { not_ok "runrestic lists jobs"; show "$T_DIR/rr.txt"; }
runrestic -r rdsl_late snapshots --json >"$T_DIR/rr.json" 2>/dev/null && grep -q '"hostname"' "$T_DIR/rr.json" &&
	ok "runrestic -r REPO reaches a job's repository" || not_ok "runrestic -r"

# dockerd restarted under the running agent: re-listed, no job duplicated
# or lost, backups go on.
before=$(jobs_json | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)))')
dockerd_down >/dev/null 2>&1
wait_for 20 grep -q "discovery: " "$T_DIR/agent.log"
dockerd_up >/dev/null 2>&1 || not_ok "dockerd back"
wait_for 90 eval 'grep -q "discovery: Docker answers again" "$T_DIR/agent.log"' &&
	ok "after a dockerd restart discovery reconnects" || { not_ok "discovery after a dockerd restart"; show "$T_DIR/agent.log"; }
wait_for 60 running rdsl_db 2
r=$(runs_of rdsl_db)
wait_for 30 eval '[ "$(runs_of rdsl_db)" -gt $r ] && [ "$(jfield rdsl_db result)" = ok ]' &&
	ok "backups go on after the restart" || { not_ok "backups after restart" "$(jfield rdsl_db message)"; show "$T_DIR/agent.log"; }
after=$(jobs_json | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)))')
[ "$before" = "$after" ] && [ "$(grep -c "job rdsl_db: scheduled" "$T_DIR/agent.log")" -le 2 ] &&
	ok "no job duplicated or lost ($after)" || not_ok "jobs after restart" "$before -> $after"
type fault_row >/dev/null 2>&1 && fault_row "dockerd stopped and started under a label-mode agent (its event stream broken)" \
	"discovery reconnected and re-listed (\"Docker answers again\"); jobs before and after the same: $after; the next scheduled backup of rdsl_db ok" \
	"$([ "$before" = "$after" ] && [ "$(jfield rdsl_db result)" = ok ] && echo ok || echo failed)"

# Idle: no Docker request while nothing changes (rds-discover holds one
# stream); the waiting agent has no libcurl mapped.
grep -q libcurl "/proc/$apid/maps" && not_ok "the agent maps libcurl" ||
	ok "the label-mode agent has no libcurl mapped ($(awk '/^VmRSS/ { print $2 " kB" }' "/proc/$apid/status") resident)"

kill -TERM "$apid"
wait_for 20 eval "! kill -0 $apid 2>/dev/null"
wait "$apid"
rc=$?
[ "$rc" = 0 ] && ! pgrep -f "^$BIN/rds-discover" >/dev/null && ok "SIGTERM: the agent exits 0 and rds-discover is gone" ||
	not_ok "clean stop" "rc=$rc $(pgrep -af "^$BIN/rds-discover")"
if [ -n "$AGENT_WRAP" ]; then
	# The workers are forks of the agent: their reports are in its log.
	grep -q "^==[0-9]*== [A-Z]" "$T_DIR/agent.log" && { not_ok "valgrind found errors in the agent or a worker"; grep "^==" "$T_DIR/agent.log" | head -40 | sed 's/^/#   /'; } ||
		ok "valgrind: no error in the agent or any of its workers"
fi

#!/usr/bin/env bash
# rds-agent with hooks on a real private swarm: a service with two replicas
# gets each hook exactly once; the pre-hook's dump is in the snapshot; a
# failing pre-hook means no snapshot but the post-hook still runs; a missing
# service or one without running tasks fails loudly.
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"

swarm_sshd_up
agent_env hooks
export BACKUP_PATH=$T_DIR/dump

svc=rdsit_db
dk service rm "${svc}2" rdsit_idle >/dev/null 2>&1
at_exit "dk service rm ${svc}2 rdsit_idle"
dump_service "$svc" 2 && ok "service with two replicas is running" || { not_ok "service with two replicas is running"; exit 1; }
dk service create -d --name "${svc}2" --replicas 1 rds-test/busybox:latest sleep 100000 >/dev/null 2>&1
running() { [ "$(dk service ps -q --filter desired-state=running --filter "name=$1" "$1" | wc -l)" = "$2" ] &&
	[ "$(dk ps -q --filter "label=com.docker.swarm.service.name=$1" | wc -l)" = "$2" ]; }
wait_for 60 running "${svc}2" 1 || not_ok "second service running"

containers=$(dk ps -q --filter "label=com.docker.swarm.service.name=$svc")
hook_counts() {
	local c
	for c in $containers; do
		dk exec "$c" sh -c 'cat /tmp/hooks 2>/dev/null | tr "\n" " "'
		echo "|"
	done
}

export SERVICE_NAME=$svc
export PRE_HOOK="sh -c 'echo pre >> /tmp/hooks; date > /dump/db.sql; echo dumped \$(hostname)'"
export POST_HOOK="sh -c 'echo post >> /tmp/hooks; rm -f /dump/db.sql; echo cleaned >&2'"
agent_run "$T_DIR/h1.log" && ok "backup with hooks exits 0" || { not_ok "backup with hooks exits 0"; show "$T_DIR/h1.log"; }
counts=$(hook_counts | tr -d '\n')
case "$counts" in
"pre post |"*"|" | *"|pre post |") ;;
esac
n_pre=$(grep -o pre <<<"$counts" | wc -l)
n_post=$(grep -o post <<<"$counts" | wc -l)
[ "$n_pre" = 1 ] && [ "$n_post" = 1 ] && [[ "$counts" == *"pre post |"* ]] &&
	ok "pre- and post-hook each ran in exactly one of the two containers ($counts)" || not_ok "hooks ran exactly once" "$counts"
grep -q "pre-hook\[stdout\]: dumped" "$T_DIR/h1.log" && ok "pre-hook stdout is in the agent log" || { not_ok "pre-hook stdout in log"; show "$T_DIR/h1.log"; }
grep -q "post-hook\[stderr\]: cleaned" "$T_DIR/h1.log" && ok "post-hook stderr is in the agent log" || not_ok "post-hook stderr in log"
[ ! -e "$T_DIR/dump/db.sql" ] && ok "post-hook removed the dump" || not_ok "post-hook removed the dump"
restic_direct hooks ls latest 2>/dev/null | grep -q "/db.sql$" && ok "the pre-hook's dump is in the snapshot" || not_ok "the dump is in the snapshot"

# The hook runs in the same container every time (lowest slot): deterministic.
agent_run "$T_DIR/h1b.log"
counts2=$(hook_counts | tr -d '\n')
[[ "$counts2" == *"pre post pre post |"* ]] && ok "the same container is chosen again" || not_ok "same container chosen" "$counts2"

# hook subcommand: try a hook by hand.
"$BIN/rds-agent" hook pre >"$T_DIR/hook.log" 2>&1 && grep -q "dumped" "$T_DIR/hook.log" &&
	ok "'rds-agent hook pre' runs the pre-hook once" || { not_ok "rds-agent hook pre"; show "$T_DIR/hook.log"; }
rm -f "$T_DIR/dump/db.sql"

# 2. Failing pre-hook: no snapshot, post-hook still runs, status failed.
before=$(snapshots_count hooks)
PRE_HOOK="sh -c 'echo cannot dump >&2; exit 5'" agent_run "$T_DIR/h2.log"
rc=$?
[ "$rc" = 1 ] && ok "failing pre-hook: exit 1" || not_ok "failing pre-hook: exit 1" "rc=$rc"
[ "$(snapshots_count hooks)" = "$before" ] && ok "failing pre-hook: no snapshot taken" || not_ok "failing pre-hook: no snapshot"
grep -q "post-hook: exit code 0" "$T_DIR/h2.log" && ok "failing pre-hook: the post-hook still ran" || { not_ok "post-hook after failed pre-hook"; show "$T_DIR/h2.log"; }
grep -q "pre-hook exited with code 5" "$T_DIR/h2.log" && [ "$(status_field result)" = failed ] &&
	grep -q "code 5" "$STATUS_FILE" && ok "failing pre-hook: log and status name the exit code" || not_ok "failing pre-hook status"
grep -q "pre-hook\[stderr\]: cannot dump" "$T_DIR/h2.log" && ok "failing pre-hook: its stderr is logged" || not_ok "pre-hook stderr logged"

# 3. Missing service (a prefix of a real one): loud failure, no backup.
SERVICE_NAME=rdsit_d agent_run "$T_DIR/h3.log"
rc=$?
[ "$rc" = 1 ] && grep -q "service 'rdsit_d' not found" "$T_DIR/h3.log" &&
	ok "a service name that is only a prefix fails loudly" || { not_ok "missing service fails"; show "$T_DIR/h3.log"; }
[ "$(snapshots_count hooks)" = "$before" ] && ok "missing service: no snapshot" || not_ok "missing service: no snapshot"

# 4. A service with no running task.
dk service create -d --name rdsit_idle --replicas 0 rds-test/busybox:latest sleep 100000 >/dev/null 2>&1
SERVICE_NAME=rdsit_idle agent_run "$T_DIR/h4.log"
rc=$?
[ "$rc" = 1 ] && grep -q "no running task" "$T_DIR/h4.log" && ok "a service without running tasks fails loudly" ||
	{ not_ok "no running task fails"; show "$T_DIR/h4.log"; }

# 5. HOOK_TIMEOUT bounds a hook; SIGTERM during a hook ends the run promptly
# and the post-hook (the cleanup) still runs.
t0=$SECONDS
HOOK_TIMEOUT=2 PRE_HOOK="sleep 30" agent_run "$T_DIR/h6.log"
rc=$?
[ "$rc" = 1 ] && [ $((SECONDS - t0)) -lt 10 ] && grep -q "timed out" "$T_DIR/h6.log" &&
	ok "HOOK_TIMEOUT=2 ends a hanging pre-hook ($((SECONDS - t0))s)" || { not_ok "HOOK_TIMEOUT"; show "$T_DIR/h6.log"; }
PRE_HOOK="sleep 30" STOP_TIMEOUT=10 $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/h7.log" 2>&1 &
apid=$!
wait_for 20 grep -q "pre-hook: running" "$T_DIR/h7.log"
sleep 0.5
t0=$SECONDS
kill -TERM "$apid"
wait_for 15 eval "! kill -0 $apid"
wait "$apid"
[ $((SECONDS - t0)) -le 11 ] && grep -q "post-hook: exit code 0" "$T_DIR/h7.log" &&
	ok "SIGTERM during a pre-hook: agent gone in $((SECONDS - t0))s, post-hook ran" || { not_ok "SIGTERM during a hook"; show "$T_DIR/h7.log"; }

# A stop after a backup longer than STOP_TIMEOUT: the post-hook gets what is
# left of STOP_TIMEOUT since the stop came, not since the run began (that
# left it one second, and the cleanup was killed).
head -c 40000000 /dev/urandom >"$T_DIR/dump/big.bin"
PRE_HOOK=true POST_HOOK="sh -c 'sleep 3; echo late-cleanup >> /tmp/hooks; echo cleaned late'" STOP_TIMEOUT=10 \
	EXTRA_ARGS="-e --limit-upload=500" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/h11.log" 2>&1 &
apid=$!
wait_for 30 has_locks hooks || not_ok "the long backup started"
sleep 12
t0=$SECONDS
kill -TERM "$apid"
wait_for 20 eval "! kill -0 $apid"
wait "$apid"
took=$((SECONDS - t0))
grep -q "post-hook\[stdout\]: cleaned late" "$T_DIR/h11.log" && grep -q "post-hook: exit code 0" "$T_DIR/h11.log" &&
	[ "$took" -le 11 ] && ok "after a 12 s backup, SIGTERM: the 3 s post-hook still ran in the STOP_TIMEOUT=10 left (${took}s)" ||
	{ not_ok "post-hook budget after a long backup" "${took}s"; show "$T_DIR/h11.log"; }
rm -f "$T_DIR/dump/big.bin"

# 6. Docker unreachable: named in the error.
DOCKER_HOST=unix:///nonexistent/docker.sock agent_run "$T_DIR/h5.log"
rc=$?
[ "$rc" = 1 ] && grep -q "DOCKER_HOST" "$T_DIR/h5.log" && ok "an unreachable Docker API is named in the error" ||
	{ not_ok "unreachable docker"; show "$T_DIR/h5.log"; }

# 7. The hooks run in the rds-hook helper: the agent itself never loads
# libcurl; a hook cannot pass for a result by printing the helper's result
# line; a missing helper stops start-up with a line naming it.
RUN_AT="0 3 * * *" "$BIN/rds-agent" >"$T_DIR/h8.log" 2>&1 &
apid=$!
wait_for 10 grep -q "next backup at" "$T_DIR/h8.log"
if grep -q "next backup at" "$T_DIR/h8.log" && ! grep -q libcurl "/proc/$apid/maps"; then
	ok "the waiting agent has no libcurl mapped ($(awk '/^VmRSS/ { print $2 " kB" }' "/proc/$apid/status") resident)"
else
	not_ok "agent without libcurl" "$(grep -c libcurl "/proc/$apid/maps" 2>/dev/null) libcurl mappings"
fi
kill "$apid"
wait "$apid" 2>/dev/null
PRE_HOOK="sh -c 'echo \"R exit=0 container=fake task=fake node=fake slot=1\"; exit 4'" agent_run "$T_DIR/h9.log"
rc=$?
[ "$rc" = 1 ] && grep -q "pre-hook exited with code 4" "$T_DIR/h9.log" && grep -q "pre-hook\[stdout\]: R exit=0" "$T_DIR/h9.log" &&
	ok "a hook printing a result line is still judged by its own exit code" || { not_ok "spoofed result line"; show "$T_DIR/h9.log"; }
mkdir -p "$T_DIR/lonely"
cp "$BIN/rds-agent" "$T_DIR/lonely/"
PATH=/usr/bin:/bin "$T_DIR/lonely/rds-agent" >"$T_DIR/h10.log" 2>&1
rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$T_DIR/h10.log")" = 1 ] && grep -q "rds-hook" "$T_DIR/h10.log" &&
	ok "hooks set but no rds-hook: exit 2, one line ($(cat "$T_DIR/h10.log"))" || { not_ok "missing helper"; show "$T_DIR/h10.log"; }
exit 0

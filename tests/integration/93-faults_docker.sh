#!/usr/bin/env bash
# Faults around the hooks, on the real private swarm (seed mode, real sshd
# and restic). Each row ends with a good backup of the same service, restored
# byte for byte, and a repository that passes `restic check`:
#   - a hook that prints binary data, a 1 MiB line and 5000 lines: the log
#     keeps the first 200 lines and the last 20 of it, says how much it left
#     out, holds no raw control bytes; the backup is ok;
#   - a hook with endless output (`yes`) and HOOK_TIMEOUT=3s: the run fails
#     by the timeout within seconds, the log stays small, the post-hook ran,
#     no snapshot was made;
#   - the hooked container killed during its hook: the run fails at once
#     with a line naming the hook; the next run uses the replacement task;
#   - SIGTERM while a pre-hook that ignores SIGTERM runs: the agent ends
#     within STOP_TIMEOUT (+ slack), the post-hook ran after it; SIGTERM
#     during the post-hook: a cleanup of 2 s finishes, one of 30 s is
#     stopped when STOP_TIMEOUT is over; no lock is left;
#   - dockerd restarted during a hook: the run fails with a line naming the
#     hook (or completes), and the next run succeeds once the task is back.
# Each row also goes into the reliability table (tests/lib/reliability.sh).
#   BUILD=dir bash tests/integration/93-faults_docker.sh
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
if [ -f "$RDS_ROOT/tests/lib/reliability.sh" ]; then
	source "$RDS_ROOT/tests/lib/reliability.sh"
fi
type fault_row >/dev/null 2>&1 || fault_row() {
	printf '%s\t%s\t%s\n' "$1" "$2" "${3:-ok}" >>"${RELIABILITY_ROWS:-/tmp/rds-reliability.rows}"
}

swarm_sshd_up
agent_env faults
svc=rdsit_fx
dump_service "$svc" && ok "the hooked service runs" || { not_ok "the hooked service runs"; exit 1; }
export BACKUP_PATH=$T_DIR/dump
make_data "$T_DIR/dump" 10
cid() { dk ps -q --filter "label=com.docker.swarm.service.name=$svc" --filter status=running | head -n1; }
export SERVICE_NAME=$svc
GOOD_PRE="sh -c 'date > /dump/db.sql'"
GOOD_POST="sh -c 'echo post >> /dump/post.log'"

# good_run NAME: a one-shot backup with good hooks succeeds, the repository
# passes check and the latest snapshot restores byte for byte. Sets GOOD.
# Up to three runs 5 s apart, as the next scheduled ticks would be (a
# replacement task can take a moment to be the service's running one);
# TRIES says how many it took.
good_run() {
	local name=$1 d=$T_DIR/restore-$1
	GOOD=no
	TRIES=1
	until PRE_HOOK=$GOOD_PRE POST_HOOK=$GOOD_POST agent_run "$T_DIR/$name-good.log"; do
		if [ "$TRIES" -ge 3 ]; then
			not_ok "$name: the next backup succeeds" \
				"$(grep -E ' (error|warn) ' "$T_DIR/$name-good.log" | tail -n 3 | cut -c1-300 | tr '\n' ' ')"
			return 1
		fi
		cp "$T_DIR/$name-good.log" "$T_DIR/$name-good-$TRIES.log"
		echo "# $name: run $TRIES of the next backup failed: $(grep -E ' (error|warn) ' "$T_DIR/$name-good.log" | grep -v "run finished" | tail -n 2 | cut -c1-300 | tr '\n' ' ')"
		TRIES=$((TRIES + 1))
		sleep 5
	done
	restic_direct faults check >"$T_DIR/$name-check.log" 2>&1 || {
		not_ok "$name: restic check" "$(tail -n 5 "$T_DIR/$name-check.log")"
		return 1
	}
	rm -rf "$d"
	restic_direct faults restore latest --target "$d" >/dev/null 2>&1 &&
		diff -r --exclude=db.sql --exclude=post.log "$T_DIR/dump" "$d$T_DIR/dump" >/dev/null || {
		not_ok "$name: the latest snapshot restores byte for byte"
		return 1
	}
	ok "$name: the next backup succeeds (run $TRIES), check passes, the restore is identical"
	GOOD=yes
}
post_count() { [ -f "$T_DIR/dump/post.log" ] && wc -l <"$T_DIR/dump/post.log" || echo 0; }
# hook_lines LOG: lines of hook output in the log
hook_lines() { grep -c -- '-hook\[std' "$1"; }
# clean_text LOG: no byte below 0x20 but tab and newline, and valid UTF-8
clean_text() {
	python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); b.decode("utf-8"); sys.exit(any(c < 32 and c not in (9, 10) for c in b))' "$1"
}

good_run start
[ "$GOOD" = yes ] || exit 1

# 1. Binary data, a 1 MiB line and 5000 lines from the pre-hook.
PRE_HOOK="sh -c 'head -c 200000 /dev/urandom; echo; head -c 1048576 /dev/zero | tr \"\\\\0\" x; echo; seq 1 5000; echo LAST-LINE'" \
	POST_HOOK=$GOOD_POST agent_run "$T_DIR/noisy.log"
rc=$?
n=$(hook_lines "$T_DIR/noisy.log")
size=$(stat -c %s "$T_DIR/noisy.log")
[ "$rc" = 0 ] && ok "noisy hook: the backup is ok" || { not_ok "noisy hook: the backup is ok" "rc=$rc"; show "$T_DIR/noisy.log"; }
[ "$n" -le 230 ] && grep -q "pre-hook: [0-9]* lines of output in all; [0-9]* of them ([0-9]* bytes) not logged, the last 20 follow" "$T_DIR/noisy.log" &&
	grep -q 'pre-hook\[stdout\]: LAST-LINE$' "$T_DIR/noisy.log" &&
	ok "noisy hook: $n lines logged ($size bytes of log), the cut said, the last line kept" ||
	not_ok "noisy hook output bounded" "$n lines, $size bytes"
clean_text "$T_DIR/noisy.log" && ok "noisy hook: no raw control byte in the log, valid UTF-8" ||
	not_ok "noisy hook: control bytes in the log"
good_run noisy
fault_row "A hook printing 200 KB of binary data, a 1 MiB line and 5000 lines" \
	"backup ok (rc $rc); $n lines logged ($size bytes of log): the first 200, a note of what was left out, the last 20; no control byte in the log; next backup ok, check ok, restore identical" \
	"$([ "$rc" = 0 ] && [ "$n" -le 230 ] && [ "$GOOD" = yes ] && echo ok || echo failed)"

# 2. Endless output, HOOK_TIMEOUT=3s.
snaps=$(snapshots_count faults)
posts=$(post_count)
t0=$SECONDS
HOOK_TIMEOUT=3s PRE_HOOK="yes spam" POST_HOOK=$GOOD_POST agent_run "$T_DIR/endless.log"
rc=$?
took=$((SECONDS - t0))
n=$(hook_lines "$T_DIR/endless.log")
size=$(stat -c %s "$T_DIR/endless.log")
[ "$rc" != 0 ] && [ "$took" -lt 20 ] && grep -q "pre-hook.*timed out after 3 s" "$T_DIR/endless.log" &&
	ok "endless output: the run fails by HOOK_TIMEOUT after $took s" ||
	{ not_ok "endless output: fails by the timeout" "rc=$rc after $took s"; show "$T_DIR/endless.log"; }
[ "$n" -le 230 ] && [ "$size" -lt 2000000 ] && ok "endless output: the log stays small ($n hook lines, $size bytes)" ||
	not_ok "endless output: log bounded" "$n lines, $size bytes"
[ "$(post_count)" -gt "$posts" ] && [ "$(snapshots_count faults)" = "$snaps" ] &&
	ok "endless output: the post-hook ran, no snapshot was made" || not_ok "endless output: post-hook / snapshot"
left=$(dk exec "$(cid)" sh -c 'pgrep -x yes | wc -l' 2>/dev/null)
[ "${left:-0}" -gt 0 ] && dk exec "$(cid)" pkill -x yes >/dev/null 2>&1
good_run endless
fault_row "A hook with endless output (yes) and HOOK_TIMEOUT=3s" \
	"the run failed after $took s: pre-hook timed out after 3 s; $n hook lines logged, $size bytes of log; post-hook ran; no snapshot; the hook's process $([ "${left:-0}" -gt 0 ] && echo "kept running in the container (Docker has no call to stop an exec; the log says it may still be running)" || echo "was gone"); next backup ok, check ok, restore identical" \
	"$([ "$rc" != 0 ] && [ "$n" -le 230 ] && [ "$GOOD" = yes ] && echo ok || echo failed)"

# 3. The hooked container killed during its hook.
old=$(cid)
PRE_HOOK="sh -c 'echo started; sleep 30'" POST_HOOK=$GOOD_POST agent_run "$T_DIR/died.log" &
apid=$!
wait_for 20 grep -q 'pre-hook\[stdout\]: started' "$T_DIR/died.log"
t0=$SECONDS
dk kill "$old" >/dev/null 2>&1
wait "$apid"
rc=$?
took=$((SECONDS - t0))
line=$(grep -m1 "pre-hook" "$T_DIR/died.log" | grep -v stdout)
[ "$rc" != 0 ] && [ "$took" -lt 15 ] && ok "container killed in its hook: the run fails after $took s" ||
	{ not_ok "container killed in its hook" "rc=$rc after $took s"; show "$T_DIR/died.log"; }
msg=$(status_field message)
[ -n "$msg" ] && ok "container killed: the status says why ($msg)" || not_ok "container killed: status message"
wait_for 60 eval '[ -n "$(cid)" ] && [ "$(cid)" != "$old" ]' && ok "Swarm started a replacement task" ||
	not_ok "replacement task"
good_run died
fault_row "The hooked container killed during its pre-hook" \
	"the run failed $took s after the kill: $msg; a replacement task came up; $([ "$GOOD" = yes ] && echo "next backup ok in it (run $TRIES), check ok, restore identical" || echo "no good backup in 3 runs")" \
	"$([ "$rc" != 0 ] && [ "$GOOD" = yes ] && echo ok || echo failed)"

# 4. SIGTERM during a pre-hook that ignores SIGTERM, and during a slow
# post-hook. A scheduled agent, a run every second.
sigterm_in() { # NAME PRE POST WAIT_FOR_LINE
	local name=$1 log=$T_DIR/$1.log t0 took rc
	STOP_TIMEOUT=5s RUN_AT="* * * * * *" PRE_HOOK=$2 POST_HOOK=$3 $AGENT_WRAP "$BIN/rds-agent" >"$log" 2>&1 &
	local pid=$!
	wait_for 30 grep -q -- "$4" "$log" || { not_ok "$name: the hook started"; show "$log"; kill -9 "$pid"; return 1; }
	t0=$(date +%s%N)
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	took=$((($(date +%s%N) - t0) / 1000000))
	TOOK=$took
	RC=$rc
}
posts=$(post_count)
sigterm_in stop_pre "sh -c 'trap \"\" TERM; echo started; sleep 30'" "$GOOD_POST" 'pre-hook\[stdout\]: started'
[ "$TOOK" -le 8000 ] && ok "SIGTERM in a pre-hook that ignores it: the agent ends in $TOOK ms (STOP_TIMEOUT 5 s), code $RC" ||
	{ not_ok "SIGTERM in pre-hook: ends in time" "$TOOK ms"; show "$T_DIR/stop_pre.log"; }
[ "$(post_count)" -gt "$posts" ] && ok "SIGTERM in the pre-hook: the post-hook ran" || not_ok "post-hook after interrupted pre-hook"
locks=$(locks_count faults)
[ "$locks" = 0 ] && ok "SIGTERM in the pre-hook: no lock left" || not_ok "locks left" "$locks"
dk exec "$(cid)" pkill -x sleep >/dev/null 2>&1
good_run stop_pre
fault_row "SIGTERM while a pre-hook that ignores SIGTERM runs (STOP_TIMEOUT=5s)" \
	"the agent ended in $TOOK ms with code $RC; the post-hook ran; no lock left; next backup ok, check ok, restore identical" \
	"$([ "$TOOK" -le 8000 ] && [ "$locks" = 0 ] && [ "$GOOD" = yes ] && echo ok || echo failed)"

# A stop during the post-hook: the cleanup gets STOP_TIMEOUT to finish.
sigterm_in stop_post "$GOOD_PRE" "sh -c 'echo cleaning; sleep 2; echo cleaned >> /dump/post.log'" 'post-hook\[stdout\]: cleaning'
quick=$TOOK
grep -q cleaned "$T_DIR/dump/post.log" && [ "$TOOK" -ge 1500 ] && [ "$TOOK" -le 5000 ] &&
	ok "SIGTERM in a 2 s post-hook: it finishes, then the agent ends ($TOOK ms, code $RC)" ||
	{ not_ok "SIGTERM in post-hook: the cleanup finishes" "$TOOK ms"; show "$T_DIR/stop_post.log"; }
sigterm_in stop_post_slow "$GOOD_PRE" "sh -c 'echo cleaning; sleep 30'" 'post-hook\[stdout\]: cleaning'
[ "$TOOK" -ge 4500 ] && [ "$TOOK" -le 9000 ] &&
	ok "SIGTERM in a 30 s post-hook: stopped when STOP_TIMEOUT is over ($TOOK ms, code $RC)" ||
	{ not_ok "SIGTERM in a slow post-hook: ends at STOP_TIMEOUT" "$TOOK ms"; show "$T_DIR/stop_post_slow.log"; }
locks=$(locks_count faults)
[ "$locks" = 0 ] && ok "SIGTERM in the post-hook: no lock left" || not_ok "locks left" "$locks"
dk exec "$(cid)" pkill -x sleep >/dev/null 2>&1
good_run stop_post
fault_row "SIGTERM while the post-hook runs (STOP_TIMEOUT=5s)" \
	"a 2 s cleanup finished and the agent ended after $quick ms; a 30 s one was stopped at STOP_TIMEOUT, the agent ended after $TOOK ms; no lock left; next backup ok, check ok, restore identical" \
	"$([ "$quick" -le 5000 ] && [ "$TOOK" -le 9000 ] && [ "$locks" = 0 ] && [ "$GOOD" = yes ] && echo ok || echo failed)"

# 5. dockerd restarted during a hook.
PRE_HOOK="sh -c 'echo started; sleep 20'" POST_HOOK=$GOOD_POST agent_run "$T_DIR/restart.log" &
apid=$!
wait_for 20 grep -q 'pre-hook\[stdout\]: started' "$T_DIR/restart.log"
t0=$SECONDS
dockerd_down >/dev/null 2>&1
wait "$apid"
rc=$?
took=$((SECONDS - t0))
dockerd_up >/dev/null 2>&1 || not_ok "dockerd back"
msg=$(status_field message)
[ "$rc" != 0 ] && [ "$took" -lt 30 ] && [ -n "$msg" ] && ok "dockerd stopped in a hook: the run fails after $took s ($msg)" ||
	{ not_ok "dockerd restarted in a hook" "rc=$rc after $took s"; show "$T_DIR/restart.log"; }
wait_for 90 service_running "$svc" 1 || not_ok "the service's task is back after the restart"
good_run restart
fault_row "dockerd stopped and started again during a pre-hook (seed mode)" \
	"the run failed $took s after the stop: $msg; after dockerd was back $([ "$GOOD" = yes ] && echo "the next backup ok (run $TRIES), check ok, restore identical" || echo "no good backup in 3 runs")" \
	"$([ "$rc" != 0 ] && [ "$GOOD" = yes ] && echo ok || echo failed)"

! grep -q "correct horse" "$T_DIR"/*.log && ok "no password in any log" || not_ok "password in a log"

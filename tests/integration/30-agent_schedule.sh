#!/usr/bin/env bash
# The schedule and the process duties: cron-driven runs, skipped ticks while a
# backup runs, SIGTERM during a long backup (restic gone, no lock left, within
# STOP_TIMEOUT), and PID 1 reaping orphans in its own PID namespace.
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"

sshd_start || { not_ok "sshd started"; exit 1; }
agent_env sched
make_data "$BACKUP_PATH" 20
agent_run "$T_DIR/init.log" || { not_ok "initial backup"; show "$T_DIR/init.log"; }

runs() { status_field runs 2>/dev/null || echo 0; }

# 1. Every 2 seconds (six-field cron): runs happen, health is fine, SIGTERM ends it.
RUN_AT="*/2 * * * * *" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/s1.log" 2>&1 &
apid=$!
wait_for 30 runs_at_least 2 && ok "scheduled runs happen (runs=$(runs))" || { not_ok "scheduled runs happen"; show "$T_DIR/s1.log"; }
grep -q "next backup at" "$T_DIR/s1.log" && ok "the next run time is logged" || not_ok "the next run time is logged"
# A run starts at its second, not up to a second after it: the log's
# milliseconds of each "started" line (valgrind runs are slower to start).
late_max=250
[ -n "$AGENT_WRAP" ] && late_max=900
late=$(grep " started (host " "$T_DIR/s1.log" | cut -d' ' -f1 | sed -n 's/.*\.\([0-9]\{3\}\)Z$/\1/p' | sort -n | tail -n 1)
[ -n "$late" ] && [ "$((10#$late))" -le "$late_max" ] && ok "scheduled runs start on time (latest ${late} ms after their second)" ||
	{ not_ok "scheduled runs start on time" "latest ${late:-?} ms after the second (max $late_max)"; grep " started (host " "$T_DIR/s1.log" | show; }
nr=$(status_field next_run_epoch)
[ "$nr" != None ] && [ "$nr" -ge "$(date +%s)" ] && ok "status has the next run" || not_ok "status has the next run" "$nr"
"$BIN/rds-agent" health >/dev/null && ok "health 0 while the schedule runs" || not_ok "health 0 while the schedule runs"
kill -TERM "$apid"
wait_for 15 eval "! kill -0 $apid" && ok "SIGTERM stops a scheduled agent" || not_ok "SIGTERM stops a scheduled agent"
wait "$apid"
rc=$?
[ "$rc" = 0 ] && ok "clean exit code 0 after SIGTERM" || not_ok "clean exit after SIGTERM" "rc=$rc"

# 2. A backup longer than the interval: the ticks inside it are skipped and logged.
head -c 30000000 /dev/urandom >"$BACKUP_PATH/big1.bin"
RUN_AT="* * * * * *" EXTRA_ARGS="-e --limit-upload=4000" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/s2.log" 2>&1 &
apid=$!
wait_for 60 grep -q "skipped [0-9]* scheduled run" "$T_DIR/s2.log" && ok "ticks during a running backup are skipped and logged" ||
	{ not_ok "ticks during a running backup are skipped"; show "$T_DIR/s2.log"; }
kill -TERM "$apid"
wait "$apid"

# 3. SIGTERM in the middle of a long backup.
head -c 200000000 /dev/urandom >"$BACKUP_PATH/big2.bin"
STOP_TIMEOUT=10 EXTRA_ARGS="-e --limit-upload=2000" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/s3.log" 2>&1 &
apid=$!
wait_for 30 has_locks sched || not_ok "long backup started"
sleep 1
t0=$SECONDS
kill -TERM "$apid"
wait_for 15 eval "! kill -0 $apid"
gone=$((SECONDS - t0))
wait "$apid"
rc=$?
[ "$gone" -le 11 ] && ok "agent gone ${gone}s after SIGTERM (STOP_TIMEOUT=10)" || not_ok "agent gone within STOP_TIMEOUT" "${gone}s"
[ "$rc" = 1 ] && ok "an interrupted one-shot backup exits 1" || not_ok "an interrupted one-shot backup exits 1" "rc=$rc"
! pgrep -f "restic.*$T_DIR" >/dev/null && ok "no restic process left" || not_ok "no restic process left"
[ "$(locks_count sched)" = 0 ] && ok "no lock left after SIGTERM" || not_ok "no lock left after SIGTERM"
grep -q "interrupted" "$T_DIR/s3.log" && [ "$(status_field result)" = failed ] &&
	ok "status says the backup was interrupted" || { not_ok "status says interrupted"; show "$T_DIR/s3.log"; }
rm -f "$BACKUP_PATH"/big*.bin

# 4. PID 1 in its own PID namespace: orphans (here a setsid'd sleep left by a
# restic wrapper) are reaped, no zombie remains.
cat >"$T_DIR/restic-wrapper" <<W
#!/bin/sh
setsid sleep 1 </dev/null >/dev/null 2>&1 &
exec $RESTIC_BINARY "\$@"
W
chmod +x "$T_DIR/restic-wrapper"
RESTIC_BINARY=$T_DIR/restic-wrapper RUN_AT="*/3 * * * * *" \
	unshare --pid --fork --kill-child $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/s4.log" 2>&1 &
upid=$!
apid=
wait_for 10 eval 'apid=$(pgrep -P '"$upid"' -x rds-agent) && [ -n "$apid" ]'
apid=$(pgrep -P "$upid" | head -n1)
[ "$(awk '/^NSpid/ {print $NF}' /proc/"$apid"/status 2>/dev/null)" = 1 ] && ok "agent runs as PID 1 in its namespace" || not_ok "agent runs as PID 1"
wait_for 30 runs_at_least 2 || not_ok "PID 1 agent runs backups"
sleep 1.5
zombies=$(ps -o stat=,ppid= -e | awk -v p="$apid" '$1 ~ /^Z/ && $2 == p' | wc -l)
[ "$zombies" = 0 ] && ok "no zombies under the PID 1 agent" || not_ok "no zombies under the PID 1 agent" "$zombies"
kill -TERM "$apid"
wait_for 15 eval "! kill -0 $upid" && ok "PID 1 agent stops on SIGTERM" || not_ok "PID 1 agent stops on SIGTERM"
wait "$upid" 2>/dev/null
exit 0

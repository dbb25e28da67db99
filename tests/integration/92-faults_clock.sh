#!/usr/bin/env bash
# The wall clock stepped while a seed-mode agent is scheduled (row 8 of
# "Prove it under faults"): forward an hour over a daily tick, then back an
# hour, and an hour forward and back on a frequent schedule. The agent's
# clock is libfaketime's with a control file (FAKETIME_TIMESTAMP_FILE,
# FAKETIME_NO_CACHE=1), the wall clock only (FAKETIME_DONT_FAKE_MONOTONIC=1:
# a real step leaves CLOCK_MONOTONIC alone); restic runs on the real clock
# (the agent passes no LD_PRELOAD on). Expected: no burst of backups, no
# missed day, the daily tick jumped over runs within a minute of the step,
# the daily tick does not run twice after the step back, and the frequent
# schedule goes on at its pace after it (not an hour later).
# Runs in its own network namespace: its sshd's port is its own while other
# scenarios run beside it.
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/ns.sh"
private_ns "$0" "$@"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
source "$RDS_ROOT/tests/lib/reliability.sh"
echo "# restic: $($RESTIC_BINARY version 2>&1 | head -n1); agent: ${AGENT_WRAP:-plain} $BIN"
fault_rows_reset
FT_LIB=${FT_LIB:-/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1}
[ -f "$FT_LIB" ] || { not_ok "libfaketime at $FT_LIB (apt-get install faketime)"; exit 1; }

sshd_start || { not_ok "sshd started"; exit 1; }
agent_env clock
make_data "$BACKUP_PATH" 10
agent_run "$T_DIR/init.log" || { not_ok "first backup"; show "$T_DIR/init.log"; }

FT_FILE=$T_DIR/faketime
echo "+0" >"$FT_FILE"
# A command on the faked clock. (ASan wants to be the first library.)
faked() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$FT_LIB \
		FAKETIME_TIMESTAMP_FILE=$FT_FILE FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 "$@"
}
step_clock() { echo "$1" >"$FT_FILE"; }
# libfaketime's ppoll does not take the signal mask the agent waits with
# (SIGTERM stays blocked): the faked agent does not see SIGTERM, so it is
# killed (its workers and their restic with it) once its runs are over.
APID=
stop_agent() {
	[ -n "$APID" ] || return 0
	wait_for 30 eval '[ "$(status_field running)" != True ]'
	local kids
	kids=$(pgrep -P "$APID")
	# shellcheck disable=SC2086 # one pid per word
	kill -9 "$APID" $kids 2>/dev/null
	wait "$APID" 2>/dev/null
	APID=
}
at_exit stop_agent
runs() { status_field runs 2>/dev/null || echo 0; }
started_lines() { grep -c " started (host " "$1"; }

# ---- A. an hour forward over today's tick, then an hour back ----
# A daily tick 100 s from now: the agent's wait for it is longer than a
# minute, so a scheduler that counted the whole wait from before the step
# would start the backup only 100 s later (an hour late on the wall clock).
tick=$(($(date +%s) + 100))
run_at="$(date -u -d "@$tick" +'%-S %-M %-H') * * *"
n0=$(runs)
TZ=UTC RUN_AT=$run_at faked $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/a.log" 2>&1 &
APID=$!
wait_for 20 eval '[ "$(status_field next_run_epoch)" = '"$tick"' ]' && ok "daily tick at $(date -u -d "@$tick" +%T) scheduled" ||
	{ not_ok "daily tick scheduled" "next_run=$(status_field next_run_epoch) want $tick"; show "$T_DIR/a.log"; }
sleep 3
t_step=$SECONDS
step_clock "+3600"
if wait_for 90 eval '[ "$(started_lines "$T_DIR/a.log")" -ge 1 ]'; then
	start_s=$((SECONDS - t_step))
else
	start_s=-1
fi
wait_for 60 eval '[ "$(runs)" -gt '"$n0"' ] && [ "$(status_field running)" = False ]'
res=$(status_field result)
line=$(grep -m1 "delayed by" "$T_DIR/a.log" | cut -d' ' -f3- | cut -c1-120)
[ "$start_s" -ge 0 ] && [ "$start_s" -le 62 ] && [ "$res" = ok ] &&
	ok "clock +1h over the daily tick: the backup starts ${start_s}s after the step and succeeds ($line)" ||
	{ not_ok "clock +1h over the daily tick: backup within a minute" "started after ${start_s}s, result $res"; show "$T_DIR/a.log"; }
sleep 6
fwd_runs=$(($(runs) - n0))
next=$(status_field next_run_epoch)
[ "$fwd_runs" = 1 ] && ok "exactly one backup for the tick jumped over (no burst)" || not_ok "one backup after +1h" "$fwd_runs runs"
[ "$next" = $((tick + 86400)) ] && ok "the next run is tomorrow's tick (no missed day)" ||
	not_ok "next run after +1h" "next_run=$next want $((tick + 86400))"
# Back an hour: the wall clock replays an hour that already had its backup.
step_clock "+0"
sleep 8
back_runs=$(($(runs) - n0 - fwd_runs))
next2=$(status_field next_run_epoch)
h=$(faked "$BIN/rds-agent" health 2>&1)
hrc=$?
[ "$back_runs" = 0 ] && ok "clock back 1h: no backup again for the tick that already ran" || not_ok "no rerun after -1h" "$back_runs runs"
[ "$next2" = $((tick + 86400)) ] && ok "clock back 1h: the next run is still tomorrow's tick" ||
	not_ok "next run after -1h" "next_run=$next2 want $((tick + 86400))"
[ "$hrc" = 0 ] && ok "clock back 1h: healthy ($h)" || not_ok "healthy after -1h" "$h"
# Noticed at the next wake-up (within a minute: the wait for tomorrow's tick
# is looked at every minute).
wait_for 70 grep -q "wall clock went back .*every schedule keeps its next time" "$T_DIR/a.log" &&
	ok "clock back 1h: the log says so within a minute, and that the daily tick stays" ||
	{ not_ok "the step back is logged"; show "$T_DIR/a.log"; }
stop_agent
fault_verify clock && ok "after the steps: $FV_MSG" || not_ok "check and restore after the steps" "$FV_MSG"
r=ok
[ "$start_s" -ge 0 ] && [ "$start_s" -le 62 ] && [ "$fwd_runs" = 1 ] && [ "$back_runs" = 0 ] && [ "$hrc" = 0 ] &&
	[ "$next2" = $((tick + 86400)) ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
fault_row "wall clock stepped forward 1h over a daily tick, then back 1h (libfaketime)" \
	"+1h: the tick's backup started ${start_s}s after the step (\"${line}\"), ok, $fwd_runs run; -1h: $back_runs rerun, next run still tomorrow's tick, health: ${h%%:*}; $FV_MSG" "$r"

# ---- B. an hour forward on a schedule every 5 s: no catching up ----
step_clock "+0"
n0=$(runs)
TZ=UTC RUN_AT="*/5 * * * * *" faked $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/b.log" 2>&1 &
APID=$!
wait_for 20 eval '[ "$(runs)" -gt '"$n0"' ]' || { not_ok "every-5s schedule runs"; show "$T_DIR/b.log"; }
sleep 1
n1=$(runs)
step_clock "+3600"
sleep 21
burst=$(($(runs) - n1))
step_clock "+0"
sleep 15
after_back=$(($(runs) - n1 - burst))
back_line=$(grep -m1 "wall clock went back" "$T_DIR/b.log" | sed -E 's/^[^ ]+ +[a-z]+ +//' | cut -c1-100)
skipped=$(grep -o "skipped [0-9]* scheduled run" "$T_DIR/b.log" | awk '{s += $2} END {print s + 0}')
stop_agent
[ "$burst" -ge 2 ] && [ "$burst" -le 6 ] && ok "clock +1h on */5 s: $burst backups in the next 21 s (no burst of the 720 ticks passed over)" ||
	{ not_ok "no burst after +1h on */5 s" "$burst runs in 21 s"; show "$T_DIR/b.log"; }
[ "$after_back" -ge 1 ] && [ "$after_back" -le 4 ] && [ -n "$back_line" ] &&
	ok "clock back 1h on */5 s: $after_back backups in the next 15 s, at the schedule's pace, not an hour later ($back_line)" ||
	{ not_ok "*/5 s goes on after -1h" "$after_back runs in 15 s"; show "$T_DIR/b.log"; }
[ "$(status_field result)" = ok ] && ok "the last backup succeeded" || not_ok "last backup ok" "$(status_field message)"
fault_verify clock && ok "after the steps: $FV_MSG" || not_ok "check and restore after */5 s" "$FV_MSG"
r=ok
[ "$burst" -ge 2 ] && [ "$burst" -le 6 ] && [ "$after_back" -ge 1 ] && [ "$after_back" -le 4 ] &&
	[ "$FV_MSG" = "check ok; restore identical" ] || r=failed
fault_row "wall clock stepped forward 1h, then back 1h, on a schedule every 5 s" \
	"+1h: $burst backups in the next 21 s (one per tick, the 720 ticks passed over are not caught up, $skipped logged as skipped); -1h: $after_back backups in the next 15 s (the schedule keeps its pace on the new clock: \"$back_line\"); $FV_MSG" "$r"
exit 0

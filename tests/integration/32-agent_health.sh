#!/usr/bin/env bash
# Health as Swarm acts on it, with a real scheduled agent and real restic:
# a long first backup stays healthy, BACKUP_TIMEOUT stops a hung one, the
# freshness window follows the schedules users write (weekdays, monthly),
# the record survives a new agent (STATUS_FILE on a volume), a repository
# that was seen and is gone is never created again, HEALTH_MAX_AGE, and the
# reason of a failure found at the end of a long ssh log.
# Health is asked at later times through libfaketime (the agent itself runs
# on the real clock).
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
echo "# restic: $($RESTIC_BINARY version 2>&1 | head -n1); agent: ${AGENT_WRAP:-plain} $BIN"

sshd_start || { not_ok "sshd started"; exit 1; }
agent_env health
make_data "$BACKUP_PATH" 10

# health at now + $1 seconds; prints the verdict, returns its exit code.
# (ASan wants to be the first library; libfaketime comes before it.)
health_at() { ASAN_OPTIONS=verify_asan_link_order=0 faketime -f "+${1}s" "$BIN/rds-agent" health; }
# A six-field cron expression that fires at the second $1 seconds from now
# and then hourly (H=*), daily (H=hour) and so on, as the rest says.
soon() {
	local t=$(($(date +%s) + $1))
	echo "$(date -u -d "@$t" +'%-S %-M') ${2:-*} * * *"
}
stop_agent() {
	kill -TERM "$1" 2>/dev/null
	wait_for 20 eval "! kill -0 $1"
	wait "$1" 2>/dev/null
}

# 1. A first backup that runs for hours on an hourly schedule is healthy (the
# old verdict, "no successful backup within two intervals", had Swarm kill it
# at 2h10m and start the same first backup again, for ever).
head -c 60000000 /dev/urandom >"$BACKUP_PATH/big.bin"
TZ=UTC RUN_AT="$(soon 2 '*')" EXTRA_ARGS="-e --limit-upload=500" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/h1.log" 2>&1 &
apid=$!
wait_for 30 has_locks health && wait_for 10 eval '[ "$(status_field running)" = True ]' ||
	{ not_ok "the long first backup started"; show "$T_DIR/h1.log"; }
v=$(health_at $((2 * 3600 + 13 * 60)))
rc=$?
[ "$rc" = 0 ] && [[ "$v" == "healthy: backup running for 2h1"* ]] &&
	ok "hourly schedule, first backup running for 2h13m: healthy ($v)" || not_ok "a running backup is healthy" "rc=$rc: $v"
[ "$(status_field max_age_s)" = $((2 * 3600 + 600)) ] && ok "hourly: the freshness window is 2h10m" ||
	not_ok "hourly window" "$(status_field max_age_s)"
stop_agent "$apid"
[ "$(locks_count health)" = 0 ] && ok "stopped cleanly, no lock left" || not_ok "no lock after the stop"

# 2. BACKUP_TIMEOUT: a backup that overruns is stopped like on SIGTERM and
# the run fails naming the setting; health says the last backup failed.
t0=$SECONDS
BACKUP_TIMEOUT=4s STOP_TIMEOUT=10s EXTRA_ARGS="-e --limit-upload=500" agent_run "$T_DIR/h2.log"
rc=$?
took=$((SECONDS - t0))
[ "$rc" = 1 ] && [ "$took" -le 16 ] && ok "BACKUP_TIMEOUT=4s stops the backup (exit 1 after ${took}s)" ||
	{ not_ok "BACKUP_TIMEOUT stops the backup" "rc=$rc after ${took}s"; show "$T_DIR/h2.log"; }
grep -q "BACKUP_TIMEOUT=4s" <<<"$(status_field message)" && ok "the status names BACKUP_TIMEOUT: $(status_field message)" ||
	not_ok "status names BACKUP_TIMEOUT" "$(status_field message)"
! pgrep -f "restic.*$T_DIR" >/dev/null && ok "no restic left after the timeout" || not_ok "no restic left after the timeout"
[ "$(locks_count health)" = 0 ] && ok "no lock left after the timeout" || not_ok "no lock left after the timeout"
v=$("$BIN/rds-agent" health)
[ $? = 1 ] && [[ "$v" == *"BACKUP_TIMEOUT"* ]] && ok "health: $v" || not_ok "health after the timeout" "$v"
rm -f "$BACKUP_PATH/big.bin"

# 3. One good backup, then schedules users write. The window is twice the
# schedule's LONGEST gap plus 10 minutes: weekdays at 03:00 tolerate the
# weekend (6d10m), not one day (the old first-gap window turned such an
# agent unhealthy every weekend).
agent_run "$T_DIR/h3.log" && ok "a good one-shot backup" || { not_ok "a good one-shot backup"; show "$T_DIR/h3.log"; }
ok_at=$(status_field last_success_epoch)
check_schedule() { # NAME RUN_AT WINDOW_S
	local name=$1 run_at=$2 window=$3 v rc
	TZ=UTC RUN_AT="$run_at" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/s-$name.log" 2>&1 &
	local pid=$!
	wait_for 20 eval '[ "$(status_field max_age_s)" = '"$window"' ]' &&
		ok "$name ($run_at): window $(status_field max_age_s)s" ||
		{ not_ok "$name window" "$(status_field max_age_s) != $window"; show "$T_DIR/s-$name.log"; }
	grep -q "STATUS_FILE: last successful backup" "$T_DIR/s-$name.log" &&
		[ "$(status_field last_success_epoch)" = "$ok_at" ] && ok "$name: the new agent knows the last success" ||
		{ not_ok "$name: last success carried over"; show "$T_DIR/s-$name.log"; }
	v=$(health_at $((window - 900)))
	rc=$?
	[ "$rc" = 0 ] && ok "$name: healthy 15 minutes before the window ends ($v)" || not_ok "$name healthy inside the window" "$v"
	v=$(health_at $((window + 60)))
	rc=$?
	[ "$rc" = 1 ] && [[ "$v" == *"no successful backup for"* ]] && ok "$name: unhealthy after it ($v)" ||
		not_ok "$name unhealthy after the window" "$v"
	stop_agent "$pid"
}
check_schedule weekdays "0 3 * * 1-5" $((2 * 3 * 86400 + 600))
check_schedule office-hours "*/10 9-17 * * 1-5" $((2 * (2 * 86400 + 15 * 3600 + 10 * 60) + 600))
check_schedule monthly "0 3 1 * *" $((2 * 31 * 86400 + 600))
check_schedule two-days "0 0 * * 1,2" $((2 * 6 * 86400 + 600))

# 4. HEALTH_MAX_AGE sets the window; one shorter than the schedule's longest
# gap would be unhealthy between good backups (Swarm replacing the agent
# every weekend): refused at start.
HEALTH_MAX_AGE=8d check_schedule max-age "0 3 * * 1-5" $((8 * 86400))
TZ=UTC RUN_AT="0 3 * * 1-5" HEALTH_MAX_AGE=1d "$BIN/rds-agent" >"$T_DIR/h4.log" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "HEALTH_MAX_AGE=86400s is not longer than the longest gap" "$T_DIR/h4.log" &&
	ok "HEALTH_MAX_AGE shorter than the weekend gap is refused: $(cat "$T_DIR/h4.log")" || { not_ok "short HEALTH_MAX_AGE refused" "rc=$rc"; show "$T_DIR/h4.log"; }
HOOK_TIMEOUT=9999999999 "$BIN/rds-agent" >"$T_DIR/h5.log" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "HOOK_TIMEOUT=9999999999s is too long; use at most 24h" "$T_DIR/h5.log" &&
	ok "an absurd HOOK_TIMEOUT is refused with exit 2" || { not_ok "absurd HOOK_TIMEOUT refused" "rc=$rc"; show "$T_DIR/h5.log"; }

# 5. A new agent after a failure: the status says what happened, but the
# new agent is not unhealthy before its own first turn (else Swarm would
# replace it again and again and no backup would ever run).
port=$SSH_PORT
sshd_wrong_known_hosts "$T_DIR/wrong_kh"
SSH_KNOWN_HOSTS_FILE=$T_DIR/wrong_kh agent_run "$T_DIR/h6.log"
[ "$(status_field result)" = failed ] && ! "$BIN/rds-agent" health >/dev/null && ok "a failed backup is unhealthy" ||
	not_ok "a failed backup is unhealthy"
TZ=UTC RUN_AT="0 3 * * *" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/h7.log" 2>&1 &
apid=$!
wait_for 20 eval '[ "$(status_field max_age_s)" = $((2 * 86400 + 600)) ]'
v=$("$BIN/rds-agent" health)
rc=$?
[ "$rc" = 0 ] && [[ "$v" == *"previous agent's last backup failed"* ]] &&
	ok "the replacement is healthy until its turn and says why its predecessor failed ($v)" || not_ok "replacement after a failure" "rc=$rc: $v"
stop_agent "$apid"

# The reason survives a long ssh log: with LogLevel=DEBUG3 and a long
# known_hosts ssh writes far more than the 8 KiB the agent keeps, and the
# hint is at its end.
for i in $(seq 1 150); do head -n 1 "$T_DIR/wrong_kh"; done >"$T_DIR/long_kh"
SSH_KNOWN_HOSTS_FILE=$T_DIR/long_kh EXTRA_ARGS="-o LogLevel=DEBUG3" agent_run "$T_DIR/h6b.log"
[ "$(wc -c <"$RDS_RUN_DIR/ssh.log")" -gt 8192 ] && grep -q "host key does not match SSH_KNOWN_HOSTS_FILE" <<<"$(status_field message)" &&
	ok "a $(wc -c <"$RDS_RUN_DIR/ssh.log")-byte ssh log still gives the hint: $(status_field message | cut -c1-80)..." ||
	{ not_ok "hint from a long ssh log" "$(status_field message)"; }

# 6. The repository is gone after this job has backed up to it (a lost
# server volume): the backup fails loudly and nothing is created; without
# the record (a first deployment) it is initialised.
rm -rf "${REPO_ROOT:?}/health"
agent_run "$T_DIR/h8.log"
rc=$?
[ "$rc" = 1 ] && grep -q "is gone, but this job backed up to it since" "$T_DIR/h8.log" &&
	ok "a repository seen before and now gone fails loudly" || { not_ok "gone repository fails"; show "$T_DIR/h8.log"; }
[ ! -e "$REPO_ROOT/health/config" ] && ! grep -q "initialising" "$T_DIR/h8.log" && ok "and is not created again" ||
	not_ok "gone repository not re-created"
v=$("$BIN/rds-agent" health)
[ $? = 1 ] && [[ "$v" == *"is gone"* ]] && ok "health says so: ${v:0:90}..." || not_ok "health after a gone repository" "$v"
mv "$STATUS_FILE" "$T_DIR/status.old"
agent_run "$T_DIR/h9.log" && grep -q "initialising it" "$T_DIR/h9.log" && ok "without the record it is a first deployment: initialised" ||
	{ not_ok "first deployment initialises"; show "$T_DIR/h9.log"; }
exit 0

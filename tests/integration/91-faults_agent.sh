#!/usr/bin/env bash
# Faults on the agent's side (seed mode, real sshd with a chroot
# internal-sftp, real restic, no Docker), rows 4-7 of "Prove it under
# faults"; after each: the agent's log line, the status file and `rds-agent
# health`, the next scheduled backup without a human, `restic check` and a
# byte-for-byte restore of the latest snapshot.
#   4. the agent SIGKILLed mid-backup (the whole "container": its PID
#      namespace) and started again, on the same host name and on another
#      (a new Swarm task); a live lock of a restic on another host;
#   5. SIGTERM in each phase the agent runs without Docker: backup, forget,
#      prune, check (the hooks need a Docker API: 35-docker_hooks);
#   6. a wrong repository password, a repository made with another
#      password, a truncated config on the server;
#   7. STATUS_FILE's directory read-only or full (tiny tmpfs), STATUS_FILE
#      corrupted before the start.
# Runs in its own mount and network namespaces: the tmpfs mounts never
# reach the host, and its sshd's port (stopped and started again on the
# same port) is its own while other scenarios run beside it.
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/ns.sh"
private_ns --mount "$0" "$@"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
source "$RDS_ROOT/tests/lib/reliability.sh"
echo "# restic: $($RESTIC_BINARY version 2>&1 | head -n1); agent: ${AGENT_WRAP:-plain} $BIN"
fault_rows_reset

sshd_start || { not_ok "sshd started"; exit 1; }

# ---- helpers ----
runs() { status_field runs 2>/dev/null || echo 0; }
run_ended_after() { [ "$(runs)" -gt "$1" ]; }
err_line() { grep -E " (error|warn) " "$1" | grep -v "run finished" | tail -n 1 | cut -d' ' -f3- | cut -c1-200; }
health_text() { "$BIN/rds-agent" health 2>&1 | cut -c1-140; }
agent_procs() { pgrep -f "restic.*$T_DIR" | tr '\n' ' '; }
# A fingerprint of every file of a repository on the server's disk.
repo_sum() { (cd "$REPO_ROOT/$1" && find . -type f -printf '%p %s\n' | sort | sha256sum | cut -c1-16); }
# The agent in a "container" (tests/lib/ns.sh).
container_agent() { container_start "$1" "$2" $AGENT_WRAP "$BIN/rds-agent"; }
at_exit container_stop
export SSHD_PORT SSH_KEY SSH_KNOWN_HOSTS T_DIR RESTIC_BINARY
export -f restic_direct

# ---- 4. the agent SIGKILLed mid-backup, restarted ----
agent_env r4
make_data "$BACKUP_PATH" 20
agent_run "$T_DIR/r4-init.log" || { not_ok "row 4: first backup"; show "$T_DIR/r4-init.log"; }
head -c 30000000 /dev/urandom >"$BACKUP_PATH/big.bin"
export RUN_AT="*/5 * * * * *"
r4_kill() { # HOSTNAME LOG: start, wait for the backup to be under way, SIGKILL
	local n0
	n0=$(runs)
	EXTRA_ARGS="-e --limit-upload=2000" container_agent "$1" "$2"
	if backup_under_way r4; then
		container_kill
		return 0
	fi
	container_stop
	return 1
}
r4_restart() { # HOSTNAME LOG: restart, wait for a good backup; sets REC_S
	local t0=$SECONDS up
	up=$(date +%s)
	container_agent "$1" "$2"
	if wait_for 120 eval 'ok_since "$up" && [ "$(status_field running)" = False ]'; then
		REC_S=$((SECONDS - t0))
	else
		REC_S=-1
	fi
}
# a. The same host name (Docker's restart of the container; a stack that
# sets hostname).
if r4_kill agent-c1 "$T_DIR/r4a.log"; then
	left=$(locks_count r4)
	[ "$left" -ge 1 ] && ok "row 4a: the SIGKILLed agent left $left lock(s)" || not_ok "row 4a: a lock left" "$left"
	procs=$(agent_procs)
	[ -z "$procs" ] && ok "row 4a: no restic or ssh of the killed container left" || not_ok "row 4a: processes left" "$procs"
	[ "$(status_field running)" = True ] && ok "row 4a: STATUS_FILE still says running (the agent could not record anything)" ||
		not_ok "row 4a: status after SIGKILL" "$(status_field running)"
	r4_restart agent-c1 "$T_DIR/r4a2.log"
	line=$(grep -m1 "STATUS_FILE: last successful" "$T_DIR/r4a2.log" | cut -d' ' -f3- | cut -c1-160)
	[ "$REC_S" -ge 0 ] && ok "row 4a: the restarted agent's next scheduled backup succeeds (${REC_S}s)" ||
		{ not_ok "row 4a: backup after the restart"; show "$T_DIR/r4a2.log"; }
	wait_for 10 eval '[ "$(locks_count r4)" = 0 ]'
	left2=$(locks_count r4)
	[ "$left2" = 0 ] && ok "row 4a: the stale lock is gone: $(grep -m1 "may have left its lock" "$T_DIR/r4a2.log" | cut -d' ' -f3- | cut -c1-100)" ||
		{ not_ok "row 4a: the stale lock is gone" "$left2 left"; show "$T_DIR/r4a2.log"; }
	h=$(health_text)
	"$BIN/rds-agent" health >/dev/null && ok "row 4a: healthy: $h" || not_ok "row 4a: healthy" "$h"
	container_stop
	fault_verify r4 && ok "row 4a: $FV_MSG" || not_ok "row 4a: check and restore" "$FV_MSG"
	r=ok
	[ "$REC_S" -ge 0 ] && [ "$left2" = 0 ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
	fault_row "agent SIGKILLed mid-backup (its PID namespace), restarted with the same host name" \
		"left $left lock(s), status 'running'; restarted: '$line'; next scheduled backup ok after ${REC_S}s; stale lock removed after it ($left2 left); health: ${h%%:*}; $FV_MSG" "$r"
else
	not_ok "row 4a: the long backup started"
	show "$T_DIR/r4a.log"
fi

# b. Another host name (Swarm's replacement task is a new container).
head -c 30000000 /dev/urandom >"$BACKUP_PATH/big.bin"
if r4_kill agent-c1 "$T_DIR/r4b.log"; then
	left=$(locks_count r4)
	r4_restart agent-c2 "$T_DIR/r4b2.log"
	[ "$REC_S" -ge 0 ] && ok "row 4b: a new container's next scheduled backup succeeds (${REC_S}s)" ||
		{ not_ok "row 4b: backup in the new container"; show "$T_DIR/r4b2.log"; }
	container_stop
	left2=$(locks_count r4)
	line=$(grep -m1 -E "lock\(s\) that the killed agent|no lock of the killed agent|its locks are left" "$T_DIR/r4b2.log" | cut -d' ' -f3- | cut -c1-140)
	[ "$left2" = 0 ] && ok "row 4b: the old container's stale lock is gone: $line" ||
		{ not_ok "row 4b: the old container's stale lock is gone" "$left2 left (restic unlock keeps another host's locks for 30 minutes)"; show "$T_DIR/r4b2.log"; }
	# What such a lock blocks: an exclusive operation (a check by hand).
	"$BIN/rds-agent" check >"$T_DIR/r4b-check.log" 2>&1
	crc=$?
	cmsg=$(grep -E "check (done|not run|failed)|restic check" "$T_DIR/r4b-check.log" | tail -n 1 | cut -d' ' -f3- | cut -c1-160)
	[ "$crc" = 0 ] && ok "row 4b: a check right after runs (exit 0)" || { not_ok "row 4b: check after" "rc=$crc: $cmsg"; show "$T_DIR/r4b-check.log"; }
	restic_direct r4 unlock --remove-all >/dev/null 2>&1
	fault_verify r4 && ok "row 4b: $FV_MSG (after unlock --remove-all)" || not_ok "row 4b: check and restore" "$FV_MSG"
	r=ok
	[ "$REC_S" -ge 0 ] && [ "$left2" = 0 ] && [ "$crc" = 0 ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
	fault_row "agent SIGKILLed mid-backup, restarted in a new container (another host name)" \
		"left $left lock(s); new container: '$line'; its next scheduled backup ok after ${REC_S}s; $left2 lock(s) left; rds-agent check then: exit $crc; $FV_MSG" "$r"
else
	not_ok "row 4b: the long backup started"
fi
rm -f "$BACKUP_PATH/big.bin"

# c. A live lock of a restic on another host is never removed.
unshare --uts bash -c 'hostname other-host; restic_direct r4 --limit-download=20 check --read-data' >/dev/null 2>&1 &
OPID=$!
at_exit "kill_job $OPID"
if wait_for 20 has_locks r4; then
	sum0=$(find "$REPO_ROOT/r4/locks" -type f | sort | tr '\n' ' ')
	n0=$(runs)
	container_agent agent-c3 "$T_DIR/r4c.log"
	wait_for 60 run_ended_after "$n0"
	res=$(status_field result) msg=$(status_field message)
	sum1=$(find "$REPO_ROOT/r4/locks" -type f | sort | tr '\n' ' ')
	line=$(err_line "$T_DIR/r4c.log")
	if [ "$res" = failed ] && [[ "$msg" == *locked* ]]; then
		ok "row 4c: the backup fails while another host's restic holds an exclusive lock: ${msg:0:120}"
	else
		not_ok "row 4c: backup while locked by another host" "$res: $msg"
		show "$T_DIR/r4c.log"
	fi
	[ "$sum0" = "$sum1" ] && pgrep -f -- "--limit-download=20 check --read-data" >/dev/null && ok "row 4c: the other host's lock stays and its restic runs on" ||
		not_ok "row 4c: the other host's lock stays" "before: $sum0 after: $sum1"
	h=$(health_text)
	pkill -INT -f -- "--limit-download=20 check --read-data"
	# restic 0.14 sometimes hangs in its SIGINT cleanup: then SIGKILL.
	wait_for 20 eval '! pgrep -f -- "--limit-download=20 check --read-data" >/dev/null' ||
		pkill -KILL -f -- "--limit-download=20 check --read-data"
	wait "$OPID" 2>/dev/null
	# That restic (0.14) leaves its lock on SIGINT: its owner removes it.
	restic_direct r4 unlock --remove-all >/dev/null 2>&1
	up=$(date +%s)
	wait_for 100 ok_since "$up"
	rec=$(($(date +%s) - up))
	res2=$(status_field result)
	[ "$res2" = ok ] && ok "row 4c: once the other host is done, the next scheduled backup succeeds (${rec}s)" ||
		not_ok "row 4c: next scheduled backup after the other host" "$(status_field message)"
	container_stop
	fault_verify r4 && ok "row 4c: $FV_MSG" || not_ok "row 4c: check and restore" "$FV_MSG"
	r=ok
	[ "$res" = failed ] && [ "$sum0" = "$sum1" ] && [ "$res2" = ok ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
	fault_row "a live exclusive lock of a restic on another host (check --read-data)" \
		"backup failed: ${line:-$msg}; the lock was not removed, the other restic ran on; health: ${h%%:*}; next scheduled backup ok ${rec}s after it ended; $FV_MSG" "$r"
else
	not_ok "row 4c: the other host's restic holds a lock"
	kill "$OPID" 2>/dev/null
fi
unset RUN_AT

# ---- 6. wrong password, another repository's password, a truncated config ----
agent_env r6
agent_run "$T_DIR/r6-init.log" || { not_ok "row 6: first backup"; show "$T_DIR/r6-init.log"; }
snaps0=$(snapshots_count r6)
cp "$RESTIC_REPO_PASSWORD_FILE" "$T_DIR/good-password"
row6() { # NAME REPO: a one-shot run that must fail without writing or init
	local name=$1 repo=$2 sum0 sum1 rc line r=ok
	sum0=$(repo_sum "$repo")
	REPO_PATH=$repo agent_run "$T_DIR/r6-$name.log"
	rc=$?
	sum1=$(repo_sum "$repo")
	line=$(err_line "$T_DIR/r6-$name.log")
	[ "$rc" = 1 ] && ok "row 6 $name: exit 1: $line" || { not_ok "row 6 $name: exit 1" "rc=$rc"; show "$T_DIR/r6-$name.log"; r=failed; }
	[ "$sum0" = "$sum1" ] && ok "row 6 $name: nothing written in the repository" || { not_ok "row 6 $name: nothing written"; r=failed; }
	! grep -q "initialising\|restic init" "$T_DIR/r6-$name.log" && ok "row 6 $name: no init" || { not_ok "row 6 $name: no init"; r=failed; }
	ROW6="rc $rc: $line; repository unchanged: $([ "$sum0" = "$sum1" ] && echo yes || echo NO); init: $(grep -q "initialising" "$T_DIR/r6-$name.log" && echo YES || echo never)"
	ROW6_R=$r
}
# a. A wrong password for the agent's own repository.
echo "not the password" >"$RESTIC_REPO_PASSWORD_FILE"
row6 wrong r6
h=$(health_text)
"$BIN/rds-agent" health >/dev/null && { not_ok "row 6 wrong: unhealthy" "$h"; ROW6_R=failed; } || ok "row 6 wrong: $h"
fault_row "wrong repository password" "$ROW6; health: ${h%%:*}" "$ROW6_R"
cp "$T_DIR/good-password" "$RESTIC_REPO_PASSWORD_FILE"
# b. A repository someone else made with another password, first sighting
# (no STATUS_FILE record: the agent would create a missing one).
echo "someone else's password" >"$T_DIR/other-password"
"$RESTIC_BINARY" -r "sftp:restic@127.0.0.1:r6other" \
	-o "sftp.command=ssh restic@127.0.0.1 -p $SSHD_PORT -i $SSH_KEY -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes -s sftp" \
	--password-file "$T_DIR/other-password" init >/dev/null 2>&1 || not_ok "row 6: another repository made"
mv "$STATUS_FILE" "$T_DIR/status-r6"
row6 other r6other
fault_row "repository made with another password (first sighting, no STATUS_FILE record)" "$ROW6" "$ROW6_R"
mv "$T_DIR/status-r6" "$STATUS_FILE"
# c. The server's config file truncated.
cp "$REPO_ROOT/r6/config" "$T_DIR/config.good"
truncate -s 20 "$REPO_ROOT/r6/config"
row6 truncated r6
h=$(health_text)
cp "$T_DIR/config.good" "$REPO_ROOT/r6/config"
# Repaired by a person: the next scheduled backup.
up=$(date +%s)
RUN_AT="*/3 * * * * *" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/r6-sched.log" 2>&1 &
apid=$!
# (Judged before the stop: a tick that the stop interrupts fails.)
wait_for 60 ok_since "$up"
res=$(status_field result)
rec=$(($(date +%s) - up))
kill -TERM "$apid"
wait "$apid" 2>/dev/null
[ "$res" = ok ] && [ "$(snapshots_count r6)" -gt "$snaps0" ] &&
	ok "row 6: once repaired the next scheduled backup succeeds (${rec}s)" ||
	{ not_ok "row 6: backup after the repair" "$(status_field message)"; ROW6_R=failed; }
fault_verify r6 && ok "row 6: $FV_MSG" || { not_ok "row 6: check and restore" "$FV_MSG"; ROW6_R=failed; }
fault_row "config file on the server truncated to 20 bytes" "$ROW6; health: ${h%%:*}; config put back: next scheduled backup ok ${rec}s later; $FV_MSG" "$ROW6_R"

# ---- 7. STATUS_FILE's directory read-only or full; STATUS_FILE corrupted ----
SD=$T_DIR/statusdir
mkdir -p "$SD"
# a. Read-only.
agent_env r7
make_data "$BACKUP_PATH" 5
mount -t tmpfs -o size=64k,ro rds-status-ro "$SD" && at_exit "umount -l '$SD'" || not_ok "row 7: a read-only tmpfs"
snaps0=$(snapshots_count r7 2>/dev/null || echo 0)
STATUS_FILE=$SD/status.json agent_run "$T_DIR/r7-ro.log"
rc=$?
line=$(err_line "$T_DIR/r7-ro.log")
snaps1=$(snapshots_count r7 2>/dev/null || echo 0)
h=$(STATUS_FILE=$SD/status.json "$BIN/rds-agent" health 2>&1)
hrc=$?
[ "$snaps1" -gt "$snaps0" ] && ok "row 7 ro: the backup is still taken (exit $rc)" || { not_ok "row 7 ro: backup taken" "rc=$rc"; show "$T_DIR/r7-ro.log"; }
[ -n "$line" ] && ok "row 7 ro: the log says so: $line" || not_ok "row 7 ro: the log says so"
[ "$hrc" = 1 ] && ok "row 7 ro: health without a status file is unhealthy: ${h:0:120}" || not_ok "row 7 ro: health" "rc=$hrc $h"
r=ok
[ "$snaps1" -gt "$snaps0" ] && [ -n "$line" ] && [ "$hrc" = 1 ] || r=failed
fault_row "STATUS_FILE's directory read-only" "backup still taken (exit $rc); log: $line; health: ${h:0:100}" "$r"
umount "$SD"
# b. Full: the last good record must survive whole.
mount -t tmpfs -o size=64k rds-status-full "$SD" || not_ok "row 7: a 64 KiB tmpfs"
export STATUS_FILE=$SD/status.json
agent_run "$T_DIR/r7-full0.log" || not_ok "row 7 full: a backup before the disk is full"
cp "$STATUS_FILE" "$T_DIR/status-before"
dd if=/dev/zero of="$SD/filler" bs=4k 2>/dev/null
head -c 100 /dev/urandom >"$BACKUP_PATH/new.bin"
agent_run "$T_DIR/r7-full.log"
rc=$?
line=$(err_line "$T_DIR/r7-full.log")
if /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$STATUS_FILE" 2>/dev/null && cmp -s "$STATUS_FILE" "$T_DIR/status-before"; then
	intact=yes
	ok "row 7 full: STATUS_FILE keeps the last good record, whole (exit $rc; $line)"
else
	intact=no
	not_ok "row 7 full: STATUS_FILE intact" "$(head -c 200 "$STATUS_FILE")"
fi
h=$("$BIN/rds-agent" health 2>&1)
hrc=$?
rm -f "$SD/filler"
up=$(date +%s)
RUN_AT="*/3 * * * * *" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/r7-sched.log" 2>&1 &
apid=$!
wait_for 30 eval '[ "$(status_field last_success_epoch)" -ge '"$up"' ]'
res=$(status_field result)
[ "$(status_field last_success_epoch)" -ge "$up" ] || res=none
rec=$(($(date +%s) - up))
kill -TERM "$apid"
wait "$apid" 2>/dev/null
[ "$res" = ok ] &&
	ok "row 7 full: space freed, the next scheduled backup is recorded (${rec}s)" || { not_ok "row 7 full: recorded again"; show "$T_DIR/r7-sched.log"; }
fault_verify r7 && ok "row 7 full: $FV_MSG" || not_ok "row 7 full: check and restore" "$FV_MSG"
r=ok
[ "$intact" = yes ] && [ "$res" = ok ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
fault_row "STATUS_FILE's directory full (64 KiB tmpfs)" "exit $rc; log: $line; the last good record stayed whole: $intact; health meanwhile (rc $hrc): ${h:0:90}; space freed: next scheduled backup recorded ${rec}s later; $FV_MSG" "$r"
# c. Corrupted before the start.
printf '{"version": 2, "jobs": {"x": {"result": "ok", "runs": ' >"$STATUS_FILE"
h0=$("$BIN/rds-agent" health 2>&1)
h0rc=$?
up=$(date +%s)
RUN_AT="*/3 * * * * *" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/r7-bad.log" 2>&1 &
apid=$!
wait_for 30 eval '[ "$(status_field last_success_epoch 2>/dev/null)" -ge '"$up"' ]'
res=$(status_field result 2>/dev/null)
h=$("$BIN/rds-agent" health 2>&1)
hrc=$?
kill -TERM "$apid"
wait "$apid" 2>/dev/null
line=$(grep -m1 "STATUS_FILE" "$T_DIR/r7-bad.log" | cut -d' ' -f3- | cut -c1-160)
[ "$h0rc" = 1 ] && ok "row 7 corrupt: health before the start is unhealthy: ${h0:0:100}" || not_ok "row 7 corrupt: health before" "rc=$h0rc $h0"
[ "$res" = ok ] && [ "$hrc" = 0 ] && ok "row 7 corrupt: the agent starts, says so ($line), backs up and rewrites it" ||
	{ not_ok "row 7 corrupt: start and rewrite" "$(head -c 200 "$STATUS_FILE")"; show "$T_DIR/r7-bad.log"; }
fault_verify r7 && ok "row 7 corrupt: $FV_MSG" || not_ok "row 7 corrupt: check and restore" "$FV_MSG"
r=ok
[ "$h0rc" = 1 ] && [ "$res" = ok ] && [ "$hrc" = 0 ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
fault_row "STATUS_FILE corrupted (cut JSON) before the start" "health before: ${h0:0:80}; log: $line; next scheduled backup ok, file rewritten; health: ${h%%:*}; $FV_MSG" "$r"
umount -l "$SD"
export STATUS_FILE=$T_DIR/status.json

# ---- 5. SIGTERM in each phase ----
agent_env r5
make_data "$BACKUP_PATH" 10
agent_run "$T_DIR/r5-init.log" || not_ok "row 5: first backup"
# Snapshots of another host, so that forget and prune have something to
# read slowly (restic reads every snapshot file before it filters).
for _ in $(seq 1 15); do restic_direct r5 backup -q --host other "$T_DIR/secrets" >/dev/null 2>&1; done
# restic made slow where it would be too quick to be hit: forget and prune
# read the repository (not their local cache) at 1 KiB/s.
cat >"$T_DIR/restic-slow" <<W
#!/bin/sh
case " \$* " in *" forget "* | *" prune "*) exec $RESTIC_BINARY "\$@" --no-cache --limit-download=1 ;; esac
exec $RESTIC_BINARY "\$@"
W
chmod +x "$T_DIR/restic-slow"
# shellcheck disable=SC2034 # pat is read by the eval in wait_for
phase() { # NAME PATTERN-IN-LOG CMD...: SIGTERM once PATTERN is logged and a lock is there
	local name=$1 pat=$2 pid t0 gone rc procs line r=ok
	shift 2
	STOP_TIMEOUT=10 RESTIC_BINARY=$T_DIR/restic-slow "$@" >"$T_DIR/r5-$name.log" 2>&1 &
	pid=$!
	if ! wait_for 40 eval 'grep -q "$pat" "$T_DIR/r5-$name.log" && has_locks r5'; then
		not_ok "row 5 $name: the phase started"
		show "$T_DIR/r5-$name.log"
		kill -9 "$pid"
		wait "$pid"
		return
	fi
	procs=$(agent_procs)
	t0=$SECONDS
	kill -TERM "$pid"
	wait_for 20 eval "! kill -0 $pid"
	gone=$((SECONDS - t0))
	wait "$pid"
	rc=$?
	wait_for 5 eval '! alive_any "$procs"'
	local left_p=0 p
	for p in $procs; do kill -0 "$p" 2>/dev/null && left_p=$((left_p + 1)); done
	locks=$(locks_count r5)
	line=$(grep -E "interrupted|stopp" "$T_DIR/r5-$name.log" | tail -n 1 | cut -d' ' -f3- | cut -c1-120)
	[ "$gone" -le 11 ] && ok "row 5 $name: the agent exits ${gone}s after SIGTERM (STOP_TIMEOUT=10), exit $rc" ||
		{ not_ok "row 5 $name: exit within STOP_TIMEOUT" "${gone}s"; r=failed; }
	[[ "$line" == *interrupted* ]] && ok "row 5 $name: the $name was interrupted: $line" ||
		{ not_ok "row 5 $name: the $name was interrupted" "$line"; show "$T_DIR/r5-$name.log"; r=failed; }
	[ "$left_p" = 0 ] && [ "$locks" = 0 ] && ok "row 5 $name: no restic, ssh or lock left" ||
		{ not_ok "row 5 $name: nothing left" "$left_p processes, $locks locks"; show "$T_DIR/r5-$name.log"; r=failed; }
	fault_row "SIGTERM during the $name (STOP_TIMEOUT=10s)" "gone ${gone}s after SIGTERM, exit $rc; log: $line; $left_p restic/ssh and $locks lock(s) left" "$r"
	restic_direct r5 unlock >/dev/null 2>&1
}
alive_any() { local p; for p in $1; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
head -c 20000000 /dev/urandom >"$BACKUP_PATH/big.bin"
phase backup "backup of .* started" env EXTRA_ARGS="-e --limit-upload=1000" $AGENT_WRAP "$BIN/rds-agent"
rm -f "$BACKUP_PATH/big.bin"
phase forget "forget of .* started" env FORGET_KEEP_LAST=1 $AGENT_WRAP "$BIN/rds-agent"
phase prune "prune of .* started" env $AGENT_WRAP "$BIN/rds-agent" prune
phase check "check of .* started" env CHECK_ARGS="--read-data --limit-download=20" $AGENT_WRAP "$BIN/rds-agent" check
up=$(date +%s)
RUN_AT="*/3 * * * * *" $AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/r5-sched.log" 2>&1 &
apid=$!
wait_for 40 ok_since "$up"
res=$(status_field result)
rec=$(($(date +%s) - up))
kill -TERM "$apid"
wait "$apid" 2>/dev/null
[ "$res" = ok ] && ok "row 5: the next scheduled backup succeeds (${rec}s)" || not_ok "row 5: next scheduled backup" "$(status_field message)"
fault_verify r5 && ok "row 5: $FV_MSG" || not_ok "row 5: check and restore" "$FV_MSG"
r=ok
[ "$res" = ok ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
fault_row "after the four SIGTERMs" "next scheduled backup ok ${rec}s later; $FV_MSG (the pre/post hooks need a Docker API: not in this scenario)" "$r"
exit 0

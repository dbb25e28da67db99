#!/usr/bin/env bash
# Faults on the server side of a scheduled seed-mode agent (real sshd with a
# chroot internal-sftp, real restic, no Docker), each made in the middle of
# a backup, then repaired; after each: the agent's log line, the status
# file and `rds-agent health`, the next scheduled backup without a human,
# `restic check` and a byte-for-byte restore of the latest snapshot.
#   1. sshd SIGKILLed (listener and sessions), back after FAULT_SSHD_DOWN_S
#      seconds (default 20 to keep the suite short; the issue's minute is
#      FAULT_SSHD_DOWN_S=60);
#   2. the network to the server dropped silently (iptables DROP both ways,
#      not a refused connection): ssh's ServerAlive defaults end the run;
#   3. the server's disk full (a small tmpfs as the repository's
#      directory), then space freed.
# Runs in its own network and mount namespaces (unshare): the DROP rules
# and the tmpfs never reach the host.
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/ns.sh"
private_ns --mount "$0" "$@"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
source "$RDS_ROOT/tests/lib/reliability.sh"
echo "# restic: $($RESTIC_BINARY version 2>&1 | head -n1); agent: ${AGENT_WRAP:-plain} $BIN"
fault_rows_reset
DOWN_S=${FAULT_SSHD_DOWN_S:-20}

sshd_start || { not_ok "sshd started"; exit 1; }

# ---- helpers ----
APID=
start_agent() { # LOG, with the environment as it is
	$AGENT_WRAP "$BIN/rds-agent" >"$1" 2>&1 &
	APID=$!
}
stop_agent() {
	[ -n "$APID" ] || return 0
	kill -TERM "$APID" 2>/dev/null
	wait_for 40 eval "! kill -0 $APID"
	wait "$APID" 2>/dev/null
	APID=
}
at_exit stop_agent
# The pids of the agent's restic and ssh right now (ssh: "restic@... -E $T_DIR/...").
agent_procs() { pgrep -f "restic.*$T_DIR" | tr '\n' ' '; }
alive_any() { local p; for p in $1; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
# The run counter and a wait for the run after number $1 to end.
runs() { status_field runs 2>/dev/null || echo 0; }
# (runs counts a run at its end; the next tick may have started another.)
run_ended_after() { [ "$(runs)" -gt "$1" ]; }
# The last "error" line of the agent's log (the one line that says it).
err_line() { grep " error " "$1" | grep -v "run finished" | tail -n 1 | cut -d' ' -f3- | cut -c1-200; }
health_text() { "$BIN/rds-agent" health 2>&1 | cut -c1-120; }
sshd_kill() {
	local kids
	kids=$(sshd_descendants "$SSHD_PID")
	# shellcheck disable=SC2086 # one pid per word
	kill -9 "$SSHD_PID" $kids 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}
sshd_again() { # the same config, keys and port
	"$SSHD_BIN" -D -e -f "$SSHD_DIR/etc/sshd_config" 2>>"$SSHD_LOG" </dev/null &
	SSHD_PID=$!
	sshd_wait_ready "$SSHD_PORT" "$SSHD_PID"
}
# A scheduled agent every 10 s, uploads slowed so that a backup of the big
# file lasts long enough to be hit in the middle.
SCHED="*/10 * * * * *"

# ---- 1. sshd killed mid-backup, back later ----
agent_env r1
make_data "$BACKUP_PATH" 20
agent_run "$T_DIR/r1-init.log" || { not_ok "row 1: first backup"; show "$T_DIR/r1-init.log"; }
head -c 30000000 /dev/urandom >"$BACKUP_PATH/big.bin"
n0=$(runs)
RUN_AT=$SCHED EXTRA_ARGS="-e --limit-upload=2000" start_agent "$T_DIR/r1.log"
if backup_under_way r1; then
	procs=$(agent_procs)
	t_kill=$SECONDS
	sshd_kill
	wait_for 120 run_ended_after "$n0"
	fail_s=$((SECONDS - t_kill))
	res=$(status_field result) msg=$(status_field message) line=$(err_line "$T_DIR/r1.log")
	[ "$res" = failed ] && [ "$fail_s" -le 90 ] && ok "row 1: the backup fails ${fail_s}s after sshd is killed: $line" ||
		{ not_ok "row 1: backup fails after sshd is killed" "result=$res after ${fail_s}s: $msg"; show "$T_DIR/r1.log"; }
	wait_for 10 eval '! alive_any "$procs"' && ok "row 1: no restic or ssh of that run left ($procs)" ||
		not_ok "row 1: no restic or ssh left" "still alive: $procs"
	h=$(health_text)
	"$BIN/rds-agent" health >/dev/null && not_ok "row 1: unhealthy while the server is down" "$h" ||
		ok "row 1: health while the server is down: $h"
	sleep $((DOWN_S - (SECONDS - t_kill) > 0 ? DOWN_S - (SECONDS - t_kill) : 0))
	down_runs=$(($(runs) - n0))
	sshd_again || not_ok "row 1: sshd back"
	t_up=$SECONDS up_epoch=$(date +%s)
	if wait_for 120 ok_since "$up_epoch"; then
		rec_s=$((SECONDS - t_up))
		ok "row 1: the next scheduled backup succeeds ${rec_s}s after sshd is back ($(status_field message | cut -c1-80))"
	else
		rec_s=-1
		not_ok "row 1: next scheduled backup after sshd is back" "$(status_field message)"
		show "$T_DIR/r1.log"
	fi
	h2=$(health_text)
	"$BIN/rds-agent" health >/dev/null && ok "row 1: healthy again: $h2" || not_ok "row 1: healthy again" "$h2"
	stop_agent
	locks=$(locks_count r1)
	fault_verify r1 && ok "row 1: $FV_MSG" || not_ok "row 1: check and restore" "$FV_MSG"
	r=ok
	[ "$res" = failed ] && [ "$rec_s" -ge 0 ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
	fault_row "sshd SIGKILLed mid-backup (30 MB at 2 MB/s), back after ${DOWN_S}s" \
		"failed after ${fail_s}s: ${line:-$msg}; $down_runs run(s) while down; health: ${h%%:*}; next scheduled backup ok ${rec_s}s after sshd was back; $locks stale lock(s) left; $FV_MSG" "$r"
else
	not_ok "row 1: the long backup started"
	show "$T_DIR/r1.log"
	stop_agent
fi
rm -f "$BACKUP_PATH/big.bin"

# ---- 2. the network dropped silently mid-backup ----
drop() { # add|del: DROP both directions of the server's port
	local a=-I
	[ "$1" = del ] && a=-D
	iptables "$a" INPUT -p tcp --dport "$SSHD_PORT" -j DROP && iptables "$a" INPUT -p tcp --sport "$SSHD_PORT" -j DROP
}
at_exit "iptables -F INPUT"
agent_env r2
agent_run "$T_DIR/r2-init.log" || { not_ok "row 2: first backup"; show "$T_DIR/r2-init.log"; }
head -c 30000000 /dev/urandom >"$BACKUP_PATH/big.bin"
n0=$(runs)
RUN_AT=$SCHED EXTRA_ARGS="-e --limit-upload=2000" start_agent "$T_DIR/r2.log"
if backup_under_way r2; then
	procs=$(agent_procs)
	t_drop=$SECONDS
	drop add || not_ok "row 2: iptables DROP rules"
	wait_for 240 run_ended_after "$n0"
	fail_s=$((SECONDS - t_drop))
	res=$(status_field result) msg=$(status_field message) line=$(err_line "$T_DIR/r2.log")
	[ "$res" = failed ] && [ "$fail_s" -le 100 ] && ok "row 2: the backup fails ${fail_s}s after the network drops: $line" ||
		{ not_ok "row 2: the backup fails within ServerAlive's bound" "result=$res after ${fail_s}s: $msg"; show "$T_DIR/r2.log"; }
	wait_for 10 eval '! alive_any "$procs"' && ok "row 2: no restic or ssh of that run left ($procs)" ||
		{ not_ok "row 2: no restic or ssh left" "still alive: $procs"; ps -o pid,etime,args -p "${procs// /,}" | show; }
	h=$(health_text)
	"$BIN/rds-agent" health >/dev/null && not_ok "row 2: unhealthy after the failed run" "$h" ||
		ok "row 2: health after the failed run: $h"
	drop del
	t_up=$SECONDS up_epoch=$(date +%s)
	if wait_for 150 ok_since "$up_epoch"; then
		rec_s=$((SECONDS - t_up))
		ok "row 2: the next scheduled backup succeeds ${rec_s}s after the network is back"
	else
		rec_s=-1
		not_ok "row 2: next scheduled backup after the network is back" "$(status_field message)"
		show "$T_DIR/r2.log"
	fi
	stop_agent
	locks=$(locks_count r2)
	fault_verify r2 && ok "row 2: $FV_MSG" || not_ok "row 2: check and restore" "$FV_MSG"
	r=ok
	[ "$res" = failed ] && [ "$fail_s" -le 100 ] && [ "$rec_s" -ge 0 ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
	fault_row "network to the server dropped silently mid-backup (iptables DROP both ways)" \
		"failed after ${fail_s}s (ServerAliveInterval=15 x 4): ${line:-$msg}; no restic/ssh left; health: ${h%%:*}; next scheduled backup ok ${rec_s}s after the network was back; $locks stale lock(s) left; $FV_MSG" "$r"
else
	not_ok "row 2: the long backup started"
	show "$T_DIR/r2.log"
	stop_agent
fi
rm -f "$BACKUP_PATH/big.bin"

# ---- 3. the server's disk full during a backup ----
VOL=$REPO_ROOT/vol
mkdir -p "$VOL" && mount -t tmpfs -o size=48m,mode=0700 rds-full "$VOL" && chown restic: "$VOL" ||
	{ not_ok "row 3: a 48 MiB tmpfs as the repository's directory"; exit 1; }
at_exit "umount -l '$VOL'"
agent_env vol/repo
agent_run "$T_DIR/r3-init.log" || { not_ok "row 3: first backup"; show "$T_DIR/r3-init.log"; }
free_kb=$(df -k --output=avail "$VOL" | tail -n 1)
# Leave 8 MiB: the next backup of 20 MB of new data cannot fit.
dd if=/dev/zero of="$VOL/filler" bs=1k count=$((free_kb - 8192)) 2>/dev/null
head -c 20000000 /dev/urandom >"$BACKUP_PATH/big.bin"
n0=$(runs)
RUN_AT=$SCHED start_agent "$T_DIR/r3.log"
t0=$SECONDS
wait_for 240 run_ended_after "$n0"
fail_s=$((SECONDS - t0))
res=$(status_field result) msg=$(status_field message) line=$(err_line "$T_DIR/r3.log")
[ "$res" = failed ] && ok "row 3: the backup into a full disk fails after ${fail_s}s: $line" ||
	{ not_ok "row 3: backup into a full disk fails" "result=$res: $msg"; show "$T_DIR/r3.log"; }
h=$(health_text)
"$BIN/rds-agent" health >/dev/null && not_ok "row 3: unhealthy after the failed run" "$h" || ok "row 3: health: $h"
rm -f "$VOL/filler"
t_up=$SECONDS up_epoch=$(date +%s)
if wait_for 150 ok_since "$up_epoch"; then
	rec_s=$((SECONDS - t_up))
	ok "row 3: the next scheduled backup succeeds ${rec_s}s after space is freed"
else
	rec_s=-1
	not_ok "row 3: next scheduled backup after space is freed" "$(status_field message)"
	show "$T_DIR/r3.log"
fi
stop_agent
locks=$(locks_count vol/repo)
tmp_left=$(find "$VOL/repo" -name '*-tmp-*' | wc -l)
fault_verify vol/repo && ok "row 3: $FV_MSG" || not_ok "row 3: check and restore" "$FV_MSG"
r=ok
[ "$res" = failed ] && [ "$rec_s" -ge 0 ] && [ "$FV_MSG" = "check ok; restore identical" ] || r=failed
fault_row "server's disk full mid-backup (48 MiB tmpfs, 8 MiB free, 20 MB new data), then space freed" \
	"failed after ${fail_s}s: ${line:-$msg}; health: ${h%%:*}; next scheduled backup ok ${rec_s}s after space was freed; $locks stale lock(s), $tmp_left temporary file(s) left; $FV_MSG" "$r"
rm -f "$BACKUP_PATH/big.bin"
exit 0

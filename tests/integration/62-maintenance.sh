#!/usr/bin/env bash
# Repository maintenance with real restic over the real sshd: `rds-agent
# check` and `prune` by hand (prune frees space on the server, check still
# passes, the latest snapshot restores), a corrupted pack makes the check
# fail and the agent unhealthy, a live lock is reported and never forced,
# and on the schedule a backup tick during a slow prune runs right after it
# with no two restic processes of the agent overlapping.
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
echo "# restic: $($RESTIC_BINARY version 2>&1 | head -n1); agent: ${AGENT_WRAP:-plain} $BIN"

sshd_start || { not_ok "sshd started"; exit 1; }
agent_env maint
make_data "$BACKUP_PATH" 20
op_field() { /usr/bin/python3 -c 'import json,sys; j=list(json.load(sys.stdin)["jobs"].values())[0]; o=j.get(sys.argv[1]) or {}; v=o.get(sys.argv[2]); print("" if v is None else v)' "$1" "$2" <"$STATUS_FILE"; }
repo_bytes() { du -sb "$REPO_ROOT/maint" | cut -f1; }

for i in 1 2 3; do
	rm -f "$BACKUP_PATH"/big-*.bin
	head -c 3000000 /dev/urandom >"$BACKUP_PATH/big-$i.bin"
	agent_run "$T_DIR/b$i.log" || { not_ok "backup $i"; show "$T_DIR/b$i.log"; }
done
[ "$(snapshots_count maint)" = 3 ] && ok "three snapshots with different big files" || not_ok "three snapshots"

# 1. check by hand.
$AGENT_WRAP "$BIN/rds-agent" check >"$T_DIR/c1.log" 2>&1 && [ "$(op_field check result)" = ok ] &&
	ok "rds-agent check: exit 0, status check ok ($(op_field check message))" || { not_ok "rds-agent check"; show "$T_DIR/c1.log"; }
"$BIN/rds-agent" health >/dev/null && ok "healthy after a good check" || not_ok "healthy after a good check"

# 2. prune after a forget frees space on the server; check passes; restore.
restic_direct maint forget --keep-last 1 >/dev/null 2>&1 || not_ok "forget by hand"
before=$(repo_bytes)
$AGENT_WRAP "$BIN/rds-agent" prune >"$T_DIR/p1.log" 2>&1
rc=$?
after=$(repo_bytes)
[ "$rc" = 0 ] && [ "$(op_field prune result)" = ok ] && ok "rds-agent prune: exit 0 ($(op_field prune message))" ||
	{ not_ok "rds-agent prune" "rc=$rc"; show "$T_DIR/p1.log"; }
[ "$after" -lt $((before - 5000000)) ] && ok "prune freed $((before - after)) bytes on the server ($before -> $after)" ||
	not_ok "prune freed space" "$before -> $after"
"$BIN/rds-agent" check >"$T_DIR/c2.log" 2>&1 && ok "check passes after the prune" || { not_ok "check after prune"; show "$T_DIR/c2.log"; }
runrestic restore latest --host it-host --target "$T_DIR/restore" >"$T_DIR/restore.log" 2>&1 &&
	diff -r "$BACKUP_PATH" "$T_DIR/restore$BACKUP_PATH" >/dev/null && ok "the latest snapshot still restores byte for byte" ||
	{ not_ok "restore after prune"; show "$T_DIR/restore.log"; }

# 3. A live lock (a long check of another restic) is reported, not forced.
restic_direct maint --limit-download=50 check --read-data >/dev/null 2>&1 &
cpid=$!
if wait_for 20 has_locks maint; then
	"$BIN/rds-agent" prune >"$T_DIR/p2.log" 2>&1
	rc=$?
	[ "$rc" = 1 ] && grep -q "locked by another restic" <<<"$(op_field prune message)" &&
		ok "a prune while another restic holds a live lock fails without forcing it: $(op_field prune message | cut -c1-100)" ||
		{ not_ok "live lock reported" "rc=$rc: $(op_field prune message)"; show "$T_DIR/p2.log"; }
	kill -0 "$cpid" 2>/dev/null && ok "the other restic still runs" || not_ok "the other restic still runs"
	"$BIN/rds-agent" health >"$T_DIR/h.txt"; hrc=$?
	[ "$hrc" = 0 ] && grep -q "warning: the last prune" "$T_DIR/h.txt" && ok "a failed prune is a warning, not unhealthy: $(cut -c1-90 "$T_DIR/h.txt")..." ||
		not_ok "failed prune in health" "rc=$hrc $(cat "$T_DIR/h.txt")"
	# runrestic with restic 0.16+ waits for the lock (--retry-lock 1m).
	( sleep 3; pkill -f -- "--limit-download=50 check --read-data" ) &
	runrestic snapshots >"$T_DIR/rr.out" 2>&1
	rc=$?
	if [ "$("$RESTIC_BINARY" version | awk '{print $2}' | cut -d. -f2)" -ge 16 ]; then
		[ "$rc" = 0 ] && grep -q "snapshots" "$T_DIR/rr.out" && ok "runrestic waits for the lock, then lists the snapshots" ||
			{ not_ok "runrestic --retry-lock" "rc=$rc"; show "$T_DIR/rr.out"; }
	else
		[ "$rc" != 0 ] && grep -q "locked" "$T_DIR/rr.out" && ok "runrestic with restic 0.14 (no --retry-lock) says the repository is locked" ||
			{ not_ok "runrestic with 0.14 while locked" "rc=$rc"; show "$T_DIR/rr.out"; }
	fi
else
	not_ok "could not hold a lock (restic check was too fast)"
fi
pkill -f -- "--limit-download=50 check --read-data"
wait "$cpid" 2>/dev/null
wait_for 20 eval '[ "$(locks_count maint)" = 0 ]' || restic_direct maint unlock >/dev/null 2>&1

# 4. A corrupted pack: the check with --read-data fails, the agent is unhealthy.
pack=$(find "$REPO_ROOT/maint/data" -type f -size +1M | head -n 1)
if [ -n "$pack" ]; then
	printf 'rotten bits' | dd of="$pack" bs=1 seek=4096 conv=notrunc 2>/dev/null
	CHECK_ARGS=--read-data $AGENT_WRAP "$BIN/rds-agent" check >"$T_DIR/c3.log" 2>&1
	rc=$?
	[ "$rc" = 1 ] && [ "$(op_field check result)" = failed ] && ! grep -q locked <<<"$(op_field check message)" &&
		ok "a corrupted pack: check fails ($(op_field check message | cut -c1-100))" ||
		{ not_ok "corrupted pack detected" "rc=$rc"; show "$T_DIR/c3.log"; }
	v=$("$BIN/rds-agent" health)
	[ $? = 1 ] && [[ "$v" == *"repository check"*"failed"* ]] && ok "health: ${v:0:100}..." || not_ok "unhealthy after a failed check" "$v"
	# The same on the schedule: CHECK_AT with a subset that covers all.
	s=$((($(date +%s) + 2) % 60))
	RUN_AT="0 0 1 1 *" CHECK_AT="$s * * * * *" CHECK_ARGS="--read-data-subset 100%" \
		$AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/c4.log" 2>&1 &
	apid=$!
	runs=$(op_field check runs)
	wait_for 40 eval '[ "$(op_field check runs)" -gt '"$runs"' ] && [ "$(status_field running)" = False ]'
	v=$("$BIN/rds-agent" health)
	hrc=$?
	kill -TERM "$apid"
	wait "$apid" 2>/dev/null
	[ "$(op_field check result)" = failed ] && [ "$hrc" = 1 ] && [[ "$v" == *"repository check"* ]] &&
		ok "the scheduled check (CHECK_AT, --read-data-subset 100%) fails too, and the agent is unhealthy" ||
		{ not_ok "scheduled check of a corrupted pack" "$(op_field check result): $v"; show "$T_DIR/c4.log"; }
else
	not_ok "a pack file to corrupt"
fi
rm -rf "${REPO_ROOT:?}/maint" "$STATUS_FILE" "$XDG_CACHE_HOME"

# 5. On the schedule: a slow prune (a restic wrapper that logs each start
# and end) at second S, backups every 2 s: the backup ticks during the prune
# run right after it, delayed, and no two restic processes overlap.
agent_run "$T_DIR/b4.log" || not_ok "a first backup into a new repository"
cat >"$T_DIR/restic-slow" <<W
#!/bin/sh
echo "start \$(date +%s%N) \$*" >>"$T_DIR/restic-runs"
case " \$* " in *" prune "*) sleep 5 ;; esac
$RESTIC_BINARY "\$@"
rc=\$?
echo "end \$(date +%s%N)" >>"$T_DIR/restic-runs"
exit \$rc
W
chmod +x "$T_DIR/restic-slow"
: >"$T_DIR/restic-runs"
s=$((($(date +%s) + 3) % 60))
RESTIC_BINARY=$T_DIR/restic-slow RUN_AT="*/2 * * * * *" PRUNE_AT="$s * * * * *" \
	$AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/s.log" 2>&1 &
apid=$!
wait_for 40 eval '[ "$(op_field prune result)" = ok ] && grep -q "delayed by" "$T_DIR/s.log" && [ "$(status_field runs)" -ge 3 ]' ||
	{ not_ok "a scheduled prune with backups around it"; show "$T_DIR/s.log"; }
kill -TERM "$apid"
wait "$apid" 2>/dev/null
grep -q "warn  backup of .* delayed by [0-9]*s: the prune ran until now" "$T_DIR/s.log" &&
	ok "a backup tick during the prune runs right after it: $(grep -m1 'backup of .* delayed by' "$T_DIR/s.log" | cut -d' ' -f3-)" ||
	{ not_ok "delayed backup logged"; show "$T_DIR/s.log"; }
d=$(status_field delayed_s)
[ -n "$d" ] && [ "$d" -ge 0 ] && grep -q "skipped [0-9]* scheduled run(s) of the backup" "$T_DIR/s.log" &&
	ok "the status says how late the backup was (delayed_s=$d), the ticks covered are skipped and logged" ||
	not_ok "delay in the status" "delayed_s=$d"
overlap=$(/usr/bin/python3 - "$T_DIR/restic-runs" <<'EOF'
import sys
runs, stack = [], []
for line in open(sys.argv[1]):
    w = line.split()
    if w[0] == "start":
        stack.append(int(w[1]))
    elif stack:
        runs.append((stack.pop(0), int(w[1])))
runs.sort()
print(sum(1 for a, b in zip(runs, runs[1:]) if b[0] < a[1]), len(runs))
EOF
)
[ "${overlap% *}" = 0 ] && [ "${overlap#* }" -ge 3 ] && ok "no two of the agent's ${overlap#* } restic runs overlapped" ||
	{ not_ok "restic runs overlap" "$overlap"; show "$T_DIR/restic-runs"; }

# 6. SIGTERM during a scheduled prune: the agent stops within STOP_TIMEOUT
# and records the prune as interrupted.
s=$((($(date +%s) + 2) % 60))
RESTIC_BINARY=$T_DIR/restic-slow RUN_AT="0 0 1 1 *" PRUNE_AT="$s * * * * *" STOP_TIMEOUT=10 \
	$AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/t.log" 2>&1 &
apid=$!
wait_for 30 eval '[ "$(status_field running_op)" = prune ]' || not_ok "the prune started"
sleep 1
t0=$SECONDS
kill -TERM "$apid"
wait_for 15 eval "! kill -0 $apid"
wait "$apid"
rc=$?
[ "$rc" = 0 ] && [ $((SECONDS - t0)) -le 11 ] && [ "$(op_field prune result)" = failed ] &&
	grep -q "interrupted" <<<"$(op_field prune message)" && [ "$(status_field running)" = False ] &&
	ok "SIGTERM during a prune: gone in $((SECONDS - t0))s, the prune recorded as interrupted" ||
	{ not_ok "SIGTERM during a prune" "rc=$rc $(op_field prune message)"; show "$T_DIR/t.log"; }
exit 0

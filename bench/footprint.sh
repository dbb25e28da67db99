#!/usr/bin/env bash
# Footprint: what rds-agent itself costs its node while it waits, with a
# schedule configured and hooks set, over BENCH_IDLE_S seconds (default
# 120): VmRSS and VmHWM (restic excluded: it is not running), CPU seconds
# per minute, and Docker API requests per minute, counted by a logging
# proxy on a unix socket in front of the private swarm's daemon. Side by
# side: restic's own peak RSS in one backup cycle of the same data, the
# Docker requests of that cycle, and a plain `sleep` as the floor.
#   bash bench/footprint.sh
source "$(dirname "$0")/lib.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"
IDLE_S=${BENCH_IDLE_S:-120}
HZ=$(getconf CLK_TCK)

echo "# footprint: $(bench_machine)"
swarm_sshd_up
agent_env footprint
rm -rf "$BACKUP_PATH" && bench_data "$BACKUP_PATH" 200 2000 || { not_ok "data set"; exit 1; }

svc=rdsbench_db
dk service rm "$svc" >/dev/null 2>&1
at_exit "dk service rm $svc"
dk service create -d --name "$svc" --replicas 2 rds-test/busybox:latest sleep 100000 >/dev/null 2>&1
wait_for 60 eval "[ \"\$(dk ps -q --filter label=com.docker.swarm.service.name=$svc | wc -l)\" = 2 ]" ||
	{ not_ok "service $svc with two replicas"; exit 1; }

REQ=$T_DIR/requests.log
: >"$REQ"
/usr/bin/python3 "$RDS_ROOT/bench/docker_proxy.py" "$T_DIR/docker.sock" "$RDS_DOCKER_SOCK" "$REQ" &
PPID_=$!
at_exit "kill $PPID_"
wait_for 10 test -S "$T_DIR/docker.sock" || { not_ok "counting proxy"; exit 1; }
export DOCKER_HOST=unix://$T_DIR/docker.sock SERVICE_NAME=$svc
export PRE_HOOK="sh -c 'echo dump >/tmp/dump'" POST_HOOK="rm -f /tmp/dump"

# One cycle first: creates the repository; restic under /usr/bin/time for its
# peak RSS.
cat >"$T_DIR/restic-timed" <<EOF
#!/bin/sh
exec /usr/bin/time -f %M -a -o "$T_DIR/restic-rss.txt" "$RESTIC_BINARY" "\$@"
EOF
chmod +x "$T_DIR/restic-timed"
RESTIC_BINARY=$T_DIR/restic-timed agent_run "$T_DIR/first.log" || { not_ok "first backup"; show "$T_DIR/first.log"; exit 1; }
: >"$T_DIR/restic-rss.txt"
n0=$(wc -l <"$REQ")
RESTIC_BINARY=$T_DIR/restic-timed agent_run "$T_DIR/cycle.log" || { not_ok "backup cycle with hooks"; show "$T_DIR/cycle.log"; exit 1; }
cycle_req=$(($(wc -l <"$REQ") - n0))
# The processes of a cycle with both hooks: every execve in the agent's tree.
strace -f -qq -e trace=execve -e signal=none -o "$T_DIR/strace.txt" "$BIN/rds-agent" >"$T_DIR/strace.log" 2>&1 ||
	{ not_ok "cycle under strace"; show "$T_DIR/strace.log"; }
procs=$(($(grep -c 'execve(' "$T_DIR/strace.txt") - 1))
progs=$(grep -o 'execve("[^"]*"' "$T_DIR/strace.txt" | sed 's/execve("//; s/"$//' | xargs -n1 basename | sort | uniq -c |
	awk '{ printf "%s%s x%d", s, $2, $1; s = ", " }')
restic_kb=$(sort -n "$T_DIR/restic-rss.txt" | tail -n 1)
echo "# Docker requests of one cycle with both hooks:"
tail -n "$cycle_req" "$REQ" | cut -d' ' -f2- | sed 's|/v[0-9.]*/|/vX/|; s|/[0-9a-f]\{64\}/|/ID/|; s|/[a-z0-9]\{25\}$|/ID|' |
	sort | uniq -c | sed 's/^/#   /'

# Idle: a daily schedule, hooks set; the agent waits.
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
RUN_AT="0 3 * * *" "$BIN/rds-agent" >"$T_DIR/idle.log" 2>&1 &
APID=$!
at_exit "kill $APID 2>/dev/null"
wait_for 10 grep -q "next backup at" "$T_DIR/idle.log" || { not_ok "agent waiting"; show "$T_DIR/idle.log"; exit 1; }
sleep infinity &
SPID=$!
at_exit "kill $SPID 2>/dev/null"
sleep 2
r0=$(wc -l <"$REQ")
c0=$(cpu_ticks "$APID")
t0=$(now_ms)
rss_max=0
for ((s = 0; s < IDLE_S; s += 5)); do
	sleep 5
	r=$(status_kb "$APID" VmRSS)
	[ "$r" -gt "$rss_max" ] && rss_max=$r
done
t1=$(now_ms)
c1=$(cpu_ticks "$APID")
r1=$(wc -l <"$REQ")
hwm=$(status_kb "$APID" VmHWM)
sleep_kb=$(status_kb "$SPID" VmRSS)
min=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 60000 }')
cpu_per_min=$(awk -v c="$((c1 - c0))" -v hz="$HZ" -v m="$min" 'BEGIN { printf "%.4f", c / hz / m }')
req_per_min=$(awk -v r="$((r1 - r0))" -v m="$min" 'BEGIN { printf "%.2f", r / m }')
kill "$APID" "$SPID" 2>/dev/null
wait "$APID" 2>/dev/null

result "idle: agent VmRSS (largest of $((IDLE_S / 5)) samples)" "$rss_max" KiB
result "idle: agent VmHWM (peak since start)" "$hwm" KiB "start-up included"
result "idle: agent CPU" "$cpu_per_min" "s/min" "over ${min} min"
result "idle: Docker API requests" "$req_per_min" "/min" "$((r1 - r0)) in ${min} min"
result "one cycle: Docker API requests (both hooks)" "$cycle_req" ""
result "one cycle: restic peak RSS" "$restic_kb" KiB "200 MB data set"
result "one cycle with both hooks: processes started" "$procs" "" "$progs; the first is rds-agent itself"
result "floor: sleep VmRSS" "$sleep_kb" KiB
ratio "idle RSS (agent / restic peak in a cycle)" "$rss_max" "$restic_kb" "KiB"
ratio "idle RSS (agent / sleep)" "$rss_max" "$sleep_kb" "KiB"
ratio "Docker requests (idle per min / per cycle)" "$req_per_min" "$cycle_req"
[ "$((r1 - r0))" = 0 ] && ok "no Docker request while idle" || not_ok "Docker requests while idle" "$((r1 - r0))"
ok "footprint measured over ${min} min"

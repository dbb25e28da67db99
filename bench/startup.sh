#!/usr/bin/env bash
# Start-up: from process start to the first schedule computed (the agent's
# "next backup at" line, whose time stamp it writes itself), with a full
# configuration (secrets read, key copied, cron parsed, hooks set), against
# `restic version` from start to exit: the least restic does. BENCH_RUNS
# times each (default 20), median.
#   bash bench/startup.sh
source "$(dirname "$0")/lib.sh"
RUNS=${BENCH_RUNS:-20}

echo "# start-up: $(bench_machine)"
sshd_start || { not_ok "sshd"; exit 1; }
agent_env startup
make_data "$BACKUP_PATH" 5
export RUN_AT="0 3 * * *" SERVICE_NAME=db PRE_HOOK="pg_dumpall -U postgres -f /dump/db.sql" POST_HOOK="rm -f /dump/db.sql"

: >"$T_DIR/a.txt"
: >"$T_DIR/r.txt"
for ((i = 0; i < RUNS; i++)); do
	log=$T_DIR/start-$i.log
	t0=$(date +%s%3N)
	"$BIN/rds-agent" >"$log" 2>&1 &
	pid=$!
	wait_for 10 grep -q "next backup at" "$log" || { not_ok "agent start $i"; show "$log"; exit 1; }
	kill "$pid"
	wait "$pid" 2>/dev/null
	t1=$(agent_log_ms "$log" "next backup at")
	echo "$((t1 - t0))" >>"$T_DIR/a.txt"
	t0=$(date +%s%N)
	"$RESTIC_BINARY" version >/dev/null
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000000))" >>"$T_DIR/r.txt"
done
a=$(median <"$T_DIR/a.txt")
r=$(median <"$T_DIR/r.txt")
result "agent: start -> first schedule computed" "$a" ms "median of $RUNS, range $(sort -n "$T_DIR/a.txt" | head -n1)-$(sort -n "$T_DIR/a.txt" | tail -n1)"
result "restic version: start -> exit" "$r" ms "median of $RUNS"
ratio "start-up (agent to schedule / restic version)" "$a" "$r" "ms"
ok "start-up measured"

#!/usr/bin/env bash
# Soak: rds-agent (seed mode) on a 5 s schedule with a pre- and a post-hook
# in a service of the private swarm (tests/lib/dockerd.sh) and backups to the
# real sshd, for SOAK_S seconds (default 3600; the suite runs 180). Every
# SOAK_SAMPLE_S (60) s, at a moment between two runs (the agent has no
# child then), it samples the agent's VmRSS, its open fds and its child
# processes (zombies included). After the warm-up (the first sample) none
# may grow by more than 5 %, and between runs the agent has no child. At the
# end every tick is accounted for: the ticks the schedule had between the
# agent's start and its stop equal the runs plus the skipped ticks in the
# status file (give or take the one at the stop).
#   bash bench/soak.sh                 (as root, from anywhere)
#   SOAK_S=600 bash bench/soak.sh
source "$(dirname "$0")/lib.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"
SOAK_S=${SOAK_S:-3600}
SAMPLE_S=${SOAK_SAMPLE_S:-60}
LOG=$T_DIR/agent.log

echo "# soak: $(bench_machine); ${SOAK_S} s, a sample every ${SAMPLE_S} s"
swarm_sshd_up
agent_env soak
svc=rdsbench_soak
dump_service "$svc" || { not_ok "the soak service runs"; exit 1; }
export BACKUP_PATH=$T_DIR/dump
make_data "$T_DIR/dump" 20

export SERVICE_NAME=$svc TZ=UTC RUN_AT="*/5 * * * * *"
export PRE_HOOK="sh -c 'date > /dump/db.sql; echo dumped'" POST_HOOK="rm -f /dump/db.sql"
t_start=$(now_ms)
"$BIN/rds-agent" >"$LOG" 2>&1 &
APID=$!
at_exit "kill_job $APID"
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
kids() { pgrep -P "$1" | wc -l; }
no_kids() { [ "$(kids "$APID")" = 0 ]; }

: >"$T_DIR/samples"
end=$((SECONDS + SOAK_S))
n=0
while [ "$SECONDS" -lt "$end" ]; do
	next=$((SECONDS + SAMPLE_S))
	[ "$next" -gt "$end" ] && next=$end
	while [ "$SECONDS" -lt "$next" ]; do sleep 1; done
	kill -0 "$APID" 2>/dev/null || { not_ok "the agent runs"; show "$LOG"; exit 1; }
	# Between two runs: the worker of the last one is gone. The readings
	# are taken again when the next run started while they were read (a
	# tick every 5 s); a child that stays is still seen.
	for try in 1 2 3; do
		if wait_for 15 no_kids; then between=yes; else between=no; fi
		rss=$(kb "$APID" VmRSS) nfd=$(fds "$APID") nk=$(kids "$APID")
		[ "$nk" = 0 ] && no_kids && break
	done
	n=$((n + 1))
	echo "$SECONDS $rss $nfd $nk $between" >>"$T_DIR/samples"
	result "sample $n at $SECONDS s" "$rss" KiB "$nfd fds, $nk children, between runs: $between"
done
t_stop=$(now_ms)
kill -TERM "$APID"
wait "$APID"
rc=$?
[ "$rc" = 0 ] && ok "SIGTERM: the agent exits 0" || not_ok "agent exit" "rc=$rc"

# Growth after the warm-up (the first sample).
growth() { # COLUMN: first-after-warm-up / last / largest, and the growth in %
	awk -v c="$1" 'NR == 1 && total > 1 { next } { v[++k] = $c } END {
		if (k == 0) { print "0 0 0 0"; exit }
		m = v[1]; for (i = 1; i <= k; i++) if (v[i] > m) m = v[i]
		printf "%d %d %d %.1f\n", v[1], v[k], m, v[1] ? (m - v[1]) * 100 / v[1] : (m > 0 ? 100 : 0) }' \
		total="$(wc -l <"$T_DIR/samples")" "$T_DIR/samples"
}
read -r r1 r2 rm rg <<<"$(growth 2)"
read -r f1 f2 fm fg <<<"$(growth 3)"
read -r k1 k2 km kg <<<"$(growth 4)"
result "soak: agent VmRSS first / last / largest" "$r1/$r2/$rm" KiB "growth $rg %; target within 5 %"
result "soak: agent's open fds first / last / largest" "$f1/$f2/$fm" "" "growth $fg %"
result "soak: agent's children between runs first / last / largest" "$k1/$k2/$km" ""
ratio "soak: agent VmRSS (largest / first after warm-up)" "$rm" "$r1" "KiB, ${SOAK_S} s"
awk -v g="$rg" 'BEGIN { exit !(g <= 5) }' && ok "resident memory flat after the warm-up ($rg %)" ||
	not_ok "resident memory grew" "$rg %: $(cat "$T_DIR/samples")"
[ "$fm" -le "$f1" ] && ok "open fds flat ($f1 .. $fm)" || not_ok "open fds grew" "$f1 -> $fm"
[ "$km" = 0 ] && ! grep -q ' no$' "$T_DIR/samples" && ok "no child left between runs (zombies included)" ||
	not_ok "children between runs" "$(cat "$T_DIR/samples")"

# Every tick accounted for.
ticks=$(((t_stop - 1) / 5000 - t_start / 5000))
runs=$(status_field runs)
skipped=$(status_field skipped_ticks)
delayed=$(status_field delayed_runs)
failures=$(status_field failures)
acc=$((runs + skipped))
result "soak: ticks of the schedule" "$ticks" "" "from start to stop"
result "soak: runs + skipped ticks" "$acc" "" "$runs runs ($delayed delayed, $failures failed), $skipped skipped"
diff=$((ticks - acc))
[ "${diff#-}" -le 1 ] && ok "every tick accounted for: $ticks ticks, $runs runs + $skipped skipped" ||
	not_ok "ticks vanished" "$ticks ticks, $runs runs, $skipped skipped"
[ "$failures" = 0 ] && ok "no run failed" || not_ok "failed runs" "$failures: $(grep -m3 ' error ' "$LOG" | cut -c1-300)"
[ "$(snapshots_count soak)" -ge $((runs - failures)) ] && ok "a snapshot for each good run" ||
	not_ok "snapshots" "$(snapshots_count soak) for $runs runs"
hooks=$(grep -c "pre-hook: exit code 0" "$LOG")
posts=$(grep -c "post-hook: exit code 0" "$LOG")
[ "$hooks" = "$runs" ] && [ "$posts" = "$runs" ] && ok "the pre- and post-hook ran in every run ($hooks, $posts)" ||
	not_ok "hooks per run" "$hooks pre, $posts post for $runs runs"

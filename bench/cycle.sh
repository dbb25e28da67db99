#!/usr/bin/env bash
# Cycle cost: one scheduled backup cycle of rds-agent (tick -> result in the
# status file) against a bare `restic backup` of the same data to the same
# repository with the same flags, alternating, BENCH_CYCLES times each:
# first with nothing changed, then with 1% of the small files changed before
# each run (a different 1% for the agent and for restic, so each sees the
# same amount of change). Then whole one-shot agent runs against bare
# restic. Also: the processes started per cycle (the agent's children and
# theirs), counted with strace; and the one-shot run with a retention
# policy against a bare backup + forget pair.
#   bash bench/cycle.sh
source "$(dirname "$0")/lib.sh"
CYCLES=${BENCH_CYCLES:-5}
TICK=15 # seconds between the agent's ticks; a cycle must fit in one

echo "# cycle cost: $(bench_machine)"
sshd_start || { not_ok "sshd"; exit 1; }
agent_env cycle
rm -rf "$BACKUP_PATH" && bench_data "$BACKUP_PATH" 200 2000 || { not_ok "data set"; exit 1; }
echo "# data: $(du -sh "$BACKUP_PATH" | cut -f1), $(find "$BACKUP_PATH" -type f | wc -l) files"
agent_run "$T_DIR/first.log" || { not_ok "first backup"; show "$T_DIR/first.log"; exit 1; }

# change N: rewrite N small files with new content (deterministic per call).
changes=0
change() {
	local n=$1 i f
	changes=$((changes + 1))
	for ((i = 0; i < n; i++)); do
		f=$(printf '%s/small/d%02d/f%05d.dat' "$BACKUP_PATH" $(((changes * 37 + i) % 40)) $(((changes * 37 + i * 41) % 2000)))
		[ -f "$f" ] && printf 'changed %d %d\n' "$changes" "$i" >>"$f"
	done
}

export RUN_AT="*/$TICK * * * * *"
"$BIN/rds-agent" >"$T_DIR/agent.log" 2>&1 &
APID=$!
at_exit "kill $APID 2>/dev/null; wait $APID 2>/dev/null"
wait_for 10 test -s "$STATUS_FILE" || wait_for 10 grep -q "next backup at" "$T_DIR/agent.log" || { not_ok "agent started"; exit 1; }

runs() { status_field runs 2>/dev/null || echo 0; }
# Waits for the agent's next cycle to be recorded; prints tick -> result in
# seconds (the tick is the second the schedule named, i.e. a multiple of TICK).
# The end is the time stamp of the agent's "run finished" line (written
# with the status file), not when this script noticed.
agent_cycle() {
	local before=$1 end_ms tick_ms line
	wait_for $((TICK * 3)) eval "[ \"\$(runs)\" -gt $before ]" || return 1
	line=$(grep "run finished" "$T_DIR/agent.log" | tail -n 1)
	end_ms=$(log_line_ms "$line")
	tick_ms=$(((end_ms / 1000 / TICK) * TICK * 1000))
	# The status file also carries the job's own measure.
	awk -v a="$end_ms" -v t="$tick_ms" -v d="$(status_field duration_s)" 'BEGIN { printf "%.3f %.3f\n", (a - t) / 1000, d }'
}
bare_cycle() {
	local t0 t1
	t0=$(now_ms)
	restic_direct "$REPO_PATH" backup --json --host "$BACKUP_HOST" --tag rds "$BACKUP_PATH" >"$T_DIR/bare.json" 2>"$T_DIR/bare.err" || return 1
	t1=$(now_ms)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1000 }'
}

measure() { # measure LABEL CHANGED_FILES
	local label=$1 n=$2 i r a b
	: >"$T_DIR/a.txt"
	: >"$T_DIR/d.txt"
	: >"$T_DIR/b.txt"
	for ((i = 0; i < CYCLES; i++)); do
		[ "$n" = 0 ] || change "$n"
		r=$(runs)
		a=$(agent_cycle "$r") || { not_ok "$label: agent cycle $i"; tail -n 5 "$T_DIR/agent.log" | show; return 1; }
		echo "${a% *}" >>"$T_DIR/a.txt"
		echo "${a#* }" >>"$T_DIR/d.txt"
		[ "$(status_field result)" = ok ] || not_ok "$label: agent cycle $i result" "$(status_field message)"
		[ "$n" = 0 ] || change "$n"
		b=$(bare_cycle) || { not_ok "$label: bare restic"; show "$T_DIR/bare.err"; return 1; }
		echo "$b" >>"$T_DIR/b.txt"
	done
	a=$(median <"$T_DIR/a.txt")
	b=$(median <"$T_DIR/b.txt")
	result "$label: agent tick -> result (median of $CYCLES)" "$a" s "job itself: $(median <"$T_DIR/d.txt") s"
	result "$label: bare restic backup (median of $CYCLES)" "$b" s
	ratio "cycle, $label (agent / bare restic)" "$a" "$b" "s, median of $CYCLES"
	ok "$label: $CYCLES agent cycles and $CYCLES bare restic runs"
}
measure "no change" 0
measure "1% of files changed" 20
kill "$APID" 2>/dev/null
wait "$APID" 2>/dev/null

# One-shot (RUN_AT empty): the whole agent process, start to exit, against
# a bare restic backup with the same flags, in pairs whose order alternates
# (ABBA: whichever runs second finds the page cache and restic's cache a
# little warmer). Also the agent's own time: start to restic's start, plus
# restic's end to the agent's exit (from its log's time stamps).
oneshot() {
	local t0 t1 s e
	t0=$(now_ms)
	env -u RUN_AT "$BIN/rds-agent" >"$T_DIR/oneshot.log" 2>&1 || return 1
	t1=$(now_ms)
	s=$(log_line_ms "$(grep " started (host " "$T_DIR/oneshot.log" | head -n 1)")
	e=$(log_line_ms "$(grep "run finished" "$T_DIR/oneshot.log" | tail -n 1)")
	awk -v a="$t0" -v b="$t1" -v s="$s" -v e="$e" 'BEGIN { printf "%.3f %.3f\n", (b - a) / 1000, ((s - a) + (b - e)) / 1000 }'
}
: >"$T_DIR/oa.txt"
: >"$T_DIR/oo.txt"
: >"$T_DIR/ob.txt"
ONESHOTS=$((CYCLES * 2 + 2))
for ((i = 0; i < ONESHOTS; i++)); do
	if [ $((i % 2)) = 1 ]; then
		b=$(bare_cycle) || { not_ok "bare restic $i"; show "$T_DIR/bare.err"; break; }
	fi
	a=$(oneshot) || { not_ok "one-shot run $i"; show "$T_DIR/oneshot.log"; break; }
	if [ $((i % 2)) = 0 ]; then
		b=$(bare_cycle) || { not_ok "bare restic $i"; show "$T_DIR/bare.err"; break; }
	fi
	echo "${a% *}" >>"$T_DIR/oa.txt"
	echo "${a#* }" >>"$T_DIR/oo.txt"
	echo "$b" >>"$T_DIR/ob.txt"
done
a=$(median <"$T_DIR/oa.txt")
b=$(median <"$T_DIR/ob.txt")
result "one-shot agent, no change (median of $ONESHOTS)" "$a" s "its own part: $(median <"$T_DIR/oo.txt") s"
result "bare restic backup (median of $ONESHOTS)" "$b" s
ratio "one-shot, no change (agent / bare restic)" "$a" "$b" "s, median of $ONESHOTS pairs, ABBA order"

# The same with a retention policy: the agent's backup and its forget
# against a bare restic backup followed by a bare restic forget with the
# agent's flags, again in ABBA order.
bare_pair() {
	local t0 t1
	t0=$(now_ms)
	restic_direct "$REPO_PATH" backup --json --host "$BACKUP_HOST" --tag rds "$BACKUP_PATH" >/dev/null 2>"$T_DIR/bare.err" &&
		restic_direct "$REPO_PATH" forget --json --host "$BACKUP_HOST" --tag rds --group-by host,paths,tags \
			--keep-last 3 >/dev/null 2>>"$T_DIR/bare.err" || return 1
	t1=$(now_ms)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1000 }'
}
: >"$T_DIR/fa.txt"
: >"$T_DIR/fb.txt"
export FORGET_KEEP_LAST=3
for ((i = 0; i < ONESHOTS; i++)); do
	if [ $((i % 2)) = 1 ]; then
		b=$(bare_pair) || { not_ok "bare backup + forget $i"; show "$T_DIR/bare.err"; break; }
	fi
	a=$(oneshot) || { not_ok "one-shot run with a policy $i"; show "$T_DIR/oneshot.log"; break; }
	grep -q "forget done" "$T_DIR/oneshot.log" || { not_ok "the agent ran forget"; show "$T_DIR/oneshot.log"; break; }
	if [ $((i % 2)) = 0 ]; then
		b=$(bare_pair) || { not_ok "bare backup + forget $i"; show "$T_DIR/bare.err"; break; }
	fi
	echo "${a% *}" >>"$T_DIR/fa.txt"
	echo "$b" >>"$T_DIR/fb.txt"
done
unset FORGET_KEEP_LAST
a=$(median <"$T_DIR/fa.txt")
b=$(median <"$T_DIR/fb.txt")
result "one-shot agent with forget (median of $ONESHOTS)" "$a" s
result "bare restic backup + forget (median of $ONESHOTS)" "$b" s
ratio "one-shot with a policy (agent / bare backup + forget)" "$a" "$b" "s, median of $ONESHOTS pairs, ABBA order"
ok "one-shot with a policy: $ONESHOTS agent runs and $ONESHOTS bare pairs"
ok "one-shot: $ONESHOTS agent runs and $ONESHOTS bare restic runs"

# Processes per cycle: one one-shot cycle under strace (its start-up has no
# process of its own), every execve in the tree.
if command -v strace >/dev/null; then
	unset RUN_AT
	strace -f -qq -e trace=execve -e signal=none -o "$T_DIR/strace.txt" "$BIN/rds-agent" >"$T_DIR/strace-agent.log" 2>&1
	n_all=$(grep -c 'execve(' "$T_DIR/strace.txt")
	progs=$(grep -o 'execve("[^"]*"' "$T_DIR/strace.txt" | sed 's/execve("//; s/"$//' | xargs -n1 basename | sort | uniq -c | awk '{ printf "%s%s x%d", s, $2, $1; s = ", " }')
	# The first execve is rds-agent itself.
	result "processes started per cycle" "$((n_all - 1))" "" "$progs; the first is rds-agent itself"
	ratio "processes per cycle (agent tree / bare restic tree)" "$((n_all - 1))" 2 "restic + its ssh"
else
	echo "# strace missing: process count skipped"
fi

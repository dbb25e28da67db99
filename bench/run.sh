#!/usr/bin/env bash
# make bench: every benchmark, one after the other, then a summary table of
# the side-by-side ratios; the run is added on top of bench/RESULTS.md with
# the machine and the commands. Numbers only: nothing here fails on speed
# (the exit status is non-zero only when a benchmark could not run).
#   bash bench/run.sh [NAME...]     NAME: startup footprint labels cycle redeploy throughput
# Settings: BENCH_IDLE_S (footprint, labels: 120), BENCH_CYCLES (cycle, 5),
# BENCH_REPEAT (redeploy, throughput: 3), BENCH_MB (throughput, 1024),
# BENCH_RUNS (startup 20, labels 10), BENCH_SERVICES (labels, 50),
# BENCH_CHURN_S (labels, 1800), BENCH_SAMPLE_S (labels, 60),
# RESTIC_BINARY (default: trixie's 0.18 when cached),
# BENCH_RESULTS (the file the run is added to, bench/RESULTS.md; "-": none).
# Needs root (sshd, dockerd, dropping the page cache).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ALL=(startup footprint labels cycle redeploy throughput)
[ $# -gt 0 ] && ALL=("$@")
LOGDIR=${LOGDIR:-/tmp/rds-bench-logs}
rm -rf "$LOGDIR" && mkdir -p "$LOGDIR"
export BENCH_SUMMARY=$LOGDIR/summary.md
: >"$BENCH_SUMMARY"

bash scripts/deps.sh bench >"$LOGDIR/deps.log" 2>&1 || { cat "$LOGDIR/deps.log"; exit 1; }
make -j2 >"$LOGDIR/build.log" 2>&1 || { tail -n 20 "$LOGDIR/build.log"; exit 1; }
scripts/restic-trixie.sh >/dev/null 2>"$LOGDIR/restic-trixie.log" || echo "# restic 0.18 unavailable: the host's restic is used"

# The suite's private dockerd serves the footprint and labels benchmarks; it
# is stopped again when it was not running before.
source tests/lib/harness.sh
source tests/lib/dockerd.sh
trap - EXIT
daemon_was_up=0
dockerd_answers && daemon_was_up=1

failed=0
started=$(date -u '+%Y-%m-%d %H:%M UTC')
t0=$SECONDS
for b in "${ALL[@]}"; do
	echo "=== bench/$b.sh"
	t=$SECONDS
	bash "bench/$b.sh" >"$LOGDIR/$b.log" 2>&1 || failed=$((failed + 1))
	grep -E '^# |^not ok' "$LOGDIR/$b.log" | tee "$LOGDIR/$b.results"
	grep -E '^ok ' "$LOGDIR/$b.log" # "it ran", for the suite's counts; not a result
	echo "--- $b: $((SECONDS - t)) s"
done
[ "$daemon_was_up" = 1 ] || bash tests/integration/docker_down.sh >"$LOGDIR/docker-down.log" 2>&1

machine=$(grep -h -m1 '^# [a-z-]*: nproc' "$LOGDIR"/*.results | head -n 1 | sed 's/^# [a-z-]*: //')
table() {
	echo "| measure | A | B | A / B | unit, notes |"
	echo "|---|---|---|---|---|"
	cat "$BENCH_SUMMARY"
}
echo
echo "Summary ($started; $machine):"
table

# Newest run on top of bench/RESULTS.md.
R=${BENCH_RESULTS:-bench/RESULTS.md}
if [ "$R" = - ]; then
	echo "logs in $LOGDIR"
	exit $((failed > 0))
fi
entry=$LOGDIR/entry.md
{
	echo "## $started"
	echo
	echo "Machine: $machine. Command: \`make bench\` (\`bash bench/run.sh${*:+ $*}\`), $((SECONDS - t0)) s in all;" \
		"settings BENCH_IDLE_S=${BENCH_IDLE_S:-120} BENCH_CYCLES=${BENCH_CYCLES:-5} BENCH_REPEAT=${BENCH_REPEAT:-3}" \
		"BENCH_MB=${BENCH_MB:-1024} BENCH_RUNS=${BENCH_RUNS:-20 (labels: 10)} BENCH_SERVICES=${BENCH_SERVICES:-50}" \
		"BENCH_CHURN_S=${BENCH_CHURN_S:-1800} BENCH_SAMPLE_S=${BENCH_SAMPLE_S:-60}. Each script runs alone too: \`bash bench/NAME.sh\`."
	echo
	table
	for b in "${ALL[@]}"; do
		echo
		echo "### bench/$b.sh"
		echo
		echo '```'
		cat "$LOGDIR/$b.results"
		echo '```'
	done
	echo
} >"$entry"
if [ -f "$R" ] && grep -q '^## ' "$R"; then
	awk -v f="$entry" 'done == 0 && /^## / { while ((getline l < f) > 0) print l; done = 1 } { print }' "$R" >"$R.tmp"
else
	{
		echo "# Benchmark results"
		echo
		echo "Written by \`make bench\` (bench/run.sh), newest run on top. Each row puts two"
		echo "things measured side by side in the same run and their ratio; see the scripts'"
		echo "headers for what exactly is timed. Numbers of one machine, not promises."
		echo
		cat "$entry"
	} >"$R.tmp"
fi
mv "$R.tmp" "$R"
echo
echo "written to $R; logs in $LOGDIR"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# Every test of the project, as CI runs it: installs dependencies, builds,
# runs unit tests (plain, ASan+UBSan, valgrind), the cron differential test,
# the integration scenarios against real restic, sshd and a private dockerd
# in swarm mode, and the end-to-end tests (both images, the example stack
# with PostgreSQL, the demo). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGDIR=${LOGDIR:-/tmp/rds-test-logs}
rm -rf "$LOGDIR" && mkdir -p "$LOGDIR"
passed=0
failed=0

# Runs one step, shows its output, and counts its "ok"/"not ok" lines. A step
# that fails without reporting a failing line counts as one failure.
step() {
	local name=$1 log="$LOGDIR/$1.log" rc p f
	shift
	echo "=== $name"
	"$@" >"$log" 2>&1
	rc=$?
	grep -E '^(not )?ok |^#' "$log" | grep -v '^# /' | sed 's/^/  /'
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "  not ok - $name exited with $rc; last lines of $log:"
		tail -n 30 "$log" | sed 's/^/  #   /'
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "--- $name: $p passed, $f failed ($(( SECONDS - t0 ))s so far)"
}
t0=$SECONDS

step deps scripts/deps.sh
step build make -j2
step unit make test
step cron-differential /usr/bin/python3 tests/cron/diff.py build
step build-sanitize make -j2 SANITIZE=1
step unit-sanitize make SANITIZE=1 test
step unit-valgrind make valgrind
# The fuzz targets over the inputs that once crashed them (fuzz/regress).
step fuzz-regress make fuzz-regress
step restic-trixie bash -c 'scripts/restic-trixie.sh >/dev/null && echo "ok - restic 0.18 from Debian trixie is available"'
# The fault scenarios write the rows of docs/reliability.md (rendered at the
# end). Those that need no Docker, and the soak, the fuzzers and the
# benchmarks, run at the same time below (tests/run-lanes.sh).
export RELIABILITY_ROWS=$LOGDIR/reliability.rows
LANES=" 90-faults_sftp 91-faults_agent 92-faults_clock 94-faults_labels 95-faults_server "
for s in tests/integration/[0-9]*.sh; do
	[[ $LANES == *" $(basename "$s" .sh) "* ]] && continue
	step "$(basename "$s" .sh)" bash "$s"
done
# Side by side: they mostly wait (timeouts, schedules, a server that is
# down), each in its own network namespace or on ports of its own; only
# 94-faults_labels, the soak and the benchmarks use the suite's Docker
# daemon, one after the other. The benchmarks run once, small and quick, so
# that they keep working; their numbers are not judged here (make bench is
# the real run). The fuzzers 10 s each (make fuzz FUZZ_S=600 before an
# issue is resolved).
step lanes env LOGDIR="$LOGDIR" bash tests/run-lanes.sh \
	'90-faults_sftp bash tests/integration/90-faults_sftp.sh' \
	'91-faults_agent bash tests/integration/91-faults_agent.sh' \
	'92-faults_clock bash tests/integration/92-faults_clock.sh ;; 95-faults_server bash tests/integration/95-faults_server.sh' \
	'94-faults_labels bash tests/integration/94-faults_labels.sh ;; soak-short env SOAK_S=180 SOAK_SAMPLE_S=30 bash bench/soak.sh ;; bench-smoke env BENCH_RESULTS=- BENCH_IDLE_S=10 BENCH_CYCLES=1 BENCH_REPEAT=1 BENCH_MB=64 BENCH_RUNS=3 BENCH_CHURN_S=20 BENCH_SAMPLE_S=5 BENCH_SERVICES=10 BENCH_SCRAPES=20 LOGDIR=/tmp/rds-bench-smoke bash bench/run.sh' \
	'fuzz-short make fuzz FUZZ_S=10'
# The agent scenarios again: with trixie's restic 0.18 (the images' version),
# with the ASan+UBSan build, and with the agent under valgrind.
R018=${RDS_CACHE:-/var/cache/rds}/restic-0.18
step 20-agent_sftp-restic-0.18 env RESTIC_BINARY="$R018" bash tests/integration/20-agent_sftp.sh
step 30-agent_schedule-restic-0.18 env RESTIC_BINARY="$R018" bash tests/integration/30-agent_schedule.sh
step 32-agent_health-restic-0.18 env RESTIC_BINARY="$R018" bash tests/integration/32-agent_health.sh
step 32-agent_health-sanitize env BUILD=build-san bash tests/integration/32-agent_health.sh
step 62-maintenance-restic-0.18 env RESTIC_BINARY="$R018" bash tests/integration/62-maintenance.sh
step 62-maintenance-sanitize env BUILD=build-san bash tests/integration/62-maintenance.sh
step 64-agent_forget-restic-0.18 env RESTIC_BINARY="$R018" bash tests/integration/64-agent_forget.sh
step 20-agent_sftp-sanitize env BUILD=build-san bash tests/integration/20-agent_sftp.sh
step 40-agent_docker-sanitize env BUILD=build-san bash tests/integration/40-agent_docker.sh
# The Docker API client runs in the helpers rds-hook and rds-discover, not
# in the agent: their own scenarios under the checkers.
step 35-docker_hooks-sanitize env BUILD=build-san bash tests/integration/35-docker_hooks.sh
step 35-docker_hooks-valgrind env VALGRIND=1 bash tests/integration/35-docker_hooks.sh
# rds-discover, the label mode helper, runs for the agent's whole life.
step 46-discover-sanitize env BUILD=build-san bash tests/integration/46-discover.sh
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
# rds-notify, the notification helper, under both checkers.
step 84-notify_agent-sanitize env BUILD=build-san bash tests/integration/84-notify_agent.sh
step 80-notify_send-sanitize env BUILD=build-san bash tests/integration/80-notify_send.sh
step 80-notify_send-valgrind env NOTIFY_WRAP="$VG" bash tests/integration/80-notify_send.sh
step 20-agent_sftp-valgrind env AGENT_WRAP="$VG" bash tests/integration/20-agent_sftp.sh
step 40-agent_docker-valgrind env AGENT_WRAP="$VG" bash tests/integration/40-agent_docker.sh
step 70-labels-sanitize env BUILD=build-san bash tests/integration/70-labels.sh
step 70-labels-valgrind env AGENT_WRAP="$VG" bash tests/integration/70-labels.sh
step 75-labels_nodes-sanitize env BUILD=build-san bash tests/integration/75-labels_nodes.sh
step 50-server-sanitize env BUILD=build-san bash tests/integration/50-server.sh
step 50-server-valgrind env SRV_WRAP="$VG" bash tests/integration/50-server.sh
# End to end: both images, the example stack on the suite's swarm; then the
# README's demo command on a swarm of its own.
step e2e-stack bash tests/e2e/run.sh
step e2e-labels bash tests/e2e/labels.sh
step docker-down bash tests/integration/docker_down.sh
step e2e-demo bash tests/e2e/demo.sh
# docs/reliability.md from the rows the fault scenarios wrote.
step reliability-doc bash -c 'scripts/reliability.sh "$RELIABILITY_ROWS" && echo "ok - docs/reliability.md: $(grep -c "^| " docs/reliability.md) table lines"'

echo "logs: $LOGDIR ($(( SECONDS - t0 ))s)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

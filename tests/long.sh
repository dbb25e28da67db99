#!/usr/bin/env bash
# The long runs that the suite (tests/run-all.sh) only samples, run before
# an issue about faults is resolved; their lines go into its note:
#   - every fuzz target FUZZ_S seconds (default 600) under ASan+UBSan, in
#     two lanes (two cores); crashes are kept in build-fuzz/crashes/;
#   - the soak, SOAK_S seconds (default 3600), a sample every SOAK_SAMPLE_S
#     (60);
#   - 90-faults_sftp with the SFTP server down a full minute
#     (FAULT_SSHD_DOWN_S=60; the suite takes 20 s).
# Side by side (tests/run-lanes.sh): about max(8 x FUZZ_S, SOAK_S), 80
# minutes by default. As root, on a machine where `bash .ci/run` works
# (scripts/deps.sh installed everything). Ends with "N passed, N failed".
#   bash tests/long.sh
#   FUZZ_S=60 SOAK_S=600 bash tests/long.sh
set -uo pipefail
cd "$(dirname "$0")/.."
LOGDIR=${LOGDIR:-/tmp/rds-long-logs}
FUZZ_S=${FUZZ_S:-600}
SOAK_S=${SOAK_S:-3600}
rm -rf "$LOGDIR" && mkdir -p "$LOGDIR"
make -j2 >"$LOGDIR/build.log" 2>&1 && make fuzz-build -j2 >>"$LOGDIR/build.log" 2>&1 || {
	echo "not ok - build (see $LOGDIR/build.log)"
	echo "0 passed, 1 failed"
	exit 1
}
mapfile -t targets < <(ls fuzz/fuzz_*.c | sed 's|fuzz/fuzz_||; s|\.c$||')
half=$(((${#targets[@]} + 1) / 2))
t0=$SECONDS
LOGDIR=$LOGDIR bash tests/run-lanes.sh \
	"fuzz-a env FUZZ_S=$FUZZ_S FUZZ_TARGETS='${targets[*]:0:half}' sh fuzz/run.sh" \
	"fuzz-b env FUZZ_S=$FUZZ_S FUZZ_TARGETS='${targets[*]:half}' sh fuzz/run.sh" \
	"soak env SOAK_S=$SOAK_S bash bench/soak.sh ;; 90-faults_sftp-60s env FAULT_SSHD_DOWN_S=60 bash tests/integration/90-faults_sftp.sh" |
	tee "$LOGDIR/long.log"
p=$(grep -c '^ok ' "$LOGDIR/long.log")
f=$(grep -c '^not ok ' "$LOGDIR/long.log")
echo "# $((SECONDS - t0)) s; logs in $LOGDIR"
echo "$p passed, $f failed"
[ "$f" = 0 ]

#!/bin/sh
# fuzz/run.sh: runs the libFuzzer targets that make fuzz built (BUILD, by
# default build-fuzz/fuzz/fuzz_*), each for FUZZ_S seconds (default 20) on
# a working corpus build-fuzz/corpus/<target>, seeded from
# fuzz/corpus/<target> and the recorded data of tests/data that the target
# reads. Prints one line per target, TAP-like as the unit tests do (so that
# tests/run-all.sh counts them): the verdict ("ok" or "not ok"), the name,
# executions per second and coverage (libFuzzer's cov: and ft: of its last
# stats line); a crash's input is kept in build-fuzz/crashes/<target>/ and
# named on that line. FUZZ_S=0: every target runs once over its
# kept crash inputs fuzz/regress/<target>/* only. FUZZ_TARGETS="cron mux"
# runs only those. Exit status 1 when any target crashed (or failed a
# regression input), 2 when a target is missing.
# Run from the repository root (make fuzz does).
FUZZ_S=${FUZZ_S:-20}
BUILD=${BUILD:-build-fuzz}
D=tests/data

# The longest input for a target: a little more than its parser accepts
# or than its largest seed, so that time goes into inputs that matter.
max_len() {
	case $1 in
	cron) echo 300 ;;
	notifyurl) echo 4300 ;;
	httpd_head | words | labels | config | restic_out | restic_maint) echo 9000 ;;
	discover) echo 24000 ;;
	*) echo 16384 ;;
	esac
}

# The files of tests/data a target reads as seeds.
seeds() {
	case $1 in
	mux) echo $D/docker/*.bin ;;
	docker_json) echo $D/docker/*.json ;;
	discover) echo $D/docker/disc-*.json $D/docker/containers-worker.json ;;
	discover_events) echo $D/docker/*.jsonl ;;
	discovery) echo $D/docker/discover-table-*.json ;;
	restic_out | restic_maint) echo $D/restic/0.*/* ;;
	sshkeys) echo $D/sshkeys/* ;;
	esac
}

# The value of key (cov, ft, exec/s) in libFuzzer's last stats line.
stat() {
	sed -n "s|.* $1: *\([0-9]*\).*|\1|p" "$2" | tail -n 1
}

rc=0
targets=${FUZZ_TARGETS:-$(for b in "$BUILD"/fuzz/fuzz_*; do [ -x "$b" ] && basename "$b" | sed 's/^fuzz_//'; done)}
[ -n "$targets" ] || { echo "run.sh: no targets in $BUILD/fuzz (make fuzz-build)" >&2; exit 2; }
mkdir -p "$BUILD/logs"
for t in $targets; do
	bin=$BUILD/fuzz/fuzz_$t
	log=$BUILD/logs/$t.log
	if [ ! -x "$bin" ]; then
		printf 'not ok - %s: missing %s\n' "$t" "$bin"
		rc=2
		continue
	fi
	if [ "$FUZZ_S" = 0 ]; then
		set -- fuzz/regress/"$t"/*
		if [ ! -e "$1" ]; then
			printf '# %s: no regression inputs\n' "$t"
			continue
		fi
		if "$bin" -timeout=10 "$@" >"$log" 2>&1 </dev/null; then
			printf 'ok - %s: %d regression inputs\n' "$t" $#
		else
			printf 'not ok - %s: a regression input fails (log %s)\n' "$t" "$log"
			rc=1
		fi
		continue
	fi
	work=$BUILD/corpus/$t
	crashes=$BUILD/crashes/$t
	mkdir -p "$work" "$crashes"
	for f in fuzz/corpus/"$t"/* $(seeds "$t"); do
		[ -f "$f" ] && cp "$f" "$work/seed-$(echo "$f" | tr / _)"
	done
	before=$(ls "$crashes" | wc -l)
	"$bin" -max_total_time="$FUZZ_S" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/" "$work" >"$log" 2>&1 </dev/null
	r=$?
	verdict=ok crash=
	if [ $r != 0 ] || [ "$(ls "$crashes" | wc -l)" != "$before" ]; then
		verdict="not ok" crash="  crash: $crashes/$(ls -t "$crashes" | head -n 1) (log $log)"
		rc=1
	fi
	printf '%s - %-16s %4ss %8s exec/s  cov %5s  ft %6s%s\n' "$verdict" "$t" "$FUZZ_S" "$(stat exec/s "$log")" \
		"$(stat cov "$log")" "$(stat ft "$log")" "$crash"
done
exit $rc

# Sourced by every bench/*.sh: the test harness's helpers (at_exit,
# wait_for), a real sshd on loopback set up like the server image (chroot,
# internal-sftp; tests/lib/sshd.sh) and the agent's environment
# (tests/lib/agent.sh), plus:
#   bench_data DIR [MB] [FILES]   the seeded data set (bench/gen_data.py)
#   now_ms                        wall clock in milliseconds
#   result NAME VALUE UNIT [NOTE] one measured number, on stdout
#   ratio NAME A B [NOTE]         A and B side by side and A/B, on stdout and
#                                 in $BENCH_SUMMARY (a table row) when set
#   restic_direct REPO ARGS...    restic on a repository with the agent's own
#                                 flags, but without the agent (agent.sh)
#   agent_log_ms LOG PATTERN      epoch ms of the first log line matching
#   log_line_ms LINE              epoch ms of an agent log line
# RESTIC_BINARY: trixie's restic 0.18 (the images' version) when cached,
# else the host's.
source "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/harness.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
R018=${RDS_CACHE:-/var/cache/rds}/restic-0.18
if [ -z "${RESTIC_BINARY:-}" ]; then
	RESTIC_BINARY=restic
	[ -x "$R018" ] && RESTIC_BINARY=$R018
fi
export RESTIC_BINARY
source "$RDS_ROOT/tests/lib/agent.sh"
BENCH_DATA_CACHE=${BENCH_DATA_CACHE:-/var/cache/rds/bench}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The data set is generated once per size and copied (cp is faster than
# generating, and every run gets identical bytes).
bench_data() {
	local dir=$1 mb=${2:-200} files=${3:-2000} cache
	cache=$BENCH_DATA_CACHE/set-$mb-$files
	if [ ! -d "$cache" ]; then
		mkdir -p "$BENCH_DATA_CACHE"
		/usr/bin/python3 "$RDS_ROOT/bench/gen_data.py" "$cache.tmp" "$mb" "$files" && mv "$cache.tmp" "$cache" || return 1
	fi
	mkdir -p "$dir" && cp -a "$cache/." "$dir/"
}

result() { printf '# %-44s %12s %s%s\n' "$1" "$2" "$3" "${4:+  ($4)}"; }

ratio() {
	local name=$1 a=$2 b=$3 note=${4:-} r
	r=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }')
	printf '# RATIO %-38s %10s vs %10s = %sx%s\n' "$name" "$a" "$b" "$r" "${note:+  ($note)}"
	[ -z "${BENCH_SUMMARY:-}" ] || printf '| %s | %s | %s | %s | %s |\n' "$name" "$a" "$b" "$r" "$note" >>"$BENCH_SUMMARY"
}

# The agent's log lines start with an RFC 3339 UTC time with milliseconds.
log_line_ms() { date -u -d "$(cut -d' ' -f1 <<<"$1" | sed 's/T/ /; s/Z$//')" +%s%3N; }
agent_log_ms() {
	local line
	line=$(grep -m 1 -- "$2" "$1") || return 1
	log_line_ms "$line"
}

# Median of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

bench_machine() {
	echo "nproc $(nproc), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -s) $(uname -r | cut -d. -f1,2)," \
		"$("$RESTIC_BINARY" version | cut -d' ' -f1-2), $(ssh -V 2>&1 | cut -d, -f1)"
}

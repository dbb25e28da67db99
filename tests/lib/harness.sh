# Sourced by every shell scenario: TAP-like result lines and cleanup.
#   ok "name"            record a pass
#   not_ok "name" [why]  record a failure (the scenario continues)
#   check "name" cmd...  run cmd; pass when it exits 0
#   wait_for SECS cmd... poll cmd every 0.2 s until it succeeds or SECS pass
#   at_exit "cmd"        run cmd when the scenario ends (LIFO)
#   kill_job PID         SIGTERM to PID while it is an unwaited background job
# Results go to stdout as "ok - name" / "not ok - name"; the scenario exits 1
# when anything failed.
set -u
RDS_ROOT=${RDS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
BIN="$RDS_ROOT/$BUILD"
T_FAILED=0
T_CLEANUP=()

ok() { echo "ok - $*"; }
not_ok() {
	T_FAILED=1
	echo "not ok - $1"
	shift
	[ $# -gt 0 ] && echo "#   $*"
	return 0
}
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "command failed: $*"; fi
}
wait_for() {
	local secs=$1
	shift
	local deadline=$((SECONDS + secs))
	while ! "$@" 2>/dev/null; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
	return 0
}
at_exit() { T_CLEANUP+=("$1"); }
# kill_job PID: SIGTERM to PID only while it is a background job of this
# shell not yet waited for; once waited for, its PID may be another
# process's (a scenario running beside this one), which must not be hit.
kill_job() {
	local p
	for p in $(jobs -p); do
		[ "$p" = "$1" ] && kill "$1" 2>/dev/null
	done
	return 0
}
t_run_cleanup() {
	local i
	for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${T_CLEANUP[$i]}" >/dev/null 2>&1 || true
	done
}
t_finish() {
	local rc=$?
	t_run_cleanup
	[ "$T_FAILED" = 0 ] && [ "$rc" = 0 ] || exit 1
	exit 0
}
trap t_finish EXIT
# Dump a file into the output as TAP comments (for diagnosing failures).
show() { sed 's/^/#   /' "$@" 2>/dev/null | tail -n 40; }

#!/usr/bin/env bash
# Runs lanes of steps at the same time: each argument is one lane, a list of
# commands separated by " ;; " that run one after another, each command's
# output in $LOGDIR/lane-N-M.log. The scenarios put into lanes by
# tests/run-all.sh mostly wait (on timeouts, schedules, a server that is
# down) and share nothing: each has its own sshd port, scratch directory
# and, where it changes the network or the mounts, its own namespace; only
# one lane at a time may use Docker. When every lane is done, each step's
# output follows in order under "=== NAME", then a failing step's last lines.
# Exit 1 when any command failed.
#   tests/run-lanes.sh 'NAME1 cmd args ;; NAME2 cmd' 'NAME3 cmd'
set -uo pipefail
LOGDIR=${LOGDIR:-/tmp/rds-test-logs}
mkdir -p "$LOGDIR"
pids=()
lane_no=0
for lane in "$@"; do
	lane_no=$((lane_no + 1))
	(
		rc=0
		while IFS= read -r cmd; do
			[ -n "$cmd" ] || continue
			name=${cmd%% *}
			t=$SECONDS
			bash -c "${cmd#* }" >"$LOGDIR/$name.log" 2>&1
			r=$?
			echo "$r $((SECONDS - t))" >"$LOGDIR/$name.rc"
			[ "$r" = 0 ] || rc=1
		done < <(sed 's/ ;; /\n/g' <<<"$lane")
		exit $rc
	) &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
for lane in "$@"; do
	while IFS= read -r cmd; do
		[ -n "$cmd" ] || continue
		name=${cmd%% *}
		read -r r secs <"$LOGDIR/$name.rc"
		echo "# --- $name: exit $r after ${secs}s"
		grep -E '^(not )?ok |^#' "$LOGDIR/$name.log" | grep -v '^# /'
		if [ "$r" != 0 ] && ! grep -q '^not ok ' "$LOGDIR/$name.log"; then
			echo "not ok - $name exited with $r; last lines of $LOGDIR/$name.log:"
			tail -n 30 "$LOGDIR/$name.log" | sed 's/^/#   /'
		fi
	done < <(sed 's/ ;; /\n/g' <<<"$lane")
done
exit $rc

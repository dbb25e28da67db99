#!/usr/bin/env bash
# Redeploy: the first backup after the agent's container is replaced, against
# a no-change cycle of the same agent. A new container is a new process with
# a new private run directory; its restic cache survives only on a volume.
# With the stable --host (BACKUP_HOST) restic finds its parent snapshot and
# reads only what changed; with the container id as host (what the original
# did) every redeploy is a host restic has never seen: no parent, every file
# read and chunked again. Each case BENCH_REPEAT times (default 3), the job's
# own duration from the status file, median.
#   bash bench/redeploy.sh
source "$(dirname "$0")/lib.sh"
REPEAT=${BENCH_REPEAT:-3}

echo "# redeploy: $(bench_machine)"
sshd_start || { not_ok "sshd"; exit 1; }
agent_env redeploy
rm -rf "$BACKUP_PATH" && bench_data "$BACKUP_PATH" 200 2000 || { not_ok "data set"; exit 1; }
export BACKUP_HOST=rds_db CACHE=$T_DIR/cache-volume
export XDG_CACHE_HOME=$CACHE
agent_run "$T_DIR/first.log" || { not_ok "first backup"; show "$T_DIR/first.log"; exit 1; }

# one_run LABEL: a one-shot agent run in a fresh "container" (run dir), with
# the host and cache the caller exported; prints the job's duration.
one_run() {
	local c
	c=$(mktemp -d "$T_DIR/container.XXXXXX")
	# Cold: the data is read from the disk, not from the page cache.
	[ -z "${DROP:-}" ] || { sync && echo 3 >/proc/sys/vm/drop_caches; }
	RDS_RUN_DIR=$c/run STATUS_FILE=$c/status.json agent_run "$c/agent.log" ||
		{ echo "fail $(tail -n 1 "$c/agent.log")" >&2; return 1; }
	STATUS_FILE=$c/status.json status_field duration_s
	STATUS_FILE=$c/status.json status_field files_new >"$T_DIR/last-files-new"
}
measure() { # measure LABEL HOST_MODE CACHE_MODE
	local label=$1 hostmode=$2 cachemode=$3 i d
	: >"$T_DIR/m.txt"
	for ((i = 0; i < REPEAT; i++)); do
		case $hostmode in
		stable) export BACKUP_HOST=rds_db ;;
		container-id) export BACKUP_HOST=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n') ;;
		esac
		case $cachemode in
		volume) export XDG_CACHE_HOME=$CACHE ;;
		none) export XDG_CACHE_HOME=$(mktemp -d "$T_DIR/cache-empty.XXXXXX") ;;
		esac
		d=$(one_run) || { not_ok "$label: run $i"; return 1; }
		echo "$d" >>"$T_DIR/m.txt"
	done
	median <"$T_DIR/m.txt"
}
base=$(measure "no-change cycle" stable volume) || exit 1
result "no-change cycle (same host, cache kept)" "$base" s
r1=$(measure "redeploy, stable host, cache volume" stable volume) || exit 1
r2=$(measure "redeploy, stable host, no cache volume" stable none) || exit 1
r3=$(measure "redeploy, container-id host, cache volume" container-id volume) || exit 1
r4=$(measure "redeploy, container-id host, no cache volume" container-id none) || exit 1
result "redeploy: stable --host, cache on a volume" "$r1" s
result "redeploy: stable --host, no cache volume" "$r2" s
result "redeploy: container id as --host, cache volume" "$r3" s "no parent snapshot"
result "redeploy: container id as --host, no cache" "$r4" s
ratio "redeploy, stable host + cache volume / no-change" "$r1" "$base" "s, median of $REPEAT"
ratio "redeploy, stable host, no cache / no-change" "$r2" "$base" "s"
ratio "redeploy, container-id host / no-change" "$r3" "$base" "s; what a container-id host costs"
ratio "redeploy, container-id host, no cache / no-change" "$r4" "$base" "s"
# The same with a cold page cache: what a node that did not just read the
# volume pays (the files' content must come from the disk).
if [ -w /proc/sys/vm/drop_caches ]; then
	export DROP=1
	c1=$(measure "cold, stable host" stable volume) || exit 1
	c2=$(measure "cold, container-id host" container-id volume) || exit 1
	fn=$(cat "$T_DIR/last-files-new")
	unset DROP
	result "cold page cache: stable --host" "$c1" s
	result "cold page cache: container id as --host" "$c2" s "$fn files read as new"
	ratio "cold cache, container-id host / stable host" "$c2" "$c1" "s, page cache dropped before each run"
fi
ok "redeploy cases measured"

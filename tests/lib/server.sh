# Sourced by the rds-server scenarios, after harness.sh and sshd.sh, with
# SRV (the rds-server binary), SRV_BASE (a directory under /var/lib: sshd's
# ChrootDirectory wants every component root-owned and not group or world
# writable, so not /tmp) and SRV_PORT_FIRST (the first of 100 ports that
# this scenario alone uses: scenarios run side by side) set:
#   srv_dir                 D: a new directory (0755) under SRV_BASE,
#                           removed at exit unless KEEP is set
#   free_port [FROM]        a port of the range that nobody listens on
#   srv_start LOG [PORT]    rds-server (through $SRV_WRAP, e.g. valgrind) in
#                           the background, SRV_PID; up when sshd sends its
#                           banner; PORT and SSHD_PORT are its port. Without
#                           PORT a free one is picked, and another when a
#                           scenario took it first. Returns 1 when it exits
#                           first or never answers.
#   srv_stop                SIGTERM and wait; SRV_RC (alias STOP_RC) is its
#                           exit status, STOP_MS how long it took
SRV_PID=
SRV_WRAP=${SRV_WRAP:-}

srv_dir() {
	mkdir -p "$SRV_BASE" && chmod 0755 "$SRV_BASE" || return 1
	D=$(mktemp -d "$SRV_BASE/t.XXXXXX") && chmod 0755 "$D" || return 1
	if [ -n "${KEEP:-}" ]; then
		echo "# KEEP: $D is left in place"
	else
		at_exit "rm -rf '$D'; rmdir '$SRV_BASE' 2>/dev/null"
	fi
}

free_port() {
	local p=${1:-$SRV_PORT_FIRST}
	while [ "$p" -lt $((SRV_PORT_FIRST + 100)) ]; do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
			echo "$p"
			return 0
		}
		p=$((p + 1))
	done
	return 1
}

srv_start() {
	local log=$1 port=${2:-} tries=5 deadline
	[ -n "${SRV_CLEANUP:-}" ] || {
		at_exit srv_stop
		SRV_CLEANUP=1
	}
	while [ "$tries" -gt 0 ]; do
		tries=$((tries - 1))
		[ -n "${2:-}" ] || port=$(free_port $((${port:-$((SRV_PORT_FIRST - 1))} + 1))) || return 1
		export SSHD_PORT=$port
		: >"$log"
		$SRV_WRAP "$SRV" >>"$log" 2>&1 </dev/null &
		SRV_PID=$!
		deadline=$((SECONDS + 15))
		while [ "$SECONDS" -lt "$deadline" ]; do
			if sshd_banner_ok "$port" 2>/dev/null; then
				PORT=$port
				return 0
			fi
			kill -0 "$SRV_PID" 2>/dev/null || break
			sleep 0.1
		done
		srv_stop
		grep -q "Address already in use" "$log" && [ -z "${2:-}" ] && continue
		return 1
	done
	return 1
}

srv_stop() {
	[ -n "$SRV_PID" ] || return 0
	local t0
	t0=$(date +%s%N)
	kill -TERM "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_RC=$?
	STOP_RC=$SRV_RC
	STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	SRV_PID=
}

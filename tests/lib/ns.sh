# Sourced by the scenarios that run in namespaces of their own (after
# harness.sh).
#   private_ns [--mount] "$0" "$@"
#       the first call runs the scenario again under unshare, in a new network
#       namespace (its sshd's ports are its own while other scenarios run
#       beside it) and, with --mount, a mount namespace with private
#       propagation (its tmpfs mounts never reach the host); in that run it
#       brings loopback up.
#   container_start HOSTNAME LOG CMD...
#       CMD as in a container: its own PID namespace (killing its PID 1 kills
#       every process in it, as Docker's kill does) and host name; CPID is
#       unshare's pid.
#   container_kill      SIGKILL to the container's PID 1, waited for
#   container_stop      SIGTERM to it, waited for up to 40 s (no-op when none)
private_ns() {
	local mount=()
	if [ "$1" = --mount ]; then
		mount=(--mount --propagation private)
		shift
	fi
	if [ -z "${RDS_FAULT_NS:-}" ]; then
		exec env RDS_FAULT_NS=1 unshare --net "${mount[@]}" bash "$@"
	fi
	ip link set lo up || {
		not_ok "loopback up in the private network namespace"
		exit 1
	}
}

CPID=
container_start() {
	local name=$1 log=$2
	shift 2
	unshare --pid --fork --uts --kill-child bash -c 'hostname "$1"; shift; exec "$@"' _ "$name" "$@" >"$log" 2>&1 &
	CPID=$!
}
container_init() { pgrep -P "$CPID" | head -n 1; }
container_kill() {
	local init
	init=$(container_init)
	kill -9 "${init:-$CPID}" 2>/dev/null
	wait "$CPID" 2>/dev/null
	CPID=
}
container_stop() {
	[ -n "$CPID" ] || return 0
	local init
	init=$(container_init)
	kill -TERM "${init:-$CPID}" 2>/dev/null
	wait_for 40 eval "! kill -0 $CPID"
	wait "$CPID" 2>/dev/null
	CPID=
}

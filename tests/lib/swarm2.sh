# Sourced after tests/lib/harness.sh: a REAL two-node swarm on this machine.
# Each node is a private dockerd in its own network namespace, joined by a
# bridge on the host:
#
#   host: bridge rds2br0 --- veth rds2h1 <-> eth0 10.231.0.1 in netns rds2n1 (manager)
#                        \-- veth rds2h2 <-> eth0 10.231.0.2 in netns rds2n2 (worker)
#
# Only one swarm-mode daemon fits in a network namespace (port 2377,
# docker_gwbridge), and `ip netns exec` remounts /sys (dockerd then fails with
# "Devices cgroup isn't mounted"), so each dockerd is started with
# `nsenter --net=...`. Both nodes share the host's hostname: place tasks with
# node.id==... . Paths differ from the suite's shared daemon (dockerd.sh,
# /run/rds-test), which this file never touches.
#   swarm2_up      clean leftovers, build the network, start both daemons,
#                  swarm init on node 1, join node 2, import the busybox test
#                  image $SWARM2_IMAGE into both. Exports NODE1_SOCK
#                  NODE2_SOCK NODE1_ID NODE2_ID. Registers swarm2_down with
#                  at_exit; holds a lock until the scenario exits. Returns
#                  non-zero on failure (daemon logs shown as TAP comments).
#   swarm2_down    stop both daemons by pid, kill what they left, unmount
#                  what is left under their roots, delete the namespaces,
#                  links, the FORWARD rule and the roots. Idempotent; returns
#                  non-zero when something could not be removed.
#   swarm2_dk N ARGS...   the docker CLI on node N's daemon.
# Settings (environment): SWARM2_STATE (sockets, pidfiles, exec-roots, logs),
# SWARM2_IMAGE (default $RDS_BUSYBOX_IMAGE or rds-test/busybox:latest),
# SWARM2_DATA (data-roots; deleted by swarm2_down), SWARM2_NET (first three
# octets of the private /24 used only between the namespaces).
SWARM2_STATE=${SWARM2_STATE:-/run/rds-test2}
SWARM2_DATA=${SWARM2_DATA:-/var/lib/rds-test2}
SWARM2_NET=${SWARM2_NET:-10.231.0}
SWARM2_BR=rds2br0
SWARM2_IMAGE=${RDS_BUSYBOX_IMAGE:-rds-test/busybox:latest}

swarm2_now() { date +%s%N; }
swarm2_ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
swarm2_ns() { echo "rds2n$1"; }
swarm2_addr() { echo "$SWARM2_NET.$1"; }
swarm2_sock() { echo "$SWARM2_STATE/n$1/docker.sock"; }
swarm2_exec() { echo "$SWARM2_STATE/n$1/exec"; }
swarm2_log() { echo "$SWARM2_STATE/n$1/dockerd.log"; }
swarm2_pidfile() { echo "$SWARM2_STATE/n$1/dockerd.pid"; }
swarm2_dk() {
	local n=$1
	shift
	docker -H "unix://$(swarm2_sock "$n")" "$@"
}

swarm2_answers() { swarm2_dk "$1" info >/dev/null 2>&1; }

# The pid from node N's pidfile, only while that process is a dockerd.
swarm2_pid() {
	local pid
	pid=$(cat "$(swarm2_pidfile "$1")" 2>/dev/null) || return 1
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
	echo "$pid"
}

# Mount points under our roots, deepest first.
swarm2_mounts() {
	awk -v a="$SWARM2_STATE" -v b="$SWARM2_DATA" \
		'index($5, a "/") == 1 || $5 == a || index($5, b "/") == 1 || $5 == b { print $5 }' \
		/proc/self/mountinfo | sort -r
}

# dockerd, containerd and shim processes whose command line names one of our
# roots (a killed run leaves them behind). The pattern comes from a file so
# grep's own command line does not match.
swarm2_strays() {
	local p
	for p in $(grep -lF -f <(printf '%s/\n' "$SWARM2_STATE" "$SWARM2_DATA") /proc/[0-9]*/cmdline 2>/dev/null); do
		p=${p#/proc/}
		p=${p%/cmdline}
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		containerd* | dockerd) echo "$p" ;;
		esac
	done
}

# Kills pid $1 and everything below it, children first.
swarm2_kill_tree() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		swarm2_kill_tree "$c"
	done
	kill -KILL "$1" 2>/dev/null
}

swarm2_all_gone() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}

swarm2_rule() { iptables -C FORWARD -i "$SWARM2_BR" -o "$SWARM2_BR" -j ACCEPT 2>/dev/null; }

# Stops node N's dockerd (by its pidfile): SIGTERM, then SIGKILL after 60 s.
swarm2_stop() {
	local pid
	pid=$(swarm2_pid "$1") || return 0
	kill -TERM "$pid" 2>/dev/null
	# dockerd stops its containers first (they run under docker-init in our
	# scenarios, so that is quick).
	wait_for 60 swarm2_all_gone "$pid" && return 0
	echo "# swarm2: node $1 dockerd $pid ignored SIGTERM for 60 s, killing it"
	kill -KILL "$pid" 2>/dev/null
	wait_for 10 swarm2_all_gone "$pid"
}

# Removes every service and kills every container while the daemons answer:
# a dockerd stopping gives each container its stop grace period (10 s by
# default, and busybox sleep as PID 1 ignores SIGTERM). Services first, or
# the manager would start their tasks again.
swarm2_quiesce() {
	local n ids
	# shellcheck disable=SC2086 # one id per word
	ids=$(swarm2_dk 1 service ls -q 2>/dev/null) && [ -n "$ids" ] &&
		swarm2_dk 1 service rm $ids >/dev/null 2>&1
	for n in 1 2; do
		# shellcheck disable=SC2086
		ids=$(swarm2_dk "$n" ps -q 2>/dev/null) && [ -n "$ids" ] &&
			swarm2_dk "$n" kill $ids >/dev/null 2>&1
	done
	return 0
}

swarm2_down() {
	local n p m ns rc=0 t tq t2 t1
	t=$(swarm2_now)
	swarm2_quiesce
	tq=$(swarm2_ms "$t")
	t=$(swarm2_now)
	# One after the other, the worker first: stopped together, the manager
	# waits 5 s for a gossip "node leave" broadcast to the gone worker.
	swarm2_stop 2
	t2=$(swarm2_ms "$t")
	t=$(swarm2_now)
	swarm2_stop 1
	t1=$(swarm2_ms "$t")
	t=$(swarm2_now)
	# A killed run can leave containerd, shims and their containers behind.
	for p in $(swarm2_strays); do
		swarm2_kill_tree "$p"
	done
	# Anything still in our namespaces is ours.
	for n in 1 2; do
		ns=$(swarm2_ns "$n")
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			swarm2_kill_tree "$p"
		done
	done
	for m in $(swarm2_mounts); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for n in 1 2; do
		ns=$(swarm2_ns "$n")
		[ -e "/run/netns/$ns" ] && { ip netns del "$ns" || rc=1; }
		# Deleting the namespace deletes its veth pair, asynchronously.
		ip link del "rds2h$n" 2>/dev/null || ! ip link show "rds2h$n" >/dev/null 2>&1 || rc=1
	done
	ip link show "$SWARM2_BR" >/dev/null 2>&1 && { ip link del "$SWARM2_BR" || rc=1; }
	while swarm2_rule; do
		iptables -D FORWARD -i "$SWARM2_BR" -o "$SWARM2_BR" -j ACCEPT || { rc=1; break; }
	done
	if [ -n "$(swarm2_mounts)" ]; then
		echo "# swarm2: still mounted: $(swarm2_mounts | tr '\n' ' ')"
		return 1
	fi
	# Unmounted: removing the roots cannot reach into anything else.
	rm -rf "$SWARM2_DATA" "$SWARM2_STATE/n1" "$SWARM2_STATE/n2" || rc=1
	[ -z "$(swarm2_strays)" ] || { echo "# swarm2: processes left: $(swarm2_strays | tr '\n' ' ')"; rc=1; }
	echo "# swarm2: services and containers removed $tq ms, node 2 stopped $t2 ms, node 1 stopped $t1 ms, the rest $(swarm2_ms "$t") ms"
	return $rc
}

# True when anything of an earlier run is still there.
swarm2_leftovers() {
	[ -e "/run/netns/$(swarm2_ns 1)" ] || [ -e "/run/netns/$(swarm2_ns 2)" ] ||
		ip link show "$SWARM2_BR" >/dev/null 2>&1 || swarm2_rule || [ -e "$SWARM2_DATA" ] ||
		[ -e "$SWARM2_STATE/n1" ] || [ -e "$SWARM2_STATE/n2" ] ||
		[ -n "$(swarm2_mounts)" ] || [ -n "$(swarm2_strays)" ]
}

swarm2_net_up() {
	local n ns
	ip link add "$SWARM2_BR" type bridge && ip link set "$SWARM2_BR" up || return 1
	for n in 1 2; do
		ns=$(swarm2_ns "$n")
		ip netns add "$ns" &&
			ip link add "rds2h$n" type veth peer name eth0 netns "$ns" &&
			ip link set "rds2h$n" master "$SWARM2_BR" &&
			ip link set "rds2h$n" up &&
			ip -n "$ns" link set lo up &&
			ip -n "$ns" addr add "$(swarm2_addr "$n")/24" dev eth0 &&
			ip -n "$ns" link set eth0 up || return 1
	done
	# With br_netfilter, bridged frames pass the host's FORWARD chain, whose
	# policy Docker sets to DROP.
	iptables -I FORWARD -i "$SWARM2_BR" -o "$SWARM2_BR" -j ACCEPT
}

swarm2_start() {
	local n=$1 dir="$SWARM2_STATE/n$1"
	mkdir -p "$dir" "$(swarm2_exec "$n")" "$SWARM2_DATA/n$n" || return 1
	# An empty config: /etc/docker/daemon.json belongs to the host's daemon.
	echo '{}' >"$dir/daemon.json" || return 1
	# nsenter execs dockerd (no fork for a net namespace); setsid keeps the
	# terminal's signals to the scenario; the lock is not inherited.
	setsid nsenter --net="/run/netns/$(swarm2_ns "$n")" dockerd \
		--config-file "$dir/daemon.json" \
		--data-root "$SWARM2_DATA/n$n" \
		--exec-root "$(swarm2_exec "$n")" \
		--pidfile "$(swarm2_pidfile "$n")" \
		-H "unix://$(swarm2_sock "$n")" \
		</dev/null >>"$(swarm2_log "$n")" 2>&1 {SWARM2_LOCKFD}>&- &
}

swarm2_node_ready() {
	[ "$(swarm2_dk 1 node inspect --format '{{.Status.State}} {{.Spec.Availability}}' "$1")" = "ready active" ]
}

swarm2_fail() {
	local n
	echo "# swarm2: $*"
	for n in 1 2; do
		echo "# node $n log:"
		show "$(swarm2_log "$n")" | tail -n 15
	done
	return 1
}

# The test image (the same as dockerd.sh's rds-test/busybox:latest, but with
# hard links made by one `busybox --install` instead of one `ln -s` process
# per applet, which took seconds) imported into both nodes at once.
swarm2_images() {
	local dir rc=0 p
	dir=$(mktemp -d) || return 1
	mkdir -p "$dir/root/bin" "$dir/root/tmp" "$dir/root/etc" &&
		chmod 0755 "$dir/root" && chmod 1777 "$dir/root/tmp" &&
		cp /bin/busybox "$dir/root/bin/busybox" &&
		"$dir/root/bin/busybox" --install "$dir/root/bin" &&
		tar -C "$dir/root" -cf "$dir/rootfs.tar" . || rc=1
	if [ "$rc" = 0 ]; then
		swarm2_import 1 "$dir/rootfs.tar" &
		p=$!
		swarm2_import 2 "$dir/rootfs.tar" || rc=1
		wait "$p" || rc=1
	fi
	rm -rf "$dir"
	return $rc
}

swarm2_import() {
	swarm2_dk "$1" import -c 'CMD ["sleep","infinity"]' -c 'ENV PATH=/bin' "$2" "$SWARM2_IMAGE" >/dev/null
}

swarm2_up() {
	local token a t td ts
	mkdir -p "$SWARM2_STATE" || return 1
	# Two scenarios must not build the same swarm at once (nor tear down
	# each other's: at_exit only once the lock is ours).
	exec {SWARM2_LOCKFD}>"$SWARM2_STATE/lock" || return 1
	flock -w 300 "$SWARM2_LOCKFD" || { echo "# swarm2: lock busy"; return 1; }
	at_exit swarm2_down
	if swarm2_leftovers; then
		echo "# swarm2: removing what an earlier run left behind"
		swarm2_down >/dev/null 2>&1 || { swarm2_down; return 1; }
	fi
	t=$(swarm2_now)
	swarm2_net_up || { echo "# swarm2: network setup failed"; return 1; }
	swarm2_start 1 && swarm2_start 2 || return 1
	wait_for 60 swarm2_answers 1 && wait_for 60 swarm2_answers 2 ||
		{ swarm2_fail "a dockerd did not answer within 60 s"; return 1; }
	td=$(swarm2_ms "$t")
	t=$(swarm2_now)
	a=$(swarm2_addr 1)
	swarm2_dk 1 swarm init --advertise-addr "$a" >>"$(swarm2_log 1)" 2>&1 ||
		{ swarm2_fail "swarm init failed"; return 1; }
	token=$(swarm2_dk 1 swarm join-token -q worker) || { swarm2_fail "no join token"; return 1; }
	swarm2_dk 2 swarm join --token "$token" --advertise-addr "$(swarm2_addr 2)" "$a:2377" \
		>>"$(swarm2_log 2)" 2>&1 || { swarm2_fail "swarm join failed"; return 1; }
	NODE1_ID=$(swarm2_dk 1 info --format '{{.Swarm.NodeID}}') &&
		NODE2_ID=$(swarm2_dk 2 info --format '{{.Swarm.NodeID}}') &&
		[ -n "$NODE1_ID" ] && [ -n "$NODE2_ID" ] || { swarm2_fail "no node ids"; return 1; }
	wait_for 60 swarm2_node_ready "$NODE2_ID" || { swarm2_fail "node 2 not ready 60 s after joining"; return 1; }
	ts=$(swarm2_ms "$t")
	t=$(swarm2_now)
	swarm2_images || { swarm2_fail "importing $SWARM2_IMAGE failed"; return 1; }
	echo "# swarm2: network and daemons $td ms, swarm init and join $ts ms, images $(swarm2_ms "$t") ms"
	NODE1_SOCK=$(swarm2_sock 1)
	NODE2_SOCK=$(swarm2_sock 2)
	export NODE1_SOCK NODE2_SOCK NODE1_ID NODE2_ID
}

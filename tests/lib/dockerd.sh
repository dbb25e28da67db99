# Sourced after tests/lib/harness.sh: a PRIVATE dockerd in swarm mode shared by
# every docker scenario of the suite (starting one costs seconds, and only one
# swarm-mode daemon fits in a network namespace).
#   dockerd_up             start it, or reuse it when its socket answers; swarm
#                          init; exports DOCKER_HOST. Returns non-zero on failure
#                          (the daemon log is shown as TAP comments).
#   dockerd_down           stop the daemon we started (by its pidfile), wait,
#                          unmount what it left under its roots.
#   dockerd_busybox_image  make image rds-test/busybox:latest once from the
#                          host's static busybox (no registry is reachable).
#   swarm_sshd_up          what a scenario on the swarm needs first: dockerd_up,
#                          the busybox image and (sshd.sh sourced) its sshd;
#                          on a failure a not_ok line naming it, then exit 1.
#   dump_service NAME [N]  a busybox service of N tasks (1) that mount the
#                          directory $T_DIR/dump (made, mode 0777) at /dump, as
#                          a database's dump volume; removed at exit. Waits up
#                          to 60 s for its tasks; returns 1 when they do not run.
#   service_running NAME N N tasks of service NAME run.
# Settings (environment): RDS_DOCKER_SOCK, RDS_DOCKER_STATE (socket, pidfile,
# exec-root, log), RDS_DOCKER_DATA (data-root, survives restarts).
# Optional, default off: RDS_DOCKER_NETNS=NAME runs the daemon in network
# namespace NAME (another swarm-mode daemon can then run beside the suite's):
# created with lo up and a veth to the host, NATed for outbound traffic
# (docker build's apt-get), addresses RDS_DOCKER_NETNS_NET.1 (host side) and
# .2 (inside) of a /30; dockerd_down deletes the namespace, the veth and the
# rules again. The daemon is started with `nsenter --net=` (`ip netns exec`
# remounts /sys and dockerd then finds no cgroups).
RDS_DOCKER_STATE=${RDS_DOCKER_STATE:-/run/rds-test}
RDS_DOCKER_SOCK=${RDS_DOCKER_SOCK:-$RDS_DOCKER_STATE/docker.sock}
RDS_DOCKER_DATA=${RDS_DOCKER_DATA:-/var/lib/rds-test/docker}
RDS_DOCKER_EXEC=$RDS_DOCKER_STATE/exec
RDS_DOCKER_PID=$RDS_DOCKER_STATE/dockerd.pid
RDS_DOCKER_LOG=$RDS_DOCKER_STATE/dockerd.log
RDS_BUSYBOX_IMAGE=rds-test/busybox:latest
RDS_DOCKER_NETNS=${RDS_DOCKER_NETNS:-}
RDS_DOCKER_NETNS_NET=${RDS_DOCKER_NETNS_NET:-10.232.0}

dk() { docker -H "unix://$RDS_DOCKER_SOCK" "$@"; }

dockerd_answers() { dk info >/dev/null 2>&1; }

dockerd_is_manager() {
	[ "$(dk info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)" = "active true" ]
}

# The pid from the pidfile, only while that process is a dockerd (a stale
# pidfile must never make us signal an unrelated process).
dockerd_pid() {
	local pid
	pid=$(cat "$RDS_DOCKER_PID" 2>/dev/null) || return 1
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
	echo "$pid"
}

# The host side of the namespace's veth (at most 15 characters).
dockerd_netns_veth() { echo "${RDS_DOCKER_NETNS:0:12}-h"; }

dockerd_netns_rules() {
	local v
	v=$(dockerd_netns_veth)
	case $1 in
	nat) echo "-s $RDS_DOCKER_NETNS_NET.0/30 ! -o $v -j MASQUERADE" ;;
	in) echo "-i $v -j ACCEPT" ;;
	out) echo "-o $v -j ACCEPT" ;;
	esac
}

# Creates the namespace, its veth and the NAT/FORWARD rules when missing.
dockerd_netns_up() {
	local ns=$RDS_DOCKER_NETNS v r
	v=$(dockerd_netns_veth)
	if [ ! -e "/run/netns/$ns" ]; then
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	fi
	if ! ip link show "$v" >/dev/null 2>&1; then
		ip link add "$v" type veth peer name eth0 netns "$ns" &&
			ip addr add "$RDS_DOCKER_NETNS_NET.1/30" dev "$v" &&
			ip link set "$v" up &&
			ip -n "$ns" addr add "$RDS_DOCKER_NETNS_NET.2/30" dev eth0 &&
			ip -n "$ns" link set eth0 up &&
			ip -n "$ns" route add default via "$RDS_DOCKER_NETNS_NET.1" || return 1
	fi
	sysctl -qw net.ipv4.ip_forward=1 || return 1
	# shellcheck disable=SC2046 # the rule is a list of words
	iptables -t nat -C POSTROUTING $(dockerd_netns_rules nat) 2>/dev/null ||
		iptables -t nat -A POSTROUTING $(dockerd_netns_rules nat) || return 1
	for r in in out; do
		# shellcheck disable=SC2046
		iptables -C FORWARD $(dockerd_netns_rules "$r") 2>/dev/null ||
			iptables -I FORWARD $(dockerd_netns_rules "$r") || return 1
	done
}

# Deletes what dockerd_netns_up made; processes left in the namespace are
# ours and are killed first.
dockerd_netns_down() {
	local ns=$RDS_DOCKER_NETNS v p r rc=0
	v=$(dockerd_netns_veth)
	if [ -e "/run/netns/$ns" ]; then
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" || rc=1
	fi
	ip link del "$v" 2>/dev/null || ! ip link show "$v" >/dev/null 2>&1 || rc=1
	# shellcheck disable=SC2046
	while iptables -t nat -C POSTROUTING $(dockerd_netns_rules nat) 2>/dev/null; do
		iptables -t nat -D POSTROUTING $(dockerd_netns_rules nat) || { rc=1; break; }
	done
	for r in in out; do
		# shellcheck disable=SC2046
		while iptables -C FORWARD $(dockerd_netns_rules "$r") 2>/dev/null; do
			iptables -D FORWARD $(dockerd_netns_rules "$r") || { rc=1; break; }
		done
	done
	return $rc
}

dockerd_start_locked() {
	local pid
	if dockerd_answers; then
		return 0
	fi
	if pid=$(dockerd_pid); then
		# Starting up (another scenario started it): give it time.
		wait_for 60 dockerd_answers && return 0
		echo "# dockerd pid $pid does not answer on $RDS_DOCKER_SOCK"
		return 1
	fi
	if [ -z "$RDS_DOCKER_NETNS" ] && [ -e /var/run/docker.sock ] && docker -H unix:///var/run/docker.sock info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null | grep -q active; then
		# Port 2377 and docker_gwbridge belong to that daemon's swarm.
		echo "# a system dockerd already runs in swarm mode; set RDS_DOCKER_SOCK to its socket to reuse it"
		return 1
	fi
	mkdir -p "$RDS_DOCKER_DATA" "$RDS_DOCKER_EXEC" || return 1
	local netns=()
	if [ -n "$RDS_DOCKER_NETNS" ]; then
		dockerd_netns_up || { echo "# network namespace $RDS_DOCKER_NETNS: setup failed"; return 1; }
		netns=(nsenter "--net=/run/netns/$RDS_DOCKER_NETNS")
	fi
	rm -f "$RDS_DOCKER_SOCK"
	echo "=== dockerd start $(date -u +%FT%TZ)" >>"$RDS_DOCKER_LOG"
	# setsid: the daemon outlives this scenario (shared by the suite) and must
	# not get the scenario's terminal signals; nor may it inherit the lock.
	setsid "${netns[@]}" dockerd \
		--data-root "$RDS_DOCKER_DATA" \
		--exec-root "$RDS_DOCKER_EXEC" \
		--pidfile "$RDS_DOCKER_PID" \
		-H "unix://$RDS_DOCKER_SOCK" \
		--iptables=true \
		</dev/null >>"$RDS_DOCKER_LOG" 2>&1 {RDS_DOCKER_LOCKFD}>&- &
	if ! wait_for 60 dockerd_answers; then
		echo "# dockerd did not answer on $RDS_DOCKER_SOCK within 60 s; log:"
		show "$RDS_DOCKER_LOG"
		return 1
	fi
	return 0
}

dockerd_up() {
	local rc=0
	mkdir -p "$RDS_DOCKER_STATE" || return 1
	# A lock so scenarios run in parallel do not start two daemons.
	exec {RDS_DOCKER_LOCKFD}>"$RDS_DOCKER_STATE/dockerd.lock" || return 1
	flock -w 120 "$RDS_DOCKER_LOCKFD" || { echo "# dockerd lock busy"; return 1; }
	dockerd_start_locked || rc=1
	if [ "$rc" = 0 ] && ! dockerd_is_manager; then
		if ! dk swarm init --advertise-addr 127.0.0.1 >>"$RDS_DOCKER_LOG" 2>&1; then
			echo "# docker swarm init failed; log:"
			show "$RDS_DOCKER_LOG"
			rc=1
		elif ! wait_for 30 dockerd_is_manager; then
			echo "# swarm not active 30 s after init"
			rc=1
		fi
	fi
	exec {RDS_DOCKER_LOCKFD}>&-
	[ "$rc" = 0 ] && export DOCKER_HOST="unix://$RDS_DOCKER_SOCK"
	return $rc
}

# Mount points under our roots, deepest first.
dockerd_mounts() {
	awk -v a="$RDS_DOCKER_EXEC" -v b="$RDS_DOCKER_DATA" \
		'index($5, a "/") == 1 || $5 == a || index($5, b "/") == 1 || $5 == b { print $5 }' \
		/proc/self/mountinfo | sort -r
}

dockerd_gone() { ! kill -0 "$1" 2>/dev/null; }

dockerd_down() {
	local pid m p
	if pid=$(dockerd_pid); then
		kill -TERM "$pid" 2>/dev/null
		# dockerd stops its containers first; that can take a while.
		if ! wait_for 60 dockerd_gone "$pid"; then
			echo "# dockerd $pid ignored SIGTERM for 60 s, killing it"
			kill -KILL "$pid" 2>/dev/null
			wait_for 10 dockerd_gone "$pid"
		fi
	fi
	# Shims of the containerd that dockerd managed can outlive it: stop only
	# containerd processes whose command line names our exec-root (the
	# pattern comes from a file so grep's own command line does not match).
	for p in $(grep -lF -f <(printf '%s/\n' "$RDS_DOCKER_EXEC") /proc/[0-9]*/cmdline 2>/dev/null); do
		p=${p#/proc/}
		p=${p%/cmdline}
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		containerd*) kill -KILL "$p" 2>/dev/null ;;
		esac
	done
	for m in $(dockerd_mounts); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	rm -f "$RDS_DOCKER_SOCK" "$RDS_DOCKER_PID"
	if [ -n "$RDS_DOCKER_NETNS" ]; then
		dockerd_netns_down || return 1
	fi
	[ -z "$(dockerd_mounts)" ]
}

dockerd_busybox_image() {
	local dir a rc=0
	dk image inspect "$RDS_BUSYBOX_IMAGE" >/dev/null 2>&1 && return 0
	dir=$(mktemp -d) || return 1
	mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" && chmod 1777 "$dir/tmp" &&
		cp /bin/busybox "$dir/bin/busybox" || rc=1
	if [ "$rc" = 0 ]; then
		for a in $(/bin/busybox --list); do
			[ "$a" = busybox ] || ln -s busybox "$dir/bin/$a"
		done
		tar -C "$dir" -c . | dk import -c 'CMD ["sleep","infinity"]' \
			-c 'ENV PATH=/bin' - "$RDS_BUSYBOX_IMAGE" >/dev/null || rc=1
	fi
	rm -rf "$dir"
	return $rc
}

swarm_sshd_up() {
	dockerd_up || { not_ok "private dockerd in swarm mode"; exit 1; }
	dockerd_busybox_image || { not_ok "busybox test image"; exit 1; }
	sshd_start || { not_ok "sshd started"; exit 1; }
}

service_running() {
	[ "$(dk ps -q --filter "label=com.docker.swarm.service.name=$1" --filter status=running | wc -l)" = "$2" ]
}

dump_service() {
	local name=$1 n=${2:-1}
	mkdir -p "$T_DIR/dump" && chmod 0777 "$T_DIR/dump" || return 1
	dk service rm "$name" >/dev/null 2>&1
	at_exit "dk service rm $name"
	dk service create -d --name "$name" --replicas "$n" --mount "type=bind,source=$T_DIR/dump,target=/dump" \
		rds-test/busybox:latest sleep 1000000 >/dev/null 2>&1 || return 1
	wait_for 60 service_running "$name" "$n"
}

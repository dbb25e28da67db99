#!/bin/bash
# The node rules of hooks on a REAL two-node swarm (tests/lib/swarm2.sh): a
# Docker daemon can only exec into its own containers, so
#   - a service whose only task runs on node 2, asked through node 1 (the
#     manager), is an error that says so and names node 2;
#   - a service with a task on each node runs the hook on node 1's task when
#     asked through node 1, and on node 2's task through node 2 (a worker,
#     which finds its own containers by label) — never on both;
#   - through the worker, a service that runs only on node 1 is a clear error;
#   - `rds-agent hook pre` logs the other-node error naming node 2.
# The swarm is built for this scenario and torn down at its end.
#   BUILD=dir bash tests/integration/45-docker_nodes.sh   (binaries in dir/)
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/swarm2.sh"

HOOK=$BIN/rds-hook
AGENT=$BIN/rds-agent
for f in "$HOOK" "$AGENT"; do
	[ -x "$f" ] || { not_ok "binaries built" "$f missing (make BUILD=$BUILD)"; exit 1; }
done
OUT=$(mktemp -d /tmp/rds-nodes.XXXXXX)
at_exit "rm -rf '$OUT'"
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

t0=$(date +%s%N)
swarm2_up || { not_ok "two-node swarm is up"; exit 1; }
up_ms=$(ms_since "$t0")
ok "two-node swarm is up: manager $NODE1_ID, worker $NODE2_ID"
echo "# swarm up: $up_ms ms"
dk1() { docker -H "unix://$NODE1_SOCK" "$@"; }

# Services: only on node 2, only on node 1, one task on each node. docker-init
# as PID 1 so the tasks stop at once on SIGTERM (busybox sleep as PID 1
# ignores it and would hold up the daemons' shutdown).
svc() {
	local name=$1
	shift
	dk1 service create -d -q --no-resolve-image --init --stop-grace-period 2s --name "$name" "$@" \
		"$SWARM2_IMAGE" sleep 100000 >/dev/null
}
svc rdsn_on2 --constraint "node.id==$NODE2_ID" &&
	svc rdsn_on1 --constraint "node.id==$NODE1_ID" &&
	svc rdsn_both --mode global ||
	{ not_ok "services created"; exit 1; }

# Running containers of a service on node N's daemon (by the swarm label).
cts() { docker -H "unix://$(swarm2_sock "$1")" ps -q --no-trunc -f status=running \
	-f "label=com.docker.swarm.service.name=$2"; }
running() { [ "$(cts 1 "$1" | wc -l) $(cts 2 "$1" | wc -l)" = "$2 $3" ]; }
t0=$(date +%s%N)
if wait_for 60 running rdsn_on2 0 1 && wait_for 60 running rdsn_on1 1 0 && wait_for 60 running rdsn_both 1 1; then
	ok "tasks placed: rdsn_on2 on node 2, rdsn_on1 on node 1, rdsn_both on each ($(ms_since "$t0") ms)"
else
	not_ok "tasks placed" "$(dk1 service ps rdsn_on2 rdsn_on1 rdsn_both 2>&1)"
	exit 1
fi
ON2=$(cts 2 rdsn_on2)
ON1=$(cts 1 rdsn_on1)
BOTH1=$(cts 1 rdsn_both)
BOTH2=$(cts 2 rdsn_both)

# hook N SERVICE CMD...: rds-hook through node N's daemon; $OUT/out (its
# tagged lines: "1 ..." stdout, "R ..." result, "E ..." error), $OUT/err, $rc.
hook() {
	local n=$1
	shift
	DOCKER_HOST="unix://$(swarm2_sock "$n")" "$HOOK" "$1" 20000 -- "${@:2}" >"$OUT/out" 2>"$OUT/err"
	rc=$?
}
# "ran" lines in /tmp/marker of container C on node N.
marks() { docker -H "unix://$(swarm2_sock "$1")" exec "$2" sh -c 'cat /tmp/marker 2>/dev/null' | grep -c '^ran$'; }
MARK=(sh -c 'echo ran >> /tmp/marker; echo marked')
reported() { sed -n "s/^R exit=0 container=\([0-9a-f]*\) .* node=\([0-9a-z]*\) .*/\1 \2/p" "$OUT/out"; }

# (1) Through the manager, a service that runs only on node 2.
hook 1 rdsn_on2 "${MARK[@]}"
if [ "$rc" = 3 ] && grep -q "service 'rdsn_on2' runs only on other nodes: $NODE2_ID" "$OUT/out" &&
	grep -q "this is node $NODE1_ID" "$OUT/out"; then
	ok "node 1, task only on node 2: exit 3, the error names node 2 and node 1"
else
	not_ok "node 1, task only on node 2: exit 3 naming node 2" "rc=$rc $(cat "$OUT/out" "$OUT/err")"
fi
echo "#   $(cat "$OUT/out")"
[ "$(marks 2 "$ON2")" = 0 ] && ok "... and the hook did not run on node 2" || not_ok "hook did not run on node 2"

# (2) A task on each node: the hook runs on the asking daemon's own node.
hook 1 rdsn_both "${MARK[@]}"
if [ "$rc" = 0 ] && [ "$(reported)" = "$BOTH1 $NODE1_ID" ] && grep -qx '1 marked' "$OUT/out"; then
	ok "node 1, a task on each node: ran, reported node 1's container"
else
	not_ok "node 1, a task on each node: ran on node 1" "rc=$rc $(cat "$OUT/out" "$OUT/err")"
fi
m="$(marks 1 "$BOTH1") $(marks 2 "$BOTH2")"
[ "$m" = "1 0" ] && ok "... the marker is in node 1's container only" || not_ok "marker in node 1's container only" "node1 node2: $m"

hook 2 rdsn_both "${MARK[@]}"
if [ "$rc" = 0 ] && [ "$(reported)" = "$BOTH2 $NODE2_ID" ]; then
	ok "node 2 (worker), a task on each node: ran, reported node 2's container"
else
	not_ok "node 2 (worker): ran on node 2" "rc=$rc $(cat "$OUT/out" "$OUT/err")"
fi
m="$(marks 1 "$BOTH1") $(marks 2 "$BOTH2")"
[ "$m" = "1 1" ] && ok "... node 2's container got the marker, node 1's was not run again" ||
	not_ok "marker in node 2's container" "node1 node2: $m"

hook 2 rdsn_on2 "${MARK[@]}"
[ "$rc" = 0 ] && [ "$(reported)" = "$ON2 $NODE2_ID" ] && [ "$(marks 2 "$ON2")" = 1 ] &&
	ok "node 2 (worker), task only on node 2: runs there" ||
	not_ok "node 2, task only on node 2: runs there" "rc=$rc $(cat "$OUT/out" "$OUT/err")"

hook 2 rdsn_on1 "${MARK[@]}"
if [ "$rc" = 3 ] && grep -q "service 'rdsn_on1' has no running container on this node $NODE2_ID; this node is a swarm worker" "$OUT/out"; then
	ok "node 2 (worker), task only on node 1: exit 3, 'no running container on this node' naming node 2"
else
	not_ok "node 2, task only on node 1: error" "rc=$rc $(cat "$OUT/out" "$OUT/err")"
fi
[ "$(marks 1 "$ON1")" = 0 ] && ok "... and the hook did not run on node 1" || not_ok "hook did not run on node 1"

# (3) The agent's own log line, through node 1.
mkdir -p "$OUT/secrets" "$OUT/run" && chmod 0700 "$OUT/run"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n' >"$OUT/secrets/key"
echo "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" >"$OUT/secrets/known_hosts"
echo "correct horse battery staple" >"$OUT/secrets/password"
chmod 0600 "$OUT/secrets/"*
agent_hook() {
	env -u RUN_AT -u POST_HOOK -u BACKUP_PATH -u EXTRA_ARGS -u TZ \
		DOCKER_HOST="unix://$NODE1_SOCK" SERVICE_NAME="$1" PRE_HOOK="$2" \
		SSH_HOST=127.0.0.1 REPO_PATH=nodes \
		SSH_PRIVKEY_FILE="$OUT/secrets/key" SSH_KNOWN_HOSTS_FILE="$OUT/secrets/known_hosts" \
		RESTIC_REPO_PASSWORD_FILE="$OUT/secrets/password" \
		STATUS_FILE="$OUT/status.json" RDS_RUN_DIR="$OUT/run" \
		"$AGENT" hook pre >"$OUT/agent.log" 2>&1
	rc=$?
}
agent_hook rdsn_on2 "sh -c 'echo ran >> /tmp/marker'"
line=$(grep "runs only on other nodes" "$OUT/agent.log")
if [ "$rc" = 1 ] && [ -n "$line" ] && grep -q "$NODE2_ID" <<<"$line"; then
	ok "rds-agent hook pre, task only on node 2: exit 1, the log line names node 2"
	echo "#   $line"
else
	not_ok "rds-agent hook pre names node 2" "rc=$rc"
	show "$OUT/agent.log"
fi
[ "$(marks 2 "$ON2")" = 1 ] && ok "... and the agent ran nothing on node 2" || not_ok "agent ran nothing on node 2"
agent_hook rdsn_both "sh -c 'echo ran >> /tmp/marker'"
m="$(marks 1 "$BOTH1") $(marks 2 "$BOTH2")"
if [ "$rc" = 0 ] && [ "$m" = "2 1" ]; then
	ok "rds-agent hook pre, a task on each node: ran on node 1's task"
else
	not_ok "rds-agent hook pre on node 1's task" "rc=$rc node1 node2: $m"
	show "$OUT/agent.log"
fi

t0=$(date +%s%N)
if swarm2_down; then
	ok "two-node swarm torn down: no daemon, mount, namespace, link or rule left"
else
	not_ok "two-node swarm torn down"
fi
echo "# swarm down: $(ms_since "$t0") ms"

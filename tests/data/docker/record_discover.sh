#!/bin/bash
# Records the Docker answers that rds-discover reads, from a REAL two-node
# swarm (tests/lib/swarm2.sh), into tests/data/docker/disc-*.json, and the
# table lines rds-discover prints from them (discover-table-*.json):
#   node 1 (manager): rdsd_deploy (deploy label rds.backup=true only, a
#     read-only volume), rdsd_db2 (a name that rdsd_db is a prefix of),
#     rdsd_roll (a rolling update with start-first caught while the old
#     task's container still runs: its task is shutting down);
#   node 2 (worker): rdsd_db (2 replicas, container labels, a named volume,
#     a bind and a tmpfs mount), rdsd_ctl (a label value with a newline);
#   both: rdsd_glob (global, labelled), rdsd_web (global, not labelled).
# /info is cut to Name, ServerVersion and Swarm (the rest names registries
# and this machine), the host's name is replaced by node1/node2 everywhere,
# JSON is pretty-printed, content otherwise unchanged; the events (one JSON
# object a line, as the stream sends them) are all of the scenario's.
#   bash tests/data/docker/record_discover.sh      (needs root and dockerd)
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/harness.sh"
source "$RDS_ROOT/tests/lib/swarm2.sh"

DATA=$RDS_ROOT/tests/data/docker
DISCOVER=$BIN/rds-discover
[ -x "$DISCOVER" ] || { not_ok "rds-discover built" "make first"; exit 1; }
swarm2_up || { not_ok "two-node swarm is up"; exit 1; }
ok "two-node swarm: manager $NODE1_ID, worker $NODE2_ID"
HOST=$(hostname)
# api N PATH: GET PATH on node N's daemon.
api() { curl -sS --fail-with-body --unix-socket "$(swarm2_sock "$1")" "http://localhost$2"; }
q() { jq -rn --arg v "$1" '$v|@uri'; }
# Pretty JSON with the host name replaced (node N's).
save() { sed "s/\"$HOST\"/\"node$1\"/g" | jq . >"$DATA/$2"; }

T0=$(date +%s)
svc() {
	local name=$1
	shift
	swarm2_dk 1 service create -d -q --no-resolve-image --stop-grace-period 2s --name "$name" "$@" >/dev/null
}
svc rdsd_db --init --replicas 2 --constraint "node.id==$NODE2_ID" \
	--container-label rds.backup=true --container-label 'rds.backup.at=0 3 * * *' \
	--container-label 'rds.backup.pre=sh -c "echo pre"' --container-label other=x \
	--mount type=volume,source=rdsd_dbdata,destination=/data \
	--mount type=bind,source=/tmp,destination=/hosttmp --mount type=tmpfs,destination=/scratch \
	"$SWARM2_IMAGE" sleep 100000 &&
	svc rdsd_ctl --init --constraint "node.id==$NODE2_ID" --container-label rds.backup=true \
		--container-label "rds.backup.pre=$(printf 'sh -c "a\nb"')" "$SWARM2_IMAGE" sleep 100000 &&
	svc rdsd_web --init --mode global --mount type=volume,source=rdsd_webdata,destination=/srv \
		"$SWARM2_IMAGE" sleep 100000 &&
	svc rdsd_glob --init --mode global --container-label rds.backup=true \
		--mount type=volume,source=rdsd_globdata,destination=/g "$SWARM2_IMAGE" sleep 100000 &&
	svc rdsd_deploy --init --constraint "node.id==$NODE1_ID" --label rds.backup=true \
		--label 'rds.backup.at=@daily' --container-label 'rds.backup.at=0 4 * * *' \
		--mount type=volume,source=rdsd_deploydata,destination=/var/lib/x,readonly \
		"$SWARM2_IMAGE" sleep 100000 &&
	svc rdsd_db2 --init --constraint "node.id==$NODE1_ID" --container-label rds.backup=true \
		"$SWARM2_IMAGE" sleep 100000 &&
	svc rdsd_roll --stop-grace-period 120s --constraint "node.id==$NODE1_ID" \
		--container-label rds.backup=true "$SWARM2_IMAGE" sleep 100000 ||
	{ not_ok "services created"; exit 1; }

cts() { swarm2_dk "$1" ps -q -f status=running -f "label=com.docker.swarm.service.name=$2" | wc -l; }
placed() {
	[ "$(cts 2 rdsd_db) $(cts 2 rdsd_ctl) $(cts 1 rdsd_web) $(cts 2 rdsd_web) $(cts 1 rdsd_glob) $(cts 2 rdsd_glob)" = "2 1 1 1 1 1" ] &&
		[ "$(cts 1 rdsd_deploy) $(cts 1 rdsd_db2) $(cts 1 rdsd_roll)" = "1 1 1" ]
}
wait_for 90 placed || { not_ok "tasks running"; swarm2_dk 1 service ps rdsd_db rdsd_roll; exit 1; }
ok "every task runs where it should"
# sleep as PID 1 (no --init) ignores SIGTERM: the old container of a
# start-first update runs on for the 120 s grace period.
swarm2_dk 1 service update -d -q --update-order start-first --container-label-add rds.backup.at=@hourly \
	rdsd_roll >/dev/null
two_roll() { [ "$(cts 1 rdsd_roll)" = 2 ]; }
wait_for 60 two_roll || { not_ok "the start-first update runs two containers"; exit 1; }
ok "rdsd_roll: the old and the new container run side by side"

F_CTS=$(q '{"label":["com.docker.swarm.service.name"],"status":["running"]}')
api 1 "/v1.41/info" | jq '{Name, ServerVersion, Swarm}' | save 1 disc-info-manager.json &&
	api 2 "/v1.41/info" | jq '{Name, ServerVersion, Swarm}' | save 2 disc-info-worker.json &&
	api 1 "/v1.41/containers/json?filters=$F_CTS" | save 1 disc-containers-manager.json &&
	api 2 "/v1.41/containers/json?filters=$F_CTS" | save 2 disc-containers-worker.json &&
	api 1 "/v1.41/services" | save 1 disc-services.json &&
	api 1 "/v1.41/tasks?filters=$(q "{\"node\":[\"$NODE1_ID\"],\"desired-state\":[\"running\"]}")" |
	save 1 disc-tasks-manager.json || { not_ok "answers recorded"; exit 1; }
ok "answers recorded"
for n in 1 2; do
	role=$([ "$n" = 1 ] && echo manager || echo worker)
	DOCKER_HOST="unix://$(swarm2_sock "$n")" "$DISCOVER" --once </dev/null 2>/dev/null |
		sed "s/\"$HOST\"/\"node$n\"/g" >"$DATA/discover-table-$role.json" &&
		[ -s "$DATA/discover-table-$role.json" ] || { not_ok "rds-discover --once on node $n"; exit 1; }
done
ok "rds-discover's tables recorded"
T1=$(($(date +%s) + 1))
F_EV=$(q '{"type":["container","service","node"],"event":["start","die","destroy","kill","create","update","remove"]}')
api 1 "/v1.41/events?since=$T0&until=$T1&filters=$F_EV" | sed "s/\"$HOST\"/\"node1\"/g" >"$DATA/disc-events-manager.jsonl" &&
	api 2 "/v1.41/events?since=$T0&until=$T1&filters=$F_EV" | sed "s/\"$HOST\"/\"node2\"/g" >"$DATA/disc-events-worker.jsonl" ||
	{ not_ok "events recorded"; exit 1; }
ok "events recorded: $(wc -l <"$DATA/disc-events-manager.jsonl") on node 1, $(wc -l <"$DATA/disc-events-worker.jsonl") on node 2"
echo "# manager $NODE1_ID, worker $NODE2_ID"

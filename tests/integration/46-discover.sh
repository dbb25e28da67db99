#!/bin/bash
# rds-discover, the label mode helper, against real swarms:
#   on the suite's one-node swarm (tests/lib/dockerd.sh, a manager):
#   - the first table lists a service labelled by container labels, with its
#     named volume and not its bind mount, and a service labelled by deploy
#     labels only; not an unlabelled one; a service with two replicas by its
#     slot 1 container; --once prints that same line;
#   - a labelled service created later is in the table within 2 s of its
#     container's start (the latency is printed); a label removed
#     (--container-label-rm) and a service removed leave the table;
#   - 50 labelled services: all listed; then 10 s idle with not one API
#     request (counted in its -v log: every request is logged there before
#     it is sent; and not one write or send system call, /proc/PID/io), and
#     its VmRSS printed;
#   - the daemon restarted under it: an error line, then the same services,
#     labels and volumes again (the tasks are new), each once;
#   - EOF on stdin and SIGTERM: exit 0 at once; a closed stdout: exit 1;
#   on a real two-node swarm (tests/lib/swarm2.sh):
#   - the worker's rds-discover lists only the labelled service whose task
#     runs on the worker, from container labels alone (not one on the
#     manager, not one labelled by deploy labels), and a service created
#     later there;
#   - rds-hook through the worker runs in that container (the worker path),
#     and with --container in the preferred replica.
#   BUILD=dir bash tests/integration/46-discover.sh   (binaries in dir/)
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"

DISC=$BIN/rds-discover
HOOK=$BIN/rds-hook
for f in "$DISC" "$HOOK"; do
	[ -x "$f" ] || { not_ok "binaries built" "$f missing (make BUILD=$BUILD)"; exit 1; }
done
OUT=$(mktemp -d /tmp/rds-discover.XXXXXX)
at_exit "rm -rf '$OUT'"
N_MANY=${RDS_DISCOVER_MANY:-50}

dockerd_up || { not_ok "private dockerd in swarm mode is up"; exit 1; }
ok "private dockerd in swarm mode is up ($DOCKER_HOST)"
dockerd_busybox_image || { not_ok "busybox image"; exit 1; }

rm_ours() {
	local ids
	ids=$(dk service ls -q -f name=rdsdt_) && [ -n "$ids" ] && dk service rm $ids >/dev/null 2>&1
	return 0
}
# At the end also the named volumes, once no container of ours uses them.
no_containers() { [ -z "$(dk ps -aq -f label=com.docker.swarm.service.name -f name=rdsdt_)" ]; }
rm_volumes() {
	local v
	rm_ours
	wait_for 60 no_containers
	v=$(dk volume ls -q -f name=rdsdt_) && [ -n "$v" ] && dk volume rm $v >/dev/null 2>&1
	return 0
}
rm_ours
at_exit rm_volumes
# docker-init as PID 1: the tasks stop at once (busybox sleep ignores SIGTERM).
svc() {
	local name=$1
	shift
	dk service create -d -q --no-resolve-image --init --stop-grace-period 2s --name "$name" "$@" \
		"$RDS_BUSYBOX_IMAGE" sleep 100000 >/dev/null
}
running() { dk ps -q --no-trunc -f status=running -f "label=com.docker.swarm.service.name=$1"; }
n_running() { [ "$(running "$1" | wc -l)" = "$2" ]; }
ns_of() { date -d "$1" +%s%N; }
now_ns() { date +%s%N; }

svc rdsdt_lab --container-label rds.backup=true --container-label 'rds.backup.at=0 3 * * *' \
	--mount type=volume,source=rdsdt_labdata,destination=/data \
	--mount type=bind,source=/tmp,destination=/hosttmp &&
	svc rdsdt_plain --mount type=volume,source=rdsdt_plaindata,destination=/data &&
	svc rdsdt_dep --label rds.backup=true --label 'rds.backup.at=@daily' \
		--mount type=volume,source=rdsdt_depdata,destination=/srv &&
	svc rdsdt_two --replicas 2 --container-label rds.backup=true ||
	{ not_ok "services created"; exit 1; }
if wait_for 90 n_running rdsdt_lab 1 && wait_for 90 n_running rdsdt_plain 1 && wait_for 90 n_running rdsdt_dep 1 &&
	wait_for 90 n_running rdsdt_two 2; then
	ok "services running: rdsdt_lab, rdsdt_plain, rdsdt_dep, rdsdt_two (2 replicas)"
else
	not_ok "services running" "$(dk service ps rdsdt_lab rdsdt_plain rdsdt_dep rdsdt_two 2>&1 | tail -n 8)"
	exit 1
fi
SLOT1=$(dk ps --no-trunc -f label=com.docker.swarm.service.name=rdsdt_two --format '{{.ID}} {{.Label "com.docker.swarm.task.name"}}' |
	awk '$2 ~ /^rdsdt_two\.1\./ { print $1 }')

# start_discover NAME [ENV...]: rds-discover -v with stdin from a fifo whose
# only writer is a sleep (HOLD_NAME: killing it is EOF; this shell never
# holds the write end, so no later child, a restarted dockerd say, inherits
# it), its stdout lines stamped with the wall clock (ns) into
# $OUT/NAME.lines, stderr in $OUT/NAME.err, pid in PID_NAME.
start_discover() {
	local name=$1
	shift
	mkfifo "$OUT/$name.in" "$OUT/$name.pipe" || return 1
	sleep 100000 >"$OUT/$name.in" &
	eval "HOLD_$name=$!"
	at_exit "kill $! 2>/dev/null"
	(
		while IFS= read -r l; do printf '%s %s\n' "$(now_ns)" "$l"; done <"$OUT/$name.pipe" >"$OUT/$name.lines"
	) &
	env "$@" "$DISC" -v <"$OUT/$name.in" >"$OUT/$name.pipe" 2>"$OUT/$name.err" &
	eval "PID_$name=$!"
	at_exit "kill $! 2>/dev/null"
}
# The last table line of NAME (no stamp), and what jq says of it.
last() { grep -v '"error"' "$OUT/$1.lines" 2>/dev/null | tail -n 1 | cut -d' ' -f2-; }
jqlast() {
	local name=$1
	shift
	last "$name" | jq -e "$@" >/dev/null 2>&1
}
listed() { jqlast "$1" --arg s "$2" 'any(.services[]; .name == $s)'; }
unlisted() { [ -n "$(last "$1")" ] && ! listed "$1" "$2"; }
# The stamp of the first line of NAME in which service S is listed.
first_listed_ns() {
	local ts line
	while read -r ts line; do
		jq -e --arg s "$2" 'any(.services[]?; .name == $s)' <<<"$line" >/dev/null 2>&1 && { echo "$ts"; return 0; }
	done <"$OUT/$1.lines"
	return 1
}
gets() { grep -c 'debug docker: GET ' "$OUT/$1.err"; }

# ---- 1. the first table ----
start_discover one
wait_for 30 test -s "$OUT/one.lines" || { not_ok "rds-discover printed a first line"; show "$OUT/one.err"; exit 1; }
first=$(head -n 1 "$OUT/one.lines" | cut -d' ' -f2-)
echo "#   first line: ${first:0:400}"
vol='.services[] | select(.name == "rdsdt_lab") | .volumes == [{"name":"rdsdt_labdata","destination":"/data","driver":"local","rw":true}]'
if jq -e "$vol" <<<"$first" >/dev/null && jq -e '.node.manager == true' <<<"$first" >/dev/null &&
	jq -e '.services[] | select(.name == "rdsdt_lab") | .labels == {"rds.backup":"true","rds.backup.at":"0 3 * * *"}' <<<"$first" >/dev/null; then
	ok "first table: rdsdt_lab (container labels) with its named volume and labels, not its bind mount"
else
	not_ok "first table lists rdsdt_lab with its volume only"
fi
jq -e 'all(.services[]; .name != "rdsdt_plain")' <<<"$first" >/dev/null &&
	ok "... not rdsdt_plain (no label)" || not_ok "rdsdt_plain not listed"
jq -e '.services[] | select(.name == "rdsdt_dep") | .labels["rds.backup.at"] == "@daily" and .volumes[0].name == "rdsdt_depdata"' <<<"$first" >/dev/null &&
	ok "... rdsdt_dep, labelled by deploy labels only (a manager reads them), with its volume" ||
	not_ok "rdsdt_dep listed on the manager"
jq -e --arg c "$SLOT1" '.services[] | select(.name == "rdsdt_two") | .container == $c and .slot == 1' <<<"$first" >/dev/null &&
	ok "... rdsdt_two (2 replicas) by its slot 1 container ${SLOT1:0:12}" ||
	not_ok "rdsdt_two's slot 1 container" "slot 1 is ${SLOT1:0:12}"
once=$("$DISC" --once 2>"$OUT/once.err")
rc=$?
[ "$rc" = 0 ] && [ "$once" = "$first" ] && ok "--once prints the same line and exits 0" ||
	not_ok "--once" "rc=$rc $once"

# ---- 2. a service created later, a label removed, a service removed ----
t_create=$(now_ns)
svc rdsdt_new --container-label rds.backup=true --mount type=volume,source=rdsdt_newdata,destination=/n ||
	not_ok "rdsdt_new created"
if wait_for 60 listed one rdsdt_new; then
	started=$(ns_of "$(dk inspect -f '{{.State.StartedAt}}' "$(running rdsdt_new)")")
	seen=$(first_listed_ns one rdsdt_new)
	lat=$(((seen - started) / 1000000))
	echo "# latency: rdsdt_new in the table $lat ms after its container started ($(((seen - t_create) / 1000000)) ms after docker service create began)"
	[ "$lat" -lt 2000 ] && ok "a service created later is listed $lat ms after its container started (< 2000)" ||
		not_ok "rdsdt_new listed within 2 s of its start" "$lat ms"
else
	not_ok "rdsdt_new listed"
fi
dk service update -d -q --container-label-rm rds.backup rdsdt_new >/dev/null
t0=$(now_ns)
wait_for 60 unlisted one rdsdt_new &&
	ok "rds.backup removed (service update --container-label-rm): gone from the table in $((($(now_ns) - t0) / 1000000)) ms" ||
	not_ok "rdsdt_new gone after its label was removed"
dk service rm rdsdt_lab >/dev/null
t0=$(now_ns)
wait_for 60 unlisted one rdsdt_lab &&
	ok "rdsdt_lab removed: gone from the table in $((($(now_ns) - t0) / 1000000)) ms" || not_ok "rdsdt_lab gone"

# ---- 3. many services, then idle ----
t0=$(now_ns)
for i in $(seq -w 1 "$N_MANY"); do
	svc "rdsdt_m$i" --container-label rds.backup=true --mount "type=volume,source=rdsdt_m${i}data,destination=/d" ||
		{ not_ok "rdsdt_m$i created"; break; }
done
many() { jqlast one --argjson n "$N_MANY" '[.services[] | select(.name | startswith("rdsdt_m"))] | length == $n'; }
if wait_for 300 many; then
	ok "$N_MANY labelled services created and listed ($((($(now_ns) - t0) / 1000000)) ms)"
else
	not_ok "$N_MANY labelled services listed" "$(last one | jq -c '[.services[].name]')"
fi
# Quiet first: no request for 2 s (the last start's list is done).
quiet() {
	local n
	n=$(gets one)
	sleep 2
	[ "$(gets one)" = "$n" ]
}
wait_for 60 quiet || not_ok "rds-discover became quiet"
syscw() { awk '/^syscw/ { print $2 }' "/proc/$PID_one/io"; }
n0=$(gets one)
w0=$(syscw)
l0=$(wc -l <"$OUT/one.lines")
sleep 10 # the measurement itself: 10 s of nothing happening
n1=$(gets one)
w1=$(syscw)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID_one/status")
anon=$(awk '/^RssAnon/ { print $2 }' "/proc/$PID_one/status")
echo "# idle 10 s with $N_MANY labelled services listed: $((n1 - n0)) API requests; VmRSS $rss kB, of which RssAnon $anon kB (the rest: pages of shared libraries, libcurl's TLS stack most); $(wc -l <"$OUT/one.lines") lines printed, $(gets one) requests in all"
[ "$n1" = "$n0" ] && [ "$(wc -l <"$OUT/one.lines")" = "$l0" ] && [ "$w1" = "$w0" ] &&
	ok "idle for 10 s: no API request (its -v log), no line printed, not one write or send system call (/proc/PID/io syscw)" ||
	{ not_ok "no request while idle" "$((n1 - n0)) requests, $((w1 - w0)) write calls"; tail -n 5 "$OUT/one.err" | show /dev/stdin; }
ids=$(dk service ls -q -f name=rdsdt_m)
# shellcheck disable=SC2086
dk service rm $ids >/dev/null
t0=$(now_ns)
none_many() { jqlast one '[.services[] | select(.name | startswith("rdsdt_m"))] | length == 0'; }
wait_for 120 none_many && ok "$N_MANY services removed: gone from the table ($((($(now_ns) - t0) / 1000000)) ms)" ||
	not_ok "the many services gone"

# ---- 4. the daemon restarted under it ----
# What must come back: names, labels, volumes (container and task ids are new).
shape() { last one | jq -c '[.services[] | {name, slot, labels, volumes}]'; }
before=$(shape)
lines_before=$(wc -l <"$OUT/one.lines")
t0=$(now_ns)
dockerd_down >/dev/null 2>&1 || not_ok "dockerd stopped"
dockerd_up || { not_ok "dockerd started again"; exit 1; }
back() {
	tail -n +"$((lines_before + 1))" "$OUT/one.lines" | grep -q '"error"' && [ "$(shape)" = "$before" ] &&
		tail -n 1 "$OUT/one.lines" | grep -vq '"error"'
}
if wait_for 120 back; then
	ok "dockerd restarted: an error line, then the same services, labels and volumes ($((($(now_ns) - t0) / 1000000)) ms)"
else
	not_ok "the same table after the restart" "before $before after $(shape)"
fi
tail -n +"$((lines_before + 1))" "$OUT/one.lines" | cut -d' ' -f2- | cut -c1-200 | sed 's/^/#   /'
jqlast one '[.services[].name] | length == (unique | length)' && ok "... each service once" || not_ok "no duplicate"
wait_for 60 n_running rdsdt_two 2
wait_for 30 jqlast one --arg c "$(dk ps --no-trunc -f label=com.docker.swarm.service.name=rdsdt_two --format '{{.ID}} {{.Label "com.docker.swarm.task.name"}}' | awk '$2 ~ /^rdsdt_two\.1\./ { print $1 }')" \
	'.services[] | select(.name == "rdsdt_two") | .container == $c' &&
	ok "... rdsdt_two by its new slot 1 container" || not_ok "rdsdt_two's new slot 1 container"

# ---- 5. how it ends ----
t0=$(now_ns)
kill "$HOLD_one"
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 5 gone "$PID_one"
wait "$PID_one"
rc=$?
ms=$((($(now_ns) - t0) / 1000000))
[ "$rc" = 0 ] && [ "$ms" -lt 1000 ] && ok "EOF on stdin: exit 0 after $ms ms" || not_ok "EOF on stdin: exit 0" "rc=$rc $ms ms"
start_discover term
wait_for 30 test -s "$OUT/term.lines"
t0=$(now_ns)
kill -TERM "$PID_term"
wait "$PID_term"
rc=$?
ms=$((($(now_ns) - t0) / 1000000))
[ "$rc" = 0 ] && [ "$ms" -lt 1000 ] && ok "SIGTERM: exit 0 after $ms ms" || not_ok "SIGTERM: exit 0" "rc=$rc $ms ms"
# A pipe with no reader left: the first line meets EPIPE.
mkfifo "$OUT/epipe.in" "$OUT/epipe.out"
sleep 100000 >"$OUT/epipe.in" &
hold=$!
exec {r}<>"$OUT/epipe.out"
exec {w}>"$OUT/epipe.out"
exec {r}<&-
"$DISC" <"$OUT/epipe.in" >&"$w" 2>"$OUT/epipe.err" {w}>&- &
epid=$!
exec {w}>&-
wait_for 30 gone "$epid"
wait "$epid"
rc=$?
kill "$hold"
[ "$rc" = 1 ] && grep -q "cannot write the table to stdout" "$OUT/epipe.err" &&
	ok "stdout closed: exit 1 ($(grep -o 'cannot write.*' "$OUT/epipe.err"))" ||
	not_ok "stdout closed: exit 1" "rc=$rc $(cat "$OUT/epipe.err")"
rm_ours

# ---- 6. the two-node swarm: the worker's view, and rds-hook there ----
source "$RDS_ROOT/tests/lib/swarm2.sh"
swarm2_up || { not_ok "two-node swarm is up"; exit 1; }
ok "two-node swarm is up: manager $NODE1_ID, worker $NODE2_ID"
dk1() { docker -H "unix://$NODE1_SOCK" "$@"; }
svc2() {
	local name=$1
	shift
	dk1 service create -d -q --no-resolve-image --init --stop-grace-period 2s --name "$name" "$@" \
		"$SWARM2_IMAGE" sleep 100000 >/dev/null
}
svc2 rdsdn_on2 --replicas 2 --constraint "node.id==$NODE2_ID" --container-label rds.backup=true \
	--mount type=volume,source=rdsdn_on2data,destination=/data &&
	svc2 rdsdn_on1 --constraint "node.id==$NODE1_ID" --container-label rds.backup=true &&
	svc2 rdsdn_dep2 --constraint "node.id==$NODE2_ID" --label rds.backup=true ||
	{ not_ok "services created on the two-node swarm"; exit 1; }
cts() { docker -H "unix://$(swarm2_sock "$1")" ps -q --no-trunc -f status=running -f "label=com.docker.swarm.service.name=$2"; }
placed() { [ "$(cts 2 rdsdn_on2 | wc -l) $(cts 1 rdsdn_on1 | wc -l) $(cts 2 rdsdn_dep2 | wc -l)" = "2 1 1" ]; }
wait_for 90 placed || { not_ok "tasks placed" "$(dk1 service ps rdsdn_on2 rdsdn_on1 rdsdn_dep2 2>&1)"; exit 1; }
ok "tasks placed: rdsdn_on2 (2 replicas) and rdsdn_dep2 on node 2, rdsdn_on1 on node 1"
slot_ct() {
	docker -H "unix://$(swarm2_sock 2)" ps --no-trunc -f "label=com.docker.swarm.service.name=$1" \
		--format '{{.ID}} {{.Label "com.docker.swarm.task.name"}}' | awk -v p="$1.$2." 'index($2, p) == 1 { print $1 }'
}
ON2_1=$(slot_ct rdsdn_on2 1)
ON2_2=$(slot_ct rdsdn_on2 2)

start_discover w DOCKER_HOST="unix://$NODE2_SOCK"
wait_for 30 test -s "$OUT/w.lines" || { not_ok "the worker's rds-discover printed"; show "$OUT/w.err"; }
wt=$(last w)
echo "#   worker's first line: ${wt:0:400}"
jq -e --arg c "$ON2_1" '.node.manager == false and [.services[].name] == ["rdsdn_on2"] and .services[0].container == $c and .services[0].volumes[0].name == "rdsdn_on2data"' <<<"$wt" >/dev/null &&
	ok "worker: only rdsdn_on2 (its slot 1 container, its volume); not rdsdn_on1 (node 1), not rdsdn_dep2 (deploy labels only)" ||
	not_ok "worker's table" "$wt"
grep -q 'GET /v1.41/services\|GET /v1.41/tasks' "$OUT/w.err" && not_ok "the worker asks no manager endpoint" ||
	ok "... without asking /services or /tasks"
svc2 rdsdn_later --constraint "node.id==$NODE2_ID" --container-label rds.backup=true
if wait_for 60 listed w rdsdn_later; then
	c=$(cts 2 rdsdn_later)
	started=$(ns_of "$(docker -H "unix://$NODE2_SOCK" inspect -f '{{.State.StartedAt}}' "$c")")
	lat=$((($(first_listed_ns w rdsdn_later) - started) / 1000000))
	echo "# latency on the worker: $lat ms after the container started"
	[ "$lat" -lt 2000 ] && ok "worker: a service created later is listed $lat ms after its container started" ||
		not_ok "worker: listed within 2 s" "$lat ms"
else
	not_ok "worker: rdsdn_later listed"
fi

hook2() {
	DOCKER_HOST="unix://$NODE2_SOCK" "$HOOK" "$@" >"$OUT/hook.out" 2>"$OUT/hook.err"
	rc=$?
}
ran_in() { sed -n 's/^R exit=0 container=\([0-9a-f]*\) .*/\1/p' "$OUT/hook.out"; }
hook2 rdsdn_on2 20000 -- sh -c 'echo ran >> /tmp/marker'
[ "$rc" = 0 ] && [ "$(ran_in)" = "$(last w | jq -r '.services[] | select(.name == "rdsdn_on2") | .container')" ] &&
	ok "rds-hook through the worker: ran in node 2's container of rdsdn_on2, the one in the table" ||
	not_ok "rds-hook on the worker" "rc=$rc $(cat "$OUT/hook.out" "$OUT/hook.err")"
hook2 --container "$ON2_2" rdsdn_on2 20000 -- sh -c 'echo ran >> /tmp/marker'
[ "$rc" = 0 ] && [ "$(ran_in)" = "$ON2_2" ] &&
	ok "rds-hook --container (slot 2's): ran there" || not_ok "--container slot 2" "rc=$rc $(cat "$OUT/hook.out")"
hook2 --container "$(cts 1 rdsdn_on1)" rdsdn_on2 20000 -- true
[ "$rc" = 0 ] && [ "$(ran_in)" = "$ON2_1" ] &&
	ok "rds-hook --container of another service's: the usual choice (slot 1)" ||
	not_ok "--container of another service" "rc=$rc $(cat "$OUT/hook.out")"
marks() { docker -H "unix://$NODE2_SOCK" exec "$1" sh -c 'cat /tmp/marker 2>/dev/null' | grep -c '^ran$'; }
[ "$(marks "$ON2_1") $(marks "$ON2_2")" = "1 1" ] && ok "... each hook ran once, where reported" ||
	not_ok "markers" "$(marks "$ON2_1") $(marks "$ON2_2")"
kill "$HOLD_w"
wait "$PID_w"
rc=$?
[ "$rc" = 0 ] && ok "the worker's rds-discover: exit 0 on EOF" || not_ok "worker's rds-discover exit" "rc=$rc"
swarm2_down >/dev/null && ok "two-node swarm torn down" || not_ok "two-node swarm torn down"

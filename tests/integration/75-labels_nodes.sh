#!/usr/bin/env bash
# Label mode on a REAL two-node swarm (tests/lib/swarm2.sh): one rds-agent
# per node (each on its own node's daemon and volume directory, each with
# its own status file), both backing up to one sshd on loopback.
#   1. a labelled service pinned to node 2 is backed up by node 2's agent,
#      its pre-hook run in node 2's container, snapshot host node 2's id;
#      node 1's agent never has a job for it;
#   2. moved to node 1, it is backed up by node 1's agent (host node 1's id),
#      node 2's agent marks the job gone and backs it up no more; the
#      repository holds the two nodes' histories apart;
#   3. a global service (a task on each node, node-specific data in its
#      volume) is backed up once per node, its hooks once per node per run,
#      each node's latest snapshot restores that node's volume byte for byte;
#   4. a service labelled by deploy labels only is not seen by the worker's
#      agent (a worker cannot list services), but is by the manager's;
#   5. every routine backup after the first finds its parent (the previous
#      snapshot of its node), also after an agent is restarted.
# The global service's repository is new to both agents in the same second:
# it is initialised once (one key), by one of them.
#   BUILD=dir bash tests/integration/75-labels_nodes.sh   (binaries in dir/)
#   RDS_AGENT_ARGS=--verbose   flags for both agents (their EXTRA_ARGS)
#   RDS_KEEP_LOGS=DIR          copy the agents' logs and status files there
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/swarm2.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"

for f in rds-agent rds-discover rds-hook; do
	[ -x "$BIN/$f" ] || { not_ok "binaries built" "$BIN/$f missing (make BUILD=$BUILD)"; exit 1; }
done
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
t_all=$(date +%s%N)

swarm2_up || { not_ok "two-node swarm is up"; exit 1; }
ok "two-node swarm is up: manager $NODE1_ID (node 1), worker $NODE2_ID (node 2)"
sshd_start || { not_ok "sshd started"; exit 1; }
agent_env unused
unset REPO_PATH BACKUP_HOST
export DISCOVER=labels RUN_AT="*/3 * * * * *" STOP_TIMEOUT=10
dk1() { swarm2_dk 1 "$@"; }
vols() { echo "$SWARM2_DATA/n$1/volumes"; }

# ---- the services ----
# Each container fills its named volume itself, with its node's id in it,
# then marks it ready. docker-init as PID 1: the tasks stop at once.
mkvol='mkdir -p /data/sub && echo "$NODE" > /data/node.txt && head -c 300000 /dev/urandom > /data/blob.bin &&
seq 1 5000 > /data/sub/n.txt && echo "$NODE" > /data/.ready && exec sleep 100000'
svc() { # NAME VOLUME [ARGS...]
	local name=$1 vol=$2
	shift 2
	dk1 service create -d -q --no-resolve-image --init --stop-grace-period 2s --name "$name" \
		--env 'NODE={{.Node.ID}}' --mount "type=volume,source=$vol,target=/data" "$@" \
		"$SWARM2_IMAGE" sh -c "$mkvol" >/dev/null
}
hooks="--container-label=rds.backup.pre-hook=sh -c 'echo pre >> /tmp/hooks'"
posth="--container-label=rds.backup.post-hook=sh -c 'echo post >> /tmp/hooks'"
svc rdsn_one rdsn_one_data --constraint "node.id==$NODE2_ID" --container-label rds.backup=true "$hooks" &&
	svc rdsn_glob rdsn_glob_data --mode global --container-label rds.backup=true "$hooks" "$posth" &&
	svc rdsn_dep rdsn_dep_data --constraint "node.id==$NODE2_ID" --label rds.backup=true ||
	{ not_ok "services created"; exit 1; }
# Running containers of a service on node N's daemon.
cts() { swarm2_dk "$1" ps -q --no-trunc -f status=running -f "label=com.docker.swarm.service.name=$2"; }
ready() { [ "$(cat "$(vols "$1")/$2/_data/.ready" 2>/dev/null)" = "$3" ]; }
placed() {
	[ "$(cts 2 rdsn_one | wc -l)$(cts 1 rdsn_one | wc -l)" = 10 ] &&
		[ "$(cts 1 rdsn_glob | wc -l)$(cts 2 rdsn_glob | wc -l)" = 11 ] &&
		[ "$(cts 2 rdsn_dep | wc -l)$(cts 1 rdsn_dep | wc -l)" = 10 ] &&
		ready 2 rdsn_one_data "$NODE2_ID" && ready 1 rdsn_glob_data "$NODE1_ID" &&
		ready 2 rdsn_glob_data "$NODE2_ID" && ready 2 rdsn_dep_data "$NODE2_ID"
}
t0=$(date +%s%N)
wait_for 90 placed || {
	not_ok "tasks placed" "$(dk1 service ps rdsn_one rdsn_glob rdsn_dep 2>&1)"
	exit 1
}
ok "tasks placed and volumes filled: rdsn_one and rdsn_dep (deploy labels) on node 2, rdsn_glob (global) on each ($(ms_since "$t0") ms)"

# ---- the agents ----
# start_agent N: rds-agent for node N; pid in APID_N, log $T_DIR/agentN.log
# (appended: a restart keeps the earlier lines).
start_agent() {
	local n=$1 sock
	sock=$(swarm2_sock "$n")
	mkdir -p -m 0700 "$T_DIR/run$n"
	EXTRA_ARGS="${RDS_AGENT_ARGS:-}" DOCKER_HOST="unix://$sock" VOLUMES_ROOT="$(vols "$n")" \
		STATUS_FILE="$T_DIR/status$n.json" RDS_RUN_DIR="$T_DIR/run$n" XDG_CACHE_HOME="$T_DIR/cache$n" \
		$AGENT_WRAP "$BIN/rds-agent" >>"$T_DIR/agent$n.log" 2>&1 &
	eval "APID_$n=$!"
	at_exit "kill -TERM $! 2>/dev/null; sleep 1; kill -KILL $! 2>/dev/null"
}
# stop_agent N: SIGTERM, wait; returns its exit code.
stop_agent() {
	local pid
	pid=$(eval echo "\$APID_$1")
	kill -TERM "$pid"
	wait_for 30 eval "! kill -0 $pid"
	wait "$pid"
}
# jf N JOB FIELD: a field of a job in node N's status file ("" if none).
jf() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"].get(sys.argv[2]) or {}; v=j.get(sys.argv[3]); print("" if v is None else v)' \
		"$T_DIR/status$1.json" "$2" "$3" 2>/dev/null
}
runs() { local r; r=$(jf "$1" "$2" runs); echo "${r:-0}"; }
has_job() { python3 -c 'import json,sys; sys.exit(sys.argv[2] not in json.load(open(sys.argv[1]))["jobs"])' "$T_DIR/status$1.json" "$2"; }
# done_ok N JOB K: at least K runs, the last one ok, none running.
done_ok() { [ "$(runs "$1" "$2")" -ge "$3" ] && [ "$(jf "$1" "$2" result)" = ok ] && [ "$(jf "$1" "$2" running)" = False ]; }
# snaps REPO: the repository's snapshots as JSON in $T_DIR/REPO.json.
snaps() { restic_direct "$1" snapshots --json >"$T_DIR/$1.json" 2>"$T_DIR/$1.err"; }
# py REPO CODE ARGS...: CODE with s = those snapshots in time order,
# host(h) = the snapshots of host h; exits 1 on a failed assert.
py() {
	local repo=$1 code=$2
	shift 2
	snaps "$repo" || { echo "restic snapshots failed: $(cat "$T_DIR/$repo.err")"; return 1; }
	python3 - "$T_DIR/$repo.json" "$@" <<EOF
import json, sys
s = sorted(json.load(open(sys.argv[1])) or [], key=lambda x: x["time"])
a = sys.argv[2:]
def host(h): return [x for x in s if x["hostname"] == h]
def short(x): return x["id"][:8]
$code
EOF
}
[ -n "${RDS_KEEP_LOGS:-}" ] &&
	at_exit "mkdir -p '$RDS_KEEP_LOGS' && cp '$T_DIR'/agent?.log '$T_DIR'/status?.json '$RDS_KEEP_LOGS'/"
start_agent 1
start_agent 2
t0=$(date +%s%N)
# One job at a time: with one restic at a time per agent, two jobs of one
# agent are seldom both idle at the same moment.
first() { wait_for 90 done_ok 2 rdsn_one 3 && wait_for 60 done_ok 2 rdsn_glob 3 && wait_for 60 done_ok 1 rdsn_glob 3; }
if first; then
	ok "both agents backed up their jobs three times each ($(ms_since "$t0") ms)"
else
	not_ok "both agents backed up" "node 1: $(cat "$T_DIR/status1.json" 2>&1 | head -c 600) node 2: $(cat "$T_DIR/status2.json" 2>&1 | head -c 600)"
	show "$T_DIR/agent1.log"
	show "$T_DIR/agent2.log"
fi

# ---- 1. the service pinned to node 2 ----
ONE2=$(cts 2 rdsn_one)
n=$(swarm2_dk 2 exec "$ONE2" sh -c 'grep -c pre /tmp/hooks 2>/dev/null || echo 0')
r=$(runs 2 rdsn_one)
[ "$n" -ge "$r" ] && [ "$n" -le $((r + 1)) ] &&
	ok "rdsn_one: node 2's agent ran its pre-hook in node 2's container ${ONE2:0:12}, once per run ($n pre-hooks, $r runs)" ||
	not_ok "pre-hook in node 2's container" "$n pre-hooks, $r runs"
py rdsn_one '
assert s, "no snapshot"
for x in s: assert x["hostname"] == a[0], x["hostname"]
for x in s: assert x["paths"] == [a[1]], x["paths"]
print("#   %d snapshots, host %s, path %s" % (len(s), s[0]["hostname"], s[0]["paths"][0]))' \
	"$NODE2_ID" "$(vols 2)/rdsn_one_data/_data" &&
	ok "rdsn_one's snapshots: host is node 2's id, the path node 2's volume" || not_ok "rdsn_one's snapshot host"
[ "$(jf 2 rdsn_one host)" = "$NODE2_ID" ] && ok "node 2's status names the job's host $NODE2_ID" ||
	not_ok "host in node 2's status" "$(jf 2 rdsn_one host)"
! has_job 1 rdsn_one && ! grep -q rdsn_one "$T_DIR/agent1.log" &&
	ok "node 1's agent has no job rdsn_one: not in its status file, not in its log" ||
	not_ok "node 1's agent knows nothing of rdsn_one" "$(grep rdsn_one "$T_DIR/agent1.log" | head -3)"

# ---- 4. deploy labels only, on the worker ----
if ! has_job 2 rdsn_dep && ! grep -q rdsn_dep "$T_DIR/agent2.log" && [ ! -d "$REPO_ROOT/rdsn_dep" ]; then
	ok "rdsn_dep (labelled by deploy labels only, --label) on node 2: not backed up by node 2's agent"
	echo "# a worker's Docker daemon does not list services, so a worker's agent sees only container labels"
	echo "# (--container-label, compose services.X.labels); deploy.labels (--label) reach only agents on managers"
else
	not_ok "deploy labels are invisible on the worker" "$(grep rdsn_dep "$T_DIR/agent2.log" | head -3)"
fi

# ---- 3. the global service: once per node ----
for n in 1 2; do
	c=$(cts "$n" rdsn_glob)
	pre=$(swarm2_dk "$n" exec "$c" sh -c 'grep -c pre /tmp/hooks 2>/dev/null || echo 0')
	post=$(swarm2_dk "$n" exec "$c" sh -c 'grep -c post /tmp/hooks 2>/dev/null || echo 0')
	r=$(runs "$n" rdsn_glob)
	[ "$pre" -ge "$r" ] && [ "$pre" -le $((r + 1)) ] && [ "$post" -ge $((r - 1)) ] && [ "$post" -le $((pre)) ] &&
		ok "rdsn_glob on node $n: hooks ran in node $n's container once per run of node $n's agent ($pre pre, $post post, $r runs)" ||
		not_ok "rdsn_glob's hooks on node $n" "$pre pre, $post post, $r runs"
done
py rdsn_glob '
assert sorted(set(x["hostname"] for x in s)) == sorted(a[0:2]), set(x["hostname"] for x in s)
for h, p in ((a[0], a[2]), (a[1], a[3])):
    assert all(x["paths"] == [p] for x in host(h)), h
    print("#   host %s: %d snapshots of %s" % (h, len(host(h)), p))' \
	"$NODE1_ID" "$NODE2_ID" "$(vols 1)/rdsn_glob_data/_data" "$(vols 2)/rdsn_glob_data/_data" &&
	ok "rdsn_glob: one repository, each node's snapshots under its own host and its own volume" ||
	not_ok "rdsn_glob's snapshots per node"
for n in 1 2; do
	id=$(eval echo "\$NODE${n}_ID")
	v=$(vols "$n")/rdsn_glob_data/_data
	rm -rf "$T_DIR/restore$n"
	restic_direct rdsn_glob restore latest --host "$id" --target "$T_DIR/restore$n" >/dev/null 2>&1
	if diff -r "$v" "$T_DIR/restore$n$v" >/dev/null && [ "$(cat "$T_DIR/restore$n$v/node.txt")" = "$id" ]; then
		ok "rdsn_glob: node $n's latest snapshot restores node $n's volume byte for byte (node.txt: $id)"
	else
		not_ok "node $n's restore" "$(diff -r "$v" "$T_DIR/restore$n$v" 2>&1 | head -3)"
	fi
done
cmp -s "$(vols 1)/rdsn_glob_data/_data/blob.bin" "$(vols 2)/rdsn_glob_data/_data/blob.bin" &&
	not_ok "the two nodes' volumes differ" || ok "... and the two nodes' volumes differ (each its own random blob)"
# Both agents found rdsn_glob's repository missing in the same second. Two
# restic inits at once would leave two keys and one config, unusable half
# the time: one agent claims the directory and initialises, the other waits.
nkeys=$(find "$REPO_ROOT/rdsn_glob/keys" -type f | wc -l)
init=$(grep -l "no repository at sftp:127.0.0.1:rdsn_glob; initialising it" "$T_DIR"/agent[12].log | wc -l)
waited=$(grep -l "rdsn_glob, but its directory is there: another agent is creating it" "$T_DIR"/agent[12].log | wc -l)
if [ "$nkeys" = 1 ] && [ "$init" = 1 ]; then
	ok "rdsn_glob's repository was made once: one agent initialised it, one key ($waited agent waited for it)"
	grep -h "rdsn_glob is there now\|rdsn_glob, but its directory" "$T_DIR"/agent[12].log | sed 's/^/#   /'
else
	not_ok "rdsn_glob's repository made once" "$nkeys keys, $init inits, $waited waited"
fi

# ---- 5. parents on every routine cycle ----
# Each snapshot after a node's first has the node's previous one as parent.
chain='
for h in a:
    hs = host(h)
    assert hs, "no snapshot of " + h
    assert "parent" not in hs[0] or hs[0]["parent"] not in [x["id"] for x in s if x["hostname"] != h], "first of %s: a parent of another host" % h
    for p, x in zip(hs, hs[1:]):
        assert x.get("parent") == p["id"], "%s: %s has parent %s, not %s" % (h, short(x), x.get("parent", "none")[:8], short(p))
    print("#   host %s: %d snapshots, each after the first with the one before as parent" % (h, len(hs)))'
py rdsn_glob "$chain" "$NODE1_ID" "$NODE2_ID" && py rdsn_one "$chain" "$NODE2_ID" &&
	ok "every routine backup's parent is its own node's previous snapshot (rdsn_glob on both nodes, rdsn_one)" ||
	not_ok "parents"
unchanged() { [ "$(jf "$1" "$2" files_new)" = 0 ] && [ "$(jf "$1" "$2" files_changed)" = 0 ] && [ "$(jf "$1" "$2" bytes_added)" -lt 4096 ]; }
unchanged 1 rdsn_glob && unchanged 2 rdsn_glob && unchanged 2 rdsn_one &&
	ok "the unchanged volumes' latest backups: 0 new, 0 changed files, < 4 KiB added ($(jf 2 rdsn_glob message))" ||
	not_ok "unchanged volumes" "$(jf 1 rdsn_glob message) / $(jf 2 rdsn_glob message) / $(jf 2 rdsn_one message)"

# ---- 2. rdsn_one (and rdsn_dep) moved to node 1 ----
n2_before=$(restic_direct rdsn_one snapshots --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
t0=$(date +%s%N)
for s in rdsn_one rdsn_dep; do
	dk1 service update -d -q --constraint-rm "node.id==$NODE2_ID" --constraint-add "node.id==$NODE1_ID" "$s" >/dev/null ||
		not_ok "service update $s"
done
moved() { [ "$(cts 1 "$1" | wc -l)$(cts 2 "$1" | wc -l)" = 10 ] && ready 1 "$1_data" "$NODE1_ID"; }
wait_for 90 moved rdsn_one && wait_for 90 moved rdsn_dep &&
	ok "rdsn_one and rdsn_dep moved to node 1 ($(ms_since "$t0") ms)" ||
	not_ok "moved to node 1" "$(dk1 service ps rdsn_one rdsn_dep 2>&1)"
wait_for 30 eval '[ -n "$(jf 2 rdsn_one gone)" ] && [ "$(jf 2 rdsn_one running)" = False ]' &&
	grep -q "job rdsn_one: service rdsn_one has no task on this node any more" "$T_DIR/agent2.log" &&
	ok "node 2's agent marks the job rdsn_one gone ($(grep -o 'job rdsn_one: service rdsn_one has no task.*' "$T_DIR/agent2.log" | head -c 120))" ||
	{ not_ok "node 2's job gone"; show "$T_DIR/agent2.log"; }
n2_gone=$(py rdsn_one 'print(len(host(a[0])))' "$NODE2_ID")
r1=$(runs 1 rdsn_one)
wait_for 60 done_ok 1 rdsn_one $((r1 + 3)) &&
	ok "node 1's agent backs rdsn_one up now ($(runs 1 rdsn_one) runs: $(jf 1 rdsn_one message))" ||
	{ not_ok "node 1 backs up rdsn_one" "$(jf 1 rdsn_one message)"; show "$T_DIR/agent1.log"; }
ONE1=$(cts 1 rdsn_one)
n=$(swarm2_dk 1 exec "$ONE1" sh -c 'grep -c pre /tmp/hooks 2>/dev/null || echo 0')
[ "$n" -ge 3 ] && ok "... its pre-hook runs in node 1's new container ${ONE1:0:12} ($n times)" ||
	not_ok "pre-hook on node 1" "$n"
py rdsn_one '
n2 = host(a[1]); n1 = host(a[0])
assert len(n2) == int(a[2]), "node 2 made %d snapshots after its job was gone" % (len(n2) - int(a[2]))
assert len(n1) >= 3, "node 1: %d snapshots" % len(n1)
assert all(x["time"] > n2[-1]["time"] for x in n1), "a node 1 snapshot before the move"
assert all(x["paths"] == [a[3]] for x in n1)
print("#   node 2: %d snapshots (%d before the move was seen), node 1: %d since" % (len(n2), int(a[4]), len(n1)))' \
	"$NODE1_ID" "$NODE2_ID" "$n2_gone" "$(vols 1)/rdsn_one_data/_data" "$n2_before" &&
	ok "rdsn_one: new snapshots have host node 1's id; node 2's agent made none since it marked the job gone" ||
	not_ok "rdsn_one's snapshots after the move"
restic_direct rdsn_one snapshots --group-by host >"$T_DIR/grouped.txt" 2>&1
grep -q "host \[$NODE1_ID\]" "$T_DIR/grouped.txt" && grep -q "host \[$NODE2_ID\]" "$T_DIR/grouped.txt" &&
	[ "$(restic_direct rdsn_one snapshots --json --host "$NODE1_ID" | python3 -c 'import json,sys; print(len({x["hostname"] for x in json.load(sys.stdin)}))')" = 1 ] &&
	ok "restic snapshots --group-by host: two hosts in one repository, each its own history" ||
	{ not_ok "two histories apart"; show "$T_DIR/grouped.txt"; }
py rdsn_one "$chain" "$NODE1_ID" "$NODE2_ID" &&
	ok "... node 1's first snapshot has no parent of node 2's, its later ones node 1's previous" || not_ok "parents after the move"
wait_for 30 done_ok 1 rdsn_dep 1 &&
	py rdsn_dep 'assert s and all(x["hostname"] == a[0] for x in s), [x["hostname"] for x in s]' "$NODE1_ID" &&
	ok "rdsn_dep (deploy labels only) on node 1, the manager: backed up by node 1's agent, host node 1's id" ||
	{ not_ok "rdsn_dep backed up on the manager" "$(jf 1 rdsn_dep message)"; show "$T_DIR/agent1.log"; }
! has_job 2 rdsn_dep && ok "... and still never a job of node 2's agent" || not_ok "rdsn_dep on node 2"

# ---- 5. a restarted agent still finds its parent ----
for n in 2 1; do
	# Right after a run of rdsn_glob ended: its next tick is seconds away
	# (node 1's other jobs may still be running: see the record below).
	r0=$(runs "$n" rdsn_glob)
	wait_for 30 done_ok "$n" rdsn_glob $((r0 + 1))
	t0=$(date +%s%N)
	stop_agent "$n"
	rc=$?
	[ "$rc" = 0 ] && ok "node $n's agent: SIGTERM, exit 0" || not_ok "node $n's agent stops" "rc=$rc"
	last=$(jf "$n" rdsn_glob snapshot_id)
	r0=$(runs "$n" rdsn_glob)
	start_agent "$n"
	if wait_for 30 done_ok "$n" rdsn_glob $((r0 + 2)); then
		id=$(eval echo "\$NODE${n}_ID")
		py rdsn_glob '
hs = host(a[0])
i = [x["id"] for x in hs].index([x for x in hs if x["id"].startswith(a[1])][0]["id"])
nxt = hs[i + 1:]
assert len(nxt) >= 2, "%d snapshots since" % len(nxt)
assert nxt[0].get("parent", "").startswith(a[1]), "first after the restart: parent %s" % nxt[0].get("parent")
print("#   first snapshot after the restart %s: parent %s (the last before)" % (short(nxt[0]), nxt[0]["parent"][:8]))' \
			"$id" "$last" && unchanged "$n" rdsn_glob &&
			ok "node $n's agent restarted with the same STATUS_FILE: its next backups find their parent, 0 new files ($(ms_since "$t0") ms; runs $r0 -> $(runs "$n" rdsn_glob))" ||
			not_ok "parent after node $n's restart" "$(jf "$n" rdsn_glob message)"
	else
		not_ok "node $n's agent backs up after its restart" "$(jf "$n" rdsn_glob message)"
		show "$T_DIR/agent$n.log"
	fi
done
[ -n "$(jf 2 rdsn_one gone)" ] && [ "$(py rdsn_one 'print(len(host(a[0])))' "$NODE2_ID")" = "$n2_gone" ] &&
	ok "after its restart node 2's agent keeps rdsn_one gone and backs it up no more" ||
	not_ok "rdsn_one after node 2's restart" "$(jf 2 rdsn_one gone)"

# ---- the agents' own record ----
# Every failed run must be one of two that the scenario causes: a backup
# that SIGTERM interrupted (the restarts: an agent is seldom idle, with
# three jobs every 3 s and one restic at a time), and on node 2 at most one
# run of rdsn_one whose task stopped for the move while its run began.
for n in 1 2; do
	grep "run finished: failed" "$T_DIR/agent$n.log" >"$T_DIR/failed$n.txt"
	stop_re="backup interrupted by a stop request|hook in service '[a-z_]*' \(container [0-9a-f]*\) interrupted after"
	# At the move: no container any more, or the hook's exec killed with it.
	move_re="pre-hook failed: service 'rdsn_one' has no running container on this node $NODE2_ID|"
	move_re+="pre-hook exited with code 137 in container ${ONE2:0:12}"
	other=$(grep -Ev "$stop_re" "$T_DIR/failed$n.txt" | grep -Ev "$move_re")
	moved=$(grep -Ec "$move_re" "$T_DIR/failed$n.txt")
	stopped=$(grep -Ec "$stop_re" "$T_DIR/failed$n.txt")
	if [ -z "$other" ] && { [ "$n" = 2 ] && [ "$moved" -le 1 ] || [ "$moved" = 0 ]; }; then
		ok "node $n's agent: no failed run but $stopped interrupted by the restart and $moved at the move"
	else
		not_ok "node $n's agent: failed runs" "$(wc -l <"$T_DIR/failed$n.txt") failed"
		sed 's/^/#   /' "$T_DIR/failed$n.txt" | cut -c1-300 | head -10
	fi
done
for n in 1 2; do
	stop_agent "$n"
	rc=$?
	[ "$rc" = 0 ] || not_ok "node $n's agent exits 0 at the end" "rc=$rc"
done
if grep -q "^==[0-9]*== [A-Z]\|runtime error\|Sanitizer" "$T_DIR/agent1.log" "$T_DIR/agent2.log"; then
	not_ok "a checker reported an error in an agent or one of its helpers"
	grep -h "^==\|runtime error" "$T_DIR/agent1.log" "$T_DIR/agent2.log" | head -30 | sed 's/^/#   /'
fi
echo "# scenario: $(ms_since "$t_all") ms before the teardown"

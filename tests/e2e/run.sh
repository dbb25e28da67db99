#!/usr/bin/env bash
# End-to-end: both images built from this tree, the example stack
# (examples/stack.yml + tests/e2e/stack.override.yml) on a real swarm, a
# backup every 20 seconds:
#   - a snapshot of the database dump lands in the server's repository volume;
#   - runrestic in the agent container restores it; the dump is byte-equal to
#     a fresh one, and after DROP TABLE loading it brings the rows back;
#   - a scheduled restic check (CHECK_AT) passes in the agent;
#   - with two database replicas the hooks ran in exactly one of them;
#   - the agent's healthcheck says healthy; the login shells print their help;
#   - a new server container (service update --force) keeps its host keys and
#     the next backup succeeds;
#   - a new agent container takes over the last success and the repository's
#     first sighting from the status file on its volume;
#   - a wrong key: the agent turns unhealthy and its log says the server
#     refused the key;
#   - the stack, its volumes and secrets are removed without a trace.
# The daemon is the suite's private one (tests/lib/dockerd.sh; its settings
# RDS_DOCKER_SOCK, RDS_DOCKER_STATE, RDS_DOCKER_DATA, RDS_DOCKER_NETNS point it
# elsewhere); the suite's docker_down.sh stops it at the end, not this test.
# E2E_KEEP=1 leaves the stack up after the run for a look.
source "$(dirname "$0")/../lib/harness.sh"
# A DOCKER_HOST=unix://... given alone names the daemon for dockerd.sh too.
if [ -z "${RDS_DOCKER_SOCK:-}" ] && [[ "${DOCKER_HOST:-}" == unix://* ]]; then
	RDS_DOCKER_SOCK=${DOCKER_HOST#unix://}
fi
source "$RDS_ROOT/tests/lib/dockerd.sh"
source "$RDS_ROOT/tests/e2e/lib.sh"

E2E_TICK=20 # seconds between backups
E2E_DIR=$(mktemp -d /tmp/rds-e2e.XXXXXX)
at_exit "rm -rf '$E2E_DIR'"
T_START=$SECONDS
timing=()
lap() { timing+=("$1 $((SECONDS - lap_t))s"); lap_t=$SECONDS; }
lap_t=$SECONDS

dockerd_up || { not_ok "private dockerd in swarm mode"; exit 1; }
lap daemon

# --- images
if make -C "$RDS_ROOT" -f mk/images.mk images >"$E2E_DIR/build.log" 2>&1; then
	ok "make images: agent, server and the test database image ($((SECONDS - lap_t))s)"
else
	not_ok "make images" "see below"
	show "$E2E_DIR/build.log"
	exit 1
fi
lap images
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
	grep -E '^(restic-docker-swarm|rds-test/postgres|debian:trixie-slim)' | sed 's/^/# image /'

# --- a clean start, secrets, deploy
self=$(docker info --format '{{.Swarm.NodeID}}')
e2e_clean >/dev/null 2>&1 || { not_ok "leftovers of an earlier run removed"; e2e_leftovers | sed 's/^/#   /'; exit 1; }
[ -n "${E2E_KEEP:-}" ] || at_exit e2e_clean
docker node update --label-add rds-db=true --label-add rds-server=true "$self" >/dev/null ||
	{ not_ok "node labels rds-db, rds-server"; exit 1; }
[ -n "${E2E_KEEP:-}" ] || at_exit "docker node update --label-rm rds-db --label-rm rds-server $self"

ssh-keygen -q -t ed25519 -N '' -C rds-e2e-agent -f "$E2E_DIR/key" &&
	ssh-keygen -q -t ed25519 -N '' -C rds-e2e-wrong -f "$E2E_DIR/wrong" &&
	head -c 24 /dev/urandom | base64 >"$E2E_DIR/repo-password" &&
	head -c 24 /dev/urandom | base64 >"$E2E_DIR/pg-password" &&
	docker secret create "$E2E_STACK-ssh-privkey" "$E2E_DIR/key" >/dev/null &&
	docker secret create "$E2E_STACK-ssh-pubkey" "$E2E_DIR/key.pub" >/dev/null &&
	docker secret create "$E2E_STACK-wrong-key" "$E2E_DIR/wrong" >/dev/null &&
	docker secret create "$E2E_STACK-repo-password" "$E2E_DIR/repo-password" >/dev/null &&
	docker secret create "$E2E_STACK-postgres-password" "$E2E_DIR/pg-password" >/dev/null ||
	{ not_ok "key pairs, passwords and their secrets"; exit 1; }

if POSTGRES_IMAGE=rds-test/postgres:latest RUN_AT="*/$E2E_TICK * * * * *" CHECK_AT="5/$E2E_TICK * * * * *" \
	PRUNE_AT="0 0 1 1 *" DOCKER_SOCKET=$RDS_DOCKER_SOCK \
	docker stack deploy --resolve-image never -c "$RDS_ROOT/examples/stack.yml" \
	-c "$RDS_ROOT/tests/e2e/stack.override.yml" "$E2E_STACK" >"$E2E_DIR/deploy.log" 2>&1; then
	ok "examples/stack.yml deployed as stack $E2E_STACK"
else
	not_ok "stack deploy"
	show "$E2E_DIR/deploy.log"
	exit 1
fi
if wait_for 120 n_running db 2 && wait_for 60 n_running server 1 && wait_for 60 n_running db-backup 1; then
	ok "two database replicas, the server and the agent are running"
else
	not_ok "services running" "$(docker service ls --filter "$E2E_LABEL" --format '{{.Name}} {{.Replicas}}' | tr '\n' ' ')"
	docker service ps --no-trunc --filter "$E2E_LABEL" "${E2E_STACK}_db" "${E2E_STACK}_server" "${E2E_STACK}_db-backup" 2>&1 | show
	exit 1
fi
caps=$(docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec.CapabilityDrop}} {{json .Spec.TaskTemplate.ContainerSpec.CapabilityAdd}}' "${E2E_STACK}_db-backup")
[[ "$caps" =~ ^\[\"ALL\"\]\ \[\"(CAP_)?DAC_READ_SEARCH\"\]$ ]] && ok "the agent runs with one capability, DAC_READ_SEARCH" ||
	not_ok "agent capabilities" "$caps"
lap deploy

# --- data in both replicas, then a backup that started after it
db_ready() { docker exec "$1" pg_isready -q -U postgres; }
psql_in() {
	local c=$1
	shift
	docker exec -i "$c" psql -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
}
dbs=$(svc_ctrs db)
rc=0
for c in $dbs; do
	wait_for 60 db_ready "$c" &&
		psql_in "$c" -c "CREATE TABLE e2e_rows (id int PRIMARY KEY, note text);
			INSERT INTO e2e_rows SELECT g, 'row ' || g FROM generate_series(1, 1000) g;" || rc=1
done
[ "$rc" = 0 ] && ok "a table with 1000 rows in each database replica" || not_ok "test data created"
t_data=$(date +%s)
if wait_for $((4 * E2E_TICK + 60)) backup_ok_since "$t_data"; then
	ok "a scheduled backup succeeded after the data was written ($((SECONDS - lap_t))s)"
else
	not_ok "scheduled backup after the data" "status: $(agent_status message)"
	docker service logs --tail 40 "${E2E_STACK}_db-backup" 2>&1 | show
	docker service logs --tail 20 "${E2E_STACK}_server" 2>&1 | show
	exit 1
fi
lap first-backup

server=$(one_ctr server)
agent=$(one_ctr db-backup)
# As the SFTP user: root in the server container has no capability to read
# its 0700 repositories.
n_snap=$(docker exec -u restic "$server" sh -c 'ls /home/restic/db/snapshots | wc -l' 2>/dev/null)
[ "${n_snap:-0}" -ge 1 ] && ok "the server's repository volume holds $n_snap snapshot(s) in /home/restic/db" ||
	not_ok "snapshots in the server's repository volume" "count: ${n_snap:-none}"
docker exec -e RESTIC_PASSWORD="$(cat "$E2E_DIR/repo-password")" "$server" \
	rds-server restic -r db --retry-lock 2m ls latest >"$E2E_DIR/ls.txt" 2>&1
grep -qx "/backup/db.sql" "$E2E_DIR/ls.txt" && ok "the latest snapshot, read on the server with rds-server restic, has /backup/db.sql" ||
	{ not_ok "db.sql in the latest snapshot"; show "$E2E_DIR/ls.txt"; }

# --- a scheduled check in the swarm (CHECK_AT 5 s after the backups)
check_ok() { [ "$(agent_op_field check result)" = ok ]; }
if wait_for $((3 * E2E_TICK + 30)) check_ok; then
	ok "a scheduled restic check passed in the agent ($(agent_op_field check message))"
else
	not_ok "scheduled check" "$(agent_op_field check result): $(agent_op_field check message)"
	docker service logs --tail 20 "${E2E_STACK}_db-backup" 2>&1 | show
fi

[ "$(agent_op_field forget result)" = ok ] &&
	ok "the stack's retention policy ran after a backup ($(agent_op_field forget message))" ||
	not_ok "forget after a backup" "$(agent_op_field forget result): $(agent_op_field forget message)"

# --- hooks: exactly one replica
hooked=""
hook_report=""
for c in $dbs; do
	runs=$(docker exec "$c" sh -c 'cat /tmp/rds-hook-runs 2>/dev/null' | tr '\n' ' ')
	hook_report+="$(docker inspect --format '{{.Name}}' "$c"): [${runs}] "
	[ -n "$runs" ] && hooked+="$c "
done
read -ra hooked <<<"$hooked"
if [ ${#hooked[@]} = 1 ] && [[ "$hook_report" == *"[pre post "* ]]; then
	ok "the hooks ran in exactly one of the two database replicas ($hook_report)"
else
	not_ok "hooks in exactly one replica" "$hook_report"
fi
db=${hooked[0]:-$(echo "$dbs" | head -n 1)}

# --- restore with runrestic, compare, reload
host=${E2E_STACK}_db
docker exec "$agent" rm -rf /tmp/restore
if docker exec "$agent" runrestic restore latest --host "$host" --target /tmp/restore >"$E2E_DIR/restore.log" 2>&1 &&
	docker exec "$agent" cat /tmp/restore/backup/db.sql >"$E2E_DIR/restored.sql"; then
	ok "runrestic restore latest inside the agent container ($(wc -c <"$E2E_DIR/restored.sql") bytes)"
else
	not_ok "runrestic restore"
	show "$E2E_DIR/restore.log"
fi
# Byte for byte: the restored file is one of the dumps the pre-hook wrote
# (the test's hook keeps a copy of each in the container).
same_as_a_dump() {
	local f
	for f in $(docker exec "$db" sh -c 'ls /tmp/dumps/*.sql'); do
		docker exec "$db" cat "$f" | cmp -s - "$E2E_DIR/restored.sql" && return 0
	done
	return 1
}
same_as_a_dump && ok "the restored dump is byte-equal to the one the pre-hook wrote" ||
	not_ok "restored dump byte-equal to the pre-hook's" "$(docker exec "$db" sh -c 'ls -l /tmp/dumps' | tr '\n' ' ')"
# pg_dump 17.6 and later write a random \restrict key into every dump: two
# dumps of the same database differ only there.
unkeyed() { grep -v '^\\\(un\)\?restrict ' "$1"; }
docker exec "$db" pg_dumpall -U postgres >"$E2E_DIR/fresh.sql"
cmp -s <(unkeyed "$E2E_DIR/restored.sql") <(unkeyed "$E2E_DIR/fresh.sql") &&
	ok "the restored dump equals a fresh pg_dumpall (but for its \\restrict key)" ||
	not_ok "restored dump equals a fresh one" "$(diff <(unkeyed "$E2E_DIR/restored.sql") <(unkeyed "$E2E_DIR/fresh.sql") | head -n 5 | tr '\n' ' ')"
psql_in "$db" -c "DROP TABLE e2e_rows;" &&
	[ "$(psql_in "$db" -c "SELECT count(*) FROM pg_tables WHERE tablename = 'e2e_rows'")" = 0 ] ||
	not_ok "DROP TABLE e2e_rows"
docker exec -i "$db" psql -U postgres -q <"$E2E_DIR/restored.sql" >"$E2E_DIR/load.log" 2>&1
rows=$(psql_in "$db" -c "SELECT count(*) || ' ' || sum(id) || ' ' || max(note) FROM e2e_rows" 2>&1)
[ "$rows" = "1000 500500 row 999" ] && ok "after DROP TABLE, loading the restored dump brings the 1000 rows back" ||
	{ not_ok "rows back after loading the dump" "$rows"; show "$E2E_DIR/load.log"; }
docker exec "$db" pg_dumpall -U postgres >"$E2E_DIR/reloaded.sql"
cmp -s <(unkeyed "$E2E_DIR/restored.sql") <(unkeyed "$E2E_DIR/reloaded.sql") &&
	ok "a dump of the reloaded database equals the restored one" ||
	not_ok "dump after reload equals the restored one" "$(diff <(unkeyed "$E2E_DIR/restored.sql") <(unkeyed "$E2E_DIR/reloaded.sql") | head -n 5 | tr '\n' ' ')"
lap restore

# --- health and login help
health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1" 2>/dev/null; }
is_healthy() { [ "$(health "$1")" = healthy ]; }
wait_for 30 is_healthy "$agent" && ok "the agent's healthcheck says healthy ($(docker exec "$agent" rds-agent health))" ||
	not_ok "agent healthy" "$(health "$agent")"
wait_for 60 is_healthy "$server" && ok "the server's healthcheck says healthy" || not_ok "server healthy" "$(health "$server")"
# stdout only: without a terminal, sh's prompt and notes (stderr) can overtake it.
docker exec "$agent" sh -i </dev/null >"$E2E_DIR/agent-login.txt" 2>"$E2E_DIR/agent-login.err"
grep -q "runrestic" "$E2E_DIR/agent-login.txt" && grep -q "Default command" "$E2E_DIR/agent-login.txt" &&
	grep -q "^Health: healthy" "$E2E_DIR/agent-login.txt" && grep -Eq "^JOB +STATE +LAST SUCCESS" "$E2E_DIR/agent-login.txt" &&
	ok "an interactive sh in the agent prints the help, the default command, the jobs' status table and the health" ||
	{ not_ok "agent login help"; show "$E2E_DIR/agent-login.txt"; }
docker exec "$server" sh -i </dev/null >"$E2E_DIR/server-login.txt" 2>"$E2E_DIR/server-login.err"
grep -q "sshd port 2222" "$E2E_DIR/server-login.txt" && grep -Eq "^  db +[0-9.]+ (B|KiB|MiB) " "$E2E_DIR/server-login.txt" &&
	grep -q "^1 repository" "$E2E_DIR/server-login.txt" &&
	ok "an interactive sh in the server prints the port and the repositories" ||
	{ not_ok "server login info"; show "$E2E_DIR/server-login.txt"; }
lap health

# --- a new server container keeps its host keys
known_hosts() { docker exec "$1" cat /etc/ssh/host_fingerprints/known_hosts 2>/dev/null; }
kh_before=$(known_hosts "$server")
docker service update -d --force "${E2E_STACK}_server" >/dev/null 2>&1
new_server() { local c; c=$(one_ctr server) && [ "$c" != "$server" ] && is_healthy "$c"; }
if wait_for 90 new_server; then
	server=$(one_ctr server)
	ok "service update --force: a new server container is running and healthy"
else
	not_ok "new server container" "$(docker service ps --no-trunc "${E2E_STACK}_server" 2>&1 | tail -n 3 | tr '\n' ' ')"
fi
[ -n "$kh_before" ] && [ "$(known_hosts "$server")" = "$kh_before" ] &&
	ok "the new server container has the same host keys (known_hosts unchanged)" || not_ok "host keys persisted"
t_upd=$(date +%s)
if wait_for $((3 * E2E_TICK + 30)) backup_ok_since "$t_upd"; then
	ok "the next backup after the server's restart succeeded"
else
	not_ok "backup after the server's restart" "status: $(agent_status message)"
	docker service logs --tail 20 "${E2E_STACK}_db-backup" 2>&1 | show
fi
lap server-restart

# --- a new agent container takes over the record on the agent-state volume
seen_before=$(agent_status repository_seen_epoch)
ok_before=$(agent_status last_success_epoch)
agent_old=$(one_ctr db-backup)
docker service update -d --force "${E2E_STACK}_db-backup" >/dev/null 2>&1
new_agent() { local c; c=$(one_ctr db-backup) && [ "$c" != "$agent_old" ] && [ -n "$(agent_status max_age_s)" ]; }
if wait_for 90 new_agent; then
	agent=$(one_ctr db-backup)
	[ -n "$seen_before" ] && [ "$(agent_status repository_seen_epoch)" = "$seen_before" ] &&
		[ "$(agent_status last_success_epoch)" -ge "${ok_before:-0}" ] &&
		docker logs "$agent" 2>&1 | grep -q "STATUS_FILE: last successful backup" &&
		ok "a new agent container knows the last success and the repository (STATUS_FILE on a volume)" ||
		{ not_ok "record taken over by the new agent" "seen $seen_before -> $(agent_status repository_seen_epoch)"; docker logs "$agent" 2>&1 | show; }
	wait_for 30 is_healthy "$agent" && ok "and is healthy: $(docker exec "$agent" rds-agent health)" || not_ok "new agent healthy" "$(health "$agent")"
else
	not_ok "new agent container" "$(docker service ps --no-trunc "${E2E_STACK}_db-backup" 2>&1 | tail -n 3 | tr '\n' ' ')"
fi
lap agent-restart

# --- a wrong key: unhealthy, and the log says why
docker service update -d --secret-rm "$E2E_STACK-ssh-privkey" \
	--secret-add "source=$E2E_STACK-wrong-key,target=restic-ssh-privkey" "${E2E_STACK}_db-backup" >/dev/null 2>&1 ||
	not_ok "agent updated with a wrong key"
refused() { docker service logs "${E2E_STACK}_db-backup" 2>&1 | grep -q "the server refused the key"; }
unhealthy() {
	local c
	for c in $(svc_ctrs db-backup); do
		[ "$(health "$c")" = unhealthy ] && return 0
	done
	docker service ps --no-trunc --format '{{.Error}}' "${E2E_STACK}_db-backup" | grep -q "unhealthy container"
}
wait_for $((3 * E2E_TICK + 30)) refused && ok "wrong key: the agent's log says the server refused the key" ||
	{ not_ok "wrong key logged"; docker service logs --tail 20 "${E2E_STACK}_db-backup" 2>&1 | show; }
wait_for 60 unhealthy && ok "wrong key: the agent turns unhealthy" ||
	not_ok "wrong key: unhealthy" "$(docker service ps --no-trunc "${E2E_STACK}_db-backup" 2>&1 | tail -n 3 | tr '\n' ' ')"
docker service logs "${E2E_STACK}_db-backup" 2>&1 | grep -m 1 "the server refused the key" | sed 's/^/#   /'
lap wrong-key

# --- clean up
if [ -z "${E2E_KEEP:-}" ]; then
	if e2e_clean; then
		ok "stack, volumes and secrets removed, no container or network left"
	else
		not_ok "stack removed cleanly" "$(e2e_leftovers | tr '\n' ' ')"
	fi
	lap cleanup
fi
echo "# timing: ${timing[*]}; total $((SECONDS - T_START))s"
exit 0

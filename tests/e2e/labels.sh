#!/usr/bin/env bash
# End-to-end, label mode: both images, examples/stack-labels.yml (+
# tests/e2e/stack-labels.override.yml) on the suite's swarm: ONE global agent
# with DISCOVER=labels backs up the two labelled applications of the stack:
#   - PostgreSQL (two replicas, dump hooks in its labels): the hooks ran in
#     exactly one replica, the dump restored with runrestic inside the agent
#     is byte-equal to the one the pre-hook wrote;
#   - a files service on its own rds.backup.at: a file written into its
#     volume comes back byte for byte;
#   - runrestic --help in the agent lists both jobs and their repositories;
#     the agent's healthcheck says healthy; the stack goes without a trace.
# Runs after tests/e2e/run.sh, which builds the images (make images is quick
# when they are there).
source "$(dirname "$0")/../lib/harness.sh"
if [ -z "${RDS_DOCKER_SOCK:-}" ] && [[ "${DOCKER_HOST:-}" == unix://* ]]; then
	RDS_DOCKER_SOCK=${DOCKER_HOST#unix://}
fi
source "$RDS_ROOT/tests/lib/dockerd.sh"
E2E_STACK=rdsl2e
source "$RDS_ROOT/tests/e2e/lib.sh"

TICK=15
E2E_DIR=$(mktemp -d /tmp/rds-e2el.XXXXXX)
at_exit "rm -rf '$E2E_DIR'"
T_START=$SECONDS

dockerd_up || { not_ok "private dockerd in swarm mode"; exit 1; }
dockerd_busybox_image || { not_ok "busybox test image"; exit 1; }
make -C "$RDS_ROOT" -f mk/images.mk images >"$E2E_DIR/build.log" 2>&1 ||
	{ not_ok "make images"; show "$E2E_DIR/build.log"; exit 1; }
self=$(docker info --format '{{.Swarm.NodeID}}')
e2e_clean >/dev/null 2>&1 || { not_ok "leftovers of an earlier run removed"; e2e_leftovers | sed 's/^/#   /'; exit 1; }
[ -n "${E2E_KEEP:-}" ] || at_exit e2e_clean
docker node update --label-add rds-server=true "$self" >/dev/null || { not_ok "node label rds-server"; exit 1; }
[ -n "${E2E_KEEP:-}" ] || at_exit "docker node update --label-rm rds-server $self"

ssh-keygen -q -t ed25519 -N '' -C rds-e2e-agent -f "$E2E_DIR/key" &&
	head -c 24 /dev/urandom | base64 >"$E2E_DIR/repo-password" &&
	head -c 24 /dev/urandom | base64 >"$E2E_DIR/pg-password" &&
	docker secret create "$E2E_STACK-ssh-privkey" "$E2E_DIR/key" >/dev/null &&
	docker secret create "$E2E_STACK-ssh-pubkey" "$E2E_DIR/key.pub" >/dev/null &&
	docker secret create "$E2E_STACK-repo-password" "$E2E_DIR/repo-password" >/dev/null &&
	docker secret create "$E2E_STACK-postgres-password" "$E2E_DIR/pg-password" >/dev/null ||
	{ not_ok "key pair, passwords and their secrets"; exit 1; }

if POSTGRES_IMAGE=rds-test/postgres:latest FILES_IMAGE=rds-test/busybox:latest RUN_AT="*/$TICK * * * * *" \
	FILES_AT="7/$TICK * * * * *" PRUNE_AT="0 0 1 1 *" CHECK_AT="0 0 1 1 *" DOCKER_SOCKET=$RDS_DOCKER_SOCK \
	VOLUMES_DIR=$RDS_DOCKER_DATA/volumes \
	docker stack deploy --resolve-image never -c "$RDS_ROOT/examples/stack-labels.yml" \
	-c "$RDS_ROOT/tests/e2e/stack-labels.override.yml" "$E2E_STACK" >"$E2E_DIR/deploy.log" 2>&1; then
	ok "examples/stack-labels.yml deployed as stack $E2E_STACK"
else
	not_ok "stack deploy"
	show "$E2E_DIR/deploy.log"
	exit 1
fi
mode=$(docker service inspect --format '{{if .Spec.Mode.Global}}global{{else}}replicated{{end}}' "${E2E_STACK}_backup")
if wait_for 120 n_running db 2 && wait_for 60 n_running files 1 && wait_for 60 n_running server 1 &&
	wait_for 60 n_running backup 1 && [ "$mode" = global ]; then
	ok "two database replicas, the files service, the server and the global agent ($mode) are running"
else
	not_ok "services running" "$(docker service ls --filter "$E2E_LABEL" --format '{{.Name}} {{.Replicas}}' | tr '\n' ' ')"
	docker service ps --no-trunc --filter "$E2E_LABEL" "${E2E_STACK}_backup" 2>&1 | show
	exit 1
fi

agent_json() { docker exec "$(one_ctr backup)" cat /var/lib/rds/status.json 2>/dev/null; }
job_field() { # JOB FIELD
	agent_json | python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"].get(sys.argv[1]) or {}; v=j.get(sys.argv[2]); print("" if v is None else v)' "$1" "$2" 2>/dev/null
}
job_ok_since() { # JOB T
	local s
	s=$(job_field "$1" last_start_epoch)
	[ "$(job_field "$1" result)" = ok ] && [ -n "$s" ] && [ "$s" -ge "$2" ]
}
db_ready() { docker exec "$1" pg_isready -q -U postgres; }
dbs=$(svc_ctrs db)
for c in $dbs; do
	wait_for 60 db_ready "$c" && docker exec -i "$c" psql -U postgres -qAt -v ON_ERROR_STOP=1 \
		-c "CREATE TABLE e2e_rows (id int PRIMARY KEY); INSERT INTO e2e_rows SELECT generate_series(1, 500);" ||
		not_ok "test rows in a database replica"
done
files=$(one_ctr files)
head -c 200000 /dev/urandom >"$E2E_DIR/blob.bin"
docker exec -i "$files" sh -c 'cat > /srv/files/blob.bin' <"$E2E_DIR/blob.bin" || not_ok "a file into the files volume"
t0=$(date +%s)
if wait_for $((4 * TICK + 60)) job_ok_since "${E2E_STACK}_db" "$t0" &&
	wait_for $((4 * TICK + 30)) job_ok_since "${E2E_STACK}_files" "$t0"; then
	ok "both labelled services were backed up by the one agent ($((SECONDS - T_START))s)"
else
	not_ok "label-mode backups" "db: $(job_field "${E2E_STACK}_db" message); files: $(job_field "${E2E_STACK}_files" message)"
	docker service logs --tail 40 "${E2E_STACK}_backup" 2>&1 | show
	exit 1
fi
agent=$(one_ctr backup)
docker logs "$agent" 2>&1 | grep -q "job ${E2E_STACK}_files: scheduled '7/$TICK \* \* \* \* \*'" &&
	ok "the files service runs on its own rds.backup.at" || not_ok "files schedule from its label"

# Hooks: exactly one replica.
hooked=0
for c in $dbs; do
	[ -n "$(docker exec "$c" sh -c 'cat /tmp/rds-hook-runs 2>/dev/null')" ] && hooked=$((hooked + 1)) && db=$c
done
[ "$hooked" = 1 ] && ok "the database's hooks ran in exactly one of its two replicas" || not_ok "hooks in one replica" "$hooked"

# runrestic in the agent: the jobs, and a restore from each repository.
docker exec "$agent" runrestic --help >"$E2E_DIR/rr.txt" 2>&1
grep -q "^  ${E2E_STACK}_db .* db " "$E2E_DIR/rr.txt" && grep -q "^  ${E2E_STACK}_files .* ${E2E_STACK}_files " "$E2E_DIR/rr.txt" &&
	ok "runrestic --help in the agent lists both jobs and their repositories" || { not_ok "runrestic lists jobs"; show "$E2E_DIR/rr.txt"; }
vols=/var/lib/docker/volumes
docker exec "$agent" rm -rf /tmp/r
restore() { docker exec "$agent" runrestic -r "$1" restore latest --target "/tmp/r/$1" >"$E2E_DIR/restore-$1.log" 2>&1; }
if wait_for 60 restore db && docker exec "$agent" cat "/tmp/r/db$vols/${E2E_STACK}_db-dump/_data/db.sql" >"$E2E_DIR/db.sql"; then
	same=1
	for f in $(docker exec "$db" sh -c 'ls /tmp/dumps/*.sql'); do
		docker exec "$db" cat "$f" | cmp -s - "$E2E_DIR/db.sql" && same=0
	done
	[ "$same" = 0 ] && grep -q "e2e_rows" "$E2E_DIR/db.sql" &&
		ok "the database dump restored from repository db is byte-equal to the pre-hook's ($(wc -c <"$E2E_DIR/db.sql") bytes)" ||
		not_ok "restored dump byte-equal"
	docker exec "$agent" sh -c "ls /tmp/r/db$vols" | grep -q "db-data" && not_ok "the live data directory was backed up" ||
		ok "rds.backup.volumes=db-dump: only the dump volume is in the snapshot, not the live data"
else
	not_ok "restore of repository db"
	show "$E2E_DIR/restore-db.log"
fi
if wait_for 60 restore "${E2E_STACK}_files" &&
	docker exec "$agent" cat "/tmp/r/${E2E_STACK}_files$vols/${E2E_STACK}_files-data/_data/blob.bin" | cmp -s - "$E2E_DIR/blob.bin"; then
	ok "the file written into the files service's volume restores byte for byte"
else
	not_ok "files restore"
	show "$E2E_DIR/restore-${E2E_STACK}_files.log"
fi

health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1" 2>/dev/null; }
is_healthy() { [ "$(health "$1")" = healthy ]; }
wait_for 30 is_healthy "$agent" && ok "the global agent is healthy: $(docker exec "$agent" rds-agent health | cut -c1-160)" ||
	not_ok "agent healthy" "$(health "$agent") $(docker exec "$agent" rds-agent health)"
grep -q libcurl "/proc/$(docker inspect --format '{{.State.Pid}}' "$agent")/maps" && not_ok "the agent maps libcurl" ||
	ok "the agent (PID 1 of its container) has no libcurl mapped"

if [ -z "${E2E_KEEP:-}" ]; then
	e2e_clean && ok "stack, volumes and secrets removed, no container or network left" ||
		not_ok "stack removed cleanly" "$(e2e_leftovers | tr '\n' ' ')"
fi
echo "# total $((SECONDS - T_START))s"
exit 0

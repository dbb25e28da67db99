#!/usr/bin/env bash
# demo.sh: the example stack on a swarm, one backup, and how to restore it.
#
#   bash scripts/demo.sh          (= make demo)       set up and run the demo
#   bash scripts/demo.sh down     (= make demo-down)  remove all of it again
#
# Uses the swarm manager that DOCKER_HOST or /var/run/docker.sock reaches.
# When none answers (the usual case on a fresh Debian machine), it starts a
# private single-node swarm: its own dockerd in network namespace rds-demo
# (so it never collides with another daemon's swarm ports or bridges),
# socket /run/rds-demo/docker.sock, data in /var/lib/rds-demo. Needs root
# then, and installs its Debian packages when missing.
# Then: builds the images, creates the secrets (kept in /var/lib/rds-demo,
# the repository password among them: without it the backups cannot be
# read), deploys examples/stack.yml as stack DEMO_STACK, writes a table into
# the database, waits for the first scheduled backup and prints the
# snapshots and the commands to restore and to tear down.
# Settings: DEMO_STACK (rds), RUN_AT ("* * * * *": every minute),
# POSTGRES_IMAGE (postgres:16 when the daemon has it or can pull it, else
# one built from Debian's package), DEMO_TIMEOUT (seconds to wait for the
# backup, 300). Running it again keeps the secrets and updates the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO_STACK=${DEMO_STACK:-rds}
DEMO_DIR=/var/lib/rds-demo
RUN_AT=${RUN_AT:-* * * * *}
DEMO_TIMEOUT=${DEMO_TIMEOUT:-300}
# The private daemon (tests/lib/dockerd.sh reads these).
export RDS_DOCKER_STATE=/run/rds-demo RDS_DOCKER_DATA=$DEMO_DIR/docker
export RDS_DOCKER_NETNS=rds-demo RDS_DOCKER_NETNS_NET=10.232.1
SECRETS=(restic-ssh-privkey restic-ssh-pubkey restic-repo-password postgres-password)

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }
die() {
	printf 'demo: error: %s\n' "$*" >&2
	exit 1
}
# What tests/lib/dockerd.sh expects of its harness.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 1
	done
}
show() { sed 's/^/    /' "$@" | tail -n 30; }
# shellcheck source=../tests/lib/dockerd.sh
source "$ROOT/tests/lib/dockerd.sh"
# shellcheck source=../tests/lib/status.sh
source "$ROOT/tests/lib/status.sh"

is_manager() {
	[ "$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)" = "active true" ]
}

# Picks the daemon: DOCKER_HOST's or the system's when it is a swarm manager,
# else ours (started when needed). Sets OURS=1 for ours.
pick_daemon() {
	OURS=0
	if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://$RDS_DOCKER_SOCK" ]; then
		is_manager && return 0
		die "DOCKER_HOST=$DOCKER_HOST is not a swarm manager; run 'docker swarm init' there, or unset DOCKER_HOST for a private swarm"
	fi
	if [ -z "${DOCKER_HOST:-}" ] && DOCKER_HOST=unix:///var/run/docker.sock is_manager; then
		export DOCKER_HOST=unix:///var/run/docker.sock
		say "using the swarm of the system's Docker daemon"
		return 0
	fi
	OURS=1
	if DOCKER_HOST=unix://$RDS_DOCKER_SOCK is_manager; then
		export DOCKER_HOST=unix://$RDS_DOCKER_SOCK
		say "using the private swarm started earlier ($RDS_DOCKER_SOCK)"
		return 0
	fi
	[ "$(id -u)" = 0 ] || die "no swarm manager answers, and starting a private one needs root"
	[ "$(uname -s)" = Linux ] || die "no swarm manager answers; a private one can only be started on Linux"
	say "no swarm manager answers: starting a private single-node swarm (network namespace $RDS_DOCKER_NETNS)"
	dockerd_up || die "the private dockerd did not start; its log: $RDS_DOCKER_LOG"
	say "private swarm up: export DOCKER_HOST=$DOCKER_HOST to use it with docker"
}

# postgres:16 when it is here or can be pulled, else the image of
# docker/postgres (Debian's package).
pick_postgres() {
	if [ -n "${POSTGRES_IMAGE:-}" ]; then
		return 0
	fi
	if docker image inspect postgres:16 >/dev/null 2>&1 ||
		timeout 60 docker pull -q postgres:16 >/dev/null 2>&1; then
		POSTGRES_IMAGE=postgres:16
	else
		say "postgres:16 cannot be pulled: building a PostgreSQL image from Debian's package"
		make -s -f mk/images.mk image-postgres >"$DEMO_DIR/build-postgres.log" 2>&1 ||
			{ show "$DEMO_DIR/build-postgres.log"; die "building the PostgreSQL image failed"; }
		POSTGRES_IMAGE=rds-test/postgres:latest
	fi
}

make_secrets() {
	local d=$DEMO_DIR/secrets s
	install -d -m 0700 "$d"
	[ -s "$d/agent-key" ] || ssh-keygen -q -t ed25519 -N '' -C "rds-demo-agent" -f "$d/agent-key"
	[ -s "$d/repo-password" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$d/repo-password")
	[ -s "$d/postgres-password" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$d/postgres-password")
	for s in "${SECRETS[@]}"; do
		docker secret inspect "$s" >/dev/null 2>&1 && continue
		case $s in
		restic-ssh-privkey) docker secret create "$s" "$d/agent-key" ;;
		restic-ssh-pubkey) docker secret create "$s" "$d/agent-key.pub" ;;
		restic-repo-password) docker secret create "$s" "$d/repo-password" ;;
		postgres-password) docker secret create "$s" "$d/postgres-password" ;;
		esac >/dev/null
	done
	say "secrets: the repository password and the agent's key are in $d (keep a copy elsewhere)"
}

running() { docker ps -q --filter "label=com.docker.swarm.service.name=${DEMO_STACK}_$1" --filter status=running | head -n 1; }
agent_status() {
	local a
	a=$(running db-backup) && [ -n "$a" ] || return 1
	docker exec "$a" cat /var/lib/rds/status.json 2>/dev/null
}
status_field() { agent_status | status_json_field "$1"; }
backup_ok_since() {
	local start
	start=$(status_field last_start_epoch) && [ -n "$start" ] && [ "$start" -ge "$1" ] &&
		[ "$(status_field result)" = ok ]
}
db_ready() {
	local c
	c=$(running db) && [ -n "$c" ] && docker exec "$c" pg_isready -q -U postgres
}

up() {
	bash scripts/deps.sh demo
	pick_daemon
	mkdir -p "$DEMO_DIR"
	say "building restic-docker-swarm:agent and :server (log: $DEMO_DIR/build.log)"
	make -s -f mk/images.mk image-agent image-server >"$DEMO_DIR/build.log" 2>&1 ||
		{ show "$DEMO_DIR/build.log"; die "make images failed"; }
	pick_postgres
	make_secrets
	self=$(docker info --format '{{.Swarm.NodeID}}')
	docker node update --label-add rds-db=true --label-add rds-server=true "$self" >/dev/null
	say "deploying examples/stack.yml as stack $DEMO_STACK (RUN_AT='$RUN_AT', database $POSTGRES_IMAGE)"
	# The agent mounts the node's Docker socket: ours, or the usual one.
	sock=/var/run/docker.sock
	[ "$OURS" = 0 ] || sock=$RDS_DOCKER_SOCK
	POSTGRES_IMAGE=$POSTGRES_IMAGE RUN_AT=$RUN_AT DOCKER_SOCKET=$sock \
		docker stack deploy --resolve-image never -c examples/stack.yml "$DEMO_STACK" >"$DEMO_DIR/deploy.log" 2>&1 ||
		{ show "$DEMO_DIR/deploy.log"; die "docker stack deploy failed"; }
	wait_for 180 db_ready || die "the database did not come up; see: docker service ps ${DEMO_STACK}_db"
	db=$(running db)
	docker exec -i "$db" psql -q -U postgres -v ON_ERROR_STOP=1 >/dev/null <<-'EOF' || die "writing the demo table failed"
		CREATE TABLE IF NOT EXISTS demo_notes (id serial PRIMARY KEY, note text, at timestamptz DEFAULT now());
		INSERT INTO demo_notes (note) VALUES ('written before the backup');
	EOF
	t0=$(date +%s)
	say "a table demo_notes is in the database; waiting for the next scheduled backup"
	if ! wait_for "$DEMO_TIMEOUT" backup_ok_since "$t0"; then
		docker service logs --tail 30 "${DEMO_STACK}_db-backup" 2>&1 | show
		die "no successful backup within ${DEMO_TIMEOUT}s (status: $(status_field message 2>/dev/null || echo none))"
	fi
	agent=$(running db-backup)
	say "backup done: $(status_field message)"
	echo
	docker exec "$agent" runrestic snapshots
	cat <<-EOF

		What runs now (stack $DEMO_STACK):
		  ${DEMO_STACK}_db          PostgreSQL; the pre-hook dumps it to /dump/db.sql, the post-hook removes the dump
		  ${DEMO_STACK}_db-backup   rds-agent, a backup on RUN_AT='$RUN_AT'; healthy while backups succeed
		  ${DEMO_STACK}_server      rds-server: sshd with chroot SFTP, the repository in volume ${DEMO_STACK}_repositories
		$([ "$OURS" = 1 ] && echo "Use this swarm with:  export DOCKER_HOST=$DOCKER_HOST")

		Look around:
		  docker service logs ${DEMO_STACK}_db-backup
		  docker exec -it \$(docker ps -q -f name=${DEMO_STACK}_db-backup) sh      # help, status, runrestic
		  docker exec \$(docker ps -q -f name=${DEMO_STACK}_server) rds-server info

		Restore the database from the latest snapshot:
		  agent=\$(docker ps -q -f name=${DEMO_STACK}_db-backup); db=\$(docker ps -q -f label=com.docker.swarm.service.name=${DEMO_STACK}_db)
		  docker exec "\$agent" runrestic restore latest --host ${DEMO_STACK}_db --target /tmp/restore
		  docker exec "\$agent" cat /tmp/restore/backup/db.sql > db.sql
		  docker exec "\$db" psql -U postgres -c 'DROP TABLE demo_notes'
		  docker exec -i "\$db" psql -U postgres < db.sql
		  docker exec "\$db" psql -U postgres -c 'SELECT * FROM demo_notes'

		Tear it all down (stack, volumes, secrets$([ "$OURS" = 1 ] && echo ", the private swarm")):
		  bash scripts/demo.sh down        (or: make demo-down)
	EOF
}

down() {
	local s n
	if DOCKER_HOST=${DOCKER_HOST:-unix://$RDS_DOCKER_SOCK} is_manager; then
		export DOCKER_HOST=${DOCKER_HOST:-unix://$RDS_DOCKER_SOCK}
	elif DOCKER_HOST=unix:///var/run/docker.sock is_manager; then
		export DOCKER_HOST=unix:///var/run/docker.sock
	else
		say "no swarm answers: nothing to remove there"
		DOCKER_HOST=
	fi
	if [ -n "$DOCKER_HOST" ]; then
		docker stack rm "$DEMO_STACK" >/dev/null 2>&1 || true
		gone() { [ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$DEMO_STACK")" ] &&
			[ -z "$(docker network ls -q --filter "label=com.docker.stack.namespace=$DEMO_STACK")" ]; }
		wait_for 90 gone || say "warning: stack $DEMO_STACK still has containers or networks"
		for n in $(docker volume ls -q --filter "label=com.docker.stack.namespace=$DEMO_STACK"); do
			docker volume rm "$n" >/dev/null || say "warning: volume $n not removed"
		done
		for s in "${SECRETS[@]}"; do
			docker secret rm "$s" >/dev/null 2>&1 || true
		done
		say "stack $DEMO_STACK, its volumes and secrets removed"
	fi
	if dockerd_pid >/dev/null || [ -e "/run/netns/$RDS_DOCKER_NETNS" ]; then
		dockerd_down || die "the private dockerd did not stop cleanly"
		say "private swarm stopped"
	fi
	rm -rf "$DEMO_DIR" "$RDS_DOCKER_STATE"
	say "removed $DEMO_DIR"
}

case ${1:-up} in
up) up ;;
down) down ;;
-h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "usage: $0 [up|down]" ;;
esac

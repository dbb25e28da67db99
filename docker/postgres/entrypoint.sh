#!/bin/sh
# rds-postgres: entrypoint of rds-test/postgres. As root it prepares PGDATA
# and re-executes itself as user postgres; then it runs initdb once (local
# connections trusted, network ones need POSTGRES_PASSWORD[_FILE]) and execs
# postgres in the foreground, listening on the container's network.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /run/postgresql
	chown postgres:postgres "$PGDATA" /run/postgresql
	chmod 0700 "$PGDATA"
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

# A function has its own "$@": the arguments stay for postgres.
init_cluster() {
	pw=${POSTGRES_PASSWORD:-}
	if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
		pw=$(cat "$POSTGRES_PASSWORD_FILE")
	fi
	set -- --auth-local=trust --auth-host=scram-sha-256
	pwfile=
	if [ -n "$pw" ]; then
		pwfile=$(mktemp)
		printf '%s\n' "$pw" >"$pwfile"
		set -- "$@" --pwfile="$pwfile"
	fi
	initdb -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 "$@" >/dev/null
	[ -z "$pwfile" ] || rm -f "$pwfile"
	# initdb lets the network in from loopback only; with a password, from
	# the container network too.
	[ -z "$pw" ] || echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
	echo "rds-postgres: initialised $PGDATA"
}

[ -s "$PGDATA/PG_VERSION" ] || init_cluster
exec postgres -D "$PGDATA" -c listen_addresses='*' -c jit=off "$@"

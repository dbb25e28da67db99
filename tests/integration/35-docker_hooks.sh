#!/bin/bash
# Hooks on the real private swarm (tests/lib/dockerd.sh): a hook runs in
# exactly one of two replicas, output comes back per stream, exit codes come
# back, a prefix of a name, a service with no task and a hook that overruns
# its timeout are each a clear error. The daemon stays up for the next
# scenario; tests/integration/docker_down.sh stops it.
# It drives rds-hook, the agent's Docker API helper, directly.
#   BUILD=dir bash tests/integration/35-docker_hooks.sh   (binaries in dir)
#   VALGRIND=1 ... runs rds-hook under valgrind.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"

HOOK=("$BIN/rds-hook")
if [ -n "${VALGRIND:-}" ]; then
	HOOK=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "${HOOK[@]}")
fi
OUT=$(mktemp -d)
at_exit "rm -rf '$OUT'"

if [ ! -x "$BIN/rds-hook" ]; then
	not_ok "rds-hook built" "$BIN/rds-hook missing (make BUILD=$BUILD)"
	exit 1
fi
dockerd_up || { not_ok "private dockerd in swarm mode is up"; exit 1; }
ok "private dockerd in swarm mode is up ($DOCKER_HOST)"
dockerd_busybox_image || { not_ok "busybox image"; exit 1; }

SERVICES=(rdst_db rdst_db2 rdst_zero)
dk service rm "${SERVICES[@]}" >/dev/null 2>&1
at_exit "dk service rm ${SERVICES[*]}"
dk service create -d -q --name rdst_db --replicas 2 "$RDS_BUSYBOX_IMAGE" >/dev/null 2>&1 &&
	dk service create -d -q --name rdst_db2 "$RDS_BUSYBOX_IMAGE" >/dev/null 2>&1 &&
	dk service create -d -q --name rdst_zero --replicas 0 "$RDS_BUSYBOX_IMAGE" >/dev/null 2>&1 ||
	{ not_ok "services created"; exit 1; }

# Container ids of a service's running tasks (by the label swarm sets).
containers() { dk ps -q --no-trunc -f "label=com.docker.swarm.service.name=$1" -f status=running; }
tasks_running() {
	[ "$(dk service ps -f desired-state=running --format '{{.CurrentState}}' "$1" | grep -c '^Running')" = "$2" ] &&
		[ "$(containers "$1" | wc -l)" = "$2" ]
}
wait_for 90 tasks_running rdst_db 2 && wait_for 90 tasks_running rdst_db2 1 ||
	{ not_ok "replicas running" "$(dk service ps rdst_db rdst_db2 2>&1)"; exit 1; }
ok "rdst_db has 2 running replicas, rdst_db2 1"

# hook SERVICE TIMEOUT_MS CMD...: runs rds-hook; $OUT/out (its tagged lines:
# "1 ..." stdout, "2 ..." stderr, "R ..." result, "E ..." error), $OUT/err, $rc.
hook() {
	"${HOOK[@]}" "$1" "$2" -- "${@:3}" >"$OUT/out" 2>"$OUT/err"
	rc=$?
}
# The number of "ran" lines in /tmp/hookcount of one container.
count_in() { dk exec "$1" sh -c 'cat /tmp/hookcount 2>/dev/null' | grep -c '^ran$'; }

HOOKCMD=(sh -c 'echo ran >> /tmp/hookcount; echo out; echo err >&2')
hook rdst_db 20000 "${HOOKCMD[@]}"
if [ "$rc" = 0 ]; then ok "hook in rdst_db exits 0"; else not_ok "hook in rdst_db exits 0" "rc=$rc $(cat "$OUT/out" "$OUT/err")"; fi
check "stdout line comes back as stdout" grep -qx '1 out' "$OUT/out"
check "stderr line comes back as stderr" grep -qx '2 err' "$OUT/out"
chosen=$(sed -n 's/^R exit=0 container=\([0-9a-f]*\) .*/\1/p' "$OUT/out")
total=0 in_chosen=0
for c in $(containers rdst_db); do
	n=$(count_in "$c")
	total=$((total + n))
	[ "$c" = "$chosen" ] && in_chosen=$n
done
if [ "$total" = 1 ] && [ "$in_chosen" = 1 ]; then
	ok "the hook ran in exactly one of the 2 replicas, the one reported"
else
	not_ok "the hook ran in exactly one of the 2 replicas" "total=$total in reported ($chosen)=$in_chosen"
fi

hook rdst_db 20000 "${HOOKCMD[@]}"
again=$(sed -n 's/^R exit=0 container=\([0-9a-f]*\) .*/\1/p' "$OUT/out")
if [ -n "$chosen" ] && [ "$again" = "$chosen" ] && [ "$(count_in "$chosen")" = 2 ]; then
	ok "a second run picks the same replica (lowest slot)"
else
	not_ok "a second run picks the same replica" "first=$chosen second=$again"
fi

hook rdst_db2 20000 "${HOOKCMD[@]}"
other=$(sed -n 's/^R exit=0 container=\([0-9a-f]*\) .*/\1/p' "$OUT/out")
if [ "$rc" = 0 ] && [ "$other" = "$(containers rdst_db2)" ]; then
	ok "rdst_db2 (sharing the prefix) is a different service"
else
	not_ok "rdst_db2 hook ran in rdst_db2" "rc=$rc container=$other $(cat "$OUT/out" "$OUT/err")"
fi

hook rdst_db 20000 sh -c 'exit 7'
if [ "$rc" = 0 ] && grep -q '^R exit=7 ' "$OUT/out"; then ok "exit code 7 comes back"; else not_ok "exit code 7 comes back" "rc=$rc $(cat "$OUT/out" "$OUT/err")"; fi

hook rdst_db 20000 nosuchcommand
if [ "$rc" = 0 ] && grep -q '^R exit=126 ' "$OUT/out" && grep -q 'executable file not found' "$OUT/out"; then
	ok "a missing command: exit code 126 and the daemon's message"
else
	not_ok "a missing command" "rc=$rc $(cat "$OUT/out" "$OUT/err")"
fi

hook rdst_d 20000 true
if [ "$rc" = 3 ] && grep -q "service 'rdst_d' not found (names must be complete, including the stack prefix" "$OUT/out" &&
	grep -q 'services with that prefix: rdst_db, rdst_db2' "$OUT/out"; then
	ok "a prefix of a name is 'not found', listing the near names"
else
	not_ok "a prefix of a name is 'not found'" "rc=$rc $(cat "$OUT/out" "$OUT/err")"
fi

hook rdst_zero 20000 true
if [ "$rc" = 3 ] && grep -q "service 'rdst_zero' has no running task" "$OUT/out"; then
	ok "a service with 0 replicas: 'no running task'"
else
	not_ok "a service with 0 replicas: 'no running task'" "rc=$rc $(cat "$OUT/out" "$OUT/err")"
fi

start=$(date +%s%N)
hook rdst_db 1000 sleep 30
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" = 3 ] && grep -q "timed out after 1 s; the command may still be running in the container" "$OUT/out"; then
	ok "sleep 30 with a 1000 ms timeout: timed-out error"
else
	not_ok "sleep 30 with a 1000 ms timeout: timed-out error" "rc=$rc $(cat "$OUT/out" "$OUT/err")"
fi
# valgrind slows start-up, not the deadline
limit=2500
[ -n "${VALGRIND:-}" ] && limit=6000
if [ "$ms" -lt "$limit" ]; then ok "... after $ms ms (< $limit)"; else not_ok "timed out promptly" "took $ms ms"; fi

DOCKER_HOST=unix:///nonexistent/docker.sock hook rdst_db 1000 true
if [ "$rc" = 3 ] && grep -q 'DOCKER_HOST unix:///nonexistent/docker.sock: cannot connect: No such file or directory' "$OUT/out"; then
	ok "no daemon: the error names DOCKER_HOST"
else
	not_ok "no daemon: the error names DOCKER_HOST" "rc=$rc $(cat "$OUT/out" "$OUT/err")"
fi

"$BIN/rds-hook" rdst_db 1000 true >"$OUT/out" 2>"$OUT/err"
rc=$?
[ "$rc" = 2 ] && grep -q "usage: rds-hook" "$OUT/err" && ok "rds-hook without '--' before the command: usage, exit 2" ||
	not_ok "rds-hook usage" "rc=$rc $(cat "$OUT/err")"

#!/usr/bin/env bash
# The README's first command, `make demo` (scripts/demo.sh), as a newcomer
# runs it: a private swarm in its own network namespace, the images built
# there from scratch, the example stack, a backup; then the restore it
# prints, followed literally; then `demo.sh down` leaves nothing behind.
#   bash tests/e2e/demo.sh
source "$(dirname "$0")/../lib/harness.sh"
D=$(mktemp -d /tmp/rds-demo-test.XXXXXX)
at_exit "rm -rf '$D'"
# Whatever happens, the demo's daemon and namespace go away.
at_exit "bash '$RDS_ROOT/scripts/demo.sh' down"
unset DOCKER_HOST
DEMO_SOCK=/run/rds-demo/docker.sock

t0=$SECONDS
if RUN_AT='*/10 * * * * *' DEMO_TIMEOUT=180 bash "$RDS_ROOT/scripts/demo.sh" >"$D/demo.log" 2>&1; then
	ok "scripts/demo.sh: private swarm, images, stack, a backup ($((SECONDS - t0))s)"
else
	not_ok "scripts/demo.sh"
	show "$D/demo.log"
	exit 1
fi
grep -Eq "^[0-9a-f]{8} .* rds_db +rds,service=rds_db +/backup" "$D/demo.log" &&
	ok "it prints the snapshots (host rds_db, tags rds,service=rds_db)" || { not_ok "snapshots printed"; show "$D/demo.log"; }
grep -q "export DOCKER_HOST=unix://$DEMO_SOCK" "$D/demo.log" && grep -q "bash scripts/demo.sh down" "$D/demo.log" &&
	ok "it prints how to reach the swarm and how to tear down" || not_ok "reach and tear-down printed"

# The restore as printed, line by line (the \$ of the text are the shell's).
export DOCKER_HOST=unix://$DEMO_SOCK
sed -n '/^Restore the database/,/^$/p' "$D/demo.log" | sed '1d;/^$/d;s/^ *//' >"$D/restore.sh"
[ "$(wc -l <"$D/restore.sh")" -ge 5 ] || { not_ok "restore steps found in the output"; show "$D/demo.log"; exit 1; }
(cd "$D" && bash -e "$D/restore.sh") >"$D/restore.out" 2>&1
grep -q "written before the backup" "$D/restore.out" &&
	ok "the printed restore steps bring the dropped table back" || { not_ok "printed restore steps"; show "$D/restore.out"; }

srv=$(docker ps -q -f label=com.docker.swarm.service.name=rds_server)
docker exec "$srv" rds-server info >"$D/info.txt" 2>&1
grep -q "^1 repository" "$D/info.txt" && ok "the server lists the repository" || { not_ok "rds-server info"; show "$D/info.txt"; }
unset DOCKER_HOST

if bash "$RDS_ROOT/scripts/demo.sh" down >"$D/down.log" 2>&1; then
	ok "scripts/demo.sh down"
else
	not_ok "scripts/demo.sh down"
	show "$D/down.log"
fi
left=""
[ -e /run/netns/rds-demo ] && left+="netns "
[ -e /var/lib/rds-demo ] && left+="/var/lib/rds-demo "
[ -e /run/rds-demo ] && left+="/run/rds-demo "
grep -q rds-demo /proc/mounts && left+="mounts "
iptables -t nat -S POSTROUTING 2>/dev/null | grep -q 10.232.1.0 && left+="nat-rule "
[ -z "$left" ] && ok "nothing of the demo is left (daemon, namespace, mounts, rules, files)" || not_ok "demo leftovers" "$left"

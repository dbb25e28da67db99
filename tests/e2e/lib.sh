# Sourced by tests/e2e/run.sh after tests/lib/harness.sh and dockerd.sh:
# the example stack on the private swarm, and what the test asks of it.
#   e2e_clean              remove the stack, wait until its containers and
#                          network are gone, then its volumes and secrets
#   e2e_leftovers          print what of the stack is still there
#   svc_ctrs SVC           running containers of service STACK_SVC
#   one_ctr SVC            the first of them (fails when there is none)
#   agent_status FIELD     a field of the agent's status file (via docker exec)
#   backup_ok_since T      the agent's last backup succeeded and started at or
#                          after epoch second T
# Settings: E2E_STACK (stack name, default rdse2e).
source "$RDS_ROOT/tests/lib/status.sh"
E2E_STACK=${E2E_STACK:-rdse2e}
E2E_SECRETS="$E2E_STACK-postgres-password $E2E_STACK-ssh-privkey $E2E_STACK-ssh-pubkey $E2E_STACK-repo-password $E2E_STACK-wrong-key"
E2E_LABEL="label=com.docker.stack.namespace=$E2E_STACK"

svc_ctrs() {
	docker ps -q --filter "label=com.docker.swarm.service.name=${E2E_STACK}_$1" --filter status=running
}

one_ctr() {
	local c
	c=$(svc_ctrs "$1" | head -n 1)
	[ -n "$c" ] && echo "$c"
}

n_running() { [ "$(svc_ctrs "$1" | wc -l)" -ge "$2" ]; }

agent_status() {
	local a
	a=$(one_ctr db-backup) || return 1
	docker exec "$a" cat /var/lib/rds/status.json 2>/dev/null | status_json_field "$1"
}

# FIELD of the status's OP section (check, prune, forget) in the agent.
agent_op_field() {
	local a
	a=$(one_ctr db-backup) || return 1
	docker exec "$a" cat /var/lib/rds/status.json 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; j=list(json.load(sys.stdin)["jobs"].values())[0]; o=j.get(sys.argv[1]) or {}; v=o.get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

backup_ok_since() {
	local start result
	start=$(agent_status last_start_epoch) && result=$(agent_status result) || return 1
	[ "$result" = ok ] && [ -n "$start" ] && [ "$start" -ge "$1" ]
}

stack_containers() { docker ps -aq --filter "$E2E_LABEL"; }
stack_gone() {
	[ -z "$(docker service ls -q --filter "$E2E_LABEL")" ] && [ -z "$(stack_containers)" ] &&
		[ -z "$(docker network ls -q --filter "$E2E_LABEL")" ]
}

e2e_leftovers() {
	local s
	docker service ls --filter "$E2E_LABEL" --format 'service {{.Name}}'
	docker ps -a --filter "$E2E_LABEL" --format 'container {{.Names}}'
	docker network ls --filter "$E2E_LABEL" --format 'network {{.Name}}'
	docker volume ls --filter "$E2E_LABEL" --format 'volume {{.Name}}'
	for s in $E2E_SECRETS; do
		docker secret inspect "$s" >/dev/null 2>&1 && echo "secret $s"
	done
	return 0
}

e2e_clean() {
	local s n
	docker stack rm "$E2E_STACK" >/dev/null 2>&1
	if ! wait_for 90 stack_gone; then
		# A network whose last container went away late stays behind.
		for n in $(docker network ls -q --filter "$E2E_LABEL"); do
			docker network rm "$n" >/dev/null 2>&1
		done
		wait_for 30 stack_gone || return 1
	fi
	# shellcheck disable=SC2046 # one name per word
	docker volume rm $(docker volume ls -q --filter "$E2E_LABEL") >/dev/null 2>&1
	for s in $E2E_SECRETS; do
		docker secret rm "$s" >/dev/null 2>&1
	done
	[ -z "$(e2e_leftovers)" ]
}

#!/usr/bin/env bash
# rds-agent's hooks without a Docker daemon (no dockerd, no sshd: `hook pre`
# contacts neither the SFTP server nor, here, a real Docker):
#   - DOCKER_TLS_VERIFY reaches rds-hook, whose refusal (TLS is not
#     supported) is what the user sees, not a bare connection error.
#   BUILD=dir bash tests/integration/25-agent_hooks_nodocker.sh
source "$(dirname "$0")/../lib/harness.sh"

AGENT=$BIN/rds-agent
T_DIR=$(mktemp -d /tmp/rds-it-hooks.XXXXXX)
at_exit "rm -rf '$T_DIR'"
[ -x "$AGENT" ] && [ -x "$BIN/rds-hook" ] || { not_ok "rds-agent and rds-hook are built in $BIN"; exit 1; }

# The agent's settings: throwaway secrets from tests/data, nothing contacted.
mkdir -p "$T_DIR/secrets" "$T_DIR/run" "$T_DIR/data"
echo "correct horse battery staple" >"$T_DIR/secrets/password"
cp "$RDS_ROOT/tests/data/sshkeys/id_throwaway" "$T_DIR/secrets/key" && chmod 0600 "$T_DIR/secrets/key"
cp "$RDS_ROOT/tests/data/sshkeys/known_hosts" "$T_DIR/secrets/known_hosts"

# agent_hook LOG VAR=VALUE...: execs `rds-agent hook pre` in a clean
# environment (run it in a subshell, or in the background to get its pid).
agent_hook() {
	local log=$1
	shift
	exec env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$T_DIR" SSH_HOST=127.0.0.1 SSH_PORT=22 REPO_PATH=repo \
		BACKUP_PATH="$T_DIR/data" SSH_PRIVKEY_FILE="$T_DIR/secrets/key" \
		SSH_KNOWN_HOSTS_FILE="$T_DIR/secrets/known_hosts" RESTIC_REPO_PASSWORD_FILE="$T_DIR/secrets/password" \
		STATUS_FILE="$T_DIR/status.json" RDS_RUN_DIR="$T_DIR/run" BACKUP_HOST=it-host SERVICE_NAME=x \
		"$@" "$AGENT" hook pre >"$log" 2>&1
}

# 1. DOCKER_TLS_VERIFY is passed to rds-hook, which refuses it by name.
(agent_hook "$T_DIR/tls.log" DOCKER_HOST=tcp://127.0.0.1:1 DOCKER_TLS_VERIFY=1 PRE_HOOK=true)
rc=$?
[ "$rc" = 1 ] && grep -q "DOCKER_TLS_VERIFY is set but TLS is not supported" "$T_DIR/tls.log" &&
	ok "DOCKER_TLS_VERIFY=1: the hook fails with rds-hook's message naming DOCKER_TLS_VERIFY" ||
	{ not_ok "DOCKER_TLS_VERIFY reaches rds-hook" "rc=$rc"; show "$T_DIR/tls.log"; }
! grep -q "cannot connect" "$T_DIR/tls.log" && ok "DOCKER_TLS_VERIFY=1: no connection is attempted" ||
	not_ok "DOCKER_TLS_VERIFY=1: no connection is attempted"
(agent_hook "$T_DIR/notls.log" DOCKER_HOST=tcp://127.0.0.1:1 PRE_HOOK=true)
grep -q "cannot connect" "$T_DIR/notls.log" && ! grep -q "DOCKER_TLS_VERIFY" "$T_DIR/notls.log" &&
	ok "without DOCKER_TLS_VERIFY the same hook gets as far as connecting" ||
	{ not_ok "without DOCKER_TLS_VERIFY"; show "$T_DIR/notls.log"; }

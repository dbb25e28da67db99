#!/usr/bin/env bash
# rds-agent's hooks without a Docker daemon (no dockerd, no sshd: `hook pre`
# contacts neither the SFTP server nor, here, a real Docker):
#   - DOCKER_TLS_VERIFY reaches rds-hook, whose refusal (TLS is not
#     supported) is what the user sees, not a bare connection error;
#   - while rds-hook waits on a Docker socket that accepts and never answers
#     (a python3 listener), the hook's text is in neither rds-hook's command
#     line (/proc/PID/cmdline: it gets the words on its stdin) or
#     environment, nor the agent's log (which names only the program and the
#     word count);
#   - rds-hook's stdin form itself: words accepted, malformed input refused.
#   BUILD=dir bash tests/integration/25-agent_hooks_nodocker.sh
source "$(dirname "$0")/../lib/harness.sh"

AGENT=$BIN/rds-agent
HOOKBIN=$BIN/rds-hook
T_DIR=$(mktemp -d /tmp/rds-it-hooks.XXXXXX)
at_exit "rm -rf '$T_DIR'"
SECRET="S3cret-$$-word"
[ -x "$AGENT" ] && [ -x "$HOOKBIN" ] || { not_ok "rds-agent and rds-hook are built in $BIN"; exit 1; }
command -v python3 >/dev/null || { not_ok "python3 is installed (the fake Docker socket)"; exit 1; }

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

# 2. A Docker socket that accepts and never answers: rds-hook waits on it.
SOCK=$T_DIR/docker.sock
python3 - "$SOCK" "$T_DIR/accepted" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(8)
held = []
while True:
    c, _ = s.accept()
    held.append(c)  # keep it open, never answer
    with open(sys.argv[2], "a") as f:
        f.write("accepted\n")
EOF
LISTENER=$!
at_exit "kill $LISTENER"
wait_for 10 test -S "$SOCK" || not_ok "fake Docker socket listens" "no $SOCK"

agent_hook "$T_DIR/wait.log" DOCKER_HOST="unix://$SOCK" HOOK_TIMEOUT=60s \
	PRE_HOOK="sh -c 'mysqldump -p$SECRET --all-databases > /dump/all.sql'" &
APID=$!
at_exit "kill $APID"
hook_pid() { pgrep -P "$APID" -x rds-hook; }
if wait_for 10 test -s "$T_DIR/accepted" && HPID=$(hook_pid); then
	ok "rds-hook started and connected to the silent socket (pid $HPID)"
	cmdline=$(tr '\0' ' ' <"/proc/$HPID/cmdline")
	case "$cmdline" in
	*"$SECRET"* | *mysqldump*) not_ok "the hook's words are not in rds-hook's command line" "$cmdline" ;;
	*) ok "the hook's words are not in rds-hook's command line ($cmdline)" ;;
	esac
	! tr '\0' '\n' <"/proc/$HPID/environ" | grep -q -e "$SECRET" -e mysqldump &&
		ok "nor in its environment" || not_ok "the hook's words are not in rds-hook's environment"
	# The long-lived agent blanks PRE_HOOK in its own environment block.
	! tr '\0' '\n' <"/proc/$APID/environ" | grep -q -e "$SECRET" -e mysqldump &&
		tr '\0' '\n' <"/proc/$APID/environ" | grep -qx "PRE_HOOK=" &&
		ok "nor in the agent's /proc/PID/environ (PRE_HOOK= is blank there)" ||
		not_ok "the hook's words are not in the agent's environ" "$(tr '\0' '\n' <"/proc/$APID/environ" | grep PRE_HOOK)"
else
	not_ok "rds-hook started and connected to the silent socket"
	show "$T_DIR/wait.log"
fi
grep -q "pre-hook: running sh (3 words) in service x" "$T_DIR/wait.log" &&
	ok "the log names the program and the word count" || { not_ok "log line for the hook"; show "$T_DIR/wait.log"; }
kill -TERM "$APID"
if wait_for 10 eval '! kill -0 $APID'; then
	wait "$APID"
	rc=$?
	[ "$rc" = 1 ] && ok "SIGTERM while the hook waits: the agent ends, exit 1" || not_ok "agent exit after SIGTERM" "rc=$rc"
else
	not_ok "SIGTERM while the hook waits: the agent ends"
fi
grep -q "pre-hook failed: .*(stopped)" "$T_DIR/wait.log" && ok "the log says the hook was stopped" ||
	{ not_ok "the log says the hook was stopped"; show "$T_DIR/wait.log"; }
! grep -q -e "$SECRET" -e mysqldump "$T_DIR/wait.log" && ok "the hook's text is not in the agent's log" ||
	{ not_ok "the hook's text is not in the agent's log"; show "$T_DIR/wait.log"; }

# 3. rds-hook's stdin form directly: NUL-terminated words, bounded, checked.
printf 'sh\0-c\0exit 0\0' | DOCKER_HOST=tcp://127.0.0.1:1 "$HOOKBIN" x 1000 --stdin >"$T_DIR/h1.out" 2>"$T_DIR/h1.err"
rc=$?
[ "$rc" = 3 ] && grep -q "^E .*cannot connect" "$T_DIR/h1.out" &&
	ok "rds-hook --stdin takes the words and goes on to Docker (E line, exit 3)" ||
	{ not_ok "rds-hook --stdin with good words" "rc=$rc"; show "$T_DIR/h1.out" "$T_DIR/h1.err"; }
printf 'sh\0-c\0no final NUL' | DOCKER_HOST=tcp://127.0.0.1:1 "$HOOKBIN" x 1000 --stdin >"$T_DIR/h2.out" 2>"$T_DIR/h2.err"
rc=$?
[ "$rc" = 2 ] && grep -q "usage: rds-hook" "$T_DIR/h2.err" && [ ! -s "$T_DIR/h2.out" ] &&
	ok "rds-hook --stdin: words not ended by NUL: usage, exit 2 ($(head -n1 "$T_DIR/h2.err"))" ||
	{ not_ok "rds-hook --stdin malformed" "rc=$rc"; show "$T_DIR/h2.out" "$T_DIR/h2.err"; }
DOCKER_HOST=tcp://127.0.0.1:1 "$HOOKBIN" x 1000 --stdin </dev/null >"$T_DIR/h3.out" 2>"$T_DIR/h3.err"
rc=$?
[ "$rc" = 2 ] && grep -q "usage: rds-hook" "$T_DIR/h3.err" && ok "rds-hook --stdin with no words: usage, exit 2" ||
	{ not_ok "rds-hook --stdin empty" "rc=$rc"; show "$T_DIR/h3.err"; }
head -c 70000 /dev/zero | tr '\0' 'a' | DOCKER_HOST=tcp://127.0.0.1:1 "$HOOKBIN" x 1000 --stdin >"$T_DIR/h4.out" 2>"$T_DIR/h4.err"
rc=$?
[ "$rc" = 2 ] && grep -q "usage: rds-hook" "$T_DIR/h4.err" && ok "rds-hook --stdin: more than the bound: usage, exit 2" ||
	{ not_ok "rds-hook --stdin too long" "rc=$rc"; show "$T_DIR/h4.err"; }

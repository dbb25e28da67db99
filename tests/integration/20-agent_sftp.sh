#!/usr/bin/env bash
# rds-agent and runrestic against a real sshd (chroot internal-sftp) and real
# restic: one-shot backups, parent snapshot found, restore byte for byte,
# and the faults: wrong host key, refused key, server down, stale lock.
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
echo "# restic: $($RESTIC_BINARY version 2>&1 | head -n1); agent: ${AGENT_WRAP:-plain} $BIN"

sshd_start || { not_ok "sshd started"; exit 1; }
agent_env repo1
make_data "$BACKUP_PATH"

# 1. First one-shot backup: creates the repository, records the result.
agent_run "$T_DIR/a1.log" && ok "first one-shot backup exits 0" || { not_ok "first one-shot backup exits 0"; show "$T_DIR/a1.log"; }
grep -q "initialising it" "$T_DIR/a1.log" && ok "missing repository is initialised" || not_ok "missing repository is initialised"
grep -q "backup done: snapshot [0-9a-f]\{8\}" "$T_DIR/a1.log" && ok "log names the snapshot" || not_ok "log names the snapshot"
grep -q "0600 copy" "$T_DIR/a1.log" && ok "0444 key secret: warning and private copy" || not_ok "0444 key secret: warning and private copy"
[ "$(stat -c %a "$RDS_RUN_DIR/ssh-key")" = 600 ] && ok "key copy is 0600" || not_ok "key copy is 0600"
[ "$(status_field result)" = ok ] && ok "status file says ok" || not_ok "status file says ok"
snap1=$(status_field snapshot_id)
[ -n "$snap1" ] && [ "$snap1" != None ] && ok "status file has the snapshot id" || not_ok "status file has the snapshot id"
! grep -q "correct horse" "$T_DIR/a1.log" && ok "no password in the log" || not_ok "no password in the log"

# 2. Second backup: same --host, so restic finds the parent; no re-init.
echo "changed" >"$BACKUP_PATH/new-file.txt"
agent_run "$T_DIR/a2.log" && ok "second backup exits 0" || { not_ok "second backup exits 0"; show "$T_DIR/a2.log"; }
! grep -q "initialising" "$T_DIR/a2.log" && ok "existing repository is not re-initialised" || not_ok "existing repository is not re-initialised"
grep -Eq "backup done: .* 1 new, [0-9]+ changed, [1-9][0-9]* unmodified" "$T_DIR/a2.log" &&
	ok "second backup used the parent (unmodified files)" || { not_ok "second backup used the parent"; show "$T_DIR/a2.log"; }
[ "$(snapshots_count repo1)" = 2 ] && ok "two snapshots in the repository" || not_ok "two snapshots in the repository"
hosts=$(restic_direct repo1 snapshots --json | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(set(s["hostname"] for s in json.load(sys.stdin)))))')
[ "$hosts" = it-host ] && ok "snapshots carry the stable --host" || not_ok "snapshots carry the stable --host" "got $hosts"

# 3. runrestic: help, restore, exit code.
runrestic >"$T_DIR/help.txt" 2>&1
grep -q -- "--password-file $RESTIC_REPO_PASSWORD_FILE" "$T_DIR/help.txt" && ! grep -q "correct horse" "$T_DIR/help.txt" &&
	ok "runrestic without arguments shows the default command, not the password" || { not_ok "runrestic help"; show "$T_DIR/help.txt"; }
runrestic restore latest --host it-host --target "$T_DIR/restore" >"$T_DIR/restore.log" 2>&1 &&
	ok "runrestic restore exits 0" || { not_ok "runrestic restore exits 0"; show "$T_DIR/restore.log"; }
diff -r "$BACKUP_PATH" "$T_DIR/restore$BACKUP_PATH" >/dev/null && ok "restored tree is byte-identical" || not_ok "restored tree is byte-identical"
! grep -q "0600 copy" "$T_DIR/restore.log" && ok "runrestic does not repeat the agent's key-mode warning" ||
	not_ok "runrestic key-mode warning" "$(head -n 3 "$T_DIR/restore.log")"
runrestic snapshots --bogus-flag >/dev/null 2>&1
rc=$?
[ "$rc" != 0 ] && ok "runrestic passes restic's exit code ($rc)" || not_ok "runrestic passes restic's exit code"
runrestic -r other-repo init >/dev/null 2>&1 && [ -f "$REPO_ROOT/other-repo/config" ] &&
	ok "runrestic -r picks another repository on the same server" || not_ok "runrestic -r"

# 3b. -e arguments are backup flags: a first backup into a NEW repository
# with --exclude initialises it (init gets no -e), the excluded file is not in
# the snapshot, and runrestic ignores them.
EXTRA_ARGS="-e --exclude=numbers.txt" REPO_PATH=repo-excl agent_run "$T_DIR/ex.log" &&
	grep -q "initialising it" "$T_DIR/ex.log" &&
	ok "-e --exclude: first backup into a new repository initialises it and succeeds" ||
	{ not_ok "-e --exclude: first backup into a new repository"; show "$T_DIR/ex.log"; }
restic_direct repo-excl ls latest >"$T_DIR/ex.ls" 2>&1
grep -q "/file-1.bin$" "$T_DIR/ex.ls" && ! grep -q "numbers.txt" "$T_DIR/ex.ls" &&
	ok "-e --exclude: the snapshot lacks the excluded file and has the others" ||
	{ not_ok "-e --exclude: snapshot content"; show "$T_DIR/ex.ls"; }
EXTRA_ARGS="-e --exclude=numbers.txt" REPO_PATH=repo-excl runrestic snapshots >"$T_DIR/ex.snap" 2>&1 &&
	grep -q it-host "$T_DIR/ex.snap" && ok "-e --exclude: runrestic snapshots still works" ||
	{ not_ok "-e --exclude: runrestic snapshots"; show "$T_DIR/ex.snap"; }

# 3c. runrestic: the real reason when a setting cannot reach restic, and the
# agent's environment only (a stray RESTIC_PASSWORD_COMMAND or
# RESTIC_REPOSITORY_FILE would make restic refuse its own -r/--password-file).
cp "$SSH_KNOWN_HOSTS_FILE" "$T_DIR/kh%h"
SSH_KNOWN_HOSTS_FILE="$T_DIR/kh%h" runrestic snapshots >"$T_DIR/rr-bad.log" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "SSH_KNOWN_HOSTS_FILE" "$T_DIR/rr-bad.log" && ! grep -q "out of memory" "$T_DIR/rr-bad.log" &&
	ok "runrestic names the setting restic cannot take (exit 2)" || { not_ok "runrestic names the setting (rc=$rc)"; show "$T_DIR/rr-bad.log"; }
RESTIC_PASSWORD_COMMAND="echo wrong" RESTIC_REPOSITORY_FILE=/nonexistent RESTIC_PASSWORD=wrong \
	RESTIC_REPOSITORY=/nonexistent runrestic snapshots >"$T_DIR/rr-env.log" 2>&1 && grep -q it-host "$T_DIR/rr-env.log" &&
	ok "runrestic does not pass stray RESTIC_* variables to restic" || { not_ok "runrestic environment"; show "$T_DIR/rr-env.log"; }

# 3d. SSH_HOST as an IPv6 literal (bare, or user@[...] for runrestic).
if [ -n "$SSHD_IPV6" ]; then
	SSH_HOST=::1 agent_run "$T_DIR/v6.log" && grep -q "backup done" "$T_DIR/v6.log" &&
		ok "backup with SSH_HOST=::1 succeeds" || { not_ok "backup with SSH_HOST=::1"; show "$T_DIR/v6.log"; }
	grep -q "Accepted publickey for restic from ::1" "$SSHD_LOG" && ok "the backup connected over IPv6" ||
		{ not_ok "the backup connected over IPv6"; show "$SSHD_LOG"; }
	SSH_HOST="restic@[::1]" runrestic snapshots >"$T_DIR/v6rr.log" 2>&1 && grep -q it-host "$T_DIR/v6rr.log" &&
		ok "runrestic with SSH_HOST=restic@[::1]" || { not_ok "runrestic with SSH_HOST=restic@[::1]"; show "$T_DIR/v6rr.log"; }
else
	ok "backup with SSH_HOST=::1 # skip no ::1 on the loopback interface"
fi

# 4. Wrong host key: failure, a clear line, failed status, nothing created.
cp "$SSH_KNOWN_HOSTS" "$T_DIR/good_known_hosts"
sshd_wrong_known_hosts "$SSH_KNOWN_HOSTS_FILE"
agent_run "$T_DIR/a3.log"
rc=$?
[ "$rc" = 1 ] && ok "wrong host key: exit 1" || not_ok "wrong host key: exit 1" "rc=$rc"
grep -qi "host key" "$T_DIR/a3.log" && ok "wrong host key: the log says so" || { not_ok "wrong host key: the log says so"; show "$T_DIR/a3.log"; }
[ "$(status_field result)" = failed ] && ok "wrong host key: status failed" || not_ok "wrong host key: status failed"
"$BIN/rds-agent" health >"$T_DIR/health.txt"; hrc=$?
[ "$hrc" = 1 ] && grep -q unhealthy "$T_DIR/health.txt" && ok "health is unhealthy after a failure" || not_ok "health after failure" "rc=$hrc"
cp "$T_DIR/good_known_hosts" "$SSH_KNOWN_HOSTS_FILE"

# 5. A key the server refuses.
sshd_other_key "$T_DIR/other_key"
cp "$T_DIR/other_key" "$SSH_PRIVKEY_FILE"
agent_run "$T_DIR/a4.log"
rc=$?
[ "$rc" = 1 ] && grep -qi "refused the key" "$T_DIR/a4.log" && ok "refused key: exit 1 and the log says the server refused the key" ||
	{ not_ok "refused key"; show "$T_DIR/a4.log"; }
cp "$SSH_KEY" "$SSH_PRIVKEY_FILE"

# 6. Stale lock left by a killed run: unlock, then success.
"$RESTIC_BINARY" version >/dev/null
# check takes an exclusive lock; a download limit keeps it busy long enough.
restic_direct repo1 --limit-download=100 check --read-data >/dev/null 2>&1 &
cpid=$!
if wait_for 20 has_locks repo1; then
	# restic itself (not just the shell around it), then its ssh.
	pkill -9 -f -- "--limit-download=100 check --read-data"
	pkill -9 -f "restic@127.0.0.1 -p $SSHD_PORT" 2>/dev/null
	wait "$cpid" 2>/dev/null
	[ "$(locks_count repo1)" -ge 1 ] && ok "a killed restic left a lock" || not_ok "a killed restic left a lock"
	# With a backup flag: the unlock must not get it.
	EXTRA_ARGS="-e --exclude=numbers.txt" agent_run "$T_DIR/a5.log" && ok "backup after a stale lock succeeds (with -e --exclude)" ||
		{ not_ok "backup after a stale lock succeeds"; show "$T_DIR/a5.log"; }
	grep -q "restic unlock" "$T_DIR/a5.log" && ok "stale lock: unlock was used" || not_ok "stale lock: unlock was used"
else
	wait "$cpid"
	not_ok "could not produce a stale lock (restic check was too fast)"
fi
[ "$(locks_count repo1)" = 0 ] && ok "no lock left in the repository" || not_ok "no lock left in the repository"

# 7. Server down: failed, clear message, healthy again after a good run.
port=$SSHD_PORT
export SSH_PORT=$(sshd_free_port 22300)
agent_run "$T_DIR/a6.log"
rc=$?
[ "$rc" = 1 ] && grep -qiE "connection refused|server" "$T_DIR/a6.log" && ok "server down: exit 1 with a clear line" ||
	{ not_ok "server down"; show "$T_DIR/a6.log"; }
[ "$(status_field result)" = failed ] && ok "server down: status failed" || not_ok "server down: status failed"
export SSH_PORT=$port
agent_run "$T_DIR/a7.log" && "$BIN/rds-agent" health >/dev/null && ok "after a good run health is 0 again" || not_ok "health after recovery"
exit 0

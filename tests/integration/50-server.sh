#!/usr/bin/env bash
# rds-server, the server image's entrypoint, run for real on this host (as
# root, no Docker) with every path pointed into a private directory: sshd
# comes up healthy; the known_hosts it writes lets real restic (0.14, and 0.18
# when cached) init, back up and restore over SFTP with strict host key
# checking; relative, /restic/... and REPO_ROOT/... paths all land in
# REPO_ROOT; host keys survive a restart; SIGTERM stops sshd and open
# sessions quickly; a foreign key, forwarding and a shell are refused; secrets
# that are not public keys are skipped without their content in the log;
# no-key and no-name starts warn; bad settings exit 2 with one line; `info`
# lists the repositories; SIGHUP re-reads the secrets; a locked account is
# unlocked.
#   BUILD=dir bash tests/integration/50-server.sh
#   SRV_WRAP="valgrind -q --error-exitcode=99 --leak-check=full" to run the
#   long-lived server under a checker (its exit status is asserted).
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/sshd.sh" # sshd_ensure_user, sshd_banner_ok, sshd_descendants

SRV=$BIN/rds-server
RESTIC014=${RESTIC_BINARY:-restic}
R018=${RDS_CACHE:-/var/cache/rds}/restic-0.18
SRV_BASE=/var/lib/rds-srv-test
LOCKED_USER=rds-srv-locked

[ "$(id -u)" = 0 ] || { not_ok "runs as root (sshd and chroot need it)"; exit 1; }
[ -x "$SRV" ] || { not_ok "$SRV is built"; exit 1; }
sshd_ensure_user || { not_ok "system user restic exists"; exit 1; }
echo "# $($SRV --version); restic: $($RESTIC014 version | head -n1)"

SRV_PORT_FIRST=22400 # sshd.sh's scenarios use 22220-22319
source "$RDS_ROOT/tests/lib/server.sh"
srv_dir || exit 1

# The server's settings, all inside $D (SRV_DIR may point elsewhere).
srv_env() {
	local dir=$1
	export HOST_KEY_DIR=$dir/host_keys REPO_ROOT=$dir/chroot/restic SECRETS_DIR=$dir/secrets
	export KNOWN_HOSTS_FILE=$dir/known/known_hosts AUTHORIZED_KEYS_DIR=$dir/etc/authorized_keys
	export SSHD_CONFIG=$dir/etc/sshd_config STOP_TIMEOUT=3s
	export SWARM_SERVICE=127.0.0.1 EXTRA_HOST_NAMES="localhost, rds-test.invalid"
	unset SSH_USER HOST_KEY_TYPES LOG_FORMAT
}

CLIENT=$D/client
mkdir -p "$CLIENT" "$D/secrets" "$D/data/sub"
chmod 0700 "$CLIENT"
ssh-keygen -q -t ed25519 -N '' -C rds-agent-test -f "$CLIENT/id" || exit 1
ssh-keygen -q -t ed25519 -N '' -C rds-other -f "$CLIENT/other" || exit 1
ssh-keygen -q -t ecdsa -N '' -C rds-second -f "$CLIENT/second" || exit 1
echo "correct horse battery staple" >"$CLIENT/password"
# The secrets, as Docker mounts them (0444): the agent's key, a password and
# a private key that does not belong here.
install -m 0444 "$CLIENT/id.pub" "$D/secrets/restic-ssh-pubkey"
install -m 0444 "$CLIENT/password" "$D/secrets/restic-repo-password"
install -m 0444 "$RDS_ROOT/tests/data/sshkeys/id_throwaway" "$D/secrets/restic-ssh-privkey"
head -c 3000 /dev/urandom >"$D/data/random.bin"
seq 1 5000 >"$D/data/sub/numbers.txt"
echo "héllo" >"$D/data/sub/utf8 name.txt"

srv_env "$D"
LOG1=$D/server1.log
srv_start "$LOG1" && ok "rds-server starts and sshd answers" || { not_ok "rds-server starts"; show "$LOG1"; exit 1; }
PORT=$SSHD_PORT
KH=$D/known/known_hosts

# 1. Health, keys, modes, known_hosts.
out=$("$SRV" health)
[ $? = 0 ] && ok "health: 0 ($out)" || not_ok "health: 0" "$out"
grep -q "authorized key from secret restic-ssh-pubkey: ssh-ed25519 256 bits 'rds-agent-test' SHA256:" "$LOG1" &&
	ok "the agent key is logged with type, comment and fingerprint" || { not_ok "agent key logged"; show "$LOG1"; }
fp=$(ssh-keygen -lf "$CLIENT/id.pub" | cut -d' ' -f2)
grep -q "$fp" "$LOG1" && ok "the logged fingerprint is ssh-keygen's ($fp)" || not_ok "fingerprint matches ssh-keygen"
grep -q "secret restic-repo-password is not an SSH public key file (line 1: not an SSH public key line); skipped" "$LOG1" &&
	ok "the password secret is reported as skipped" || not_ok "password secret skipped"
grep -q "secret restic-ssh-privkey is a PRIVATE key" "$LOG1" && ok "the private key secret is reported as skipped" ||
	not_ok "private key skipped"
leak=0
while read -r line; do
	case $line in -----*) continue ;; esac
	grep -qF -- "$line" "$LOG1" && leak=1
done <"$RDS_ROOT/tests/data/sshkeys/id_throwaway"
grep -q "horse" "$LOG1" && leak=1
[ "$leak" = 0 ] && ok "neither the private key nor the password appears in the log" || not_ok "secret content in the log"
[ "$(stat -c '%U %a' "$HOST_KEY_DIR")" = "root 700" ] && ok "HOST_KEY_DIR is root 0700" || not_ok "HOST_KEY_DIR mode" "$(stat -c '%U %a' "$HOST_KEY_DIR")"
[ "$(stat -c '%U %a' "$HOST_KEY_DIR"/ssh_host_ed25519_key "$HOST_KEY_DIR"/ssh_host_ecdsa_key | sort -u)" = "root 600" ] &&
	ok "private host keys (ed25519, ecdsa) are root 0600" || not_ok "private host key modes"
[ "$(stat -c '%U %a' "$AUTHORIZED_KEYS_DIR/restic")" = "root 644" ] && ok "authorized_keys is root 0644, outside the chroot" ||
	not_ok "authorized_keys mode"
[ "$(stat -c '%U %a' "$REPO_ROOT")" = "restic 700" ] && ok "REPO_ROOT is restic's, 0700" || not_ok "REPO_ROOT owner" "$(stat -c '%U %a' "$REPO_ROOT")"
grep -q "^\[127.0.0.1\]:$PORT ssh-ed25519 " "$KH" && grep -q "^\[localhost\]:$PORT ecdsa-sha2-nistp256 " "$KH" &&
	grep -q "^\[rds-test.invalid\]:$PORT ssh-ed25519 " "$KH" && ok "known_hosts: [name]:$PORT lines for every name and key" ||
	{ not_ok "known_hosts lines"; show "$KH"; }
[ "$(grep -vc '^#' "$KH")" = 6 ] && ok "known_hosts: 3 names x 2 keys" || not_ok "known_hosts line count" "$(grep -vc '^#' "$KH")"
grep -vq '^#' "$KH" && grep -qF "$(grep -v '^#' "$KH" | head -n1)" "$LOG1" && ok "known_hosts is printed on start" ||
	not_ok "known_hosts printed"
grep -q "^AuthorizedKeysFile $AUTHORIZED_KEYS_DIR/%u$" "$SSHD_CONFIG" && grep -q "^	ChrootDirectory $D/chroot$" "$SSHD_CONFIG" &&
	ok "sshd_config: keys outside, chroot at REPO_ROOT's parent" || { not_ok "sshd_config"; show "$SSHD_CONFIG"; }

# 2. Real restic with StrictHostKeyChecking=yes and the generated known_hosts.
SSH_OPTS="-F /dev/null -o UserKnownHostsFile=$KH -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes"
rr() { # rr BIN REPO KNOWN_HOSTS KEY restic-args...
	local bin=$1 repo=$2 kh=$3 key=$4
	shift 4
	"$bin" --no-cache -r "sftp:restic@127.0.0.1:$repo" --password-file "$CLIENT/password" \
		-o "sftp.command=ssh restic@127.0.0.1 -p $PORT -i $key -F /dev/null -o UserKnownHostsFile=$kh -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -s sftp" "$@"
}
restic_round() { # restic_round LABEL BIN REPO_PATH ON_DISK
	local label=$1 bin=$2 repo=$3 disk=$4 t=$D/rt-$1
	mkdir -p "$t"
	rr "$bin" "$repo" "$KH" "$CLIENT/id" init >"$t/init.log" 2>&1 && [ -f "$disk/config" ] &&
		ok "$label: init $repo lands in $disk" || { not_ok "$label: init $repo"; show "$t/init.log"; return 1; }
	[ "$(stat -c %U "$disk/config")" = restic ] && ok "$label: the repository belongs to restic" || not_ok "$label: repository owner"
	rr "$bin" "$repo" "$KH" "$CLIENT/id" backup --host rds-test "$D/data" >"$t/backup.log" 2>&1 &&
		ok "$label: backup" || { not_ok "$label: backup"; show "$t/backup.log"; }
	rr "$bin" "$repo" "$KH" "$CLIENT/id" restore latest --target "$t/restore" >"$t/restore.log" 2>&1 &&
		diff -r "$D/data" "$t/restore$D/data" >/dev/null && ok "$label: restore is byte-identical" ||
		{ not_ok "$label: restore"; show "$t/restore.log"; }
}
restic_round restic-0.14 "$RESTIC014" db "$REPO_ROOT/db"
if [ -x "$R018" ]; then
	restic_round restic-0.18 "$R018" apps/db18 "$REPO_ROOT/apps/db18"
else
	echo "# $R018 missing: restic 0.18 round skipped"
fi
rr "$RESTIC014" /restic/abs "$KH" "$CLIENT/id" init >"$D/abs.log" 2>&1 && [ -f "$REPO_ROOT/abs/config" ] &&
	ok "absolute /restic/abs lands in REPO_ROOT/abs" || { not_ok "absolute /restic/abs"; show "$D/abs.log"; }
rr "$RESTIC014" "$REPO_ROOT/alias" "$KH" "$CLIENT/id" init >"$D/alias.log" 2>&1 && [ -f "$REPO_ROOT/alias/config" ] &&
	ok "absolute REPO_ROOT/alias (the container's path) lands in REPO_ROOT/alias" || { not_ok "absolute REPO_ROOT path"; show "$D/alias.log"; }
rr "$RESTIC014" /tmp/outside "$KH" "$CLIENT/id" init >"$D/outside.log" 2>&1
[ $? != 0 ] && [ ! -e /tmp/outside ] && ok "a path outside REPO_ROOT fails inside the chroot" || not_ok "path outside REPO_ROOT"

# 3. info.
"$SRV" info >"$D/info.txt" 2>&1
grep -Eq "^  db +[0-9.]+ (B|KiB|MiB) +[0-9]+ files" "$D/info.txt" && grep -q "sshd port $PORT" "$D/info.txt" &&
	ok "info lists db with its size" || { not_ok "info lists db"; show "$D/info.txt"; }
want=3
[ -x "$R018" ] && want=4
grep -q "^$want repositories" "$D/info.txt" && ok "info counts $want repositories" || { not_ok "info count"; show "$D/info.txt"; }
# In the image root has no capability to read restic's 0700 REPO_ROOT
# (cap_drop ALL); dropping them from the bounding set gives the same here.
nodac() { setpriv --bounding-set=-dac_override,-dac_read_search "$@"; }
nodac "$SRV" info >"$D/info-nodac.txt" 2>&1
grep -q "^$want repositories" "$D/info-nodac.txt" && ok "info without DAC capabilities (as in the image) reads REPO_ROOT as restic" ||
	{ not_ok "info without DAC capabilities"; show "$D/info-nodac.txt"; }
nodac env RESTIC_PASSWORD="$(cat "$CLIENT/password")" "$SRV" restic -r db snapshots --json >"$D/srv-restic.json" 2>"$D/srv-restic.err" &&
	grep -q '"hostname":"rds-test"' "$D/srv-restic.json" && ok "rds-server restic -r db snapshots: restic on the server, by repository name" ||
	{ not_ok "rds-server restic snapshots"; show "$D/srv-restic.err"; }
nodac env RESTIC_PASSWORD="$(cat "$CLIENT/password")" "$SRV" restic -r made-on-server init >"$D/srv-init.log" 2>&1 &&
	[ "$(stat -c %U "$REPO_ROOT/made-on-server/config")" = restic ] && [ -z "$(find "$REPO_ROOT/made-on-server" ! -user restic)" ] &&
	ok "what rds-server restic writes belongs to restic (SFTP can change it later)" ||
	{ not_ok "rds-server restic writes as restic"; show "$D/srv-init.log"; }
[ ! -e "$REPO_ROOT/.cache" ] && ok "rds-server restic keeps its cache out of REPO_ROOT" || not_ok "cache in REPO_ROOT"
rm -rf "$REPO_ROOT/made-on-server"
"$SRV" restic version | grep -q "^restic " && ok "rds-server restic version" || not_ok "rds-server restic version"

# 4. What must be refused.
# restic 0.14 does not always pass ssh's "Permission denied" on before it
# exits: the server's log is the witness.
rr "$RESTIC014" db "$KH" "$CLIENT/other" snapshots >"$D/other.log" 2>&1
rc=$?
ofp=$(ssh-keygen -lf "$CLIENT/other.pub" | cut -d' ' -f2)
[ "$rc" != 0 ] && wait_for 5 grep -q "Failed publickey for restic .* $ofp" "$LOG1" &&
	ok "a key not in the secrets is refused (sshd: Failed publickey ... $ofp)" ||
	{ not_ok "foreign key refused"; show "$D/other.log"; grep publickey "$LOG1" | show; }
timeout 20 ssh $SSH_OPTS -p "$PORT" -i "$CLIENT/id" -W 127.0.0.1:"$PORT" restic@127.0.0.1 </dev/null >"$D/w.out" 2>"$D/w.err"
[ $? != 0 ] && grep -q "administratively prohibited" "$D/w.err" && ok "stdio forwarding (-W) is refused" || { not_ok "ssh -W refused"; show "$D/w.err"; }
LPORT=$(free_port 22450)
timeout 20 ssh $SSH_OPTS -p "$PORT" -i "$CLIENT/id" -N -L "$LPORT:127.0.0.1:$PORT" restic@127.0.0.1 </dev/null 2>"$D/l.err" &
lpid=$!
if wait_for 10 eval "(exec 3<>/dev/tcp/127.0.0.1/$LPORT) 2>/dev/null"; then
	banner=$( (exec 3<>"/dev/tcp/127.0.0.1/$LPORT" && timeout 3 head -c 8 <&3) 2>/dev/null)
	wait_for 5 grep -q "administratively prohibited" "$D/l.err"
	[ "$banner" != "SSH-2.0-" ] && grep -q "administratively prohibited" "$D/l.err" &&
		ok "port forwarding (-L) is refused by the server" || { not_ok "ssh -L refused" "banner '$banner'"; show "$D/l.err"; }
else
	not_ok "ssh -L client listener came up"
fi
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
timeout 20 ssh $SSH_OPTS -p "$PORT" -i "$CLIENT/id" -N -o ExitOnForwardFailure=yes -R 0:127.0.0.1:22 restic@127.0.0.1 </dev/null 2>"$D/r.err"
[ $? != 0 ] && grep -qi "forwarding failed" "$D/r.err" && ok "remote forwarding (-R) is refused" || { not_ok "ssh -R refused"; show "$D/r.err"; }
out=$(timeout 20 ssh $SSH_OPTS -p "$PORT" -i "$CLIENT/id" restic@127.0.0.1 'echo SHELL-WORKS; id' </dev/null 2>&1)
case $out in *SHELL-WORKS* | *uid=*) not_ok "a command runs" "$out" ;; *) ok "a remote command does not run (internal-sftp is forced)" ;; esac
out=$(timeout 20 ssh $SSH_OPTS -tt -p "$PORT" -i "$CLIENT/id" restic@127.0.0.1 </dev/null 2>&1)
case $out in *"PTY allocation request failed"*) ok "a TTY is refused" ;; *) not_ok "a TTY is refused" "$out" ;; esac

# 5. SIGHUP re-reads the secrets: a second agent key is accepted at once.
install -m 0444 "$CLIENT/second.pub" "$D/secrets/second-agent.pub"
kill -HUP "$SRV_PID"
wait_for 10 grep -q "authorized key from secret second-agent.pub" "$LOG1" &&
	rr "$RESTIC014" db "$KH" "$CLIENT/second" snapshots >"$D/second.log" 2>&1 &&
	ok "SIGHUP: a new key secret is authorized without a restart" || { not_ok "SIGHUP reload"; show "$D/second.log"; }
wait_for 10 sshd_banner_ok "$PORT" && kill -0 "$SRV_PID" && ok "sshd still serves after SIGHUP" || not_ok "sshd after SIGHUP"
rm -f "$D/secrets/second-agent.pub"

# 6. SIGTERM with an SFTP session open: everything stops, quickly.
fps_before=$(ssh-keygen -lf "$HOST_KEY_DIR/ssh_host_ed25519_key.pub"; ssh-keygen -lf "$HOST_KEY_DIR/ssh_host_ecdsa_key.pub")
cp "$KH" "$D/old_known_hosts"
# The session's stdin is a FIFO this shell holds open: the SFTP session
# stays idle until the server ends it.
mkfifo "$D/session.fifo"
ssh $SSH_OPTS -p "$PORT" -i "$CLIENT/id" -s restic@127.0.0.1 sftp <"$D/session.fifo" >/dev/null 2>&1 &
spid=$!
exec 7>"$D/session.fifo"
wait_for 10 eval '[ "$(sshd_descendants $SRV_PID | wc -l)" -ge 3 ]' || not_ok "an SFTP session is open"
kids=$(sshd_descendants "$SRV_PID")
srv_stop
echo "# SIGTERM to exit: ${STOP_MS} ms with one open SFTP session"
[ "$STOP_RC" = 0 ] && ok "SIGTERM: rds-server exits 0" || not_ok "SIGTERM exit status" "rc=$STOP_RC"
[ "$STOP_MS" -lt 2000 ] && ok "SIGTERM: stopped in ${STOP_MS} ms (< 2 s)" || not_ok "SIGTERM: stopped in ${STOP_MS} ms"
left=0
for k in $kids; do kill -0 "$k" 2>/dev/null && left=1; done
[ "$left" = 0 ] && ok "sshd and its session processes are gone" || not_ok "processes left after SIGTERM" "$kids"
wait_for 5 eval "! kill -0 $spid" && ok "the client's session was closed" || not_ok "client session closed"
kill "$spid" 2>/dev/null
exec 7>&-
grep -Eq "stopping [0-9]+ SFTP session process" "$LOG1" && ok "the open session was stopped by rds-server" || { not_ok "session stop logged"; show "$LOG1"; }

# 7. Restart: same host keys, the old known_hosts still works.
LOG2=$D/server2.log
srv_start "$LOG2" "$PORT" && ok "restart on the same port" || { not_ok "restart"; show "$LOG2"; exit 1; }
fps_after=$(ssh-keygen -lf "$HOST_KEY_DIR/ssh_host_ed25519_key.pub"; ssh-keygen -lf "$HOST_KEY_DIR/ssh_host_ecdsa_key.pub")
[ "$fps_before" = "$fps_after" ] && ok "restart: same host key fingerprints" || not_ok "host keys changed" "$fps_before / $fps_after"
! grep -q "generated a new" "$LOG2" && ok "restart: no key generated" || not_ok "restart generated a key"
cmp -s "$KH" "$D/old_known_hosts" && ok "restart: known_hosts unchanged" || not_ok "known_hosts changed"
rr "$RESTIC014" db "$D/old_known_hosts" "$CLIENT/id" snapshots >"$D/after.log" 2>&1 && grep -q rds-test "$D/after.log" &&
	ok "restart: restic with the old known_hosts lists the snapshot" || { not_ok "old known_hosts after restart"; show "$D/after.log"; }
! grep -q "second-agent" "$AUTHORIZED_KEYS_DIR/restic" && ! grep -q rds-second "$AUTHORIZED_KEYS_DIR/restic" &&
	ok "restart: a removed key secret is no longer authorized" || not_ok "removed key still authorized"
srv_stop
[ "$STOP_RC" = 0 ] && ok "second stop: exit 0 in ${STOP_MS} ms" || not_ok "second stop" "rc=$STOP_RC"

# 8. No key and no name: warnings, health 1, and the '*' known_hosts pins the key.
D2=$D/nokey
mkdir -p "$D2/secrets" && chmod 0755 "$D2"
install -m 0444 "$CLIENT/password" "$D2/secrets/restic-repo-password"
srv_env "$D2"
export SWARM_SERVICE= EXTRA_HOST_NAMES=
LOG3=$D/server3.log
if srv_start "$LOG3"; then
	grep -q "NO AUTHORIZED KEYS" "$LOG3" && ok "no key: a loud warning" || { not_ok "no-key warning"; show "$LOG3"; }
	grep -q "NO HOST NAME" "$LOG3" && grep -q "^\* ssh-ed25519 " "$KNOWN_HOSTS_FILE" && ok "no name: a warning and the pattern '*'" ||
		{ not_ok "no-name known_hosts"; show "$KNOWN_HOSTS_FILE"; }
	out=$("$SRV" health)
	[ $? = 1 ] && [[ $out == *"no authorized keys"* ]] && ok "no key: health 1 ($out)" || not_ok "no key: health 1" "$out"
	out=$(timeout 20 ssh -F /dev/null -o UserKnownHostsFile="$KNOWN_HOSTS_FILE" -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=yes -o BatchMode=yes -p "$SSHD_PORT" -i "$CLIENT/id" restic@127.0.0.1 true </dev/null 2>&1)
	[[ $out == *"Permission denied"* ]] && ok "no key: the host key is verified through '*', then login is refused" ||
		not_ok "no key: host key via '*'" "$out"
	srv_stop
else
	not_ok "no-key start"
	show "$LOG3"
fi

# 9. Bad settings: exit 2 and one line naming the setting.
srv_env "$D"
bad() { # bad NAME NEEDLE VAR=VALUE...
	local name=$1 needle=$2
	shift 2
	env "$@" "$SRV" >"$D/bad.out" 2>"$D/bad.err" </dev/null
	local rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l <"$D/bad.err")" = 1 ] && grep -q -- "$needle" "$D/bad.err" &&
		ok "$name: exit 2, one line: $(cat "$D/bad.err")" || { not_ok "$name" "rc=$rc"; show "$D/bad.err"; }
}
bad "SSHD_PORT=70000" "SSHD_PORT='70000' is not a TCP port; use a number from 1 to 65535" SSHD_PORT=70000
bad "SSHD_PORT=ssh" "SSHD_PORT='ssh'" SSHD_PORT=ssh
bad "unreadable SECRETS_DIR" "SECRETS_DIR=$D/missing cannot be read" SECRETS_DIR="$D/missing"
bad "bad SWARM_SERVICE" "SWARM_SERVICE: 'two words'" "SWARM_SERVICE=two words"
bad "bad HOST_KEY_TYPES" "HOST_KEY_TYPES='dsa'" HOST_KEY_TYPES=dsa
mkdir -p "$D/open/sub" && chmod 0777 "$D/open"
bad "group/world-writable chroot parent" "$D/open is uid 0 mode 0777" REPO_ROOT="$D/open/sub/restic"
bad "unknown SSH_USER" "SSH_USER=nosuchuser is not a user" SSH_USER=nosuchuser
"$SRV" --help >"$D/help.txt" 2>&1 && grep -q SSHD_PORT "$D/help.txt" && grep -q "KNOWN_HOSTS_FILE" "$D/help.txt" &&
	grep -q "health" "$D/help.txt" && ok "--help lists settings and commands" || not_ok "--help"
"$SRV" --version | grep -q "^rds-server " && ok "--version" || not_ok "--version"

# 10. A locked account ('!' in shadow, useradd's default) is unlocked. A user
# of its own, so that other scenarios' restic user is never touched.
if command -v useradd >/dev/null; then
	userdel "$LOCKED_USER" 2>/dev/null
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$LOCKED_USER" &&
		at_exit "userdel $LOCKED_USER"
	case $(getent shadow "$LOCKED_USER" | cut -d: -f2) in '!'*) locked=1 ;; *) locked=0 ;; esac
	D4=$D/locked
	mkdir -p "$D4/secrets" && chmod 0755 "$D4"
	install -m 0444 "$CLIENT/id.pub" "$D4/secrets/key.pub"
	srv_env "$D4"
	export SSH_USER=$LOCKED_USER
	LOG4=$D/server4.log
	if srv_start "$LOG4"; then
		[ "$locked" = 1 ] && grep -q "is locked" "$LOG4" && ok "a locked account is reported" || not_ok "locked account reported" "locked=$locked"
		[ "$(getent shadow "$LOCKED_USER" | cut -d: -f2)" = "*" ] && ok "and unlocked to '*'" || not_ok "account unlocked"
		echo pwd | timeout 20 sftp -P "$SSHD_PORT" -F /dev/null -o UserKnownHostsFile="$KNOWN_HOSTS_FILE" \
			-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -i "$CLIENT/id" -b - \
			"$LOCKED_USER@127.0.0.1" >"$D/locked.out" 2>&1 && grep -q "/restic" "$D/locked.out" &&
			ok "the unlocked account logs in with its key" || { not_ok "login after unlock"; show "$D/locked.out"; }
		srv_stop
	else
		not_ok "start with a locked account"
		show "$LOG4"
	fi
	unset SSH_USER
fi
exit 0

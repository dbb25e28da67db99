# Sourced after harness.sh: a real OpenSSH sshd on loopback, set up the way the
# server image serves repositories: only user `restic`, public-key auth only,
# chroot + ForceCommand internal-sftp, no forwarding, its own host keys.
#
#   sshd_start [DIR]       start one (DIR: an empty or missing directory whose
#                          parents are root-owned and not group/world writable,
#                          as ChrootDirectory and StrictModes demand; default: a
#                          new directory under /var/lib/rds-sshd). Exports
#                            SSHD_DIR SSHD_PORT SSHD_PID SSHD_LOG
#                            SSH_KEY          client private key (0600)
#                            SSH_KNOWN_HOSTS  "[127.0.0.1]:PORT ssh-ed25519 ..."
#                                             (and "[::1]:PORT ..." with SSHD_IPV6)
#                            REPO_ROOT        <chroot>/home/restic as seen here
#                            SSHD_IPV6        1 when it also listens on [::1]
#                                             (loopback has ::1), else empty
#                          Repositories are then at sftp:restic@127.0.0.1:NAME
#                          (relative to the login directory /home/restic).
#   sshd_stop              stop it (also registered with at_exit)
#   sshd_wrong_known_hosts FILE   a known_hosts line with ANOTHER host key
#   sshd_other_key FILE    a client key pair the server does not accept
#   sshd_free_port         print a port nobody listens on (from 22220 up)
#
# One sshd per scenario: a second sshd_start stops nothing, it refuses.
# Needs root: it creates the system user restic when missing, and turns a
# locked password field ("!") into "*" (sshd without PAM refuses even key
# logins to locked accounts). It leaves the user in place afterwards.

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
SSHD_BASE=${SSHD_BASE:-/var/lib/rds-sshd}
SSHD_PID=
SSHD_IPV6=
SSHD_MADE_DIR=
SSHD_CLEANUP_SET=

# The first port from $1 (default 22220) nobody listens on; ports already
# tried by this scenario are skipped by the caller passing a higher start.
sshd_free_port() {
	local p=${1:-22220}
	while [ "$p" -lt 22320 ]; do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
		p=$((p + 1))
	done
	return 1
}

# ChrootDirectory: "all components of the pathname must be root-owned
# directories that are not writable by any other user or group". Checked here
# so that a bad DIR fails with a clear message instead of a closed connection.
sshd_check_path() {
	local p=$1 st uid mode
	while :; do
		st=$(stat -c '%u %a' "$p") || return 1
		read -r uid mode <<<"$st"
		if [ "$uid" != 0 ] || [ $((0$mode & 022)) != 0 ]; then
			echo "sshd.sh: $p must be root-owned and not group/world writable (it is uid $uid mode $mode)" >&2
			return 1
		fi
		[ "$p" = / ] && return 0
		p=$(dirname "$p")
	done
}

sshd_ensure_user() {
	if ! getent passwd restic >/dev/null; then
		useradd --system --home-dir /home/restic --no-create-home \
			--shell /usr/sbin/nologin restic || return 1
	fi
	# Without PAM, sshd refuses every login of an account whose password
	# field starts with "!" (locked), public keys included; "*" means "no
	# password" without the lock.
	case $(getent shadow restic | cut -d: -f2) in
	'!'*) usermod -p '*' restic || return 1 ;;
	esac
}

# In a subshell: a failed `exec` redirection must not end the scenario.
sshd_banner_ok() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		read -r -t 2 line <&3 || exit 1
		[[ $line == SSH-2.0-* ]]
	)
}

# Polls for the banner for up to 10 s; gives up at once when sshd exits
# (a taken port, a bad config).
sshd_wait_ready() {
	local port=$1 pid=$2 deadline=$((SECONDS + 10))
	while [ "$SECONDS" -lt "$deadline" ]; do
		sshd_banner_ok "$port" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# 0 when the loopback interface has ::1 (for sshd to listen on).
sshd_has_ipv6_loopback() {
	grep -qi '^0\{31\}1 .* lo$' /proc/net/if_inet6 2>/dev/null
}

sshd_write_config() {
	local d=$1 port=$2
	cat >"$d/etc/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
${SSHD_IPV6:+ListenAddress [::1]}
HostKey $d/etc/ssh_host_ed25519_key
PidFile none
LogLevel VERBOSE
UsePAM no
PermitRootLogin no
AllowUsers restic
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $d/etc/authorized_keys/%u
StrictModes yes
DisableForwarding yes
PermitTunnel no
PermitTTY no
PermitUserRC no
X11Forwarding no
Subsystem sftp internal-sftp
Match User restic
	ChrootDirectory $d/chroot
	ForceCommand internal-sftp
EOF
}

sshd_start() {
	local d=${1:-} port
	if [ -n "$SSHD_PID" ]; then
		echo "sshd.sh: an sshd is already running (pid $SSHD_PID)" >&2
		return 1
	fi
	if [ ! -x "$SSHD_BIN" ] || ! command -v ssh-keygen >/dev/null; then
		echo "sshd.sh: $SSHD_BIN or ssh-keygen missing: apt-get install openssh-server openssh-client" >&2
		return 1
	fi
	if [ -z "$d" ]; then
		mkdir -p "$SSHD_BASE" && chmod 0755 "$SSHD_BASE" || return 1
		d=$(mktemp -d "$SSHD_BASE/sshd.XXXXXX") || return 1
		SSHD_MADE_DIR=$d
	fi
	if [ -z "$SSHD_CLEANUP_SET" ]; then
		at_exit sshd_stop
		SSHD_CLEANUP_SET=1
	fi
	mkdir -p "$d" && chmod 0755 "$d" || return 1
	d=$(cd "$d" && pwd -P)
	sshd_check_path "$d" || return 1
	sshd_ensure_user || return 1
	# Privilege separation directory; sshd refuses to start without it.
	mkdir -p /run/sshd && chmod 0755 /run/sshd

	mkdir -p "$d/etc/authorized_keys" "$d/client" "$d/chroot/home/restic" || return 1
	chmod 0755 "$d/etc" "$d/etc/authorized_keys" "$d/chroot" "$d/chroot/home"
	chmod 0700 "$d/client"
	chown restic: "$d/chroot/home/restic" && chmod 0700 "$d/chroot/home/restic" || return 1
	rm -f "$d/etc/ssh_host_ed25519_key"* "$d/client/id_ed25519"*
	ssh-keygen -q -t ed25519 -N '' -C rds-test-host -f "$d/etc/ssh_host_ed25519_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -C rds-test-client -f "$d/client/id_ed25519" || return 1
	install -m 0644 "$d/client/id_ed25519.pub" "$d/etc/authorized_keys/restic" || return 1

	SSHD_LOG=$d/sshd.log
	SSHD_IPV6=
	sshd_has_ipv6_loopback && SSHD_IPV6=1
	port=22219
	# A port can be taken between the probe and the bind: retry a few ports.
	for _ in 1 2 3 4 5; do
		port=$(sshd_free_port $((port + 1))) || {
			echo "sshd.sh: no free port in 22220-22319" >&2
			return 1
		}
		sshd_write_config "$d" "$port"
		"$SSHD_BIN" -t -f "$d/etc/sshd_config" || return 1
		: >"$SSHD_LOG"
		"$SSHD_BIN" -D -e -f "$d/etc/sshd_config" 2>>"$SSHD_LOG" </dev/null &
		SSHD_PID=$!
		if sshd_wait_ready "$port" "$SSHD_PID"; then
			break
		fi
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
		if ! grep -q 'Address already in use' "$SSHD_LOG"; then
			echo "sshd.sh: sshd did not come up; its log:" >&2
			tail -n 20 "$SSHD_LOG" >&2
			return 1
		fi
	done
	[ -n "$SSHD_PID" ] || return 1

	SSHD_DIR=$d
	SSHD_PORT=$port
	SSH_KEY=$d/client/id_ed25519
	SSH_KNOWN_HOSTS=$d/client/known_hosts
	REPO_ROOT=$d/chroot/home/restic
	echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$d/etc/ssh_host_ed25519_key.pub")" >"$SSH_KNOWN_HOSTS"
	[ -n "$SSHD_IPV6" ] && echo "[::1]:$port $(cut -d' ' -f1,2 "$d/etc/ssh_host_ed25519_key.pub")" >>"$SSH_KNOWN_HOSTS"
	export SSHD_DIR SSHD_PORT SSHD_PID SSHD_LOG SSH_KEY SSH_KNOWN_HOSTS REPO_ROOT SSHD_IPV6
}

# Every descendant of $1, children first listed after their parent.
sshd_descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		sshd_descendants "$c"
	done
}

sshd_stop() {
	local pid=$SSHD_PID kids
	if [ -n "$pid" ]; then
		# Session processes outlive the listener (they call setsid):
		# they go first, while the listener is there to reap them.
		kids=$(sshd_descendants "$pid")
		if [ -n "$kids" ]; then
			# shellcheck disable=SC2086 # one pid per word
			kill $kids 2>/dev/null
			wait_for 5 eval "[ -z \"\$(pgrep -P $pid)\" ]"
		fi
		kill "$pid" 2>/dev/null
		# sshd -D is our child: wait reaps it; a bounded poll covers the
		# case where it was started by another shell.
		wait "$pid" 2>/dev/null
		wait_for 10 eval "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
		SSHD_PID=
	fi
	if [ -n "$SSHD_MADE_DIR" ]; then
		rm -rf -- "$SSHD_MADE_DIR"
		rmdir "$SSHD_BASE" 2>/dev/null
		SSHD_MADE_DIR=
	fi
	return 0
}

# A known_hosts file for the same [127.0.0.1]:PORT naming a different key.
sshd_wrong_known_hosts() {
	local f=$1 tmp
	tmp=$(mktemp -d) || return 1
	ssh-keygen -q -t ed25519 -N '' -C rds-test-wrong -f "$tmp/k" || return 1
	echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$tmp/k.pub")" >"$f"
	rm -rf -- "$tmp"
}

# A client key pair (FILE, FILE.pub) that is not in authorized_keys.
sshd_other_key() {
	rm -f "$1" "$1.pub"
	ssh-keygen -q -t ed25519 -N '' -C rds-test-other -f "$1"
}

#!/bin/bash
# sshd-trixie.sh: Debian trixie's sshd (OpenSSH 10, the one in the server
# image, with PerSourcePenalties) on a bookworm host, for the server
# scenarios. Prints the path of a wrapper that runs it from a chroot with the
# host's users (/etc/passwd, group, shadow) and the given directories at the
# same paths, each run in a mount namespace of its own:
#
#   SSHD_BIN=$(scripts/sshd-trixie.sh /var/lib/rds-srvfault-test) \
#     bash tests/integration/95-faults_server.sh
#
# The chroot is unpacked once from $RDS_CACHE/trixie-minbase.tar (made by
# scripts/restic-trixie.sh) and gets openssh-server with apt. Needs root.
set -euo pipefail

RDS_CACHE=${RDS_CACHE:-/var/cache/rds}
TARBALL=$RDS_CACHE/trixie-minbase.tar
ROOT=$RDS_CACHE/trixie-sshd
say() { echo "sshd-trixie: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (chroot, mounts)"
[ $# -gt 0 ] || set -- /var/lib/rds-srvfault-test
for d in "$@"; do
	case $d in /*) ;; *) die "$d: an absolute path, please" ;; esac
	case $d in *[!A-Za-z0-9/._-]*) die "$d: only letters, digits and / . _ - in paths" ;; esac
done
mkdir -p "$RDS_CACHE"
exec 9>"$RDS_CACHE/.sshd-trixie.lock"
flock 9

if [ ! -x "$ROOT/usr/sbin/sshd" ]; then
	[ -s "$TARBALL" ] || "$(dirname "$0")/restic-trixie.sh" >/dev/null || die "no $TARBALL"
	rm -rf "$ROOT.tmp"
	mkdir -p "$ROOT.tmp"
	tar -C "$ROOT.tmp" --numeric-owner -xf "$TARBALL" || die "cannot unpack $TARBALL"
	cp /etc/resolv.conf "$ROOT.tmp/etc/resolv.conf"
	say "apt-get install openssh-server in the trixie chroot"
	unshare -m sh -c 'mount -t proc proc "$1/proc" && chroot "$1" env DEBIAN_FRONTEND=noninteractive sh -c \
		"apt-get update && apt-get install -y --no-install-recommends openssh-server"' sh "$ROOT.tmp" \
		>"$RDS_CACHE/sshd-trixie.apt.log" 2>&1 || {
		tail -n 20 "$RDS_CACHE/sshd-trixie.apt.log" >&2
		die "apt-get install openssh-server failed in the chroot"
	}
	rm -f "$ROOT.tmp"/etc/ssh/ssh_host_*
	mkdir -p "$ROOT.tmp/run/sshd"
	chmod 0755 "$ROOT.tmp/run/sshd"
	mv "$ROOT.tmp" "$ROOT"
fi

# One wrapper per set of directories.
WRAP=$RDS_CACHE/sshd-trixie.$(echo "$*" | sha256sum | cut -c1-12)
cat >"$WRAP.tmp" <<WRAPPER
#!/bin/sh
# OpenSSH 10 from $ROOT; $* at the same paths inside (scripts/sshd-trixie.sh).
exec unshare -m sh -c '
R=\$1
shift
for d in $*; do mkdir -p "\$d" "\$R\$d" && mount --bind "\$d" "\$R\$d" || exit 1; done
for f in passwd group shadow; do mount --bind "/etc/\$f" "\$R/etc/\$f" || exit 1; done
mount -t proc proc "\$R/proc" && mount --bind /dev "\$R/dev" || exit 1
exec chroot "\$R" /usr/sbin/sshd "\$@"' sh "$ROOT" "\$@"
WRAPPER
chmod 0755 "$WRAP.tmp"
mv "$WRAP.tmp" "$WRAP"
# OpenSSH 10 tests nothing without a host key.
mkdir -p "$1"
k=$(mktemp -u "$1/.sshd-trixie-probe.XXXXXX")
ssh-keygen -q -t ed25519 -N '' -f "$k" </dev/null
rc=0
"$WRAP" -t -f /dev/null -o "HostKey=$k" -o "PerSourcePenalties max:60s" || rc=$?
rm -f "$k" "$k.pub"
[ "$rc" = 0 ] || die "$WRAP -t fails"
say "$("$WRAP" -V 2>&1 | head -n1)"
echo "$WRAP"

#!/bin/bash
# restic-trixie.sh: provide Debian trixie's restic (0.18) on a bookworm host,
# and a trimmed trixie minbase rootfs tarball for `docker import`.
#
#   RDS_CACHE=/var/cache/rds scripts/restic-trixie.sh   -> prints the binary's path
#
# Cached and idempotent: $RDS_CACHE/trixie-minbase.tar is built once with
# debootstrap (its default mirror: no mirror is named here on purpose, so the
# script works wherever apt works), and $RDS_CACHE/restic-0.18 is taken from a
# throw-away chroot unpacked from that tarball. The tarball is made BEFORE
# restic is installed so that it stays a plain base image.
# Debian's restic is a Go binary linked against libc only (glibc >= 2.34 for
# 0.18.0), so it runs on bookworm too; the script checks that it does.
# Everything but the final path goes to stderr. Needs root.
set -euo pipefail

RDS_CACHE=${RDS_CACHE:-/var/cache/rds}
TARBALL=$RDS_CACHE/trixie-minbase.tar
RESTIC=$RDS_CACHE/restic-0.18

say() { echo "restic-trixie: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

have_all() {
	[ -s "$TARBALL" ] && [ -x "$RESTIC" ] && "$RESTIC" version >/dev/null 2>&1
}

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
mkdir -p "$RDS_CACHE"

if have_all; then
	echo "$RESTIC"
	exit 0
fi

# Two concurrent callers (CI steps) must not build the same rootfs twice.
exec 9>"$RDS_CACHE/.restic-trixie.lock"
flock 9
if have_all; then
	echo "$RESTIC"
	exit 0
fi

WORK=$(mktemp -d "$RDS_CACHE/trixie-work.XXXXXX")
ROOT=$WORK/root
PROC_MOUNTED=0
cleanup() {
	if [ "$PROC_MOUNTED" = 1 ]; then
		umount "$ROOT/proc" 2>/dev/null || umount -l "$ROOT/proc" 2>/dev/null || true
	fi
	# Never rm -rf through a mount that is still there.
	if ! grep -q " $WORK/" /proc/mounts; then
		rm -rf "$WORK"
	else
		say "warning: $WORK still has mounts; left in place"
	fi
}
trap cleanup EXIT

# Docs, man pages, locales and apt lists are dead weight in an image base.
trim_rootfs() {
	local r=$1
	rm -rf "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* \
		"$r"/usr/share/locale/* "$r"/usr/share/lintian/* \
		"$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin \
		"$r"/var/cache/apt/archives/*.deb "$r"/var/log/*.log "$r"/tmp/*
	mkdir -p "$r"/var/lib/apt/lists/partial
	# The host's name and resolver must not leak into an image; Docker
	# provides both at run time.
	: >"$r"/etc/resolv.conf
	rm -f "$r"/etc/hostname
}

if [ ! -s "$TARBALL" ]; then
	if ! command -v debootstrap >/dev/null 2>&1; then
		say "installing debootstrap"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y debootstrap >&2 ||
			{ apt-get update >&2 && apt-get install -y debootstrap >&2; } ||
			die "cannot install debootstrap"
	fi
	say "debootstrap --variant=minbase trixie (a few minutes)"
	mkdir -p "$ROOT"
	debootstrap --variant=minbase trixie "$ROOT" >"$WORK/debootstrap.log" 2>&1 || {
		tail -n 20 "$WORK/debootstrap.log" >&2
		die "debootstrap failed"
	}
	trim_rootfs "$ROOT"
	tar -C "$ROOT" --numeric-owner -cf "$TARBALL.tmp" . || die "tar failed"
	mv "$TARBALL.tmp" "$TARBALL"
	say "rootfs tarball: $TARBALL ($(du -h "$TARBALL" | cut -f1))"
else
	mkdir -p "$ROOT"
	tar -C "$ROOT" --numeric-owner -xf "$TARBALL" || die "cannot unpack $TARBALL"
fi

if ! { [ -x "$RESTIC" ] && "$RESTIC" version >/dev/null 2>&1; }; then
	say "installing restic inside the trixie chroot"
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
	mount -t proc proc "$ROOT/proc"
	PROC_MOUNTED=1
	chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive sh -c \
		'apt-get update && apt-get install -y --no-install-recommends restic' \
		>"$WORK/apt.log" 2>&1 || {
		tail -n 20 "$WORK/apt.log" >&2
		die "apt-get install restic failed in the chroot"
	}
	umount "$ROOT/proc"
	PROC_MOUNTED=0
	[ -x "$ROOT/usr/bin/restic" ] || die "no /usr/bin/restic in the chroot"
	install -m 0755 "$ROOT/usr/bin/restic" "$RESTIC.tmp"
	mv "$RESTIC.tmp" "$RESTIC"
	ver=$("$RESTIC" version 2>&1) || die "copied restic does not run here: $ver"
	case $ver in
	"restic 0.18."*) ;;
	*) say "warning: expected restic 0.18, got: $ver" ;;
	esac
	say "$ver"
fi

echo "$RESTIC"

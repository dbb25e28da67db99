#!/bin/bash
# base-image.sh: make image debian:trixie-slim in the current Docker daemon
# when it is missing (no registry is reachable here), from the cached trixie
# minbase rootfs that scripts/restic-trixie.sh builds with debootstrap.
#
#   scripts/base-image.sh            import when missing; prints the image id
#   scripts/base-image.sh --force    import again even when present
#
# The daemon is the one DOCKER_HOST names, else the socket RDS_DOCKER_SOCK
# names, else the default. On a machine that can pull, `docker pull
# debian:trixie-slim` gives the real image and this script does nothing.
# The image imitates the official slim one: dpkg skips docs, man pages and
# locales in every later `apt-get install`, apt keeps no .debs and no
# translations. No mirror is named here on purpose: the rootfs keeps
# debootstrap's default sources. Needs root only when the tarball must be
# built. Idempotent; a second call costs one `docker image inspect`.
set -euo pipefail

IMAGE=debian:trixie-slim
RDS_CACHE=${RDS_CACHE:-/var/cache/rds}
TARBALL=$RDS_CACHE/trixie-minbase.tar
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { echo "base-image: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

if [ -z "${DOCKER_HOST:-}" ] && [ -n "${RDS_DOCKER_SOCK:-}" ]; then
	export DOCKER_HOST="unix://$RDS_DOCKER_SOCK"
fi

force=0
case ${1:-} in
--force) force=1 ;;
"") ;;
*) die "usage: $0 [--force]" ;;
esac

present() { docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null; }

if [ "$force" = 0 ] && present; then
	exit 0
fi
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
	die "no Docker daemon answers (DOCKER_HOST=${DOCKER_HOST:-default})"

if [ ! -s "$TARBALL" ]; then
	say "no $TARBALL yet: building it (debootstrap, a few minutes)"
	"$HERE/restic-trixie.sh" >/dev/null || die "scripts/restic-trixie.sh failed"
	[ -s "$TARBALL" ] || die "scripts/restic-trixie.sh made no $TARBALL"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rds-base.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
mkdir -p "$ROOT"
tar -C "$ROOT" --numeric-owner -xf "$TARBALL" || die "cannot unpack $TARBALL"

# The tarball is trimmed already; trimming again costs nothing and keeps a
# hand-made tarball honest.
rm -rf "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* \
	"$ROOT"/usr/share/locale/* "$ROOT"/usr/share/lintian/* \
	"$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin \
	"$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/log/*.log "$ROOT"/tmp/*
mkdir -p "$ROOT"/var/lib/apt/lists/partial "$ROOT"/etc/dpkg/dpkg.cfg.d "$ROOT"/etc/apt/apt.conf.d
: >"$ROOT"/etc/resolv.conf
rm -f "$ROOT"/etc/hostname

cat >"$ROOT"/etc/dpkg/dpkg.cfg.d/rds-slim <<'EOF'
# Like the official slim images: no docs, man pages or translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
cat >"$ROOT"/etc/apt/apt.conf.d/rds-slim <<'EOF'
// Like the official slim images: no kept .debs, no package caches (they
// are rebuilt from the lists on demand), no translations.
APT::Keep-Downloaded-Packages "false";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
Acquire::CompressionTypes::Order:: "gz";
EOF

say "importing $IMAGE from $TARBALL"
tar -C "$ROOT" --numeric-owner -c . |
	docker import -c 'CMD ["bash"]' -m "trixie minbase (debootstrap), trimmed" - "$IMAGE" >/dev/null ||
	die "docker import failed"
id=$(present) || die "$IMAGE missing after the import"
say "$IMAGE: $(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
echo "$id"

#!/usr/bin/env bash
# Installs every build and test dependency from Debian's packages when missing.
# Needs root (apt-get). Safe to run again: installs only what is absent.
#   scripts/deps.sh        everything: build, tests, images
#   scripts/deps.sh demo   what `make demo` needs (Docker, a private swarm,
#                          ssh-keygen, make; the C is built inside the images)
#   scripts/deps.sh bench  everything, and GNU time and strace for `make bench`
set -euo pipefail
demo=(
	make openssh-client python3 docker.io iproute2 iptables debootstrap util-linux procps
)
pkgs=(
	gcc make pkg-config libc6-dev libcurl4-openssl-dev libjansson-dev   # build
	restic openssh-client openssh-server                              # backups over SFTP
	docker.io iproute2 iptables busybox-static debootstrap            # a private swarm
	python3 python3-croniter tzdata valgrind procps util-linux faketime   # tests
	prometheus curl                                                   # metrics: a real scraper, promtool
	clang libfuzzer-14-dev openssl                                    # make fuzz (libFuzzer); TLS receivers
)
case ${1:-all} in
all) ;;
demo) pkgs=("${demo[@]}") ;;
bench) pkgs+=(time strace) ;;
*)
	echo "usage: $0 [demo|bench]" >&2
	exit 2
	;;
esac
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages: ${missing[*]}; run as root or install them" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

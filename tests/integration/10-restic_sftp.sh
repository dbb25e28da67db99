#!/bin/bash
# Scenario: real restic over a real sshd (tests/lib/sshd.sh), with the argv
# that src/agent/restic.c builds: init, backup, a second backup that finds its
# parent, restore compared byte for byte, a missing repository created on
# demand, and a wrong host key refused with ssh's own words.
# Runs for restic 0.14 (PATH) and, when present, $RDS_CACHE/restic-0.18
# (scripts/restic-trixie.sh); RESTIC_BIN=... runs just that binary.
#
#   bash tests/integration/restic_sftp.sh        (from the repository root, as root)
#
# Key, known_hosts, ssh log and repository paths all hold spaces on purpose:
# they cross restic's -o CSV parsing, its word splitter and ssh's parser.
# RDS_SANITIZE=1 builds the argv helper with ASan+UBSan.
set -u
. "$(dirname "$0")/../lib/harness.sh"
. "$RDS_ROOT/tests/lib/sshd.sh"

RDS_CACHE=${RDS_CACHE:-/var/cache/rds}

sshd_start || {
	not_ok "sshd starts"
	exit 1
}
ok "sshd listens on 127.0.0.1:$SSHD_PORT"
T=$SSHD_DIR/t
SECRETS="$T/agent secrets"
mkdir -p "$SECRETS" && chmod 0700 "$SECRETS"
install -m 0600 "$SSH_KEY" "$SECRETS/ssh key"
install -m 0644 "$SSH_KNOWN_HOSTS" "$SECRETS/known hosts"
head -c 32 /dev/urandom | base64 >"$SECRETS/repo password"
chmod 0600 "$SECRETS/repo password"

# The argv helper: src/agent/restic.c and restic_out.c (with retention.c, utf8.c, util.c) behind a tiny main (argv
# NUL-separated on stdout), so that this scenario runs exactly what the agent will.
cat >"$T/restic-argv.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "restic.h"
#include "restic_out.h"
static const char *env(const char *k)
{
	const char *v = getenv(k);
	return v && *v ? v : NULL;
}
int main(int argc, char **argv)
{
	struct restic_remote r = {
		.restic_bin = env("T_BIN"), .ssh_host = env("T_HOST"),
		.ssh_port = atoi(env("T_PORT") ? env("T_PORT") : "0"), .repo_path = env("T_REPO"),
		.key_file = env("T_KEY"), .known_hosts_file = env("T_KH"),
		.password_file = env("T_PW"), .ssh_log_file = env("T_LOG"),
	};
	struct strvec sv = { 0 };
	char err[256], *text = NULL, *log = NULL, *tags[16] = { 0 };
	size_t len = 0;
	int rc = -1;
	if (argc >= 3 && strcmp(argv[1], "summary") == 0) {
		struct restic_summary s;
		if (read_file_bounded(argv[2], 1 << 24, &text, &len) < 0 ||
		    restic_parse_backup_json(text, len, &s) < 0)
			return 1;
		printf("%s %ld %ld %ld\n", s.snapshot_id, s.files_new, s.files_changed, s.files_unmodified);
		free(text);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "classify") == 0) {
		read_file_bounded(argv[3], 1 << 20, &text, &len);
		read_file_bounded(argv[4], 1 << 20, &log, &len);
		restic_last_error(text, err, sizeof(err));
		printf("%s\n%s\n%s\n", restic_outcome_name(restic_classify(atoi(argv[2]), text)),
		       restic_ssh_hint(log) ? restic_ssh_hint(log) : "-", err);
		free(text);
		free(log);
		return 0;
	}
	if (restic_remote_check(&r, err, sizeof(err)) < 0) {
		fprintf(stderr, "restic-argv: %s\n", err);
		return 1;
	}
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		rc = restic_argv_init(&sv, &r);
	else if (argc >= 2 && strcmp(argv[1], "unlock") == 0)
		rc = restic_argv_unlock(&sv, &r, 0);
	else if (argc >= 2 && strcmp(argv[1], "base") == 0)
		rc = restic_argv_base(&sv, &r);
	else if (argc >= 4 && argc < 20 && strcmp(argv[1], "backup") == 0) {
		for (int i = 3; i < argc - 1; i++)
			tags[i - 3] = argv[i];
		rc = restic_argv_backup(&sv, &r, argv[2], tags, argv[argc - 1]);
	}
	if (rc < 0)
		return 1;
	for (size_t i = 0; i < sv.n; i++)
		fwrite(sv.v[i], strlen(sv.v[i]) + 1, 1, stdout);
	strvec_free(&sv);
	return fflush(stdout) == 0 ? 0 : 1;
}
EOF
SAN=
[ -n "${RDS_SANITIZE:-}" ] && SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
# shellcheck disable=SC2046,SC2086 # flag lists split on purpose
if ! cc -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -g $SAN -I"$RDS_ROOT/src/common" -I"$RDS_ROOT/src/agent" \
	$(pkg-config --cflags jansson) -o "$T/restic-argv" "$T/restic-argv.c" \
	"$RDS_ROOT/src/agent/restic.c" "$RDS_ROOT/src/agent/restic_out.c" "$RDS_ROOT/src/agent/retention.c" "$RDS_ROOT/src/common/utf8.c" \
	"$RDS_ROOT/src/common/util.c" $(pkg-config --libs jansson) -lm; then
	not_ok "argv helper builds from src/agent/restic.c"
	exit 1
fi
ok "argv helper builds from src/agent/restic.c"

export T_HOST=127.0.0.1 T_PORT=$SSHD_PORT T_KEY="$SECRETS/ssh key" \
	T_KH="$SECRETS/known hosts" T_PW="$SECRETS/repo password" T_LOG="$T/ssh log"

# run_restic NAME SUBCOMMAND ARGS...: builds the argv with the helper, runs
# it; stdout/stderr/exit in $T/NAME.{out,err,rc}.
run_restic() {
	local name=$1 rc
	shift
	local -a av
	mapfile -d '' av < <("$T/restic-argv" "$@") || return 1
	[ "${#av[@]}" -gt 0 ] || {
		echo "#   restic-argv refused: $*"
		return 1
	}
	: >"$T_LOG"
	"${av[@]}" >"$T/$name.out" 2>"$T/$name.err" </dev/null
	rc=$?
	echo "$rc" >"$T/$name.rc"
	return "$rc"
}
# The outcome, hint and last error as src/agent/restic.c reads a failed run.
outcome() { "$T/restic-argv" classify "$(cat "$T/$1.rc")" "$T/$1.err" "$T_LOG" | sed -n "${2:-1}p"; }

make_data() {
	local d=$1
	rm -rf "$d"
	mkdir -p "$d/sub dir/deeper" "$d/empty dir"
	echo "hello" >"$d/a.txt"
	printf 'spaces in the name\n' >"$d/sub dir/file with spaces.txt"
	head -c 3000000 /dev/urandom >"$d/sub dir/deeper/random.bin"
	: >"$d/empty file"
	ln -s a.txt "$d/link to a"
	chmod 0640 "$d/a.txt"
}

scenario() {
	local bin=$1 ver
	ver=$("$bin" version | awk '{print $2}')
	local v="restic $ver" repo="repo $ver" src="$T/src $ver"
	export T_BIN=$bin T_REPO=$repo RESTIC_CACHE_DIR=$T/cache-$ver
	make_data "$src"

	if run_restic init init; then
		ok "$v: init over sftp (relative REPO_PATH with a space)"
	else
		not_ok "$v: init" "exit $(cat "$T/init.rc")"
		show "$T/init.err"
		return
	fi
	check "$v: repository created under the chroot's /home/restic" test -f "$REPO_ROOT/$repo/config"
	T_REPO="/home/restic/abs $ver" run_restic init-abs init &&
		test -f "$REPO_ROOT/abs $ver/config" && ok "$v: init with an absolute REPO_PATH" ||
		not_ok "$v: init with an absolute REPO_PATH" "$(cat "$T/init-abs.err")"

	local s1 s2 id1 id2 new changed unmod
	if run_restic b1 backup rds-test rds stack_db "$src" && s1=$("$T/restic-argv" summary "$T/b1.out"); then
		ok "$v: first backup ($s1)"
	else
		not_ok "$v: first backup" "exit $(cat "$T/b1.rc")"
		show "$T/b1.err"
		return
	fi
	echo "more" >>"$src/a.txt"
	echo "new" >"$src/sub dir/new.txt"
	if run_restic b2 backup rds-test rds stack_db "$src" && s2=$("$T/restic-argv" summary "$T/b2.out"); then
		ok "$v: second backup ($s2)"
	else
		not_ok "$v: second backup" "exit $(cat "$T/b2.rc")"
		show "$T/b2.err"
		return
	fi
	id1=${s1%% *}
	read -r id2 new changed unmod <<<"$s2"
	if [ "$new" = 1 ] && [ "$changed" = 1 ] && [ "$unmod" -ge 3 ]; then
		ok "$v: second backup saw 1 new, 1 changed, $unmod unmodified files"
	else
		not_ok "$v: second backup counts" "new/changed/unmodified = $new/$changed/$unmod"
	fi
	# The parent is recorded in the snapshot: restic found it by --host.
	local -a base
	mapfile -d '' base < <("$T/restic-argv" base)
	"${base[@]}" snapshots --json >"$T/snaps.json" 2>"$T/snaps.err"
	if grep -q "\"parent\":\"$id1" "$T/snaps.json" && grep -q "\"id\":\"$id2" "$T/snaps.json"; then
		ok "$v: second snapshot's parent is the first"
	else
		not_ok "$v: second snapshot's parent is the first" "ids $id1 $id2"
		show "$T/snaps.json"
	fi

	rm -rf "$T/restore"
	if "${base[@]}" restore latest --target "$T/restore" >"$T/restore.out" 2>"$T/restore.err" &&
		diff -r --no-dereference "$src" "$T/restore$src" >"$T/diff.out" 2>&1 &&
		cmp "$src/sub dir/deeper/random.bin" "$T/restore$src/sub dir/deeper/random.bin" &&
		[ "$(readlink "$T/restore$src/link to a")" = a.txt ] &&
		[ "$(stat -c %a "$T/restore$src/a.txt")" = 640 ]; then
		ok "$v: restore is identical byte for byte (symlink and mode too)"
	else
		not_ok "$v: restore is identical"
		show "$T/restore.err" "$T/diff.out"
	fi

	# The agent's first run: no repository yet, so init once and retry.
	T_REPO="fresh $ver" run_restic fresh backup rds-test "$src"
	[ "$(outcome fresh)" = no-repository ] && ok "$v: missing repository reads as no-repository" ||
		not_ok "$v: missing repository" "exit $(cat "$T/fresh.rc"): $(outcome fresh 3)"
	T_REPO="fresh $ver" run_restic fresh-init init && T_REPO="fresh $ver" run_restic fresh2 backup rds-test "$src" &&
		ok "$v: init then backup succeeds" || not_ok "$v: init then backup"

	# A wrong host key: ssh refuses, in its own words, in the -E log.
	sshd_wrong_known_hosts "$T/wrong known_hosts"
	T_KH="$T/wrong known_hosts" run_restic wrongkey backup rds-test "$src"
	if [ "$(cat "$T/wrongkey.rc")" != 0 ] && grep -q "Host key verification failed" "$T_LOG"; then
		ok "$v: wrong known_hosts fails with \"Host key verification failed\""
	else
		not_ok "$v: wrong known_hosts" "exit $(cat "$T/wrongkey.rc")"
		show "$T_LOG" "$T/wrongkey.err"
	fi
	[ "$(outcome wrongkey)" = failed ] && outcome wrongkey 2 | grep -q "does not match SSH_KNOWN_HOSTS_FILE" &&
		ok "$v: ... classified failed, hint: $(outcome wrongkey 2)" ||
		not_ok "$v: wrong known_hosts classification" "$(outcome wrongkey) / $(outcome wrongkey 2)"
	echo "# $v: restic itself said: $(outcome wrongkey 3)"
	[ "$(ls "$REPO_ROOT/$repo/snapshots" | wc -l)" = 2 ] &&
		ok "$v: still 2 snapshots after the refused run" ||
		not_ok "$v: snapshots after the refused run" "$(ls "$REPO_ROOT/$repo/snapshots")"
}

if [ -n "${RESTIC_BIN:-}" ]; then
	bins=("$RESTIC_BIN")
else
	bins=("$(command -v restic)")
	[ -x "$RDS_CACHE/restic-0.18" ] && bins+=("$RDS_CACHE/restic-0.18") ||
		echo "# $RDS_CACHE/restic-0.18 missing: run scripts/restic-trixie.sh to test 0.18 too"
fi
for b in "${bins[@]}"; do
	if [ -z "$b" ] || ! "$b" version >/dev/null 2>&1; then
		not_ok "restic binary '$b' runs"
		continue
	fi
	scenario "$b"
done

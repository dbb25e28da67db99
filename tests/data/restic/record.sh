#!/bin/bash
# Re-records the restic outputs in this directory from REAL runs against the
# loopback sshd of tests/lib/sshd.sh, with the argv shape that src/agent/restic.c
# builds (restic -r sftp:... -o sftp.command=ssh ... --password-file F CMD).
#
#   bash tests/data/restic/record.sh            (from the repository root, as root)
#   RECORD_ONLY=unreadable bash tests/data/restic/record.sh
#                       only the unreadable-repository cases; their rows in
#                       index.tsv are replaced, the others kept
#
# For every restic found (0.14 = `restic` from PATH when it says 0.14, 0.18 =
# $RDS_CACHE/restic-0.18 from scripts/restic-trixie.sh) it writes
# VERSION/CASE.stdout, CASE.stderr and CASE.ssh.log (ssh -E; only the
# non-empty ones) and one line "VERSION CASE EXIT COMMAND" per case into
# index.tsv. Paths, ports, ids and the host name in them vary per recording.
set -u
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/harness.sh
. tests/lib/sshd.sh

OUT=tests/data/restic
RDS_CACHE=${RDS_CACHE:-/var/cache/rds}
INDEX=$OUT/index.tsv.new
: >"$INDEX"
at_exit "rm -f $INDEX"

sshd_start || exit 1
W=$SSHD_DIR/rec
mkdir -p "$W"

# rec NAME cmd...: runs cmd, keeps its stdout, stderr and ssh log as NAME.*.
rec() {
	local name=$1 rc
	shift
	: >"$W/ssh.log"
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	for f in out:stdout err:stderr ssh.log:ssh.log; do
		if [ -s "$W/${f%%:*}" ]; then
			cp "$W/${f%%:*}" "$DEST/$name.${f#*:}"
		else
			rm -f "$DEST/$name.${f#*:}"
		fi
	done
	printf '%s\t%s\t%s\t%s\n' "$VER" "$name" "$rc" "$CMDNAME" >>"$INDEX"
	echo "# $VER $name: exit $rc" >&2
	return 0
}

# The argv of restic_argv_base(), with overridable parts. With EXEC=1 the
# calling (sub)shell becomes restic, so that $! is restic's own pid.
restic_at() {
	local repo=$1 host=${HOST:-127.0.0.1} port=${PORT:-$SSHD_PORT}
	shift
	${EXEC:+exec} "$R" -r "sftp:restic@$host:$repo" \
		-o "sftp.command=ssh restic@$host -p $port -E $W/ssh.log -i ${KEY:-$SSH_KEY} -o UserKnownHostsFile=${KH:-$SSH_KNOWN_HOSTS} -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -s sftp" \
		--password-file "${PW:-$W/pw}" "$@"
}

# Permission errors on the server: a repository that exists but that the
# SFTP user cannot read must not look like a missing one (the agent would
# run `init`). config-unreadable: the config file mode 000 (0.14 retries for
# about 45 s). repo-unreadable: the repository directory mode 000, so that
# even Lstat of config fails; 0.17+ then exits 1 with "Is there a repository
# at the following location?", as it does for a missing one.
record_unreadable() {
	local repo
	for repo in config-unreadable-$VER repo-unreadable-$VER; do
		rm -rf "${REPO_ROOT:?}/$repo"
		restic_at "$repo" init >/dev/null 2>&1 || echo "# $VER: init of $repo failed" >&2
	done
	chmod 000 "$REPO_ROOT/config-unreadable-$VER/config"
	CMDNAME="backup --json" rec config-unreadable restic_at "config-unreadable-$VER" backup --json --host rds-test "$W/src"
	chmod 0600 "$REPO_ROOT/config-unreadable-$VER/config"
	chmod 000 "$REPO_ROOT/repo-unreadable-$VER"
	CMDNAME="backup --json" rec repo-unreadable restic_at "repo-unreadable-$VER" backup --json --host rds-test "$W/src"
	chmod 0700 "$REPO_ROOT/repo-unreadable-$VER"
}

lock_file_exists() { [ -n "$(ls -A "$REPO_ROOT/$1/locks" 2>/dev/null)" ]; }

record_version() {
	local repo=repo-$VER locker pid
	DEST=$OUT/$VER
	mkdir -p "$DEST"
	export RESTIC_CACHE_DIR=$W/cache-$VER
	echo "secret-$VER" >"$W/pw"
	echo "not-the-password" >"$W/pw-wrong"
	rm -rf "$W/src"
	mkdir -p "$W/src/sub dir"
	echo hello >"$W/src/a.txt"
	printf 'second file\n' >"$W/src/sub dir/b.txt"
	head -c 2000000 /dev/urandom >"$W/src/random.bin"
	ln -s a.txt "$W/src/link"
	if [ "${RECORD_ONLY:-}" = unreadable ]; then
		record_unreadable
		return
	fi

	CMDNAME=init rec init restic_at "$repo" init
	CMDNAME="backup --json" rec backup1 restic_at "$repo" backup --json --host rds-test --tag rds --tag stack_db "$W/src"
	echo changed >>"$W/src/a.txt"
	echo new >"$W/src/sub dir/c.txt"
	CMDNAME="backup --json" rec backup2 restic_at "$repo" backup --json --host rds-test --tag rds --tag stack_db "$W/src"
	CMDNAME="snapshots --json" rec snapshots restic_at "$repo" snapshots --json
	CMDNAME=init rec init-exists restic_at "$repo" init
	CMDNAME="backup --json" rec no-repo restic_at "missing-$VER" backup --json --host rds-test "$W/src"
	CMDNAME="backup --json" PW=$W/pw-wrong rec wrong-password restic_at "$repo" backup --json --host rds-test "$W/src"
	record_unreadable

	# A live exclusive lock: `check --read-data` holds one while it reads
	# every pack, at 8 KiB/s for many seconds.
	locker=(check --read-data --limit-download 8)
	start_locker() {
		# Job control on: without it bash starts background jobs with
		# SIGINT ignored, and restic would never see our SIGINT.
		set -m
		(EXEC=1 restic_at "$repo" "${locker[@]}" >"$W/locker.out" 2>"$W/locker.err") &
		pid=$!
		set +m
		at_exit "kill -9 $pid 2>/dev/null"
		wait_for 30 lock_file_exists "$repo"
	}
	# stop_locker SIG CASE: signal it, record how it ended.
	stop_locker() {
		local rc
		kill -"$1" "$pid"
		wait "$pid"
		rc=$?
		cp "$W/locker.err" "$DEST/$2.stderr"
		[ -s "$DEST/$2.stderr" ] || rm -f "$DEST/$2.stderr"
		printf '%s\t%s\t%s\t%s\n' "$VER" "$2" "$rc" "${locker[*]} (SIG$1)" >>"$INDEX"
		echo "# $VER $2: exit $rc" >&2
	}
	if start_locker; then
		CMDNAME="backup --json" rec locked restic_at "$repo" backup --json --host rds-test "$W/src"
		stop_locker INT interrupted
	fi
	wait_for 30 eval "! lock_file_exists $repo"
	if start_locker; then
		stop_locker TERM terminated
	fi
	# What a SIGKILLed run leaves: a stale lock (this host, dead PID).
	CMDNAME=unlock rec unlock-none restic_at "$repo" unlock
	if start_locker; then
		stop_locker KILL killed
		CMDNAME="backup --json" rec stale-lock restic_at "$repo" backup --json --host rds-test "$W/src"
		CMDNAME=unlock rec unlock restic_at "$repo" unlock
		CMDNAME="backup --json" rec after-unlock restic_at "$repo" backup --json --host rds-test "$W/src"
	fi

	# Some files unreadable: run as nobody, one file only root can read.
	local nb=$W/nobody
	rm -rf "$nb"
	mkdir -p "$nb/src"
	echo readable >"$nb/src/ok.txt"
	echo secret >"$nb/src/unreadable.txt"
	chmod 0600 "$nb/src/unreadable.txt"
	cp "$SSH_KEY" "$nb/key"
	cp "$SSH_KNOWN_HOSTS" "$nb/known_hosts"
	cp "$W/pw" "$nb/pw"
	chown -R 65534:65534 "$nb"
	chown 0:0 "$nb/src/unreadable.txt"
	chmod 0600 "$nb/key"
	: >"$W/ssh.log"
	chmod 0666 "$W/ssh.log"
	CMDNAME="backup --json (as nobody)" RESTIC_CACHE_DIR=$nb/cache KEY=$nb/key KH=$nb/known_hosts PW=$nb/pw \
		rec incomplete setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$nb" bash -c "$(declare -f restic_at); R=$R W=$W SSHD_PORT=$SSHD_PORT KEY=$nb/key KH=$nb/known_hosts PW=$nb/pw restic_at $repo backup --json --host rds-test $nb/src"

	# ssh-level failures.
	sshd_wrong_known_hosts "$W/wrong_known_hosts"
	CMDNAME="backup --json" KH=$W/wrong_known_hosts rec hostkey-mismatch restic_at "$repo" backup --json --host rds-test "$W/src"
	: >"$W/empty_known_hosts"
	CMDNAME="backup --json" KH=$W/empty_known_hosts rec hostkey-unknown restic_at "$repo" backup --json --host rds-test "$W/src"
	sshd_other_key "$W/other_key"
	CMDNAME="backup --json" KEY=$W/other_key rec permission-denied restic_at "$repo" backup --json --host rds-test "$W/src"
	CMDNAME="backup --json" PORT=$(sshd_free_port $((SSHD_PORT + 1))) rec connection-refused restic_at "$repo" backup --json --host rds-test "$W/src"
	CMDNAME="backup --json" HOST=rds-no-such-host.invalid rec unresolvable restic_at "$repo" backup --json --host rds-test "$W/src"
}

if restic version 2>/dev/null | grep -q '^restic 0\.14\.'; then
	R=$(command -v restic) VER=0.14 record_version
fi
if [ -x "$RDS_CACHE/restic-0.18" ]; then
	R=$RDS_CACHE/restic-0.18 VER=0.18 record_version
fi
if [ "${RECORD_ONLY:-}" = unreadable ]; then
	# The other rows stay; a stable sort on the version keeps each
	# version's rows together and in recording order.
	awk -F'\t' 'NR == FNR { new[$1 FS $2] = 1; next } !(($1 FS $2) in new)' "$INDEX" "$OUT/index.tsv" |
		cat - "$INDEX" | sort -s -t "$(printf '\t')" -k1,1 >"$INDEX.merged" || exit 1
	mv "$INDEX.merged" "$INDEX"
fi
mv "$INDEX" "$OUT/index.tsv"
ok "recorded into $OUT"

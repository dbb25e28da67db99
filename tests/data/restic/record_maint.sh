#!/bin/bash
# Records the output of restic's maintenance commands (forget, prune, check)
# from REAL runs against the loopback sshd of tests/lib/sshd.sh, the argv
# shape of src/agent/restic.c's builders, into VERSION/CASE.stdout, .stderr (only
# the non-empty ones) and one line "VERSION CASE EXIT COMMAND" per case into
# maint.tsv (index.tsv is record.sh's and stays as it is).
#
#   bash tests/data/restic/record_maint.sh    (from the repository root, as root)
#
# The history is made with `backup --time` under TZ=UTC, so that the
# recorded snapshot times are the same in every recording; ids, paths, lock
# PIDs, sizes and host names vary. About 5 minutes.
set -u
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/harness.sh
. tests/lib/sshd.sh

OUT=tests/data/restic
RDS_CACHE=${RDS_CACHE:-/var/cache/rds}
INDEX=$OUT/maint.tsv.new
: >"$INDEX"
at_exit "rm -f $INDEX"
export TZ=UTC

sshd_start || exit 1
W=$SSHD_DIR/rec
mkdir -p "$W"

# rec NAME cmd...: as in record.sh; the command name is $CMDNAME.
rec() {
	local name=$1 rc
	shift
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	for f in out:stdout err:stderr; do
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

# restic_argv_base()'s argv (without ssh -E: ssh's messages are record.sh's).
restic_at() {
	${EXEC:+exec} "$R" -r "sftp:restic@127.0.0.1:$REPO" \
		-o "sftp.command=ssh restic@127.0.0.1 -p $SSHD_PORT -i $SSH_KEY -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -s sftp" \
		--password-file "$W/pw" "$@"
}

# snap HOST TIME PATH [TAG]...: one snapshot made at TIME.
snap() {
	local host=$1 t=$2 path=$3 tags=()
	shift 3
	for tg in "$@"; do tags+=(--tag "$tg"); done
	restic_at backup --json --host "$host" "${tags[@]}" --time "$t" "$path" >/dev/null 2>"$W/snap.err" ||
		{
			echo "# $VER: backup at $t failed" >&2
			cat "$W/snap.err" >&2
		}
}

lock_file_exists() { [ -n "$(ls -A "$REPO_ROOT/$REPO/locks" 2>/dev/null)" ]; }

# What restic_argv_forget builds for the agent of host rds-test, service db.
FILTER=(--host rds-test --tag rds,service=db --group-by host,paths,tags)

record_version() {
	local pid d big
	DEST=$OUT/$VER
	REPO=maint-$VER
	mkdir -p "$DEST"
	export RESTIC_CACHE_DIR=$W/cache-$VER
	echo "secret-$VER" >"$W/pw"
	rm -rf "$W/src" "$W/other" "${REPO_ROOT:?}/$REPO"
	mkdir -p "$W/src" "$W/other"
	echo hello >"$W/src/a.txt"
	head -c 2000000 /dev/urandom >"$W/src/random.bin"
	echo other >"$W/other/b.txt"
	restic_at init >/dev/null 2>&1 || echo "# $VER: init failed" >&2

	# The agent's snapshots: 10 days at noon, two on the last day; one
	# more of another path (a second group). Then the ones forget must
	# not touch: rds-test with one of the two tags, another host.
	for d in 01 02 03 04 05 06 07 08 09 10; do
		echo "$d" >"$W/src/day.txt"
		snap rds-test "2024-01-$d 12:00:00" "$W/src" rds service=db
	done
	snap rds-test "2024-01-10 08:00:00" "$W/src" rds service=db
	snap rds-test "2024-01-05 12:00:00" "$W/other" rds service=db
	snap rds-test "2024-01-03 12:00:00" "$W/src" rds
	snap rds-test "2024-01-03 12:00:00" "$W/src" service=db
	snap rds-test "2024-01-03 12:00:00" "$W/src" rds service=db keep
	snap other-host "2024-01-03 12:00:00" "$W/src" rds service=db

	# Which snapshots --tag selects: a comma list is AND, a repeated
	# --tag is OR (in both versions).
	CMDNAME="snapshots --json --host rds-test --tag rds,service=db" \
		rec tag-and restic_at snapshots --json --host rds-test --tag rds,service=db
	CMDNAME="snapshots --json --host rds-test --tag rds --tag service=db" \
		rec tag-or restic_at snapshots --json --host rds-test --tag rds --tag service=db

	# Policies that must never reach restic: empty, and --keep-tag alone
	# (dry runs: 0.14 would remove every snapshot without the tag).
	CMDNAME="forget --json FILTER --keep-last 0" rec forget-empty-policy restic_at forget --json "${FILTER[@]}" --keep-last 0
	CMDNAME="forget --json FILTER --keep-tag nosuchtag --dry-run" \
		rec forget-keep-tag-only restic_at forget --json "${FILTER[@]}" --keep-tag nosuchtag --dry-run

	CMDNAME="forget --json FILTER --keep-daily 3 --dry-run" \
		rec forget-dry-run restic_at forget --json "${FILTER[@]}" --keep-daily 3 --dry-run
	CMDNAME="forget --json FILTER --keep-daily 3" rec forget restic_at forget --json "${FILTER[@]}" --keep-daily 3
	CMDNAME="forget --json FILTER --keep-daily 3" rec forget-nothing restic_at forget --json "${FILTER[@]}" --keep-daily 3
	CMDNAME="forget --json --host no-such-host --tag rds --keep-daily 3" \
		rec forget-no-match restic_at forget --json --host no-such-host --tag rds --keep-daily 3
	CMDNAME=prune rec prune restic_at prune
	CMDNAME=prune rec prune-nothing restic_at prune
	CMDNAME=check rec check restic_at check
	CMDNAME="check --read-data" rec check-read-data restic_at check --read-data

	# A live exclusive lock, as in record.sh: a slow check --read-data.
	(
		set -m
		EXEC=1 restic_at check --read-data --limit-download 8 >"$W/locker.out" 2>"$W/locker.err"
	) &
	pid=$!
	at_exit "kill -9 $pid 2>/dev/null"
	if wait_for 30 lock_file_exists; then
		CMDNAME=prune rec prune-locked restic_at prune
		CMDNAME="forget --json FILTER --keep-daily 3" rec forget-locked restic_at forget --json "${FILTER[@]}" --keep-daily 3
		CMDNAME=check rec check-locked restic_at check
	else
		echo "# $VER: the locker did not lock" >&2
	fi
	kill -INT "$pid"
	wait "$pid"
	wait_for 30 eval "! lock_file_exists"

	# Damage: bytes flipped in the middle of the largest pack (the one
	# holding random.bin's blobs) on the server's disk. Only reading the
	# data finds it.
	big=$(find "$REPO_ROOT/$REPO/data" -type f -printf '%s %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
	printf 'CORRUPTED-BY-RECORD-MAINT' | dd of="$big" bs=1 seek=100000 conv=notrunc status=none
	CMDNAME=check rec check-corrupt-noread restic_at check
	CMDNAME="check --read-data" rec check-corrupt restic_at check --read-data
	CMDNAME="check --read-data-subset 100%" rec check-corrupt-subset restic_at check --read-data-subset 100%
}

if restic version 2>/dev/null | grep -q '^restic 0\.14\.'; then
	R=$(command -v restic) VER=0.14 record_version
fi
if [ -x "$RDS_CACHE/restic-0.18" ]; then
	R=$RDS_CACHE/restic-0.18 VER=0.18 record_version
fi
mv "$INDEX" "$OUT/maint.tsv"
ok "recorded into $OUT (maint.tsv)"

#!/bin/bash
# Scenario: retention with real restic over a real sshd (tests/lib/sshd.sh).
# A history of snapshots made with `restic backup --time` (the agent's host
# and tags over four years, hourly ones on the last day; another host, and
# the agent's host with other tags), then `restic forget` with the argv
# restic.c builds (tests/tools/maint_tool.c) for several policies, compared
# with tests/tools/retention.py, which works restic's documented rules out
# on its own. Checks that --dry-run removes nothing, that only the agent's
# own snapshots are touched, and reads forget's, prune's and check's output
# as restic_maint.c does.
# Runs for restic 0.14 (PATH) and, when present, $RDS_CACHE/restic-0.18;
# RESTIC_BIN=... runs just that binary. Needs `make` first (build/tests/maint_tool).
#
#   bash tests/integration/60-retention.sh        (from the repository root, as root)
#
# JOBS=N backups at once (default 3): restic takes shared locks for backup;
# 0.14 sometimes waits about 30 s on a lock file another backup just removed.
set -u
. "$(dirname "$0")/../lib/harness.sh"
. "$RDS_ROOT/tests/lib/sshd.sh"

RDS_CACHE=${RDS_CACHE:-/var/cache/rds}
TOOL=$BIN/tests/maint_tool
CALC=$RDS_ROOT/tests/tools/retention.py
JOBS=${JOBS:-3}
# Calendar buckets are those of the wall clock in the snapshots' times.
export TZ=UTC

if [ ! -x "$TOOL" ]; then
	not_ok "build/tests/maint_tool exists" "run make first"
	exit 1
fi
sshd_start || {
	not_ok "sshd starts"
	exit 1
}
ok "sshd listens on 127.0.0.1:$SSHD_PORT"
T=$SSHD_DIR/t
mkdir -p "$T" && chmod 0700 "$T"
install -m 0600 "$SSH_KEY" "$T/key"
head -c 32 /dev/urandom | base64 >"$T/password"
export T_HOST=127.0.0.1 T_PORT=$SSHD_PORT T_KEY=$T/key T_KH=$SSH_KNOWN_HOSTS T_PW=$T/password
unset FORGET_KEEP_LAST FORGET_KEEP_HOURLY FORGET_KEEP_DAILY FORGET_KEEP_WEEKLY FORGET_KEEP_MONTHLY \
	FORGET_KEEP_YEARLY FORGET_KEEP_WITHIN FORGET_KEEP_TAG

# The agent's snapshots are host rds-a, tags rds and service=x. The times,
# newest first: five on 2025-01-05 (a Sunday), one a day at noon before it
# for two weeks plus two either side of the new year (2024-12-30 is in ISO
# week 2025-W01), then every 5, 16 and 75 days back to 2021.
history() {
	python3 - <<'EOF'
import datetime as dt
end = dt.datetime(2025, 1, 5)
times = [end.replace(hour=h) for h in (1, 5, 9, 13, 17)]
times += [end.replace(hour=12) - dt.timedelta(days=d) for d in range(1, 15)]
times += [dt.datetime(2024, 12, 31, 23, 30), dt.datetime(2025, 1, 1, 0, 30)]
for step, start, stop in ((5, dt.datetime(2024, 12, 17, 12), dt.datetime(2024, 8, 1)),
                          (16, dt.datetime(2024, 7, 27, 12), dt.datetime(2023, 6, 1)),
                          (75, dt.datetime(2023, 5, 20, 12), dt.datetime(2021, 3, 1))):
    t = start
    while t >= stop:
        times.append(t)
        t -= dt.timedelta(days=step)
for t in times:
    print(t.strftime("%Y-%m-%d %H:%M:%S") + "|rds-a|rds service=x")
# Never to be touched: another host with the same tags, the agent's host
# with a hand-made tag only, or with one of its two tags.
for d in ("2024-06-01", "2024-12-01", "2025-01-04"):
    print(d + " 10:00:00|rds-b|rds service=x")
    print(d + " 11:00:00|rds-a|manual")
print("2023-01-01 10:00:00|rds-a|rds")
print("2024-12-29 10:00:00|rds-a|rds")
print("2024-12-29 10:00:00|rds-a|service=x")
EOF
}

# argv TOOL-ARGS...: the argv from maint_tool into the array ARGV.
argv() {
	ARGV=()
	mapfile -d '' ARGV < <("$TOOL" "$@") && [ "${#ARGV[@]}" -gt 0 ]
}

# One snapshot at time $1 of host $2 with tags $3 (words), of the tiny
# directory, whose stamp file changes (atomically) so that prune has
# something to free.
one_backup() {
	local t=$1 host=$2 tags=() tg
	for tg in $3; do tags+=(--tag "$tg"); done
	echo "$t $host $3" >"$SRC/.stamp.$BASHPID" && mv "$SRC/.stamp.$BASHPID" "$SRC/stamp"
	"${BASE[@]}" backup --json --host "$host" "${tags[@]}" --time "$t" "$SRC" >/dev/null 2>"$T/backup.$BASHPID.err" ||
		{
			echo "#   backup $t $host failed: $(tail -n 1 "$T/backup.$BASHPID.err")"
			return 1
		}
}

snapshots_json() { "${BASE[@]}" snapshots --json >"$1" 2>"$T/snapshots.err"; }
ids_of() { python3 -c 'import json,sys; [print(s["id"]) for s in json.load(open(sys.argv[1]))]' "$1" | sort; }
# The kept ids in forget --json output.
kept_of() {
	python3 -c '
import json, sys
for g in json.load(open(sys.argv[1])) or []:
    for s in g["keep"] or []:
        print(s["id"])' "$1" | sort
}

# policy_flags: FORGET_KEEP_* as the calculator's own flags.
policy_flags() {
	local v
	for v in LAST HOURLY DAILY WEEKLY MONTHLY YEARLY WITHIN; do
		local val
		eval "val=\${FORGET_KEEP_$v:-}"
		[ -n "$val" ] && printf -- '--keep-%s\n%s\n' "$(echo "$v" | tr 'A-Z' 'a-z')" "$val"
	done
	return 0
}

# calc ARGS...: the calculator over $T/all.json with the agent's filter.
calc() {
	local -a flags
	mapfile -t flags < <(policy_flags)
	python3 "$CALC" --host rds-a --tag rds,service=x --group-by host,paths,tags "${flags[@]}" $OLDEST "$@" \
		<"$T/all.json" | sort
}

# dry_run NAME: forget --dry-run with the current FORGET_KEEP_*, compared
# with the calculator; nothing may be removed.
dry_run() {
	local name=$1 count before after kept removed
	if ! argv forget -n rds-a rds service=x; then
		not_ok "$v: $name: maint_tool builds forget's argv"
		return
	fi
	before=$(ids_of "$T/all.json" | wc -l)
	"${ARGV[@]}" >"$T/$name.out" 2>"$T/$name.err"
	local rc=$?
	calc >"$T/$name.want"
	kept_of "$T/$name.out" >"$T/$name.got"
	count=$("$TOOL" count "$T/$name.out")
	if [ "$rc" = 0 ] && cmp -s "$T/$name.want" "$T/$name.got"; then
		ok "$v: $name ($("$TOOL" describe)): restic keeps the calculator's $(wc -l <"$T/$name.want") snapshots"
	else
		not_ok "$v: $name: kept set" "exit $rc; want $(wc -l <"$T/$name.want"), got $(wc -l <"$T/$name.got")"
		diff "$T/$name.want" "$T/$name.got" | head -n 20 | sed 's/^/#   /'
		show "$T/$name.err"
	fi
	read -r _ kept removed <<<"$count"
	[ "$kept" = "$(wc -l <"$T/$name.want")" ] && [ $((kept + removed)) = "$SELECTED" ] &&
		ok "$v: $name: forget's output reads as $kept kept, $removed would be removed" ||
		not_ok "$v: $name: forget's output" "maint_tool count: '$count', want $(wc -l <"$T/$name.want") of $SELECTED"
	snapshots_json "$T/after-$name.json"
	after=$(ids_of "$T/after-$name.json" | wc -l)
	[ "$before" = "$after" ] && ok "$v: $name: --dry-run removed nothing ($after snapshots)" ||
		not_ok "$v: $name: --dry-run removed something" "$before before, $after after"
}

scenario() {
	local bin=$1 ver minor start secs n
	ver=$("$bin" version | awk '{print $2}')
	minor=$(echo "$ver" | cut -d. -f2)
	v="restic $ver"
	OLDEST=
	# 0.17+ keeps a group's oldest snapshot when a count has some left.
	[ "$minor" -ge 17 ] && OLDEST=--keep-oldest
	export T_BIN=$bin T_REPO="retention-$ver" RESTIC_CACHE_DIR=$T/cache-$ver
	SRC=$T/src-$ver
	mkdir -p "$SRC" && echo tiny >"$SRC/file"
	argv prune && BASE=("${ARGV[@]:0:${#ARGV[@]}-1}") || {
		not_ok "$v: maint_tool builds the base argv"
		return
	}
	"${BASE[@]}" init >/dev/null 2>"$T/init.err" || {
		not_ok "$v: init" "$(cat "$T/init.err")"
		return
	}

	start=$SECONDS
	history >"$T/history"
	n=$(wc -l <"$T/history")
	export -f one_backup
	export SRC T
	# xargs cannot pass an array: each job builds BASE with maint_tool.
	local failed
	failed=$(
		while IFS='|' read -r t host tags; do
			printf '%s\0%s\0%s\0' "$t" "$host" "$tags"
		done <"$T/history" |
			xargs -0 -n 3 -P "$JOBS" bash -c 'mapfile -d "" BASE < <("$0" prune); unset "BASE[${#BASE[@]}-1]"
				one_backup "$1" "$2" "$3"' "$TOOL" 2>&1 | grep -c "failed"
	)
	secs=$((SECONDS - start))
	snapshots_json "$T/all.json"
	if [ "$failed" = 0 ] && [ "$(ids_of "$T/all.json" | wc -l)" = "$n" ]; then
		ok "$v: $n snapshots made with backup --time in ${secs}s ($JOBS at once)"
	else
		not_ok "$v: history" "$failed backups failed; $(ids_of "$T/all.json" | wc -l) of $n snapshots"
		return
	fi
	SELECTED=$(python3 -c '
import json, sys
print(sum(1 for s in json.load(open(sys.argv[1]))
          if s["hostname"] == "rds-a" and {"rds", "service=x"} <= set(s.get("tags") or [])))' "$T/all.json")

	# Policies compared as dry runs: the issue's; one whose yearly count
	# is not used up (0.17+ keeps the oldest too); hourly, last, within.
	export FORGET_KEEP_DAILY=7 FORGET_KEEP_WEEKLY=5 FORGET_KEEP_MONTHLY=12 FORGET_KEEP_YEARLY=3
	dry_run dry-run
	unset FORGET_KEEP_DAILY FORGET_KEEP_WEEKLY FORGET_KEEP_MONTHLY
	export FORGET_KEEP_YEARLY=10
	dry_run dry-run-yearly
	local oldest
	oldest=$(python3 -c '
import json, sys
s = [s for s in json.load(open(sys.argv[1])) if s["hostname"] == "rds-a" and "service=x" in (s.get("tags") or [])
     and "rds" in (s.get("tags") or [])]
print(min(s, key=lambda s: s["time"])["id"])' "$T/all.json")
	if grep -qx "$oldest" "$T/dry-run-yearly.got"; then
		echo "# $v: keep-yearly 10 keeps the oldest snapshot too (0.17+ rule)"
	else
		echo "# $v: keep-yearly 10 does not keep the oldest snapshot (before 0.17)"
	fi
	unset FORGET_KEEP_YEARLY
	export FORGET_KEEP_LAST=4 FORGET_KEEP_HOURLY=3 FORGET_KEEP_WITHIN=10d
	dry_run dry-run-within
	unset FORGET_KEEP_LAST FORGET_KEEP_HOURLY FORGET_KEEP_WITHIN

	# The real forget with the issue's policy.
	export FORGET_KEEP_DAILY=7 FORGET_KEEP_WEEKLY=5 FORGET_KEEP_MONTHLY=12 FORGET_KEEP_YEARLY=3
	argv forget rds-a rds service=x && "${ARGV[@]}" >"$T/forget.out" 2>"$T/forget.err"
	local rc=$? count
	calc --survivors >"$T/survivors.want"
	snapshots_json "$T/after.json"
	ids_of "$T/after.json" >"$T/survivors.got"
	if [ "$rc" = 0 ] && cmp -s "$T/survivors.want" "$T/survivors.got"; then
		ok "$v: forget leaves exactly the calculator's $(wc -l <"$T/survivors.got") snapshots"
	else
		not_ok "$v: forget's survivors" "exit $rc"
		diff "$T/survivors.want" "$T/survivors.got" | head -n 20 | sed 's/^/#   /'
		show "$T/forget.err"
	fi
	local untouched
	untouched=$(python3 - "$T/all.json" "$T/after.json" <<'EOF'
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
left = {s["id"] for s in after}
others = [s for s in before if not (s["hostname"] == "rds-a" and {"rds", "service=x"} <= set(s.get("tags") or []))]
missing = [s["id"][:8] for s in others if s["id"] not in left]
print("%d of %d" % (len(others) - len(missing), len(others)))
EOF
	)
	[ "$untouched" = "9 of 9" ] && ok "$v: every snapshot of rds-b and every hand-tagged one survives ($untouched)" ||
		not_ok "$v: another host's or a hand-tagged snapshot was removed" "$untouched survive"
	count=$("$TOOL" count "$T/forget.out")
	[ "$count" = "1 $(($(wc -l <"$T/survivors.want") - 9)) $((SELECTED + 9 - $(wc -l <"$T/survivors.want")))" ] &&
		ok "$v: forget's output reads as 1 group, kept and removed as restic did ($count)" ||
		not_ok "$v: forget's output" "maint_tool count: '$count'"
	argv forget rds-a rds service=x && "${ARGV[@]}" >"$T/forget2.out" 2>"$T/forget2.err"
	count=$("$TOOL" count "$T/forget2.out")
	[ "${count##* }" = 0 ] && ok "$v: a second forget removes nothing ($count)" ||
		not_ok "$v: a second forget" "maint_tool count: '$count'"
	unset FORGET_KEEP_DAILY FORGET_KEEP_WEEKLY FORGET_KEEP_MONTHLY FORGET_KEEP_YEARLY

	# prune and check with their own extra words.
	local freed
	argv prune --max-unused 0% && "${ARGV[@]}" >"$T/prune.out" 2>"$T/prune.err"
	rc=$?
	freed=$("$TOOL" freed "$T/prune.out")
	[ "$rc" = 0 ] && [ "${freed%% *}" -gt 0 ] && ok "$v: prune --max-unused 0% frees $freed (bytes, as restic wrote it)" ||
		not_ok "$v: prune" "exit $rc, freed '$freed'"
	argv check --read-data-subset 50% && "${ARGV[@]}" >"$T/check.out" 2>"$T/check.err"
	rc=$?
	[ "$rc" = 0 ] && [ -z "$("$TOOL" check-error "$T/check.err")" ] &&
		ok "$v: check --read-data-subset 50% finds no error" ||
		not_ok "$v: check" "exit $rc: $("$TOOL" check-error "$T/check.err")"
	echo "# $v: $((SECONDS - start))s in all"
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

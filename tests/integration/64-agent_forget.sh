#!/usr/bin/env bash
# The agent's retention with real restic over the real sshd: a history made
# with `restic backup --time` under the agent's host and tag, plus another
# host's and a hand-tagged snapshot in the same repository; `rds-agent
# forget --dry-run` shows the policy and removes nothing; `rds-agent forget`
# keeps exactly what tests/tools/retention.py works out from restic's
# documented rules, and never touches the other host's or the hand-tagged
# snapshots; a backup with a policy set forgets after itself and records the
# counts; bad policies are refused at start.
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"
echo "# restic: $($RESTIC_BINARY version 2>&1 | head -n1); agent: ${AGENT_WRAP:-plain} $BIN"
export TZ=UTC

sshd_start || { not_ok "sshd started"; exit 1; }
agent_env forget
make_data "$BACKUP_PATH" 5
unset FORGET_KEEP_LAST FORGET_KEEP_HOURLY FORGET_KEEP_DAILY FORGET_KEEP_WEEKLY FORGET_KEEP_MONTHLY \
	FORGET_KEEP_YEARLY FORGET_KEEP_WITHIN FORGET_KEEP_TAG
minor=$("$RESTIC_BINARY" version | awk '{print $2}' | cut -d. -f2)
oldest=
[ "$minor" -ge 17 ] && oldest=--keep-oldest # 0.17+ keeps a group's oldest when a count has some left

agent_run "$T_DIR/b0.log" || { not_ok "first backup"; show "$T_DIR/b0.log"; exit 1; }
grep -q "retention: keep every snapshot (no FORGET_KEEP_\* set)" "$T_DIR/b0.log" &&
	ok "no policy: the start-up log says every snapshot is kept" || { not_ok "no-policy log line"; show "$T_DIR/b0.log"; }
# 60 days back, one a day at 12:00, and two more (13:00, 14:00) three days
# ago (equal times would leave restic's order among them open); the agent's host
# and tag. Then another host, and the agent's host with a hand-made tag.
for d in $(seq 1 60) 3:13 3:14; do
	at=${d#*:}
	[ "$at" = "$d" ] && at=12
	restic_direct forget backup --host it-host --tag rds --time "$(date -u -d "${d%:*} days ago $at:00" '+%Y-%m-%d %H:%M:%S')" \
		"$BACKUP_PATH" >/dev/null 2>&1 || not_ok "history backup $d"
done
restic_direct forget backup --host other-host --tag rds --time "$(date -u -d '200 days ago' '+%Y-%m-%d %H:%M:%S')" "$BACKUP_PATH" >/dev/null 2>&1
restic_direct forget backup --host it-host --tag manual --time "$(date -u -d '300 days ago' '+%Y-%m-%d %H:%M:%S')" "$BACKUP_PATH" >/dev/null 2>&1
restic_direct forget snapshots --json >"$T_DIR/all.json" 2>/dev/null
n_all=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T_DIR/all.json")
[ "$n_all" = 65 ] && ok "a history of $n_all snapshots" || not_ok "history" "$n_all snapshots"
ids() { restic_direct forget snapshots --json 2>/dev/null | python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)]' | sort; }

export FORGET_KEEP_DAILY=7 FORGET_KEEP_WEEKLY=4 FORGET_KEEP_MONTHLY=2
$AGENT_WRAP "$BIN/rds-agent" forget --dry-run >"$T_DIR/dry.out" 2>"$T_DIR/dry.err"
rc=$?
[ "$rc" = 0 ] && grep -qi "remove" "$T_DIR/dry.out" && grep -qi "keep" "$T_DIR/dry.out" &&
	ok "forget --dry-run: exit 0, restic's table of what it would keep and remove" || { not_ok "forget --dry-run" "rc=$rc"; show "$T_DIR/dry.out" "$T_DIR/dry.err"; }
[ "$(ids | wc -l)" = 65 ] && ok "--dry-run removed nothing" || not_ok "--dry-run removed something" "$(ids | wc -l) left"
[ -z "$(status_field forget)" ] && ok "--dry-run records nothing in the status" || not_ok "dry run recorded" "$(status_field forget)"

python3 "$RDS_ROOT/tests/tools/retention.py" --host it-host --tag rds --group-by host,paths,tags --keep-daily 7 \
	--keep-weekly 4 --keep-monthly 2 $oldest --survivors <"$T_DIR/all.json" | sort >"$T_DIR/want"
$AGENT_WRAP "$BIN/rds-agent" forget >"$T_DIR/f1.log" 2>&1
rc=$?
ids >"$T_DIR/got"
[ "$rc" = 0 ] && cmp -s "$T_DIR/want" "$T_DIR/got" &&
	ok "rds-agent forget keeps exactly the calculator's $(wc -l <"$T_DIR/want") snapshots (of 65)" ||
	{ not_ok "forget survivors" "rc=$rc"; diff "$T_DIR/want" "$T_DIR/got" | head | show; show "$T_DIR/f1.log"; }
keep_ids() { python3 -c 'import json,sys; [print(s["id"]) for s in json.load(open(sys.argv[1])) if s["hostname"] != "it-host" or "manual" in (s.get("tags") or [])]' "$T_DIR/all.json"; }
missing=0
for id in $(keep_ids); do grep -qx "$id" "$T_DIR/got" || missing=$((missing + 1)); done
[ "$missing" = 0 ] && ok "the other host's and the hand-tagged snapshots all survive" || not_ok "foreign snapshots removed" "$missing"
removed=$(python3 -c 'import json,sys; j=list(json.load(open(sys.argv[1]))["jobs"].values())[0]["forget"]; print(j["result"], j["removed"], j["kept"])' "$STATUS_FILE")
[ "$removed" = "ok $((65 - $(wc -l <"$T_DIR/got"))) $(($(wc -l <"$T_DIR/got") - 2))" ] &&
	ok "the status records the forget: $removed (result, removed, kept of its own)" || not_ok "forget in the status" "$removed"
grep -q "forget done in .*s: [0-9]* snapshots removed, [0-9]* kept (keep daily 7, weekly 4, monthly 2)" "$T_DIR/f1.log" &&
	ok "one log line with the numbers: $(grep -o 'forget done.*' "$T_DIR/f1.log")" || { not_ok "forget log line"; show "$T_DIR/f1.log"; }

# A backup with the policy forgets after itself.
runs=$(python3 -c 'import json,sys; print(list(json.load(open(sys.argv[1]))["jobs"].values())[0]["forget"]["runs"])' "$STATUS_FILE")
agent_run "$T_DIR/b1.log" && grep -q "forget done" "$T_DIR/b1.log" &&
	[ "$(python3 -c 'import json,sys; print(list(json.load(open(sys.argv[1]))["jobs"].values())[0]["forget"]["runs"])' "$STATUS_FILE")" = $((runs + 1)) ] &&
	ok "a backup with a policy runs forget after it" || { not_ok "forget after backup"; show "$T_DIR/b1.log"; }

# Refused at start, exit 2, one line naming the variable.
refused() { # NAME VAR=VALUE... TEXT: exit 2 and a line with TEXT
	local name=$1 want=${!#} rc
	shift
	env "${@:1:$#-1}" "$BIN/rds-agent" forget >"$T_DIR/refused.log" 2>&1
	rc=$?
	[ "$rc" = 2 ] && grep -q "rds-agent: .*$want" "$T_DIR/refused.log" &&
		ok "$name is refused: $(grep 'rds-agent:' "$T_DIR/refused.log")" || { not_ok "$name refused" "rc=$rc"; show "$T_DIR/refused.log"; }
}
unset FORGET_KEEP_DAILY FORGET_KEEP_WEEKLY FORGET_KEEP_MONTHLY
refused "a negative count" FORGET_KEEP_DAILY=-1 "FORGET_KEEP_DAILY"
refused "a word for a count" FORGET_KEEP_LAST=all "FORGET_KEEP_LAST"
refused "a bad duration" FORGET_KEEP_WITHIN=3w "FORGET_KEEP_WITHIN"
refused "a policy of zeros" FORGET_KEEP_LAST=0 FORGET_KEEP_DAILY=0 "FORGET_KEEP_"
refused "a tag alone" FORGET_KEEP_TAG=important "FORGET_KEEP_TAG"
"$BIN/rds-agent" forget >"$T_DIR/none.log" 2>&1
[ $? = 2 ] && grep -q "no FORGET_KEEP_\* is set" "$T_DIR/none.log" && ok "forget without a policy: exit 2, says so" ||
	{ not_ok "forget without a policy"; show "$T_DIR/none.log"; }
exit 0

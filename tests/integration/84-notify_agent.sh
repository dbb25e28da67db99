#!/usr/bin/env bash
# Notifications and pings from a scheduled agent (real sshd and restic;
# local receivers on 127.0.0.1 stand in for the services,
# tests/lib/receiver.py):
#   1. NOTIFY_ON=change: a good backup sends nothing; a failed one (wrong
#      repository password) reaches every URL form (generic, ntfy, gotify, a
#      Slack-compatible webhook) with the documented method, path, headers
#      and body; the next good one sends backup_recovered; PING_URL gets
#      /start, the URL and /fail with the error as body;
#   2. NOTIFY_ON=failure: failures only, no recovery;
#   3. a receiver that never answers and one that answers 500: every
#      scheduled backup still starts on time; the failures are logged once
#      per endpoint and counted in the metrics;
#   4. no success within HEALTH_MAX_AGE: backup_stale, once;
#   5. a configuration error at start: config_error, then exit 2; the same
#      error again at once is not sent again;
#   6. the repository password, the key and the URLs' tokens in no log line.
#   BUILD=dir bash tests/integration/84-notify_agent.sh
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"

sshd_start || { not_ok "sshd started"; exit 1; }
agent_env notify
make_data "$BACKUP_PATH" 10
late_max=250
[ -n "$AGENT_WRAP" ] && late_max=900
R=$T_DIR/recv
mkdir -p "$R"
receiver() { # NAME [OPTIONS]
	local name=$1
	shift
	/usr/bin/python3 "$RDS_ROOT/tests/lib/receiver.py" "$R/$name.log" "$R/$name.port" "$@" &
	at_exit "kill $!"
	wait_for 10 test -s "$R/$name.port" || { not_ok "receiver $name listens"; exit 1; }
	touch "$R/$name.log"
}
port() { cat "$R/$1.port"; }
# events NAME: the event names (or paths) receiver NAME got, one per line.
events() {
	/usr/bin/python3 - "$R/$1.log" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    try:
        b = json.loads(r["body"])
    except ValueError:
        b = {}
    print(b.get("event") or r["path"] if isinstance(b, dict) else r["path"])
EOF
}
count_of() { events "$1" | grep -c "^$2\$"; }
# req NAME N EXPR: EXPR holds for request N (1-based; -1 the last) of NAME.
req() {
	/usr/bin/python3 - "$R/$1.log" "$2" "$3" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
r = json.loads(lines[int(sys.argv[2]) - (1 if int(sys.argv[2]) > 0 else 0)])
h, body = r["headers"], r["body"]
try:
    b = json.loads(body)
except ValueError:
    b = None
sys.exit(0 if eval(sys.argv[3]) else 1)
EOF
}
receiver ok
P=$(port ok)
GOTIFY_TOKEN=Agotifytoken$$x
GOTIFY_TOKEN=${GOTIFY_TOKEN:0:15}
NTFY_PASS=ntfypw$$
HOOK=hk$$path
PING=uuid-$$-ping
URLS="generic+http://127.0.0.1:$P/generic ntfy://bob:$NTFY_PASS@127.0.0.1:$P/backups?scheme=http gotify://127.0.0.1:$P/$GOTIFY_TOKEN?disabletls=yes http://127.0.0.1:$P/hooks/$HOOK"
export PING_URL=http://127.0.0.1:$P/ping/$PING
good_pw() { cp "$T_DIR/password.good" "$RESTIC_REPO_PASSWORD_FILE"; }
bad_pw() { echo "not the password" >"$RESTIC_REPO_PASSWORD_FILE"; }
cp "$RESTIC_REPO_PASSWORD_FILE" "$T_DIR/password.good"
start_agent() { # LOG VAR=VALUE...
	local log=$1
	shift
	env "$@" RUN_AT="*/3 * * * * *" $AGENT_WRAP "$BIN/rds-agent" >"$log" 2>&1 &
	apid=$!
}
stop_agent() { kill -TERM "$apid" 2>/dev/null; wait "$apid" 2>/dev/null; }
apid=
at_exit '[ -z "$apid" ] || kill "$apid" 2>/dev/null'
runs() { status_field runs 2>/dev/null || echo 0; }
result() { status_field result 2>/dev/null; }

# 1. NOTIFY_ON=change.
start_agent "$T_DIR/a1.log" NOTIFY_URLS="$URLS" NOTIFY_ON=change
wait_for 40 eval '[ "$(runs)" -ge 2 ] && [ "$(result)" = ok ]' || { not_ok "backups run"; show "$T_DIR/a1.log"; }
[ "$(events ok | grep -vc '^/ping/')" = 0 ] && ok "change: a good backup sends no notification" ||
	not_ok "nothing for a good backup" "$(events ok | tr '\n' ' ')"
req ok 1 'r["method"] == "POST" and r["path"] == "/ping/'"$PING"'/start"' &&
	ok "PING_URL/start when a backup starts" || not_ok "ping start" "$(head -n 1 "$R/ok.log")"
[ "$(count_of ok "/ping/$PING")" -ge 1 ] && ok "PING_URL itself on success" || not_ok "ping success" "$(events ok | tr '\n' ' ')"
n0=$(wc -l <"$R/ok.log")
bad_pw
wait_for 40 eval '[ "$(count_of ok backup_failed)" -ge 1 ]' &&
	ok "a failed backup is notified" || { not_ok "backup_failed sent"; show "$T_DIR/a1.log"; }
wait_for 10 eval '[ "$(events ok | grep -c "^/ping/'"$PING"'/fail$")" -ge 1 ] && [ "$(grep -c "\"path\": \"/backups\"\|\"topic\"" "$R/ok.log")" -ge 1 ]'
# Each form's request, as its service reads it.
last_of() { # PATH: the line number of the last request to PATH after n0
	awk -v p="\"path\": \"$1\"" -v n="$n0" 'NR > n && index($0, p) { k = NR } END { print k + 0 }' "$R/ok.log"
}
g=$(last_of /generic)
[ "$g" -gt 0 ] && req ok "$g" 'r["method"] == "POST" and h["content-type"].startswith("application/json") and b["version"] == 1 and b["event"] == "backup_failed" and b["job"] == "it-host" and b["node"] and b["result"] == "failed" and "password" in b["message"] and b["repo"].startswith("sftp:")' &&
	ok "generic+http: POST our JSON document (version 1, event, job, node, result, message, repo)" ||
	not_ok "generic request" "$(sed -n "${g}p" "$R/ok.log" | head -c 600)"
nt=$(last_of /)
[ "$nt" -gt 0 ] && req ok "$nt" 'r["method"] == "POST" and b["topic"] == "backups" and "it-host" in b["title"] and "password" in b["message"] and h["authorization"].startswith("Basic ")' &&
	ok "ntfy: POST / with topic, title and message, basic auth" || not_ok "ntfy request" "$(sed -n "${nt}p" "$R/ok.log" | head -c 600)"
go=$(last_of /message)
[ "$go" -gt 0 ] && req ok "$go" 'r["method"] == "POST" and h["x-gotify-key"] == "'"$GOTIFY_TOKEN"'" and "it-host" in b["title"] and "password" in b["message"] and b["priority"] >= 5' &&
	ok "gotify: POST /message with the token in X-Gotify-Key, a failure's priority" || not_ok "gotify request" "$(sed -n "${go}p" "$R/ok.log" | head -c 600)"
sl=$(last_of "/hooks/$HOOK")
[ "$sl" -gt 0 ] && req ok "$sl" 'r["method"] == "POST" and "it-host" in b["text"] and "password" in b["text"]' &&
	ok "Slack-compatible webhook: POST {text}" || not_ok "slack request" "$(sed -n "${sl}p" "$R/ok.log" | head -c 600)"
pf=$(last_of "/ping/$PING/fail")
[ "$pf" -gt 0 ] && req ok "$pf" 'r["method"] == "POST" and "password" in body' &&
	ok "PING_URL/fail with the error as body" || not_ok "ping fail" "$(sed -n "${pf}p" "$R/ok.log" | head -c 400)"
good_pw
wait_for 40 eval '[ "$(count_of ok backup_recovered)" -ge 1 ]' &&
	ok "change: the first good backup after a failure sends backup_recovered" || { not_ok "recovered sent"; show "$T_DIR/a1.log"; }
r=$(runs)
wait_for 20 eval '[ "$(runs)" -ge $((r + 2)) ]'
[ "$(count_of ok backup_recovered)" = 1 ] && [ "$(count_of ok backup_ok)" = 0 ] &&
	ok "and only the first (no message for the good ones after it)" || not_ok "one recovery" "$(events ok | sort | uniq -c | tr '\n' ' ')"
stop_agent

# 2. NOTIFY_ON=failure (the default).
receiver f
URLF="generic+http://127.0.0.1:$(port f)/f"
start_agent "$T_DIR/a2.log" NOTIFY_URLS="$URLF" PING_URL=
bad_pw
wait_for 40 eval '[ "$(count_of f backup_failed)" -ge 1 ]' && ok "failure: a failed backup is sent" || not_ok "failure: failed sent"
good_pw
wait_for 40 eval '[ "$(result)" = ok ]'
r=$(runs)
wait_for 20 eval '[ "$(runs)" -ge $((r + 1)) ]'
[ "$(count_of f backup_recovered)" = 0 ] && [ "$(count_of f backup_ok)" = 0 ] &&
	ok "failure: no recovery or success sent" || not_ok "failure filter" "$(events f | sort | uniq -c | tr '\n' ' ')"
stop_agent

# 3. Receivers that never answer or fail: the schedule does not wait.
receiver hang --hang
receiver e500 --status 500
URLB="generic+http://127.0.0.1:$(port hang)/h generic+http://127.0.0.1:$(port e500)/e"
MPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bad_pw
start_agent "$T_DIR/a3.log" NOTIFY_URLS="$URLB" PING_URL= NOTIFY_TIMEOUT_MS=4000 NOTIFY_ATTEMPTS=2 METRICS_ADDR="127.0.0.1:$MPORT"
t_from=$(date -u +%H:%M:%S)
sleep 16
starts=$(awk -v a="$t_from" '/ started \(host / && substr($1, 12, 8) >= a { print $1 }' "$T_DIR/a3.log")
n=$(echo "$starts" | grep -c .)
late=$(echo "$starts" | sed -n 's/.*\.\([0-9]\{3\}\)Z$/\1/p' | sort -n | tail -n 1)
[ "$n" -ge 4 ] && [ -n "$late" ] && [ "$((10#$late))" -le "$late_max" ] &&
	ok "with a silent and a failing receiver $n scheduled backups started, the latest ${late} ms after its second" ||
	{ not_ok "schedule with bad receivers" "n=$n latest=${late:-?} ms"; show "$T_DIR/a3.log"; }
[ "$(grep -c "notification to generic+http://127.0.0.1:$(port e500) not delivered" "$T_DIR/a3.log")" = 1 ] &&
	ok "the failing endpoint is logged once (not once per message)" ||
	not_ok "delivery failure logged once" "$(grep -c "not delivered" "$T_DIR/a3.log")"
curl -s "http://127.0.0.1:$MPORT/metrics" >"$T_DIR/m3.txt"
grep -Eq "^rds_notify_deliveries_total\{endpoint=\"generic\+http://127.0.0.1:$(port e500)\",result=\"failed\"\} [1-9]" "$T_DIR/m3.txt" &&
	ok "delivery failures counted per endpoint in the metrics" || not_ok "deliveries metric" "$(grep notify "$T_DIR/m3.txt")"
stop_agent
good_pw

# 4. Stale: no success within HEALTH_MAX_AGE, sent once.
receiver st
bad_pw
start_agent "$T_DIR/a4.log" NOTIFY_URLS="generic+http://127.0.0.1:$(port st)/st" PING_URL= HEALTH_MAX_AGE=8s
wait_for 30 eval '[ "$(count_of st backup_stale)" -ge 1 ]' &&
	ok "no success within HEALTH_MAX_AGE: backup_stale is sent" || { not_ok "stale sent"; show "$T_DIR/a4.log"; }
sleep 8
[ "$(count_of st backup_stale)" = 1 ] && ok "once per breach ($(count_of st backup_failed) failures sent meanwhile)" ||
	not_ok "stale once" "$(count_of st backup_stale)"
stop_agent
good_pw

# 5. A configuration error at start.
receiver ce
for i in 1 2; do
	env NOTIFY_URLS="generic+http://127.0.0.1:$(port ce)/ce" HOOK_TIMEOUT=soon RUN_AT="*/3 * * * * *" \
		$AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/ce$i.log" 2>&1
	echo $? >"$T_DIR/ce$i.rc"
done
[ "$(cat "$T_DIR/ce1.rc")" = 2 ] && [ "$(count_of ce config_error)" -ge 1 ] &&
	req ce 1 '"HOOK_TIMEOUT" in b["message"] and b["node"]' &&
	ok "a configuration error is sent (naming the setting), then exit 2" || { not_ok "config_error"; show "$T_DIR/ce1.log"; }
[ "$(cat "$T_DIR/ce2.rc")" = 2 ] && [ "$(count_of ce config_error)" = 1 ] &&
	ok "the same error at the next start is not sent again within the hour" || not_ok "config_error once" "$(count_of ce config_error)"

# 6. No secret in any log.
leaks=0
for s in "correct horse" "$(sed -n 2p "$SSH_KEY")" "$GOTIFY_TOKEN" "$NTFY_PASS" "$HOOK" "$PING"; do
	grep -qF -- "$s" "$T_DIR"/a*.log "$T_DIR"/ce*.log && leaks=$((leaks + 1))
done
[ "$leaks" = 0 ] && ok "no password, key or URL token in any log line" || not_ok "secrets in the logs" "$leaks"
t_finish

#!/usr/bin/env bash
# rds-notify against python3 receivers on 127.0.0.1 (tests/lib/receiver.py;
# no Docker; root only for the fixed-host section):
#   - every form pointed at a receiver over plain http: generic+http://
#     (basic auth, an @header, a kept query, PUT), ntfy with ?scheme=http
#     (token and user:password), gotify with ?disabletls=yes (a subpath), a
#     Slack-compatible webhook URL; method, path, headers and the JSON body
#     as each service reads it (job, node, what failed, the message);
#   - PING_URL: healthchecks.io's /start, success and /fail (the query kept,
#     the error as body, cut at 10 KiB); an Uptime Kuma push URL (GET,
#     status=down and the first line as msg, nothing at start);
#   - an endpoint answering 500: tried 3 times with 1 s and 3 s between,
#     then "fail"; a 401: tried once; one that never answers: given up
#     within timeout x attempts (+ the waits, + slack); a good endpoint next
#     to a failing one is reported at once, not after it; a server that
#     answers 300 KB is judged by its status, its answer cut short;
#   - a redirect to the same host is followed, one to another host is not;
#   - TLS is verified: a self-signed receiver fails once, and is accepted
#     with its certificate as NOTIFY_CA_FILE (when openssl is installed);
#   - slack://, discord:// and ntfy://ntfy.sh reach their fixed https hosts
#     (as root: a network and mount namespace whose /etc/hosts names
#     127.0.0.1 for them, and a receiver on port 443);
#   - bad URLs, documents and settings exit 2 with one line naming them;
#   - no token, password or key of a URL in anything rds-notify printed.
#   BUILD=dir bash tests/integration/80-notify_send.sh
#   NOTIFY_WRAP="valgrind -q --error-exitcode=99" runs rds-notify under a
#   checker (the timing checks leave it room).
source "$(dirname "$0")/../lib/harness.sh"

NOTIFY=$BIN/rds-notify
NOTIFY_WRAP=${NOTIFY_WRAP:-}
T=$(mktemp -d /tmp/rds-it-notify.XXXXXX)
at_exit "rm -rf '$T'"
[ -x "$NOTIFY" ] || { not_ok "rds-notify is built in $BIN"; exit 1; }
command -v python3 >/dev/null || { not_ok "python3 is installed (the receivers)"; exit 1; }

# Secrets of the URLs below: none may ever be printed.
S_PASS="pw-gen-$$"
S_KEY="key-$$-hdr"
S_NTFY="tk_ntfy$$tok"
S_NTFYPW="s3cret-$$"
S_GOTIFY=$(printf 'A%014d' $$)
S_HOOK="hook$$path"
S_PING="uuid-$$-ping"
S_KUMA="kuma$$push"
SECRETS=("$S_PASS" "$S_KEY" "$S_NTFY" "$S_NTFYPW" "$S_GOTIFY" "$S_HOOK" "$S_PING" "$S_KUMA")

# receiver NAME [OPTIONS]: starts tests/lib/receiver.py, logging to
# $T/NAME.log; its port in $T/NAME.port.
receiver() {
	local name=$1
	shift
	python3 "$RDS_ROOT/tests/lib/receiver.py" "$T/$name.log" "$T/$name.port" "$@" &
	at_exit "kill $!"
	wait_for 10 test -s "$T/$name.port" || { not_ok "receiver $name listens"; exit 1; }
	touch "$T/$name.log"
}
port() { cat "$T/$1.port"; }
count() { wc -l <"$T/$1.log"; }

# run NAME STDIN [VAR=VALUE...] [ARGS...]: rds-notify in a clean
# environment (no proxy), stdout in $T/NAME.out, stderr in $T/NAME.err; RC
# its exit status, MS how long it took.
run() {
	local name=$1 in=$2 vars=() args=() t0
	shift 2
	for a in "$@"; do
		case $a in
		[A-Z]*=*) vars+=("$a") ;;
		*) args+=("$a") ;;
		esac
	done
	t0=$(date +%s%N)
	env -i PATH="$PATH" "${vars[@]}" $NOTIFY_WRAP "$NOTIFY" "${args[@]}" <"$in" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	cat "$T/$name.out" "$T/$name.err" >>"$T/printed"
}

# req NAME EXPR: EXPR (python) holds for the last request receiver NAME got:
# r the request, h its headers, b its body as JSON (None when it is not).
req() {
	python3 - "$T/$1.log" "$2" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
r = json.loads(lines[-1]) if lines else {"method": "", "path": "", "headers": {}, "body": ""}
h = r["headers"]
try:
    b = json.loads(r["body"])
except ValueError:
    b = None
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}

# expect NAME RC LINE what: rds-notify's run NAME exited RC and printed LINE.
expect() {
	if [ "$RC" = "$2" ] && [ "$(cat "$T/$1.out")" = "$3" ]; then
		ok "$4"
	else
		not_ok "$4" "rc=$RC (want $2), stdout: $(tr '\n' '|' <"$T/$1.out") stderr: $(head -c 300 "$T/$1.err")"
	fi
}

cat >"$T/event.json" <<'EOF'
{"version":1,"event":"backup_failed","job":"stack_db","service":"stack_db","node":"node-1",
 "repo":"sftp:restic@server:db","result":"failed",
 "message":"Fatal: unable to open repository: ssh: connect to host server port 2222: Connection refused",
 "time":"2024-05-01T03:00:02Z"}
EOF
: >"$T/empty"
receiver ok
P=$(port ok)

# 1. Each form, over plain http.
run generic "$T/event.json" \
	NOTIFY_URLS="generic+http://rds:$S_PASS@127.0.0.1:$P/in/rds?src=swarm&@xApiKey=$S_KEY"
expect generic 0 "ok 1" "generic+http://: delivered"
req ok "r['method'] == 'POST' and r['path'] == '/in/rds?src=swarm' and h['content-type'] == 'application/json'" &&
	ok "generic: POST to the path, the other parameters kept" || not_ok "generic: method and path"
req ok "h['authorization'] == 'Basic ' + __import__('base64').b64encode(b'rds:$S_PASS').decode() and h['x-api-key'] == '$S_KEY'" &&
	ok "generic: user:password as basic auth, @xApiKey as X-Api-Key" || not_ok "generic: headers"
req ok "list(b) == ['version','event','job','service','node','repo','result','message','time'] and b['version'] == 1 and b['event'] == 'backup_failed' and b['node'] == 'node-1' and b['time'] == '2024-05-01T03:00:02Z' and b['message'].startswith('Fatal: unable')" &&
	ok "generic: the event document, version 1, every key" || not_ok "generic: the document"
run put "$T/event.json" NOTIFY_URLS="generic+http://127.0.0.1:$P/put?method=put"
req ok "r['method'] == 'PUT' and r['path'] == '/put' and b['job'] == 'stack_db'" &&
	ok "generic: ?method=put" || not_ok "generic: PUT"

run ntfy "$T/event.json" NOTIFY_URLS="ntfy://:$S_NTFY@127.0.0.1:$P/rds-alerts?scheme=http&tags=floppy_disk&title=Backups"
expect ntfy 0 "ok 1" "ntfy://...?scheme=http: delivered"
req ok "r['method'] == 'POST' and r['path'] == '/' and h['authorization'] == 'Bearer $S_NTFY' and h['content-type'] == 'application/json'" &&
	ok "ntfy: JSON publish to /, :token@ as a bearer token" || not_ok "ntfy: request"
req ok "b['topic'] == 'rds-alerts' and b['title'] == 'Backups' and b['priority'] == 4 and b['tags'] == ['warning', 'floppy_disk'] and b['message'].startswith('stack_db: backup failed on node-1\nFatal: unable to open repository') and 'repository sftp:restic@server:db' in b['message']" &&
	ok "ntfy: topic, the URL's title, priority 4, tags, the job, node, failure and message" || not_ok "ntfy: body"
run ntfy_pw "$T/event.json" NOTIFY_URLS="ntfy://alice:$S_NTFYPW@127.0.0.1:$P/t2?scheme=http"
req ok "h['authorization'] == 'Basic ' + __import__('base64').b64encode(b'alice:$S_NTFYPW').decode() and b['title'] == 'stack_db: backup failed'" &&
	ok "ntfy: user:password as basic auth, the event's title" || not_ok "ntfy: basic auth"

run gotify "$T/event.json" NOTIFY_URLS="gotify://127.0.0.1:$P/gotify/$S_GOTIFY?disabletls=yes"
expect gotify 0 "ok 1" "gotify://...?disabletls=yes: delivered"
req ok "r['method'] == 'POST' and r['path'] == '/gotify/message' and h['x-gotify-key'] == '$S_GOTIFY' and '$S_GOTIFY' not in r['path']" &&
	ok "gotify: POST /subpath/message, the token in X-Gotify-Key only" || not_ok "gotify: request"
req ok "sorted(b) == ['message','priority','title'] and b['priority'] == 8 and b['title'] == 'stack_db: backup failed' and 'Connection refused' in b['message']" &&
	ok "gotify: title, message, priority 8" || not_ok "gotify: body"

run hook "$T/event.json" NOTIFY_URLS="http://127.0.0.1:$P/hooks/$S_HOOK"
expect hook 0 "ok 1" "a Slack-compatible webhook URL: delivered"
req ok "r['method'] == 'POST' and r['path'] == '/hooks/$S_HOOK' and list(b) == ['text'] and b['text'].startswith('stack_db: backup failed on node-1\nFatal:')" &&
	ok "webhook: POST of {\"text\": ...} to the URL as written" || not_ok "webhook: request"

before=$(count ok)
run four "$T/event.json" NOTIFY_URLS="generic+http://127.0.0.1:$P/a ntfy://127.0.0.1:$P/t?scheme=http
	http://127.0.0.1:$P/hooks/x gotify://127.0.0.1:$P/$S_GOTIFY?disabletls=yes"
[ "$RC" = 0 ] && [ "$(sort "$T/four.out" | tr '\n' ' ')" = "ok 1 ok 2 ok 3 ok 4 " ] &&
	[ $(($(count ok) - before)) = 4 ] && ok "four URLs in NOTIFY_URLS (a newline among the spaces): four lines, four requests" ||
	not_ok "four URLs" "rc=$RC $(tr '\n' '|' <"$T/four.out")"

# 2. PING_URL.
printf 'Fatal: repository is locked\nsecond line\n' >"$T/fail.txt"
HC="http://127.0.0.1:$P/ping/$S_PING?create=1"
run hc_start "$T/empty" PING_URL="$HC" --ping start
expect hc_start 0 "ok 1" "PING_URL start: delivered"
req ok "r['method'] == 'POST' and r['path'] == '/ping/$S_PING/start?create=1' and r['body'] == ''" &&
	ok "healthchecks start: POST URL/start, the query kept" || not_ok "healthchecks start"
run hc_ok "$T/empty" PING_URL="$HC" --ping success
req ok "r['path'] == '/ping/$S_PING?create=1'" && ok "healthchecks success: the URL itself" || not_ok "healthchecks success"
run hc_fail "$T/fail.txt" PING_URL="$HC" --ping fail
req ok "r['path'] == '/ping/$S_PING/fail?create=1' and r['body'] == 'Fatal: repository is locked\nsecond line\n' and h['content-type'].startswith('text/plain')" &&
	ok "healthchecks fail: URL/fail with the error as body" || not_ok "healthchecks fail"
head -c 20000 /dev/zero | tr '\0' 'e' >"$T/long.txt"
run hc_long "$T/long.txt" PING_URL="$HC" --ping fail
req ok "len(r['body']) == 10240" && ok "a text longer than 10 KiB is cut to 10 KiB" || not_ok "ping text bound"

KUMA="http://127.0.0.1:$P/api/push/$S_KUMA?status=up&msg=OK&ping="
before=$(count ok)
run kuma_start "$T/empty" PING_URL="$KUMA" --ping start
expect kuma_start 0 "ok 1" "Uptime Kuma start: ok"
[ "$(count ok)" = "$before" ] && ok "Uptime Kuma start: nothing sent (Kuma has no start)" || not_ok "kuma start sent"
run kuma_fail "$T/fail.txt" PING_URL="$KUMA" --ping fail
req ok "r['method'] == 'GET' and r['path'] == '/api/push/$S_KUMA?ping=&status=down&msg=Fatal%3A%20repository%20is%20locked' and r['body'] == ''" &&
	ok "Uptime Kuma fail: GET with status=down and the first line as msg" || not_ok "kuma fail"
run kuma_ok "$T/empty" PING_URL="$KUMA" --ping success
req ok "r['path'] == '/api/push/$S_KUMA?ping=&status=up&msg=OK'" && ok "Uptime Kuma success: status=up&msg=OK" ||
	not_ok "kuma success"

# 3. Failures: retries with backoff, final answers, no answer at all.
receiver e500 --status 500
receiver e401 --status 401
receiver hang --hang
run e500 "$T/event.json" NOTIFY_URLS="http://127.0.0.1:$(port e500)/hooks/$S_HOOK"
expect e500 1 "fail 1 http://127.0.0.1:$(port e500): HTTP 500: oops (3 attempts)" \
	"500: \"fail\" after 3 attempts, exit 1"
[ "$(count e500)" = 3 ] && [ "$MS" -ge 3900 ] && [ "$MS" -lt 15000 ] &&
	ok "500: 3 requests, 1 s and 3 s apart ($MS ms in all)" || not_ok "500: retries" "$(count e500) requests in $MS ms"
run e401 "$T/event.json" NOTIFY_URLS="ntfy://:$S_NTFY@127.0.0.1:$(port e401)/t?scheme=http"
expect e401 1 "fail 1 ntfy://127.0.0.1:$(port e401): HTTP 401: oops" "401: final at the first answer"
[ "$(count e401)" = 1 ] && ok "401: one request" || not_ok "401: one request" "$(count e401)"
run hang "$T/event.json" NOTIFY_TIMEOUT_MS=700 NOTIFY_ATTEMPTS=2 \
	NOTIFY_URLS="generic+http://rds:$S_PASS@127.0.0.1:$(port hang)/x"
grep -q "^fail 1 generic+http://127.0.0.1:$(port hang): Operation timed out after 7[0-9][0-9] milliseconds.* (2 attempts)$" \
	"$T/hang.out" && [ "$RC" = 1 ] && ok "no answer: \"fail\" naming the timeout, after 2 attempts" ||
	not_ok "no answer" "rc=$RC $(cat "$T/hang.out")"
# 2 x 700 ms + the 1 s wait, and slack for a busy machine or a checker.
[ "$(count hang)" = 2 ] && [ "$MS" -ge 2300 ] && [ "$MS" -lt 8000 ] &&
	ok "no answer: given up within timeout x attempts + the wait ($MS ms)" || not_ok "no answer: time" "$MS ms"
run mixed "$T/event.json" NOTIFY_TIMEOUT_MS=700 NOTIFY_ATTEMPTS=2 \
	NOTIFY_URLS="http://127.0.0.1:$(port hang)/slow http://127.0.0.1:$P/fast"
[ "$RC" = 1 ] && [ "$(head -n1 "$T/mixed.out")" = "ok 2" ] && grep -q "^fail 1 " "$T/mixed.out" &&
	ok "a good endpoint next to a silent one: \"ok 2\" first, then \"fail 1\", exit 1" ||
	not_ok "mixed" "rc=$RC $(tr '\n' '|' <"$T/mixed.out")"
receiver big --body-size 300000
receiver big500 --status 503 --body-size 300000
run big "$T/event.json" NOTIFY_URLS="http://127.0.0.1:$(port big)/x"
expect big 0 "ok 1" "a 200 with an answer of 300 KB: delivered (the answer is not read to its end)"
run big500 "$T/event.json" NOTIFY_ATTEMPTS=1 NOTIFY_URLS="http://127.0.0.1:$(port big500)/x"
grep -qE "^fail 1 http://127.0.0.1:$(port big500): HTTP 503: x{1,200}$" "$T/big500.out" &&
	ok "a 503 with an answer of 300 KB: \"fail\", the answer cut to one short line" ||
	not_ok "big 503" "$(head -c 300 "$T/big500.out")"
run refused "$T/event.json" NOTIFY_ATTEMPTS=1 NOTIFY_URLS="http://127.0.0.1:1/x"
grep -q "^fail 1 http://127.0.0.1:1: .*onnect" "$T/refused.out" && [ "$RC" = 1 ] &&
	ok "nothing listening: \"fail\" saying so" || not_ok "refused" "$(cat "$T/refused.out")"

# 4. Redirects.
receiver same --redirect /final
receiver other --redirect "http://localhost:$P/elsewhere"
run same "$T/event.json" NOTIFY_URLS="generic+http://127.0.0.1:$(port same)/first"
expect same 0 "ok 1" "a redirect to the same host is followed"
req same "r['path'] == '/final' and r['method'] == 'POST' and b['event'] == 'backup_failed'" && [ "$(count same)" = 2 ] &&
	ok "the same method and body at the new place" || not_ok "same-host redirect"
run other "$T/event.json" NOTIFY_URLS="generic+http://127.0.0.1:$(port other)/first"
expect other 1 "fail 1 generic+http://127.0.0.1:$(port other): HTTP 307: a redirect not followed" \
	"a redirect to another host is not followed"
[ "$(count other)" = 1 ] && ! grep -q elsewhere "$T/other.out" && ok "nor tried again, nor shown" ||
	not_ok "other-host redirect"

# 5. TLS is verified.
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls.key" -out "$T/tls.crt" >/dev/null 2>&1
	receiver tls --tls "$T/tls.crt" "$T/tls.key"
	run tls_bad "$T/event.json" NOTIFY_URLS="generic+https://127.0.0.1:$(port tls)/x"
	grep -q "^fail 1 generic+https://127.0.0.1:$(port tls): .*certificate" "$T/tls_bad.out" &&
		! grep -q attempts "$T/tls_bad.out" && [ "$(count tls)" = 0 ] &&
		ok "a self-signed server is refused, once, before any request" ||
		not_ok "TLS verification" "$(cat "$T/tls_bad.out")"
	run tls_ok "$T/event.json" NOTIFY_CA_FILE="$T/tls.crt" NOTIFY_URLS="generic+https://127.0.0.1:$(port tls)/x"
	expect tls_ok 0 "ok 1" "with its certificate as NOTIFY_CA_FILE it is accepted"
else
	echo "# no openssl: the TLS checks are skipped"
fi

# 5b. The forms with a fixed address (slack://, discord://, ntfy.sh), end to
# end over https: in a private network and mount namespace, where
# /etc/hosts points those names at 127.0.0.1 and a receiver on port 443
# holds a certificate for them, trusted through NOTIFY_CA_FILE. Only the
# name lookup differs from a real delivery.
S_SLACK="slackhook$$tokenpart0123456789"
S_DISCORD="dcTok-$$_abcdefghijklmnop"
SECRETS+=("$S_SLACK" "$S_DISCORD")
if [ "$(id -u)" = 0 ] && command -v openssl >/dev/null && unshare -mn true 2>/dev/null; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=hooks.slack.com \
		-addext subjectAltName=DNS:hooks.slack.com,DNS:discord.com,DNS:ntfy.sh \
		-keyout "$T/fixed.key" -out "$T/fixed.crt" >/dev/null 2>&1
	printf '127.0.0.1 localhost hooks.slack.com discord.com ntfy.sh\n' >"$T/hosts"
	cat >"$T/fixed.sh" <<'INNER'
ip link set lo up && mount --bind "$T/hosts" /etc/hosts || exit 97
python3 "$RDS_ROOT/tests/lib/receiver.py" "$T/fixed.log" "$T/fixed.port" --tls "$T/fixed.crt" "$T/fixed.key" --port 443 &
rcv=$!
for _ in $(seq 100); do [ -s "$T/fixed.port" ] && break; sleep 0.1; done
env -i PATH="$PATH" NOTIFY_CA_FILE="$T/fixed.crt" NOTIFY_URLS="$URLS" $NOTIFY_WRAP "$NOTIFY" <"$T/event.json" >"$T/fixed.out" 2>"$T/fixed.err"
rc=$?
kill $rcv
exit $rc
INNER
	T=$T RDS_ROOT=$RDS_ROOT NOTIFY=$NOTIFY NOTIFY_WRAP=$NOTIFY_WRAP \
		URLS="slack://hook:T0AAAAAAA-B0BBBBBBB-$S_SLACK@webhook discord://$S_DISCORD@123456789012345678?username=rds ntfy://ntfy.sh/rds-alerts" \
		unshare -mn bash "$T/fixed.sh"
	RC=$?
	cat "$T/fixed.out" "$T/fixed.err" >>"$T/printed"
	[ "$RC" = 0 ] && [ "$(sort "$T/fixed.out")" = "$(printf 'ok 1\nok 2\nok 3')" ] &&
		ok "slack://, discord:// and ntfy://ntfy.sh delivered over https to their fixed hosts" ||
		not_ok "fixed-host forms" "rc=$RC $(cat "$T/fixed.out" "$T/fixed.err")"
	fixed() { # HOST EXPR: EXPR holds for the request the fixed-host receiver got for HOST
		python3 - "$T/fixed.log" "$1" "$2" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
r = next((r for r in rs if r["headers"].get("host") == sys.argv[2]), None)
h = r and r["headers"]
b = r and json.loads(r["body"])
sys.exit(0 if r and eval(sys.argv[3]) else 1)
PY
	}
	fixed hooks.slack.com "r['method'] == 'POST' and r['path'] == '/services/T0AAAAAAA/B0BBBBBBB/$S_SLACK' and h['content-type'] == 'application/json' and list(b) == ['text'] and b['text'].startswith('stack_db: backup failed on node-1')" &&
		ok "slack://hook:A-B-C@webhook: POST https://hooks.slack.com/services/A/B/C, {text}" ||
		not_ok "slack request" "$(cat "$T/fixed.log")"
	fixed discord.com "r['method'] == 'POST' and r['path'] == '/api/webhooks/123456789012345678/$S_DISCORD' and b['username'] == 'rds' and b['content'].startswith('stack_db: backup failed on node-1')" &&
		ok "discord://TOKEN@ID: POST https://discord.com/api/webhooks/ID/TOKEN, {content, username}" ||
		not_ok "discord request" "$(cat "$T/fixed.log")"
	fixed ntfy.sh "r['method'] == 'POST' and r['path'] == '/' and b['topic'] == 'rds-alerts'" &&
		ok "ntfy://ntfy.sh/topic: POST https://ntfy.sh/ with the topic in the body" ||
		not_ok "ntfy.sh request" "$(cat "$T/fixed.log")"
else
	echo "# not root, or no openssl or unshare: the fixed-host checks are skipped"
fi

# 6. Bad input: exit 2, one line naming what is wrong.
run bad_url "$T/event.json" NOTIFY_URLS="ntfy://ntfy.sh/ok discord://$S_NTFY@notanumber"
[ "$RC" = 2 ] && [ ! -s "$T/bad_url.out" ] &&
	[ "$(cat "$T/bad_url.err")" = "rds-notify: NOTIFY_URLS: URL 2 of 2 (discord://discord.com): the webhook id after the '@' must be a number: discord://token@webhookid" ] &&
	ok "a bad URL: exit 2, nothing sent, the setting, place and fix named" ||
	not_ok "bad URL" "rc=$RC $(cat "$T/bad_url.err")"
echo '{"version":1,"event":"backup_exploded","job":"j","node":"n"}' >"$T/bad.json"
run bad_doc "$T/bad.json" NOTIFY_URLS="http://127.0.0.1:$P/x"
[ "$RC" = 2 ] && grep -q "^rds-notify: the event on stdin: event must be one of" "$T/bad_doc.err" &&
	ok "a bad event document: exit 2" || not_ok "bad document" "rc=$RC $(cat "$T/bad_doc.err")"
run no_urls "$T/event.json"
[ "$RC" = 2 ] && grep -q "NOTIFY_URLS is empty" "$T/no_urls.err" && ok "no NOTIFY_URLS: exit 2" || not_ok "no URLs"
run bad_att "$T/event.json" NOTIFY_ATTEMPTS=0 NOTIFY_URLS="http://127.0.0.1:$P/x"
[ "$RC" = 2 ] && grep -q "NOTIFY_ATTEMPTS='0': use a number from 1 to 10" "$T/bad_att.err" &&
	ok "NOTIFY_ATTEMPTS=0: exit 2 naming it" || not_ok "bad attempts" "$(cat "$T/bad_att.err")"
run bad_sig "$T/empty" PING_URL="$HC" --ping finish
[ "$RC" = 2 ] && grep -q "use start, success or fail" "$T/bad_sig.err" && ok "--ping finish: exit 2" ||
	not_ok "bad signal"
run bad_ping "$T/empty" PING_URL="ftp://u:$S_NTFYPW@files.example/$S_PING" --ping start
[ "$RC" = 2 ] && grep -q "^rds-notify: PING_URL (ftp://files.example): not an http:// or https:// URL" "$T/bad_ping.err" &&
	ok "a bad PING_URL: exit 2 naming it" || not_ok "bad PING_URL" "$(cat "$T/bad_ping.err")"
run help "$T/empty" --help
[ "$RC" = 0 ] && grep -q "ntfy://" "$T/help.out" && grep -q "hc-ping.com" "$T/help.out" &&
	ok "--help shows the forms" || not_ok "--help"

# 7. Nothing printed holds a secret.
leaked=
for s in "${SECRETS[@]}"; do
	grep -qF -- "$s" "$T/printed" && leaked="$leaked $s"
done
[ -z "$leaked" ] && ok "no token, password or key in anything rds-notify printed ($(wc -l <"$T/printed") lines)" ||
	not_ok "secrets printed:$leaked"

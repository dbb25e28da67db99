#!/usr/bin/env bash
# METRICS_ADDR with a REAL Prometheus server scraping a scheduled agent
# (real sshd and restic):
#   1. promtool check metrics is clean on what the agent serves;
#   2. after a successful backup Prometheus' query API returns the job's
#      series: last result ok, runs by result, last success, bytes, files;
#   3. after a failed backup (wrong repository password): result failed, the
#      failed-runs counter up, the last success unchanged; then recovered;
#   4. the port under 200 hostile connections (slow loris and idle) and a
#      scraping client: every scheduled backup still starts within 250 ms of
#      its second, and the agent's memory stays bounded.
#   BUILD=dir bash tests/integration/82-metrics.sh   (binaries in dir/)
source "$(dirname "$0")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/sshd.sh"
source "$RDS_ROOT/tests/lib/agent.sh"

command -v prometheus >/dev/null && command -v promtool >/dev/null ||
	{ not_ok "prometheus and promtool installed (Debian's prometheus package; scripts/deps.sh)"; exit 1; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sshd_start || { not_ok "sshd started"; exit 1; }
agent_env metrics
make_data "$BACKUP_PATH" 20
MPORT=$(free_port)
PPORT=$(free_port)
late_max=250
[ -n "$AGENT_WRAP" ] && late_max=900

# Every 4 s; forget after each backup so that its series are there too.
RUN_AT="*/4 * * * * *" METRICS_ADDR="127.0.0.1:$MPORT" FORGET_KEEP_LAST=3 \
	$AGENT_WRAP "$BIN/rds-agent" >"$T_DIR/agent.log" 2>&1 &
apid=$!
at_exit "kill $apid 2>/dev/null"
wait_for 20 curl -sf -o /dev/null "http://127.0.0.1:$MPORT/metrics" &&
	ok "the agent serves /metrics on METRICS_ADDR" || { not_ok "metrics served"; show "$T_DIR/agent.log"; }
curl -s -D "$T_DIR/headers" -o "$T_DIR/m0.txt" "http://127.0.0.1:$MPORT/metrics"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$T_DIR/headers" &&
	ok "Content-Type: text/plain; version=0.0.4" || { not_ok "content type"; show "$T_DIR/headers"; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/")" = 404 ] &&
	ok "nothing else on the port (404)" || not_ok "other paths are 404"

cat >"$T_DIR/prom.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: rds
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
prometheus --config.file="$T_DIR/prom.yml" --storage.tsdb.path="$T_DIR/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$T_DIR/prom.log" 2>&1 &
ppid_=$!
at_exit "kill $ppid_ 2>/dev/null; wait $ppid_ 2>/dev/null"
# One value of an instant query ("" when none).
q() {
	curl -s --get "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		/usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}
L='backup="it-host",repo="metrics"'
q_is() { [ "$(q "$1")" = "$2" ]; } # QUERY VALUE
wait_for 60 q_is "rds_backup_last_result{$L,result=\"ok\"}" 1 &&
	ok "Prometheus scrapes it: the last result is ok" || { not_ok "ok in Prometheus"; show "$T_DIR/prom.log"; show "$T_DIR/agent.log"; }
curl -s "http://127.0.0.1:$MPORT/metrics" >"$T_DIR/m1.txt"
promtool check metrics <"$T_DIR/m1.txt" >"$T_DIR/promtool.txt" 2>&1 &&
	ok "promtool check metrics is clean" || { not_ok "promtool check metrics"; show "$T_DIR/promtool.txt"; }
[ "$(q 'up{job="rds"}')" = 1 ] && ok "the scrape target is up" || not_ok "target up"
ok_runs=$(q "rds_backup_runs_total{$L,result=\"ok\"}")
[ "${ok_runs:-0}" -ge 1 ] 2>/dev/null && ok "runs_total{result=ok} = $ok_runs" || not_ok "ok runs counted" "$ok_runs"
ls_=$(q "rds_backup_last_success_timestamp_seconds{$L}")
now=$(date +%s)
[ -n "$ls_" ] && [ $((now - ${ls_%.*})) -lt 30 ] && ok "the last success timestamp is recent ($((now - ${ls_%.*})) s ago)" ||
	not_ok "last success timestamp" "$ls_"
[ "$(q "sum(rds_backup_last_files{$L,kind=~\"new|unmodified\"})")" -ge 20 ] 2>/dev/null &&
	ok "files of the last backup (new + unmodified >= 20)" || not_ok "files series"
[ "$(q "rds_backup_last_processed_bytes{$L} > 0")" != "" ] && ok "bytes processed" || not_ok "bytes processed"
wait_for 20 q_is "rds_maintenance_last_result{$L,operation=\"forget\",result=\"ok\"}" 1 &&
	ok "the forget's result is there (ok)" || not_ok "forget result"
[ -n "$(q 'rds_build_info{restic_version=~"0\\..+"}')" ] && ok "build info names restic's version" ||
	not_ok "build info" "$(grep build_info "$T_DIR/m1.txt")"
# No series per run: nothing that looks like a snapshot id in any label.
! grep -Eq '="[0-9a-f]{8,}"' "$T_DIR/m1.txt" && ! grep -q '[{,]job="' "$T_DIR/m1.txt" &&
	ok "no snapshot id in a label, no job label" || not_ok "label hygiene"

# 3. A failed backup: the wrong password.
cp "$RESTIC_REPO_PASSWORD_FILE" "$T_DIR/password.good"
echo "not the password" >"$RESTIC_REPO_PASSWORD_FILE"
wait_for 40 q_is "rds_backup_last_result{$L,result=\"failed\"}" 1 &&
	ok "after a failed backup Prometheus shows result failed" || { not_ok "failed in Prometheus"; show "$T_DIR/agent.log"; }
f=$(q "rds_backup_runs_total{$L,result=\"failed\"}")
[ "${f:-0}" -ge 1 ] 2>/dev/null && ok "runs_total{result=failed} = $f" || not_ok "failed runs counted" "$f"
ls2=$(q "rds_backup_last_success_timestamp_seconds{$L}")
[ "${ls2%.*}" -le "$(date +%s)" ] && [ "$(q "time() - rds_backup_last_success_timestamp_seconds{$L} >= 0")" != "" ] &&
	[ "$(q "rds_backup_last_result{$L,result=\"ok\"}")" = 0 ] &&
	ok "the last success stays where it was; ok is 0 now" || not_ok "last success after failure"
cp "$T_DIR/password.good" "$RESTIC_REPO_PASSWORD_FILE"
wait_for 40 q_is "rds_backup_last_result{$L,result=\"ok\"}" 1 &&
	ok "and ok again after the next good backup" || not_ok "recovered in Prometheus"
# The example alert rule of the README, checked by promtool.
sed -n '/^groups:/,/^```/p' "$RDS_ROOT/README.md" | sed '$d' >"$T_DIR/rules.yml"
promtool check rules "$T_DIR/rules.yml" >"$T_DIR/rules.txt" 2>&1 &&
	ok "the README's alert rule passes promtool check rules" || { not_ok "README alert rule"; show "$T_DIR/rules.txt"; }

# 4. 200 hostile connections for 16 s.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$apid/status"; }
rss0=$(rss)
t_load=$(date -u +%H:%M:%S)
/usr/bin/python3 "$RDS_ROOT/tests/lib/loris.py" 127.0.0.1 "$MPORT" 200 16 >"$T_DIR/loris.txt" 2>&1 &
lpid=$!
rss_max=0
for _ in $(seq 1 16); do
	sleep 1
	v=$(rss)
	[ "${v:-0}" -gt "$rss_max" ] && rss_max=$v
done
wait "$lpid"
t_end=$(date -u +%H:%M:%S)
# The backups that started during the attack and how late each was.
starts=$(awk -v a="$t_load" -v b="$t_end" '/ started \(host / { t = substr($1, 12, 8); if (t >= a && t <= b) print $1 }' "$T_DIR/agent.log")
n=$(echo "$starts" | grep -c .)
late=$(echo "$starts" | sed -n 's/.*\.\([0-9]\{3\}\)Z$/\1/p' | sort -n | tail -n 1)
[ "$n" -ge 3 ] && [ -n "$late" ] && [ "$((10#$late))" -le "$late_max" ] &&
	ok "under 200 hostile connections $n scheduled backups started, the latest ${late} ms after its second ($(cat "$T_DIR/loris.txt"))" ||
	{ not_ok "backups on time under load" "n=$n latest=${late:-?} ms (max $late_max); $(cat "$T_DIR/loris.txt")"; grep " started (host " "$T_DIR/agent.log" | tail -n 8 | show; }
[ "$rss_max" -le $((rss0 + 1024)) ] && ok "memory bounded under load: ${rss0} -> at most ${rss_max} KiB" ||
	not_ok "memory under load" "${rss0} -> ${rss_max} KiB"
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$MPORT/metrics" && ok "the port serves again after the attack" ||
	not_ok "serving after the attack"
[ "$(ls /proc/$apid/fd | wc -l)" -lt 40 ] && ok "no descriptors left over ($(ls /proc/$apid/fd | wc -l) open)" ||
	not_ok "fds after the attack" "$(ls -l /proc/$apid/fd | tail -n 20)"
! grep -q "correct horse" "$T_DIR/agent.log" && ok "no password in the log" || not_ok "password in the log"

kill -TERM "$apid"
wait_for 20 eval "! kill -0 $apid" && ok "SIGTERM ends the agent with the metrics port open" || not_ok "agent stops"
wait "$apid"
t_finish

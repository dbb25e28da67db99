#!/usr/bin/env bash
# Label mode at scale: rds-agent with DISCOVER=labels on the private swarm
# (tests/lib/dockerd.sh, with its settings from the environment), its
# Docker API through the counting proxy (bench/docker_proxy.py), every
# service busybox with a small named volume and a daily rds.backup.at (an
# hour 12 h away, so no backup runs meanwhile). Side by side: the original
# project's discovery, a loop that lists every service every 10 s
# (bench/services_poller.py, through a second proxy in front of the same
# daemon), and a plain `sleep` as the RSS floor.
#  1. idle: BENCH_SERVICES (50) labelled services, METRICS_ADDR and three
#     NOTIFY_URLS set, the agent started after
#     them; once all are scheduled and the proxy is quiet, BENCH_IDLE_S
#     (120) seconds: VmRSS of the agent, of rds-discover and of the agent's
#     whole process tree (and its PSS), largest of the 5 s samples, and
#     how much of rds-discover's is libcurl's libraries; CPU seconds and
#     wake-ups per minute of each; Docker API requests per minute (target:
#     none; the /events stream stays open) against the poller's.
#  1b. scrapes: BENCH_SCRAPES (200) scrapes of /metrics one after another
#     with the NSVC jobs: the agent's CPU time per scrape (target < 1 ms)
#     and the size of the answer.
#  2. latency: BENCH_RUNS (10) services created one by one: from the start
#     of `docker service create`, and from the container's State.StartedAt,
#     to the agent's "job NAME: scheduled" log line (its own time stamp);
#     median and max; the poller's first listing of the same services.
#  3. churn: BENCH_CHURN_K (5) services created, scheduled, removed and
#     unscheduled again and again for BENCH_CHURN_S (1800) s, under the
#     same names (the agent keeps the status of up to 100 gone jobs: new
#     names would grow that record until then, by design);
#     every BENCH_SAMPLE_S (60) s the VmRSS of the agent and rds-discover,
#     the agent's open fds and its child processes. First sample after the
#     warm-up (one sample period) against the last and the largest.
#   bash bench/labels.sh
source "$(dirname "$0")/lib.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"
IDLE_S=${BENCH_IDLE_S:-120}
RUNS=${BENCH_RUNS:-10}
NSVC=${BENCH_SERVICES:-50}
CHURN_S=${BENCH_CHURN_S:-1800}
CHURN_K=${BENCH_CHURN_K:-5}
SAMPLE_S=${BENCH_SAMPLE_S:-60}
POLL_S=10
P=rdslb_ # every service and volume of this benchmark
LOG=$T_DIR/agent.log

echo "# labels: $(bench_machine)"
swarm_sshd_up
agent_env unused
unset REPO_PATH BACKUP_HOST
AT="0 $(((10#$(date -u +%H) + 12) % 24)) * * *"
export TZ=UTC DISCOVER=labels RUN_AT="$AT" VOLUMES_ROOT=$RDS_DOCKER_DATA/volumes
# The metrics port open (scraped only in 1b), so that the idle numbers are
# those of an agent that serves it.
MPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export METRICS_ADDR=127.0.0.1:$MPORT
# And three notification URLs (issue 10's idle case): nothing is sent while
# idle, so nothing needs to listen on them.
export NOTIFY_URLS="generic+http://127.0.0.1:9/rds ntfy://127.0.0.1:9/rds?scheme=http gotify://127.0.0.1:9/AbCdEfGhIjKlMnO?disabletls=yes"

# ---- helpers ----
ours_gone() { [ -z "$(dk ps -aq -f "name=$P")" ]; }
rm_ours() {
	local ids
	ids=$(dk service ls -q -f "name=$P")
	# shellcheck disable=SC2086 # a list of ids
	[ -z "$ids" ] || dk service rm $ids >/dev/null 2>&1
	wait_for 120 ours_gone
	dk volume ls -q -f "name=$P" | xargs -r docker -H "unix://$RDS_DOCKER_SOCK" volume rm >/dev/null 2>&1
	return 0
}
rm_ours
at_exit rm_ours
# svc NAME: a labelled service with a small named volume; KILL stops its
# sleep at once (PID 1 ignores SIGTERM), so that removals are quick.
svc() {
	dk service create -d -q --name "$1" --stop-signal KILL --container-label rds.backup=true \
		--container-label "rds.backup.at=$AT" --mount "type=volume,source=$1_data,target=/data" \
		"$RDS_BUSYBOX_IMAGE" sh -c 'echo data >/data/f && exec sleep 1000000000' >/dev/null 2>&1
}
running_ours() { dk ps -q -f "name=$P" | wc -l; }
at_least() { [ "$($1)" -ge "$2" ]; }           # at_least COMMAND N
none_running() { [ -z "$(dk ps -q -f "name=$1")" ]; } # none_running NAME_PREFIX
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
pss() { awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }
# CPU time in ns (schedstat: finer than stat's clock ticks, which round a
# quiet minute to 0 or 10 ms) and voluntary context switches (wake-ups).
cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; }
wakeups() { kb "$1" voluntary_ctxt_switches; }
# The agent's process tree: its pid and every descendant's.
tree() {
	ps -e -o pid=,ppid= | awk -v root="$1" '{ pp[$1] = $2 }
		END { s[root] = 1; do { more = 0; for (p in pp) if (!(p in s) && (pp[p] in s)) { s[p] = 1; more = 1 } } while (more)
		      for (p in s) print p }'
}
tree_sum() { # PID rss|pss
	local p sum=0 v
	for p in $(tree "$1"); do
		if [ "$2" = pss ]; then v=$(pss "$p"); else v=$(kb "$p" VmRSS); fi
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}
disco_pid() { ps -o pid=,comm= --ppid "$1" | awk '$2 == "rds-discover" { print $1; exit }'; }
lines() { wc -l <"$1"; }
per_min() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.2f", n * 60000 / ms }'; }
cpu_per_min() { awk -v ns="$1" -v ms="$2" 'BEGIN { printf "%.4f", ns / 1e9 * 60000 / ms }'; }
quiet() { # the proxy saw no request for 2 s
	local n
	n=$(lines "$REQ")
	sleep 2
	[ "$(lines "$REQ")" = "$n" ]
}

# ---- the proxies, the services, the agent ----
REQ=$T_DIR/requests.log
PREQ=$T_DIR/poll-requests.log
: >"$REQ"
: >"$PREQ"
/usr/bin/python3 "$RDS_ROOT/bench/docker_proxy.py" "$T_DIR/docker.sock" "$RDS_DOCKER_SOCK" "$REQ" &
at_exit "kill $!"
/usr/bin/python3 "$RDS_ROOT/bench/docker_proxy.py" "$T_DIR/poll.sock" "$RDS_DOCKER_SOCK" "$PREQ" &
at_exit "kill $!"
wait_for 10 test -S "$T_DIR/docker.sock" -a -S "$T_DIR/poll.sock" || { not_ok "counting proxies"; exit 1; }
export DOCKER_HOST=unix://$T_DIR/docker.sock

t0=$(now_ms)
for i in $(seq -w 1 "$NSVC"); do
	svc "${P}s$i" || { not_ok "service ${P}s$i created"; exit 1; }
done
wait_for 300 at_least running_ours "$NSVC" || { not_ok "$NSVC services running" "$(running_ours)"; exit 1; }
echo "# $NSVC labelled services created and running in $(($(now_ms) - t0)) ms"

t0=$(now_ms)
"$BIN/rds-agent" >"$LOG" 2>&1 &
APID=$!
at_exit "kill $APID 2>/dev/null"
all_scheduled() { [ "$(grep -c "job ${P}s[0-9]*: scheduled" "$LOG")" -ge "$NSVC" ]; }
wait_for 120 all_scheduled || { not_ok "the agent schedules $NSVC jobs"; show "$LOG"; exit 1; }
t_all=$(grep "job ${P}s[0-9]*: scheduled" "$LOG" | tail -n 1)
t_all=$(log_line_ms "$t_all")
wait_for 60 quiet || { not_ok "discovery settles"; exit 1; }
DPID=$(disco_pid "$APID")
[ -n "$DPID" ] || { not_ok "rds-discover runs under the agent"; show "$LOG"; exit 1; }
ok "the agent scheduled $NSVC jobs, $((t_all - t0)) ms after it started"

# The original project's discovery beside it, on the same daemon.
PLOG=$T_DIR/poll.log
: >"$PLOG"
/usr/bin/python3 "$RDS_ROOT/bench/services_poller.py" "$T_DIR/poll.sock" "$POLL_S" "$PLOG" &
POLLER=$!
at_exit "kill $POLLER"
sleep infinity &
SPID=$!
at_exit "kill $SPID 2>/dev/null"

# ---- 1. idle ----
sleep 1
r0=$(lines "$REQ")
ca0=$(cpu_ns "$APID")
cd0=$(cpu_ns "$DPID")
wa0=$(wakeups "$APID")
wd0=$(wakeups "$DPID")
t0=$(now_ms)
a_max=0 d_max=0 tree_max=0 pss_max=0 union_max=0 nproc_tree=0
for ((s = 0; s < IDLE_S; s += 5)); do
	sleep 5
	v=$(kb "$APID" VmRSS) && [ "$v" -gt "$a_max" ] && a_max=$v
	v=$(kb "$DPID" VmRSS) && [ "$v" -gt "$d_max" ] && d_max=$v
	v=$(tree_sum "$APID" rss) && [ "$v" -gt "$tree_max" ] && tree_max=$v
	v=$(tree_sum "$APID" pss) && [ "$v" -gt "$pss_max" ] && pss_max=$v
	# shellcheck disable=SC2046 # one pid per word
	v=$(/usr/bin/python3 "$RDS_ROOT/bench/mem_union.py" $(tree "$APID")) && [ "$v" -gt "$union_max" ] && union_max=$v
	v=$(tree "$APID" | wc -l) && [ "$v" -gt "$nproc_tree" ] && nproc_tree=$v
done
t1=$(now_ms)
ms=$((t1 - t0))
r1=$(lines "$REQ")
ca1=$(cpu_ns "$APID")
cd1=$(cpu_ns "$DPID")
wa1=$(wakeups "$APID")
wd1=$(wakeups "$DPID")
sleep_kb=$(kb "$SPID" VmRSS)
# What rds-discover maps and the agent does not: libcurl and the libraries
# it brings (TLS, Kerberos, LDAP, ...), resident pages.
curl_kb=$(awk 'NR == FNR { if ($6 ~ /\.so/) a[$6] = 1; next }
	/^[0-9a-f]+-/ { n = ($6 ~ /\.so/ && !($6 in a)) ? $6 : ""; if (n != "") libs[n] = 1 }
	/^Rss:/ && n != "" { s += $2 } END { for (l in libs) k++; print s + 0, k + 0 }' "/proc/$APID/maps" "/proc/$DPID/smaps")
a_hwm=$(kb "$APID" VmHWM)
d_hwm=$(kb "$DPID" VmHWM)
in_window() { awk -v a="$t0" -v b="$t1" '$1 >= a && $1 < b' "$1"; }
p_req=$(in_window "$PREQ" | wc -l)
p_bytes=$(in_window "$PLOG" | awk '{ s += $2 } END { print s + 0 }')
a_req_min=$(per_min "$((r1 - r0))" "$ms")
p_req_min=$(per_min "$p_req" "$ms")
streams=$(grep -c ' GET /v[0-9.]*/events$' "$REQ")
min=$(awk -v ms="$ms" 'BEGIN { printf "%.2f", ms / 60000 }')

result "idle: agent VmRSS (largest of $((IDLE_S / 5)) samples)" "$a_max" KiB "VmHWM $a_hwm KiB; target <= 3072"
result "idle: rds-discover VmRSS" "$d_max" KiB "VmHWM $d_hwm KiB"
result "idle: rds-discover, in libraries the agent lacks" "${curl_kb% *}" KiB "${curl_kb#* } libraries: libcurl and its own"
result "idle: agent's process tree, VmRSS summed" "$tree_max" KiB "$nproc_tree processes; PSS $pss_max KiB; shared pages counted once per process"
result "idle: agent's process tree, distinct resident pages" "$union_max" KiB "each page once (bench/mem_union.py); target <= 12288"
result "idle: agent CPU" "$(cpu_per_min "$((ca1 - ca0))" "$ms")" s/min "over $min min; $(per_min "$((wa1 - wa0))" "$ms") wake-ups/min"
result "idle: rds-discover CPU" "$(cpu_per_min "$((cd1 - cd0))" "$ms")" s/min "$(per_min "$((wd1 - wd0))" "$ms") wake-ups/min"
result "idle: agent's Docker API requests" "$a_req_min" /min "$((r1 - r0)) in $min min; $streams /events stream opened in all"
result "idle: 10 s poller's requests" "$p_req_min" /min "$p_req in $min min, $(per_min "$p_bytes" "$ms") bytes/min read"
result "floor: sleep VmRSS" "$sleep_kb" KiB
ratio "idle Docker requests (label agent / 10 s poller)" "$a_req_min" "$p_req_min" "/min, $NSVC services"
ratio "idle RSS (agent / sleep)" "$a_max" "$sleep_kb" "KiB"
ratio "idle RSS (agent's tree / sleep)" "$tree_max" "$sleep_kb" "KiB, agent + rds-discover"
[ "$((r1 - r0))" = 0 ] && ok "no Docker request while idle with $NSVC services" ||
	not_ok "Docker requests while idle" "$((r1 - r0)): $(tail -n "$((r1 - r0))" "$REQ" | cut -d' ' -f2- | sort | uniq -c | head -n 5)"

# ---- 1b. scrapes ----
SCRAPES=${BENCH_SCRAPES:-200}
c0=$(cpu_ns "$APID")
ok_n=0
for _ in $(seq 1 "$SCRAPES"); do
	curl -sf -o "$T_DIR/scrape.txt" "http://$METRICS_ADDR/metrics" && ok_n=$((ok_n + 1))
done
c1=$(cpu_ns "$APID")
per=$(awk -v ns="$((c1 - c0))" -v n="$SCRAPES" 'BEGIN { printf "%.3f", ns / 1e6 / n }')
result "scrape: agent CPU per /metrics scrape" "$per" ms "$ok_n of $SCRAPES answered, $(wc -c <"$T_DIR/scrape.txt") bytes, $(grep -c '^rds_' "$T_DIR/scrape.txt") samples, $NSVC jobs; target < 1"
ratio "scrape CPU (agent / 1 ms target)" "$per" 1 "ms per scrape, $NSVC jobs"
[ "$ok_n" = "$SCRAPES" ] && ok "every scrape answered" || not_ok "scrapes answered" "$ok_n of $SCRAPES"

# ---- 2. latency ----
: >"$T_DIR/lat-create"
: >"$T_DIR/lat-start"
: >"$T_DIR/created"
for i in $(seq -w 1 "$RUNS"); do
	name=${P}lat$i
	t0=$(now_ms)
	svc "$name" || { not_ok "service $name created"; break; }
	wait_for 30 grep -q "job $name: scheduled" "$LOG" || { not_ok "$name scheduled"; show "$LOG"; break; }
	tl=$(agent_log_ms "$LOG" "job $name: scheduled")
	started=$(dk inspect -f '{{.State.StartedAt}}' "$(dk ps -q -f "name=$name.")")
	ts=$(date -u -d "$started" +%s%3N)
	echo "$((tl - t0))" >>"$T_DIR/lat-create"
	echo "$((tl - ts))" >>"$T_DIR/lat-start"
	echo "$name $t0" >>"$T_DIR/created"
	# Apart, and out of step with the poller's period.
	wait_for 30 quiet
	sleep "0.$((RANDOM % 10))"
done
n=$(lines "$T_DIR/lat-create")
lc=$(median <"$T_DIR/lat-create")
ls_=$(median <"$T_DIR/lat-start")
result "latency: service create -> job scheduled" "$lc" ms "median of $n, max $(sort -n "$T_DIR/lat-create" | tail -n 1)"
result "latency: container started -> job scheduled" "$ls_" ms "median of $n, max $(sort -n "$T_DIR/lat-start" | tail -n 1)"
# The poller's first list that names each of them (one more period first).
sleep $((POLL_S + 1))
while read -r name c; do
	awk -v n="$name" -v c="$c" '{ for (i = 3; i <= NF; i++) if ($i == n && $1 >= c) { print $1 - c; exit } }' "$PLOG"
done <"$T_DIR/created" >"$T_DIR/lat-poll"
lp=$(median <"$T_DIR/lat-poll")
result "latency: service create -> 10 s poller lists it" "$lp" ms "median of $(lines "$T_DIR/lat-poll"), max $(sort -n "$T_DIR/lat-poll" | tail -n 1)"
ratio "discovery latency from create (agent / 10 s poller)" "$lc" "$lp" "ms, median of $n"
kill "$POLLER" 2>/dev/null
ids=$(dk service ls -q -f "name=${P}lat")
# shellcheck disable=SC2086
[ -z "$ids" ] || dk service rm $ids >/dev/null 2>&1

# ---- 3. churn ----
SAMPLES=$T_DIR/samples
: >"$SAMPLES"
sample() { # SECONDS_INTO_CHURN
	local d a v=
	d=$(disco_pid "$APID")
	a=$(kb "$APID" VmRSS)
	[ -z "$d" ] || v=$(kb "$d" VmRSS)
	echo "$1 ${a:-0} ${v:-0} $(find "/proc/$APID/fd" -mindepth 1 | wc -l) $(($(tree "$APID" | wc -l) - 1)) ${d:-none}" >>"$SAMPLES"
}
churn_sched() { grep -c "job ${P}c[0-9]*: scheduled" "$LOG"; }
churn_gone() { grep -c "job ${P}c[0-9]*: service .* no task on this node any more" "$LOG"; }
wait_for 60 none_running "${P}lat"
wait_for 30 quiet
sample 0
cycles=0
c_start=$SECONDS
next=$((SECONDS + SAMPLE_S))
while [ $((SECONDS - c_start)) -lt "$CHURN_S" ]; do
	s0=$(churn_sched)
	g0=$(churn_gone)
	for ((j = 1; j <= CHURN_K; j++)); do
		svc "${P}c$j" || { not_ok "churn: service ${P}c$j created"; break 2; }
	done
	wait_for 60 at_least churn_sched $((s0 + CHURN_K)) || { not_ok "churn: $CHURN_K jobs scheduled"; break; }
	# shellcheck disable=SC2046
	dk service rm $(seq -f "${P}c%g" 1 "$CHURN_K") >/dev/null 2>&1
	wait_for 60 at_least churn_gone $((g0 + CHURN_K)) || { not_ok "churn: $CHURN_K jobs unscheduled"; break; }
	cycles=$((cycles + 1))
	if [ "$SECONDS" -ge "$next" ]; then
		sample $((SECONDS - c_start))
		next=$((next + SAMPLE_S))
	fi
done
wait_for 60 none_running "${P}c"
wait_for 30 quiet
sample $((SECONDS - c_start))
churn_s=$((SECONDS - c_start))
awk '{ printf "# churn sample at %5d s: agent %5s KiB, rds-discover %5s KiB, %s fds, %s children (rds-discover pid %s)\n", $1, $2, $3, $4, $5, $6 }' "$SAMPLES"
# column: 2 agent, 3 rds-discover, 4 fds, 5 children
stat_of() { # COLUMN: first after warm-up, last, largest
	awk -v c="$1" -v w="$SAMPLE_S" '{ v[NR] = $c; t[NR] = $1 }
		END { f = v[1]; for (i = 1; i <= NR; i++) if (t[i] >= w) { f = v[i]; break }
		      m = 0; for (i = 1; i <= NR; i++) if (t[i] >= w && v[i] + 0 > m) m = v[i]
		      if (m == 0) m = v[NR]
		      printf "%s %s %s %.1f\n", f, v[NR], m, f ? (v[NR] - f) * 100 / f : 0 }' "$SAMPLES"
}
read -r af al am ag < <(stat_of 2)
read -r df dl dm dg < <(stat_of 3)
read -r ff fl fm _ < <(stat_of 4)
read -r kf kl km _ < <(stat_of 5)
fd_set=$(awk '{ print $4 }' "$SAMPLES" | sort -u | tr '\n' ' ')
kid_set=$(awk '{ print $5 }' "$SAMPLES" | sort -u | tr '\n' ' ')
restarts=$(awk '{ print $6 }' "$SAMPLES" | sort -u | wc -l)
result "churn: services created and removed" "$((cycles * CHURN_K))" "" "$cycles cycles of $CHURN_K in $churn_s s, $NSVC others kept"
result "churn: agent VmRSS first / last / largest" "$af/$al/$am" KiB "growth $ag%; target within 5%"
result "churn: rds-discover VmRSS first / last / largest" "$df/$dl/$dm" KiB "growth $dg%"
result "churn: agent's open fds first / last / largest" "$ff/$fl/$fm" "" "values seen: $fd_set"
result "churn: agent's child processes first / last / largest" "$kf/$kl/$km" "" "values seen: $kid_set"
ratio "churn: agent VmRSS (last / first after warm-up)" "$al" "$af" "KiB, $churn_s s"
ratio "churn: rds-discover VmRSS (last / first after warm-up)" "$dl" "$df" "KiB"
[ "$(wc -w <<<"$fd_set")" = 1 ] && [ "$(wc -w <<<"$kid_set")" = 1 ] && [ "$restarts" = 1 ] &&
	ok "churn: the agent's fds and child processes stay flat, one rds-discover throughout" ||
	not_ok "churn: fds or processes changed" "fds: $fd_set; children: $kid_set; rds-discover pids: $restarts"

# ---- the end ----
kill -TERM "$APID"
wait_for 20 eval "! kill -0 $APID 2>/dev/null"
wait "$APID"
rc=$?
[ "$rc" = 0 ] && wait_for 5 eval "! kill -0 $DPID" && ok "SIGTERM: the agent exits 0, rds-discover with it" ||
	not_ok "agent stop" "rc=$rc"
ok "label mode measured"

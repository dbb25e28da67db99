#!/usr/bin/env bash
# Throughput: the first backup of a BENCH_MB (default 1024) MB set through
# rds-agent to a real sshd over SFTP, against restic backing the same set up
# to a local repository on the same disk (the ceiling here); MB/s and the
# ratio. Then what moves it: the ssh cipher (-o Ciphers=...), restic's
# sftp.connections, both, and restic without its cache; and the cipher alone, in a plain sftp put. Every case starts from an empty repository
# (initialised beforehand, so only the backup is timed) with a cold restic
# cache; the page cache is dropped before each run when that is allowed.
#   bash bench/throughput.sh
source "$(dirname "$0")/lib.sh"
MB=${BENCH_MB:-1024}
REPEAT=${BENCH_REPEAT:-3}

echo "# throughput: $(bench_machine)"
sshd_start || { not_ok "sshd"; exit 1; }
agent_env tp
rm -rf "$BACKUP_PATH" && bench_data "$BACKUP_PATH" "$MB" 200 || { not_ok "data set"; exit 1; }
bytes=$(du -sb "$BACKUP_PATH" | cut -f1)
echo "# data: $((bytes / 1048576)) MiB, $(find "$BACKUP_PATH" -type f | wc -l) files, half compressible"

cold() { [ -w /proc/sys/vm/drop_caches ] && sync && echo 3 >/proc/sys/vm/drop_caches; return 0; }
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / 1048576 / s }'; }

# The ceiling: restic alone, local repository on the same disk.
LOCAL=$T_DIR/local-repo
"$RESTIC_BINARY" -r "$LOCAL" --password-file "$RESTIC_REPO_PASSWORD_FILE" init >/dev/null 2>&1 || { not_ok "local init"; exit 1; }
cold
t0=$(now_ms)
"$RESTIC_BINARY" -r "$LOCAL" --password-file "$RESTIC_REPO_PASSWORD_FILE" --cache-dir "$T_DIR/local-cache" \
	backup --json --host bench "$BACKUP_PATH" >"$T_DIR/local.json" 2>&1 || { not_ok "local backup"; show "$T_DIR/local.json"; exit 1; }
t_local=$(awk -v a="$t0" -v b="$(now_ms)" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
local_mbps=$(mbps "$t_local")
result "restic, local repository (ceiling)" "$local_mbps" "MB/s" "${t_local} s"
rm -rf "$LOCAL" "$T_DIR/local-cache"

# case LABEL EXTRA_ARGS: a fresh repository, one agent backup; prints MB/s.
n=0
best_label= best=0
case_run() {
	local label=$1 extra=$2 d m i
	: >"$T_DIR/d.txt"
	for ((i = 0; i < REPEAT; i++)); do
		n=$((n + 1))
		export REPO_PATH=tp-$n XDG_CACHE_HOME=$T_DIR/cache-$n
		restic_direct "$REPO_PATH" init >/dev/null 2>&1 || { not_ok "$label: init"; return 1; }
		cold
		EXTRA_ARGS=$extra agent_run "$T_DIR/case-$n.log" || { not_ok "$label: backup"; show "$T_DIR/case-$n.log"; return 1; }
		status_field duration_s >>"$T_DIR/d.txt"
		rm -rf "${REPO_ROOT:?}/tp-$n" "$T_DIR/cache-$n"
	done
	d=$(median <"$T_DIR/d.txt")
	m=$(mbps "$d")
	result "agent over SFTP: $label" "$m" "MB/s" "$(printf '%.2f' "$d") s, median of $REPEAT"
	ratio "throughput, $label (agent SFTP / local restic)" "$m" "$local_mbps" "MB/s"
	if awk -v a="$m" -v b="$best" 'BEGIN { exit !(a > b) }'; then
		best=$m
		best_label=$label
	fi
}
case_run "defaults (ssh's cipher choice)" ""
case_run "Ciphers=aes128-gcm@openssh.com" "-o Ciphers=aes128-gcm@openssh.com"
case_run "Ciphers=chacha20-poly1305@openssh.com" "-o Ciphers=chacha20-poly1305@openssh.com"
case_run "sftp.connections=8" "-e -o -e sftp.connections=8"
case_run "no restic cache (--no-cache)" "-e --no-cache"
case_run "aes128-gcm and sftp.connections=8" "-o Ciphers=aes128-gcm@openssh.com -e -o -e sftp.connections=8"
echo "# fastest: $best_label ($best MB/s; local ceiling $local_mbps MB/s)"

# The cipher alone: one large file put over plain SFTP, no restic (its
# compression and hashing share the same cores).
head -c 512M /dev/urandom >"$T_DIR/raw.bin"
raw() {
	local c=$1 t0 i
	: >"$T_DIR/raw.txt"
	for ((i = 0; i < REPEAT; i++)); do
		t0=$(now_ms)
		echo "put $T_DIR/raw.bin raw.bin" | sftp -q -b - -o Ciphers="$c" -i "$SSH_KEY" -o UserKnownHostsFile="$SSH_KNOWN_HOSTS" \
			-o StrictHostKeyChecking=yes -o BatchMode=yes -P "$SSHD_PORT" restic@127.0.0.1 >/dev/null || return 1
		awk -v a="$t0" -v b="$(now_ms)" 'BEGIN { printf "%.1f\n", 512 / ((b - a) / 1000) }' >>"$T_DIR/raw.txt"
	done
	median <"$T_DIR/raw.txt"
}
gcm=$(raw aes128-gcm@openssh.com) && cha=$(raw chacha20-poly1305@openssh.com) || { not_ok "raw sftp put"; exit 1; }
rm -f "$T_DIR/raw.bin" "$REPO_ROOT/raw.bin"
result "plain SFTP put, aes128-gcm" "$gcm" "MB/s" "512 MiB, median of $REPEAT"
result "plain SFTP put, chacha20-poly1305 (ssh's default)" "$cha" "MB/s"
ratio "SFTP cipher, aes128-gcm / chacha20-poly1305" "$gcm" "$cha" "MB/s, plain sftp put"
ok "throughput cases measured"

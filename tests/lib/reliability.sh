# Sourced by the fault scenarios: one line per fault into the rows file that
# scripts/reliability.sh renders as docs/reliability.md.
#   fault_row "FAULT" "OBSERVED OUTCOME" [ok|failed]
# appends "FAULT<TAB>OUTCOME<TAB>RESULT<TAB>SCENARIO<TAB>RUN" to
# ${RELIABILITY_ROWS:-/tmp/rds-reliability.rows}: SCENARIO is the script's
# name (90-faults_sftp), plus " ($RELIABILITY_VARIANT)" for a variant
# (another restic, the ASan build); RUN tells this run of the scenario
# from earlier ones (the renderer keeps each scenario's last run). Only
# appends, so scenarios running at once cannot lose each other's rows.
# Tabs and newlines in the texts become spaces; the result defaults to ok.
RELIABILITY_ROWS=${RELIABILITY_ROWS:-/tmp/rds-reliability.rows}
RELIABILITY_RUN=${RELIABILITY_RUN:-$(date +%s).$$}

fault_row() {
	local fault=$1 outcome=$2 result=${3:-ok} scen
	scen=$(basename "$0" .sh)
	[ -n "${RELIABILITY_VARIANT:-}" ] && scen="$scen ($RELIABILITY_VARIANT)"
	case $result in ok | failed) ;; *) result=failed ;; esac
	fault=${fault//$'\t'/ } fault=${fault//$'\n'/ }
	outcome=${outcome//$'\t'/ } outcome=${outcome//$'\n'/ }
	# The scenario's scratch directory is a random name: shown as $T_DIR.
	[ -n "${T_DIR:-}" ] && outcome=${outcome//"$T_DIR"/\$T_DIR}
	while [[ $outcome == *"  "* ]]; do outcome=${outcome//  / }; done
	outcome=${outcome# }
	printf '%s\t%s\t%s\t%s\t%s\n' "$fault" "$outcome" "$result" "$scen" "$RELIABILITY_RUN" >>"$RELIABILITY_ROWS"
	echo "# fault row: $fault -> $outcome [$result]"
}

# Kept for the scenarios' calls: earlier runs' rows are left in the file
# and dropped by the renderer (it keeps a scenario's last run).
fault_rows_reset() { :; }

# The variant a run is (another restic than Debian's, the ASan build),
# named in the scenario column so that the variants' rows do not replace
# each other.
if [ -z "${RELIABILITY_VARIANT:-}" ]; then
	_rv=
	case ${RESTIC_BINARY:-restic} in restic | /usr/bin/restic) ;; *)
		_rv="restic $("$RESTIC_BINARY" version 2>/dev/null | awk '{print $2; exit}')" ;;
	esac
	case ${BUILD:-build} in build) ;; *) _rv="${_rv:+$_rv, }$BUILD" ;; esac
	RELIABILITY_VARIANT=$_rv
	unset _rv
fi

# After agent.sh: `restic check` of REPO (restic directly, not through the
# agent) and a restore of its latest snapshot compared byte for byte with
# $BACKUP_PATH. Sets FV_MSG ("check ok; restore identical" or what
# failed); returns 0 when both hold.
fault_verify() {
	local repo=$1 dir rc=0
	dir=$(mktemp -d "$T_DIR/verify.XXXXXX")
	if restic_direct "$repo" check >"$dir.check" 2>&1; then
		FV_MSG="check ok"
	else
		FV_MSG="check FAILED: $(grep -v '^$' "$dir.check" | tail -n 1)"
		rc=1
	fi
	if ! restic_direct "$repo" restore latest --host "${BACKUP_HOST:-it-host}" --target "$dir" >"$dir.restore" 2>&1; then
		FV_MSG="$FV_MSG; restore FAILED: $(tail -n 1 "$dir.restore")"
		rc=1
	elif diff -r "$BACKUP_PATH" "$dir$BACKUP_PATH" >"$dir.diff" 2>&1; then
		FV_MSG="$FV_MSG; restore identical"
	else
		FV_MSG="$FV_MSG; restore DIFFERS ($(wc -l <"$dir.diff") diff lines)"
		rc=1
	fi
	rm -rf -- "$dir"
	return $rc
}

# Sourced by the test libraries and scripts/demo.sh: reading rds-agent's
# status file (STATUS_FILE, JSON with one job).
#   status_json_field FIELD   the job's FIELD from the status JSON on stdin;
#                             "" when it is null or missing; fails when stdin
#                             is not a status file
status_json_field() {
	/usr/bin/python3 -c 'import json,sys; j=list(json.load(sys.stdin)["jobs"].values())[0]; v=j.get(sys.argv[1]); print("" if v is None else v)' "$1"
}

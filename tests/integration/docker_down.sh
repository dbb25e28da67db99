#!/bin/bash
# Stops the suite's private dockerd (tests/lib/dockerd.sh) and unmounts what
# it left; the suite runner calls this once after the last docker scenario.
#   bash tests/integration/docker_down.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
source "$RDS_ROOT/tests/lib/dockerd.sh"

check "private dockerd stopped, nothing left mounted under its roots" dockerd_down
if dockerd_answers; then not_ok "nothing answers on $RDS_DOCKER_SOCK"; else ok "nothing answers on $RDS_DOCKER_SOCK"; fi

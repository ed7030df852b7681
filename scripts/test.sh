#!/usr/bin/env bash
# Runs every test of the repository once (no watch mode).
#
# PostgreSQL variants of the database tests run when
# BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set; the PromQL
# integration test runs when Debian's `prometheus` is installed (or
# PROMETHEUS_BIN names it; `scripts/prometheus.sh` installs it). Without them
# those tests are skipped, and each prints a line starting with SKIPPED.
# Set AI_SRE_REQUIRE_SERVICES=postgres,prometheus to make a missing service an
# error instead (CI does).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_dependencies
cd "$AI_SRE_ROOT"
export CI=true
export BACKSTAGE_TEST_DISABLE_DOCKER=1
exec yarn test "$@"

#!/usr/bin/env bash
# Runs every test of the repository once (no watch mode), then the
# end-to-end test (Debian's chromium driven by playwright-core; skipped with a
# SKIPPED line when chromium is missing, unless required).
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
# Unit and integration tests (every workspace), then, unless arguments
# narrow the run, the end-to-end test in headless Chromium.
yarn test "$@"
if [ "$#" -eq 0 ]; then
  yarn test:e2e
fi

#!/usr/bin/env bash
# Prints the path of a Prometheus server binary for the integration tests,
# installing Debian's `prometheus` package (2.42) with apt when none is found.
#
# The package does not start a server: each test starts its own, with
# --config.file, --storage.tsdb.path and --web.listen-address on a free port.
# Tests find the binary through PROMETHEUS_BIN, else `prometheus` on the PATH:
#
#   export PROMETHEUS_BIN="$(scripts/prometheus.sh)"
#   export AI_SRE_REQUIRE_SERVICES=postgres,prometheus  # fail, not skip, if absent
#
# Only the path goes to stdout; apt's output goes to stderr.
set -euo pipefail

if [ -n "${PROMETHEUS_BIN:-}" ] && [ -x "${PROMETHEUS_BIN}" ]; then
  echo "${PROMETHEUS_BIN}"
  exit 0
fi

if ! command -v prometheus >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "[prometheus] no prometheus on the PATH and no apt-get to install it" >&2
    exit 1
  fi
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "[prometheus] installing needs root (or sudo)" >&2
      exit 1
    fi
  fi
  echo "[prometheus] installing Debian's prometheus package" >&2
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends prometheus >&2
fi

binary="$(command -v prometheus)" || {
  echo "[prometheus] installed, but prometheus is not on the PATH" >&2
  exit 1
}
"$binary" --version >&2
echo "$binary"

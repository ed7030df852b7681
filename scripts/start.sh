#!/usr/bin/env bash
# Starts the demo: the sandbox cluster (a simulated Kubernetes API on
# http://127.0.0.1:6443 running the bookstore, with a fault injected 45 s
# after start and then every five minutes), the Backstage app on
# http://localhost:3000 and its backend on http://localhost:7007, with SQLite
# under .data/ and the guest sign-in. On a machine whose Node is older than
# 22 it fetches Node 22 first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_dependencies
cd "$AI_SRE_ROOT"
mkdir -p .data/sqlite

export AI_SRE_SANDBOX_TOKEN="${AI_SRE_SANDBOX_TOKEN:-demo-sandbox-admin-token}"
yarn workspace @internal/k8s-sandbox sandbox --demo --port 6443 \
  --admin-token "$AI_SRE_SANDBOX_TOKEN" \
  --kubeconfig "$AI_SRE_ROOT/.data/sandbox.kubeconfig" &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 60); do
  curl -fsS -o /dev/null http://127.0.0.1:6443/healthz 2>/dev/null && break
  sleep 1
done
echo "[start] sandbox cluster up; kubectl: KUBECONFIG=.data/sandbox.kubeconfig kubectl get pods -n bookstore" >&2

yarn start "$@"

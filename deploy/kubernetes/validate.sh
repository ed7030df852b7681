#!/usr/bin/env bash
# Validates the Kubernetes manifests without a cluster:
#  1. renders both overlays with `kubectl kustomize` (or `kustomize build`);
#  2. asserts what they promise on the rendered objects (validate.mjs):
#     Pod Security labels, security contexts, probes, resources, no RBAC
#     wildcard, write verbs only in per-namespace RoleBindings and the node
#     ClusterRole, and the production config (PostgreSQL, no sandbox);
#  3. unless --static: applies the production RBAC to the sandbox cluster
#     (which enforces RBAC) and runs AI SRE's real informers, log capture and
#     every action handler as the service account (rbac-check.ts): all it
#     needs is allowed, writes outside the listed namespaces are refused.
#
#   deploy/kubernetes/validate.sh [--static]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/env.sh"
cd "$AI_SRE_ROOT"

static=0
[ "${1:-}" = "--static" ] && static=1

render() {
  if command -v kubectl >/dev/null 2>&1; then
    kubectl kustomize "$1"
  elif command -v kustomize >/dev/null 2>&1; then
    kustomize build "$1"
  else
    echo "validate.sh needs kubectl (or kustomize) to render the overlays" >&2
    return 1
  fi
}

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

args=()
for overlay in demo production; do
  echo "==> kubectl kustomize deploy/kubernetes/overlays/$overlay"
  render "deploy/kubernetes/overlays/$overlay" >"$out/$overlay.yaml"
  echo "    $(grep -c '^kind:' "$out/$overlay.yaml") objects"
  args+=("$overlay=$out/$overlay.yaml")
done

echo "==> properties of the rendered manifests"
node deploy/kubernetes/validate.mjs "${args[@]}"

if [ "$static" = 0 ]; then
  echo "==> the production RBAC against AI SRE's own calls, in the sandbox"
  yarn tsx deploy/kubernetes/rbac-check.ts "$out/production.yaml"
fi
echo "==> manifests valid"

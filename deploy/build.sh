#!/usr/bin/env bash
# Builds the two images of deploy/Dockerfile from a host build:
#
#   deploy/build.sh [--no-docker] [IMAGE_PREFIX [TAG]]
#
#   ai-sre-backstage:TAG   the Backstage backend and app with the AI SRE plugins
#   ai-sre-sandbox:TAG     the simulated cluster the demo overlay runs beside it
#
# IMAGE_PREFIX defaults to nothing (local images), e.g. `ghcr.io/acme/` to
# push them afterwards; TAG defaults to `latest`. With --no-docker only the
# host build runs (CI without a Docker engine, or another image builder).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
cd "$AI_SRE_ROOT"

docker=1
if [ "${1:-}" = "--no-docker" ]; then
  docker=0
  shift
fi
prefix="${1:-}"
tag="${2:-latest}"

step() { printf '\n==> %s\n' "$*" >&2; }

step "Dependencies (the committed lockfile)"
ensure_dependencies

step "Type check"
yarn tsc

step "Backend bundle: packages/backend/dist/{skeleton,bundle}.tar.gz"
yarn build:backend

step "Sandbox bundle: packages/k8s-sandbox/dist/sandbox.cjs"
# esbuild comes with tsx (a root devDependency). The manifest schemas of
# kubernetes-models are loaded by path at run time, so they stay external and
# are installed in the image; the sandbox finds its scenarios through its own
# package.json, also installed there.
mkdir -p packages/k8s-sandbox/dist
node_modules/.bin/esbuild packages/k8s-sandbox/src/cli.ts \
  --bundle --platform=node --target=node22 --format=cjs \
  --external:kubernetes-models --external:@kubernetes-models/validate \
  --external:@internal/k8s-sandbox \
  --outfile=packages/k8s-sandbox/dist/sandbox.cjs --log-level=warning

if [ "$docker" = 0 ]; then
  step "Host build done (--no-docker)"
  exit 0
fi

step "Image ${prefix}ai-sre-backstage:${tag}"
DOCKER_BUILDKIT=1 docker build -f deploy/Dockerfile --target backend \
  -t "${prefix}ai-sre-backstage:${tag}" .

step "Image ${prefix}ai-sre-sandbox:${tag}"
DOCKER_BUILDKIT=1 docker build -f deploy/Dockerfile --target sandbox \
  -t "${prefix}ai-sre-sandbox:${tag}" .

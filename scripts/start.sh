#!/usr/bin/env bash
# Starts the demo: the Backstage app on http://localhost:3000 and its backend
# on http://localhost:7007, with SQLite under .data/ and the guest sign-in.
# On a machine whose Node is older than 22 it fetches Node 22 first.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_dependencies
cd "$AI_SRE_ROOT"
mkdir -p .data/sqlite
exec yarn start "$@"

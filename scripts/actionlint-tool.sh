#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter) from the Go module proxy at the pinned version
# into the project's cache and prints the binary's path. Idempotent: a cached build is reused, so the
# test command pays for the build once (test/ci/actionlint.test.ts runs it on every workflow).
set -euo pipefail
version=${PODCHURN_ACTIONLINT_VERSION:-v1.7.12}
cache=${PODCHURN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/podchurn}
bin_dir=$cache/tools/actionlint@$version
if [[ ! -x $bin_dir/actionlint ]]; then
  echo "podchurn actionlint-tool: building actionlint $version from the Go module proxy" >&2
  rm -rf "$bin_dir.tmp"
  mkdir -p "$bin_dir.tmp"
  GOMODCACHE=$cache/go/mod GOCACHE=$cache/go/build GOFLAGS='-modcacherw -buildvcs=false' GOTOOLCHAIN=local \
    CGO_ENABLED=0 GOBIN=$bin_dir.tmp go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
  rm -rf "$bin_dir"
  mv "$bin_dir.tmp" "$bin_dir"
fi
# actionlint -version prints the module version on its first line ("v1.7.12" or "1.7.12").
"$bin_dir/actionlint" -version | head -1 | grep -qx "v\?${version#v}" || { echo "podchurn actionlint-tool: $bin_dir/actionlint does not report $version" >&2; exit 3; }
echo "$bin_dir/actionlint"

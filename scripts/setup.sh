#!/usr/bin/env bash
# Prepares this machine for podchurn, idempotently: Debian packages the CRI target needs,
# node_modules from package-lock.json, and the compiled CLI. Safe to run again at any time.
# `--test` also installs what only the test suite needs (npm test passes it).
set -euo pipefail
cd "$(dirname "$0")/.."

# containerd, runc: the system runtime; busybox-static, gcc, libc6-dev: the offline images;
# libseccomp-dev, pkg-config: building pinned runc from the Go module proxy; etcd-server,
# containernetworking-plugins: the local cluster's etcd and pod network (the package's etcd service is never used).
packages=(containerd runc busybox-static gcc libc6-dev file libseccomp-dev pkg-config etcd-server containernetworking-plugins)
# Tests only. chromium: the HTML report test opens report.html in it; libxml2-utils: xmllint to check junit.xml by hand;
# docker.io, jq: the Docker engine the kind tests run (scripts/docker-engine.sh); debootstrap: offline kind node images;
# shellcheck: actionlint's check of the workflows' run: scripts, and of action.yml's (test/ci/actionlint.test.ts);
# prometheus-pushgateway, prometheus: the --push test pushes a run's metrics and queries them back (only the binaries
# are used; the test starts both on free ports with temporary storage, never the packages' services).
if [[ ${1:-} == --test ]]; then
  packages+=(chromium libxml2-utils docker.io jq debootstrap shellcheck prometheus-pushgateway prometheus)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "podchurn setup: apt-get is not available. Install these packages with your package manager: ${missing[*]}" >&2
    exit 3
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "podchurn setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
  echo "podchurn setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# Node 24 LTS, podchurn's baseline, for the CLI scripts, the suite and the benchmarks: the machine's own when it is
# 24 or later, else the official binary unpacked once from the npm registry (scripts/on-node-lts.sh).
bash scripts/on-node-lts.sh node --version >/dev/null

# Rebuild the CLI (compiled, then bundled into dist/podchurn.cjs) when any source is newer than the last build, the
# workspace packages' (packages/*/src, which the bundle inlines) included.
if [[ ! -f dist/podchurn.cjs ]] || [[ -n $(find src packages/*/src proto package-lock.json scripts/bundle.sh -newer dist/podchurn.cjs -print -quit) ]]; then
  npm run build --silent
fi

# Tests only: the kind end-to-end tests need a Docker engine and the pinned kind CLI; the workflow lint, actionlint.
if [[ ${1:-} == --test ]]; then
  bash scripts/docker-engine.sh start
  bash scripts/kind-tool.sh
  bash scripts/actionlint-tool.sh >/dev/null
fi

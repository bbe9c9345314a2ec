#!/usr/bin/env bash
# Bundles the compiled CLI (dist/cli/main.js and everything it imports, the Kubernetes client's ~1,000
# modules included) into one file, dist/podchurn.js, which bin/podchurn.js runs: resolving and loading
# thousands of small modules was most of the CLI's start-up time. better-sqlite3 stays outside (a native
# addon). Data files are found from the package root (src/util/package-root.ts), so the bundle needs none.
set -euo pipefail
cd "$(dirname "$0")/.."
npx esbuild dist/cli/main.js --bundle --platform=node --format=esm --target=node20 \
  --external:better-sqlite3 --outfile=dist/podchurn.js --log-level=warning \
  --banner:js="import { createRequire as podchurnCreateRequire } from 'node:module'; const require = podchurnCreateRequire(import.meta.url);"

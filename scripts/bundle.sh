#!/usr/bin/env bash
# Bundles the compiled CLI (dist/cli/main.js and everything it imports, the Kubernetes client's ~1,000
# modules included) into one CommonJS file, dist/podchurn.cjs, which bin/podchurn.js runs: resolving and
# loading thousands of small modules was most of the CLI's start-up time. better-sqlite3 stays outside (a
# native addon). Data files are found from the package root (src/util/package-root.ts), so the bundle
# needs none; import.meta.url becomes the bundle's own file URL.
#
# Then it writes V8's code cache for the bundle (dist/podchurn.cjs.code-cache): compiling the 7.6 MB
# bundle and the functions its start-up runs was about half of what remained. The cache is taken after
# a `validate` has run, so it holds the functions that module initialisation, argument parsing and
# scenario loading compile, not just the top level. CommonJS because Node 20 can cache only scripts.
set -euo pipefail
cd "$(dirname "$0")/.."
npx esbuild dist/cli/main.js --bundle --platform=node --format=cjs --target=node20 \
  --external:better-sqlite3 --outfile=dist/podchurn.cjs --log-level=warning \
  --define:import.meta.url=podchurnBundleUrl \
  --banner:js="const podchurnBundleUrl = require('node:url').pathToFileURL(__filename).href;"
# The worker that parses and folds half of a large events.jsonl (src/run/fold-events.ts) is its own small
# bundle beside the CLI's: it starts in milliseconds, without the CLI's modules.
npx esbuild dist/run/fold-events-worker.js --bundle --platform=node --format=cjs --target=node20 \
  --outfile=dist/fold-events-worker.cjs --log-level=warning \
  --define:import.meta.url=podchurnBundleUrl \
  --banner:js="const podchurnBundleUrl = require('node:url').pathToFileURL(__filename).href;"
rm -f dist/podchurn.js dist/podchurn.cjs.code-cache
PODCHURN_WRITE_CODE_CACHE=1 node bin/podchurn.js validate scenarios/seed-repro.yaml >/dev/null

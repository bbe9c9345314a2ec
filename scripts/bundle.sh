#!/usr/bin/env bash
# Bundles the compiled CLI (dist/cli/main.js and everything it imports, the Kubernetes client's ~1,000
# modules included) into one CommonJS file, dist/podchurn.cjs, which bin/podchurn.js runs: resolving and
# loading thousands of small modules was most of the CLI's start-up time. Data files are found from the
# package root (src/util/package-root.ts), so the bundle needs none; import.meta.url becomes the bundle's
# own file URL. `punycode` is the npm package, not Node's deprecated built-in module that whatwg-url (under
# the Kubernetes client) asks for: from outside node_modules, Node 22+ warns about the built-in on every start.
set -euo pipefail
cd "$(dirname "$0")/.."
npx esbuild dist/cli/main.js --bundle --platform=node --format=cjs --target=node22 \
  --alias:punycode=punycode/ --outfile=dist/podchurn.cjs --log-level=warning \
  --define:import.meta.url=podchurnBundleUrl \
  --banner:js="const podchurnBundleUrl = require('node:url').pathToFileURL(__filename).href;"
rm -f dist/podchurn.js

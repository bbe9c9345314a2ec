#!/usr/bin/env bash
# Bundles the compiled CLI (dist/cli/main.js and everything it imports, the Kubernetes client's ~1,000
# modules included) into one CommonJS file, dist/podchurn.cjs, which bin/podchurn.js runs: resolving and
# loading thousands of small modules was most of the CLI's start-up time. Data files are found from the
# package root (src/util/package-root.ts), so the bundle needs none; import.meta.url becomes the bundle's
# own file URL.
# Whitespace and comments are left out, and the dependencies' licence comments go to podchurn.cjs.LEGAL.txt
# beside it: V8 keeps a script's whole source in memory, and a single non-ASCII character in a comment makes
# it keep all of it two bytes per character: 9.1 MB of source with comments, 18 MB in memory, became 5.3 MB of
# ASCII (peak RSS with each bundle: bench/results/kube-burner-levers.md). Stack traces keep function names.
set -euo pipefail
cd "$(dirname "$0")/.."
npx esbuild dist/cli/main.js --bundle --platform=node --format=cjs --target=node22 \
  --minify-whitespace --legal-comments=external --charset=ascii \
  --outfile=dist/podchurn.cjs --log-level=warning \
  --define:import.meta.url=podchurnBundleUrl \
  --banner:js="const podchurnBundleUrl = require('node:url').pathToFileURL(__filename).href;"
rm -f dist/podchurn.js

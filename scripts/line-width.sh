#!/usr/bin/env bash
# Biome formats code to its lineWidth but leaves long string literals and comments as they are: this
# fails the lint on any line of the project's own TypeScript and JavaScript longer than that width.
set -euo pipefail
cd "$(dirname "$0")/.."
width=$(grep -oE '"lineWidth": *[0-9]+' biome.json | grep -oE '[0-9]+$')
mapfile -t files < <(git ls-files -- '*.ts' '*.js' '*.mjs' '*.cjs')
if long=$(grep -nE ".{$((width + 1)),}" "${files[@]}"); then
  echo "podchurn lint: lines longer than $width characters (split the string or comment):" >&2
  cut -c1-200 <<<"$long" >&2
  exit 1
fi

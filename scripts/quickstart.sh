#!/usr/bin/env bash
# The main job on the embedded default: scenarios/quickstart.yaml on a containerd podchurn starts
# itself. Prints the summary table; the run directory lands under reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bash scripts/on-node-lts.sh node bin/podchurn.js run scenarios/quickstart.yaml "$@"

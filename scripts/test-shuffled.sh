#!/usr/bin/env bash
# Runs spec files in a random order, to show that no test depends on another having run first.
#   bash scripts/test-shuffled.sh                          # every spec file (packages/ too), a new seed
#   bash scripts/test-shuffled.sh 'test/stats/**/*.test.ts' test/cli/compare.test.ts
#   PODCHURN_TEST_SEED=12345 bash scripts/test-shuffled.sh ...   # the same order again
# The seed and the order are printed first; mocha gets the files in that order (no --sort). Each file
# provisions what it needs itself (test/helpers/provision.ts), so any order must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
(($#)) || set -- 'test/**/*.test.ts' 'packages/*/test/**/*.test.ts'
seed=${PODCHURN_TEST_SEED:-$((RANDOM * 32768 + RANDOM))}
shopt -s globstar nullglob
matched=()
for pattern in "$@"; do
  # shellcheck disable=SC2206 # the pattern is meant to expand here
  matched+=($pattern)
done
mapfile -t files < <(node --input-type=module - "$seed" "${matched[@]}" <<'JS'
const [seedText, ...matched] = process.argv.slice(2);
const files = [...new Set(matched)].sort();
// mulberry32: a small seeded generator, so a seed names one order on every machine.
let state = Number(seedText) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
for (let i = files.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [files[i], files[j]] = [files[j], files[i]];
}
console.log(files.join('\n'));
JS
)
((${#files[@]})) || { echo "test-shuffled: no spec file matches $*" >&2; exit 2; }
echo "test-shuffled: seed $seed (PODCHURN_TEST_SEED=$seed reproduces this order), ${#files[@]} files:" >&2
printf '  %s\n' "${files[@]}" >&2
exec npx mocha "${files[@]}"

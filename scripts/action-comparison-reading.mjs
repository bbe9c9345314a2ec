// One word for a pipeline (the action's `comparison` output) from comparison.json (`podchurn compare --json`):
// worse when any percentile or the stuck count reads worse, else better when any reads better, else
// "no significant change" when any row was judged, else "not judged" (too few samples, not enough history).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node scripts/action-comparison-reading.mjs COMPARISON_JSON\n');
  process.exit(2);
}
const comparison = JSON.parse(readFileSync(file, 'utf8'));
const verdicts = comparison.pairs.flatMap((pair) => [...pair.metrics.map((metric) => metric.verdict), pair.stuck.verdict]);
const reading = verdicts.includes('worse')
  ? 'worse'
  : verdicts.includes('better')
    ? 'better'
    : verdicts.includes('no significant change')
      ? 'no significant change'
      : 'not judged';
process.stdout.write(`${reading}\n`);

/**
 * The measured controls of the bug library as a Markdown table with Fisher's exact p-values, computed from
 * the summary.json each control run wrote (saved beside its output as docs/results/bugs/<name>.summary.json)
 * and the bug's own occurrence measure, so docs/BUGS.md's figures come from the runs, not from hand copies.
 *
 *   node --import tsx scripts/bug-controls.ts > docs/results/bugs/controls.md
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadBugLibrary, type BugControl } from '../src/measurements/bug-library/bug-library.js';
import { countOccurrences, describeOccurrenceMeasure, type OccurrenceCount } from '../src/measurements/occurrence/occurrence.js';
import type { RunSummary } from '../src/results/summary.js';
import { fisherExactTwoSided } from '../src/stats/fisher-exact.js';
import { packagePath } from '../src/util/package-root.js';

function measured(control: BugControl, measure: Parameters<typeof countOccurrences>[1]): OccurrenceCount & { runId: string } {
  const file = packagePath(control.result.replace(/\.txt$/, '.summary.json'));
  if (!existsSync(file)) throw new Error(`${file} is missing: save the control run's summary.json there`);
  const summary = JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
  return { ...countOccurrences(summary.cells, measure), runId: summary.runId };
}

const rows = ['| bug | measure | positive control | occurrences | negative control | occurrences | Fisher p (two-sided) |', '|---|---|---|---|---|---|---|'];
for (const bug of loadBugLibrary()) {
  if (!bug.controls) continue;
  const positive = measured(bug.controls.positive, bug.occurrence);
  const negative = measured(bug.controls.negative, bug.occurrence);
  const p = fisherExactTwoSided(positive.occurrences, positive.trials - positive.occurrences, negative.occurrences, negative.trials - negative.occurrences);
  const pin = (c: BugControl) => `containerd ${c.containerd} / runc ${c.runc}`;
  rows.push(
    `| ${bug.id} | ${describeOccurrenceMeasure(bug.occurrence)} ` +
      `| ${pin(bug.controls.positive)} (run ${positive.runId}) ` +
      `| ${positive.occurrences} of ${positive.trials} ` +
      `| ${pin(bug.controls.negative)}${
        bug.controls.negativeNote ? ` (${bug.controls.negativeNote})` : ''
      } (run ${negative.runId}) | ${negative.occurrences} of ${negative.trials} | ${p.toPrecision(3)} |`,
  );
}
// The log signatures each entry names: their lines in the same runs (lines, not pods: a pod can log many).
const lines = (control: BugControl, id: string): number => {
  const summary = JSON.parse(readFileSync(packagePath(control.result.replace(/\.txt$/, '.summary.json')), 'utf8')) as RunSummary;
  return summary.cells.reduce((n, cell) => n + (cell.signatures[id] ?? 0), 0);
};
const signatureRows = ['| bug | log signature | benign alone | lines, positive control | lines, negative control |', '|---|---|---|---|---|'];
for (const bug of loadBugLibrary()) {
  if (!bug.controls) continue;
  for (const signature of bug.signatures) {
    if (!signature.id) continue;
    signatureRows.push(
      `| ${bug.id} | ${signature.id} | ${signature.benignAlone ? 'yes' : 'no'} ` +
        `| ${lines(bug.controls.positive, signature.id)} | ${lines(bug.controls.negative, signature.id)} |`,
    );
  }
}
process.stdout.write(`${rows.join('\n')}\n\n${signatureRows.join('\n')}\n`);

import { minimumHistoryRuns } from '../stats/history-rank.js';
import { formatChange } from '../stats/regression-limits.js';
import type { CellPairComparison, Comparison } from '../results/comparison.js';
import { formatMs, formatP, formatRatio } from './format.js';

/**
 * The rows of a comparison as plain strings, shared by the terminal and Markdown renderers so both
 * print the same figures; each renderer escapes or pads them its own way.
 */
export const comparisonHeader = ['cell', 'baseline', 'candidate', 'metric', 'baseline ms', 'candidate ms', 'change', 'interval', 'p', 'verdict'];

const versions = (side: CellPairComparison['baseline']) => `${side.runtime.containerd}/${side.runtime.runc}`;

export function comparisonRows(comparison: Comparison): string[][] {
  return comparison.pairs.flatMap((pair) => {
    const label = pair.candidate.cell === pair.baseline.cell ? pair.candidate.cell : `${pair.baseline.cell} → ${pair.candidate.cell}`;
    const latency = pair.metrics.map((m) => [
      label,
      versions(pair.baseline),
      versions(pair.candidate),
      `${comparison.latency} ${m.metric}`,
      formatMs(m.baseline),
      formatMs(m.candidate),
      formatChange(m.ratio),
      `${formatRatio(m.ciLow)}–${formatRatio(m.ciHigh)}`,
      pair.mannWhitney ? formatP(pair.mannWhitney.p) : '-',
      m.verdict,
    ]);
    const s = pair.stuck;
    const stuck = [
      label,
      versions(pair.baseline),
      versions(pair.candidate),
      'stuck',
      `${s.baseline.stuck}/${s.baseline.stops}`,
      `${s.candidate.stuck}/${s.candidate.stops}`,
      '',
      '',
      formatP(s.p),
      s.verdict,
    ];
    return [...latency, stuck];
  });
}

export function comparisonExplanation(comparison: Comparison): string[] {
  const lines = [
    comparison.mode === 'history'
      ? 'Baseline = median of the last N runs of the same scenario/cell; interval = the band of those runs this run must leave for a verdict (k-th ' +
        'lowest..k-th highest, k = floor(alpha/2 * (N + 1)); lowest..highest when N is too small), as a ratio of the median.'
      : `Change = candidate/baseline of the ${comparison.latency}-latency percentile; interval ` +
        `= ${Math.round(comparison.confidence * 100)}% bootstrap CI of that ratio (${comparison.resamples} resamples, seeded); p = Mann–Whitney U (two-sided).`,
    `Verdicts at alpha = ${comparison.alpha}, each row on its ` +
      `own: ${verdictRule(comparison)}; with no real change each row errs with probability about alpha, ` +
      `so ${chanceVerdicts(comparison)} (no correction for many rows). Stuck = stuck + state-mismatch pods out of stops, Fisher's exact test (two-sided).`,
  ];
  return lines;
}

function verdictRule(comparison: Comparison): string {
  if (comparison.mode === 'history') {
    return (
      `worse/better = outside the interval, i.e. a rank-test p <= alpha among the last runs (exact whatever their distribution); "not enough ` +
      `history" below ${minimumHistoryRuns(comparison.alpha)} earlier runs`
    );
  }
  return (
    'worse/better = the interval lies wholly above/below 1 ("too few samples" when the percentile is either side\'s slowest pod); the ' +
    'Mann–Whitney p describes a shift of the whole distribution and does not decide'
  );
}

/** Rows without a verdict ("too few samples", "not enough history") cannot err, so they are not counted. */
function chanceVerdicts(comparison: Comparison): string {
  const judged = (m: CellPairComparison['metrics'][number]) => m.verdict !== 'too few samples' && m.verdict !== 'not enough history';
  const rows = comparison.pairs.reduce((n, pair) => n + pair.metrics.filter(judged).length, 0);
  return `about ${Math.round(comparison.alpha * rows * 10) / 10} of the ${rows} latency rows judged here would read worse or better by chance`;
}

export function violationLines(comparison: Comparison): string[] {
  return comparison.violations.map((v) => `${v.subject} ${v.metric}: measured ${v.measured}, limit ${v.limit}`);
}

export const timerComparisonHeader = [
  'cell',
  'timer',
  'baseline n',
  'candidate n',
  'baseline mean ms',
  'candidate mean ms',
  'baseline p99 ms',
  'candidate p99 ms',
];

/** containerd's and the kubelet's timers of each pair, side by side (no verdict: histogram estimates). */
export function timerComparisonRows(comparison: Comparison): string[][] {
  return comparison.pairs.flatMap((pair) =>
    (pair.runtimeTimers ?? []).map((t) => [
      pair.candidate.cell,
      t.operation === undefined ? t.metric : `${t.metric}{${t.operation}}`,
      String(t.baseline?.count ?? 0),
      String(t.candidate?.count ?? 0),
      formatMs(t.baseline?.meanMs),
      formatMs(t.candidate?.meanMs),
      formatMs(t.baseline?.p99Ms),
      formatMs(t.candidate?.p99Ms),
    ]),
  );
}

export const timerComparisonSentence =
  "Runtime and kubelet timers: containerd's and the kubelet's own histograms over each cell, side by side; estimates from histogram buckets, so no verdict.";

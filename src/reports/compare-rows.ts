import { formatChange } from '../stats/regression-limits.js';
import type { CellPairComparison, Comparison } from '../run/compare-runs.js';
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
      ? 'Baseline = median of the last runs of the same scenario/cell; interval = lowest..highest of those runs as a ratio of the median; worse/better = above/below every one of them.'
      : `Change = candidate/baseline of the ${comparison.latency}-latency percentile; interval = ${Math.round(comparison.confidence * 100)}% bootstrap CI of that ratio (${comparison.resamples} resamples, seeded); p = Mann–Whitney U (two-sided).`,
    `Verdicts at alpha = ${comparison.alpha}: worse only if significant AND the interval excludes 1. Stuck = stuck + state-mismatch pods out of stops, Fisher's exact test (two-sided).`,
  ];
  return lines;
}

export function violationLines(comparison: Comparison): string[] {
  return comparison.violations.map((v) => `${v.subject} ${v.metric}: measured ${v.measured}, limit ${v.limit}`);
}

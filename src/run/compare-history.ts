import { comparedPercentiles, type MetricComparison, type StuckComparison, type Verdict } from '../stats/compare.js';
import { fisherExactTwoSided } from '../stats/fisher-exact.js';
import { checkLimits, type ComparisonLimits } from '../stats/regression-limits.js';
import { ALPHA } from '../stats/compare.js';
import type { HistoryRow, HistoryStore } from '../results/history.js';
import type { RunAnalysis } from './analyze-run.js';
import { finishComparison, sampleOf, type CellPairComparison } from './compare-runs.js';

/** Fewer earlier runs than this and a history verdict would be a coin toss; figures are still shown. */
export const MIN_HISTORY_RUNS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Compares each cell of a run with the median of the last N completed runs of the same
 * scenario/cell. History keeps percentiles, not samples, so the evidence is rank-based: a metric is
 * "worse" when it is above every one of the last N values (and "better" when below all of them).
 * With no real change that happens with probability 1/(N+1) per side, so N >= 19 keeps it <= ALPHA.
 */
export function compareWithHistory(store: HistoryStore, run: RunAnalysis, last: number, limits: ComparisonLimits): ReturnType<typeof finishComparison> {
  const notes: string[] = [];
  const pairs: CellPairComparison[] = [];
  for (const cell of run.summary.cells) {
    const history = store.lastRuns(run.summary.scenario, cell.name, last, run.summary.runId);
    if (history.length === 0) {
      notes.push(`${cell.cell} (${cell.name}): no earlier completed run of scenario ${run.summary.scenario} in the history.`);
      continue;
    }
    if (history.length < MIN_HISTORY_RUNS) notes.push(`${cell.cell}: only ${history.length} earlier run(s); verdicts need at least ${MIN_HISTORY_RUNS}.`);
    const sample = sampleOf(run.records.filter((r) => r.cell === cell.cell));
    const metrics = Object.keys(comparedPercentiles).flatMap((key) => {
      const metric = key as keyof typeof comparedPercentiles;
      const candidate = cell.latencyMs?.[metric];
      const past = history.flatMap((h) => (h[metric] === null ? [] : [h[metric]]));
      if (candidate === undefined || past.length === 0) return [];
      return [rangeComparison(metric, candidate, past, history.length >= MIN_HISTORY_RUNS)];
    });
    const stuck = pooledStuck(history, sample.stuck, sample.stops);
    const candidateCell = { runId: run.summary.runId, cell: cell.cell, name: cell.name, runtime: cell.runtime, samples: sample.latencyMs.length };
    const newest = history.at(-1)!;
    pairs.push({
      baseline: {
        runId: `median of ${history.length} run(s) ${history[0]!.runId} … ${newest.runId}`,
        cell: newest.cell,
        name: newest.cellName,
        runtime: { containerd: newest.containerd, runc: newest.runc, criRuntimeVersion: newest.criRuntime },
        samples: history.length,
      },
      candidate: candidateCell,
      basis: 'history-range',
      mannWhitney: null,
      metrics,
      stuck,
      violations: checkLimits(`${cell.cell} (${cell.name})`, metrics, stuck, limits),
    });
  }
  return finishComparison('history', run.summary.primaryLatency.name, pairs, notes, limits);
}

function rangeComparison(metric: keyof typeof comparedPercentiles, candidate: number, past: number[], enough: boolean): MetricComparison {
  const mid = median(past);
  const ratio = (v: number) => (mid === 0 ? (v === 0 ? 1 : Number.POSITIVE_INFINITY) : v / mid);
  const verdict: Verdict = !enough ? 'no significant change' : candidate > Math.max(...past) ? 'worse' : candidate < Math.min(...past) ? 'better' : 'no significant change';
  return { metric, baseline: mid, candidate, ratio: ratio(candidate), ciLow: ratio(Math.min(...past)), ciHigh: ratio(Math.max(...past)), verdict };
}

/** Stuck counts of the earlier runs are pooled into one baseline proportion for Fisher's test. */
function pooledStuck(history: readonly HistoryRow[], stuck: number, stops: number): StuckComparison {
  const baseStuck = history.reduce((n, h) => n + h.stuck, 0);
  const baseStops = history.reduce((n, h) => n + h.stops, 0);
  const p = baseStops === 0 || stops === 0 ? 1 : fisherExactTwoSided(baseStuck, baseStops - baseStuck, stuck, stops - stuck);
  const verdict: Verdict = p >= ALPHA ? 'no significant change' : stuck / stops > baseStuck / baseStops ? 'worse' : 'better';
  return { baseline: { stuck: baseStuck, stops: baseStops }, candidate: { stuck, stops }, p, verdict };
}

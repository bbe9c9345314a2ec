import { ALPHA, comparedPercentiles, type MetricComparison, type StuckComparison, type Verdict } from '../stats/compare.js';
import { fisherExactTwoSided } from '../stats/fisher-exact.js';
import { historyBand, historyVerdict, minimumHistoryRuns, rankAgainstHistory } from '../stats/history-rank.js';
import { checkLimits, type ComparisonLimits } from '../stats/regression-limits.js';
import type { HistoryRow, HistoryStore } from '../results/history.js';
import type { RunAnalysis } from '../results/run-analysis.js';
import { finishComparison, sampleOf } from './compare-runs.js';
import type { CellPairComparison } from '../results/comparison.js';

/** Earlier runs the rank test needs before it can give a verdict at ALPHA (39 at 0.05). */
export const MIN_HISTORY_RUNS = minimumHistoryRuns(ALPHA);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Compares each cell of a run with the last N completed runs of the same scenario/cell. The
 * history keeps one percentile per run, so each percentile is judged by its rank among those runs
 * (stats/history-rank.ts): exact at ALPHA whatever their distribution, but only from
 * MIN_HISTORY_RUNS earlier runs on; below that the latency verdicts read "not enough history".
 * The median of the earlier runs is shown as the baseline figure and is what --max-regression
 * measures the increase against.
 */
export function compareWithHistory(store: HistoryStore, run: RunAnalysis, last: number, limits: ComparisonLimits): ReturnType<typeof finishComparison> {
  const notes: string[] = [];
  const pairs: CellPairComparison[] = [];
  const latency = run.summary.primaryLatency.name;
  if (last < MIN_HISTORY_RUNS) {
    notes.push(
      `--last ${last} can never give a latency verdict: the rank test at alpha ` +
        `= ${ALPHA} needs at least ${MIN_HISTORY_RUNS} earlier runs (--last ${MIN_HISTORY_RUNS} or more).`,
    );
  }
  for (const cell of run.summary.cells) {
    const history = store.lastRuns(run.summary.scenario, cell.name, run.summary.primaryLatency.name, last, run.summary.runId);
    if (history.length === 0) {
      notes.push(`${cell.cell} (${cell.name}): no earlier completed run of scenario ${run.summary.scenario} in the history.`);
      continue;
    }
    const sample = sampleOf(run.records.filter((r) => r.cell === cell.cell));
    const metrics = Object.keys(comparedPercentiles).flatMap((key) => {
      const metric = key as keyof typeof comparedPercentiles;
      const candidate = cell.latencyMs?.[metric];
      const past = history.flatMap((h) => (h[metric] === null ? [] : [h[metric]]));
      if (candidate === undefined || past.length === 0) return [];
      return [rankComparison(metric, candidate, past)];
    });
    const shortest = Math.min(history.length, ...metrics.map((m) => m.runs));
    if (shortest < MIN_HISTORY_RUNS && last >= MIN_HISTORY_RUNS) {
      notes.push(
        `${cell.cell} (${cell.name}): not enough ` +
          `history: ${shortest} earlier run(s) with latency figures, the rank test at alpha ` +
          `= ${ALPHA} needs ${MIN_HISTORY_RUNS}; latency figures are shown without a verdict.`,
      );
    }
    const stuck = pooledStuck(history, sample.stuck, sample.stops);
    const candidateCell = { runId: run.summary.runId, cell: cell.cell, name: cell.name, runtime: cell.runtime, samples: sample.latencyMs.length };
    const newest = history.at(-1)!;
    const comparisons = metrics.map((m) => m.comparison);
    pairs.push({
      baseline: {
        runId: `median of ${history.length} run(s) ${history[0]!.runId} … ${newest.runId}`,
        cell: newest.cell,
        name: newest.cellName,
        runtime: { containerd: newest.containerd, runc: newest.runc, criRuntimeVersion: newest.criRuntime },
        samples: history.length,
      },
      candidate: candidateCell,
      basis: 'history-rank',
      mannWhitney: null,
      metrics: comparisons,
      stuck,
      violations: checkLimits(`${cell.cell} (${cell.name})`, comparisons, stuck, limits),
    });
  }
  return finishComparison('history', latency, pairs, notes, limits);
}

function rankComparison(metric: keyof typeof comparedPercentiles, candidate: number, past: readonly number[]): { runs: number; comparison: MetricComparison } {
  const mid = median(past);
  const ratio = (v: number) => (mid === 0 ? (v === 0 ? 1 : Number.POSITIVE_INFINITY) : v / mid);
  const test = rankAgainstHistory(candidate, past);
  const band = historyBand(past, ALPHA);
  return {
    runs: past.length,
    comparison: {
      metric,
      baseline: mid,
      candidate,
      ratio: ratio(candidate),
      ciLow: ratio(band.low),
      ciHigh: ratio(band.high),
      p: test.p,
      verdict: historyVerdict(test, ALPHA),
    },
  };
}

/**
 * Stuck counts of the earlier runs are pooled into one baseline proportion for Fisher's test: exact
 * at ALPHA for any number of runs if every run shares one stuck rate (the "no change" hypothesis
 * for a count). Runs whose rates really vary make it quicker to say "worse" than ALPHA suggests.
 */
function pooledStuck(history: readonly HistoryRow[], stuck: number, stops: number): StuckComparison {
  const baseStuck = history.reduce((n, h) => n + h.stuck, 0);
  const baseStops = history.reduce((n, h) => n + h.stops, 0);
  const p = baseStops === 0 || stops === 0 ? 1 : fisherExactTwoSided(baseStuck, baseStops - baseStuck, stuck, stops - stuck);
  const verdict: Verdict = p >= ALPHA ? 'no significant change' : stuck / stops > baseStuck / baseStops ? 'worse' : 'better';
  return { baseline: { stuck: baseStuck, stops: baseStops }, candidate: { stuck, stops }, p, verdict };
}

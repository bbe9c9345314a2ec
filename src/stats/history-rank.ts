import type { Verdict } from './compare.js';

/**
 * History mode compares one new run with the last N runs of the same scenario/cell. The history
 * keeps one figure per run (p50, p95, p99), not the pods' samples, so the test is the rank of the
 * new figure among the N + 1 figures. If nothing changed, the N + 1 runs are exchangeable and the
 * new one is equally likely to hold any rank, so
 *
 *     P(new figure is at or above at least N + 1 - j of them) = j / (N + 1)
 *
 * exactly, whatever the distribution of a run's percentile (no normality, no lognormality). The
 * one-sided p for "worse" is (1 + runs at or above the new figure) / (N + 1); ties count against a
 * verdict, so p stays valid for figures rounded to 0.1 ms. The verdict is two-sided at alpha:
 * "worse" or "better" when 2 · min(p_worse, p_better) <= alpha.
 *
 * The price of making no assumption is history length: the smallest p the test can give is
 * 2 / (N + 1), so it needs N >= 2/alpha - 1 earlier runs (39 at alpha = 0.05) before any verdict
 * is possible. Below that, the verdict is "not enough history" instead of a "no significant change"
 * that could not have come out any other way.
 */
export interface HistoryRankTest {
  /** Earlier runs compared with. */
  runs: number;
  /** Earlier runs whose figure is >= / <= the new one. */
  atOrAbove: number;
  atOrBelow: number;
  pWorse: number;
  pBetter: number;
  /** Two-sided: min(1, 2 · min(pWorse, pBetter)). */
  p: number;
}

/** The fewest earlier runs for which a two-sided rank verdict at alpha is possible at all. */
export function minimumHistoryRuns(alpha: number): number {
  // 2/(N+1) <= alpha; the epsilon keeps 2/0.05 - 1 = 39 from rounding up to 40.
  return Math.ceil(2 / alpha - 1 - 1e-9);
}

export function rankAgainstHistory(candidate: number, past: readonly number[]): HistoryRankTest {
  if (past.length === 0) throw new RangeError('a rank test needs at least one earlier run');
  const atOrAbove = past.filter((value) => value >= candidate).length;
  const atOrBelow = past.filter((value) => value <= candidate).length;
  const pWorse = (1 + atOrAbove) / (past.length + 1);
  const pBetter = (1 + atOrBelow) / (past.length + 1);
  return { runs: past.length, atOrAbove, atOrBelow, pWorse, pBetter, p: Math.min(1, 2 * Math.min(pWorse, pBetter)) };
}

export function historyVerdict(test: HistoryRankTest, alpha: number): Verdict {
  if (test.runs < minimumHistoryRuns(alpha)) return 'not enough history';
  if (test.p > alpha + 1e-12) return 'no significant change';
  return test.pWorse < test.pBetter ? 'worse' : 'better';
}

/**
 * The band a new figure has to leave for a verdict: the k-th lowest and k-th highest earlier
 * figures, k = floor(alpha/2 · (N + 1)). Above the k-th highest means at most k - 1 runs at or
 * above, so p_worse <= alpha/2. With fewer runs than the test needs, k is taken as 1 (lowest and
 * highest), shown for orientation only.
 */
export function historyBand(past: readonly number[], alpha: number): { low: number; high: number } {
  const sorted = [...past].sort((a, b) => a - b);
  const k = Math.max(1, Math.min(sorted.length, Math.floor((alpha / 2) * (sorted.length + 1) + 1e-9)));
  return { low: sorted[k - 1]!, high: sorted[sorted.length - k]! };
}

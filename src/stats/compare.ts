import { bootstrapPercentileRatios, defaultBootstrap, type BootstrapOptions } from './bootstrap.js';
import { fisherExactTwoSided } from './fisher-exact.js';
import { mannWhitneyU } from './mann-whitney.js';

/**
 * Significance level of every comparison. Fixed and printed in every comparison report so a
 * verdict can be read without knowing how podchurn was invoked.
 */
export const ALPHA = 0.05;

/**
 * "not enough history": history mode had fewer earlier runs than its test needs to reach alpha,
 * so it gives no verdict rather than a "no significant change" that could never have been anything else.
 * "too few samples": on one side the percentile is the sample's maximum (e.g. p99 of fewer than 100
 * pods), where the bootstrap interval covers far less often than its confidence says.
 */
export type Verdict = 'better' | 'worse' | 'no significant change' | 'not enough history' | 'too few samples';
export const comparedPercentiles = { p50: 50, p95: 95, p99: 99 } as const;
export type ComparedMetric = keyof typeof comparedPercentiles;

/** One side of a comparison: what a cell measured, reduced to what the tests need. */
export interface ComparedSample {
  /** The primary latency (ms) of each pod that completed: deletion on kube, stop on CRI. */
  latencyMs: number[];
  stops: number;
  /** Pods whose stop never completed: stuck + state-mismatch (both are the lost-exit symptom). */
  stuck: number;
}

export interface MetricComparison {
  metric: ComparedMetric;
  baseline: number;
  candidate: number;
  ratio: number;
  ciLow: number;
  ciHigh: number;
  /** History mode only: the two-sided rank-test p of this run against the earlier runs. */
  p?: number;
  verdict: Verdict;
}

export interface StuckComparison {
  baseline: { stuck: number; stops: number };
  candidate: { stuck: number; stops: number };
  p: number;
  verdict: Verdict;
}

export interface SampleComparison {
  alpha: number;
  confidence: number;
  resamples: number;
  mannWhitney: { u: number; z: number; p: number } | null;
  metrics: MetricComparison[];
  stuck: StuckComparison;
}

/**
 * Each percentile's verdict stands on its own: "worse" when the bootstrap CI of its
 * candidate/baseline ratio (at confidence 1 - alpha) lies wholly above 1, "better" when wholly
 * below, so a tail that moved while the median did not (p99 up, p50 unchanged) is caught at p99
 * and not at p50. Mann–Whitney is still computed and reported as a whole-distribution shift figure,
 * but it does not gate the verdicts: it tests the median-ish shift, not a percentile.
 *
 * What alpha means: each row (one percentile of one cell) errs with probability about alpha when
 * nothing changed, so over k rows about alpha·k chance verdicts are expected. There is no
 * family-wise correction; the reports say so next to the verdicts.
 */
export function compareSamples(baseline: ComparedSample, candidate: ComparedSample, bootstrap: BootstrapOptions = defaultBootstrap): SampleComparison {
  const alpha = round6(1 - bootstrap.confidence);
  const haveLatency = baseline.latencyMs.length > 0 && candidate.latencyMs.length > 0;
  const test = haveLatency ? mannWhitneyU(candidate.latencyMs, baseline.latencyMs) : null;
  const metrics: MetricComparison[] = haveLatency
    ? bootstrapPercentileRatios(baseline.latencyMs, candidate.latencyMs, Object.values(comparedPercentiles), bootstrap).map((interval, i) => ({
        metric: Object.keys(comparedPercentiles)[i] as ComparedMetric,
        baseline: interval.baseline,
        candidate: interval.candidate,
        ratio: interval.ratio,
        ciLow: interval.low,
        ciHigh: interval.high,
        verdict:
          hasSampleAbove(baseline.latencyMs.length, interval.percentile) && hasSampleAbove(candidate.latencyMs.length, interval.percentile)
            ? intervalVerdict(interval.low, interval.high)
            : 'too few samples',
      }))
    : [];
  return {
    alpha,
    confidence: bootstrap.confidence,
    resamples: bootstrap.resamples,
    mannWhitney: test ? { u: test.u1, z: test.z, p: test.p } : null,
    metrics,
    stuck: compareStuck(baseline, candidate, alpha),
  };
}

/**
 * Whether at least one sample lies above the nearest-rank percentile, i.e. it is not the maximum.
 * A percentile read from the maximum has a bootstrap distribution that piles up on the maximum
 * itself; the 95 % interval of the ratio then covered the truth only 84-88 % of the time (p99 at
 * n = 10..99, p95 at n = 10 and 19), against 94.7-95.2 % as soon as one sample lies above it (p99 at
 * n = 100 and 1,000, p95 at n = 20): test/fixtures/stats-reference/coverage.json.
 */
export function hasSampleAbove(n: number, percentile: number): boolean {
  return Math.ceil((percentile / 100) * n) < n;
}

function intervalVerdict(low: number, high: number): Verdict {
  if (low > 1) return 'worse';
  if (high < 1) return 'better';
  return 'no significant change';
}

/** 1 - 0.95 is 0.050000000000000044 in floating point; the report prints alpha. */
const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

function compareStuck(baseline: ComparedSample, candidate: ComparedSample, alpha: number): StuckComparison {
  const p =
    baseline.stops === 0 || candidate.stops === 0
      ? 1
      : fisherExactTwoSided(baseline.stuck, baseline.stops - baseline.stuck, candidate.stuck, candidate.stops - candidate.stuck);
  const baseRate = baseline.stops ? baseline.stuck / baseline.stops : 0;
  const candRate = candidate.stops ? candidate.stuck / candidate.stops : 0;
  return {
    baseline: { stuck: baseline.stuck, stops: baseline.stops },
    candidate: { stuck: candidate.stuck, stops: candidate.stops },
    p,
    verdict: p >= alpha ? 'no significant change' : candRate > baseRate ? 'worse' : 'better',
  };
}

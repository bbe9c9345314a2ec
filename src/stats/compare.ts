import { bootstrapPercentileRatios, defaultBootstrap, type BootstrapOptions } from './bootstrap.js';
import { fisherExactTwoSided } from './fisher-exact.js';
import { mannWhitneyU } from './mann-whitney.js';

/**
 * Significance level of every comparison. Fixed and printed in every comparison report so a
 * verdict can be read without knowing how podchurn was invoked.
 */
export const ALPHA = 0.05;

export type Verdict = 'better' | 'worse' | 'no significant change';
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
 * Latency verdicts need two agreeing signals: Mann–Whitney says the distributions differ at ALPHA,
 * and the bootstrap CI of the percentile's ratio lies wholly on one side of 1. The test alone
 * would call a shifted median "worse at p99" even when the tail did not move; the CI alone has no
 * control over how often pure noise is called a change across many cells.
 */
export function compareSamples(baseline: ComparedSample, candidate: ComparedSample, bootstrap: BootstrapOptions = defaultBootstrap): SampleComparison {
  const haveLatency = baseline.latencyMs.length > 0 && candidate.latencyMs.length > 0;
  const test = haveLatency ? mannWhitneyU(candidate.latencyMs, baseline.latencyMs) : null;
  const significant = test !== null && test.p < ALPHA;
  const metrics: MetricComparison[] = haveLatency
    ? bootstrapPercentileRatios(baseline.latencyMs, candidate.latencyMs, Object.values(comparedPercentiles), bootstrap).map((interval, i) => ({
        metric: Object.keys(comparedPercentiles)[i] as ComparedMetric,
        baseline: interval.baseline,
        candidate: interval.candidate,
        ratio: interval.ratio,
        ciLow: interval.low,
        ciHigh: interval.high,
        verdict: !significant ? 'no significant change' : interval.low > 1 ? 'worse' : interval.high < 1 ? 'better' : 'no significant change',
      }))
    : [];
  return {
    alpha: ALPHA,
    confidence: bootstrap.confidence,
    resamples: bootstrap.resamples,
    mannWhitney: test ? { u: test.u1, z: test.z, p: test.p } : null,
    metrics,
    stuck: compareStuck(baseline, candidate),
  };
}

function compareStuck(baseline: ComparedSample, candidate: ComparedSample): StuckComparison {
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
    verdict: p >= ALPHA ? 'no significant change' : candRate > baseRate ? 'worse' : 'better',
  };
}

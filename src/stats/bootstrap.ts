import { nearestRank } from './percentiles.js';
import { seededRandom } from './prng.js';

export interface RatioInterval {
  percentile: number;
  baseline: number;
  candidate: number;
  /** candidate / baseline of the percentile on the observed samples. */
  ratio: number;
  /** Percentile-method bootstrap interval of the ratio. */
  low: number;
  high: number;
}

export interface BootstrapOptions {
  resamples: number;
  /** Two-sided confidence level, e.g. 0.95. */
  confidence: number;
  seed: number;
}

export const defaultBootstrap: BootstrapOptions = { resamples: 2000, confidence: 0.95, seed: 20240917 };

/**
 * Bootstrap confidence intervals of candidate/baseline for several percentiles at once. Each
 * resample draws both samples with replacement (they are independent runs), sorts them once and
 * reads every percentile from the same draw, so p50/p95/p99 cost one sort per side per resample.
 * Percentiles use the same nearest-rank rule as the reports, so the point estimate matches them.
 */
export function bootstrapPercentileRatios(
  baseline: readonly number[],
  candidate: readonly number[],
  percentiles: readonly number[],
  options: BootstrapOptions = defaultBootstrap,
): RatioInterval[] {
  if (baseline.length === 0 || candidate.length === 0) throw new RangeError('bootstrap needs samples on both sides');
  const random = seededRandom(options.seed);
  const sortedBase = Float64Array.from(baseline).sort();
  const sortedCand = Float64Array.from(candidate).sort();
  const ratios = percentiles.map(() => new Float64Array(options.resamples));
  const drawBase = new Float64Array(baseline.length);
  const drawCand = new Float64Array(candidate.length);
  for (let r = 0; r < options.resamples; r++) {
    resample(sortedBase, drawBase, random);
    resample(sortedCand, drawCand, random);
    drawBase.sort();
    drawCand.sort();
    percentiles.forEach((p, i) => {
      ratios[i]![r] = safeRatio(nearestRank(drawCand, p), nearestRank(drawBase, p));
    });
  }
  const tail = ((1 - options.confidence) / 2) * 100;
  return percentiles.map((p, i) => {
    const sorted = ratios[i]!.sort();
    const baseValue = nearestRank(sortedBase, p);
    const candValue = nearestRank(sortedCand, p);
    return {
      percentile: p,
      baseline: baseValue,
      candidate: candValue,
      ratio: safeRatio(candValue, baseValue),
      low: nearestRank(sorted, tail),
      high: nearestRank(sorted, 100 - tail),
    };
  });
}

function resample(source: Float64Array, target: Float64Array, random: () => number): void {
  for (let i = 0; i < target.length; i++) target[i] = source[Math.floor(random() * source.length)]!;
}

/** A zero baseline (impossible for a stop latency, but cheap to guard) reads as an infinite ratio. */
function safeRatio(candidate: number, baseline: number): number {
  if (baseline === 0) return candidate === 0 ? 1 : Number.POSITIVE_INFINITY;
  return candidate / baseline;
}

import { nearestRank } from './percentiles.js';
import { seededRandom, type Random } from './prng.js';

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
 * Bootstrap confidence intervals of candidate/baseline for several percentiles at once, by the
 * percentile method: the interval is the (1-c)/2 and (1+c)/2 quantiles (nearest rank) of the
 * resampled ratios. Each resample draws both samples with replacement (they are independent runs)
 * and reads every percentile from the same draw. Percentiles use the same nearest-rank rule as the
 * reports, so the point estimate matches them.
 */
export function bootstrapPercentileRatios(
  baseline: readonly number[],
  candidate: readonly number[],
  percentiles: readonly number[],
  options: BootstrapOptions = defaultBootstrap,
): RatioInterval[] {
  if (baseline.length === 0 || candidate.length === 0) throw new RangeError('bootstrap needs samples on both sides');
  const random = seededRandom(options.seed);
  const base = new ResampledPercentiles(baseline, percentiles);
  const cand = new ResampledPercentiles(candidate, percentiles);
  const ratios = percentiles.map(() => new Float64Array(options.resamples));
  for (let r = 0; r < options.resamples; r++) {
    const baseValues = base.draw(random);
    const candValues = cand.draw(random);
    for (let i = 0; i < percentiles.length; i++) ratios[i]![r] = safeRatio(candValues[i]!, baseValues[i]!);
  }
  const tail = ((1 - options.confidence) / 2) * 100;
  return percentiles.map((p, i) => {
    const sorted = ratios[i]!.sort();
    const baseValue = nearestRank(base.sorted, p);
    const candValue = nearestRank(cand.sorted, p);
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

/**
 * Nearest-rank percentiles of resamples of one sample, without sorting each resample. A resample
 * of the sorted sample is fully described by how often each index was drawn, so the k-th smallest
 * drawn value is found by a running count over the indices: O(n) per resample instead of
 * O(n log n), with the same random draws (one per element) as drawing values and sorting them, so
 * the intervals are identical to that simpler formulation.
 */
class ResampledPercentiles {
  readonly sorted: Float64Array;
  private readonly counts: Uint32Array;
  /** 1-based nearest ranks of the requested percentiles, visited in ascending order. */
  private readonly ranks: { rank: number; slot: number }[];
  private readonly values: Float64Array;

  constructor(sample: readonly number[], percentiles: readonly number[]) {
    this.sorted = Float64Array.from(sample).sort();
    const n = this.sorted.length;
    this.counts = new Uint32Array(n);
    this.values = new Float64Array(percentiles.length);
    this.ranks = percentiles.map((p, slot) => ({ rank: p <= 0 ? 1 : Math.min(Math.ceil((p / 100) * n), n), slot })).sort((a, b) => a.rank - b.rank);
  }

  /** Draws one resample and returns its percentiles, in the order they were requested. */
  draw(random: Random): Float64Array {
    const n = this.sorted.length;
    this.counts.fill(0);
    for (let i = 0; i < n; i++) this.counts[Math.floor(random() * n)]!++;
    let seen = 0;
    let index = 0;
    for (const { rank, slot } of this.ranks) {
      while (seen + this.counts[index]! < rank) seen += this.counts[index++]!;
      this.values[slot] = this.sorted[index]!;
    }
    return this.values;
  }
}

/** A zero baseline (impossible for a measured latency, but cheap to guard) reads as an infinite ratio. */
function safeRatio(candidate: number, baseline: number): number {
  if (baseline === 0) return candidate === 0 ? 1 : Number.POSITIVE_INFINITY;
  return candidate / baseline;
}

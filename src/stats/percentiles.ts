/**
 * Latency statistics from exact samples. Percentiles use the nearest-rank method: the p-th
 * percentile of n sorted samples is the ceil(p/100 * n)-th smallest (1-based), so every reported
 * figure is a latency that was really measured.
 */
export interface LatencyStats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export function nearestRank(sorted: ArrayLike<number>, percentile: number): number {
  if (sorted.length === 0) throw new RangeError('no samples');
  if (percentile <= 0) return sorted[0]!;
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function latencyStats(samples: readonly number[]): LatencyStats | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    count: sorted.length,
    min: round(sorted[0]!),
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
    p50: round(nearestRank(sorted, 50)),
    p90: round(nearestRank(sorted, 90)),
    p95: round(nearestRank(sorted, 95)),
    p99: round(nearestRank(sorted, 99)),
    max: round(sorted[sorted.length - 1]!),
  };
}

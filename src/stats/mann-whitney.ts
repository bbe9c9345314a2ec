import { twoSidedNormalP } from './normal.js';

export interface MannWhitneyResult {
  /** U of the first sample: how many (x, y) pairs have x > y, ties counting one half. */
  u1: number;
  u2: number;
  /** Standardised statistic, continuity-corrected; positive when the first sample tends larger. */
  z: number;
  /** Two-sided p-value from the normal approximation with tie correction. */
  p: number;
}

/**
 * Mann–Whitney U test (two-sided), normal approximation with tie correction and a 0.5 continuity
 * correction. Latency samples here are hundreds to thousands of pods, where the approximation is
 * accurate; it is also what keeps the test O(n log n) on 100,000-pod runs.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u1: 0, u2: 0, z: 0, p: 1 };
  const pooled = [...x.map((value) => ({ value, first: true })), ...y.map((value) => ({ value, first: false }))].sort((a, b) => a.value - b.value);
  const n = pooled.length;
  let rankSumX = 0;
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && pooled[end + 1]!.value === pooled[start]!.value) end++;
    // Tied values share the mean of the ranks they span (ranks are 1-based).
    const rank = (start + end + 2) / 2;
    const size = end - start + 1;
    if (size > 1) tieTerm += size ** 3 - size;
    for (let i = start; i <= end; i++) if (pooled[i]!.first) rankSumX += rank;
    start = end + 1;
  }
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u1, u2, z: 0, p: 1 };
  const diff = u1 - mean;
  const z = (Math.sign(diff) * Math.max(0, Math.abs(diff) - 0.5)) / Math.sqrt(variance);
  return { u1, u2, z, p: twoSidedNormalP(z) };
}

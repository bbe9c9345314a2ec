import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { bootstrapPercentileRatios } from '../../src/stats/bootstrap.js';
import { fisherExactTwoSided } from '../../src/stats/fisher-exact.js';
import { mannWhitneyU } from '../../src/stats/mann-whitney.js';
import { nearestRank } from '../../src/stats/percentiles.js';

/**
 * src/stats checked against SciPy, an independent implementation. The values are committed in
 * test/fixtures/stats-reference/reference.json, written by make.py beside it (its docstring has the
 * exact commands), so this test needs neither Python nor PyPI.
 */
interface Reference {
  generator: string;
  mannWhitney: { x: number[]; y: number[]; u1: number; p: number }[];
  fisher: { table: [[number, number], [number, number]]; p: number }[];
  bootstrap: {
    baseline: number[];
    candidate: number[];
    resamples: number;
    confidence: number;
    percentiles: Record<string, [number, number]>;
    ratio: number;
    intervals: [number, number][];
  }[];
}

const reference = JSON.parse(readFileSync(new URL('../fixtures/stats-reference/reference.json', import.meta.url), 'utf8')) as Reference;
const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);

describe(`statistics against SciPy (${reference.generator})`, () => {
  it('Mann–Whitney U: same U and p as scipy.stats.mannwhitneyu(asymptotic, continuity, two-sided)', () => {
    for (const [i, c] of reference.mannWhitney.entries()) {
      const result = mannWhitneyU(c.x, c.y);
      expect(result.u1, `case ${i} U`).to.equal(c.u1);
      // erfc is accurate to about 1e-7 relative (normal.ts), far below the printed 4 decimals.
      expect(result.p, `case ${i} p`).to.be.closeTo(c.p, Math.max(1e-9, c.p * 1e-6));
    }
  });

  it("Fisher's exact test: same two-sided p as scipy.stats.fisher_exact", () => {
    for (const { table, p } of reference.fisher) {
      expect(fisherExactTwoSided(table[0][0], table[0][1], table[1][0], table[1][1]), JSON.stringify(table)).to.be.closeTo(p, Math.max(1e-12, p * 1e-9));
    }
  });

  it("nearest-rank percentiles equal numpy's inverted_cdf percentiles", () => {
    for (const c of reference.bootstrap) {
      for (const [q, [base, cand]] of Object.entries(c.percentiles)) {
        expect(nearestRank(sorted(c.baseline), Number(q)), `n = ${c.baseline.length} p${q}`).to.equal(base);
        expect(nearestRank(sorted(c.candidate), Number(q)), `n = ${c.candidate.length} p${q}`).to.equal(cand);
      }
    }
  });

  // Same definition on both sides: independent resampling of each sample, nearest-rank p99, the
  // percentile method. The random streams differ (SciPy's five seeds show its own Monte Carlo
  // spread), and SciPy reads the interval's ends with linear interpolation where podchurn takes the
  // nearest rank, which at 20,000 resamples moves an end by less than that spread.
  it('bootstrap CI of the p99 ratio: within the spread of scipy.stats.bootstrap(method="percentile")', function () {
    this.timeout(60_000);
    for (const c of reference.bootstrap) {
      const [p99] = bootstrapPercentileRatios(c.baseline, c.candidate, [99], { resamples: c.resamples, confidence: c.confidence, seed: 20240917 });
      expect(p99!.ratio).to.be.closeTo(c.ratio, 1e-12);
      for (const [end, value] of [
        ['low', p99!.low],
        ['high', p99!.high],
      ] as const) {
        const scipy = c.intervals.map(([low, high]) => (end === 'low' ? low : high));
        const spread = Math.max(...scipy) - Math.min(...scipy);
        const margin = Math.max(spread, 0.002 * Math.max(...scipy));
        expect(value, `n = ${c.baseline.length} ${end} vs SciPy ${scipy.join(', ')}`).to.be.within(Math.min(...scipy) - margin, Math.max(...scipy) + margin);
      }
    }
  });
});

import { expect } from 'chai';
import { bootstrapPercentileRatios } from '../../src/stats/bootstrap.js';
import { seededRandom } from '../../src/stats/prng.js';

/** Log-normal samples: the shape stop latencies take. */
function lognormal(random: () => number, n: number, median: number, sigma: number): number[] {
  return Array.from({ length: n }, () => median * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
}

describe('bootstrap CI of a percentile ratio', () => {
  it('covers the true ratio in at least 90% of 50 seeded trials (p50, p95)', function () {
    this.timeout(60_000);
    const trueRatio = 1.25;
    const random = seededRandom(12345);
    let coveredP50 = 0;
    let coveredP95 = 0;
    for (let trial = 0; trial < 50; trial++) {
      const baseline = lognormal(random, 300, 1000, 0.3);
      const candidate = lognormal(random, 300, 1000 * trueRatio, 0.3);
      const [p50, p95] = bootstrapPercentileRatios(baseline, candidate, [50, 95], { resamples: 1000, confidence: 0.95, seed: trial + 1 });
      if (p50!.low <= trueRatio && trueRatio <= p50!.high) coveredP50++;
      if (p95!.low <= trueRatio && trueRatio <= p95!.high) coveredP95++;
    }
    expect(coveredP50).to.be.at.least(45);
    expect(coveredP95).to.be.at.least(45);
  });

  it('is reproducible for a seed and reports the observed percentiles', () => {
    const random = seededRandom(1);
    const a = lognormal(random, 100, 500, 0.2);
    const b = lognormal(random, 100, 600, 0.2);
    const first = bootstrapPercentileRatios(a, b, [50, 99]);
    expect(bootstrapPercentileRatios(a, b, [50, 99])).to.deep.equal(first);
    expect(first[0]!.low).to.be.lessThan(first[0]!.ratio);
    expect(first[0]!.high).to.be.greaterThan(first[0]!.ratio);
    expect(first[0]!.ratio).to.be.closeTo(first[0]!.candidate / first[0]!.baseline, 1e-12);
  });
});

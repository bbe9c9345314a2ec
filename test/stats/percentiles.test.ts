import { expect } from 'chai';
import { latencyStats, nearestRank } from '../../src/stats/percentiles.js';

describe('percentiles', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it('uses the nearest-rank method', () => {
    expect(nearestRank(oneToHundred, 50)).to.equal(50);
    expect(nearestRank(oneToHundred, 99)).to.equal(99);
    expect(nearestRank(oneToHundred, 100)).to.equal(100);
    expect(nearestRank([10, 20, 30, 40], 50)).to.equal(20);
    expect(nearestRank([10, 20, 30, 40], 51)).to.equal(30);
    expect(nearestRank([7], 99)).to.equal(7);
  });
  it('summarises unsorted samples and reports only measured values', () => {
    const stats = latencyStats([5, 1, 4, 2, 3])!;
    expect(stats).to.deep.equal({ count: 5, min: 1, mean: 3, p50: 3, p90: 5, p95: 5, p99: 5, max: 5 });
    expect(latencyStats([])).to.equal(null);
  });
});

import { expect } from 'chai';
import { missProbability, trialsForMissProbability } from '../../src/stats/miss-probability.js';

describe('miss probability of an affected version, (1 - p)^n', () => {
  it('is (1 - p)^n: 0.9^10, 0.5^3, and exact for rates too small for 1 - p', () => {
    expect(missProbability(0.1, 10)).to.be.closeTo(0.9 ** 10, 1e-15);
    expect(missProbability(0.5, 3)).to.be.closeTo(0.125, 1e-15);
    // 1 - 1e-17 rounds to 1 in floating point; log1p does not lose the rate.
    expect(missProbability(1e-17, 1e15)).to.be.closeTo(Math.exp(-0.01), 1e-12);
  });

  it('is 1 with no trials or a rate of 0, and 0 for a certain event in one trial', () => {
    expect(missProbability(0.3, 0)).to.equal(1);
    expect(missProbability(0, 500)).to.equal(1);
    expect(missProbability(1, 1)).to.equal(0);
  });

  it('agrees with a simulation of Bernoulli trials', () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const rate = 0.13;
    const trials = 20;
    let misses = 0;
    const runs = 20000;
    for (let r = 0; r < runs; r++) {
      let seen = false;
      for (let t = 0; t < trials && !seen; t++) seen = random() < rate;
      if (!seen) misses++;
    }
    expect(misses / runs).to.be.closeTo(missProbability(rate, trials), 0.01);
  });

  it('names the trials needed for a target miss probability, the smallest n with (1 - p)^n <= target', () => {
    const n = trialsForMissProbability(0.13, 0.01)!;
    expect(missProbability(0.13, n)).to.be.at.most(0.01);
    expect(missProbability(0.13, n - 1)).to.be.above(0.01);
    expect(trialsForMissProbability(0, 0.01)).to.equal(null);
    expect(trialsForMissProbability(1, 0.01)).to.equal(1);
  });

  it('refuses rates outside [0, 1] and fractional or negative trials', () => {
    expect(() => missProbability(1.2, 3)).to.throw(RangeError);
    expect(() => missProbability(Number.NaN, 3)).to.throw(RangeError);
    expect(() => missProbability(0.1, 2.5)).to.throw(RangeError);
    expect(() => missProbability(0.1, -1)).to.throw(RangeError);
    expect(() => trialsForMissProbability(0.1, 1)).to.throw(RangeError);
  });
});

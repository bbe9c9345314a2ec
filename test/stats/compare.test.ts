import { expect } from 'chai';
import { compareSamples, hasSampleAbove } from '../../src/stats/compare.js';
import { seededRandom } from '../../src/stats/prng.js';
import { checkLimits, parseMaxStuck, parseRegressionLimit } from '../../src/stats/regression-limits.js';
import { InputError } from '../../src/errors.js';

const sample = (seed: number, n: number, median: number) => {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => median * (0.9 + 0.2 * random()));
};

/**
 * Log-normal latencies (median 1,000 ms, sigma 0.3); with `tailFactor`, every value above the
 * distribution's 97th percentile is multiplied by it: the median is the same in distribution and
 * only the top 3 % moves (p99 x tailFactor).
 */
const tailed = (seed: number, n: number, tailFactor = 1) => {
  const random = seededRandom(seed);
  const p97 = 1000 * Math.exp(0.3 * 1.8808);
  return Array.from({ length: n }, () => {
    const value = 1000 * Math.exp(0.3 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
    return value > p97 ? value * tailFactor : value;
  });
};

describe('comparison verdicts', () => {
  it('calls a 30% slower candidate worse, and the reverse better', () => {
    const slow = { latencyMs: sample(1, 200, 1300), stops: 200, stuck: 0 };
    const fast = { latencyMs: sample(2, 200, 1000), stops: 200, stuck: 0 };
    expect(compareSamples(fast, slow).metrics.map((m) => m.verdict)).to.deep.equal(['worse', 'worse', 'worse']);
    expect(compareSamples(slow, fast).metrics.map((m) => m.verdict)).to.deep.equal(['better', 'better', 'better']);
  });

  it('reports no significant change between two draws of the same distribution', () => {
    const result = compareSamples({ latencyMs: sample(3, 200, 1000), stops: 200, stuck: 0 }, { latencyMs: sample(4, 200, 1000), stops: 200, stuck: 0 });
    expect(result.metrics.every((m) => m.verdict === 'no significant change')).to.equal(true);
  });

  it('flags a tail-only regression at p99 and not at p50, whatever Mann–Whitney says', () => {
    const baseline = { latencyMs: tailed(11, 1000), stops: 1000, stuck: 0 };
    const candidate = { latencyMs: tailed(12, 1000, 2), stops: 1000, stuck: 0 };
    const result = compareSamples(baseline, candidate);
    const verdicts = Object.fromEntries(result.metrics.map((m) => [m.metric, m.verdict]));
    expect(verdicts).to.deep.equal({ p50: 'no significant change', p95: 'no significant change', p99: 'worse' });
    expect(result.metrics[2]!.ciLow).to.be.greaterThan(1);
    // The distribution test barely sees a 3 % tail, which is why it no longer gates the verdicts.
    expect(result.mannWhitney!.p).to.be.greaterThan(result.alpha);
    const limits = (metric: 'p50' | 'p99') => checkLimits('c', result.metrics, result.stuck, { regressions: [{ metric, maxIncrease: 0.1 }] });
    expect(limits('p99').map((v) => v.metric)).to.deep.equal(['p99']);
    expect(limits('p50')).to.have.length(0);
  });

  it('gives no verdict for a percentile that is the maximum of either sample', () => {
    // p99 of 99 pods is the 99th value, the slowest: its interval covered the truth only 84-88 % of the time.
    const result = compareSamples({ latencyMs: sample(13, 99, 1000), stops: 99, stuck: 0 }, { latencyMs: sample(14, 300, 2000), stops: 300, stuck: 0 });
    expect(result.metrics.map((m) => m.verdict)).to.deep.equal(['worse', 'worse', 'too few samples']);
    expect(checkLimits('c', result.metrics, result.stuck, { regressions: [{ metric: 'p99', maxIncrease: 0.1 }] })).to.have.length(0);
    expect(hasSampleAbove(100, 99)).to.equal(true);
    expect(hasSampleAbove(99, 99)).to.equal(false);
    expect(hasSampleAbove(20, 95)).to.equal(true);
    expect(hasSampleAbove(19, 95)).to.equal(false);
  });

  it('prints the alpha its intervals are at', () => {
    const result = compareSamples(
      { latencyMs: sample(8, 50, 1000), stops: 50, stuck: 0 },
      { latencyMs: sample(9, 50, 1000), stops: 50, stuck: 0 },
      { resamples: 200, confidence: 0.9, seed: 1 },
    );
    expect(result.alpha).to.equal(0.1);
    expect(result.confidence).to.equal(0.9);
  });

  it("judges stuck counts with Fisher's test", () => {
    const lat = sample(5, 50, 1000);
    expect(compareSamples({ latencyMs: lat, stops: 200, stuck: 0 }, { latencyMs: lat, stops: 200, stuck: 12 }).stuck.verdict).to.equal('worse');
    expect(compareSamples({ latencyMs: lat, stops: 200, stuck: 0 }, { latencyMs: lat, stops: 200, stuck: 1 }).stuck.verdict).to.equal('no significant change');
  });

  it('parses limits and fails only real regressions above them', () => {
    expect(parseRegressionLimit('p99=10%')).to.deep.equal({ metric: 'p99', maxIncrease: 0.1 });
    expect(() => parseRegressionLimit('p42=10%')).to.throw(InputError, /p50, p95, p99/);
    expect(() => parseRegressionLimit('p99=10')).to.throw(InputError, /METRIC=PERCENT%/);
    expect(() => parseMaxStuck('-1')).to.throw(InputError);
    const result = compareSamples({ latencyMs: sample(6, 200, 1000), stops: 200, stuck: 0 }, { latencyMs: sample(7, 200, 1150), stops: 200, stuck: 2 });
    expect(checkLimits('c', result.metrics, result.stuck, { regressions: [{ metric: 'p50', maxIncrease: 0.1 }] })).to.have.length(1);
    expect(checkLimits('c', result.metrics, result.stuck, { regressions: [{ metric: 'p50', maxIncrease: 0.2 }] })).to.have.length(0);
    expect(checkLimits('c', result.metrics, result.stuck, { regressions: [], maxStuck: 1 })).to.have.length(1);
  });
});

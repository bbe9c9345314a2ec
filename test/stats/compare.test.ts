import { expect } from 'chai';
import { compareSamples } from '../../src/stats/compare.js';
import { seededRandom } from '../../src/stats/prng.js';
import { checkLimits, parseMaxStuck, parseRegressionLimit } from '../../src/stats/regression-limits.js';
import { InputError } from '../../src/errors.js';

const sample = (seed: number, n: number, median: number) => {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => median * (0.9 + 0.2 * random()));
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

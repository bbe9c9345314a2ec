import { expect } from 'chai';
import { historyBand, historyVerdict, minimumHistoryRuns, rankAgainstHistory } from '../../src/stats/history-rank.js';
import { seededRandom } from '../../src/stats/prng.js';

const runs = (n: number, start = 1000) => Array.from({ length: n }, (_, i) => start + i);

describe('history rank test', () => {
  it('needs 2/alpha - 1 earlier runs for a two-sided verdict', () => {
    expect(minimumHistoryRuns(0.05)).to.equal(39);
    expect(minimumHistoryRuns(0.1)).to.equal(19);
    expect(minimumHistoryRuns(0.01)).to.equal(199);
  });

  it('says "not enough history" below the minimum, even for a run above every earlier one', () => {
    for (const n of [1, 3, 10, 38]) {
      const test = rankAgainstHistory(99_999, runs(n));
      expect(test.pWorse).to.be.closeTo(1 / (n + 1), 1e-12);
      expect(historyVerdict(test, 0.05), `N = ${n}`).to.equal('not enough history');
    }
  });

  it('calls a run above all 39 earlier ones worse, below all of them better, inside no change', () => {
    const past = runs(39);
    expect(rankAgainstHistory(2000, past).p).to.be.closeTo(0.05, 1e-12);
    expect(historyVerdict(rankAgainstHistory(2000, past), 0.05)).to.equal('worse');
    expect(historyVerdict(rankAgainstHistory(10, past), 0.05)).to.equal('better');
    expect(historyVerdict(rankAgainstHistory(1019.5, past), 0.05)).to.equal('no significant change');
    // A tie with the highest earlier run counts against the verdict.
    expect(historyVerdict(rankAgainstHistory(1038, past), 0.05)).to.equal('no significant change');
  });

  it('agrees with its band: outside it is a verdict, inside is not', () => {
    for (const n of [39, 60, 79, 120]) {
      const past = runs(n).reverse();
      const band = historyBand(past, 0.05);
      expect(historyVerdict(rankAgainstHistory(band.high + 0.5, past), 0.05), `N = ${n} above`).to.equal('worse');
      expect(historyVerdict(rankAgainstHistory(band.high, past), 0.05), `N = ${n} at high`).to.equal('no significant change');
      expect(historyVerdict(rankAgainstHistory(band.low - 0.5, past), 0.05), `N = ${n} below`).to.equal('better');
      expect(historyVerdict(rankAgainstHistory(band.low, past), 0.05), `N = ${n} at low`).to.equal('no significant change');
    }
    // k = floor(0.025 * 80) = 2: the second highest and second lowest of 79 runs.
    expect(historyBand(runs(79), 0.05)).to.deep.equal({ low: 1001, high: 1077 });
  });

  it('calls "worse" at most alpha/2 of the time when nothing changed (20,000 simulated histories)', () => {
    const random = seededRandom(77);
    const lognormal = () => Math.exp(0.2 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
    let worse = 0;
    let better = 0;
    const trials = 20_000;
    for (let t = 0; t < trials; t++) {
      // Per-run p99s rounded to 0.1 ms as the history stores them, so ties occur.
      const past = Array.from({ length: 39 }, () => Math.round(lognormal() * 3000) / 10);
      const verdict = historyVerdict(rankAgainstHistory(Math.round(lognormal() * 3000) / 10, past), 0.05);
      if (verdict === 'worse') worse++;
      if (verdict === 'better') better++;
    }
    // Exactly 1/40 per side for distinct values (ties only lower it); binomial sd at 20,000 is 0.0011.
    expect(worse / trials).to.be.within(0.021, 0.0255);
    expect(better / trials).to.be.within(0.021, 0.0255);
  });
});

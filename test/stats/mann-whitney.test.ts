import { expect } from 'chai';
import { mannWhitneyU } from '../../src/stats/mann-whitney.js';
import { erfc } from '../../src/stats/normal.js';

describe('Mann–Whitney U (normal approximation, tie correction)', () => {
  it('gives U = 0 and p = 0.0122 for two fully separated samples of five', () => {
    // Textbook case: every y exceeds every x. U1 = 0, U2 = 25, mean 12.5, sd = sqrt(25*11/12);
    // z = (12.5 - 0.5) / 4.787 = 2.507, two-sided p = 0.01219.
    const result = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(result.u1).to.equal(0);
    expect(result.u2).to.equal(25);
    expect(result.z).to.be.closeTo(-2.5067, 1e-4);
    expect(result.p).to.be.closeTo(0.01219, 1e-4);
  });

  it('matches the hand-computed tie-corrected statistic', () => {
    // x = 1 2 2 3 4, y = 2 3 5 6 6: ranks of the pooled ten with ties averaged:
    // 1→1, 2→3 (×3), 3→5.5 (×2), 4→7, 5→8, 6→9.5 (×2). R1 = 1+3+3+5.5+7 = 19.5, U1 = 4.5.
    // Tie term = (27-3) + (8-2) + (8-2) = 36; var = 25/12 * (11 - 36/90) = 22.0833.
    // z = -(12.5 - 4.5 - 0.5)/sqrt(22.0833) = -1.5960, p = 0.1105.
    const result = mannWhitneyU([1, 2, 2, 3, 4], [2, 3, 5, 6, 6]);
    expect(result.u1).to.equal(4.5);
    expect(result.z).to.be.closeTo(-1.596, 1e-3);
    expect(result.p).to.be.closeTo(0.1105, 1e-3);
  });

  it('is symmetric and says nothing for identical samples', () => {
    expect(mannWhitneyU([3, 3, 3], [3, 3, 3]).p).to.equal(1);
    const a = mannWhitneyU([1, 5, 9, 11], [2, 3, 4]);
    const b = mannWhitneyU([2, 3, 4], [1, 5, 9, 11]);
    expect(a.p).to.be.closeTo(b.p, 1e-12);
    expect(a.u1).to.equal(b.u2);
  });

  it('uses an erfc accurate to the printed precision', () => {
    expect(erfc(0)).to.be.closeTo(1, 1e-7);
    expect(erfc(1)).to.be.closeTo(0.157299207, 1e-7);
    expect(erfc(-1)).to.be.closeTo(1.842700793, 1e-7);
    expect(erfc(3)).to.be.closeTo(2.2090497e-5, 1e-9);
  });
});

import { expect } from 'chai';
import { fisherExactTwoSided } from '../../src/stats/fisher-exact.js';

describe("Fisher's exact test (two-sided)", () => {
  it('gives 34/70 for the tea-tasting table [[3,1],[1,3]]', () => {
    expect(fisherExactTwoSided(3, 1, 1, 3)).to.be.closeTo(34 / 70, 1e-12);
  });

  it('gives 0.002759 for [[1,9],[11,3]]', () => {
    expect(fisherExactTwoSided(1, 9, 11, 3)).to.be.closeTo(0.0027594, 1e-6);
  });

  it('gives 0.03497 for [[8,2],[1,5]]', () => {
    expect(fisherExactTwoSided(8, 2, 1, 5)).to.be.closeTo(0.034965, 1e-5);
  });

  it('is 1 for identical proportions and for empty margins, and rejects bad counts', () => {
    expect(fisherExactTwoSided(0, 100, 0, 100)).to.equal(1);
    expect(fisherExactTwoSided(5, 5, 5, 5)).to.be.closeTo(1, 1e-12);
    expect(() => fisherExactTwoSided(-1, 2, 3, 4)).to.throw(RangeError);
    expect(() => fisherExactTwoSided(1.5, 2, 3, 4)).to.throw(RangeError);
  });

  it('stays finite for run-sized tables (0 of 20,000 stops against 12 of 20,000)', () => {
    const p = fisherExactTwoSided(0, 20000, 12, 19988);
    expect(p).to.be.greaterThan(0).and.lessThan(0.001);
  });
});

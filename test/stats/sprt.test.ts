import { expect } from 'chai';
import { seededRandom, type Random } from '../../src/stats/prng.js';
import {
  defaultSprtParameters,
  logLikelihoodRatio,
  sprtBounds,
  sprtEvaluate,
  validateSprtParameters,
  waldExpectedTrials,
  type SprtDecision,
  type SprtParameters,
} from '../../src/stats/sprt.js';

/** One simulated test: Bernoulli(p) trials in groups of `group` (1 = after every trial, 40 = after every run). */
function simulate(params: SprtParameters, p: number, group: number, random: Random): { decision: SprtDecision; trials: number } {
  let trials = 0;
  let occurrences = 0;
  for (;;) {
    for (let i = 0; i < group; i++) {
      trials++;
      if (random() < p) occurrences++;
    }
    const state = sprtEvaluate(params, { trials, occurrences });
    if (state.decision !== 'continue') return { decision: state.decision, trials };
  }
}

interface ErrorRates {
  /** Share of sequences that ended on the wrong hypothesis. */
  wrong: number;
  undecided: number;
  meanTrials: number;
}

function errorRates(params: SprtParameters, truth: 'h0' | 'h1', group: number, sequences: number, seed: number): ErrorRates {
  const random = seededRandom(seed);
  const p = truth === 'h0' ? params.p0 : params.p1;
  const wrongDecision: SprtDecision = truth === 'h0' ? 'accept-h1' : 'accept-h0';
  let wrong = 0;
  let undecided = 0;
  let trials = 0;
  for (let i = 0; i < sequences; i++) {
    const result = simulate(params, p, group, random);
    if (result.decision === wrongDecision) wrong++;
    if (result.decision === 'undecided') undecided++;
    trials += result.trials;
  }
  return { wrong: wrong / sequences, undecided: undecided / sequences, meanTrials: trials / sequences };
}

const SEQUENCES = 2000;
// Three standard errors of a rate near 0.05 measured on 2,000 sequences: sqrt(0.05 * 0.95 / 2000) = 0.0049.
const MARGIN = 0.015;

describe('SPRT for a Bernoulli rate', () => {
  it('computes the log-likelihood ratio and Wald bounds', () => {
    const params: SprtParameters = { p0: 0.01, p1: 0.1, alpha: 0.05, beta: 0.1, maxTrials: 1000 };
    expect(sprtBounds(params).upper).to.be.closeTo(Math.log(0.9 / 0.05), 1e-12);
    expect(sprtBounds(params).lower).to.be.closeTo(Math.log(0.1 / 0.95), 1e-12);
    expect(logLikelihoodRatio(params, 30, 2)).to.be.closeTo(2 * Math.log(10) + 28 * Math.log(0.9 / 0.99), 1e-12);
    expect(sprtEvaluate(params, { trials: 30, occurrences: 2 }).decision).to.equal('continue');
    expect(sprtEvaluate(params, { trials: 30, occurrences: 3 }).decision).to.equal('accept-h1');
    expect(sprtEvaluate(params, { trials: 24, occurrences: 0 }).decision).to.equal('accept-h0');
  });

  it('ends undecided at the trial cap, and only there', () => {
    // A true rate between p0 and p1: 1 in 20 keeps the ratio between the bounds for these counts.
    const params: SprtParameters = { p0: 0.01, p1: 0.1, alpha: 0.05, beta: 0.1, maxTrials: 100 };
    expect(sprtEvaluate(params, { trials: 99, occurrences: 5 }).decision).to.equal('continue');
    expect(sprtEvaluate(params, { trials: 100, occurrences: 5 }).decision).to.equal('undecided');
  });

  it('with p0 = 0 decides H1 on the first occurrence, however many clean trials came before', () => {
    const params: SprtParameters = { ...defaultSprtParameters, p0: 0, maxTrials: 10_000 };
    const state = sprtEvaluate(params, { trials: 50, occurrences: 1 });
    expect(state.decision).to.equal('accept-h1');
    expect(state.llr).to.equal(Number.POSITIVE_INFINITY);
    expect(sprtEvaluate(params, { trials: 58, occurrences: 0 }).decision).to.equal('accept-h0');
    // The default p0 = 0.001 weighs the same late occurrence against the clean trials instead.
    expect(sprtEvaluate(defaultSprtParameters, { trials: 50, occurrences: 1 }).decision).to.equal('continue');
    expect(sprtEvaluate(defaultSprtParameters, { trials: 3, occurrences: 1 }).decision).to.equal('accept-h1');
  });

  it('refuses parameters that make the test meaningless', () => {
    expect(() => validateSprtParameters({ ...defaultSprtParameters, p0: 0.1, p1: 0.05 })).to.throw(/0 <= p0 < p1 < 1/);
    expect(() => validateSprtParameters({ ...defaultSprtParameters, p1: 1 })).to.throw(/p1 < 1/);
    expect(() => validateSprtParameters({ ...defaultSprtParameters, alpha: 0 })).to.throw(/alpha/);
    expect(() => validateSprtParameters({ ...defaultSprtParameters, beta: 0.7 })).to.throw(/beta/);
    expect(() => validateSprtParameters({ ...defaultSprtParameters, maxTrials: 2.5 })).to.throw(/trial cap/);
    expect(() => validateSprtParameters(defaultSprtParameters)).not.to.throw();
    expect(() => sprtEvaluate(defaultSprtParameters, { trials: 3, occurrences: 4 })).to.throw(/occurrences <= trials/);
  });

  const configurations: { label: string; params: SprtParameters; group: number }[] = [
    { label: "podchurn's defaults, decided after every trial", params: defaultSprtParameters, group: 1 },
    { label: "podchurn's defaults, decided after runs of 40 pods", params: defaultSprtParameters, group: 40 },
    { label: 'p0 0.05 vs p1 0.2, alpha 0.05, beta 0.1, after every trial', params: { p0: 0.05, p1: 0.2, alpha: 0.05, beta: 0.1, maxTrials: 2000 }, group: 1 },
    {
      label: 'p0 0.02 vs p1 0.12, alpha 0.01, beta 0.05, after runs of 10',
      params: { p0: 0.02, p1: 0.12, alpha: 0.01, beta: 0.05, maxTrials: 2000 },
      group: 10,
    },
  ];

  for (const [index, { label, params, group }] of configurations.entries()) {
    it(`keeps its error rates within alpha and beta by simulation (${SEQUENCES} sequences each at p0 and p1): ${label}`, () => {
      const atP0 = errorRates(params, 'h0', group, SEQUENCES, 1000 + index);
      const atP1 = errorRates(params, 'h1', group, SEQUENCES, 2000 + index);
      process.stdout.write(
        `      false positive ${atP0.wrong.toFixed(4)} (alpha ${params.alpha}), false negative ${atP1.wrong.toFixed(4)} (beta ${params.beta}); ` +
          `mean trials ${atP0.meanTrials.toFixed(1)} at p0 (Wald ${waldExpectedTrials(params, 'h0').toFixed(1)}), ` +
          `${atP1.meanTrials.toFixed(1)} at p1 (Wald ${waldExpectedTrials(params, 'h1').toFixed(1)})\n`,
      );
      expect(atP0.wrong).to.be.at.most(params.alpha + MARGIN);
      expect(atP1.wrong).to.be.at.most(params.beta + MARGIN);
      expect(atP0.undecided + atP1.undecided).to.be.at.most(0.01);
      // Deciding after every trial, the mean cost stays near Wald's approximation (overshoot adds a little);
      // deciding after whole runs it can only cost more, by at most about one run.
      for (const [measured, truth] of [
        [atP0.meanTrials, 'h0'],
        [atP1.meanTrials, 'h1'],
      ] as const) {
        const wald = waldExpectedTrials(params, truth);
        expect(measured).to.be.within(0.5 * wald, 1.6 * wald + group);
      }
    });
  }

  it('promises its error rates only at p0 and p1: a true rate between them is called "shows it" far more often than alpha', () => {
    const params: SprtParameters = { p0: 0.05, p1: 0.2, alpha: 0.05, beta: 0.1, maxTrials: 2000 };
    const random = seededRandom(78);
    let acceptedH1 = 0;
    for (let i = 0; i < SEQUENCES; i++) if (simulate(params, 0.12, 1, random).decision === 'accept-h1') acceptedH1++;
    expect(acceptedH1 / SEQUENCES).to.be.greaterThan(params.alpha + 0.1);
  });
});

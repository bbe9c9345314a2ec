import { InputError } from '../errors.js';

/**
 * Wald's sequential probability ratio test for a Bernoulli rate: H0 p = p0 ("does not show it") against
 * H1 p = p1 ("shows it"). After every batch of trials the log-likelihood ratio of the cumulative counts is
 * compared with two bounds fixed by the wanted error rates: at or above the upper bound H1 is accepted, at or
 * below the lower bound H0 is accepted, in between more trials are needed. A hard cap on trials ends a test
 * that cannot decide (a true rate between p0 and p1 can wander between the bounds for a long time).
 *
 * alpha is the chance of accepting H1 when p = p0 (calling an unaffected version affected), beta the chance
 * of accepting H0 when p = p1. Wald's bounds keep both at or below the stated values up to the overshoot of
 * the last step; checking only after whole runs (groups of trials) overshoots more, which lowers the real
 * error rates further and costs some extra trials, never the reverse.
 *
 * p0 = 0 is allowed: then a single occurrence has likelihood 0 under H0 and decides H1 at once, whatever the
 * number of trials. That is exact for a behaviour that truly never happens on a good version, but it lets one
 * stray count (a benign race classified as the behaviour, one misread event) overturn any amount of clean
 * evidence, and alpha then no longer bounds anything. The default p0 = 0.001 keeps one occurrence decisive
 * only when it comes early: among many clean trials it is weighed against them.
 */
export interface SprtParameters {
  /** The rate under H0 ("does not show it"); 0 <= p0 < p1. */
  p0: number;
  /** The rate under H1 ("shows it"): set it below the rate a known-affected version shows. */
  p1: number;
  /** Chance of accepting H1 when p = p0. */
  alpha: number;
  /** Chance of accepting H0 when p = p1. */
  beta: number;
  /** Trials after which a test still between the bounds ends undecided. */
  maxTrials: number;
}

export const defaultSprtParameters: SprtParameters = { p0: 0.001, p1: 0.05, alpha: 0.05, beta: 0.05, maxTrials: 400 };

export type SprtDecision = 'continue' | 'accept-h0' | 'accept-h1' | 'undecided';

export interface SprtState {
  decision: SprtDecision;
  trials: number;
  occurrences: number;
  /** Log-likelihood ratio ln L(p1)/L(p0) of the counts; +Infinity once an occurrence is seen with p0 = 0. */
  llr: number;
  /** ln((1 - beta) / alpha): accept H1 at or above it. */
  upper: number;
  /** ln(beta / (1 - alpha)): accept H0 at or below it. */
  lower: number;
}

/** Refuses parameters under which the test means nothing (exit 2 from the CLI). */
export function validateSprtParameters(params: SprtParameters): void {
  const { p0, p1, alpha, beta, maxTrials } = params;
  const finite = [p0, p1, alpha, beta, maxTrials].every(Number.isFinite);
  if (!finite) throw new InputError('SPRT parameters must be numbers (--p0, --p1, --alpha, --beta, --max-trials).');
  if (!(p0 >= 0 && p0 < p1 && p1 < 1)) throw new InputError(`the SPRT needs 0 <= p0 < p1 < 1 (got p0 = ${p0}, p1 = ${p1}).`);
  if (!(alpha > 0 && alpha < 0.5)) throw new InputError(`alpha must lie in (0, 0.5) (got ${alpha}).`);
  if (!(beta > 0 && beta < 0.5)) throw new InputError(`beta must lie in (0, 0.5) (got ${beta}).`);
  if (!(Number.isInteger(maxTrials) && maxTrials > 0)) throw new InputError(`the trial cap must be a positive whole number (got ${maxTrials}).`);
}

export function sprtBounds(params: SprtParameters): { upper: number; lower: number } {
  return { upper: Math.log((1 - params.beta) / params.alpha), lower: Math.log(params.beta / (1 - params.alpha)) };
}

/** ln L(p1)/L(p0) of `occurrences` in `trials` Bernoulli trials. */
export function logLikelihoodRatio(params: Pick<SprtParameters, 'p0' | 'p1'>, trials: number, occurrences: number): number {
  const { p0, p1 } = params;
  const misses = trials - occurrences;
  const missTerm = misses === 0 ? 0 : misses * Math.log((1 - p1) / (1 - p0));
  if (occurrences === 0) return missTerm;
  // Under p0 = 0 an occurrence is impossible: the ratio is infinite, H1 is certain.
  if (p0 === 0) return Number.POSITIVE_INFINITY;
  return occurrences * Math.log(p1 / p0) + missTerm;
}

/** The test's state after `trials` cumulative trials with `occurrences` occurrences. */
export function sprtEvaluate(params: SprtParameters, counts: { trials: number; occurrences: number }): SprtState {
  const { trials, occurrences } = counts;
  if (!(Number.isInteger(trials) && Number.isInteger(occurrences) && occurrences >= 0 && occurrences <= trials)) {
    throw new InputError(`SPRT counts must be whole numbers with 0 <= occurrences <= trials (got ${occurrences} of ${trials}).`);
  }
  const { upper, lower } = sprtBounds(params);
  const llr = logLikelihoodRatio(params, trials, occurrences);
  let decision: SprtDecision = 'continue';
  if (llr >= upper) decision = 'accept-h1';
  else if (llr <= lower) decision = 'accept-h0';
  else if (trials >= params.maxTrials) decision = 'undecided';
  return { decision, trials, occurrences, llr, upper, lower };
}

/**
 * Wald's approximation of the expected number of trials when the true rate is p0 (`h0`) or p1 (`h1`),
 * ignoring overshoot and the cap: what one decision costs on an unaffected and on an affected version.
 */
export function waldExpectedTrials(params: SprtParameters, truth: 'h0' | 'h1'): number {
  const { p0, p1, alpha, beta } = params;
  const { upper, lower } = sprtBounds(params);
  const p = truth === 'h0' ? p0 : p1;
  const hitTerm = p === 0 ? 0 : p * (p0 === 0 ? Number.POSITIVE_INFINITY : Math.log(p1 / p0));
  const drift = hitTerm + (1 - p) * Math.log((1 - p1) / (1 - p0));
  const expectedLlrAtStop = truth === 'h0' ? (1 - alpha) * lower + alpha * upper : beta * lower + (1 - beta) * upper;
  // With p0 = 0 under H1 the first occurrence ends the test: a geometric wait, cut short by the lower bound (an upper estimate).
  if (!Number.isFinite(drift)) return Math.min(1 / p1, lower / Math.log(1 - p1));
  return expectedLlrAtStop / drift;
}

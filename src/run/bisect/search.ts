import { InfrastructureError } from '../../errors.js';
import type { BisectBuild, BisectDirection, BisectResult, BisectRun, BisectStep, BisectVerdict } from '../../results/bisect.js';
import { sprtBounds, sprtEvaluate, type SprtParameters, type SprtState } from '../../stats/sprt.js';

/** Earlier results of the same scenario and pin, counted before any new run. */
export interface PriorTrials {
  trials: number;
  occurrences: number;
  runIds: string[];
}

/**
 * What the search needs from the world, one pin at a time: obtain its binaries, say what is already known
 * about it, run the scenario once more. The real one builds through the runtime store and runs the scenario;
 * tests inject a simulated one.
 */
export interface StepRunner {
  /** `gap` when the pin cannot be had (the proxy refuses the version, its build fails). */
  obtain(version: string): Promise<{ ok: true; build: BisectBuild } | { ok: false; reason: string }>;
  prior(version: string): Promise<PriorTrials>;
  /** One more scenario run at the pin: its trials and occurrences. */
  runOnce(version: string): Promise<BisectRun>;
}

export interface SearchRequest {
  /** Oldest first; the first and last are the pins. */
  versions: readonly string[];
  direction: BisectDirection;
  sprt: SprtParameters;
  runner: StepRunner;
  /** Called after every step (to write progress as it goes). */
  onStep?: (step: BisectStep) => void;
  now?: () => number;
}

/** What the search decides: the part of a bisect.json that is not about its request and costs. */
export type SearchResult = Pick<BisectResult, 'steps' | 'outcome' | 'firstChanged' | 'lastUnchanged' | 'boundaryRange' | 'reason'>;

const verdictOf = (state: SprtState): BisectVerdict => (state.decision === 'accept-h1' ? 'shows' : state.decision === 'accept-h0' ? 'clean' : 'undecided');

/**
 * Binary search for the first version whose behaviour differs from the older pin's, each version judged by
 * the SPRT over as many scenario runs as it needs. The pins are tested first: a good pin that shows the
 * behaviour, or a bad one that does not, makes every answer meaningless. A version that cannot be had (gap)
 * or that the test cannot decide within its cap is skipped like `git bisect skip`: the search tries the
 * nearest untested version instead, and if the boundary ends up next to skipped versions it says so.
 */
export async function searchBoundary(request: SearchRequest): Promise<SearchResult> {
  const { versions, direction, runner } = request;
  const now = request.now ?? (() => performance.now());
  const steps: BisectStep[] = [];
  const olderExpected: BisectVerdict = direction === 'first-bad' ? 'clean' : 'shows';
  const newerExpected: BisectVerdict = direction === 'first-bad' ? 'shows' : 'clean';

  const test = async (index: number, role: BisectStep['role']): Promise<BisectStep> => {
    const version = versions[index]!;
    const started = now();
    const startedAt = new Date().toISOString();
    const base = { index: steps.length + 1, version, role, startedAt, reusedRunIds: [] as string[], runs: [] as BisectRun[] };
    const obtained = await runner.obtain(version);
    if (!obtained.ok) {
      const { upper, lower } = sprtBounds(request.sprt);
      return record({
        ...base,
        verdict: 'gap',
        trials: 0,
        occurrences: 0,
        reusedTrials: 0,
        reusedOccurrences: 0,
        llr: 0,
        upper: round(upper, 4),
        lower: round(lower, 4),
        gapReason: obtained.reason,
        wallSeconds: seconds(now() - started),
      });
    }
    const prior = await runner.prior(version);
    let trials = prior.trials;
    let occurrences = prior.occurrences;
    let state = sprtEvaluate(request.sprt, { trials, occurrences });
    const runs: BisectRun[] = [];
    while (state.decision === 'continue') {
      const run = await runner.runOnce(version);
      if (run.trials <= 0) throw new InfrastructureError(`run ${run.runId} at ${version} counted no trials (no pod was created and stopped).`);
      runs.push(run);
      trials += run.trials;
      occurrences += run.occurrences;
      state = sprtEvaluate(request.sprt, { trials, occurrences });
    }
    return record({
      ...base,
      runs,
      verdict: verdictOf(state),
      decision: state.decision,
      trials,
      occurrences,
      reusedTrials: prior.trials,
      reusedOccurrences: prior.occurrences,
      reusedRunIds: prior.runIds,
      llr: Number.isFinite(state.llr) ? round(state.llr, 4) : null,
      upper: round(state.upper, 4),
      lower: round(state.lower, 4),
      build: obtained.build,
      wallSeconds: seconds(now() - started),
    });
  };
  const record = (step: BisectStep): BisectStep => {
    steps.push(step);
    request.onStep?.(step);
    return step;
  };

  const last = versions.length - 1;
  if (last < 1) throw new InfrastructureError('a bisection needs at least the two pins.');
  const olderRole = direction === 'first-bad' ? 'good-pin' : 'bad-pin';
  const newerRole = direction === 'first-bad' ? 'bad-pin' : 'good-pin';
  for (const [index, role, expected] of [
    [0, olderRole, olderExpected],
    [last, newerRole, newerExpected],
  ] as const) {
    const step = await test(index, role);
    if (step.verdict !== expected) {
      const given = role === 'good-pin' ? 'good (does not show it)' : 'bad (shows it)';
      const found = step.verdict === 'gap' ? `could not be obtained (${step.gapReason})` : describeVerdict(step);
      return { steps, outcome: 'inconclusive', reason: `${step.version} was given as ${given} but ${found}.` };
    }
  }

  let lo = 0;
  let hi = last;
  const skipped = new Set<number>();
  for (;;) {
    const untested = range(lo + 1, hi).filter((i) => !skipped.has(i));
    if (untested.length === 0) break;
    const middle = (lo + hi) / 2;
    const index = untested.reduce((best, i) => (Math.abs(i - middle) < Math.abs(best - middle) ? i : best));
    const step = await test(index, 'probe');
    if (step.verdict === 'gap' || step.verdict === 'undecided') skipped.add(index);
    else if (step.verdict === olderExpected) lo = index;
    else hi = index;
  }

  const firstChanged = versions[hi]!;
  const lastUnchanged = versions[lo]!;
  const what = direction === 'first-bad' ? 'first version that shows it' : 'first version that no longer shows it';
  const hidden = range(lo + 1, hi).filter((i) => skipped.has(i));
  if (hidden.length) {
    const boundaryRange = [...hidden, hi].map((i) => versions[i]!);
    return {
      steps,
      outcome: 'ambiguous',
      lastUnchanged,
      boundaryRange,
      reason: `the ${what} is one of ${boundaryRange.join(', ')}: ${hidden.map((i) => versions[i]).join(', ')} could not be decided (gap or undecided).`,
    };
  }
  return { steps, outcome: 'found', firstChanged, lastUnchanged, reason: `${firstChanged} is the ${what} (${lastUnchanged} is the last before it).` };
}

function describeVerdict(step: BisectStep): string {
  const counts = `${step.occurrences} occurrence(s) in ${step.trials} trials`;
  if (step.verdict === 'shows') return `shows it (${counts})`;
  if (step.verdict === 'clean') return `does not show it (${counts})`;
  return `could not be decided within the trial cap (${counts})`;
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const seconds = (ms: number) => round(ms / 1000, 1);

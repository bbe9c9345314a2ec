import type { SprtDecision, SprtParameters } from '../stats/sprt.js';

/** bisect.json: one bisection over the released versions between two pins, step by step. */

/** `first-bad`: the good pin is the older one (which release introduced it); `first-fixed`: the bad pin is older. */
export type BisectDirection = 'first-bad' | 'first-fixed';

/** One release between the pins (both included), in version order. */
export interface BisectCandidate {
  version: string;
  /**
   * Where the version is known from: `catalog` (podchurn's runtime catalog), `proxy-list` (`go list -m -versions`),
   * or `contiguous` only (inferred: patch numbers of a release line have no holes, but the proxy's list does).
   */
  knownFrom: ('catalog' | 'proxy-list' | 'contiguous')[];
}

/** One scenario run of a step. */
export interface BisectRun {
  runId: string;
  runDir: string;
  trials: number;
  occurrences: number;
  wallSeconds: number;
}

/** What obtaining a pin cost, and where its binaries came from. */
export interface BisectBuild {
  /** Seconds this bisect spent obtaining the pin (near 0 when the store already had it). */
  seconds: number;
  /** `store` when already installed before this step. */
  source: string;
  /** The store's record of how long the install or build of this key took when it was made. */
  storeInstallSeconds?: number;
  installedAt?: string;
}

/** `shows` / `clean`: the SPRT accepted H1 / H0; `undecided`: the trial cap came first; `gap`: no binaries. */
export type BisectVerdict = 'shows' | 'clean' | 'undecided' | 'gap';

export interface BisectStep {
  /** 1, 2, ... in the order tested. */
  index: number;
  version: string;
  /** The pin's role: an end of the range (checked first) or a probe between them. */
  role: 'good-pin' | 'bad-pin' | 'probe';
  verdict: BisectVerdict;
  decision?: SprtDecision;
  trials: number;
  occurrences: number;
  /** Trials counted from earlier runs of the same scenario and pin in the history database. */
  reusedTrials: number;
  reusedOccurrences: number;
  reusedRunIds: string[];
  /** ln L(p1)/L(p0) at the decision; null when infinite (an occurrence under p0 = 0). */
  llr: number | null;
  upper: number;
  lower: number;
  runs: BisectRun[];
  build?: BisectBuild;
  /** Why a gap is a gap (the proxy refused the version, the build failed). */
  gapReason?: string;
  /** Wall time of the whole step: obtaining the pin and every run. */
  wallSeconds: number;
  startedAt: string;
}

/** `found`: a boundary with nothing untested before it; `ambiguous`: gaps or undecided versions hide it; `inconclusive`: a pin does not behave as given. */
export type BisectOutcome = 'found' | 'ambiguous' | 'inconclusive';

export interface BisectResult {
  schemaVersion: 1;
  id: string;
  scenario: string;
  scenarioFile: string;
  overrides: string[];
  component: string;
  module: string;
  good: string;
  bad: string;
  direction: BisectDirection;
  measure: string;
  sprt: SprtParameters;
  historyDb?: string;
  candidates: BisectCandidate[];
  /** How the candidate list was made, and what the module proxy's list lacked. */
  enumerationNotes: string[];
  steps: BisectStep[];
  outcome: BisectOutcome;
  /** first-bad: the first version that shows it; first-fixed: the first that no longer does. */
  firstChanged?: string;
  /** The last version on the older pin's side of the boundary. */
  lastUnchanged?: string;
  /** For `ambiguous`: the versions the boundary may be at (untested ones and the first changed). */
  boundaryRange?: string[];
  reason: string;
  gaps: { version: string; reason: string }[];
  totals: { wallSeconds: number; buildSeconds: number; runSeconds: number; runs: number; trials: number; reusedTrials: number };
  startedAt: string;
  finishedAt?: string;
}

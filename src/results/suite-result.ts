/**
 * What `podchurn suite` found (suite.json): one verdict per library bug, each from a run of the bug's
 * scenario against the candidate runtime. Written by src/run/suite.ts, rendered by src/reports/suite-report.ts.
 */
export type BugVerdict = 'observed' | 'not-observed' | 'error';

export interface SuiteBugResult {
  id: string;
  title: string;
  references: string[];
  scenario: string;
  /** The occurrence measure, as written in the catalog (e.g. stateMismatch, outcome:stuck). */
  occurrence: string;
  verdict: BugVerdict;
  trials: number;
  occurrences: number;
  /** The positive control's measured rate, or null when the bug's controls were not measured. */
  expectedRate: number | null;
  /** (1 - expectedRate)^trials: the chance an affected version shows nothing in this many trials. */
  missProbability: number | null;
  /** What the catalog's version ranges say of the candidate (affected, fixed, unaffected, unknown). */
  catalogued: string;
  runId: string | null;
  runDirectory: string | null;
  durationMs: number;
  /** Why the bug's run could not give a verdict (verdict error). */
  error?: string;
}

export interface SuiteResult {
  schemaVersion: 1;
  startedAt: string;
  durationMs: number;
  candidate: { containerd: string; runc: string; overrides: string[] };
  bugs: SuiteBugResult[];
  /** 0 nothing observed, 1 a bug observed, 3 a bug's run failed (infrastructure). */
  exitCode: number;
}

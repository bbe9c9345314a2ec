import type { MetricComparison, StuckComparison } from '../stats/compare.js';
import type { ComparisonLimits, LimitViolation } from '../stats/regression-limits.js';
import type { TimerPair } from './runtime-metrics.js';
import type { CellSummary, RunSummary } from './summary.js';

/** comparison.json (`podchurn compare --json`): the verdicts of one comparison, as reports render them. */
/** 2: verdicts stand per percentile (no Mann–Whitney gate), history basis "history-rank", verdict "not enough history". */
export const COMPARISON_SCHEMA_VERSION = 2;

export interface ComparedCell {
  runId: string;
  cell: string;
  name: string;
  runtime: CellSummary['runtime'];
  /** How many samples stand behind the figures (pods with a stop, or runs for a history median). */
  samples: number;
}

export interface CellPairComparison {
  baseline: ComparedCell;
  candidate: ComparedCell;
  /**
   * "bootstrap": percentile-method CI of the ratio from resampling both cells' samples;
   * "history-rank": rank of this run's figure among the last N runs', with the band it must leave
   * (stats/history-rank.ts) as a ratio of their median.
   */
  basis: 'bootstrap' | 'history-rank';
  mannWhitney: { u: number; z: number; p: number } | null;
  metrics: MetricComparison[];
  stuck: StuckComparison;
  violations: LimitViolation[];
  /** containerd's and the kubelet's timers of both cells, when either was scraped (figures only, no verdict). */
  runtimeTimers?: TimerPair[];
}

export interface Comparison {
  schemaVersion: typeof COMPARISON_SCHEMA_VERSION;
  kind: 'podchurn-comparison';
  mode: 'runs' | 'cells' | 'history';
  /** The primary latency both sides were compared on (deletion on kube, stop on CRI). */
  latency: RunSummary['primaryLatency']['name'];
  alpha: number;
  confidence: number;
  resamples: number;
  limits: ComparisonLimits;
  pairs: CellPairComparison[];
  /** Cells that had no counterpart, and anything else the reader must know to trust the verdicts. */
  notes: string[];
  violations: LimitViolation[];
  exitCode: number;
}

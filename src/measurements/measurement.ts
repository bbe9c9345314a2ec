import type { EventSink, RunEvent } from '../engine/events.js';
import type { RuntimeRecord } from '../results/environment.js';
import type { PodRecord } from '../results/pod-record.js';
import type { MetricsEndpoint } from '../results/runtime-metrics.js';
import type { CellSummary } from '../results/summary.js';
import type { TargetType } from '../scenario/schema.js';

/**
 * The measurements wing's contract. The pod lifecycle (measurements/pod-lifecycle/summarize.ts: records,
 * outcomes, the primary latency, gates) is every cell summary's base; a CellMeasurement adds figures of its
 * own to it, and may record what it needs while the cell runs. run/ calls each registered one
 * (measurements/registry.ts): at every cell's start and end during a run, and once per cell when a run
 * directory is analysed, so a run re-analysed later gets the same figures from its events alone.
 */
export interface CellMeasurement {
  readonly id: string;
  /** The targets whose cells it measures; every target when absent. */
  readonly appliesTo?: readonly TargetType[];
  /** Before the cell's first pod, and after its cleanup (not after an interrupt): record what the analysis needs. */
  atCellStart?(context: CellRunContext): Promise<void>;
  atCellEnd?(context: CellRunContext): Promise<void>;
  /**
   * Once per analysis, before any cell is summarized: annotates the run's pod records from the runtime logs the run
   * copied (logs/*.log: managed containerds, cluster nodes' containerd), so summaries and reports can read them.
   */
  readRuntimeLogs?(records: readonly PodRecord[], logs: readonly string[]): void;
  /** This measurement's optional CellSummary fields for one cell, from the run's events, logs and records only. */
  summarize(evidence: CellEvidence): Partial<CellSummary>;
}

/** The measurements that measure a target's cells. */
export const measuresTarget = (measurement: CellMeasurement, target: TargetType): boolean => measurement.appliesTo?.includes(target) ?? true;

/** What a measurement may use while a cell runs. */
export interface CellRunContext {
  cellId: string;
  rep: number;
  /** Run events it records go to events.jsonl with the cell's id. */
  events: EventSink;
  /** The Prometheus endpoints of the runtime and kubelets behind the cell's session (may be none). */
  metricsEndpoints(): Promise<MetricsEndpoint[]>;
}

/** What a measurement reads of one cell of a finished run. */
export interface CellEvidence {
  cellId: string;
  /** The cell's pod records (every repetition). */
  records: readonly PodRecord[];
  /** Every run event of the run, in file order. */
  runEvents: readonly RunEvent[];
  /** The runtime session the cell ran on, from environment.json (CRI: a containerd; kube: none). */
  runtime: RuntimeRecord | undefined;
}

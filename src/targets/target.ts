import type { ClusterHandle } from '../cluster/provider.js';
import type { ChurnTarget } from '../engine/churn-target.js';
import type { EventSink } from '../engine/events.js';
import type { EnvironmentRecord } from '../results/environment.js';
import type { MetricsEndpoint } from '../results/runtime-metrics.js';
import type { PrimaryLatencyName } from '../results/summary.js';
import type { TargetScenarioRules } from '../scenario/honesty.js';
import type { CellSettings, TargetType } from '../scenario/schema.js';
import type { Clock } from '../util/clock.js';

/**
 * Cluster provisioning as a target sees it (the run's cluster pool implements it): cells with a
 * `cluster` block get their settings resolved against a cluster brought up or attached to.
 */
export interface ClusterAccess {
  /** Whether the cluster the cell asks for is the one held now. */
  holds(settings: CellSettings, scenarioName: string, scenarioFile: string): boolean;
  /** The cell's settings pointed at its cluster (brought up or attached, releasing another first). */
  settingsFor(cellId: string, settings: CellSettings, scenarioName: string, scenarioFile: string): Promise<CellSettings>;
  /** Releases the cluster held now, if any. */
  release(): Promise<void>;
  /** Node access of the cluster held now, when a provider brought it up or attached it. */
  readonly current: ClusterHandle | undefined;
}

/** What a target driver gets from the run that opens its sessions. */
export interface SessionContext {
  runId: string;
  runDir: string;
  scenarioName: string;
  scenarioFile: string;
  events: EventSink;
  clock: Clock;
  clusters: ClusterAccess;
  /** environment.json as it is being written: a session records the runtime or API it opened. */
  environment: EnvironmentRecord;
  /** Human-readable notices (e.g. a pinned runtime being built). */
  onNotice: (line: string) => void;
  /** Called if the session's runtime goes away on its own: the run then aborts as an infrastructure failure. */
  onDied: (reason: string) => void;
}

/** One runtime or API connection that consecutive cells with the same session key share. */
export interface TargetSession {
  readonly key: string;
  /** `<run id>-<n>`: the name everything this session created is found by. */
  readonly instance: string;
  /** Notes a cell as run on this session (environment.json lists cells per runtime / API). */
  addCell(cellId: string): void;
  target(cellId: string, rep: number, settings: CellSettings): ChurnTarget;
  /**
   * The Prometheus endpoints of the runtime and kubelet behind this session (containerd's /v1/metrics,
   * each node's kubelet /metrics), scraped at every cell's start and end. Never throws: an endpoint
   * that cannot be found is one whose fetch fails, and so a note in the summary.
   */
  metricsEndpoints(): Promise<MetricsEndpoint[]>;
  /**
   * Ends the session and records what its teardown found as a run event. `leftovers` are what is
   * still there after it; `clearsCellLeftovers` when the teardown took the cells' leftovers with it
   * (a managed runtime that stopped cleanly removes whatever it still held).
   */
  close(): Promise<{ leftovers: string[]; clearsCellLeftovers: boolean }>;
}

/**
 * A kind of place pods are churned (cri, kube): the one place that knows how to open it and which
 * latency it is judged by. run/ picks a driver from targets/registry.ts by `target.type`.
 */
export interface TargetDriver {
  readonly type: TargetType;
  /** The primary latency of this target's pods (see measurements/pod-lifecycle/primary-latency.ts). */
  readonly primaryLatency: PrimaryLatencyName;
  /** Scenario keys this target's cells ignore or cannot honour: refused when a scenario is planned. */
  readonly scenarioRules: TargetScenarioRules;
  /**
   * The settings a cell runs with, after whatever the driver provisions for it (kube: its cluster).
   * `closeSession` ends the open session first when what it provisions would pull the ground from under it.
   */
  prepare(cellId: string, settings: CellSettings, context: SessionContext, closeSession: () => Promise<void>): Promise<CellSettings>;
  /** Whether running this cell needs root (driving containerd or a kubelet on this host). */
  requiresRoot(settings: CellSettings): boolean;
  /** Cells whose settings give the same key share one session. */
  sessionKey(settings: CellSettings): string;
  open(settings: CellSettings, instanceNumber: number, context: SessionContext): Promise<TargetSession>;
}

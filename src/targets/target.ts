import type { ClusterHandle } from '../cluster/provider.js';
import type { EventSink, PodIdentity } from '../engine/events.js';
import type { EnvironmentRecord } from '../results/environment.js';
import type { PrimaryLatencyName } from '../results/summary.js';
import type { CellSettings, TargetType } from '../scenario/schema.js';
import type { Clock } from '../util/clock.js';

/** A pod the engine asks a target to create and later delete. */
export interface PodPlan extends PodIdentity {
  uid: string;
  labels: Record<string, string>;
}

/** What a target found when it removed everything a run created. */
export interface CleanupReport {
  /** Objects that needed force (e.g. a stop that never returned) before they went, with their pod. */
  forced: { pod: string; object: string }[];
  /** Objects the runtime still lists after cleanup (e.g. a container whose exit was lost). */
  leftovers: string[];
}

/**
 * A place pods can be churned: a CRI endpoint or a Kubernetes API. Both report through the same
 * EventSink vocabulary. Neither method throws for a pod's own failure: failures are recorded as
 * events so one bad pod never stops a batch.
 */
export interface ChurnTarget {
  readonly type: string;
  /** Resolves once the pod is ready (or has failed to get there). */
  createPod(pod: PodPlan, signal: AbortSignal): Promise<void>;
  /** Resolves once the pod is gone (or its deletion has a final outcome). */
  deletePod(pod: PodPlan, signal: AbortSignal): Promise<void>;
  /** Called before the creates (or the deletes) of a cycle start; a target may reset its pacing here. */
  beginPhase?(phase: 'create' | 'delete'): void;
  /** Removes everything labelled with this run, forcing where needed, and checks for leftovers. */
  cleanup(): Promise<CleanupReport>;
}

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

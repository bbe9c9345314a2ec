import type { PodEventKind } from '../engine/events.js';

/** What a pod came to; every pod has exactly one (docs/MEASUREMENTS.md). */
export const outcomes = ['ok', 'slow', 'stuck', 'stop-error', 'state-mismatch', 'force-deleted', 'infra-error', 'interrupted'] as const;
export type Outcome = (typeof outcomes)[number];

/**
 * What a containerd log says about one container's stop, from the CRI plugin's info-level lines (the same wording
 * in 1.6, 1.7 and 2.x): when StopContainer arrived and returned (or failed), and the exit event where the runtime
 * logs it at info (2.x). The node's wall clock, epoch ms.
 */
export interface ContainerStopLines {
  stopReceived?: number;
  exitReceived?: number;
  stopReturned?: number;
  stopFailed?: number;
}

/** The same for the pod's sandbox: StopPodSandbox, its network teardown and its return. */
export interface SandboxStopLines {
  stopReceived?: number;
  networkTornDown?: number;
  stopReturned?: number;
}

/** One pod's timeline (first sighting of each phase, monotonic ms) and what it came to. */
export interface PodRecord {
  pod: string;
  cell: string;
  rep: number;
  cycle: number;
  replica: number;
  containerId?: string;
  phases: Partial<Record<PodEventKind, number>>;
  /** Wall-clock time of each phase (epoch ms), to correlate with runtime logs. */
  wall: Partial<Record<PodEventKind, number>>;
  /** StopContainer returned OK - sent; absent when the stop failed or timed out (see stopFailure). */
  stopLatencyMs?: number;
  /** kube: gone (watch DELETED) - delete sent; absent when the deletion was only inferred at a relist. */
  deletionLatencyMs?: number;
  /** kube: the pod's DELETED was not observed but inferred when the watch relisted after a gap. */
  deletionInferred?: boolean;
  /** The run's primary latency for this pod (deletion on kube, stop on CRI): the one sample every verdict uses. */
  latencyMs?: number;
  createToRunningMs?: number;
  exitCode?: number;
  stopFailure?: { code: string; message: string };
  errors: { phase: string; code: string; message: string; infrastructure: boolean }[];
  /** CRI, sandboxInspectPeriodMs: the codes verbose PodSandboxStatus calls failed with during the container's create (not pod errors). */
  inspectFailures?: string[];
  probeCounts: Record<string, number>;
  probeErrorsDuringStop: number;
  /** CRI, a containerd podchurn started: the shim process serving the pod, measured (its executable and what `-v` reported). */
  shim?: { pid: number; exe: string; version: string };
  /**
   * CRI: the runtime's stamp on the container's CONTAINER_STOPPED_EVENT to its arrival on podchurn's
   * GetContainerEvents stream (phases['exit-event']), wall clock, ms: how late the exit event came.
   */
  exitEventDeliveryMs?: number;
  /** kube, a cluster whose containerd log the run copied: the runtime's own lines about the pod's deletion (measurements/runtime-log-waterfall/). */
  runtimeLog?: { container: ContainerStopLines; sandbox: SandboxStopLines };
  /** In a scenario with a runtimeStep: whether the pod's creation started before or after the step. */
  createdRelativeToStep?: 'before' | 'after';
  outcome: Outcome;
}

import type { Gates } from '../scenario/schema.js';
import type { LatencyStats } from '../stats/percentiles.js';
import type { Outcome } from './pod-record.js';
import type { Finding } from './finding.js';
import type { RuntimeMetricsSummary } from './runtime-metrics.js';

/** One gate of a cell, as evaluated. */
export interface GateResult {
  gate: keyof Gates;
  limit: number;
  /** null when there was nothing to measure (e.g. no deletion completed): such a gate fails. */
  measured: number | null;
  passed: boolean;
}

/** Bump on any incompatible change to summary.json; documented in docs/SUMMARY-SCHEMA.md. */
export const SUMMARY_SCHEMA_VERSION = 2;

/** Each target's one latency every verdict reads: deletion (kube), stop (cri). */
export type PrimaryLatencyName = 'deletion' | 'stop';

export type RunStatus = 'completed' | 'interrupted' | 'infrastructure-error';

export interface CellSummary {
  cell: string;
  name: string;
  axes: Record<string, unknown>;
  /** Versions the runtime reported while this cell ran (never the versions asked for). */
  runtime: { containerd: string; runc: string; criRuntimeVersion: string };
  settings: {
    pods: number;
    cycles: number;
    repetitions: number;
    batchSize: number;
    concurrency: number;
    gracePeriodSeconds: number;
    requestTimeoutSeconds: number;
    slackSeconds: number;
    onSigterm: string;
    execProbe: boolean;
  };
  podCount: number;
  outcomes: Record<Outcome, number>;
  /**
   * The run's primary latency (RunSummary.primaryLatency says which): what gates, compare,
   * --max-regression, history and every report read. Measured completions only.
   */
  latencyMs: LatencyStats | null;
  /** Deletions that ended without a latency sample, counted apart from the percentiles. */
  latencyExcluded: {
    /** StopContainer failed or timed out (CRI), or the pod was not gone by its deadline (kube). */
    failedStops: number;
    /** kube: DELETED inferred when the watch relisted after a gap, not observed. */
    inferredDeletions: number;
  };
  /** StopContainer sent -> returned OK, ms. */
  stopLatencyMs: LatencyStats | null;
  /** kube: DELETE sent -> watch DELETED, ms, over pods whose deletion was observed. */
  deletionLatencyMs: LatencyStats | null;
  createToRunningMs: LatencyStats | null;
  exitCodes: Record<string, number>;
  /**
   * Failed CRI calls by `phase:gRPC code`: `stop:` is StopContainer's own error (DEADLINE_EXCEEDED = stuck,
   * UNAVAILABLE = the runtime went away mid-stop); `create:` / `delete:` the call that ended a pod's create or delete.
   */
  criErrors: Record<string, number>;
  probes: Record<string, number>;
  probeErrorsDuringStop: number;
  signatures: Record<string, number>;
  /** Lost-exit evidence per 1,000 stops sent: stuck stops and state mismatches. */
  per1000Stops: { stops: number; stuck: number; stateMismatch: number };
  /**
   * CRI: stops after which CRI still said RUNNING but the task pid could not be read (event
   * state-unverified): neither a lost exit nor ruled out, so never counted as state-mismatch.
   */
  stateUnverified: number;
  /**
   * CRI: pods whose sandbox the runtime refused to stop or remove in the pod's own delete (event sandbox-not-removed),
   * including a sandbox a failed RunPodSandbox left behind. Absent in summaries written before podchurn counted it.
   */
  sandboxesNotRemoved?: number;
  /**
   * CRI with network.cni bridge: pods whose sandbox's IP host-local still held after the sandbox was gone (event ip-leaked: its
   * CNI DEL never ran). Absent in summaries written before podchurn counted it.
   */
  ipsLeaked?: number;
  /**
   * CRI: pods whose container's cgroup still held processes after the pod was gone (event process-left: e.g. a runc init a
   * cancelled StartContainer left). Absent in summaries written before podchurn counted it.
   */
  processesLeft?: number;
  /**
   * CRI, stopDuringStartAfterSeconds: pods whose container was RUNNING after a StopContainer sent during its start had returned OK
   * (event running-after-stop). Absent in summaries written before podchurn counted it.
   */
  stopsIgnored?: number;
  /**
   * CRI on a containerd podchurn started: pods grouped by the shim version measured from each pod's
   * shim process and, with a runtimeStep, by whether they were created before or after the step,
   * with their lost exits. Absent when no pod's shim was measured and no step ran.
   */
  byShim?: ShimGroup[];
  /**
   * containerd's and the kubelet's own stop and removal timers over the cell (their Prometheus
   * histograms scraped at each repetition's start and end; docs/MEASUREMENTS.md). Absent when no
   * endpoint was scraped (an existing CRI endpoint).
   */
  runtimeMetrics?: RuntimeMetricsSummary;
  /** CRI, runs that subscribed to the runtime's GetContainerEvents: the cell's stop waterfall. Absent otherwise. */
  stopWaterfall?: StopWaterfall;
  /**
   * kube, a cluster whose containerd log podchurn copied (local, kind): each deletion's time in the runtime, from the
   * runtime's own log lines joined with podchurn's timeline. Absent otherwise.
   */
  runtimeLogWaterfall?: RuntimeLogWaterfall;
  /** A cell with a runtimeStep: the pods whose deletion was under way when the step began, and whether they went afterwards. */
  stepRecovery?: StepRecovery;
  gates: GateResult[];
}

/**
 * CellSummary.stepRecovery (measurements/step-recovery/): pods whose delete was sent before a runtime step began
 * and that were not gone by then, and what became of them once the new daemon answered.
 */
export interface StepRecovery {
  /** Runtime steps in the cell (one per repetition and node). */
  steps: number;
  pendingAtStep: number;
  /** Of the pending pods: already past their stuck deadline (stop-failed) when the step began. */
  stuckAtStep: number;
  /** Of the pending pods: gone on their own after the step (cleanup did not force them). */
  recovered: number;
  /** Of the pending pods: still there when the cell ended, forced away by cleanup. */
  forced: number;
  /** Step end -> gone, for the recovered pods. */
  recoveryMs: LatencyStats | null;
}

/** The phases of a CRI stop, in the order podchurn's calls go (docs/MEASUREMENTS.md, "Stop waterfall"). */
export const stopWaterfallPhaseIds = [
  'sentToExitEvent',
  'exitEventToReturned',
  'sentToReturned',
  'returnedToRemoved',
  'removedToGone',
  'exitEventDelivery',
] as const;
export type StopWaterfallPhaseId = (typeof stopWaterfallPhaseIds)[number];

/**
 * The phases of a kube pod's deletion as the node's containerd logged them (docs/MEASUREMENTS.md, "Runtime log
 * waterfall"): podchurn's DELETE and the watch's DELETED (podchurn's wall clock) around the runtime's lines (the
 * node's wall clock; the same clock on local and kind nodes).
 */
export const runtimeLogWaterfallPhaseIds = [
  'sentToStopReceived',
  'stopReceivedToExit',
  'stopInRuntime',
  'stopReturnedToSandboxStop',
  'sandboxStopToNetworkTornDown',
  'sandboxStop',
  'sandboxStoppedToGone',
] as const;
export type RuntimeLogWaterfallPhaseId = (typeof runtimeLogWaterfallPhaseIds)[number];

/** CellSummary.runtimeLogWaterfall. */
export interface RuntimeLogWaterfall {
  /** Pods whose DELETE was sent and whose container id the watch reported. */
  pods: number;
  /** Of `pods`: the runtime logged StopContainer for the container. */
  withStopContainer: number;
  /** Of `withStopContainer`: it logged the return; the failure ("StopContainer ... failed", e.g. the deadline); neither by the end of the log. */
  stopReturned: number;
  stopFailed: number;
  stopUnanswered: number;
  /** Of `withStopContainer`: the runtime logged the container's exit event (containerd 2.x does at info level; 1.6 and 1.7 do not). */
  withExitLine: number;
  /** Of `pods`: the runtime logged StopPodSandbox returning for the pod's sandbox. */
  sandboxStopped: number;
  /** Per phase, ms, over the pods that have both ends of it. */
  phasesMs: Record<RuntimeLogWaterfallPhaseId, LatencyStats | null>;
}

/** CellSummary.stopWaterfall: podchurn's own stop timeline joined with the runtime's exit events. */
export interface StopWaterfall {
  /** Whether the runtime served GetContainerEvents for the cell's session; `not-served`: no pod can have an exit event. */
  exitEvents: 'streamed' | 'not-served';
  /** Times the stream ended during the session and was subscribed again (a runtime step restarts the daemon): exits in such a gap are missing, not lost. */
  streamEnds: number;
  /** Pods whose StopContainer was sent. */
  stops: number;
  /** Of `stops`: the exit event arrived; of those, before StopContainer returned (or failed). */
  withExitEvent: number;
  exitEventBeforeStopReturned: number;
  /**
   * Of `stops`: no exit event (the waterfall's "StopContainer sent, no exit event"); of those, the pid check found
   * the process gone (state-mismatch): lost exits.
   */
  withoutExitEvent: number;
  lostExits: number;
  /** Per phase, ms, over the pods that have both ends of it; exitEventToReturned is negative when the event came after the return. */
  phasesMs: Record<StopWaterfallPhaseId, LatencyStats | null>;
}

/** One group of CellSummary.byShim. */
export interface ShimGroup {
  /** What the serving shim's `-v` reported; `unmeasured` when its process was not found. */
  shimVersion: string;
  /** Present only in a cell with a runtimeStep. */
  createdRelativeToStep?: 'before' | 'after';
  pods: number;
  stops: number;
  /** Stops that never returned (DEADLINE_EXCEEDED, as per1000Stops.stuck counts them) and, of those, the ones the pid check proved lost (state-mismatch). */
  stuck: number;
  stateMismatch: number;
}

/**
 * What the run left behind. `leftInRuntime` lists objects the runtime still held after the
 * per-cell cleanup; for a runtime podchurn started, its teardown removes them with it (killed shims,
 * unmounted state), so only what survives that counts as `leaked`.
 */
export interface LeakCheck {
  forced: { pod: string; object: string }[];
  leftInRuntime: string[];
  removedWithRuntime: number;
  /** What a managed runtime's teardown removed from the host on behalf of those leftovers (network namespaces of sandboxes it kept). */
  removedAtTeardown?: string[];
  leaked: string[];
}

export interface RunSummary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  kind: 'podchurn-run-summary';
  runId: string;
  scenario: string;
  scenarioFile: string;
  target: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  measurement: Record<string, string>;
  /** Which latency CellSummary.latencyMs holds for this run's target, and its definition. */
  primaryLatency: { name: PrimaryLatencyName; definition: string };
  cells: CellSummary[];
  /** kube: stretches the pod watch missed (410 relists, reconnects), and deletions inferred at them. */
  watchGaps: { count: number; inferredDeletions: number; totalMs: number };
  /** Findings not tied to any pod of a cell (e.g. daemon-wide lines), by signature. */
  unattributedSignatures: Record<string, number>;
  topFindings: Finding[];
  leakCheck: LeakCheck;
  /** Keys of containerd config patches that `containerd config dump` does not show: containerd ignored them. */
  ignoredConfigKeys: { cluster: string; key: string; cells: string[] }[];
  /** Where evidence of each stuck pod was collected (paths relative to the run directory). */
  stuckEvidence: { cell: string; pod: string; dir: string }[];
  gatesPassed: boolean;
  exitCode: number;
  error?: string;
}

export const measurementDefinitions: Record<string, string> = {
  clock: 'Latencies use the monotonic clock of the podchurn process (process.hrtime); wall-clock stamps are kept only to correlate with runtime logs.',
  stopLatency:
    'Stop latency = StopContainer returned OK - StopContainer sent, per container; failed or timed-out stops are counted apart, never in the percentiles.',
  primaryLatency:
    'Each target has one primary latency that gates, comparisons, history and every report use: deletion latency on Kubernetes, stop latency on CRI.',
  deletionLatency:
    'kube: deletion latency = pod DELETED seen on the watch - DELETE sent, per pod (monotonic clock); deletions inferred at a watch relist after a gap ' +
    'are counted apart, never in the percentiles.',
  createToRunning: 'Create to running = StartContainer returned - RunPodSandbox sent.',
  percentiles: 'Nearest-rank percentiles over exact per-pod samples (events.jsonl).',
  stuck:
    'stuck = StopContainer did not return within grace + requestTimeoutSeconds (gRPC DEADLINE_EXCEEDED), as kubelet sees it; kube: the pod was not ' +
    'gone within grace + requestTimeoutSeconds of DELETE sent.',
  stateMismatch: 'state-mismatch = after the stop, CRI reports CONTAINER_RUNNING while the task pid no longer exists: a lost exit event.',
  slow: 'slow = the stop returned (kube: the pod was gone), but later than grace + slackSeconds.',
};

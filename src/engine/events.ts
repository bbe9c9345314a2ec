import type { Stamp } from '../util/clock.js';

/**
 * What happens to a pod, in one vocabulary shared by every target, so the engine, analysis and
 * reports never need to know which target ran. Each kind names its source in docs/MEASUREMENTS.md.
 */
export const podEventKinds = [
  'create-sent', // first create call sent (CRI: RunPodSandbox)
  'sandbox-ready', // CRI: RunPodSandbox returned
  'sandbox-left', // CRI: RunPodSandbox failed and the runtime kept the sandbox (NOT_READY); the pod's delete removes it (data: sandboxId, state)
  'sandbox-not-removed', // CRI: StopPodSandbox or RemovePodSandbox failed in the pod's delete; cleanup tries again (data: sandboxId, call, code, message)
  'process-left', // CRI: after the pod was gone, processes were still in its container's cgroup (data: containerId, cgroup, pids, commands)
  'ip-leaked', // CRI, network.cni bridge: after the pod was gone, host-local still held an IP for its sandbox (data: ip, sandboxId, network)
  'created', // container created (CRI: CreateContainer returned; kube: create call acknowledged)
  'scheduled', // kube: spec.nodeName set (bound) seen by the watch
  'running', // container started (CRI: StartContainer returned; kube: status.phase Running seen)
  'ready', // pod ready for deletion (CRI: = running; kube: Ready condition True seen)
  'delete-sent', // deletion started (CRI: StopContainer sent; kube: DELETE sent)
  'delete-acked', // kube: metadata.deletionTimestamp seen (the API accepted the deletion)
  'stop-returned', // CRI: StopContainer returned OK
  'stop-failed', // CRI: StopContainer returned an error (deadline = stuck); kube: not gone by grace + request timeout
  'stop-during-start', // CRI, stopDuringStartAfterSeconds: StopContainer sent while StartContainer may run (data: sentMs, returnedMs or code)
  'running-after-stop', // CRI: that stop returned OK, yet once the start returned the runtime said RUNNING: the container was never signalled
  'stop-retried', // CRI: after a runtime step among the stops, a failed stop sent again to the new daemon (data: ok, ms)
  'exit-event', // CRI: the runtime's CONTAINER_STOPPED_EVENT for the container arrived on GetContainerEvents
  'terminated', // the runtime reports the container exited (exit code, finished_at)
  'state-mismatch', // the runtime says RUNNING while the container's process is gone
  'state-unverified', // CRI: the runtime says RUNNING after the stop but the task pid could not be read (not a mismatch)
  'removed', // container removed
  'gone', // pod fully gone (CRI: RemovePodSandbox returned; kube: watch DELETED)
  'evidence', // kube: evidence of a stuck pod collected (directory in data)
  'shim-measured', // kube, a provider that sees the node's processes: the shim serving the pod, measured once it was ready (CRI: on ready)
  'probe-error', // an exec probe failed (class in data)
  'probe-summary', // exec probe counts by class for the pod's life
  'inspect-failed', // CRI, sandboxInspectPeriodMs: a verbose PodSandboxStatus during the container's create failed, once per code (data: code, ms, message)
  'inspected', // CRI, sandboxInspectPeriodMs: the verbose PodSandboxStatus calls during the container's create (data: calls, failures, maxMs)
  'error', // a call failed in a way that makes the pod an infrastructure error
] as const;
export type PodEventKind = (typeof podEventKinds)[number];

export const runEventKinds = [
  'run-start',
  'cell-start',
  'cell-end',
  'runtime-exited',
  'interrupted',
  'cleanup',
  'runtime-teardown',
  'watch-gap',
  'cluster-ready',
  'config-ignored',
  'cluster-teardown',
  'runtime-step', // the scenario's runtime step: a daemon replaced in place (data: from, to, downtimeMs; kube: node)
  'runtime-restored', // kube: a stepped node put back on the cell's own pins after the cell (same data as runtime-step)
  'metrics-scrape', // runtime-metrics: containerd's and the kubelet's timers at a cell's start and end (results/runtime-metrics.ts)
  'container-events', // CRI: the GetContainerEvents stream was subscribed, not served, or ended early (exit events may then be missing)
  'run-end',
] as const;
export type RunEventKind = (typeof runEventKinds)[number];

export interface PodIdentity {
  pod: string;
  cell: string;
  rep: number;
  cycle: number;
  replica: number;
}

export interface PodEvent extends PodIdentity, Stamp {
  kind: PodEventKind;
  data?: Record<string, unknown>;
}

export interface RunEvent extends Stamp {
  kind: RunEventKind;
  cell?: string;
  data?: Record<string, unknown>;
}

export type RecordedEvent = PodEvent | RunEvent;

export function isPodEvent(event: RecordedEvent): event is PodEvent {
  return 'pod' in event;
}

/** Where targets and the engine report what happened; the run writes these to events.jsonl. */
export interface EventSink {
  /** `at` is when it was observed, if earlier than now (e.g. a watch event received before it was processed). */
  pod(identity: PodIdentity, kind: PodEventKind, data?: Record<string, unknown>, at?: Stamp): PodEvent;
  run(kind: RunEventKind, data?: Record<string, unknown>, cell?: string): RunEvent;
}

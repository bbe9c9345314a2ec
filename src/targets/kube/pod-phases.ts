import type { V1Pod } from '@kubernetes/client-node';
import type { EventSink, PodEventKind, PodIdentity } from '../../engine/events.js';
import { LABEL_PREFIX, POD_LABEL } from '../../engine/churn.js';
import type { Stamp } from '../../util/clock.js';
import type { PodObservation } from './pod-watch.js';

/** Phases the watch can show, in the order a pod normally passes them. */
export const watchedPhases = ['scheduled', 'running', 'ready', 'delete-acked', 'terminated', 'gone'] as const;
export type WatchedPhase = (typeof watchedPhases)[number] & PodEventKind;

/** Which phases one observed pod object shows (a later phase does not imply the earlier ones). */
export function phasesShown(observation: Pick<PodObservation, 'type' | 'object'>): WatchedPhase[] {
  const { object: pod, type } = observation;
  const shown: WatchedPhase[] = [];
  if (pod.spec?.nodeName) shown.push('scheduled');
  const statuses = pod.status?.containerStatuses ?? [];
  if (pod.status?.phase === 'Running' || statuses.some((s) => s.state?.running)) shown.push('running');
  if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) shown.push('ready');
  if (pod.metadata?.deletionTimestamp) shown.push('delete-acked');
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || (statuses.length > 0 && statuses.every((s) => s.state?.terminated))) {
    shown.push('terminated');
  }
  if (type === 'DELETED') shown.push('gone');
  return shown;
}

/** A pod's identity, read back from the labels the engine put on it. */
export function identityFromLabels(labels: Record<string, string> | undefined): PodIdentity | undefined {
  const pod = labels?.[POD_LABEL];
  const cell = labels?.[`${LABEL_PREFIX}/cell`];
  if (!pod || !cell) return undefined;
  const number = (key: string) => Number(labels[`${LABEL_PREFIX}/${key}`] ?? 0);
  return { pod, cell, rep: number('rep'), cycle: number('cycle'), replica: number('replica') };
}

/** Exit code of the (first) terminated container, when the status shows one. */
function exitCodeOf(pod: V1Pod): number | undefined {
  return pod.status?.containerStatuses?.find((s) => s.state?.terminated)?.state?.terminated?.exitCode;
}

interface Waiter {
  phase: WatchedPhase;
  resolve: (seen: boolean) => void;
}

/**
 * The one consumer of pod observations: derives phases keyed by uid, first sighting wins, records
 * each as a PodEvent stamped with the time the observation was received, and wakes whoever waits
 * for a pod (by name) to reach a phase.
 */
export class PodPhaseTracker {
  private readonly seen = new Map<string, Set<WatchedPhase>>();
  private readonly uidByPod = new Map<string, string>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Observations of pods without podchurn labels, or in an order the phase table does not expect. */
  unlabelled = 0;

  constructor(private readonly events: EventSink) {}

  readonly consume = (observation: PodObservation): void => {
    const uid = observation.object.metadata?.uid;
    const identity = identityFromLabels(observation.object.metadata?.labels);
    if (!uid || !identity) {
      this.unlabelled++;
      return;
    }
    this.uidByPod.set(identity.pod, uid);
    let phases = this.seen.get(uid);
    if (!phases) {
      phases = new Set();
      this.seen.set(uid, phases);
    }
    for (const phase of phasesShown(observation)) {
      if (phases.has(phase)) continue;
      phases.add(phase);
      this.record(identity, uid, phase, observation, observation.receivedAt);
    }
    this.wakeWaiters(identity.pod, phases);
  };

  /** Whether the pod (by name) has been seen in this phase. */
  hasSeen(pod: string, phase: WatchedPhase): boolean {
    const uid = this.uidByPod.get(pod);
    return uid !== undefined && (this.seen.get(uid)?.has(phase) ?? false);
  }

  /** Resolves true once the pod reaches `phase`, false when the timeout or the signal comes first. */
  waitFor(pod: string, phase: WatchedPhase, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.hasSeen(pod, phase)) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = { phase, resolve: (seen) => finish(seen) };
      const list = this.waiters.get(pod) ?? [];
      list.push(waiter);
      this.waiters.set(pod, list);
      const timer = setTimeout(() => finish(false), timeoutMs);
      const onAbort = () => finish(false);
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (seen: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const remaining = (this.waiters.get(pod) ?? []).filter((w) => w !== waiter);
        if (remaining.length) this.waiters.set(pod, remaining);
        else this.waiters.delete(pod);
        resolve(seen);
      };
    });
  }

  private record(identity: PodIdentity, uid: string, phase: WatchedPhase, observation: PodObservation, at: Stamp): void {
    const data: Record<string, unknown> = { uid, source: 'watch' };
    if (observation.synthetic) data.synthetic = true;
    if (phase === 'terminated') {
      const exitCode = exitCodeOf(observation.object);
      if (exitCode !== undefined) data.exitCode = exitCode;
    }
    if (phase === 'running') {
      // containerd://<id>: the id the runtime's log lines name, so signature findings can be attributed to this pod.
      const containerId = observation.object.status?.containerStatuses?.find((s) => s.containerID)?.containerID?.replace(/^[a-z]+:\/\//, '');
      if (containerId) data.containerId = containerId;
    }
    if (phase === 'delete-acked') data.deletionTimestamp = String(serverTime(observation.object.metadata?.deletionTimestamp));
    this.events.pod(identity, phase, data, at);
  }

  private wakeWaiters(pod: string, phases: Set<WatchedPhase>): void {
    for (const waiter of [...(this.waiters.get(pod) ?? [])]) {
      if (phases.has(waiter.phase)) waiter.resolve(true);
      else if (phases.has('gone')) waiter.resolve(false);
    }
  }
}

/** Watch objects carry RFC 3339 strings, list results Date objects: both become an ISO string. */
function serverTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : value;
}

import type { PrimaryLatency } from './primary-latency.js';
import { isPodEvent, type PodEvent, type RecordedEvent } from '../../engine/events.js';
import type { Outcome, PodRecord } from '../../results/pod-record.js';

/** The limits that turn a pod's timeline into an outcome (from the cell's settings). */
export interface OutcomeLimits {
  gracePeriodSeconds: number;
  slackSeconds: number;
  requestTimeoutSeconds: number;
}

/** Folds events into per-pod records. First sighting of a phase wins, as a watch may repeat one. */
export function buildPodRecords(
  events: readonly RecordedEvent[],
  primary: PrimaryLatency,
  limitsFor: (cell: string) => OutcomeLimits,
  forced: ReadonlySet<string> = new Set(),
): PodRecord[] {
  const byPod = new Map<string, PodEvent[]>();
  for (const event of events) {
    if (!isPodEvent(event)) continue;
    const list = byPod.get(event.pod);
    if (list) list.push(event);
    else byPod.set(event.pod, [event]);
  }
  return [...byPod.values()].map((podEvents) => {
    const record = foldPod(podEvents, limitsFor(podEvents[0]!.cell), forced);
    record.latencyMs = primary.of(record);
    return record;
  });
}

function foldPod(events: PodEvent[], limits: OutcomeLimits, forced: ReadonlySet<string>): PodRecord {
  const first = events[0]!;
  const record: PodRecord = {
    pod: first.pod,
    cell: first.cell,
    rep: first.rep,
    cycle: first.cycle,
    replica: first.replica,
    phases: {},
    wall: {},
    errors: [],
    probeCounts: {},
    probeErrorsDuringStop: 0,
    outcome: 'ok',
  };
  for (const event of events) {
    if (record.phases[event.kind] === undefined) {
      record.phases[event.kind] = event.mono;
      record.wall[event.kind] = event.wall;
    }
    const data = event.data ?? {};
    // The CRI target names the container when it is created, the kube target when the watch sees it running.
    if (typeof data.containerId === 'string' && !record.containerId) record.containerId = data.containerId;
    switch (event.kind) {
      case 'terminated':
        record.exitCode = typeof data.exitCode === 'number' ? data.exitCode : undefined;
        break;
      case 'stop-failed':
        record.stopFailure = { code: String(data.code), message: String(data.message ?? '') };
        break;
      case 'error':
        record.errors.push({
          phase: String(data.phase),
          code: String(data.code),
          message: String(data.message ?? ''),
          infrastructure: data.infrastructure === true,
        });
        break;
      case 'probe-error':
        if (data.duringStop === true) record.probeErrorsDuringStop++;
        break;
      case 'probe-summary':
        for (const [probeClass, count] of Object.entries((data.counts ?? {}) as Record<string, number>)) {
          record.probeCounts[probeClass] = (record.probeCounts[probeClass] ?? 0) + count;
        }
        break;
      default:
        break;
    }
  }
  const { phases } = record;
  // A latency sample is a measured completion only: a stop that failed or timed out has no stop
  // latency, and a deletion inferred at a watch relist has no deletion latency; both are counted apart.
  if (phases['delete-sent'] !== undefined && phases['stop-returned'] !== undefined) record.stopLatencyMs = phases['stop-returned'] - phases['delete-sent'];
  // Only a watch-observed gone ends a kube deletion; a CRI pod's gone is its sandbox removal.
  const goneData = events.find((e) => e.kind === 'gone')?.data;
  if (goneData?.source === 'watch' && phases['delete-sent'] !== undefined && phases.gone !== undefined) {
    if (goneData.synthetic === true) record.deletionInferred = true;
    else record.deletionLatencyMs = phases.gone - phases['delete-sent'];
  }
  if (phases['create-sent'] !== undefined && phases.running !== undefined) record.createToRunningMs = phases.running - phases['create-sent'];
  record.outcome = classify(record, limits, forced.has(record.pod));
  return record;
}

/**
 * Outcome precedence, most specific first: a lost exit (state-mismatch) explains a stuck stop, and
 * a stuck stop explains why cleanup had to force the pod.
 */
export function classify(record: PodRecord, limits: OutcomeLimits, wasForced: boolean): Outcome {
  const { phases } = record;
  if (record.errors.some((e) => e.infrastructure || e.phase === 'create')) return 'infra-error';
  if (phases['state-mismatch'] !== undefined) return 'state-mismatch';
  if (record.stopFailure?.code === 'DEADLINE_EXCEEDED') return 'stuck';
  if (record.stopFailure || record.errors.length > 0) return 'stop-error';
  if (wasForced) return 'force-deleted';
  if (phases.gone === undefined) return 'interrupted';
  const latency = record.deletionLatencyMs ?? record.stopLatencyMs;
  if (latency !== undefined && latency > (limits.gracePeriodSeconds + limits.slackSeconds) * 1000) return 'slow';
  return 'ok';
}

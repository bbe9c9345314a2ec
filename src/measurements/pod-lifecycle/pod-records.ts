import type { PrimaryLatency } from './primary-latency.js';
import { isPodEvent, type PodEvent, type PodEventKind, type RecordedEvent } from '../../engine/events.js';
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
  const fold = new PodRecordFold();
  for (const event of events) if (isPodEvent(event)) fold.add(event);
  return fold.finish(primary, limitsFor, forced);
}

/** A pod's record while its events are still being read. */
interface PodInProgress {
  record: PodRecord;
  /**
   * First sighting of each phase, in order, kept in flat arrays until the pod is finished: numbers in
   * an array are stored unboxed, where each one written into `phases` while a million events stream
   * by was a separate heap object for the collector to move.
   */
  kinds: PodEventKind[];
  monos: number[];
  walls: number[];
  /** Data of the pod's first `gone` event (its source tells a watch-observed deletion). */
  goneData: Record<string, unknown> | undefined;
  goneSeen: boolean;
}

/**
 * The fold of buildPodRecords, fed one event at a time in file order, so a large events.jsonl can be
 * read as a stream: each event is folded into its pod's record as it is parsed and then dropped,
 * instead of a million events held at once. Records come out in order of each pod's first event.
 */
export class PodRecordFold {
  private readonly pods = new Map<string, PodInProgress>();

  add(event: PodEvent): void {
    let pod = this.pods.get(event.pod);
    if (!pod) {
      pod = { record: startRecord(event), kinds: [], monos: [], walls: [], goneData: undefined, goneSeen: false };
      this.pods.set(event.pod, pod);
    }
    if (event.kind === 'gone' && !pod.goneSeen) {
      pod.goneSeen = true;
      pod.goneData = event.data;
    }
    if (!pod.kinds.includes(event.kind)) {
      pod.kinds.push(event.kind);
      pod.monos.push(event.mono);
      pod.walls.push(event.wall);
    }
    foldEvent(pod.record, event);
  }

  finish(primary: PrimaryLatency, limitsFor: (cell: string) => OutcomeLimits, forced: ReadonlySet<string> = new Set()): PodRecord[] {
    const records: PodRecord[] = [];
    for (const { record, kinds, monos, walls, goneData } of this.pods.values()) {
      for (let i = 0; i < kinds.length; i++) {
        record.phases[kinds[i]!] = monos[i];
        record.wall[kinds[i]!] = walls[i];
      }
      finishRecord(record, goneData, limitsFor(record.cell), forced);
      record.latencyMs = primary.of(record);
      records.push(record);
    }
    return records;
  }
}

function startRecord(first: PodEvent): PodRecord {
  return {
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
}

const noData: Readonly<Record<string, unknown>> = Object.freeze({});

/** Everything but the phase times (PodRecordFold keeps those until the pod is finished). */
function foldEvent(record: PodRecord, event: PodEvent): void {
  const data = event.data ?? noData;
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

function finishRecord(record: PodRecord, goneData: Record<string, unknown> | undefined, limits: OutcomeLimits, forced: ReadonlySet<string>): void {
  const { phases } = record;
  // A latency sample is a measured completion only: a stop that failed or timed out has no stop
  // latency, and a deletion inferred at a watch relist has no deletion latency; both are counted apart.
  if (phases['delete-sent'] !== undefined && phases['stop-returned'] !== undefined) record.stopLatencyMs = phases['stop-returned'] - phases['delete-sent'];
  // Only a watch-observed gone ends a kube deletion; a CRI pod's gone is its sandbox removal.
  if (goneData?.source === 'watch' && phases['delete-sent'] !== undefined && phases.gone !== undefined) {
    if (goneData.synthetic === true) record.deletionInferred = true;
    else record.deletionLatencyMs = phases.gone - phases['delete-sent'];
  }
  if (phases['create-sent'] !== undefined && phases.running !== undefined) record.createToRunningMs = phases.running - phases['create-sent'];
  record.outcome = classify(record, limits, forced.has(record.pod));
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

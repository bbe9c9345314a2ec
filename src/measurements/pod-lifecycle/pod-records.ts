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

/**
 * Phase slots per pod: the 24 kinds podchurn writes, with room for a few a newer version may add. A
 * kind beyond them is written straight into its record (its phase then sits first in `phases`).
 */
const phaseSlots = 28;

/**
 * The fold of buildPodRecords, fed one event at a time in file order, so a large events.jsonl can be
 * read as a stream: each event is folded into its pod's record as it is parsed and then dropped,
 * instead of a million events held at once. Records come out in order of each pod's first event.
 *
 * The first sighting of each phase is kept in flat typed arrays until the pod is finished, not in the
 * record: each number written into `phases` as a million events stream by was a heap object for the
 * collector to move, and on a run of 100,000 pods that was a third of the analysis.
 */
export class PodRecordFold {
  private readonly podIndex = new Map<string, number>();
  private readonly records: PodRecord[] = [];
  /** Data of each pod's first `gone` event (its source tells a watch-observed deletion). */
  private readonly goneData: (Record<string, unknown> | undefined)[] = [];
  private readonly slotOfKind = new Map<string, number>();
  private readonly kindOfSlot: PodEventKind[] = [];
  /** Per pod: bit s is set once the kind in slot s was seen. */
  private seen = new Int32Array(1024);
  /** Per pod: how many phases were seen; per pod and sighting: the slot, mono and wall time. */
  private sightings = new Uint8Array(1024);
  private order = new Uint8Array(1024 * phaseSlots);
  private monos = new Float64Array(1024 * phaseSlots);
  private walls = new Float64Array(1024 * phaseSlots);

  add(event: PodEvent): void {
    let pod = this.podIndex.get(event.pod);
    if (pod === undefined) {
      pod = this.records.length;
      this.podIndex.set(event.pod, pod);
      this.records.push(startRecord(event));
      this.goneData.push(undefined);
      if (pod === this.seen.length) this.grow();
    }
    const record = this.records[pod]!;
    const slot = this.slotOf(event.kind);
    if (slot === undefined || typeof event.mono !== 'number' || typeof event.wall !== 'number') {
      if (record.phases[event.kind] === undefined) {
        record.phases[event.kind] = event.mono;
        record.wall[event.kind] = event.wall;
        if (event.kind === 'gone') this.goneData[pod] = event.data;
      }
    } else if ((this.seen[pod]! & (1 << slot)) === 0) {
      this.seen[pod]! |= 1 << slot;
      const at = pod * phaseSlots + this.sightings[pod]!++;
      this.order[at] = slot;
      this.monos[at] = event.mono;
      this.walls[at] = event.wall;
      if (event.kind === 'gone') this.goneData[pod] = event.data;
    }
    foldEvent(record, event);
  }

  finish(primary: PrimaryLatency, limitsFor: (cell: string) => OutcomeLimits, forced: ReadonlySet<string> = new Set()): PodRecord[] {
    this.records.forEach((record, pod) => {
      const base = pod * phaseSlots;
      for (let at = base; at < base + this.sightings[pod]!; at++) {
        const kind = this.kindOfSlot[this.order[at]!]!;
        record.phases[kind] = this.monos[at];
        record.wall[kind] = this.walls[at];
      }
      finishRecord(record, this.goneData[pod], limitsFor(record.cell), forced);
      record.latencyMs = primary.of(record);
    });
    return this.records;
  }

  private slotOf(kind: PodEventKind): number | undefined {
    const slot = this.slotOfKind.get(kind);
    if (slot !== undefined || this.kindOfSlot.length === phaseSlots) return slot;
    this.slotOfKind.set(kind, this.kindOfSlot.length);
    this.kindOfSlot.push(kind);
    return this.kindOfSlot.length - 1;
  }

  private grow(): void {
    const pods = this.seen.length * 2;
    const larger = <T extends Int32Array | Uint8Array | Float64Array>(from: T, make: (length: number) => T): T => {
      const to = make(pods * (from.length / this.seen.length));
      to.set(from);
      return to;
    };
    this.order = larger(this.order, (n) => new Uint8Array(n));
    this.monos = larger(this.monos, (n) => new Float64Array(n));
    this.walls = larger(this.walls, (n) => new Float64Array(n));
    this.sightings = larger(this.sightings, (n) => new Uint8Array(n));
    this.seen = larger(this.seen, (n) => new Int32Array(n));
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
  // The CRI target says these on the pod's ready event; the kube target, whose readiness comes from the watch, on its
  // create-sent and shim-measured events.
  if (data.createdRelativeToStep === 'before' || data.createdRelativeToStep === 'after') record.createdRelativeToStep = data.createdRelativeToStep;
  if (isShimReading(data.shim)) record.shim = { pid: data.shim.pid, exe: data.shim.exe, version: data.shim.version };
  switch (event.kind) {
    case 'terminated':
      record.exitCode = typeof data.exitCode === 'number' ? data.exitCode : undefined;
      break;
    case 'exit-event':
      // The runtime stamps the event in nanoseconds of its wall clock; the host's wall clock stamped its arrival.
      if (record.exitEventDeliveryMs === undefined && typeof data.runtimeAtNs === 'string' && /^\d+$/.test(data.runtimeAtNs)) {
        record.exitEventDeliveryMs = Math.max(0, Math.round((event.wall - Number(data.runtimeAtNs) / 1e6) * 10) / 10);
      }
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
    case 'inspect-failed':
      // An observation of the runtime next to the pod's create, not a failure of the pod: it leaves the outcome alone.
      record.inspectFailures = [...(record.inspectFailures ?? []), String(data.code)];
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

function isShimReading(value: unknown): value is { pid: number; exe: string; version: string } {
  if (typeof value !== 'object' || value === null) return false;
  const shim = value as Record<string, unknown>;
  return typeof shim.pid === 'number' && typeof shim.exe === 'string' && typeof shim.version === 'string';
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

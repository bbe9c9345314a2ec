import type { CellMeasurement } from '../measurement.js';
import type { PodEventKind, RunEvent } from '../../engine/events.js';
import type { PodRecord } from '../../results/pod-record.js';
import { stopWaterfallPhaseIds, type StopWaterfall, type StopWaterfallPhaseId } from '../../results/summary.js';
import { latencyStats } from '../../stats/percentiles.js';

/** How one runtime's GetContainerEvents subscription went, read from its `container-events` run events. */
export interface ExitStreamRecord {
  subscribed: boolean;
  notServed: boolean;
  ends: number;
}

/** Per runtime instance, what its `container-events` run events said. */
export function exitStreamsByRuntime(runEvents: readonly RunEvent[]): Map<string, ExitStreamRecord> {
  const streams = new Map<string, ExitStreamRecord>();
  for (const event of runEvents) {
    if (event.kind !== 'container-events') continue;
    const runtime = String(event.data?.runtime);
    const stream = streams.get(runtime) ?? { subscribed: false, notServed: false, ends: 0 };
    if (event.data?.state === 'subscribed') stream.subscribed = true;
    else if (event.data?.state === 'not-served') stream.notServed = true;
    else if (event.data?.state === 'ended') stream.ends++;
    streams.set(runtime, stream);
  }
  return streams;
}

/** The end of a StopContainer call, returned or failed: where the stop's own bar ends. */
const stopEnded = (record: PodRecord) => record.phases['stop-returned'] ?? record.phases['stop-failed'];

/** Each phase: its two ends (phase kinds) on the monotonic clock, or its own figure. */
const phaseSpans: Record<StopWaterfallPhaseId, (record: PodRecord) => number | undefined> = {
  sentToExitEvent: (r) => between(r, 'delete-sent', 'exit-event'),
  exitEventToReturned: (r) => between(r, 'exit-event', 'stop-returned'),
  sentToReturned: (r) => between(r, 'delete-sent', 'stop-returned'),
  returnedToRemoved: (r) => between(r, 'stop-returned', 'removed'),
  removedToGone: (r) => between(r, 'removed', 'gone'),
  exitEventDelivery: (r) => r.exitEventDeliveryMs,
};

function between(record: PodRecord, from: PodEventKind, to: PodEventKind): number | undefined {
  const start = record.phases[from];
  const end = record.phases[to];
  return start === undefined || end === undefined ? undefined : end - start;
}

/**
 * A cell's stop waterfall from its pods' records: how many stops had the runtime's exit event, how
 * many did not and which of those the pid check proved lost, and each phase's percentiles. Nothing
 * when the session never subscribed (a run recorded before podchurn did, or another target).
 */
export function summarizeStopWaterfall(records: readonly PodRecord[], stream: ExitStreamRecord | undefined): { stopWaterfall?: StopWaterfall } {
  if (!stream?.subscribed) return {};
  const stopped = records.filter((r) => r.phases['delete-sent'] !== undefined);
  const withExit = stopped.filter((r) => r.phases['exit-event'] !== undefined);
  const withoutExit = stopped.filter((r) => r.phases['exit-event'] === undefined);
  const phasesMs = Object.fromEntries(
    stopWaterfallPhaseIds.map((id) => [
      id,
      latencyStats(
        stopped.flatMap((r) => {
          const value = phaseSpans[id](r);
          return value === undefined ? [] : [value];
        }),
      ),
    ]),
  ) as StopWaterfall['phasesMs'];
  return {
    stopWaterfall: {
      exitEvents: stream.notServed ? 'not-served' : 'streamed',
      streamEnds: stream.ends,
      stops: stopped.length,
      withExitEvent: withExit.length,
      exitEventBeforeStopReturned: withExit.filter((r) => {
        const end = stopEnded(r);
        return end !== undefined && r.phases['exit-event']! <= end;
      }).length,
      withoutExitEvent: withoutExit.length,
      lostExits: withoutExit.filter((r) => r.phases['state-mismatch'] !== undefined).length,
      phasesMs,
    },
  };
}

/** The stop waterfall as a cell measurement: the exit events are recorded by the CRI target's stream. */
export const stopWaterfallMeasurement: CellMeasurement = {
  id: 'stop-waterfall',
  summarize: ({ records, runEvents, runtime }) => summarizeStopWaterfall(records, runtime && exitStreamsByRuntime(runEvents).get(runtime.instance)),
};

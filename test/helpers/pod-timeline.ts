import type { PodEvent, PodEventKind } from '../../src/engine/events.js';

/** One step of a scripted pod timeline: [kind, monotonic ms, data?]. */
export type TimelineStep = [PodEventKind, number, Record<string, unknown>?];

/** A scripted timeline of one pod of cell-01 (wall = a fixed epoch + mono), for replaying into the analysis. */
export function podTimeline(pod: string, steps: readonly TimelineStep[], replica = 0): PodEvent[] {
  return steps.map(([kind, mono, data]) => ({
    kind,
    mono,
    wall: 1_700_000_000_000 + mono,
    pod,
    cell: 'cell-01',
    rep: 1,
    cycle: 1,
    replica,
    ...(data ? { data } : {}),
  }));
}

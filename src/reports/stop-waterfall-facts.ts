import type { CellSummary, RunSummary, StopWaterfallPhaseId } from '../results/summary.js';
import { formatMs } from './format.js';

/** What each phase of CellSummary.stopWaterfall spans, in the words every report uses. */
export const stopWaterfallPhaseLabels: Record<StopWaterfallPhaseId, string> = {
  sentToExitEvent: 'StopContainer sent → exit event',
  exitEventToReturned: 'exit event → StopContainer returned (negative: event after the return)',
  sentToReturned: 'StopContainer sent → returned',
  returnedToRemoved: 'StopContainer returned → RemoveContainer returned',
  removedToGone: 'RemoveContainer returned → StopPodSandbox + RemovePodSandbox returned',
  exitEventDelivery: "exit event: runtime's stamp → arrival",
};

export const stopWaterfallCountHeaders = [
  'cell',
  'exit events',
  'stops',
  'with exit event',
  'of them before the return',
  'no exit event',
  'lost exits (pid gone)',
  'stream ends',
];
export const stopWaterfallPhaseHeaders = ['cell', 'phase', 'pods', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];

export const waterfallCells = (summary: RunSummary): CellSummary[] => summary.cells.filter((c) => c.stopWaterfall !== undefined);

/** One row per cell with a waterfall: how many stops had their exit event, and the lost ones. Plain text; the renderer escapes. */
export function stopWaterfallCountRows(summary: RunSummary): string[][] {
  return waterfallCells(summary).map((c) => {
    const w = c.stopWaterfall!;
    const served = w.exitEvents === 'streamed';
    return [
      c.cell,
      served ? 'streamed' : 'not served by the runtime',
      String(w.stops),
      served ? String(w.withExitEvent) : '-',
      served ? String(w.exitEventBeforeStopReturned) : '-',
      served ? String(w.withoutExitEvent) : '-',
      served ? String(w.lostExits) : '-',
      String(w.streamEnds),
    ];
  });
}

/** One row per cell and phase that has samples. */
export function stopWaterfallPhaseRows(summary: RunSummary): string[][] {
  return waterfallCells(summary).flatMap((c) =>
    Object.entries(c.stopWaterfall!.phasesMs).flatMap(([id, stats]) =>
      stats === null
        ? []
        : [
            [
              c.cell,
              stopWaterfallPhaseLabels[id as StopWaterfallPhaseId],
              String(stats.count),
              formatMs(stats.p50),
              formatMs(stats.p95),
              formatMs(stats.p99),
              formatMs(stats.max),
            ],
          ],
    ),
  );
}

export const stopWaterfallSentence =
  "The runtime's own exit event (CRI GetContainerEvents, CONTAINER_STOPPED_EVENT) joined with podchurn's calls, monotonic clock, per pod. A stop with " +
  'no exit event whose process the pid check found gone is a lost exit; a stop with no exit event while the stream was ended (stream ends > 0) may have ' +
  'fallen in the gap.';

import type { LatencyStats } from '../stats/percentiles.js';
import type { CellSummary, RunSummary, RuntimeLogWaterfallPhaseId, StopWaterfallPhaseId } from '../results/summary.js';
import { formatMs } from './format.js';

/** What each phase of CellSummary.stopWaterfall spans, in the words every report uses. */
const stopWaterfallPhaseLabels: Record<StopWaterfallPhaseId, string> = {
  sentToExitEvent: 'StopContainer sent → exit event',
  exitEventToReturned: 'exit event → StopContainer returned (negative: event after the return)',
  sentToReturned: 'StopContainer sent → returned',
  returnedToRemoved: 'StopContainer returned → RemoveContainer returned',
  removedToGone: 'RemoveContainer returned → StopPodSandbox + RemovePodSandbox returned',
  exitEventDelivery: "exit event: runtime's stamp → arrival",
};

const stopWaterfallCountHeaders = [
  'cell',
  'exit events',
  'stops',
  'with exit event',
  'of them before the return',
  'no exit event',
  'lost exits (pid gone)',
  'stream ends',
];
export const waterfallPhaseHeaders = ['cell', 'phase', 'pods', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];

const waterfallCells = (summary: RunSummary): CellSummary[] => summary.cells.filter((c) => c.stopWaterfall !== undefined);

/** One row per cell with a waterfall: how many stops had their exit event, and the lost ones. Plain text; the renderer escapes. */
function stopWaterfallCountRows(summary: RunSummary): string[][] {
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

/** One row per cell and phase that has samples, in the labels' order. */
function phaseRows<Id extends string>(
  cells: readonly CellSummary[],
  phasesOf: (cell: CellSummary) => Record<Id, LatencyStats | null>,
  labels: Record<Id, string>,
): string[][] {
  return cells.flatMap((c) =>
    (Object.keys(labels) as Id[]).flatMap((id) => {
      const stats = phasesOf(c)[id];
      return stats ? [[c.cell, labels[id], String(stats.count), formatMs(stats.p50), formatMs(stats.p95), formatMs(stats.p99), formatMs(stats.max)]] : [];
    }),
  );
}

/** One row per cell and phase that has samples. */
function stopWaterfallPhaseRows(summary: RunSummary): string[][] {
  return phaseRows(waterfallCells(summary), (c) => c.stopWaterfall!.phasesMs, stopWaterfallPhaseLabels);
}

const stopWaterfallSentence =
  "The runtime's own exit event (CRI GetContainerEvents, CONTAINER_STOPPED_EVENT) joined with podchurn's calls, monotonic clock, per pod. A stop with " +
  'no exit event whose process the pid check found gone is a lost exit; a stop with no exit event while the stream was ended (stream ends > 0) may have ' +
  'fallen in the gap.';

/** What each phase of CellSummary.runtimeLogWaterfall spans. */
const runtimeLogWaterfallPhaseLabels: Record<RuntimeLogWaterfallPhaseId, string> = {
  sentToStopReceived: 'DELETE sent → StopContainer in the runtime',
  stopReceivedToExit: 'StopContainer → exit event logged',
  stopInRuntime: 'StopContainer → returned',
  stopReturnedToSandboxStop: 'StopContainer returned → StopPodSandbox',
  sandboxStopToNetworkTornDown: 'StopPodSandbox → network torn down',
  sandboxStop: 'StopPodSandbox → returned',
  sandboxStoppedToGone: 'StopPodSandbox returned → watch DELETED',
};

const runtimeLogWaterfallCountHeaders = [
  'cell',
  'deletions',
  'StopContainer logged',
  'returned',
  'failed',
  'no answer',
  'exit event logged',
  'sandbox stopped',
];

const runtimeLogCells = (summary: RunSummary): CellSummary[] => summary.cells.filter((c) => c.runtimeLogWaterfall !== undefined);

function runtimeLogWaterfallCountRows(summary: RunSummary): string[][] {
  return runtimeLogCells(summary).map((c) => {
    const w = c.runtimeLogWaterfall!;
    return [c.cell, w.pods, w.withStopContainer, w.stopReturned, w.stopFailed, w.stopUnanswered, w.withExitLine, w.sandboxStopped].map(String);
  });
}

function runtimeLogWaterfallPhaseRows(summary: RunSummary): string[][] {
  return phaseRows(runtimeLogCells(summary), (c) => c.runtimeLogWaterfall!.phasesMs, runtimeLogWaterfallPhaseLabels);
}

const runtimeLogWaterfallSentence =
  "Each deletion as the node's containerd logged it (its CRI lines at info level, the node's wall clock), joined with podchurn's DELETE and the " +
  "watch's DELETED (podchurn's wall clock; the same clock on local and kind nodes). A StopContainer with no answer by the end of the log is the " +
  "runtime's side of a stuck pod; containerd 1.6 and 1.7 do not log the exit event at info level, 2.x does.";

/** A waterfall table pair as every report shows it: one row of counts per cell, then the phase percentiles. */
export interface WaterfallSection {
  title: string;
  sentence: string;
  countHeaders: string[];
  countRows: string[][];
  phaseRows: string[][];
}

/** The waterfall sections a run has: CRI's exit-event waterfall, the runtime log's on clusters. */
export function waterfallSections(summary: RunSummary): WaterfallSection[] {
  const sections: WaterfallSection[] = [];
  if (waterfallCells(summary).length) {
    sections.push({
      title: 'Stop waterfall',
      sentence: stopWaterfallSentence,
      countHeaders: stopWaterfallCountHeaders,
      countRows: stopWaterfallCountRows(summary),
      phaseRows: stopWaterfallPhaseRows(summary),
    });
  }
  if (runtimeLogCells(summary).length) {
    sections.push({
      title: 'Deletion waterfall from the runtime log',
      sentence: runtimeLogWaterfallSentence,
      countHeaders: runtimeLogWaterfallCountHeaders,
      countRows: runtimeLogWaterfallCountRows(summary),
      phaseRows: runtimeLogWaterfallPhaseRows(summary),
    });
  }
  return sections;
}

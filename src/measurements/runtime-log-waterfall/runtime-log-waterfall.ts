import type { ContainerStopLines, PodRecord, SandboxStopLines } from '../../results/pod-record.js';
import { runtimeLogWaterfallPhaseIds, type RuntimeLogWaterfall, type RuntimeLogWaterfallPhaseId } from '../../results/summary.js';
import { latencyStats } from '../../stats/percentiles.js';
import type { CellMeasurement } from '../measurement.js';
import { attachRuntimeLogLines } from './runtime-log-lines.js';

/** One pod's deletion on the wall clock: podchurn's two ends and the runtime's lines between them. */
interface PodStopTimeline {
  deleteSent: number;
  gone?: number;
  container: ContainerStopLines;
  sandbox: SandboxStopLines;
}

const span = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? undefined : to - from);

const phaseSpans: Record<RuntimeLogWaterfallPhaseId, (pod: PodStopTimeline) => number | undefined> = {
  sentToStopReceived: (p) => span(p.deleteSent, p.container.stopReceived),
  stopReceivedToExit: (p) => span(p.container.stopReceived, p.container.exitReceived),
  stopInRuntime: (p) => span(p.container.stopReceived, p.container.stopReturned),
  stopReturnedToSandboxStop: (p) => span(p.container.stopReturned, p.sandbox.stopReceived),
  sandboxStopToNetworkTornDown: (p) => span(p.sandbox.stopReceived, p.sandbox.networkTornDown),
  sandboxStop: (p) => span(p.sandbox.stopReceived, p.sandbox.stopReturned),
  sandboxStoppedToGone: (p) => span(p.sandbox.stopReturned, p.gone),
};

function timelineOf(record: PodRecord): PodStopTimeline | undefined {
  const deleteSent = record.wall['delete-sent'];
  if (deleteSent === undefined || !record.containerId) return undefined;
  return { deleteSent, gone: record.wall.gone, container: record.runtimeLog?.container ?? {}, sandbox: record.runtimeLog?.sandbox ?? {} };
}

/**
 * A cell's deletions as the runtime logged them. Nothing when no pod of the cell has a StopContainer
 * line (no log was copied, or the runtime logs elsewhere): an absent waterfall, not one of zeros.
 */
export function summarizeRuntimeLogWaterfall(records: readonly PodRecord[]): RuntimeLogWaterfall | undefined {
  const pods = records.flatMap((record) => timelineOf(record) ?? []);
  const stopped = pods.filter((p) => p.container.stopReceived !== undefined);
  if (stopped.length === 0) return undefined;
  const phasesMs = Object.fromEntries(
    runtimeLogWaterfallPhaseIds.map((id) => [id, latencyStats(pods.flatMap((pod) => phaseSpans[id](pod) ?? []))]),
  ) as RuntimeLogWaterfall['phasesMs'];
  const returned = stopped.filter((p) => p.container.stopReturned !== undefined).length;
  const failed = stopped.filter((p) => p.container.stopReturned === undefined && p.container.stopFailed !== undefined).length;
  return {
    pods: pods.length,
    withStopContainer: stopped.length,
    stopReturned: returned,
    stopFailed: failed,
    stopUnanswered: stopped.length - returned - failed,
    withExitLine: stopped.filter((p) => p.container.exitReceived !== undefined).length,
    sandboxStopped: pods.filter((p) => p.sandbox.stopReturned !== undefined).length,
    phasesMs,
  };
}

/** The runtime-log waterfall as a cell measurement: from the containerd logs the run copied into logs/. */
export const runtimeLogWaterfallMeasurement: CellMeasurement = {
  id: 'runtime-log-waterfall',
  appliesTo: ['kube'],
  readRuntimeLogs: attachRuntimeLogLines,
  summarize: ({ records }) => {
    const runtimeLogWaterfall = summarizeRuntimeLogWaterfall(records);
    return runtimeLogWaterfall ? { runtimeLogWaterfall } : {};
  },
};

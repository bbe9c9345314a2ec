import type { RunEvent } from '../../engine/events.js';
import type { PodRecord } from '../../results/pod-record.js';
import type { StepRecovery } from '../../results/summary.js';
import { latencyStats } from '../../stats/percentiles.js';
import type { CellMeasurement } from '../measurement.js';

interface StepWindow {
  beganMs: number;
  endedMs: number;
}

/** The cell's runtime steps as monotonic windows: `startedAt` in the event's data to the event's own stamp. */
function stepWindows(cellId: string, runEvents: readonly RunEvent[]): StepWindow[] {
  return runEvents.flatMap((event) => {
    if (event.kind !== 'runtime-step' || event.cell !== cellId) return [];
    const startedAt = event.data?.startedAt as { mono?: unknown } | undefined;
    return typeof startedAt?.mono === 'number' ? [{ beganMs: startedAt.mono, endedMs: event.mono }] : [];
  });
}

/** Pods the cell's cleanups had to force away (the `forced` lists of its cleanup events). */
function forcedPods(cellId: string, runEvents: readonly RunEvent[]): Set<string> {
  const forced = new Set<string>();
  for (const event of runEvents) {
    if (event.kind !== 'cleanup' || event.cell !== cellId || !Array.isArray(event.data?.forced)) continue;
    for (const entry of event.data.forced as { pod?: unknown }[]) if (typeof entry.pod === 'string') forced.add(entry.pod);
  }
  return forced;
}

/**
 * What a runtime step did to pods whose deletion was under way when it began: the write-up's remedy
 * ("restart containerd") measured. A pod is pending at a step when it was created and its delete sent
 * before the step began and it was not gone by then; it recovered when it went on its own afterwards
 * (cleanup did not force it), and its recovery time is step end -> gone.
 */
export function summarizeStepRecovery(cellId: string, records: readonly PodRecord[], runEvents: readonly RunEvent[]): StepRecovery | undefined {
  const windows = stepWindows(cellId, runEvents);
  if (windows.length === 0) return undefined;
  const forced = forcedPods(cellId, runEvents);
  let pendingAtStep = 0;
  let stuckAtStep = 0;
  let recovered = 0;
  const recoveryMs: number[] = [];
  for (const record of records) {
    const { phases } = record;
    const deleteSent = phases['delete-sent'];
    const gone = phases.gone;
    if (deleteSent === undefined) continue;
    const step = windows.find((w) => deleteSent < w.beganMs && (gone === undefined || gone > w.beganMs));
    if (!step) continue;
    pendingAtStep++;
    if (phases['stop-failed'] !== undefined && phases['stop-failed'] < step.beganMs) stuckAtStep++;
    if (gone !== undefined && !forced.has(record.pod)) {
      recovered++;
      recoveryMs.push(Math.max(0, gone - step.endedMs));
    }
  }
  return { steps: windows.length, pendingAtStep, stuckAtStep, recovered, forced: pendingAtStep - recovered, recoveryMs: latencyStats(recoveryMs) };
}

export const stepRecoveryMeasurement: CellMeasurement = {
  id: 'step-recovery',
  summarize: ({ cellId, records, runEvents }) => {
    const stepRecovery = summarizeStepRecovery(cellId, records, runEvents);
    return stepRecovery ? { stepRecovery } : {};
  },
};

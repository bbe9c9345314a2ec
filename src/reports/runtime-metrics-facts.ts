import type { TimerDelta } from '../results/runtime-metrics.js';
import type { CellSummary, RunSummary } from '../results/summary.js';
import { formatMs } from './format.js';

/** CellSummary.runtimeMetrics as every report states it. Plain text; each renderer escapes. */
export const runtimeMetricsSentence =
  "containerd's and the kubelet's own timers (Prometheus histograms scraped at each repetition's start and end), their change over the cell, summed " +
  'over repetitions and nodes; p50/p99 are estimated from the histogram buckets.';

export const runtimeMetricsHeaders = ['cell', 'source', 'timer', 'count', 'mean ms', 'p50 ms', 'p99 ms'];

export const runtimeMetricsCells = (summary: RunSummary): CellSummary[] => summary.cells.filter((c) => c.runtimeMetrics !== undefined);

const timerName = (t: TimerDelta) => (t.operation === undefined ? t.metric : `${t.metric}{${t.operation}}`);

/** One row per timer of each cell that was scraped. */
export function runtimeMetricsRows(summary: RunSummary): string[][] {
  return runtimeMetricsCells(summary).flatMap((c) =>
    c.runtimeMetrics!.timers.map((t) => [c.cell, t.kind, timerName(t), String(t.count), formatMs(t.meanMs), formatMs(t.p50Ms), formatMs(t.p99Ms)]),
  );
}

/** Scrape failures and restarts, per cell. */
export function runtimeMetricsNotes(summary: RunSummary): string[] {
  return runtimeMetricsCells(summary).flatMap((c) => c.runtimeMetrics!.notes.map((note) => `${c.cell}: ${note}`));
}

/** The stop timers in one line per cell, for the terminal: containerd's StopContainer and the kubelet's stop_container. */
export function runtimeMetricsLines(summary: RunSummary): string[] {
  return runtimeMetricsCells(summary).map((c) => {
    const parts = c
      .runtimeMetrics!.timers.filter((t) => t.metric === 'containerd_cri_container_stop_seconds' || t.operation === 'stop_container')
      .map((t) => `${t.kind} ${t.kind === 'kubelet' ? 'stop_container' : 'container stop'} ${t.count}x mean ${formatMs(t.meanMs)} p99 ${formatMs(t.p99Ms)} ms`);
    const notes = c.runtimeMetrics!.notes.length ? ` (${c.runtimeMetrics!.notes.length} scrape note(s))` : '';
    return `Runtime timers ${c.cell}: ${parts.join('; ') || 'none scraped'}${notes}`;
  });
}

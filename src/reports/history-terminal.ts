import type { HistoryRow } from '../results/history.js';
import { formatMs } from './format.js';
import { groupSeries } from './history-series.js';
import { renderTable } from './table.js';

/** `podchurn history DB`: one table per scenario/cell, oldest run first. */
export function renderHistoryTerminal(rows: readonly HistoryRow[]): string {
  const series = groupSeries(rows);
  if (series.length === 0) return 'The history has no runs (yet).';
  return series
    .map((s) =>
      [
        `${s.scenario} / ${s.cellName} (${s.rows.length} run(s))`,
        renderTable(
          ['started', 'run', 'containerd/runc', 'status', 'stops', 'stuck', `${s.latency} p50 ms`, 'p95 ms', 'p99 ms', 'max ms'],
          s.rows.map((r) => [
            r.startedAt.slice(0, 19),
            r.runId,
            `${r.containerd}/${r.runc}`,
            r.status,
            String(r.stops),
            String(r.stuck),
            formatMs(r.p50),
            formatMs(r.p95),
            formatMs(r.p99),
            formatMs(r.max),
          ]),
        ),
      ].join('\n'),
    )
    .join('\n\n');
}

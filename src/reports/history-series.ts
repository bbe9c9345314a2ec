import type { HistoryRow } from '../results/history.js';

/** The runs of one scenario/cell in time order: one trend line. */
export interface HistorySeries {
  scenario: string;
  cellName: string;
  /** The latency the percentiles are of; one series never mixes two. */
  latency: string;
  rows: HistoryRow[];
}

export function groupSeries(rows: readonly HistoryRow[]): HistorySeries[] {
  const series = new Map<string, HistorySeries>();
  for (const row of rows) {
    const key = `${row.scenario}\u0000${row.cellName}\u0000${row.latency}`;
    let entry = series.get(key);
    if (!entry) {
      entry = { scenario: row.scenario, cellName: row.cellName, latency: row.latency, rows: [] };
      series.set(key, entry);
    }
    entry.rows.push(row);
  }
  return [...series.values()];
}

import type { HistoryRow } from '../results/history.js';

/** The runs of one scenario/cell in time order: one trend line. */
export interface HistorySeries {
  scenario: string;
  cellName: string;
  rows: HistoryRow[];
}

export function groupSeries(rows: readonly HistoryRow[]): HistorySeries[] {
  const series = new Map<string, HistorySeries>();
  for (const row of rows) {
    const key = `${row.scenario}\u0000${row.cellName}`;
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { scenario: row.scenario, cellName: row.cellName, rows: [] }));
    entry.rows.push(row);
  }
  return [...series.values()];
}

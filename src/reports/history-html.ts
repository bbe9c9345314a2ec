import { createHash } from 'node:crypto';
import type { HistoryRow } from '../results/history.js';
import { escapeHtml as h, jsonForScript } from './escape.js';
import { formatMs } from './format.js';
import { groupSeries } from './history-series.js';
import { inlineSafe, loadUplotAssets, type ChartAssets } from './uplot-assets.js';

/** Draws one time chart per scenario/cell from the embedded JSON; never writes HTML. */
const trendScript =
  `
(function () {
  'use strict';
  var series = JSON.parse(document.getElementById('podchurn-history').textContent);
  var w = Math.max(480, Math.min(1100, document.documentElement.clientWidth - 48));
  series.forEach(function (s, i) {
    var el = document.getElementById('trend-' + i);
    try {
      new uPlot({
        title: 'Stop latency trend', width: w, height: 280,
        scales: { x: { time: true } },
        axes: [{}, { label: 'ms' }],
        series: [{}, { label: 'p50', stroke: '#1f77b4', width: 2 }, { label: 'p95', stroke: '#ff7f0e', width: 2 }, { label: 'p99', stroke: '#d62728', ` +
  `width: 2 }],
      }, [s.t, s.p50, s.p95, s.p99], el);
    } catch (error) { console.error('chart failed: ' + (error && error.message)); }
  });
  document.documentElement.setAttribute('data-charts', 'drawn');
})();
`;

/** history.html: a self-contained trend report of every scenario/cell in a history database. */
export function renderHistoryHtml(rows: readonly HistoryRow[], assets: ChartAssets = loadUplotAssets()): string {
  const series = groupSeries(rows);
  const data = series.map((s) => ({
    t: s.rows.map((r) => Date.parse(r.startedAt) / 1000),
    p50: s.rows.map((r) => r.p50),
    p95: s.rows.map((r) => r.p95),
    p99: s.rows.map((r) => r.p99),
  }));
  const library = inlineSafe(assets.js);
  const script = inlineSafe(trendScript);
  const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
  const csp =
    `default-src 'none'; script-src ` +
    `'sha256-${hash(library)}' 'sha256-${hash(script)}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  const sections = series.map((s, i) => {
    const rowsHtml = s.rows
      .map(
        (r) =>
          `<tr><td>${h(r.startedAt.slice(0, 19))}</td><td>${h(r.runId)}</td><td>${h(`${r.containerd}/${r.runc}`)}</td><td>${h(r.status)}</td>` +
          `<td>${r.stuck}/${r.stops}</td><td>${formatMs(r.p50)}</td><td>${formatMs(r.p95)}</td><td>${formatMs(r.p99)}</td></tr>`,
      )
      .join('\n');
    return (
      `<h2>${h(s.scenario)} / ${h(s.cellName)}</h2><div class="chart" id="trend-${i}"></div>
<table><thead><tr><th>started</th><th>run</th><th>containerd/runc</th><th>status</th><th>stuck/stops</th><th>${h(s.latency)} p50 ms</th><th>p95 ` +
      `ms</th><th>p99 ms</th></tr></thead><tbody>
${rowsHtml}
</tbody></table>`
    );
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${h(csp)}">`,
    '<link rel="icon" href="data:,">',
    '<title>podchurn history</title>',
    `<style>${inlineSafe(assets.css)}body{font:14px/1.45 system-ui,sans-serif;margin:24px}table{border-collapse:collapse}th,td{border:1px solid ` +
      `#ddd;padding:3px 8px}</style>`,
    '</head><body><h1>podchurn history</h1>',
    series.length ? '' : '<p>The history has no runs (yet).</p>',
    ...sections,
    `<script type="application/json" id="podchurn-history">${jsonForScript(data)}</script>`,
    `<script>${library}</script>`,
    `<script>${script}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

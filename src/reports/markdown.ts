import type { RunAnalysis } from '../results/run-analysis.js';
import type { CellSummary } from '../results/summary.js';
import { escapeMarkdownText as md, markdownCodeBlock } from './escape.js';
import { formatDuration } from './format.js';
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

/** How many findings report.md quotes; GitHub step summaries are capped at 1 MiB. */
const MAX_FINDINGS = 10;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const cellLabel = (c: CellSummary) => `${md(c.cell)} ${md(c.name)}`;

/**
 * report.md: plain GitHub-flavoured Markdown that reads well as a step summary or an issue
 * comment. Every string that came from a runtime, a log or a scenario goes through md() or
 * into a code block.
 */
export function renderMarkdownReport(analysis: RunAnalysis): string {
  const { summary } = analysis;
  const out: string[] = [];
  const verdict = runVerdict(summary);
  out.push(`# podchurn run ${md(summary.runId)}: ${md(summary.scenario)}`, '');
  out.push(
    `**${verdict}** · target ${md(summary.target)} ` +
      `· ${summary.cells.length} cell(s) · started ${summary.startedAt} · took ${formatDuration(summary.durationMs)} · exit code ${summary.exitCode}`,
    '',
  );
  out.push(summary.status === 'completed' ? statusSentence(summary) : `> **${md(statusSentence(summary))}**`, '');

  out.push('## Verdict', '');
  for (const cell of summary.cells) {
    const failed = cell.gates.filter((g) => !g.passed);
    const gates =
      cell.gates.length === 0
        ? 'no gates'
        : failed.length
          ? `failed ${failed.map((g) => `${g.gate} (measured ${g.measured ?? 'nothing'}, limit ${g.limit})`).join(', ')}`
          : `all ${cell.gates.length} gates passed`;
    out.push(`- ${cellPassed(cell) ? 'PASS' : '**FAIL**'} ${cellLabel(cell)}: ${gates}`);
  }
  out.push(`- ${summary.leakCheck.leaked.length ? '**FAIL**' : 'PASS'} leak check: ${md(leakSentence(summary))}`, '');

  out.push('## Settings', '');
  out.push(
    table(
      ['cell', 'pods × cycles × reps', 'batch', 'concurrency', 'grace s', 'request timeout s', 'slack s', 'on SIGTERM', 'exec probe'],
      summary.cells.map((c) => {
        const s = c.settings;
        return [
          cellLabel(c),
          `${s.pods} × ${s.cycles} × ${s.repetitions}`,
          String(s.batchSize),
          String(s.concurrency),
          String(s.gracePeriodSeconds),
          String(s.requestTimeoutSeconds),
          String(s.slackSeconds),
          md(s.onSigterm),
          s.execProbe ? 'yes' : 'no',
        ];
      }),
    ),
    '',
  );

  out.push('## Measured versions', '', 'Versions the runtime reported while each cell ran, not the versions asked for.', '');
  out.push(
    table(
      ['cell', 'containerd', 'runc', 'CRI runtime'],
      summary.cells.map((c) => [cellLabel(c), md(c.runtime.containerd), md(c.runtime.runc), md(c.runtime.criRuntimeVersion)]),
    ),
    '',
  );

  out.push('## Figures', '');
  out.push(
    table(
      ['cell', ...cellFigureHeaders(summary), 'stops that never returned /1000'],
      summary.cells.map((c) => [cellLabel(c), ...cellFigures(c), String(c.per1000Stops.stuck)]),
    ),
    '',
    md(latencySentence(summary)),
    '',
    ...measurementCaveats(summary).flatMap((line) => [md(line), '']),
  );
  const signatureRows = summary.cells.flatMap((c) => Object.entries(c.signatures).map(([id, n]) => [cellLabel(c), md(id), String(n)]));
  for (const [id, n] of Object.entries(summary.unattributedSignatures)) signatureRows.push(['(no pod)', md(id), String(n)]);
  if (signatureRows.length) out.push('Log signatures:', '', table(['cell', 'signature', 'lines'], signatureRows), '');

  for (const section of waterfallSections(summary)) {
    out.push(`## ${section.title}`, '', md(section.sentence), '', escapedTable(section.countHeaders, section.countRows), '');
    if (section.phaseRows.length) out.push('Phase percentiles:', '', escapedTable(waterfallPhaseHeaders, section.phaseRows), '');
  }

  if (runtimeMetricsCells(summary).length) {
    out.push('## Runtime and kubelet timers', '', md(runtimeMetricsSentence), '', escapedTable(runtimeMetricsHeaders, runtimeMetricsRows(summary)), '');
    const notes = runtimeMetricsNotes(summary);
    if (notes.length) out.push(...notes.map((note) => `- ${md(note)}`), '');
  }

  if (runtimeStepCells(summary).length) {
    out.push('## Runtime step', '', md(runtimeStepSentence), '');
    const shimRows = shimGroupRows(summary);
    if (shimRows.length) out.push(escapedTable(shimGroupHeaders, shimRows), '');
    const recoveryRows = stepRecoveryRows(summary);
    if (recoveryRows.length)
      out.push('Deletions under way when the step began (recovery: step end → pod gone):', '', escapedTable(stepRecoveryHeaders, recoveryRows), '');
  }

  const gateRows = summary.cells.flatMap((c) =>
    c.gates.map((g) => [cellLabel(c), g.gate, g.measured === null ? 'nothing measured' : String(g.measured), String(g.limit), g.passed ? 'pass' : '**FAIL**']),
  );
  out.push('## Gates', '');
  out.push(gateRows.length ? table(['cell', 'gate', 'measured', 'limit', 'result'], gateRows) : 'The scenario sets no gates.', '');

  out.push('## Top findings', '');
  if (!analysis.findings.some((f) => !f.benign)) out.push('No log line matched a non-benign signature.', '');
  evidenceFindings(analysis.findings, MAX_FINDINGS).forEach((f, i) => {
    const where = [f.pod ? `pod ${md(f.pod)}` : 'no pod', f.cell ? md(f.cell) : ''].filter(Boolean).join(', ');
    out.push(`${i + 1}. **${md(f.signature)}** (${f.severity}) — ${where} — ${md(f.source)}:${f.lineNumber} — ${md(f.reference)}`, '');
    out.push(markdownCodeBlock(f.line), '');
  });
  const serious = analysis.findings.filter((f) => !f.benign).length;
  if (serious > MAX_FINDINGS) out.push(`… ${serious - MAX_FINDINGS} more in findings.jsonl.`, '');

  const ignored = ignoredConfigSentences(summary);
  if (ignored.length) out.push('## Config keys containerd ignored', '', ...ignored.map((line) => `- ${md(line)}`), '');
  const evidence = stuckEvidenceLines(summary);
  if (evidence.length)
    out.push(
      '## Stuck pod evidence',
      '',
      'Collected while each pod was still stuck: pod object, its events, node log lines, runtime state.',
      '',
      ...evidence.map((line) => `- ${md(line)}`),
      '',
    );

  out.push('## Leak check', '', md(leakSentence(summary)), '');
  for (const item of summary.leakCheck.leaked.slice(0, 20)) out.push(`- ${md(item)}`);
  if (summary.leakCheck.leaked.length) out.push('');
  // What the runtime refused to remove is named even when its teardown took it: it is what the pods left on the node.
  const removedWithRuntime = summary.leakCheck.leaked.length ? [] : summary.leakCheck.leftInRuntime;
  if (removedWithRuntime.length) {
    out.push('Removed with the runtime (the runtime still listed them after cleanup):', '');
    for (const item of removedWithRuntime.slice(0, 20)) out.push(`- ${md(item)}`);
    if (removedWithRuntime.length > 20) out.push(`- … ${removedWithRuntime.length - 20} more in summary.json (leakCheck.leftInRuntime)`);
    out.push('');
  }

  out.push('## How these figures are measured', '');
  for (const [key, text] of Object.entries(summary.measurement)) out.push(`- **${md(key)}**: ${md(text)}`);
  out.push('');
  return out.join('\n');
}

/** A table of plain-text cells, each escaped for Markdown. */
function escapedTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return table(
    [...headers],
    rows.map((row) => row.map(md)),
  );
}

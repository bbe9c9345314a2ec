import type { RunSummary } from '../results/summary.js';
import { escapeTerminal } from './escape.js';
import {
  cellFigureHeaders,
  cellFigures,
  ignoredConfigSentences,
  latencySentence,
  stuckEvidenceLines,
  measurementCaveats,
  teardownRemovals,
} from './run-facts.js';
import { renderTable } from './table.js';
import { runtimeMetricsLines } from './runtime-metrics-facts.js';
import { runtimeStepLines } from './runtime-step-facts.js';

export interface TerminalStyle {
  colour: boolean;
}

const ansi = { red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', bold: '\u001b[1m', reset: '\u001b[0m' };

/** One table cell of untrusted text: no control characters, one line, and at most `max` characters. */
function cellText(text: string, max = 120): string {
  const flat = escapeTerminal(text).replace(/[\t\r\n]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function paint(style: TerminalStyle, colour: keyof typeof ansi, text: string): string {
  return style.colour ? `${ansi[colour]}${text}${ansi.reset}` : text;
}

/** The end-of-run summary: one row per cell with its key figures, then gates, leaks and the verdict. */
export function renderTerminalSummary(summary: RunSummary, runDir: string, style: TerminalStyle = { colour: false }): string {
  const rows = summary.cells.map((c) => [
    c.cell,
    cellText(c.name),
    cellText(`${c.runtime.containerd}/${c.runtime.runc}`),
    ...cellFigures(c),
    String(Object.entries(c.probes).reduce((sum, [k, v]) => (k === 'ok' ? sum : sum + v), 0)),
  ]);
  const table = renderTable(['cell', 'settings', 'containerd/runc', ...cellFigureHeaders(summary), 'probe errs'], rows);
  const lines = [paint(style, 'bold', `podchurn run ${summary.runId} — ${summary.scenario} (${summary.target}), ${summary.status}`), '', table, ''];
  lines.push(latencySentence(summary));
  for (const line of measurementCaveats(summary)) lines.push(paint(style, 'yellow', line));
  const failedGates = summary.cells.flatMap((c) =>
    c.gates.filter((g) => !g.passed).map((g) => `${c.cell} ${g.gate}: measured ${g.measured ?? 'nothing'}, limit ${g.limit}`),
  );
  const gateCount = summary.cells.reduce((n, c) => n + c.gates.length, 0);
  if (gateCount > 0) {
    lines.push(
      failedGates.length ? paint(style, 'red', `Gates: ${failedGates.length} of ${gateCount} failed`) : paint(style, 'green', `Gates: all ${gateCount} passed`),
    );
    for (const failed of failedGates) lines.push(`  - ${failed}`);
  }
  const signatures = summary.cells.flatMap((c) => Object.entries(c.signatures).map(([id, n]) => `${c.cell} ${id}×${n}`));
  if (signatures.length) lines.push(`Log signatures: ${signatures.join(', ')}`);
  const { leaked, forced, removedWithRuntime } = summary.leakCheck;
  const notes = [
    forced.length ? `${forced.length} objects needed forced cleanup` : '',
    removedWithRuntime ? `${removedWithRuntime} the runtime could not remove went with its teardown` : '',
    teardownRemovals(summary),
  ].filter(Boolean);
  lines.push(
    leaked.length
      ? paint(
          style,
          'red',
          `Leak check: ${leaked.length} left behind: ${leaked
            .slice(0, 5)
            .map((l) => cellText(l, 300))
            .join(', ')}`,
        )
      : `Leak check: nothing left behind${notes.length ? ` (${notes.join('; ')})` : ''}.`,
  );
  // Named even though the teardown took them: they are what the runtime would have left on a node it does not share with podchurn.
  if (!leaked.length && removedWithRuntime) {
    const items = summary.leakCheck.leftInRuntime;
    lines.push(
      `  went with the teardown: ${items
        .slice(0, 3)
        .map((l) => cellText(l, 300))
        .join(', ')}${items.length > 3 ? ` and ${items.length - 3} more (summary.json leakCheck.leftInRuntime)` : ''}`,
    );
  }
  for (const line of runtimeMetricsLines(summary)) lines.push(escapeTerminal(line));
  for (const line of runtimeStepLines(summary)) lines.push(escapeTerminal(line));
  for (const line of ignoredConfigSentences(summary)) lines.push(paint(style, 'yellow', `Config: ${escapeTerminal(line)}`));
  const evidence = stuckEvidenceLines(summary);
  if (evidence.length) lines.push(`Stuck pod evidence: ${evidence.length} pod(s), e.g. ${escapeTerminal(evidence[0]!)}`);
  if (summary.error) lines.push(paint(style, 'red', `Error: ${escapeTerminal(summary.error)}`));
  lines.push(`Run directory: ${escapeTerminal(runDir)}`);
  return lines.join('\n');
}

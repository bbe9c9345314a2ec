import type { Comparison } from '../results/comparison.js';
import {
  comparisonExplanation,
  comparisonHeader,
  comparisonRows,
  timerComparisonHeader,
  timerComparisonRows,
  timerComparisonSentence,
  violationLines,
} from './compare-rows.js';
import { escapeTerminal } from './escape.js';
import { renderTable } from './table.js';

/** `podchurn compare` output: the comparison table, how to read it, notes, then limit violations. */
export function renderComparisonTerminal(comparison: Comparison): string {
  const lines = [renderTable(comparisonHeader, comparisonRows(comparison)), '', ...comparisonExplanation(comparison)];
  const timerRows = timerComparisonRows(comparison);
  // Operation names come from the kubelet's labels: no control character reaches the terminal.
  if (timerRows.length)
    lines.push(
      '',
      timerComparisonSentence,
      renderTable(
        timerComparisonHeader,
        timerRows.map((row) => row.map(escapeTerminal)),
      ),
    );
  for (const note of comparison.notes) lines.push(`Note: ${note}`);
  const violations = violationLines(comparison);
  const limitsSet = comparison.limits.regressions.length > 0 || comparison.limits.maxStuck !== undefined;
  if (violations.length) {
    lines.push(`Limits: ${violations.length} violated`);
    for (const v of violations) lines.push(`  - ${v}`);
  } else if (limitsSet) lines.push('Limits: all met');
  return lines.join('\n');
}

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
import { escapeMarkdownText as md } from './escape.js';

/** `podchurn compare --markdown FILE`: a comparison ready for a step summary or a pull-request comment. */
export function renderComparisonMarkdown(comparison: Comparison): string {
  const limitsSet = comparison.limits.regressions.length > 0 || comparison.limits.maxStuck !== undefined;
  const status = comparison.violations.length
    ? `**FAILED**: ${comparison.violations.length} limit(s) violated`
    : limitsSet
      ? '**PASSED**: all limits met'
      : 'No limits set';
  const out = [`# podchurn comparison (${comparison.mode})`, '', status, ''];
  out.push(`| ${comparisonHeader.join(' | ')} |`, `|${comparisonHeader.map(() => '---').join('|')}|`);
  for (const row of comparisonRows(comparison)) out.push(`| ${row.map((cell) => md(cell)).join(' | ')} |`);
  out.push('');
  for (const pair of comparison.pairs) {
    out.push(
      `- ${md(pair.candidate.cell)}: baseline ${md(pair.baseline.runId)} ${md(pair.baseline.cell)} ` +
        `(${md(pair.baseline.name)}), ${pair.baseline.samples} sample(s); ` +
        `candidate ${md(pair.candidate.runId)} ${md(pair.candidate.cell)} (${md(pair.candidate.name)}), ${pair.candidate.samples} sample(s)`,
    );
  }
  out.push('', ...comparisonExplanation(comparison).map((l) => md(l)), '');
  const timerRows = timerComparisonRows(comparison);
  if (timerRows.length) {
    out.push(md(timerComparisonSentence), '', `| ${timerComparisonHeader.join(' | ')} |`, `|${timerComparisonHeader.map(() => '---').join('|')}|`);
    for (const row of timerRows) out.push(`| ${row.map((cell) => md(cell)).join(' | ')} |`);
    out.push('');
  }
  if (comparison.notes.length) out.push('Notes:', '', ...comparison.notes.map((n) => `- ${md(n)}`), '');
  if (comparison.violations.length) out.push('Violations:', '', ...violationLines(comparison).map((v) => `- ${md(v)}`), '');
  return out.join('\n');
}

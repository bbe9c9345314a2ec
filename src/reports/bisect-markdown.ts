import type { BisectResult, BisectStep } from '../results/bisect.js';
import { escapeMarkdownText as md } from './escape.js';

/** bisect.md: the answer first, then every step with its counts, decision and cost. */
export function renderBisectMarkdown(result: BisectResult): string {
  const { sprt, totals } = result;
  const what = result.direction === 'first-bad' ? 'first bad version (first to show it)' : 'first fixed version (first to no longer show it)';
  const answer =
    result.outcome === 'found'
      ? `**${result.component} ${result.firstChanged}** is the ${what}; ${result.lastUnchanged} is the last before it.`
      : `**${result.outcome}**: ${md(result.reason)}`;
  const candidates = result.candidates.map((c) => (c.knownFrom[0] === 'contiguous' ? `${c.version}*` : c.version)).join(', ');
  const lines = [
    `# Bisect: ${md(result.scenario)}, ${result.component} ${result.good} (good) .. ${result.bad} (bad)`,
    '',
    answer,
    '',
    `- Measure: \`${result.measure}\`, each pod one trial. Scenario: \`${md(result.scenarioFile)}\`${result.overrides.map((o) => ` --set ${md(o)}`).join('')}.`,
    `- Test at each step: SPRT, H0 p = ${sprt.p0} ("does not show it") vs H1 p ` +
      `= ${sprt.p1} ("shows it"), alpha ${sprt.alpha}, beta ${sprt.beta}, at most ${sprt.maxTrials} trials.`,
    `- Candidates (${result.candidates.length}): ${candidates} (* inferred from contiguous patch numbers).`,
    ...result.enumerationNotes.map((n) => `- ${md(n)}`),
    ...(result.historyDb ? [`- Earlier results reused from \`${md(result.historyDb)}\`.`] : []),
    ...result.gaps.map((g) => `- Gap: ${g.version}: ${md(g.reason)}`),
    '',
    '| # | version | role | verdict | occurrences / trials | reused | runs | LLR (bounds) | build s | wall s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...result.steps.map(stepRow),
    '',
    `Total: ${result.steps.length} step(s), ${totals.runs} run(s), ${totals.trials} trials (${totals.reusedTrials} reused from history); ` +
      `wall ${totals.wallSeconds} s, of which obtaining pins ${totals.buildSeconds} s and scenario runs ${totals.runSeconds} s.`,
    '',
  ];
  return lines.join('\n');
}

function stepRow(step: BisectStep): string {
  const llr = step.verdict === 'gap' ? '' : `${step.llr === null ? '+inf' : step.llr} (${step.lower} .. ${step.upper})`;
  const build = step.build
    ? `${step.build.seconds}${
        step.build.source === 'store' && step.build.storeInstallSeconds !== undefined ? ` (store; built in ${step.build.storeInstallSeconds})` : ''
      }`
    : '';
  const verdict = step.verdict === 'gap' ? `gap: ${md((step.gapReason ?? '').slice(0, 160))}` : step.verdict;
  return (
    `| ${step.index} | ${step.version} ` +
    `| ${step.role} | ${verdict} | ${step.occurrences} ` +
    `/ ${step.trials} | ${step.reusedTrials} | ${step.runs.length} | ${llr} | ${build} | ${step.wallSeconds} |`
  );
}

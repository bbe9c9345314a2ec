import type { SuiteBugResult, SuiteResult } from '../results/suite-result.js';
import { escapeXml as x } from './escape.js';
import { renderTable } from './table.js';

/** The miss probability as people read it: "0.4 %", "< 0.001 %", or "unknown" without a measured control. */
export function formatMissProbability(p: number | null): string {
  if (p === null) return 'unknown (no measured control)';
  const percent = p * 100;
  if (percent < 0.001) return '< 0.001 %';
  return `${percent < 1 ? percent.toPrecision(2) : percent.toFixed(1)} %`;
}

const verdictText: Record<SuiteBugResult['verdict'], string> = { observed: 'OBSERVED', 'not-observed': 'not observed', error: 'ERROR' };

function rows(result: SuiteResult): string[][] {
  return result.bugs.map((b) => [
    b.id,
    verdictText[b.verdict],
    String(b.trials),
    String(b.occurrences),
    b.verdict === 'not-observed' ? formatMissProbability(b.missProbability) : '-',
    b.catalogued,
  ]);
}

const header = ['bug', 'verdict', 'trials', 'occurrences', 'P(miss if affected)', 'catalog says'];

function candidateLine(result: SuiteResult): string {
  const sets = result.candidate.overrides.map((o) => ` --set ${o}`).join('');
  return `containerd ${result.candidate.containerd}, runc ${result.candidate.runc}${sets}`;
}

/** The table `podchurn suite` prints, with one explanatory line per bug that is not a plain "not observed". */
export function renderSuiteTerminal(result: SuiteResult, directory: string): string {
  const notes = result.bugs.flatMap((b) => {
    if (b.verdict === 'error') return [`${b.id}: no verdict: ${b.error ?? 'the run failed'}`];
    if (b.verdict === 'observed') return [`${b.id}: ${b.occurrences} of ${b.trials} pods by ${b.occurrence} (${b.title}); run ${b.runDirectory}`];
    return [];
  });
  return [
    `podchurn suite — candidate ${candidateLine(result)}: ${result.bugs.length} bug(s), exit ${result.exitCode}`,
    '',
    renderTable(header, rows(result)),
    '',
    ...notes,
    'P(miss if affected) = (1 - p)^trials, p = the rate the positive control measured on an affected version (docs/BUGS.md).',
    `Suite directory: ${directory}`,
  ].join('\n');
}

export function renderSuiteMarkdown(result: SuiteResult): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    `# podchurn suite: containerd ${result.candidate.containerd}, runc ${result.candidate.runc}`,
    '',
    `Started ${result.startedAt}, ${(result.durationMs / 1000).toFixed(0)} s, exit code ${result.exitCode}.`,
    '',
    `| ${header.join(' | ')} | scenario | run |`,
    `|${header.map(() => '---').join('|')}|---|---|`,
    ...result.bugs.map((b, i) => `| ${rows(result)[i]!.map(cell).join(' | ')} | ${cell(b.scenario)} | ${cell(b.runId ?? '-')} |`),
    '',
    "P(miss if affected) = (1 - p)^trials, with p the occurrence rate the bug's positive control measured on an affected version; each pod is one " +
      "trial, counted by the bug's occurrence measure.",
    '',
    ...result.bugs.filter((b) => b.error).map((b) => `- ${b.id}: ${cell(b.error!)}`),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

/** junit.xml: one testcase per bug; an observed bug is a failure, a run without a verdict an error. */
export function renderSuiteJunit(result: SuiteResult): string {
  const failures = result.bugs.filter((b) => b.verdict === 'observed').length;
  const errors = result.bugs.filter((b) => b.verdict === 'error').length;
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(`podchurn suite ${candidateLine(result)}`)}" ` +
      `tests="${result.bugs.length}" failures="${failures}" errors="${errors}" time="${time(result.durationMs)}">`,
    `  <testsuite name="bug-library" id="0" package="podchurn" hostname="podchurn" ` +
      `tests="${result.bugs.length}" failures="${failures}" ` +
      `errors="${errors}" skipped="0" time="${time(result.durationMs)}" timestamp="${result.startedAt.slice(0, 19)}">`,
    '    <properties>',
    `      <property name="containerd" value="${x(result.candidate.containerd)}"/>`,
    `      <property name="runc" value="${x(result.candidate.runc)}"/>`,
    '    </properties>',
  ];
  for (const b of result.bugs) {
    const open = `    <testcase name="${x(`${b.id}: ${b.title}`)}" classname="podchurn.suite" time="${time(b.durationMs)}"`;
    const facts = `${b.occurrences} of ${b.trials} pods by ${b.occurrence}; run ${b.runId ?? '-'}; references ${b.references.join(', ')}`;
    if (b.verdict === 'not-observed') {
      lines.push(`${open}/>`);
    } else if (b.verdict === 'observed') {
      lines.push(
        `${open}>`,
        `      <failure message="${x(`observed: ${b.occurrences} of ${b.trials}`)}" type="bug-observed">${x(facts)}</failure>`,
        '    </testcase>',
      );
    } else {
      lines.push(`${open}>`, `      <error message="${x(b.error ?? 'the run failed')}" type="run">${x(facts)}</error>`, '    </testcase>');
    }
  }
  // The JUnit schema allows no output inside a passing testcase: each bug's line goes to the suite's system-out.
  const out = result.bugs.map((b) =>
    b.verdict === 'not-observed'
      ? `${b.id}: not observed in ${b.trials} trials; P(miss if affected) ${formatMissProbability(b.missProbability)}`
      : `${b.id}: ${b.verdict === 'observed' ? 'OBSERVED' : 'ERROR'}: ${b.occurrences} of ${b.trials}`,
  );
  lines.push(`    <system-out>${x(out.join('\n'))}</system-out>`, '    <system-err/>', '  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}

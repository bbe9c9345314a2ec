import type { PodRecord } from '../results/pod-record.js';
import type { RunAnalysis } from '../results/run-analysis.js';
import type { CellSummary, RunSummary } from '../results/summary.js';
import { escapeXml as x } from './escape.js';
import { leakSentence, statusSentence } from './run-facts.js';

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; body: string };
  error?: { message: string; body: string };
}

interface Suite {
  name: string;
  timeSeconds: number;
  properties: [string, string][];
  cases: Case[];
}

/**
 * junit.xml: one testsuite per cell with one testcase per gate, and a "run" testsuite with the
 * leak check and the run's status, so CI systems that read JUnit show a failed gate as a failed
 * test with the measured value and the limit. Follows the common (Ant/Jenkins) JUnit schema.
 */
export function renderJunitReport({ summary, records }: RunAnalysis): string {
  const suites: Suite[] = summary.cells.map((cell) =>
    cellSuite(
      summary,
      cell,
      records.filter((r) => r.cell === cell.cell),
    ),
  );
  suites.push(runSuite(summary));
  const count = (pick: (c: Case) => unknown) => suites.reduce((n, s) => n + s.cases.filter(pick).length, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(`podchurn ${summary.scenario} ${summary.runId}`)}" ` +
      `tests="${count(() => true)}" failures="${count((c) => c.failure)}" errors="${count((c) => c.error)}" time="${seconds(summary.durationMs / 1000)}">`,
  ];
  suites.forEach((suite, id) => {
    const failures = suite.cases.filter((c) => c.failure).length;
    const errors = suite.cases.filter((c) => c.error).length;
    lines.push(
      `  <testsuite name="${x(suite.name)}" ` +
        `id="${id}" package="podchurn" hostname="podchurn" ` +
        `tests="${suite.cases.length}" failures="${failures}" ` +
        `errors="${errors}" skipped="0" time="${seconds(suite.timeSeconds)}" timestamp="${summary.startedAt.slice(0, 19)}">`,
    );
    lines.push('    <properties>');
    for (const [name, value] of suite.properties) lines.push(`      <property name="${x(name)}" value="${x(value)}"/>`);
    lines.push('    </properties>');
    for (const c of suite.cases) {
      const open = `    <testcase name="${x(c.name)}" classname="${x(c.classname)}" time="0.000"`;
      const problem = c.failure ? (['failure', c.failure] as const) : c.error ? (['error', c.error] as const) : null;
      if (!problem) {
        lines.push(`${open}/>`);
        continue;
      }
      lines.push(`${open}>`);
      lines.push(
        `      <${problem[0]} message="${x(problem[1].message)}" type="${problem[0] === 'failure' ? 'gate' : 'run'}">${x(problem[1].body)}</${problem[0]}>`,
      );
      lines.push('    </testcase>');
    }
    lines.push('    <system-out/>', '    <system-err/>', '  </testsuite>');
  });
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function cellSuite(summary: RunSummary, cell: CellSummary, records: readonly PodRecord[]): Suite {
  const classname = `podchurn.${summary.scenario}.${cell.cell}`;
  return {
    name: `${cell.cell} ${cell.name}`,
    timeSeconds: spanMs(records) / 1000,
    properties: [
      ['containerd', cell.runtime.containerd],
      ['runc', cell.runtime.runc],
      ['cri.runtime', cell.runtime.criRuntimeVersion],
      ['pods', String(cell.podCount)],
      ['latency', summary.primaryLatency.name],
      ...(['p50', 'p95', 'p99', 'max'] as const).map((p): [string, string] => [`${summary.primaryLatency.name}.${p}.ms`, String(cell.latencyMs?.[p] ?? '')]),
      ['latency.samples', String(cell.latencyMs?.count ?? 0)],
      ['latency.excluded.failed-stops', String(cell.latencyExcluded.failedStops)],
      ['latency.excluded.inferred-deletions', String(cell.latencyExcluded.inferredDeletions)],
      ...Object.entries(cell.outcomes).map(([k, v]): [string, string] => [`outcome.${k}`, String(v)]),
    ],
    cases: cell.gates.map((g) => {
      const measured = g.measured === null ? 'nothing measured' : String(g.measured);
      return {
        name: g.gate,
        classname,
        ...(g.passed
          ? {}
          : {
              failure: {
                message: `${g.gate}: measured ${measured}, limit ${g.limit}`,
                body: `gate: ${g.gate}\nmeasured: ${measured}\nlimit: ${g.limit}\ncell: ${cell.cell} ${cell.name}`,
              },
            }),
      };
    }),
  };
}

function runSuite(summary: RunSummary): Suite {
  const classname = `podchurn.${summary.scenario}.run`;
  const { leaked } = summary.leakCheck;
  return {
    name: 'run',
    timeSeconds: summary.durationMs / 1000,
    properties: [
      ['run.id', summary.runId],
      ['status', summary.status],
      ['target', summary.target],
    ],
    cases: [
      {
        name: 'leak check',
        classname,
        ...(leaked.length
          ? { failure: { message: `${leaked.length} object(s) left behind (limit 0)`, body: `measured: ${leaked.length}\nlimit: 0\n${leaked.join('\n')}` } }
          : {}),
      },
      {
        name: 'run status',
        classname,
        ...(summary.status === 'completed'
          ? {}
          : { error: { message: statusSentence(summary), body: `${statusSentence(summary)}\n${leakSentence(summary)}` } }),
      },
    ],
  };
}

/** Wall span of a cell, from its first to its last recorded pod phase. */
function spanMs(records: readonly PodRecord[]): number {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const record of records) {
    for (const mono of Object.values(record.phases)) {
      if (mono < first) first = mono;
      if (mono > last) last = mono;
    }
  }
  return Number.isFinite(first) ? last - first : 0;
}

const seconds = (value: number) => Math.max(0, value).toFixed(3);

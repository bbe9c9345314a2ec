import type { Finding } from '../results/finding.js';
import type { CellSummary, RunSummary } from '../results/summary.js';
import { formatMs } from './format.js';

/**
 * Sentences every report states the same way, so a reader of report.md, report.html and
 * junit.xml sees the same verdict in the same words.
 */
export function statusSentence(summary: RunSummary): string {
  switch (summary.status) {
    case 'completed':
      return 'The run completed: every cell ran to its end.';
    case 'interrupted':
      return 'The run was INTERRUPTED: figures cover only the pods measured before it stopped; cleanup ran.';
    case 'infrastructure-error':
      return (
        `The run hit an INFRASTRUCTURE ERROR and did not ` +
        `finish${summary.error ? ` (${summary.error})` : ''}: figures are incomplete and say nothing about the runtime under test.`
      );
  }
}

export function cellPassed(cell: CellSummary): boolean {
  return cell.gates.every((g) => g.passed);
}

export function runVerdict(summary: RunSummary): string {
  if (summary.status !== 'completed') return summary.status === 'interrupted' ? 'INTERRUPTED' : 'INFRASTRUCTURE ERROR';
  return summary.gatesPassed ? 'PASSED' : 'FAILED';
}

export function leakSentence(summary: RunSummary): string {
  const { leaked, forced, removedWithRuntime } = summary.leakCheck;
  if (leaked.length) return `${leaked.length} object(s) were left behind.`;
  const notes = [
    forced.length ? `${forced.length} object(s) needed forced cleanup` : '',
    removedWithRuntime ? `${removedWithRuntime} object(s) the runtime could not remove went with its teardown` : '',
    teardownRemovals(summary),
  ].filter(Boolean);
  return `Nothing was left behind${notes.length ? ` (${notes.join('; ')})` : ''}.`;
}

/** What a managed runtime's teardown removed from the host for the run (namespaces its sandboxes kept, its CNI bridge), named. */
export function teardownRemovals(summary: RunSummary): string {
  const removed = summary.leakCheck.removedAtTeardown ?? [];
  if (removed.length === 0) return '';
  const named = removed.slice(0, 3).join(', ');
  const more = removed.length > 3 ? ` and ${removed.length - 3} more (leakCheck.removedAtTeardown)` : '';
  return `the teardown removed ${removed.length} from the host: ${named}${more}`;
}

/** Outcomes that are neither a measured stop nor a runtime failure: the run's own trouble. */
export function otherOutcomes(cell: CellSummary): number {
  return cell.outcomes['infra-error'] + cell.outcomes['force-deleted'] + cell.outcomes.interrupted;
}

/** Deletions of a cell that ended without a latency sample (failed stops, inferred deletions). */
export function unsampled(cell: CellSummary): number {
  return cell.latencyExcluded.failedStops + cell.latencyExcluded.inferredDeletions;
}

/** The per-cell figures every tabular report shows, in this order, under these headers. */
export function cellFigureHeaders(summary: RunSummary): string[] {
  return [
    'pods',
    'ok',
    'slow',
    'stuck',
    'state-mismatch',
    'stop-error',
    'other',
    `${summary.primaryLatency.name} p50 ms`,
    'p95 ms',
    'p99 ms',
    'max ms',
    'no sample',
  ];
}

export function cellFigures(cell: CellSummary): string[] {
  const { outcomes } = cell;
  const latency = cell.latencyMs;
  return [
    String(cell.podCount),
    String(outcomes.ok),
    String(outcomes.slow),
    String(outcomes.stuck),
    String(outcomes['state-mismatch']),
    String(outcomes['stop-error']),
    String(otherOutcomes(cell)),
    formatMs(latency?.p50),
    formatMs(latency?.p95),
    formatMs(latency?.p99),
    formatMs(latency?.max),
    String(unsampled(cell)),
  ];
}

/** What the latency columns are, and what "no sample" counts, in the same words in every report. */
export function latencySentence(summary: RunSummary): string {
  return (
    `Latency columns: ${summary.primaryLatency.definition}. "no sample": deletions that ended without a measured completion (failed or timed-out ` +
    `stops, deletions inferred at a watch relist); they are counted, never in the percentiles.`
  );
}

/**
 * What the reader must know before trusting the figures, in the same words in every report: the
 * watch's blind stretches (kube), and stops whose lost-exit check could not run (CRI).
 */
export function measurementCaveats(summary: RunSummary): string[] {
  const caveats: string[] = [];
  const { count, inferredDeletions, totalMs } = summary.watchGaps;
  if (count > 0) {
    caveats.push(
      `The pod watch missed ${count} stretch(es) ` +
        `(${formatMs(totalMs)} ms in all) and ` +
        `relisted; ${inferredDeletions} deletion(s) inside them were inferred, not observed, and are not in the percentiles.`,
    );
  }
  for (const cell of summary.cells) {
    if (cell.stateUnverified > 0) {
      caveats.push(
        `${cell.cell}: after ${cell.stateUnverified} stop(s) CRI still said RUNNING but the task pid could not be read, so whether the exit was lost ` +
          `is unknown (state-unverified; not counted as state-mismatch).`,
      );
    }
  }
  return caveats;
}

/**
 * Findings to quote as evidence: one per signature first (in the given order of importance), then
 * the rest, so a thousand identical exec errors cannot crowd out the one stop that hung.
 */
export function pickEvidence<T extends { signature: string }>(findings: readonly T[], count: number): T[] {
  const firsts: T[] = [];
  const rest: T[] = [];
  const seen = new Set<string>();
  for (const finding of findings) {
    if (seen.has(finding.signature)) rest.push(finding);
    else {
      seen.add(finding.signature);
      firsts.push(finding);
    }
  }
  return [...firsts, ...rest].slice(0, count);
}

const severityRank = { error: 0, warning: 1, info: 2 } as const;

/** Non-benign findings of the whole run, most severe first, one per signature before repeats. */
export function evidenceFindings(findings: readonly Finding[], count: number): Finding[] {
  const serious = findings.filter((f) => !f.benign).sort((a, b) => severityRank[a.severity] - severityRank[b.severity]);
  return pickEvidence(serious, count);
}

/** One sentence per containerd config key a patch set and containerd ignored (config honesty). */
export function ignoredConfigSentences(summary: RunSummary): string[] {
  return (summary.ignoredConfigKeys ?? []).map(
    (k) =>
      `${k.key} (cluster ${k.cluster}, ${k.cells.join(', ') || 'no cells'}) is not in containerd config dump: containerd ignored it, so it changed nothing.`,
  );
}

/** One line per stuck pod whose evidence was collected. */
export function stuckEvidenceLines(summary: RunSummary): string[] {
  return (summary.stuckEvidence ?? []).map((e) => `${e.cell} ${e.pod}: ${e.dir}/`);
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InterruptedError, InputError, PodchurnError, describeCause } from '../errors.js';
import { catalogedStatus, type Bug } from '../measurements/bug-library/bug-library.js';
import { countOccurrences, describeOccurrenceMeasure } from '../measurements/occurrence/occurrence.js';
import { renderSuiteJunit, renderSuiteMarkdown } from '../reports/suite-report.js';
import type { HistoryStore } from '../results/history.js';
import { newRunId } from '../results/run-directory.js';
import type { RunSummary } from '../results/summary.js';
import type { SuiteBugResult, SuiteResult } from '../results/suite-result.js';
import { missProbability } from '../stats/miss-probability.js';
import { packagePath } from '../util/package-root.js';
import { planRun, runScenario } from './run-scenario.js';

export interface SuiteRequest {
  bugs: readonly Bug[];
  containerd: string;
  runc: string;
  /** Further `--set` overrides applied to every bug's scenario (e.g. a kube target's cluster). */
  overrides: readonly string[];
  reportsDir: string;
  history?: HistoryStore;
  signal: AbortSignal;
  onNotice?: (line: string) => void;
  onBugStart?: (bug: Bug, index: number, total: number) => void;
}

export interface SuiteOutcome {
  result: SuiteResult;
  directory: string;
}

/**
 * Runs each library bug's scenario against one candidate runtime and counts the bug's occurrences, one
 * run per bug, each a run directory of its own inside the suite's directory. Every scenario is planned
 * (validated with the candidate's pins) before anything runs, so bad input costs no churn.
 */
export async function runSuite(request: SuiteRequest): Promise<SuiteOutcome> {
  const overrides = [`runtime.containerd=${request.containerd}`, `runtime.runc=${request.runc}`, ...request.overrides];
  for (const bug of request.bugs) {
    try {
      planRun(bug.scenarioFile, overrides);
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`bug ${bug.id}: ${error.message}`, { cause: error });
      throw error;
    }
  }
  const started = Date.now();
  const directory = join(request.reportsDir, newRunId('suite'));
  mkdirSync(directory, { recursive: true });
  const results: SuiteBugResult[] = [];
  for (const [index, bug] of request.bugs.entries()) {
    request.onBugStart?.(bug, index, request.bugs.length);
    results.push(await runOneBug(bug, overrides, directory, request));
  }
  const result: SuiteResult = {
    schemaVersion: 1,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    candidate: { containerd: request.containerd, runc: request.runc, overrides: [...request.overrides] },
    bugs: results,
    exitCode: suiteExitCode(results),
  };
  writeFileSync(join(directory, 'suite.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(directory, 'suite.md'), renderSuiteMarkdown(result));
  writeFileSync(join(directory, 'junit.xml'), renderSuiteJunit(result));
  return { result, directory };
}

/** 3 when a bug's run could not give a verdict, else 1 when a bug was observed, else 0. */
export function suiteExitCode(results: readonly SuiteBugResult[]): number {
  if (results.some((r) => r.verdict === 'error')) return 3;
  return results.some((r) => r.verdict === 'observed') ? 1 : 0;
}

async function runOneBug(bug: Bug, overrides: readonly string[], directory: string, request: SuiteRequest): Promise<SuiteBugResult> {
  const started = Date.now();
  const base = {
    id: bug.id,
    title: bug.title,
    references: bug.references,
    scenario: relative(packagePath(), bug.scenarioFile),
    occurrence: describeOccurrenceMeasure(bug.occurrence),
    expectedRate: bug.expectedRate,
  };
  let summary: RunSummary;
  let runDirectory: string;
  try {
    const { dir, analysis } = await runScenario({
      scenarioFile: bug.scenarioFile,
      overrides: [...overrides],
      reportsDir: directory,
      signal: request.signal,
      onNotice: request.onNotice,
    });
    summary = analysis.summary;
    runDirectory = dir.path;
    request.history?.record(summary);
  } catch (error) {
    // An interrupt ends the whole suite; any other failure is this bug's, and the next bug still runs.
    if (error instanceof InterruptedError || request.signal.aborted) throw error;
    if (error instanceof InputError) throw error;
    return {
      ...base,
      verdict: 'error',
      trials: 0,
      occurrences: 0,
      missProbability: null,
      catalogued: catalogued(bug, request.containerd, request.runc),
      runId: null,
      runDirectory: null,
      durationMs: Date.now() - started,
      error: error instanceof PodchurnError ? error.message : describeCause(error),
    };
  }
  const { trials, occurrences } = countOccurrences(summary.cells, bug.occurrence);
  const measured = summary.cells[0]?.runtime;
  const completed = summary.status === 'completed';
  return {
    ...base,
    verdict: !completed ? 'error' : occurrences > 0 ? 'observed' : 'not-observed',
    trials,
    occurrences,
    missProbability: bug.expectedRate === null ? null : missProbability(bug.expectedRate, trials),
    catalogued: catalogued(bug, measured?.containerd ?? request.containerd, measured?.runc ?? request.runc),
    runId: summary.runId,
    runDirectory,
    durationMs: Date.now() - started,
    ...(completed ? {} : { error: summary.error ?? `the run ended ${summary.status}` }),
  };
}

/** The catalog's word on the candidate, per component the bug names: "containerd 1.7.15 affected". */
function catalogued(bug: Bug, containerd: string, runc: string): string {
  const versions = { containerd, runc };
  return Object.keys(bug.components)
    .map((component) => {
      const name = component as keyof typeof versions;
      return `${name} ${versions[name] || '?'} ${catalogedStatus(bug, name, versions[name])}`;
    })
    .join('; ');
}

import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { parseMaxStuck, parseRegressionLimit, type ComparisonLimits } from '../../stats/regression-limits.js';
import { InputError } from '../../errors.js';
import { renderComparisonMarkdown } from '../../reports/compare-markdown.js';
import { renderComparisonTerminal } from '../../reports/compare-terminal.js';
import { HistoryStore } from '../../results/history.js';
import { RunDirectory } from '../../results/run-directory.js';
import { analyzeRun } from '../../run/analyze-run.js';
import { compareWithHistory, MIN_HISTORY_RUNS } from '../../run/compare-history.js';
import { compareCells, compareRuns } from '../../run/compare-runs.js';
import type { Comparison } from '../../results/comparison.js';

export interface CompareArgs {
  baseline: string;
  candidate?: string;
  cells?: string;
  history?: string;
  last: number;
  'max-regression': string[];
  'max-stuck'?: string;
  markdown?: string;
  json?: string;
}

export function limitOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('max-regression', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'Fail (exit 1) on a significant regression above this: p99=10% (repeatable; p50, p95, p99)',
    })
    .option('max-stuck', { type: 'string', describe: 'Fail (exit 1) when the candidate has more than N stuck + state-mismatch pods' })
    .option('last', {
      type: 'number',
      default: MIN_HISTORY_RUNS,
      describe: `With a history: compare with the last N runs (verdicts need N >= ${MIN_HISTORY_RUNS})`,
    })
    .option('markdown', { type: 'string', describe: 'Also write the comparison as Markdown to FILE' })
    .option('json', { type: 'string', describe: 'Also write the comparison as JSON to FILE' });
}

export function compareOptions(yargs: Argv) {
  return limitOptions(
    yargs
      .positional('baseline', { type: 'string', demandOption: true, describe: 'Baseline run directory (or the only run, with --cells / --history)' })
      .positional('candidate', { type: 'string', describe: 'Candidate run directory' })
      .option('cells', { type: 'string', describe: 'Compare cells within one run: --cells cell-01,cell-02 (the first is the baseline)' })
      .option('history', { type: 'string', describe: 'Compare the run with the last runs recorded in this SQLite history' }),
  );
}

export function parseLimits(args: { 'max-regression': string[]; 'max-stuck'?: string }): ComparisonLimits {
  const maxStuck = parseMaxStuck(args['max-stuck']);
  return { regressions: args['max-regression'].map(String).map(parseRegressionLimit), ...(maxStuck === undefined ? {} : { maxStuck }) };
}

function parseLast(last: number): number {
  if (!Number.isInteger(last) || last < 1) throw new InputError(`--last must be a whole number >= 1, got "${String(last)}".`);
  return last;
}

/** Exit code: 0 every limit met (or none set), 1 a limit was violated. */
export function compareCommand(args: CompareArgs): number {
  const limits = parseLimits(args);
  let comparison: Comparison;
  if (args.history !== undefined) {
    if (args.candidate !== undefined || args.cells !== undefined)
      throw new InputError('compare --history takes exactly one run directory and no --cells: podchurn compare RUN --history DB --last N.');
    comparison = historyComparison(args.history, args.baseline, parseLast(args.last), limits);
  } else if (args.cells !== undefined) {
    if (args.candidate !== undefined) throw new InputError('compare --cells takes exactly one run directory: podchurn compare RUN --cells cell-01,cell-02.');
    const ids = args.cells
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    comparison = compareCells(analyzeRun(RunDirectory.open(args.baseline)), ids, limits);
  } else {
    if (args.candidate === undefined) {
      throw new InputError('compare needs two run directories (BASELINE CANDIDATE), or one run with --cells cell-01,cell-02 or --history DB.');
    }
    comparison = compareRuns(analyzeRun(RunDirectory.open(args.baseline)), analyzeRun(RunDirectory.open(args.candidate)), limits);
  }
  return emit(comparison, args);
}

export function historyComparison(db: string, run: string, last: number, limits: ComparisonLimits): Comparison {
  const analysis = analyzeRun(RunDirectory.open(run));
  const store = HistoryStore.open(db, { create: false });
  try {
    return compareWithHistory(store, analysis, last, limits);
  } finally {
    store.close();
  }
}

export function emit(comparison: Comparison, args: { markdown?: string; json?: string }): number {
  if (args.markdown) writeOutput(args.markdown, renderComparisonMarkdown(comparison), '--markdown');
  if (args.json) writeOutput(args.json, `${JSON.stringify(comparison, null, 2)}\n`, '--json');
  process.stdout.write(`${renderComparisonTerminal(comparison)}\n`);
  return comparison.exitCode;
}

export function writeOutput(file: string, text: string, option: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new InputError(`${option}: cannot write ${file} (${(error as Error).message}).`, { cause: error });
  }
}

import type { Argv } from 'yargs';
import { ExitCode, PodchurnError } from '../../errors.js';
import { planPush, pushRunMetrics } from '../../run/push-metrics.js';
import { renderTerminalSummary } from '../../reports/terminal.js';
import { RunDirectory } from '../../results/run-directory.js';
import { analyzeRun, writeAnalysis } from '../../run/analyze-run.js';

export interface ReportArgs {
  run: string;
  json: boolean;
  push?: string;
  'push-group': string[];
}

export function reportOptions(yargs: Argv): Argv<ReportArgs> {
  return yargs
    .positional('run', { type: 'string', demandOption: true, describe: 'Run directory' })
    .option('json', { type: 'boolean', default: false, describe: 'Print summary.json to stdout instead of the table' })
    .option('push', { type: 'string', describe: "Push the run's metrics (metrics.prom) to this Prometheus Pushgateway after rewriting the reports" })
    .option('push-group', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'Extra Pushgateway grouping label name=value (repeatable)',
    }) as Argv<ReportArgs>;
}

/** Re-analyses a run directory (events, logs, scenario), rewrites its reports and, with --push, pushes its metrics. */
export async function reportCommand(args: ReportArgs): Promise<number> {
  const push = planPush(args.push, (args['push-group'] ?? []).map(String));
  const dir = RunDirectory.open(args.run);
  const analysis = analyzeRun(dir);
  writeAnalysis(dir, analysis);
  process.stdout.write(
    args.json
      ? `${JSON.stringify(analysis.summary, null, 2)}\n`
      : `${renderTerminalSummary(analysis.summary, dir.path, { colour: Boolean(process.stdout.isTTY) })}\n`,
  );
  if (push) {
    try {
      await pushRunMetrics(push, analysis, dir.path);
    } catch (error) {
      if (!(error instanceof PodchurnError)) throw error;
      process.stderr.write(`podchurn: ${error.message}\n`);
      return analysis.summary.exitCode > ExitCode.gateFailed ? analysis.summary.exitCode : error.exitCode;
    }
  }
  return analysis.summary.exitCode;
}

import type { Argv } from 'yargs';
import { planPush } from '../../run/push-metrics.js';
import { renderTerminalSummary } from '../../reports/terminal.js';
import { RunDirectory } from '../../results/run-directory.js';
import { analyzeRun, writeAnalysis } from '../../run/analyze-run.js';
import { type PushArgs, pushAndExitCode, withPushOptions } from './push.js';

export interface ReportArgs extends PushArgs {
  run: string;
  json: boolean;
}

export function reportOptions(yargs: Argv): Argv<ReportArgs> {
  return withPushOptions(
    yargs
      .positional('run', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option('json', { type: 'boolean', default: false, describe: 'Print summary.json to stdout instead of the table' }),
    'after rewriting the reports',
  ) as Argv<ReportArgs>;
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
  return pushAndExitCode(push, analysis, dir.path);
}

import type { Argv } from 'yargs';
import { InterruptedError } from '../../errors.js';
import { renderTerminalSummary } from '../../reports/terminal.js';
import { HistoryStore } from '../../results/history.js';
import { planPush } from '../../run/push-metrics.js';
import { runScenario } from '../../run/run-scenario.js';
import { ProgressReporter } from '../progress.js';
import { type PushArgs, pushAndExitCode, withPushOptions } from './push.js';

export interface RunArgs extends PushArgs {
  scenario: string;
  set: string[];
  'reports-dir': string;
  json: boolean;
  history?: string;
}

export function runOptions(yargs: Argv): Argv<RunArgs> {
  return withPushOptions(
    yargs
      .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file' })
      .option('set', { type: 'string', array: true, default: [] as string[], describe: 'Override a field: --set batchSize=50 (repeatable)' })
      .option('reports-dir', { type: 'string', default: 'reports', describe: 'Where run directories are created' })
      .option('json', { type: 'boolean', default: false, describe: 'Print summary.json to stdout instead of the table' })
      .option('history', { type: 'string', describe: "Append each cell's summary to this SQLite history (created if missing)" }),
    'once the run directory is complete',
  ) as Argv<RunArgs>;
}

/** Exit code of the run: 0 gates pass, 1 a gate failed, 3 infrastructure (or the push failed), 130 interrupted. */
export async function runCommand(args: RunArgs): Promise<number> {
  // Checked before the run so a bad --push URL fails fast, not after the churn.
  const push = planPush(args.push, (args['push-group'] ?? []).map(String));
  // Opened before the run so a history that cannot be written fails fast, not after the churn.
  const history = args.history === undefined ? undefined : HistoryStore.open(args.history, { create: true });
  const controller = new AbortController();
  let signals = 0;
  let lastSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C reaches every process of the group (npm, tsx, node) and wrappers relay it again:
    // copies arriving together are one request, not a demand to abandon cleanup.
    if (Date.now() - lastSignalAt < 1000) return;
    lastSignalAt = Date.now();
    signals++;
    if (signals === 1) {
      process.stderr.write(`\n${signal}: stopping; cleaning up every pod this run created (again to hurry, a third time to abandon cleanup)\n`);
      controller.abort(new InterruptedError(`interrupted by ${signal}`));
    } else if (signals >= 3) {
      process.stderr.write(`${signal}: abandoning cleanup; remove what remains with "podchurn cleanup"\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new ProgressReporter();
  try {
    const { dir, analysis } = await runScenario({
      scenarioFile: args.scenario,
      overrides: args.set.map(String),
      reportsDir: args['reports-dir'],
      signal: controller.signal,
      onEvent: progress.onEvent,
      onCellStart: (cell, rep, total) => progress.cellStarted(cell, rep, total),
      onNotice: (line) => process.stderr.write(`${line}\n`),
    });
    progress.stop();
    history?.record(analysis.summary);
    process.stdout.write(
      args.json
        ? `${JSON.stringify(analysis.summary, null, 2)}\n`
        : `${renderTerminalSummary(analysis.summary, dir.path, { colour: Boolean(process.stdout.isTTY) })}\n`,
    );
    // The reason a run could not finish also goes to stderr, where a pipeline's log shows errors.
    if (analysis.summary.error) process.stderr.write(`podchurn: ${analysis.summary.error}\n`);
    return await pushAndExitCode(push, analysis, dir.path);
  } finally {
    history?.close();
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

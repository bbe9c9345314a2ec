import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, InputError, PodchurnError } from '../errors.js';
import { scenarioJsonSchema } from '../scenario/schema.js';
import { clusterCommands } from './commands/cluster.js';
import { imageCommands } from './commands/image.js';
import { compareCommand, compareOptions, type CompareArgs } from './commands/compare.js';
import { doctorCommand } from './commands/doctor.js';
import { compareHistoryCommand, compareHistoryOptions, historyCommand, historyOptions } from './commands/history.js';
import { reportCommand, reportOptions, type ReportArgs } from './commands/report.js';
import { runtimeCommands } from './commands/runtime.js';
import { bisectCommand, bisectOptions, type BisectArgs } from './commands/bisect.js';
import { runCommand, runOptions, type RunArgs } from './commands/run.js';
import { dropUnactionableWarnings } from './warnings.js';
import { suiteCommand, suiteOptions, type SuiteArgs } from './commands/suite.js';
import { cleanUpAbandoned } from '../run/janitor.js';
import { podchurnVersion } from '../run/environment.js';
import { planRun } from '../run/run-scenario.js';

/** The one place where failures become exit codes and messages; no stack trace unless --debug. */
async function main(argv: string[]): Promise<number> {
  dropUnactionableWarnings();
  let exitCode: number = ExitCode.ok;
  const debug = argv.includes('--debug');
  try {
    await yargs(argv)
      .scriptName('podchurn')
      .usage('$0 <command> [options]\n\nReproduce and measure pod termination failures in container runtimes.')
      .option('debug', { type: 'boolean', default: false, describe: 'Show stack traces for errors' })
      .command('run <scenario>', 'Run a scenario (every matrix cell) and write reports/<run-id>/', runOptions, async (args) => {
        exitCode = await runCommand(args as unknown as RunArgs);
      })
      .command('suite', 'Run the bug library against a candidate runtime: per bug observed or not, with the chance of a miss', suiteOptions, async (args) => {
        exitCode = await suiteCommand(args as unknown as SuiteArgs);
      })
      .command('bisect <scenario>', 'First release that shows (or stops showing) a behaviour, between --good and --bad', bisectOptions, async (args) => {
        exitCode = await bisectCommand(args as unknown as BisectArgs);
      })
      .command(
        'validate <scenario>',
        'Check a scenario and print its matrix cells without running anything',
        (y) => y.positional('scenario', { type: 'string', demandOption: true }).option('set', { type: 'string', array: true, default: [] as string[] }),
        (args) => {
          const plan = planRun(args.scenario, (args.set ?? []).map(String));
          process.stdout.write(`${plan.file}: valid; ${plan.cells.length} cell(s) x ${plan.scenario.repetitions} repetition(s)\n`);
          for (const cell of plan.cells) process.stdout.write(`  ${cell.id}  ${cell.name}\n`);
        },
      )
      .command('report <run>', 'Re-analyse a run directory and rewrite its reports (--push: push its metrics too)', reportOptions, async (args) => {
        exitCode = await reportCommand(args as unknown as ReportArgs);
      })
      .command(
        'compare <baseline> [candidate]',
        'Compare two runs (or cells of one run, or a run with its history); exit 1 when a limit is violated',
        compareOptions,
        (args) => {
          exitCode = compareCommand(args as unknown as CompareArgs);
        },
      )
      .command('history <db>', 'Print the trend of every scenario/cell recorded with run --history', historyOptions, (args) => {
        exitCode = historyCommand({ db: String(args.db), scenario: args.scenario, html: args.html });
      })
      .command(
        'compare-history <db> <run>',
        'Compare a run with the last N runs of the same scenario/cell (rank test; verdicts from 39 earlier runs)',
        compareHistoryOptions,
        (args) => {
          exitCode = compareHistoryCommand({ ...args, db: String(args.db), run: String(args.run) });
        },
      )
      .command('schema', 'Print the scenario JSON Schema', {}, () => {
        process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
      })
      .command(
        'cluster',
        'Kubernetes clusters for kube targets: up, down, status (--provider local|kind|existing)',
        clusterCommands((code) => (exitCode = code)),
      )
      .command('image', 'kind node images with pinned runtimes: node (--flavor offline|online)', imageCommands)
      .command('runtime', 'Pinned runtime binaries (containerd, runc, kubernetes, etcd, cri-tools): list, fetch, build, add, path', runtimeCommands)
      .command(
        'cleanup [run-id]',
        'Remove what an abandoned or killed run left on this host (managed containerd, shims, containers, sandbox networks, mounts)',
        (y) => y.positional('run-id', { type: 'string', default: '', describe: 'Run id (or prefix); default: every podchurn runtime on this host' }),
        async (args) => {
          const report = await cleanUpAbandoned(args['run-id']);
          process.stdout.write(
            `${report.instances.length} runtime instance(s): ` +
              `killed ${report.killedDaemons} containerd, ${report.killedShims} ` +
              `shims, ${report.killedProcesses} container ` +
              `processes, ${report.removedNetworkObjects.length} network objects` +
              `${report.unmountFailures.length ? `; could not remove ${report.unmountFailures.join(', ')}` : ''}\n`,
          );
          exitCode = report.unmountFailures.length ? ExitCode.infrastructure : ExitCode.ok;
        },
      )
      .command('doctor', 'Report what this host can run and what to install', {}, async () => {
        exitCode = await doctorCommand();
      })
      .demandCommand(1, 'Name a command: run, suite, bisect, validate, report, compare, history, compare-history, schema, runtime, cluster, cleanup or doctor.')
      .strict()
      .fail((message, error) => {
        if (error) throw error;
        throw new InputError(`${message}\nRun "podchurn --help" for usage.`);
      })
      .help()
      // From podchurn's own package.json: yargs would guess from the working directory, which an installed CLI does not share.
      .version(podchurnVersion())
      .parseAsync();
  } catch (error) {
    if (error instanceof PodchurnError) {
      process.stderr.write(`podchurn: ${error.message}\n`);
      if (debug && error.cause) process.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
      return error.exitCode;
    }
    process.stderr.write(`podchurn: internal error: ${(error as Error).message ?? String(error)}\n`);
    if (debug) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    else process.stderr.write('Re-run with --debug for a stack trace, and please report it.\n');
    return ExitCode.internal;
  }
  return exitCode;
}

// No top-level await: the bundle (scripts/bundle.sh) is CommonJS, which bin/podchurn.js requires.
void main(hideBin(process.argv)).then((code) => {
  process.exitCode = code;
});

import type { Argv } from 'yargs';
import { ExitCode, InputError, InterruptedError } from '../../errors.js';
import { parseOccurrenceMeasure } from '../../measurements/occurrence/occurrence.js';
import type { BisectStep } from '../../results/bisect.js';
import { HistoryStore } from '../../results/history.js';
import { checkBisectInput, runBisect } from '../../run/bisect/bisect.js';
import type { BisectComponent } from '../../run/bisect/scenario-steps.js';
import { defaultSprtParameters, type SprtParameters } from '../../stats/sprt.js';

export interface BisectArgs {
  scenario: string;
  good: string;
  bad: string;
  measure: string;
  component: string;
  set: string[];
  p0: number;
  p1: number;
  alpha: number;
  beta: number;
  'max-trials': number;
  history?: string;
  'reports-dir': string;
  out?: string;
}

export function bisectOptions(yargs: Argv): Argv<BisectArgs> {
  const d = defaultSprtParameters;
  return yargs
    .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file (its matrix must not vary the bisected component)' })
    .option('good', { type: 'string', demandOption: true, describe: 'A version that does not show the behaviour (e.g. 1.7.13)' })
    .option('bad', { type: 'string', demandOption: true, describe: 'A version that shows it (older or newer than --good)' })
    .option('measure', {
      type: 'string',
      demandOption: true,
      describe: 'Occurrence measure: lostExit, stateMismatch, outcome:<o>, signature:<id>, criError:<phase:CODE>',
    })
    .option('component', { type: 'string', default: 'containerd', describe: 'The component to bisect: containerd or runc' })
    .option('set', { type: 'string', array: true, default: [] as string[], describe: 'Override a scenario field, as with podchurn run (repeatable)' })
    .option('p0', { type: 'number', default: d.p0, describe: 'Rate under "does not show it" (0 allowed: one occurrence then decides)' })
    .option('p1', { type: 'number', default: d.p1, describe: 'Rate under "shows it": below the rate an affected version shows' })
    .option('alpha', { type: 'number', default: d.alpha, describe: 'Chance of calling a version at rate p0 affected' })
    .option('beta', { type: 'number', default: d.beta, describe: 'Chance of calling a version at rate p1 unaffected' })
    .option('max-trials', { type: 'number', default: d.maxTrials, describe: 'Trials (pods) after which a step ends undecided' })
    .option('history', { type: 'string', describe: 'SQLite history: earlier runs of the same scenario and pin count, new runs are added' })
    .option('reports-dir', { type: 'string', default: 'reports', describe: 'Where reports/bisect-<id>/ is created' })
    .option('out', { type: 'string', describe: 'Write bisect.json, bisect.md and runs/ into this directory instead' }) as Argv<BisectArgs>;
}

/** Exit code: 0 boundary found, 1 inconclusive or ambiguous, 2 bad input, 3 infrastructure, 130 interrupted. */
export async function bisectCommand(args: BisectArgs): Promise<number> {
  if (args.component !== 'containerd' && args.component !== 'runc') {
    throw new InputError(`--component ${args.component}: bisect pins containerd or runc.`);
  }
  const component: BisectComponent = args.component;
  const sprt: SprtParameters = { p0: args.p0, p1: args.p1, alpha: args.alpha, beta: args.beta, maxTrials: args['max-trials'] };
  const measure = parseOccurrenceMeasure(args.measure);
  const overrides = args.set.map(String);
  // Everything the user can get wrong is refused before the history is opened or anything is built.
  checkBisectInput({ scenarioFile: args.scenario, overrides, component, sprt });
  const history = args.history === undefined ? undefined : HistoryStore.open(args.history, { create: true });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping the current run and cleaning up; bisect.json keeps the steps completed\n`);
    controller.abort(new InterruptedError(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { result, dir } = await runBisect({
      scenarioFile: args.scenario,
      overrides,
      good: args.good,
      bad: args.bad,
      component,
      measure,
      sprt,
      outDir: args.out,
      reportsDir: args['reports-dir'],
      history,
      historyDb: args.history,
      signal: controller.signal,
      onNotice: (line) => process.stderr.write(`  ${line}\n`),
      onStep: (step) => process.stderr.write(`${describeStep(step)}\n`),
    });
    if (controller.signal.aborted) throw controller.signal.reason;
    process.stdout.write(
      `${result.reason}\nsteps ${result.steps.length}, ` +
        `runs ${result.totals.runs}, wall ${result.totals.wallSeconds} s (obtaining pins ${result.totals.buildSeconds} s)\n${dir}/bisect.md\n`,
    );
    return result.outcome === 'found' ? ExitCode.ok : ExitCode.gateFailed;
  } finally {
    history?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function describeStep(step: BisectStep): string {
  if (step.verdict === 'gap') return `step ${step.index}: ${step.version} gap (${step.gapReason?.slice(0, 200)})`;
  const reused = step.reusedTrials ? `, ${step.reusedTrials} trials reused` : '';
  return `step ${step.index}: ${step.version} ${step.verdict}: ${step.occurrences}/${step.trials}${reused}, ${step.runs.length} run(s), ${step.wallSeconds} s`;
}

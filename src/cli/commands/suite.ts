import type { Argv } from 'yargs';
import { InputError, InterruptedError } from '../../errors.js';
import { bugCatalogFile, loadBugLibrary, selectBugs } from '../../measurements/bug-library/bug-library.js';
import { renderSuiteTerminal } from '../../reports/suite-report.js';
import { HistoryStore } from '../../results/history.js';
import { runSuite } from '../../run/suite.js';

export interface SuiteArgs {
  containerd: string;
  runc: string;
  bugs?: string;
  set: string[];
  'reports-dir': string;
  library?: string;
  history?: string;
  json: boolean;
}

export function suiteOptions(yargs: Argv): Argv<SuiteArgs> {
  return yargs
    .option('containerd', {
      type: 'string',
      default: 'system',
      describe: 'Runtime-store key of the candidate containerd (as runtime.containerd of podchurn run)',
    })
    .option('runc', { type: 'string', default: 'system', describe: 'Runtime-store key of the candidate runc (as runtime.runc)' })
    .option('bugs', { type: 'string', describe: 'Comma-separated bug ids of the library (default: every bug with measured controls)' })
    .option('set', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: "Override a field of every bug's scenario, as podchurn run --set (e.g. a kube target's cluster)",
    })
    .option('reports-dir', { type: 'string', default: 'reports', describe: 'Where the suite directory (<date>-<time>-<hex>-suite/) is created' })
    .option('library', { type: 'string', describe: 'Bug library file; default: the catalog/bugs.yaml podchurn ships' })
    .option('history', { type: 'string', describe: "Record each bug's run in this SQLite history (created if missing)" })
    .option('json', { type: 'boolean', default: false, describe: 'Print suite.json to stdout instead of the table' }) as Argv<SuiteArgs>;
}

/** Exit code for pipelines: 0 no bug observed, 1 a bug observed, 2 bad input, 3 a bug's run failed. */
export async function suiteCommand(args: SuiteArgs): Promise<number> {
  const library = loadBugLibrary(args.library ?? bugCatalogFile());
  const ids = args.bugs === undefined ? [] : args.bugs.split(',').map((id) => id.trim());
  if (ids.some((id) => id === '')) throw new InputError(`--bugs ${JSON.stringify(args.bugs)}: an empty bug id; give ids separated by commas`);
  const bugs = selectBugs(library, ids);
  if (ids.length === 0) {
    const unreproduced = library.filter((b) => !b.reproduced).map((b) => b.id);
    if (unreproduced.length) process.stderr.write(`not run (no measured controls; name them with --bugs to run them anyway): ${unreproduced.join(', ')}\n`);
  }
  const history = args.history === undefined ? undefined : HistoryStore.open(args.history, { create: true });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    process.stderr.write(`\n${signal}: stopping the suite; the current bug's run cleans up its pods\n`);
    controller.abort(new InterruptedError(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { result, directory } = await runSuite({
      bugs,
      containerd: args.containerd,
      runc: args.runc,
      overrides: args.set.map(String),
      reportsDir: args['reports-dir'],
      history,
      signal: controller.signal,
      onNotice: (line) => process.stderr.write(`${line}\n`),
      onBugStart: (bug, index, total) => process.stderr.write(`[${index + 1}/${total}] ${bug.id}: ${bug.title}\n`),
    });
    process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderSuiteTerminal(result, directory)}\n`);
    return result.exitCode;
  } finally {
    history?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

import type { Argv } from 'yargs';
import { renderHistoryHtml } from '../../reports/history-html.js';
import { renderHistoryTerminal } from '../../reports/history-terminal.js';
import { HistoryStore } from '../../results/history.js';
import { InputError } from '../../errors.js';
import { emit, historyComparison, limitOptions, parseLimits, writeOutput } from './compare.js';

export function historyOptions(yargs: Argv) {
  return yargs
    .positional('db', { type: 'string', demandOption: true, describe: 'SQLite history written by podchurn run --history' })
    .option('scenario', { type: 'string', describe: 'Only this scenario' })
    .option('html', { type: 'string', describe: 'Also write an HTML trend chart to FILE' });
}

/** Prints the trend of every scenario/cell and optionally writes the HTML chart. */
export function historyCommand(args: { db: string; scenario?: string; html?: string }): number {
  const store = HistoryStore.open(args.db, { create: false });
  try {
    const rows = store.rows(args.scenario);
    if (args.scenario !== undefined && rows.length === 0) {
      const known = [...new Set(store.rows().map((r) => r.scenario))];
      throw new InputError(`--scenario ${args.scenario}: no runs of that scenario in ${args.db}; it has ${known.length ? known.join(', ') : 'no runs'}.`);
    }
    if (args.html) writeOutput(args.html, renderHistoryHtml(rows), '--html');
    process.stdout.write(`${renderHistoryTerminal(rows)}\n`);
    return 0;
  } finally {
    store.close();
  }
}

export function compareHistoryOptions(yargs: Argv) {
  return limitOptions(
    yargs
      .positional('db', { type: 'string', demandOption: true, describe: 'SQLite history' })
      .positional('run', { type: 'string', demandOption: true, describe: 'Run directory to compare with its history' }),
  );
}

export function compareHistoryCommand(args: {
  db: string;
  run: string;
  last: number;
  'max-regression': string[];
  'max-stuck'?: string;
  markdown?: string;
  json?: string;
}): number {
  if (!Number.isInteger(args.last) || args.last < 1) throw new InputError(`--last must be a whole number >= 1, got "${String(args.last)}".`);
  return emit(historyComparison(args.db, args.run, args.last, parseLimits(args)), args);
}

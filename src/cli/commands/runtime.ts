import type { Argv } from 'yargs';
import { renderTable } from '../../reports/table.js';
import { components, lostExitStatus, runtimeCatalog } from '../../runtime/catalog.js';
import { RuntimeStore, parseAnyKey, type SourceKind } from '../../runtime/store.js';

const progress = (line: string) => process.stderr.write(`  ${line}\n`);

/** `podchurn runtime list|fetch|build|add|path`: the pinned runtime store. */
export function runtimeCommands(yargs: Argv): Argv {
  return yargs
    .command('list', 'Catalog versions and what is installed (source, verified version)', {}, async () => {
      const store = new RuntimeStore();
      const installed = await store.list();
      const catalog = runtimeCatalog();
      const keys = new Set([
        ...components.flatMap((component) => Object.keys(catalog[component].versions).map((v) => `${component}@${v}`)),
        ...installed.map((e) => e.key),
      ]);
      const rows = [...keys].sort().map((key) => {
        const entry = installed.find((e) => e.key === key);
        const { component, version } = parseAnyKey(key);
        const note = catalog[component].versions[version]?.note ?? '';
        return [
          key,
          entry ? `installed (${entry.source})` : '-',
          entry ? (Object.values(entry.verifiedVersions)[0] ?? '') : '',
          component === 'containerd' ? lostExitStatus(version) : '',
          note,
        ];
      });
      process.stdout.write(`${renderTable(['key', 'state', 'verified', 'lost-exit bug', 'note'], rows)}\n\nStore: ${store.root}\n`);
    })
    .command(
      'fetch <key>',
      'Install a key: release archive (checksum-verified), else a Go module proxy build',
      (y) => y.positional('key', { type: 'string', demandOption: true }),
      async (args) => {
        await install(args.key, undefined);
      },
    )
    .command(
      'build <key>',
      'Build a key from the Go module proxy (cached; a second build takes seconds)',
      (y) => y.positional('key', { type: 'string', demandOption: true }),
      async (args) => {
        await install(args.key, ['go-build']);
      },
    )
    .command(
      'add <key>',
      'Install a key from a local directory of binaries (verified against the key)',
      (y) =>
        y
          .positional('key', { type: 'string', demandOption: true })
          .option('from', { type: 'string', demandOption: true, describe: 'Directory holding the binaries' }),
      async (args) => {
        await install(args.key, undefined, args.from);
      },
    )
    .command(
      'path <key>',
      'Print the directory of an installed key',
      (y) => y.positional('key', { type: 'string', demandOption: true }),
      async (args) => {
        const parsed = parseAnyKey(args.key);
        const binaries = await new RuntimeStore().ensure(parsed, { autoInstall: false });
        process.stdout.write(`${Object.values(binaries)[0]!.replace(/\/[^/]+$/, '')}\n`);
      },
    )
    .demandCommand(1, 'Name a runtime command: list, fetch, build, add or path.');
}

async function install(key: string, sources: SourceKind[] | undefined, fromDir?: string): Promise<void> {
  const parsed = parseAnyKey(key);
  process.stderr.write(`installing ${parsed.key}\n`);
  const entry = await new RuntimeStore().install(parsed, { sources, fromDir, onProgress: progress });
  process.stdout.write(`${entry.key}: ${entry.source}, verified ${JSON.stringify(entry.verifiedVersions)} in ${entry.origin.seconds} s\n`);
}

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { provisionSetUp } from '../helpers/provision.js';
import { runDirOf } from '../helpers/run-dir.js';

/**
 * bin/podchurn.js runs dist/podchurn.cjs, one file bundled from the compiled CLI, from the V8 code
 * cache written beside it (npm run build; npm test's set-up builds both). These run that file as users
 * do: data files (the CRI proto, the catalog, image sources, uPlot) must be found from the package
 * root, and better-sqlite3 loads from node_modules.
 */
function podchurn(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['bin/podchurn.js', ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 300_000,
  });
}

const reportCodeCache = { PODCHURN_CODE_CACHE_REPORT: '1' };

describe('the bundled CLI (bin/podchurn.js -> dist/podchurn.cjs)', function () {
  this.timeout(300_000);
  // The set-up rebuilds dist/ when a source is newer, so this file passes alone after an edit too.
  before(provisionSetUp());

  it('is built from the current sources and answers --version with the package version', () => {
    const bundle = join(repoRoot, 'dist', 'podchurn.cjs');
    expect(existsSync(bundle), 'npm run build writes dist/podchurn.cjs').to.equal(true);
    expect(statSync(bundle).mtimeMs).to.be.at.least(statSync(join(repoRoot, 'dist', 'cli', 'main.js')).mtimeMs);
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(podchurn(['--version']).stdout.trim()).to.equal(version);
    // The catalog comes from catalog/ beside the bundle's package.json.
    expect(podchurn(['runtime', 'list']).stdout).to.match(/containerd@1\.7\.15 .* affected/);
  });

  it('starts from the code cache written at build time, and without it (none, or one V8 rejects) works the same', () => {
    const withCache = podchurn(['validate', 'scenarios/quickstart.yaml'], { env: reportCodeCache });
    expect(withCache.stderr).to.include('podchurn: code cache used');
    expect(withCache.status).to.equal(0);

    // A copy of the package whose cache is absent, then garbage: the answers must not change.
    const copy = mkdtempSync(join(tmpdir(), 'podchurn-bundle-copy-'));
    for (const dir of ['bin', 'dist', 'scenarios']) mkdirSync(join(copy, dir));
    for (const file of ['package.json', 'bin/podchurn.js', 'dist/podchurn.cjs', 'scenarios/quickstart.yaml'])
      copyFileSync(join(repoRoot, file), join(copy, file));
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
    const absent = podchurn(['validate', 'scenarios/quickstart.yaml'], { cwd: copy, env: reportCodeCache });
    expect(absent.stderr).to.include('podchurn: code cache absent');
    writeFileSync(join(copy, 'dist/podchurn.cjs.code-cache'), Buffer.alloc(4096, 7));
    const rejected = podchurn(['validate', 'scenarios/quickstart.yaml'], { cwd: copy, env: reportCodeCache });
    expect(rejected.stderr).to.include('podchurn: code cache rejected');
    for (const run of [absent, rejected]) {
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout.replace(copy, repoRoot)).to.equal(withCache.stdout);
    }
  });

  it('runs a CRI scenario end to end (gRPC with the CRI proto, images, reports with uPlot inline, SQLite history)', () => {
    const work = mkdtempSync(join(tmpdir(), 'podchurn-bundle-'));
    const reports = join(work, 'reports');
    const run = podchurn([
      'run',
      'scenarios/quickstart.yaml',
      '--set',
      'pods=2',
      '--set',
      'batchSize=2',
      '--set',
      'concurrency=2',
      '--reports-dir',
      reports,
      '--history',
      join(work, 'history.db'),
    ]);
    expect(run.status, run.stderr).to.equal(0);
    const runDir = runDirOf(reports);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { cells: { outcomes: Record<string, number> }[] };
    expect(summary.cells.map((c) => c.outcomes.ok)).to.deep.equal([2, 2]);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).to.include('uPlot');
    const history = podchurn(['history', join(work, 'history.db')]);
    expect(history.status, history.stderr).to.equal(0);
    expect(history.stdout).to.include('quickstart / workload.onSigterm=exit (1 run(s))');
  });
});

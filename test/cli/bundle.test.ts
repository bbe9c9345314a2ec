import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, twoPodQuickstart } from '../helpers/cli.js';
import { provisionSetUp } from '../helpers/provision.js';
import { runDirOf } from '../helpers/run-dir.js';

/**
 * bin/podchurn.js runs dist/podchurn.cjs, one file bundled from the compiled CLI (npm run build; npm
 * test's set-up builds it), with Node's compile cache on. These run that file as users do: data files
 * (the CRI proto, the catalog, image sources, uPlot) must be found from the package root.
 */
function podchurn(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['bin/podchurn.js', ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 300_000,
  });
}

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

  it("starts with Node's compile cache: the first start fills it, later starts answer the same, and a cache that cannot be written changes nothing", () => {
    const work = mkdtempSync(join(tmpdir(), 'podchurn-compile-cache-'));
    const cacheDir = join(work, 'cache');
    const first = podchurn(['validate', 'scenarios/quickstart.yaml'], { env: { NODE_COMPILE_CACHE: cacheDir } });
    expect(first.status, first.stderr).to.equal(0);
    // One directory per Node version and V8 flags, holding the compiled bundle and launcher.
    const [versionDir] = readdirSync(cacheDir);
    expect(versionDir).to.match(new RegExp(`^${process.version}-`));
    expect(readdirSync(join(cacheDir, versionDir!)).length).to.be.at.least(1);
    const second = podchurn(['validate', 'scenarios/quickstart.yaml'], { env: { NODE_COMPILE_CACHE: cacheDir } });
    // A directory below a regular file can never be created.
    writeFileSync(join(work, 'a-file'), '');
    const unwritable = podchurn(['validate', 'scenarios/quickstart.yaml'], { env: { NODE_COMPILE_CACHE: join(work, 'a-file', 'cache') } });
    for (const run of [second, unwritable]) {
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(first.stdout);
      expect(run.stderr).to.equal('');
    }
  });

  it('runs a CRI scenario end to end (gRPC with the CRI proto, images, reports with uPlot inline, SQLite history)', () => {
    const work = mkdtempSync(join(tmpdir(), 'podchurn-bundle-'));
    const reports = join(work, 'reports');
    const run = podchurn(twoPodQuickstart('scenarios/quickstart.yaml', reports, join(work, 'history.db')));
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

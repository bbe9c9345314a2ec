import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCommand } from '../../src/util/exec.js';
import { repoRoot, twoPodQuickstart } from '../helpers/cli.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';

/**
 * podchurn as a user installs it: `npm pack` (prepack builds the CLI), `npm install -g` of the tarball into
 * a prefix of its own, then the installed `podchurn` run from a directory that is not the checkout. It must
 * find its scenarios, catalog, proto and image sources inside the package and build what it needs.
 */
describe('the packed package, installed into a prefix of its own', function () {
  this.timeout(15 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-pack-'));
  const prefix = join(work, 'prefix');
  const elsewhere = join(work, 'elsewhere');
  let podchurn: string;
  let packageDir: string;

  before(async () => {
    mkdirSync(elsewhere);
    const packed = await runCommand('npm', ['pack', '--pack-destination', work], { cwd: repoRoot, timeoutMs: 10 * 60_000 });
    expect(packed.exitCode, packed.stderr).to.equal(0);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball, 'npm pack wrote a tarball').to.be.a('string');
    // No install scripts: the package has no native dependency (the history database is node:sqlite).
    const installed = await runCommand('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--ignore-scripts', join(work, tarball!)], {
      cwd: elsewhere,
      timeoutMs: 10 * 60_000,
    });
    expect(installed.exitCode, installed.stderr).to.equal(0);
    podchurn = join(prefix, 'bin', 'podchurn');
    packageDir = join(prefix, 'lib', 'node_modules', 'podchurn');
    expect(existsSync(podchurn)).to.equal(true);
  });

  const cli = (args: string[]) => runCommand(podchurn, args, { cwd: elsewhere, timeoutMs: 5 * 60_000 });

  it('answers --version with the package version and doctor with the CRI target ready', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const answered = await cli(['--version']);
    expect(answered.stdout.trim()).to.equal(version);
    const doctor = await cli(['doctor']);
    expect(doctor.exitCode, doctor.stdout + doctor.stderr).to.equal(0);
    expect(doctor.stdout).to.match(/cri target .*: ready/);
  });

  it('its library entry loads from the install, with kind-node-wrapper bundled inside the package (it is not on the registry)', async () => {
    expect(existsSync(join(packageDir, 'node_modules', 'kind-node-wrapper', 'dist', 'index.js'))).to.equal(true);
    const entry = pathToFileURL(join(packageDir, 'dist', 'index.js')).href;
    const program = `const m = await import(${JSON.stringify(entry)}); console.log(typeof m.KindProvider, typeof m.buildNodeImage);`;
    const loaded = await runCommand(process.execPath, ['--input-type=module', '-e', program], { cwd: elsewhere, timeoutMs: 60_000 });
    expect(loaded.exitCode, loaded.stderr).to.equal(0);
    expect(loaded.stdout.trim()).to.equal('function function');
  });

  it('validates and runs its own quickstart scenario from another directory, history included, and leaves nothing', async () => {
    const scenario = join(packageDir, 'scenarios', 'quickstart.yaml');
    const valid = await cli(['validate', scenario]);
    expect(valid.exitCode, valid.stderr).to.equal(0);
    const reports = join(work, 'reports');
    const history = join(work, 'history.db');
    const run = await cli(twoPodQuickstart(scenario, reports, history));
    expect(run.exitCode, run.stderr).to.equal(0);
    const [runId] = readdirSync(reports);
    const summary = JSON.parse(readFileSync(join(reports, runId!, 'summary.json'), 'utf8')) as {
      status: string;
      cells: { podCount: number; outcomes: { ok: number } }[];
    };
    expect(summary.status).to.equal('completed');
    expect(summary.cells.map((c) => [c.podCount, c.outcomes.ok])).to.deep.equal([
      [2, 2],
      [2, 2],
    ]);
    // The native SQLite binding works in the installed package.
    const trend = await cli(['history', history]);
    expect(trend.exitCode, trend.stderr).to.equal(0);
    expect(trend.stdout).to.include(runId);
    expect(await hostLeftovers(runId!)).to.deep.equal([]);
  });
});

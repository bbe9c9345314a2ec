import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { runScenarioFile } from '../helpers/scenario-run.js';
import { ensureStoreKeys } from '../helpers/provision.js';
import { packagePath } from '../../src/util/package-root.js';

/**
 * The bug library's containerd-10767 scenario, briefly, on the real runtimes: sandboxes with their own network
 * namespace on podchurn's containerd, whose CNI config directory is empty. RunPodSandbox fails on both releases and
 * leaves the sandbox behind; on 1.7.22 it can never be removed (each pod an occurrence, named by the leak check with
 * the namespace it held, which the teardown unmounts), on 1.7.23 the pod's delete removes it.
 */
const scenarioFile = packagePath('scenarios', 'bugs', 'containerd-10767.yaml');
const pods = 3;

async function churn(containerd: string) {
  const overrides = [`runtime.containerd=${containerd}`, `pods=${pods}`, `batchSize=${pods}`, `concurrency=${pods}`];
  const { analysis, events } = await runScenarioFile(scenarioFile, overrides, 'cni');
  const cell = analysis.summary.cells[0]!;
  expect(analysis.summary.status).to.equal('completed');
  expect(cell.runtime.containerd).to.equal(containerd);
  expect(cell.podCount).to.equal(pods);
  // Both releases refuse the network the same way, and keep the failed sandbox: the pod finds it by its labels.
  const createErrors = events.filter((e) => e.kind === 'error' && e.data.phase === 'create');
  expect(createErrors).to.have.length(pods);
  for (const e of createErrors) expect(e.data.message).to.match(/failed to setup network for sandbox "[0-9a-f]{64}": cni plugin not initialized/);
  const left = events.filter((e) => e.kind === 'sandbox-left');
  expect(left.map((e) => [e.data.state, String(e.data.sandboxId).length])).to.deep.equal(Array(pods).fill(['SANDBOX_NOTREADY', 64]));
  // Whatever the runtime did, nothing of the run stays on the host.
  expect(await hostLeftovers(analysis.summary.runId)).to.deep.equal([]);
  expect(analysis.summary.leakCheck.leaked).to.deep.equal([]);
  return { cell, events, leakCheck: analysis.summary.leakCheck };
}

describe('a sandbox whose network was never set up (containerd#10767)', function () {
  this.timeout(5 * 60_000);
  before(() => ensureStoreKeys('containerd@1.7.22', 'containerd@1.7.23', 'runc@1.1.14'));

  it('containerd 1.7.22 can never remove it: every pod an occurrence, each sandbox and its namespace named, the namespace unmounted', async () => {
    const { cell, events, leakCheck } = await churn('1.7.22');
    expect(cell.sandboxesNotRemoved).to.equal(pods);
    const refused = events.filter((e) => e.kind === 'sandbox-not-removed');
    expect(refused).to.have.length(pods);
    for (const e of refused) {
      expect(e.data.call).to.equal('StopPodSandbox');
      expect(e.data.message).to.match(/failed to destroy network for sandbox "[0-9a-f]{64}": cni plugin not initialized/);
    }
    expect(events.filter((e) => e.kind === 'gone')).to.deep.equal([]);
    // Cleanup tried again and failed; the leak check says which sandbox, of which pod, holding which namespace, and why.
    expect(leakCheck.leftInRuntime).to.have.length(pods);
    for (const item of leakCheck.leftInRuntime) {
      expect(item).to.match(/^sandbox\/[0-9a-f]{12} of \S+ \(SANDBOX_NOTREADY\) holding network namespace \/var\/run\/netns\/cni-[0-9a-f-]+: /);
      expect(item).to.match(/: RemovePodSandbox: .*cni plugin not initialized/);
    }
    expect(leakCheck.removedWithRuntime).to.equal(pods);
    const namespaces = leakCheck.leftInRuntime.map((item) => /holding network namespace (\S+):/.exec(item)![1]!);
    expect(leakCheck.removedAtTeardown).to.have.members(namespaces.map((path) => `network namespace ${path.replace(/^\/var\/run\//, '/run/')}`));
    for (const path of namespaces) expect(existsSync(path), path).to.equal(false);
  });

  it('containerd 1.7.23 removes it with the pod: no occurrence, nothing left in the runtime', async () => {
    const { cell, events, leakCheck } = await churn('1.7.23');
    expect(cell.sandboxesNotRemoved).to.equal(0);
    expect(events.filter((e) => e.kind === 'sandbox-not-removed')).to.deep.equal([]);
    expect(events.filter((e) => e.kind === 'gone')).to.have.length(pods);
    expect(leakCheck.leftInRuntime).to.deep.equal([]);
    expect(leakCheck.removedAtTeardown).to.deep.equal([]);
  });

  it('the config-removed form: 1.7.23 too refuses a sandbox whose network was set up, until the config is back', async () => {
    const file = packagePath('scenarios', 'bugs', 'controls', 'containerd-10767-config-removed.yaml');
    const overrides = ['runtime.containerd=1.7.23', 'pods=2', 'batchSize=2', 'concurrency=2'];
    const { analysis, events } = await runScenarioFile(file, overrides, 'cni-removed');
    const cell = analysis.summary.cells[0]!;
    // Set up on the network, stopped fine, then refused while the runtime had no CNI config.
    expect(events.filter((e) => e.kind === 'stop-returned')).to.have.length(2);
    expect(cell.sandboxesNotRemoved).to.equal(2);
    for (const e of events.filter((e) => e.kind === 'sandbox-not-removed'))
      expect(e.data.message).to.match(/failed to destroy network for sandbox "[0-9a-f]{64}": cni plugin not initialized/);
    // With the config written back, cleanup removed them: forced, nothing left in the runtime or on the host.
    expect(analysis.summary.leakCheck.forced).to.have.length(2);
    expect(analysis.summary.leakCheck.leftInRuntime).to.deep.equal([]);
    expect(analysis.summary.leakCheck.leaked).to.deep.equal([]);
    expect(await hostLeftovers(analysis.summary.runId)).to.deep.equal([]);
  });
});

import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { runCommand } from '../../src/util/exec.js';
import { packagePath } from '../../src/util/package-root.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { ensureStoreKeys } from '../helpers/provision.js';
import { runScenarioFile } from '../helpers/scenario-run.js';

/**
 * The bug library's containerd-12923 scenario, once per release, on the real runtimes: a bridge + host-local network
 * of podchurn's own whose ADD is held back, and the managed containerd stopped with SIGTERM and started again while
 * every RunPodSandbox waits after its ADD. 1.7.24 never runs the CNI DEL of those sandboxes (each pod's IP stays
 * reserved: an occurrence); 1.7.31 does. On both, the teardown leaves nothing of the network on the host.
 */
const scenarioFile = packagePath('scenarios', 'bugs', 'containerd-12923.yaml');

async function churn(containerd: string) {
  const { analysis, events } = await runScenarioFile(scenarioFile, [`runtime.containerd=${containerd}`], 'cni-ip');
  const { summary } = analysis;
  const cell = summary.cells[0]!;
  expect(summary.status).to.equal('completed');
  expect(cell.runtime.containerd).to.equal(containerd);
  // The step landed among the creates: each one failed with the daemon gone, and its pod found the sandbox the new daemon kept.
  expect(events.filter((e) => e.kind === 'runtime-step')).to.have.length(1);
  expect(cell.criErrors).to.deep.equal({ 'create:UNAVAILABLE': cell.podCount });
  expect(events.filter((e) => e.kind === 'sandbox-left')).to.have.length(cell.podCount);
  expect(events.filter((e) => e.kind === 'gone')).to.have.length(cell.podCount);
  // Nothing of the run or its network on the host: processes, mounts, cgroups, directories, the bridge, cache files.
  expect(await hostLeftovers(summary.runId)).to.deep.equal([]);
  expect(summary.leakCheck.leaked).to.deep.equal([]);
  const bridge = String(summary.leakCheck.removedAtTeardown?.find((r) => r.startsWith('bridge '))).replace('bridge ', '');
  expect(bridge).to.match(/^pc[0-9a-f]{10}$/);
  expect((await runCommand('ip', ['link', 'show', bridge])).exitCode).to.not.equal(0);
  const cache = readdirSync('/var/lib/cni/results');
  for (const e of events.filter((e) => e.kind === 'sandbox-left')) expect(cache.some((name) => name.includes(String(e.data.sandboxId)))).to.equal(false);
  return { cell, events, leakCheck: summary.leakCheck };
}

describe('containerd exiting after the CNI ADD (containerd#12923)', function () {
  this.timeout(5 * 60_000);
  before(() => ensureStoreKeys('containerd@1.7.24', 'containerd@1.7.31', 'runc@1.1.14'));

  it('containerd 1.7.24 skips the DEL: every pod keeps its IP reserved, each named by the leak check', async () => {
    const { cell, events, leakCheck } = await churn('1.7.24');
    expect(cell.ipsLeaked).to.equal(cell.podCount);
    const leaked = events.filter((e) => e.kind === 'ip-leaked');
    expect(leaked.map((e) => e.pod).sort()).to.deep.equal(
      events
        .filter((e) => e.kind === 'sandbox-left')
        .map((e) => e.pod)
        .sort(),
    );
    for (const e of leaked) expect(e.data.ip).to.match(/^10\.2[0-3]\d\.\d+\.\d+$/);
    expect(leakCheck.leftInRuntime).to.have.length(cell.podCount);
    for (const item of leakCheck.leftInRuntime) expect(item).to.match(/^ip\/[\d.]+ reserved in podchurn-[0-9a-f]{10} for sandbox\/[0-9a-f]{12} of \S+, /);
    // The loopback network's cache file of each sandbox whose DEL never ran went with the teardown.
    expect(leakCheck.removedAtTeardown?.filter((r) => r.startsWith('CNI result cache '))).to.have.length(cell.podCount);
  });

  it('containerd 1.7.31 runs the DEL of the sandbox it kept: no address stays reserved', async () => {
    const { cell, events, leakCheck } = await churn('1.7.31');
    expect(cell.ipsLeaked).to.equal(0);
    expect(events.filter((e) => e.kind === 'ip-leaked')).to.deep.equal([]);
    expect(leakCheck.leftInRuntime).to.deep.equal([]);
    expect(leakCheck.removedAtTeardown?.filter((r) => r.startsWith('CNI result cache '))).to.deep.equal([]);
  });
});

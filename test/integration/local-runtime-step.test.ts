import { expect } from 'chai';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../src/results/summary.js';
import { runScenario } from '../../src/run/run-scenario.js';
import { RuntimeStore } from '../../src/runtime/store.js';
import { writeGracefulKubeScenario } from '../helpers/kube-run-checks.js';
import { clusterLeftovers } from '../helpers/local-cluster-leftovers.js';
import { KUBERNETES_KEY, provisionStoreKeys } from '../helpers/provision.js';
import { runEvents } from '../helpers/run-dir.js';

interface StepData {
  node: string;
  from: { containerdKey: string; measured: { shim: string }; daemonPid: number };
  to: { containerdKey: string; measured: { shim: string }; daemonPid: number; criRuntimeVersion: string };
  shimPidsAfter: number[];
}

/**
 * The in-place upgrade on a real single-node cluster (etcd, apiserver, controllers, scheduler, kubelet and
 * containerd from processes): after cycle 1's pods are ready, the node's containerd 1.7.15 is replaced by
 * 1.7.22 with its shims left running, and the kubelet carries on against the new daemon. Pods of cycle 1
 * must be served by the 1.7.15 shim and pods of cycle 2 by the 1.7.22 one (measured from the shim processes),
 * every pod must still be deleted through the new daemon, the node must be back on 1.7.15 after the cell,
 * and nothing may be left once the run has taken its cluster down.
 */
describe('runtime step on the local provider: the node containerd replaced in place while pods run', function () {
  this.timeout(15 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'podchurn-local-step-'));
  const cluster = 'pc-step';
  before(provisionStoreKeys(KUBERNETES_KEY, 'containerd@1.7.15', 'containerd@1.7.22', 'runc@1.1.14'));

  it('labels pods before/after the step, measures each pod’s shim, deletes them all through the new daemon, restores the pin, leaves nothing', async () => {
    const file = writeGracefulKubeScenario(
      work,
      'local-step',
      { provider: 'local', name: cluster },
      {
        runtime: { containerd: '1.7.15', runc: '1.1.14' },
        pods: 3,
        batchSize: 3,
        concurrency: 3,
        cycles: 2,
        gracePeriodSeconds: 2,
        slackSeconds: 15,
        workload: { onSigterm: 'exit' },
        runtimeStep: { afterCycleHold: 1, containerd: '1.7.22' },
      },
    );
    const { analysis, dir } = await runScenario({ scenarioFile: file, overrides: [], reportsDir: join(work, 'reports'), signal: new AbortController().signal });
    expect(analysis.summary.error, JSON.stringify(analysis.summary.error)).to.equal(undefined);
    expect(analysis.summary.leakCheck.leaked).to.deep.equal([]);
    expect(await clusterLeftovers(cluster)).to.deep.equal([]);

    const events = runEvents(dir.path);
    const steps = events.filter((e) => e.kind === 'runtime-step').map((e) => e.data as unknown as StepData);
    expect(steps).to.have.length(1);
    const [step] = steps;
    expect([step!.from.containerdKey, step!.to.containerdKey]).to.deep.equal(['containerd@1.7.15', 'containerd@1.7.22']);
    expect(step!.to.criRuntimeVersion).to.match(/1\.7\.22/);
    expect(step!.to.daemonPid).to.not.equal(step!.from.daemonPid);
    // Cycle 1's three pods kept their shims through the step.
    expect(step!.shimPidsAfter.length).to.be.at.least(3);
    const restored = events.filter((e) => e.kind === 'runtime-restored').map((e) => e.data as unknown as StepData);
    expect(restored.map((r) => [r.from.containerdKey, r.to.containerdKey])).to.deep.equal([['containerd@1.7.22', 'containerd@1.7.15']]);

    const store = new RuntimeStore();
    const shimOf = async (version: string) => realpathSync((await store.resolveBinarySet(version, '1.1.14')).shim);
    const [oldShim, newShim] = [await shimOf('1.7.15'), await shimOf('1.7.22')];
    const side = (cycle: number) => analysis.records.filter((r) => r.cycle === cycle);
    expect(side(1).map((r) => [r.createdRelativeToStep, r.shim?.version, r.shim?.exe])).to.deep.equal(Array(3).fill(['before', '1.7.15', oldShim]));
    expect(side(2).map((r) => [r.createdRelativeToStep, r.shim?.version, r.shim?.exe])).to.deep.equal(Array(3).fill(['after', '1.7.22', newShim]));
    expect(analysis.records.map((r) => r.outcome)).to.deep.equal(Array(6).fill('ok'));

    const summary = JSON.parse(readFileSync(join(dir.path, 'summary.json'), 'utf8')) as RunSummary;
    const groups = summary.cells[0]!.byShim!.map((g) => [g.shimVersion, g.createdRelativeToStep, g.pods, g.stuck]);
    expect(groups).to.have.deep.members([
      ['1.7.15', 'before', 3, 0],
      ['1.7.22', 'after', 3, 0],
    ]);
    expect(readFileSync(join(dir.path, 'report.md'), 'utf8')).to.match(/## Runtime step[^#]*\| cell-01 \| before \| 1\.7\.15 \| 3 \| 3 \| 0 \| 0 \|/);
    expect(readFileSync(join(dir.path, 'report.html'), 'utf8')).to.include('<h2>Runtime step</h2>');
  });
});

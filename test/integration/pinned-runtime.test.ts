import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeStore } from '../../src/runtime/store.js';
import { runScenario } from '../../src/run/run-scenario.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { ensureStoreKeys } from '../helpers/provision.js';
import { writeScenario } from '../helpers/scenario.js';

/**
 * Pinned runtimes for real: the keys are built from the Go module proxy on first use (minutes,
 * cached in the podchurn cache afterwards) and the run must record the versions it measured.
 */
const PINNED = { containerd: '1.7.22', runc: '1.1.14' } as const;

describe('pinned runtimes', function () {
  this.timeout(40 * 60_000);
  before(() => ensureStoreKeys(`containerd@${PINNED.containerd}`, `runc@${PINNED.runc}`));

  it('resolves a cached pin in well under a second', async () => {
    const started = performance.now();
    const set = await new RuntimeStore().resolveBinarySet(PINNED.containerd, PINNED.runc, { autoInstall: false });
    expect(performance.now() - started).to.be.below(1000);
    expect(set.containerdKey).to.equal('containerd@1.7.22');
    expect(set.shim).to.match(/containerd@1\.7\.22\/bin\/containerd-shim-runc-v2$/);
  });

  it('runs a scenario on the pinned containerd + runc and records the versions it measured', async () => {
    const { file, reportsDir } = writeScenario('pinned', {
      pods: 4,
      batchSize: 4,
      gracePeriodSeconds: 2,
      runtime: { containerd: PINNED.containerd, runc: PINNED.runc },
      matrix: { 'workload.onSigterm': ['exit', 'ignore'] },
    });
    const { analysis, dir } = await runScenario({ scenarioFile: file, overrides: [], reportsDir, signal: new AbortController().signal });
    const environment = JSON.parse(readFileSync(join(dir.path, 'environment.json'), 'utf8'));
    const runtime = environment.runtimes[0];
    expect(environment.runtimes).to.have.length(1); // both cells share one daemon
    expect(runtime.measured).to.include({ containerd: '1.7.22', shim: '1.7.22', runc: '1.1.14' });
    expect(runtime.cri.runtimeVersion).to.match(/1\.7\.22/);
    expect(runtime.requested).to.deep.equal({ containerd: 'containerd@1.7.22', runc: 'runc@1.1.14' });
    const config = readFileSync(join(dir.path, 'logs', 'containerd-1.log'), 'utf8');
    expect(config).to.match(/containerd successfully booted/);
    for (const cell of analysis.summary.cells) {
      expect(cell.runtime.containerd).to.equal('1.7.22');
      expect(cell.runtime.runc).to.equal('1.1.14');
      expect(cell.outcomes.ok).to.equal(4);
    }
    expect(analysis.records.filter((r) => r.cell === 'cell-02').every((r) => r.exitCode === 137)).to.equal(true);
    expect(await hostLeftovers(analysis.summary.runId)).to.deep.equal([]);
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../src/util/package-root.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { ensureStoreKeys } from '../helpers/provision.js';
import { runScenarioFile } from '../helpers/scenario-run.js';

/**
 * The bug library's containerd-6080 scenario and its control on the real runtimes (containerd 2.3.2, runc 1.4.2): a
 * StopContainer sent 1 s into each StartContainer. With a 4 s runc create the container is still starting: containerd
 * answers the stop with OK without signalling, and the container then runs. Without the slow create the start is done
 * by then and the stop sends SIGTERM.
 */
async function churn(file: string) {
  const { analysis, dir, events } = await runScenarioFile(file, ['runtime.containerd=2.3.2', 'runtime.runc=1.4.2'], 'stop-during-start');
  const { summary } = analysis;
  expect(summary.status).to.equal('completed');
  const cell = summary.cells[0]!;
  expect(cell.podCount).to.equal(5);
  // Either way every pod is deleted normally afterwards, and nothing stays.
  expect(cell.outcomes.ok).to.equal(cell.podCount);
  expect(await hostLeftovers(summary.runId)).to.deep.equal([]);
  expect(summary.leakCheck.leaked).to.deep.equal([]);
  const early = events.filter((e) => e.kind === 'stop-during-start');
  expect(early).to.have.length(cell.podCount);
  for (const e of early) expect(e.data.returnedMs, 'every early stop returned OK').to.be.a('number');
  return { cell, events, early, log: readFileSync(join(dir.path, 'logs', 'containerd-1.log'), 'utf8') };
}

describe('a container stopped while it is being started (containerd#6080)', function () {
  this.timeout(3 * 60_000);
  before(() => ensureStoreKeys('containerd@2.3.2', 'runc@1.4.2'));

  it('runs on after the stop: containerd answered OK for a container still CREATED', async () => {
    const { cell, events, early, log } = await churn(packagePath('scenarios', 'bugs', 'containerd-6080.yaml'));
    expect(cell.stopsIgnored).to.equal(cell.podCount);
    expect(events.filter((e) => e.kind === 'running-after-stop')).to.have.length(cell.podCount);
    for (const e of early) expect(e.data.startReturnedFirst).to.equal(false);
    expect(log.match(/must be in running or unknown state, current state \\"CONTAINER_CREATED\\"/g)).to.have.length(cell.podCount);
  });

  it('stops a container whose start has returned: SIGTERM is sent and it does not run on', async () => {
    const { cell, events, early, log } = await churn(packagePath('scenarios', 'bugs', 'controls', 'containerd-6080-fast-start.yaml'));
    expect(cell.stopsIgnored).to.equal(0);
    expect(events.filter((e) => e.kind === 'running-after-stop')).to.deep.equal([]);
    for (const e of early) expect(e.data.startReturnedFirst).to.equal(true);
    expect(log).to.not.include('current state \\"CONTAINER_CREATED\\"');
    expect(log.match(/with signal terminated/g)).to.have.length(cell.podCount);
  });
});

import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentRecord } from '../../src/results/environment.js';
import { parseEventLines } from '../../src/results/event-log.js';
import type { RunSummary } from '../../src/results/summary.js';
import { runScenario } from '../../src/run/run-scenario.js';
import { sleep } from '../../src/util/clock.js';
import { spawnCli } from '../helpers/cli.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { ensureStoreKeys } from '../helpers/provision.js';
import { runDirOf } from '../helpers/run-dir.js';
import { writeScenario } from '../helpers/scenario.js';

/**
 * The runtime side of the stop waterfall on real containerds: whether each serves CRI
 * GetContainerEvents, what a stop's exit event looks like there, and that the subscription ends
 * with the session (close or interrupt) instead of being torn down by the daemon's teardown.
 * The lost-exit pair (1.7.15 / 1.7.22) is in lost-exit.test.ts.
 */
const small = { pods: 3, batchSize: 3, concurrency: 3, cycles: 1, gracePeriodSeconds: 2, requestTimeoutSeconds: 15 };

async function churn(name: string, fields: Record<string, unknown>) {
  const { file, reportsDir } = writeScenario(name, { ...small, ...fields });
  const { analysis, dir } = await runScenario({ scenarioFile: file, overrides: [], reportsDir, signal: new AbortController().signal });
  const events = parseEventLines(readFileSync(join(dir.path, 'events.jsonl'), 'utf8'));
  const environment = JSON.parse(readFileSync(join(dir.path, 'environment.json'), 'utf8')) as EnvironmentRecord;
  expect(await hostLeftovers(analysis.summary.runId)).to.deep.equal([]);
  return { analysis, events, environment, cell: analysis.summary.cells[0]! };
}

const streamStates = (events: ReturnType<typeof parseEventLines>) =>
  events.filter((e) => e.kind === 'container-events').map((e) => (e.data as { state: string }).state);

describe('stop waterfall on real runtimes (CRI GetContainerEvents)', function () {
  this.timeout(10 * 60_000);
  before(() => ensureStoreKeys('containerd@2.1.4', 'runc@1.3.3'));

  it("containerd 1.6.20 (Debian's) does not serve GetContainerEvents: a note in the run, not an error", async () => {
    const { analysis, events, environment, cell } = await churn('waterfall-1620', {});
    expect(cell.runtime.containerd).to.match(/^1\.6\./);
    expect(analysis.summary.status).to.equal('completed');
    expect(analysis.summary.exitCode).to.equal(0);
    expect(events.filter((e) => e.kind === 'container-events').map((e) => e.data)).to.deep.include({
      runtime: environment.runtimes[0]!.instance,
      state: 'not-served',
      code: 'UNIMPLEMENTED',
      message: 'method GetContainerEvents not implemented',
    });
    expect(environment.runtimes[0]!.notes.some((note) => note.startsWith('The runtime does not serve CRI GetContainerEvents (UNIMPLEMENTED'))).to.equal(true);
    expect(events.filter((e) => e.kind === 'exit-event')).to.deep.equal([]);
    // No pod can have an exit event there, so none counts as missing one.
    expect(cell.stopWaterfall).to.include({ exitEvents: 'not-served', stops: 3, withExitEvent: 0, lostExits: 0 });
    expect(cell.outcomes.ok).to.equal(3);
  });

  it('containerd 2.1.4: every stop has its exit event, stamped by the runtime, and closing the session cancels the stream', async () => {
    const { events, cell, analysis } = await churn('waterfall-214', { runtime: { containerd: '2.1.4', runc: '1.3.3' } });
    expect(cell.runtime).to.include({ containerd: '2.1.4', runc: '1.3.3' });
    expect(cell.stopWaterfall).to.include({ exitEvents: 'streamed', streamEnds: 0, stops: 3, withExitEvent: 3, withoutExitEvent: 0, lostExits: 0 });
    for (const record of analysis.records) {
      expect(record.phases['exit-event'], record.pod).to.be.greaterThan(record.phases['delete-sent']!);
      // The runtime's own stamp (its wall clock, ns) precedes the arrival on podchurn's stream.
      expect(record.exitEventDeliveryMs, record.pod).to.be.a('number').and.at.least(0).and.below(10_000);
    }
    // Subscribed once; the daemon stopped at teardown after the stream was cancelled, so no 'ended'.
    expect(streamStates(events)).to.deep.equal(['subscribed']);
  });

  it('an interrupted run (SIGINT, containerd 2.1.4) ends the stream with the session: exit 130, nothing left, no stream end recorded', async () => {
    const { file, reportsDir } = writeScenario('waterfall-interrupt', {
      ...small,
      pods: 4,
      batchSize: 4,
      concurrency: 4,
      holdSeconds: 60,
      runtime: { containerd: '2.1.4', runc: '1.3.3' },
    });
    const { child, done } = spawnCli(['run', file, '--reports-dir', reportsDir]);
    const deadline = Date.now() + 60_000;
    let dir = '';
    while (Date.now() < deadline) {
      if (existsSync(reportsDir) && readdirSync(reportsDir).length > 0) {
        dir = runDirOf(reportsDir);
        const file = join(dir, 'events.jsonl');
        if (existsSync(file) && parseEventLines(readFileSync(file, 'utf8')).filter((e) => e.kind === 'running').length >= 4) break;
      }
      await sleep(100);
    }
    child.kill('SIGINT');
    const result = await done;
    expect(result.code, result.stderr).to.equal(130);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.leakCheck.leaked).to.deep.equal([]);
    expect(await hostLeftovers(summary.runId)).to.deep.equal([]);
    const events = parseEventLines(readFileSync(join(dir, 'events.jsonl'), 'utf8'));
    expect(events.some((e) => e.kind === 'interrupted')).to.equal(true);
    // The stream was live (2.1.4 serves it) and was cancelled before the daemon went: no 'ended'.
    expect(streamStates(events)).to.deep.equal(['subscribed']);
  });
});

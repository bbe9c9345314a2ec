import { expect } from 'chai';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from '../../src/run/run-scenario.js';
import type { PodRecord } from '../../src/results/pod-record.js';
import type { RunSummary } from '../../src/results/summary.js';
import { RuntimeStore } from '../../src/runtime/store.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';
import { provisionStoreKeys } from '../helpers/provision.js';
import { runEvents } from '../helpers/run-dir.js';
import { writeScenario } from '../helpers/scenario.js';

/**
 * An in-place runtime step on the CRI target, the way a node upgrade does it: the managed containerd
 * is stopped without its shims and the new pin's daemon started on the same root, state and socket.
 * Pods started before the step must still be served by the old shim (the lost-exit fix lives in the
 * shim, so they keep the old code) and pods started after by the new one, each measured from the
 * shim process; the old pods must still stop and go through the new daemon; nothing may be left.
 */
const churn = {
  pods: 4,
  batchSize: 4,
  concurrency: 4,
  cycles: 2,
  holdSeconds: 1,
  gracePeriodSeconds: 2,
  requestTimeoutSeconds: 30,
  workload: { onSigterm: 'exit' },
  execProbe: { enabled: true, periodMs: 200, timeoutSeconds: 5, workers: 1 },
};

interface StepEvent {
  kind: string;
  cell?: string;
  data: {
    from: { containerdKey: string; measured: { containerd: string; shim: string; runc: string }; daemonPid: number };
    to: { containerdKey: string; runcKey: string; measured: { containerd: string; shim: string; runc: string }; daemonPid: number; criRuntimeVersion: string };
    downtimeMs: number;
    shimPidsAfter: number[];
    afterCycleHold: number;
  };
}

async function runStep(name: string, fields: Record<string, unknown>) {
  const { file, reportsDir } = writeScenario(name, { ...churn, ...fields });
  const { analysis, dir } = await runScenario({ scenarioFile: file, overrides: [], reportsDir, signal: new AbortController().signal });
  expect(analysis.summary.error).to.equal(undefined);
  expect(await hostLeftovers(analysis.summary.runId)).to.deep.equal([]);
  expect(analysis.summary.leakCheck.leaked).to.deep.equal([]);
  const steps = runEvents(dir.path).filter((e) => e.kind === 'runtime-step') as unknown as StepEvent[];
  const summary = JSON.parse(readFileSync(join(dir.path, 'summary.json'), 'utf8')) as RunSummary;
  return { records: analysis.records, steps, summary };
}

const byCycle = (records: readonly PodRecord[], cycle: number) => records.filter((r) => r.cycle === cycle);

describe('runtime step: containerd replaced in place while pods run (cri target)', function () {
  this.timeout(20 * 60_000);
  before(provisionStoreKeys('containerd@1.7.15', 'containerd@1.7.22', 'runc@1.1.14'));

  it('1.7.15 -> 1.7.22: pods of cycle 1 keep their 1.7.15 shims, pods of cycle 2 get 1.7.22 shims, all stop through the new daemon', async () => {
    const { records, steps, summary } = await runStep('runtime-step-upgrade', {
      runtime: { containerd: '1.7.15', runc: '1.1.14' },
      runtimeStep: { afterCycleHold: 1, containerd: '1.7.22' },
    });
    const store = new RuntimeStore();
    const [oldSet, newSet] = await Promise.all([store.resolveBinarySet('1.7.15', '1.1.14'), store.resolveBinarySet('1.7.22', '1.1.14')]);

    expect(steps).to.have.length(1);
    const step = steps[0]!.data;
    expect(step.afterCycleHold).to.equal(1);
    expect([step.from.containerdKey, step.to.containerdKey, step.to.runcKey]).to.deep.equal(['containerd@1.7.15', 'containerd@1.7.22', 'runc@1.1.14']);
    expect([step.from.measured.containerd, step.from.measured.shim]).to.deep.equal(['1.7.15', '1.7.15']);
    expect([step.to.measured.containerd, step.to.measured.shim, step.to.measured.runc]).to.deep.equal(['1.7.22', '1.7.22', '1.1.14']);
    // The daemon itself, asked over CRI after the step, reports the new version.
    expect(step.to.criRuntimeVersion.replace(/^v/, '')).to.equal('1.7.22');
    expect(step.to.daemonPid).to.not.equal(step.from.daemonPid);

    // Measured from each pod's shim process: the executable it runs and what that reports.
    for (const record of byCycle(records, 1)) {
      expect(record.createdRelativeToStep, record.pod).to.equal('before');
      expect(record.shim, record.pod).to.deep.include({ exe: realpathSync(oldSet.shim), version: '1.7.15' });
      // The step left the shim of every running pod alone: the same process still ran once the new daemon answered.
      expect(step.shimPidsAfter, record.pod).to.include(record.shim!.pid);
    }
    for (const record of byCycle(records, 2)) {
      expect(record.createdRelativeToStep, record.pod).to.equal('after');
      expect(record.shim, record.pod).to.deep.include({ exe: realpathSync(newSet.shim), version: '1.7.22' });
    }
    // Pods that lived through the step were stopped and removed through the new daemon, which adopted their old shims.
    expect(records.map((r) => [r.pod, r.outcome, r.exitCode])).to.deep.equal(records.map((r) => [r.pod, 'ok', 0]));
    expect(records).to.have.length(8);

    const cell = summary.cells[0]!;
    expect(cell.byShim).to.deep.equal([
      { shimVersion: '1.7.15', createdRelativeToStep: 'before', pods: 4, stops: 4, stuck: 0, stateMismatch: 0 },
      { shimVersion: '1.7.22', createdRelativeToStep: 'after', pods: 4, stops: 4, stuck: 0, stateMismatch: 0 },
    ]);
  });

  it('the same pin is a plain restart: a new daemon, the same shim version on both sides', async () => {
    const { records, steps, summary } = await runStep('runtime-step-restart', {
      runtime: { containerd: '1.7.22', runc: '1.1.14' },
      runtimeStep: { afterCycleHold: 1 },
    });
    expect(steps).to.have.length(1);
    const step = steps[0]!.data;
    expect([step.from.containerdKey, step.to.containerdKey]).to.deep.equal(['containerd@1.7.22', 'containerd@1.7.22']);
    expect(step.to.daemonPid).to.not.equal(step.from.daemonPid);
    expect(step.shimPidsAfter).to.include.members(byCycle(records, 1).map((r) => r.shim!.pid));
    expect(records.map((r) => [r.cycle, r.createdRelativeToStep, r.shim?.version, r.outcome])).to.deep.equal(
      records.map((r) => [r.cycle, r.cycle === 1 ? 'before' : 'after', '1.7.22', 'ok']),
    );
    expect(summary.cells[0]!.byShim?.map((g) => [g.shimVersion, g.createdRelativeToStep, g.pods])).to.deep.equal([
      ['1.7.22', 'before', 4],
      ['1.7.22', 'after', 4],
    ]);
    // The restart ended the GetContainerEvents stream once; subscribed again to the new daemon, it
    // brought the exit events of the pods started before the step as well as after.
    expect(summary.cells[0]!.stopWaterfall).to.include({ exitEvents: 'streamed', streamEnds: 1, stops: 8, withExitEvent: 8, lostExits: 0 });
  });

  it('a restart among the stops: the stops in flight fail, each is sent again to the new daemon and clears its pod (step recovery)', async () => {
    // SIGTERM ignored with grace 4 s: every StopContainer is still waiting when the daemon is replaced 1 s in.
    const { records, steps, summary } = await runStep('runtime-step-during-stops', {
      runtime: { containerd: '1.7.22', runc: '1.1.14' },
      cycles: 1,
      gracePeriodSeconds: 4,
      workload: { onSigterm: 'ignore' },
      execProbe: { enabled: false },
      runtimeStep: { afterCycleHold: 1, duringStopsAfterSeconds: 1 },
    });
    expect(steps).to.have.length(1);
    expect(records.map((r) => [r.stopFailure?.code, r.phases['stop-retried'] !== undefined, r.phases.gone !== undefined])).to.deep.equal(
      Array(4).fill(['UNAVAILABLE', true, true]),
    );
    const recovery = summary.cells[0]!.stepRecovery!;
    expect(recovery).to.include({ steps: 1, pendingAtStep: 4, stuckAtStep: 0, recovered: 4, forced: 0 });
    // The retried stop waits out the grace period again before SIGKILL: the pods go 4 s or more after the restart.
    expect(recovery.recoveryMs!.min).to.be.at.least(3_900);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HistoryStore } from '../../../src/results/history.js';
import { outcomes } from '../../../src/results/pod-record.js';
import type { CellSummary, RunSummary } from '../../../src/results/summary.js';
import { ScenarioStepRunner } from '../../../src/run/bisect/scenario-steps.js';

/** scenarios/bisect-lost-exit.yaml's settings, as a cell summary records them. */
const scenarioSettings = {
  pods: 10,
  cycles: 4,
  repetitions: 1,
  batchSize: 10,
  concurrency: 10,
  gracePeriodSeconds: 2,
  requestTimeoutSeconds: 10,
  slackSeconds: 5,
  onSigterm: 'exit',
  execProbe: true,
};

function summary(
  runId: string,
  options: { containerd?: string; lostExits?: number | null; mismatches?: number; status?: RunSummary['status']; pods?: number },
): RunSummary {
  const pods = options.pods ?? 10;
  const cell = {
    cell: 'cell-01',
    name: 'default',
    axes: {},
    runtime: { containerd: options.containerd ?? '1.7.15', runc: '1.1.14', criRuntimeVersion: 'containerd v1.7.15' },
    settings: { ...scenarioSettings, pods },
    podCount: 40,
    outcomes: Object.fromEntries(outcomes.map((o) => [o, 0])),
    latencyMs: null,
    per1000Stops: { stops: 40, stuck: 0, stateMismatch: ((options.mismatches ?? 0) / 40) * 1000 },
    signatures: {},
    criErrors: {},
    ...(options.lostExits === null ? {} : { stopWaterfall: { exitEvents: 'streamed', lostExits: options.lostExits ?? 0 } }),
  } as unknown as CellSummary;
  return {
    runId,
    scenario: 'bisect-lost-exit',
    startedAt: `2026-11-30T10:00:0${runId.length % 10}Z`,
    status: options.status ?? 'completed',
    primaryLatency: { name: 'stop' },
    cells: [cell],
  } as unknown as RunSummary;
}

describe('bisect steps: earlier results from the history database', () => {
  let dir: string;
  let history: HistoryStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podchurn-bisect-history-'));
    history = HistoryStore.open(join(dir, 'history.sqlite'), { create: true });
  });
  afterEach(() => {
    history.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const runnerFor = (measure: 'lostExit' | 'stateMismatch') =>
    new ScenarioStepRunner({
      scenarioFile: 'scenarios/bisect-lost-exit.yaml',
      overrides: [],
      component: 'containerd',
      measure: { kind: measure },
      runsDir: dir,
      history,
      signal: new AbortController().signal,
    });

  it('counts completed runs of the same scenario, cell, settings and versions, and nothing else', async () => {
    history.record(summary('same-1', { lostExits: 3, mismatches: 4 }));
    history.record(summary('same-2', { lostExits: 1, mismatches: 1 }));
    history.record(summary('other-version', { containerd: 'v1.7.22', lostExits: 0 }));
    history.record(summary('other-settings', { pods: 30, lostExits: 9 }));
    history.record(summary('interrupted', { status: 'interrupted', lostExits: 9 }));
    const prior = await runnerFor('lostExit').prior('1.7.15');
    expect(prior).to.deep.equal({ trials: 80, occurrences: 4, runIds: ['same-1', 'same-2'] });
    expect((await runnerFor('stateMismatch').prior('1.7.15')).occurrences).to.equal(5);
    expect(await runnerFor('lostExit').prior('1.7.22')).to.deep.equal({ trials: 40, occurrences: 0, runIds: ['other-version'] });
    expect(await runnerFor('lostExit').prior('1.7.14')).to.deep.equal({ trials: 0, occurrences: 0, runIds: [] });
  });

  it('leaves out a recorded cell the measure cannot count (no exit events) instead of failing or counting it clean', async () => {
    history.record(summary('with-events', { lostExits: 2 }));
    history.record(summary('without-events', { lostExits: null, mismatches: 3 }));
    expect(await runnerFor('lostExit').prior('1.7.15')).to.deep.equal({ trials: 40, occurrences: 2, runIds: ['with-events'] });
    expect((await runnerFor('stateMismatch').prior('1.7.15')).trials).to.equal(80);
  });
});

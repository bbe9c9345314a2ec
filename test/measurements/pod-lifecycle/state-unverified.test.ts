import { expect } from 'chai';
import type { PodEvent, PodEventKind } from '../../../src/engine/events.js';
import { buildPodRecords } from '../../../src/measurements/pod-lifecycle/pod-records.js';
import { primaryLatency } from '../../../src/measurements/pod-lifecycle/primary-latency.js';
import { summarizeCell } from '../../../src/measurements/pod-lifecycle/summarize.js';
import { expandMatrix } from '../../../src/scenario/matrix.js';
import { ScenarioSchema } from '../../../src/scenario/schema.js';
import { podTimeline, type TimelineStep } from '../../helpers/pod-timeline.js';

/**
 * A pid the lost-exit check cannot read (state-unverified) is its own result: the pod keeps the
 * outcome its stop gives it and the cell counts it apart; only a pid found gone is a state-mismatch.
 */
function stoppedPod(pod: string, replica: number, after: [PodEventKind, Record<string, unknown>][]): PodEvent[] {
  const steps: TimelineStep[] = [
    ['create-sent', 0],
    ['created', 50, { containerId: `c-${pod}` }],
    ['running', 100],
    ['ready', 100],
    ['delete-sent', 1_000],
    ['stop-failed', 18_000, { code: 'DEADLINE_EXCEEDED', message: 'context deadline exceeded' }],
    ...after.map(([kind, data], i): [PodEventKind, number, Record<string, unknown>] => [kind, 18_010 + i, data]),
  ];
  return podTimeline(pod, steps, replica);
}

describe('state-unverified: a RUNNING container whose pid could not be read', () => {
  const running = { containerId: 'c', criState: 'CONTAINER_RUNNING', pidSource: 'cri-verbose-info' };
  const events = [
    ...stoppedPod('lost', 0, [
      ['state-mismatch', { ...running, pid: 4242, check: '/proc/4242/stat', found: 'no such process', processState: null, processAlive: false }],
    ]),
    ...stoppedPod('unreadable', 1, [['state-unverified', { ...running, reason: 'verbose info has no pid field' }]]),
  ];
  const limits = { gracePeriodSeconds: 2, slackSeconds: 1, requestTimeoutSeconds: 15 };
  const records = buildPodRecords(events, primaryLatency('stop'), () => limits, new Set(['lost', 'unreadable']));

  it('is never classified state-mismatch: the stop that hit its deadline stays stuck', () => {
    expect(Object.fromEntries(records.map((r) => [r.pod, r.outcome]))).to.deep.equal({ lost: 'state-mismatch', unreadable: 'stuck' });
  });

  it('is counted in the cell summary apart from state-mismatch', () => {
    const scenario = ScenarioSchema.parse({ apiVersion: 'podchurn/v1', kind: 'Scenario', metadata: { name: 'unverified' }, target: { type: 'cri' }, pods: 2 });
    const [cell] = expandMatrix(scenario, 'unverified.yaml');
    const summary = summarizeCell(cell!, 1, { containerd: '1.7.15', runc: '1.1.14', criRuntimeVersion: 'v1.7.15' }, records, [], scenario.gates);
    expect(summary.outcomes['state-mismatch']).to.equal(1);
    expect(summary.outcomes.stuck).to.equal(1);
    expect(summary.stateUnverified).to.equal(1);
    expect(summary.per1000Stops).to.deep.equal({ stops: 2, stuck: 1000, stateMismatch: 500 });
  });
});

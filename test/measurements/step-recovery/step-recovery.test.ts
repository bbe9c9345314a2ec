import { expect } from 'chai';
import type { PodEvent, RunEvent } from '../../../src/engine/events.js';
import { buildPodRecords } from '../../../src/measurements/pod-lifecycle/pod-records.js';
import { primaryLatency } from '../../../src/measurements/pod-lifecycle/primary-latency.js';
import { summarizeStepRecovery } from '../../../src/measurements/step-recovery/step-recovery.js';
import { podTimeline, type TimelineStep } from '../../helpers/pod-timeline.js';

const limits = { gracePeriodSeconds: 2, slackSeconds: 1, requestTimeoutSeconds: 10 };
const stamp = (mono: number) => ({ mono, wall: 1_700_000_000_000 + mono });

/** A kube pod deleted at 1000 ms; `stuckAt`: its stuck deadline passed (stop-failed); `goneAt`: the watch saw it go. */
function deletedPod(pod: string, replica: number, goneAt: number | null, stuckAt?: number): PodEvent[] {
  return podTimeline(
    pod,
    [
      ['create-sent', 0, { createdRelativeToStep: 'before' }],
      ['created', 50],
      ['ready', 900],
      ['delete-sent', 1000],
      ...(stuckAt === undefined ? [] : [['stop-failed', stuckAt, { code: 'DEADLINE_EXCEEDED' }] satisfies TimelineStep]),
      ...(goneAt === null ? [] : [['gone', goneAt] satisfies TimelineStep]),
    ],
    replica,
  );
}

/** A restart from 20,000 to 22,000 ms, then a cleanup that forced `forced`. */
function runEvents(forced: string[]): RunEvent[] {
  return [
    { kind: 'runtime-step', cell: 'cell-01', ...stamp(22_000), data: { startedAt: stamp(20_000), node: 'n' } },
    { kind: 'cleanup', cell: 'cell-01', ...stamp(40_000), data: { forced: forced.map((pod) => ({ pod, object: `pod/${pod}` })) } },
  ];
}

describe('step recovery: deletions under way when a runtime step began', () => {
  const records = buildPodRecords(
    [
      ...deletedPod('done-before', 0, 3_000),
      ...deletedPod('stuck-recovered', 1, 25_000, 13_000),
      ...deletedPod('slow-recovered', 2, 21_000),
      ...deletedPod('stuck-forced', 3, 40_500, 13_000),
    ],
    primaryLatency('deletion'),
    () => limits,
  );

  it('counts the pods pending at the step, those already stuck, those that went on their own and those cleanup forced', () => {
    const recovery = summarizeStepRecovery('cell-01', records, runEvents(['stuck-forced']));
    expect(recovery).to.include({ steps: 1, pendingAtStep: 3, stuckAtStep: 2, recovered: 2, forced: 1 });
    // Step end (22,000) -> gone: 3,000 ms, and 0 for the pod that went while the new daemon was coming up.
    expect([recovery?.recoveryMs?.min, recovery?.recoveryMs?.max]).to.deep.equal([0, 3_000]);
    expect(records.map((r) => r.createdRelativeToStep)).to.deep.equal(['before', 'before', 'before', 'before']);
  });

  it('is absent in a cell without a step, and counts nothing recovered when every pending pod was forced', () => {
    expect(summarizeStepRecovery('cell-02', records, runEvents([]))).to.equal(undefined);
    const none = summarizeStepRecovery('cell-01', records, runEvents(['stuck-recovered', 'slow-recovered', 'stuck-forced']));
    expect(none).to.include({ pendingAtStep: 3, recovered: 0, forced: 3 });
    expect(none?.recoveryMs).to.equal(null);
  });
});

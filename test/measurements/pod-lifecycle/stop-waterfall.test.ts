import { expect } from 'chai';
import type { PodEvent, RunEvent } from '../../../src/engine/events.js';
import { buildPodRecords } from '../../../src/measurements/pod-lifecycle/pod-records.js';
import { primaryLatency } from '../../../src/measurements/pod-lifecycle/primary-latency.js';
import { exitStreamsByRuntime, summarizeStopWaterfall } from '../../../src/measurements/pod-lifecycle/stop-waterfall.js';
import { podTimeline, type TimelineStep } from '../../helpers/pod-timeline.js';

const limits = { gracePeriodSeconds: 2, slackSeconds: 1, requestTimeoutSeconds: 10 };
/** podTimeline's wall clock is this epoch + mono. */
const epochMs = 1_700_000_000_000;
/** The runtime's nanosecond stamp of an event `lagMs` before it arrives at `mono`. */
const runtimeAtNs = (mono: number, lagMs: number) => String(BigInt(epochMs + mono - lagMs) * 1_000_000n);

/** A CRI pod stopped at 1000 ms: exit event at `exitAt` (or none), StopContainer back at `returnedAt`. */
function stoppedPod(pod: string, exitAt: number | null, returnedAt: number, replica: number): PodEvent[] {
  const steps: TimelineStep[] = [
    ['create-sent', 0],
    ['created', 50, { containerId: `c-${pod}` }],
    ['running', 100],
    ['delete-sent', 1000],
    ['stop-returned', returnedAt],
    ['removed', returnedAt + 10],
    ['gone', returnedAt + 40],
  ];
  if (exitAt !== null) steps.push(['exit-event', exitAt, { runtimeAtNs: runtimeAtNs(exitAt, 2) }]);
  return podTimeline(pod, steps, replica);
}

/** A lost exit: StopContainer never returned, CRI still RUNNING with the process gone, no exit event. */
function lostExitPod(pod: string, replica: number): PodEvent[] {
  return podTimeline(
    pod,
    [
      ['create-sent', 0],
      ['created', 50, { containerId: `c-${pod}` }],
      ['running', 100],
      ['delete-sent', 1000],
      ['stop-failed', 13_000, { code: 'DEADLINE_EXCEEDED' }],
      ['state-mismatch', 13_010, { processAlive: false }],
    ],
    replica,
  );
}

const streamed = { subscribed: true, notServed: false, ends: 0 };

describe('stop waterfall', () => {
  it('folds the exit event into the pod record: its phase time and the delivery lag from the runtime stamp', () => {
    const [record] = buildPodRecords(
      [...stoppedPod('a', 1105, 1100, 0), ...podTimeline('a', [['exit-event', 1500, { runtimeAtNs: runtimeAtNs(1500, 0) }]])],
      primaryLatency('stop'),
      () => limits,
    );
    // First sighting wins: a repeated event neither moves the phase nor the lag.
    expect(record!.phases['exit-event']).to.equal(1105);
    expect(record!.exitEventDeliveryMs).to.equal(2);
    expect(record!.stopLatencyMs).to.equal(100);
  });

  it('counts stops with and without their exit event, and calls a missing one lost only when the pid check found the process gone', () => {
    const records = buildPodRecords(
      [
        ...stoppedPod('before', 1080, 1100, 0), // exit event 20 ms before StopContainer returned
        ...stoppedPod('after', 1230, 1200, 1), // exit event 30 ms after it (containerd 1.7.22 often sends it after)
        ...stoppedPod('unseen', null, 1300, 2), // stopped, but no exit event and no mismatch: missing, not lost
        ...lostExitPod('lost', 3),
        ...podTimeline('never-stopped', [['create-sent', 0]], 4),
      ],
      primaryLatency('stop'),
      () => limits,
    );
    const { stopWaterfall } = summarizeStopWaterfall(records, streamed);
    expect(stopWaterfall).to.include({
      exitEvents: 'streamed',
      streamEnds: 0,
      stops: 4,
      withExitEvent: 2,
      exitEventBeforeStopReturned: 1,
      withoutExitEvent: 2,
      lostExits: 1,
    });
    const phases = stopWaterfall!.phasesMs;
    // Nearest-rank percentiles over the pods that have both ends of each phase.
    expect(phases.sentToExitEvent).to.include({ count: 2, min: 80, p50: 80, max: 230 });
    expect(phases.exitEventToReturned).to.include({ count: 2, min: -30, p50: -30, max: 20 });
    expect(phases.sentToReturned).to.include({ count: 3, p50: 200, p99: 300 });
    expect(phases.returnedToRemoved).to.include({ count: 3, p50: 10 });
    expect(phases.removedToGone).to.include({ count: 3, p50: 30 });
    expect(phases.exitEventDelivery).to.include({ count: 2, p50: 2, max: 2 });
  });

  it('has no waterfall for a session that never subscribed, and says so when the runtime did not serve the stream', () => {
    const records = buildPodRecords(stoppedPod('a', null, 1100, 0), primaryLatency('stop'), () => limits);
    expect(summarizeStopWaterfall(records, undefined)).to.deep.equal({});
    expect(summarizeStopWaterfall(records, { subscribed: false, notServed: false, ends: 0 })).to.deep.equal({});
    const { stopWaterfall } = summarizeStopWaterfall(records, { subscribed: true, notServed: true, ends: 0 });
    expect(stopWaterfall).to.include({ exitEvents: 'not-served', withExitEvent: 0, withoutExitEvent: 1, lostExits: 0 });
    expect(stopWaterfall!.phasesMs.sentToExitEvent).to.equal(null);
  });

  it('reads each runtime stream from its container-events run events', () => {
    const run = (data: Record<string, unknown>): RunEvent => ({ kind: 'container-events', mono: 0, wall: 0, data });
    const streams = exitStreamsByRuntime([
      run({ runtime: 'r-1', state: 'subscribed' }),
      run({ runtime: 'r-1', state: 'ended', code: 'UNAVAILABLE' }),
      run({ runtime: 'r-1', state: 'ended', code: 'UNAVAILABLE' }),
      run({ runtime: 'r-2', state: 'subscribed' }),
      run({ runtime: 'r-2', state: 'not-served', code: 'UNIMPLEMENTED' }),
      { kind: 'cell-start', mono: 0, wall: 0, data: { runtime: 'r-3' } },
    ]);
    expect(Object.fromEntries(streams)).to.deep.equal({
      'r-1': { subscribed: true, notServed: false, ends: 2 },
      'r-2': { subscribed: true, notServed: true, ends: 0 },
    });
  });
});

import { expect } from 'chai';
import type { PodEvent } from '../../src/engine/events.js';
import { buildPodRecords } from '../../src/measurements/pod-lifecycle/pod-records.js';
import { primaryLatency } from '../../src/measurements/pod-lifecycle/primary-latency.js';
import { waterfallPods } from '../../src/reports/html-data.js';
import { podTimeline, type TimelineStep } from '../helpers/pod-timeline.js';

const limits = { gracePeriodSeconds: 2, slackSeconds: 1, requestTimeoutSeconds: 10 };

/** A pod stopped at 1000 ms whose StopContainer took `stopMs`; its exit event 5 ms before the return unless `exit` is false. */
function pod(name: string, replica: number, stopMs: number, exit = true): PodEvent[] {
  return podTimeline(
    name,
    [
      ['create-sent', 0],
      ['created', 50, { containerId: `c-${name}` }],
      ['delete-sent', 1000],
      ...(exit ? [['exit-event', 1000 + stopMs - 5] satisfies TimelineStep] : []),
      ['stop-returned', 1000 + stopMs],
      ['removed', 1000 + stopMs + 10],
      ['gone', 1000 + stopMs + 20],
    ],
    replica,
  );
}

describe('report.html waterfall: which pods it draws', () => {
  // 10 ok pods (stop 100..1000 ms), one slow (4 s, over grace + slack) and one lost exit.
  const events = [
    ...Array.from({ length: 10 }, (_, i) => pod(`ok-${i}`, i, 100 * (i + 1))).flat(),
    ...pod('slow', 10, 4000),
    ...podTimeline(
      'lost',
      [
        ['create-sent', 0],
        ['delete-sent', 1000],
        ['stop-failed', 13_000, { code: 'DEADLINE_EXCEEDED' }],
        ['state-mismatch', 13_010],
      ],
      11,
    ),
  ];
  const records = buildPodRecords(events, primaryLatency('stop'), () => limits);

  it('draws every pod whose outcome is not ok, slowest first, then a few ok pods spread from slowest to fastest', () => {
    const drawn = waterfallPods(records, new Set(['cell-01']), 20, 3);
    expect(drawn.map((p) => [p.pod, p.outcome, p.shown])).to.deep.equal([
      ['lost', 'state-mismatch', 'not ok'],
      ['slow', 'slow', 'not ok'],
      ['ok-9', 'ok', 'normal sample'],
      ['ok-4', 'ok', 'normal sample'],
      ['ok-0', 'ok', 'normal sample'],
    ]);
    expect(drawn[1]).to.include({ exitEvent: 3995, stopEnd: 4000, exitMissing: false });
    // The lost exit: StopContainer sent, no exit event, while the runtime served the stream.
    expect(drawn[0]).to.include({ exitEvent: null, exitMissing: true, stopFailed: true, gone: null });
  });

  it('calls no exit event missing in a cell whose runtime did not serve the stream, and caps the pods that are not ok', () => {
    const drawn = waterfallPods(records, new Set(), 1, 0);
    expect(drawn.map((p) => p.pod)).to.deep.equal(['lost']);
    expect(drawn[0]).to.include({ exitEvent: null, exitMissing: false });
  });

  it('places the runtime log’s StopContainer and sandbox stop after delete-sent on the wall clock, a failed stop marked', () => {
    // podTimeline's wall clock is 1_700_000_000_000 + mono; delete-sent at mono 1000.
    const sent = 1_700_000_001_000;
    const [kube] = buildPodRecords(pod('kube', 0, 3000), primaryLatency('deletion'), () => limits);
    kube!.runtimeLog = { container: { stopReceived: sent + 40, stopReturned: sent + 3050 }, sandbox: { stopReturned: sent + 3400 } };
    const [stuck] = buildPodRecords(pod('stuck', 1, 3000), primaryLatency('deletion'), () => limits);
    stuck!.runtimeLog = { container: { stopReceived: sent + 60, stopFailed: sent + 12_060 }, sandbox: {} };
    const drawn = waterfallPods([kube!, stuck!], new Set(), 0, 2);
    expect(drawn.find((p) => p.pod === 'kube')!.runtime).to.deep.equal({ stopReceived: 40, stopEnded: 3050, stopFailed: false, sandboxStopped: 3400 });
    expect(drawn.find((p) => p.pod === 'stuck')!.runtime).to.deep.equal({ stopReceived: 60, stopEnded: 12_060, stopFailed: true, sandboxStopped: null });
    expect(drawn.every((p) => p.pod === 'kube' || p.pod === 'stuck')).to.equal(true);
    expect(waterfallPods(records, new Set(), 20, 3).every((p) => p.runtime === null)).to.equal(true);
  });
});

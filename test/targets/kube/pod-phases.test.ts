import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import type { EventSink, PodEvent, PodEventKind, PodIdentity } from '../../../src/engine/events.js';
import { PodPhaseTracker } from '../../../src/targets/kube/pod-phases.js';
import type { PodObservation } from '../../../src/targets/kube/pod-watch.js';
import type { Stamp } from '../../../src/util/clock.js';

/** Collects pod events with the stamp the tracker passed (the observation's receive time). */
function sink(): EventSink & { recorded: PodEvent[] } {
  const recorded: PodEvent[] = [];
  return {
    recorded,
    pod(identity: PodIdentity, kind: PodEventKind, data?: Record<string, unknown>, at?: Stamp) {
      const event: PodEvent = { ...identity, kind, ...(data ? { data } : {}), ...(at ?? { mono: -1, wall: -1 }) };
      recorded.push(event);
      return event;
    },
    run: () => ({ kind: 'run-start', mono: 0, wall: 0 }),
  };
}

const labels = { 'podchurn.io/pod': 'p-0', 'podchurn.io/cell': 'cell-01', 'podchurn.io/rep': '1', 'podchurn.io/cycle': '1', 'podchurn.io/replica': '0' };
const pod = (over: { nodeName?: string; phase?: string; ready?: boolean; deleting?: boolean; exitCode?: number }): V1Pod => ({
  metadata: { uid: 'u1', name: 'p-0', labels, ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:05Z' as unknown as Date } : {}) },
  spec: { containers: [], ...(over.nodeName ? { nodeName: over.nodeName } : {}) },
  status: {
    ...(over.phase ? { phase: over.phase } : {}),
    ...(over.ready ? { conditions: [{ type: 'Ready', status: 'True' }] } : {}),
    ...(over.exitCode !== undefined
      ? { containerStatuses: [{ name: 'w', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: over.exitCode } } }] }
      : {}),
  },
});
const at = (mono: number): Stamp => ({ mono, wall: 1_000_000 + mono });
const seen = (type: PodObservation['type'], object: V1Pod, mono: number, synthetic = false): PodObservation => ({
  type,
  object,
  receivedAt: at(mono),
  synthetic,
});

describe('pod phase tracker (scripted timeline, fake clock)', () => {
  it('derives each phase once, at the time its first observation was received, keyed by uid', async () => {
    const events = sink();
    const tracker = new PodPhaseTracker(events);
    const script = [
      seen('ADDED', pod({ nodeName: 'n1' }), 10),
      seen('MODIFIED', pod({ nodeName: 'n1', phase: 'Running' }), 20),
      seen('MODIFIED', pod({ nodeName: 'n1', phase: 'Running', ready: true }), 30),
      seen('MODIFIED', pod({ nodeName: 'n1', phase: 'Running', ready: true }), 35),
      seen('MODIFIED', pod({ nodeName: 'n1', phase: 'Running', deleting: true }), 40),
      seen('MODIFIED', pod({ nodeName: 'n1', phase: 'Failed', deleting: true, exitCode: 137 }), 50),
      seen('DELETED', pod({ nodeName: 'n1', phase: 'Failed', deleting: true, exitCode: 137 }), 60),
    ];
    const gone = tracker.waitFor('p-0', 'gone', 1000, new AbortController().signal);
    for (const observation of script) tracker.consume(observation);
    expect(await gone).to.equal(true);
    expect(events.recorded.map((e) => [e.kind, e.mono])).to.deep.equal([
      ['scheduled', 10],
      ['running', 20],
      ['ready', 30],
      ['delete-acked', 40],
      ['terminated', 50],
      ['gone', 60],
    ]);
    expect(events.recorded.find((e) => e.kind === 'terminated')?.data?.exitCode).to.equal(137);
    expect(events.recorded[0]).to.include({ pod: 'p-0', cell: 'cell-01', rep: 1, cycle: 1, replica: 0 });
  });

  it('marks phases inferred from a relist as synthetic, and ignores pods without podchurn labels', () => {
    const events = sink();
    const tracker = new PodPhaseTracker(events);
    tracker.consume(seen('DELETED', pod({}), 5, true));
    tracker.consume({ type: 'ADDED', object: { metadata: { uid: 'x', name: 'other' } }, receivedAt: at(6), synthetic: false });
    expect(events.recorded.map((e) => [e.kind, e.data?.synthetic])).to.deep.equal([['gone', true]]);
    expect(tracker.unlabelled).to.equal(1);
  });

  it('a waiter gives up at its timeout, or when the pod goes before reaching the phase', async () => {
    const tracker = new PodPhaseTracker(sink());
    expect(await tracker.waitFor('p-0', 'ready', 20, new AbortController().signal)).to.equal(false);
    const ready = tracker.waitFor('p-0', 'ready', 1000, new AbortController().signal);
    tracker.consume(seen('DELETED', pod({}), 5));
    expect(await ready).to.equal(false);
  });
});

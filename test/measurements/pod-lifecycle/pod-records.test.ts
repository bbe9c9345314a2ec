import { expect } from 'chai';
import { buildPodRecords } from '../../../src/measurements/pod-lifecycle/pod-records.js';
import type { PodEvent, PodEventKind, RecordedEvent } from '../../../src/engine/events.js';
import { primaryLatency } from '../../../src/measurements/pod-lifecycle/primary-latency.js';
import { podTimeline, type TimelineStep } from '../../helpers/pod-timeline.js';

const limits = { gracePeriodSeconds: 2, slackSeconds: 1, requestTimeoutSeconds: 10 };

const timeline = (pod: string, steps: TimelineStep[]): PodEvent[] => podTimeline(pod, steps);

const full = (pod: string, stopMs: number, extra: [PodEventKind, number, Record<string, unknown>?][] = []) =>
  timeline(pod, [
    ['create-sent', 0],
    ['created', 50, { containerId: `c-${pod}` }],
    ['running', 100],
    ['ready', 100],
    ['delete-sent', 1000],
    ['stop-returned', 1000 + stopMs],
    ['terminated', 1000 + stopMs + 5, { exitCode: 137 }],
    ['removed', 1000 + stopMs + 10],
    ['gone', 1000 + stopMs + 20],
    ...extra,
  ]);

describe('pod records and outcomes', () => {
  it('derives stop latency and create-to-running from the first sighting of each phase', () => {
    const events: RecordedEvent[] = [...full('a', 2100), ...timeline('a', [['delete-sent', 5000]])];
    const [record] = buildPodRecords(events, primaryLatency('stop'), () => limits);
    expect(record!.stopLatencyMs).to.equal(2100);
    expect(record!.createToRunningMs).to.equal(100);
    expect(record!.exitCode).to.equal(137);
    expect(record!.containerId).to.equal('c-a');
    expect(record!.outcome).to.equal('ok');
  });

  it('keeps a failed sandbox inspection as an observation: the codes are on the record, the outcome stays ok', () => {
    const inspected = full('i', 100, [
      ['inspect-failed', 60, { code: 'DEADLINE_EXCEEDED', ms: 2003 }],
      ['inspected', 100, { calls: 3, failures: 1, maxMs: 2003 }],
    ]);
    const [record] = buildPodRecords(inspected, primaryLatency('stop'), () => limits);
    expect(record!.inspectFailures).to.deep.equal(['DEADLINE_EXCEEDED']);
    expect(record!.errors).to.deep.equal([]);
    expect(record!.outcome).to.equal('ok');
  });

  it('classifies slow, stuck, state-mismatch, infra-error, interrupted and forced pods', () => {
    const events: RecordedEvent[] = [
      ...full('slow', 3500),
      ...timeline('stuck', [
        ['create-sent', 0],
        ['running', 10],
        ['delete-sent', 20],
        ['stop-failed', 12_020, { code: 'DEADLINE_EXCEEDED', message: 'deadline' }],
      ]),
      ...timeline('lost', [
        ['create-sent', 0],
        ['running', 10],
        ['delete-sent', 20],
        ['stop-failed', 12_020, { code: 'DEADLINE_EXCEEDED' }],
        ['state-mismatch', 12_030, { pid: 42 }],
      ]),
      ...timeline('broken', [
        ['create-sent', 0],
        ['error', 10, { phase: 'create', code: 'UNKNOWN', message: 'image' }],
      ]),
      ...timeline('cut', [
        ['create-sent', 0],
        ['running', 10],
      ]),
      ...timeline('forced', [
        ['create-sent', 0],
        ['running', 10],
      ]),
      ...timeline('refused', [
        ['create-sent', 0],
        ['running', 10],
        ['delete-sent', 20],
        ['stop-failed', 40, { code: 'UNKNOWN' }],
      ]),
    ];
    const outcomes = Object.fromEntries(buildPodRecords(events, primaryLatency('stop'), () => limits, new Set(['forced'])).map((r) => [r.pod, r.outcome]));
    expect(outcomes).to.deep.equal({
      slow: 'slow',
      stuck: 'stuck',
      lost: 'state-mismatch',
      broken: 'infra-error',
      cut: 'interrupted',
      forced: 'force-deleted',
      refused: 'stop-error',
    });
  });

  it('adds exec probe counts and counts probe errors sent during the stop', () => {
    const events = full('p', 100, [
      ['probe-error', 1050, { probeClass: 'cannot-exec-stopped', duringStop: true }],
      ['probe-error', 500, { probeClass: 'other-error', duringStop: false }],
      ['probe-summary', 1110, { counts: { ok: 9, 'cannot-exec-stopped': 1, 'other-error': 1 } }],
    ]);
    const [record] = buildPodRecords(events, primaryLatency('stop'), () => limits);
    expect(record!.probeErrorsDuringStop).to.equal(1);
    expect(record!.probeCounts).to.deep.equal({ ok: 9, 'cannot-exec-stopped': 1, 'other-error': 1 });
  });

  it('takes a latency sample from measured completions only: a failed stop and an inferred deletion have none', () => {
    const cri = buildPodRecords(
      [
        ...full('done', 300),
        ...timeline('timed-out', [
          ['create-sent', 0],
          ['running', 10],
          ['delete-sent', 20],
          ['stop-failed', 12_020, { code: 'DEADLINE_EXCEEDED' }],
        ]),
      ],
      primaryLatency('stop'),
      () => limits,
    );
    expect(cri.map((r) => [r.pod, r.latencyMs, r.stopLatencyMs, r.stopFailure?.code])).to.deep.equal([
      ['done', 300, 300, undefined],
      ['timed-out', undefined, undefined, 'DEADLINE_EXCEEDED'],
    ]);
    const kube = buildPodRecords(
      [
        ...timeline('seen', [
          ['create-sent', 0],
          ['created', 5],
          ['delete-sent', 100],
          ['gone', 850, { source: 'watch', uid: 'u1' }],
        ]),
        ...timeline('inferred', [
          ['create-sent', 0],
          ['created', 5],
          ['delete-sent', 100],
          ['gone', 9_000, { source: 'watch', uid: 'u2', synthetic: true }],
        ]),
      ],
      primaryLatency('deletion'),
      () => limits,
    );
    expect(kube.map((r) => [r.pod, r.latencyMs, r.deletionLatencyMs, r.deletionInferred ?? false, r.outcome])).to.deep.equal([
      ['seen', 750, 750, false, 'ok'],
      ['inferred', undefined, undefined, true, 'ok'],
    ]);
  });
});

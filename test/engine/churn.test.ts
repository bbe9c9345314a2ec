import { expect } from 'chai';
import { chunk } from '../../src/engine/batches.js';
import { planPods, runChurn, RUN_LABEL } from '../../src/engine/churn.js';
import { CellSettingsSchema } from '../../src/scenario/schema.js';
import type { ChurnTarget, PodPlan } from '../../src/engine/churn-target.js';
import { sleep } from '../../src/util/clock.js';

/** Records every call with its time and the number of calls in flight; each call takes `callMs`. */
class RecordingTarget implements ChurnTarget {
  readonly type = 'recording';
  readonly calls: { op: 'create' | 'delete'; pod: string; at: number; inFlight: number }[] = [];
  /** Each beginPhase call with the number of create/delete calls made before it. */
  readonly phases: { phase: 'create' | 'delete'; callsBefore: number }[] = [];
  private inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly callMs: number) {}
  private async record(op: 'create' | 'delete', pod: PodPlan, signal: AbortSignal) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.calls.push({ op, pod: pod.pod, at: performance.now(), inFlight: this.inFlight });
    await sleep(this.callMs, signal);
    this.inFlight--;
  }
  createPod(pod: PodPlan, signal: AbortSignal) {
    return this.record('create', pod, signal);
  }
  deletePod(pod: PodPlan, signal: AbortSignal) {
    return this.record('delete', pod, signal);
  }
  beginPhase(phase: 'create' | 'delete') {
    this.phases.push({ phase, callsBefore: this.calls.length });
  }
  async cleanup() {
    return { forced: [], leftovers: [] };
  }
}

const settings = (over: Record<string, unknown>) => CellSettingsSchema.parse({ holdSeconds: 0, ...over });
const plan = (over: Record<string, unknown>) => ({ runId: 'run1', scenario: 'sc', cellId: 'cell-01', rep: 1, settings: settings(over) });

describe('churn engine', () => {
  it('chunks into batches of the given size, the last one shorter', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).to.deep.equal([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).to.deep.equal([]);
    expect(() => chunk([1], 0)).to.throw(RangeError);
  });

  it('labels every pod with run, cell, repetition, cycle and replica', () => {
    const pods = planPods(plan({ pods: 3 }), 2);
    expect(pods.map((p) => p.pod)).to.deep.equal(['sc-c01-r1-y2-0000', 'sc-c01-r1-y2-0001', 'sc-c01-r1-y2-0002']);
    expect(pods[1]!.labels).to.include({
      [RUN_LABEL]: 'run1',
      'podchurn.io/cell': 'cell-01',
      'podchurn.io/cycle': '2',
      'podchurn.io/replica': '1',
      'podchurn.io/pod': 'sc-c01-r1-y2-0001',
    });
  });

  it('keeps pod names unique and within 63 characters for a 63-character scenario name', () => {
    const longName = `s${'x'.repeat(61)}z`;
    const pods = [1, 2].flatMap((cycle) => planPods({ ...plan({ pods: 1200 }), scenario: longName }, cycle));
    const names = pods.map((p) => p.pod);
    expect(new Set(names).size).to.equal(2400);
    expect(Math.max(...names.map((n) => n.length))).to.be.at.most(63);
    for (const name of names) expect(name).to.match(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    expect(names[1199]).to.match(/-c01-r1-y1-1199$/);
  });

  it('creates then deletes every pod, batch after batch, never above the concurrency limit', async () => {
    const target = new RecordingTarget(20);
    await runChurn(plan({ pods: 10, batchSize: 4, concurrency: 3, cycles: 2 }), target, new AbortController().signal);
    expect(target.calls.filter((c) => c.op === 'create')).to.have.length(20);
    expect(target.calls.filter((c) => c.op === 'delete')).to.have.length(20);
    expect(target.maxInFlight).to.equal(3);
    // Within a cycle, no delete starts before the last create, and batch k+1 starts after batch k ends.
    const cycle1 = target.calls.slice(0, 20);
    expect(cycle1.slice(0, 10).every((c) => c.op === 'create')).to.equal(true);
    expect(cycle1.slice(10).every((c) => c.op === 'delete')).to.equal(true);
    const batchOf = (pod: string) => Math.floor(Number(pod.slice(-4)) / 4);
    const creates = cycle1.slice(0, 10);
    for (let i = 1; i < creates.length; i++) expect(batchOf(creates[i]!.pod)).to.be.at.least(batchOf(creates[i - 1]!.pod));
  });

  it("tells the target when each cycle's creates and deletes begin (once per phase, not per batch)", async () => {
    const target = new RecordingTarget(1);
    await runChurn(plan({ pods: 4, batchSize: 2, cycles: 2 }), target, new AbortController().signal);
    expect(target.phases).to.deep.equal([
      { phase: 'create', callsBefore: 0 },
      { phase: 'delete', callsBefore: 4 },
      { phase: 'create', callsBefore: 8 },
      { phase: 'delete', callsBefore: 12 },
    ]);
  });

  it('paces batch starts by batchIntervalSeconds', async () => {
    const target = new RecordingTarget(1);
    await runChurn(plan({ pods: 3, batchSize: 1, batchIntervalSeconds: 0.1 }), target, new AbortController().signal);
    const creates = target.calls.filter((c) => c.op === 'create');
    expect(creates[1]!.at - creates[0]!.at).to.be.at.least(95);
    expect(creates[2]!.at - creates[1]!.at).to.be.at.least(95);
  });

  it('stops launching work once aborted', async () => {
    const target = new RecordingTarget(30);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 45);
    await runChurn(plan({ pods: 20, batchSize: 2, concurrency: 2 }), target, controller.signal);
    expect(target.calls.length).to.be.within(2, 6);
  });
});

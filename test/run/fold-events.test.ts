import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent, RunEvent } from '../../src/engine/events.js';
import { InputError } from '../../src/errors.js';
import { readEventFilePart } from '../../src/results/event-reader.js';
import { type FoldedEvents, type FoldSettings, foldEventFile, foldSerially } from '../../src/run/fold-events.js';
import { synthesizeRun, writeSyntheticRun } from '../helpers/synthetic-run.js';

/** What the analysis settles once the run events are known: cell-01's stuck pods are forced at cleanup. */
const settle = (runEvents: readonly RunEvent[]): FoldSettings => ({
  primary: 'stop',
  limits: { 'cell-01': { gracePeriodSeconds: 1, slackSeconds: 0.5, requestTimeoutSeconds: 2 } },
  otherCells: { gracePeriodSeconds: 0, slackSeconds: 0, requestTimeoutSeconds: 0 },
  forced: runEvents.flatMap((e) => (e.kind === 'cleanup' ? ((e.data?.forced ?? []) as { pod: string }[]).map((f) => f.pod) : [])),
});

/** Both ways of reading, compared whole: records (order and every field), run events, evidence, first and last. */
function expectSameFold(parallel: FoldedEvents, serial: FoldedEvents): void {
  const { threads: _parallelThreads, ...parallelFold } = parallel;
  const { threads: _serialThreads, ...serialFold } = serial;
  expect(JSON.stringify(parallelFold)).to.equal(JSON.stringify(serialFold));
  expect(parallelFold).to.deep.equal(serialFold);
}

describe('events.jsonl parsed and folded by two threads', function () {
  this.timeout(120_000);
  let dir: string;
  let events: string;
  const threadsBefore = process.env.PODCHURN_FOLD_THREADS;
  before(() => {
    process.env.PODCHURN_FOLD_THREADS = '2';
  });
  after(() => {
    if (threadsBefore === undefined) delete process.env.PODCHURN_FOLD_THREADS;
    else process.env.PODCHURN_FOLD_THREADS = threadsBefore;
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podchurn-fold-'));
    writeSyntheticRun(
      dir,
      synthesizeRun({
        runId: 'fold-events',
        podsPerCell: 400,
        seed: 7,
        cells: [
          { containerd: '1.7.15', runc: '1.1.14', medianStopMs: 1500, stuckEvery: 50 },
          { containerd: '1.7.22', runc: '1.1.14', medianStopMs: 1200, stuckEvery: 0 },
        ],
      }),
    );
    events = join(dir, 'events.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the records, run events and evidence of reading in one thread', () => {
    const parallel = foldEventFile(events, settle, { minParallelBytes: 0 });
    expect(parallel.threads).to.equal(2);
    const serial = foldSerially(events, settle);
    expect(serial.records).to.have.length(800);
    expect(serial.records.filter((r) => r.outcome === 'force-deleted' || r.outcome === 'stuck' || r.outcome === 'state-mismatch')).to.not.be.empty;
    expectSameFold(parallel, serial);
  });

  it('splits the pods between the parts: each pod in one part, every line in one part', () => {
    const parts = [0, 1].map((index) => {
      const lines: number[] = [];
      const pods = new Set<string>();
      const { damaged } = readEventFilePart(events, { index, count: 2 }, (event, line) => {
        lines.push(line);
        if ('pod' in event) pods.add(event.pod);
      });
      expect(damaged).to.equal(false);
      return { lines, pods };
    });
    const [a, b] = parts as [(typeof parts)[0], (typeof parts)[0]];
    expect([...a.pods].filter((pod) => b.pods.has(pod))).to.deep.equal([]);
    // Both halves get a fair share of the 800 pods.
    expect(a.pods.size).to.be.within(300, 500);
    expect(b.pods.size).to.equal(800 - a.pods.size);
    const lineCount = readFileSync(events, 'utf8')
      .split('\n')
      .filter((l) => l !== '').length;
    expect([...a.lines, ...b.lines].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: lineCount }, (_, i) => i + 1));
  });

  it('drops a torn last line as the serial reader does, without giving up the split', () => {
    appendFileSync(events, '{"mono":99999.5,"wall":1795802499999,"kind":"gone","pod":"fold-even');
    const parallel = foldEventFile(events, settle, { minParallelBytes: 0 });
    expect(parallel.threads).to.equal(2);
    expectSameFold(parallel, foldSerially(events, settle));
  });

  it('reads an empty file as no events', () => {
    writeFileSync(events, '');
    const parallel = foldEventFile(events, settle, { minParallelBytes: 0 });
    expect(parallel).to.deep.include({ records: [], runEvents: [], evidence: [], first: undefined, last: undefined });
    expectSameFold(parallel, foldSerially(events, settle));
  });

  it('names the first broken line of a damaged file, as the serial reader does', () => {
    const lines = readFileSync(events, 'utf8').split('\n');
    lines.splice(1200, 0, '{"mono":1,"wall":2,"kind":"running","pod":"cri-lost-exit-c01-r1-y1-0003"');
    writeFileSync(events, lines.join('\n'));
    expect(() => foldEventFile(events, settle, { minParallelBytes: 0 })).to.throw(InputError, /events\.jsonl:1201: not a JSON event line/);
  });

  it('reads a file whose pod names the text scan cannot place in one thread, with the same result', () => {
    // The event's own pod comes after another object's "pod": the scan would route it by the wrong name.
    const odd: RecordedEvent = JSON.parse(readFileSync(events, 'utf8').split('\n')[5]!) as RecordedEvent;
    const { pod, ...rest } = odd as RecordedEvent & { pod: string };
    appendFileSync(events, `${JSON.stringify({ data: { pod: 'somebody-else' }, ...rest, pod })}\n`);
    const parallel = foldEventFile(events, settle, { minParallelBytes: 0 });
    expect(parallel.threads).to.equal(1);
    expectSameFold(parallel, foldSerially(events, settle));
  });
});

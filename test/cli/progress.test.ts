import { expect } from 'chai';
import { Writable } from 'node:stream';
import { ProgressReporter } from '../../src/cli/progress.js';
import type { PodEventKind, RecordedEvent } from '../../src/engine/events.js';
import type { Cell } from '../../src/scenario/matrix.js';
import { CellSettingsSchema } from '../../src/scenario/schema.js';

const cell: Cell = { id: 'cell-01', name: 'default', axes: {}, settings: CellSettingsSchema.parse({}) };
const silent = new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as NodeJS.WriteStream;

function reporterAt(clock: { ms: number }, pods: number): { reporter: ProgressReporter; emit: (kind: PodEventKind, count: number) => void } {
  const reporter = new ProgressReporter(silent, 5000, () => clock.ms);
  reporter.cellStarted(cell, 1, pods);
  let next = 0;
  const emit = (kind: PodEventKind, count: number) => {
    for (let i = 0; i < count; i++)
      reporter.onEvent({ kind, pod: `p${next++}`, cell: 'cell-01', rep: 1, cycle: 1, replica: i, mono: 0, wall: 0 } as RecordedEvent);
  };
  return { reporter, emit };
}

describe('progress line', () => {
  it('estimates the time left from creates and deletions together, so it stays sane when a large batch starts deleting', () => {
    const clock = { ms: 0 };
    const { reporter, emit } = reporterAt(clock, 10_000);
    emit('created', 10_000);
    emit('gone', 5);
    clock.ms = 35_000;
    // Half the steps done in 35 s: about 35 s left (counting pods gone alone said ~70,000 s).
    expect(reporter.line()).to.match(/created 10000\/10000 .* gone 5 .*\| 35s eta 35s$/);
  });

  it('counts a failed pod as done, and shows no estimate before anything has happened or once all is done', () => {
    const clock = { ms: 0 };
    const { reporter, emit } = reporterAt(clock, 4);
    clock.ms = 10_000;
    expect(reporter.line()).to.not.include('eta');
    emit('error', 2);
    expect(reporter.line()).to.match(/errors 2 \| 10s eta 10s$/);
    emit('created', 2);
    emit('gone', 2);
    expect(reporter.line()).to.not.include('eta');
  });
});

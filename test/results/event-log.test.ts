import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { EventLog, parseEventLines } from '../../src/results/event-log.js';
import { monotonicClock } from '../../src/util/clock.js';

const line = (kind: string) => JSON.stringify({ kind, mono: 1, wall: 1, pod: 'p', cell: 'cell-01', rep: 1, cycle: 1, replica: 0 });

describe('events.jsonl reading', () => {
  it('keeps every complete event when the last line was cut by a crash', () => {
    const text = `${line('create-sent')}\n${line('running')}\n{"kind":"delete-se`;
    expect(parseEventLines(text).map((e) => e.kind)).to.deep.equal(['create-sent', 'running']);
  });

  it('calls a broken line in the middle damage, naming the line', () => {
    const text = `${line('create-sent')}\nnot json\n${line('running')}\n`;
    expect(() => parseEventLines(text, 'run/events.jsonl')).to.throw(InputError, /run\/events\.jsonl:2: not a JSON event line/);
  });
});

describe('events.jsonl writing on a full disk', () => {
  it('never throws into the caller, reports the failure once and counts what it could not write', () => {
    // /dev/full answers every write with ENOSPC.
    const log = new EventLog('/dev/full', monotonicClock());
    const failures: Error[] = [];
    log.onFailure = (error) => failures.push(error);
    const identity = { pod: 'p', cell: 'cell-01', rep: 1, cycle: 1, replica: 0 };
    expect(() => log.pod(identity, 'create-sent')).not.to.throw();
    expect(() => log.run('cleanup', { forced: [] })).not.to.throw();
    expect(() => log.close()).not.to.throw();
    expect(failures).to.have.length(1);
    expect((failures[0] as NodeJS.ErrnoException).code).to.equal('ENOSPC');
    expect(log.unwritten).to.equal(2);
  });
});

import { expect } from 'chai';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
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

describe('events.jsonl writing off the event loop', () => {
  const identity = { pod: 'p', cell: 'cell-01', rep: 1, cycle: 1, replica: 0 };

  it('queues lines during a turn of the loop, writes them after it, and leaves every line in order at close', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'podchurn-event-log-')), 'events.jsonl');
    const log = new EventLog(file, monotonicClock());
    for (let replica = 0; replica < 500; replica++) log.pod({ ...identity, replica }, 'create-sent');
    // Nothing touched the disk on the caller's turn.
    expect(statSync(file).size).to.equal(0);
    for (let turn = 0; turn < 200 && statSync(file).size === 0; turn++) await nextTurn();
    expect(statSync(file).size).to.be.above(0);
    // More events, closed right away: close() writes what is queued or still in flight itself.
    for (let replica = 500; replica < 1000; replica++) log.pod({ ...identity, replica }, 'running');
    log.close();
    const events = parseEventLines(readFileSync(file, 'utf8'));
    expect(events.map((e) => ('replica' in e ? e.replica : -1))).to.deep.equal([...Array(1000).keys()]);
    expect(log.writtenBytes).to.equal(statSync(file).size);
  });

  it('reports a write that fails on the thread pool once, without close, and counts every event it lost', async () => {
    const log = new EventLog('/dev/full', monotonicClock());
    const failed = new Promise<Error>((resolve) => {
      log.onFailure = resolve;
    });
    log.pod(identity, 'create-sent');
    log.pod(identity, 'running');
    expect(((await failed) as NodeJS.ErrnoException).code).to.equal('ENOSPC');
    expect(log.unwritten).to.equal(2);
    log.pod(identity, 'delete-sent');
    expect(() => log.close()).not.to.throw();
    expect(log.unwritten).to.equal(3);
  });
});

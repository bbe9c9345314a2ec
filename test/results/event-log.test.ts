import { expect } from 'chai';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay, setImmediate as nextTurn } from 'node:timers/promises';
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

  const waitForContent = async (file: string): Promise<number> => {
    for (let waited = 0; waited < 5000 && statSync(file).size === 0; waited += 5) await delay(5);
    return statSync(file).size;
  };

  it('queues the lines of several turns of the loop, writes them in one write when the interval ends, and leaves every line in order at close', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'podchurn-event-log-')), 'events.jsonl');
    // A long interval, so the turns below surely fall inside it on a loaded machine.
    const log = new EventLog(file, monotonicClock(), 1000);
    for (let turn = 0; turn < 5; turn++) {
      for (let replica = turn * 100; replica < (turn + 1) * 100; replica++) log.pod({ ...identity, replica }, 'create-sent');
      await nextTurn();
    }
    // Nothing touched the disk on the callers' turns.
    expect(statSync(file).size).to.equal(0);
    // The first bytes to appear are all 500 lines: one write, not one per turn.
    const firstSize = await waitForContent(file);
    expect(parseEventLines(readFileSync(file, 'utf8'))).to.have.length(500);
    expect(firstSize).to.equal(statSync(file).size);
    // More events, closed right away: close() writes what is queued or still in flight itself.
    for (let replica = 500; replica < 1000; replica++) log.pod({ ...identity, replica }, 'running');
    log.close();
    const events = parseEventLines(readFileSync(file, 'utf8'));
    expect(events.map((e) => ('replica' in e ? e.replica : -1))).to.deep.equal([...Array(1000).keys()]);
    expect(log.writtenBytes).to.equal(statSync(file).size);
  });

  it('writes a queue that outgrew its buffer without waiting for the interval', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'podchurn-event-log-')), 'events.jsonl');
    // An interval no test waits for: only the size limit can start this write.
    const log = new EventLog(file, monotonicClock(), 60_000);
    const padding = 'x'.repeat(1000);
    for (let replica = 0; replica < 300; replica++) log.pod({ ...identity, replica }, 'create-sent', { padding });
    expect(await waitForContent(file)).to.be.above(256 * 1024);
    log.close();
    expect(parseEventLines(readFileSync(file, 'utf8'))).to.have.length(300);
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

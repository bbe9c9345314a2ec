/**
 * Child of bench/event-log-slow-disk.ts: a process that stamps replies the way podchurn does and
 * records an event per reply. It connects to the bench's socket, and every time bytes arrive (each
 * message is the sender's CLOCK_MONOTONIC time in ns, 8 bytes) it takes podchurn's stamp on that
 * callback and records a pod event with it, through the event log under test. The gap between a
 * message's send time and its stamp is how late the stamp is; the child prints those gaps as JSON.
 *
 * argv: socket path, events.jsonl path, writer ('sync' = the old writer, 'async' = src/results/event-log.ts),
 * cgroup.procs file to join first ('' for none).
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { EventLog, monotonicClock } from '../../src/index.js';
import { SyncEventLog } from './sync-event-log.js';

const [socketPath, eventsFile, writer, cgroupProcs] = process.argv.slice(2) as [string, string, string, string];
// Join the throttled cgroup before opening the log, so every write and fsync of this process is throttled.
if (cgroupProcs) writeFileSync(cgroupProcs, `${process.pid}\n`);
const clock = monotonicClock();
const log = writer === 'sync' ? new SyncEventLog(eventsFile, clock) : new EventLog(eventsFile, clock);
const gapsMs: number[] = [];
let pending: Buffer = Buffer.alloc(0);
let replica = 0;
const socket = connect(socketPath);
socket.setNoDelay(true);
socket.on('data', (chunk: Buffer) => {
  const stamp = clock.now();
  const arrivedNs = process.hrtime.bigint();
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  let offset = 0;
  for (; offset + 8 <= pending.length; offset += 8) {
    const sentNs = pending.readBigInt64LE(offset);
    gapsMs.push(Number(arrivedNs - sentNs) / 1e6);
    // An event like a reply's: the stamp taken above, some data, one line of about 250 bytes.
    log.pod(
      { pod: `bench-slow-disk-${replica}`, cell: 'cell-01', rep: 1, cycle: 1, replica },
      'stop-returned',
      { containerId: 'c'.repeat(64), note: 'reply stamped' },
      stamp,
    );
    replica++;
  }
  pending = pending.subarray(offset);
});
socket.on('end', () => {
  log.close();
  process.stdout.write(`${JSON.stringify({ gapsMs, writtenBytes: log.writtenBytes, failure: log.failure?.message ?? null })}\n`);
});

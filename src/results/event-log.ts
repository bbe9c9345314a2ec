import { closeSync, constants, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, write, writeSync } from 'node:fs';
import type { Clock, Stamp } from '../util/clock.js';
import type { EventSink, PodEvent, PodIdentity, RecordedEvent, RunEvent } from '../engine/events.js';

/** How long a queued line may wait for the lines that follow it before they all go out in one write. */
export const FLUSH_INTERVAL_MS = 50;
/** Queued bytes that go out at once, without waiting for the interval: a burst stays a bounded buffer. */
const FLUSH_BYTES = 256 * 1024;

/** Lines handed to one write, with where each ends (to cut back to the last complete one). */
interface Batch {
  bytes: Buffer;
  /** File offset of the batch's first byte. */
  offset: number;
  /** End of each line, relative to the batch start. */
  lineEnds: number[];
  /** Bytes of the batch known to be written. */
  written: number;
}

/**
 * The append-only events.jsonl of a run. Lines are handed to the kernel within FLUSH_INTERVAL_MS (so
 * an interrupted run keeps everything measured, and a crashed one all but its last few milliseconds)
 * and fsynced at least once a second.
 *
 * The writes and fsyncs run on libuv's thread pool, never on the event loop: that loop also stamps
 * gRPC and API replies, and a disk that takes its time (an fsync can take seconds) must not delay a
 * stamp. Appending an event only queues its line; the lines queued during FLUSH_INTERVAL_MS go out as
 * one positional write, one write in flight at a time. A write per turn of the loop cost a churn at
 * 50 pods/s a write call for nearly every event, each a trip to the thread pool (the kube-burner
 * head-to-head's profile, bench/results/kube-burner.md); a batch of many costs one. close() finishes synchronously: it writes
 * whatever is queued or in flight itself (a positional write of the same bytes at the same offset is
 * harmless to repeat), so the file is complete when it returns.
 *
 * A write that fails (the disk filled up mid-run, an I/O error) never throws into the target that
 * reported the event, which must still clean up: the file is cut back to its last complete line, so
 * what was written stays valid JSONL, later events are no longer written, and `onFailure` is called
 * once so the run can stop.
 */
export class EventLog implements EventSink {
  private readonly fd: number;
  private pendingSync = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** File size after the last complete line written. */
  private completeBytes: number;
  /** Where the next batch goes: after every line already queued for a write. */
  private nextOffset: number;
  private queued: string[] = [];
  private queuedLength = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushImmediate: NodeJS.Immediate | undefined;
  private inFlight: Batch | undefined;
  /** Asynchronous writes and fsyncs not yet called back; the descriptor is closed once none are left. */
  private pendingCalls = 0;
  private fdClosed = false;
  /** Set when a write or sync failed; nothing more is written. */
  failure: Error | undefined;
  /** Events that happened after the failure (counted, not kept). */
  unwritten = 0;
  onFailure: ((error: Error) => void) | undefined;
  readonly listeners: ((event: RecordedEvent) => void)[] = [];

  constructor(
    readonly file: string,
    private readonly clock: Clock,
    private readonly flushIntervalMs = FLUSH_INTERVAL_MS,
  ) {
    // Not O_APPEND: Linux appends a positional write on such a file wherever it was aimed.
    this.fd = openSync(file, constants.O_WRONLY | constants.O_CREAT, 0o644);
    this.completeBytes = fstatSync(this.fd).size;
    this.nextOffset = this.completeBytes;
  }

  /** Complete lines written (file size in bytes). */
  get writtenBytes(): number {
    return this.completeBytes;
  }

  pod(identity: PodIdentity, kind: PodEvent['kind'], data?: Record<string, unknown>, at?: Stamp): PodEvent {
    // Only the identity: callers often pass a whole PodPlan, whose labels would bloat every line.
    const { pod, cell, rep, cycle, replica } = identity;
    const event: PodEvent = { ...(at ?? this.clock.now()), kind, pod, cell, rep, cycle, replica, ...(data ? { data } : {}) };
    this.append(event);
    return event;
  }

  run(kind: RunEvent['kind'], data?: Record<string, unknown>, cell?: string): RunEvent {
    const event: RunEvent = { ...this.clock.now(), kind, ...(cell ? { cell } : {}), ...(data ? { data } : {}) };
    this.append(event);
    return event;
  }

  private append(event: RecordedEvent): void {
    if (this.closed) return;
    if (this.failure) this.unwritten++;
    else {
      const line = `${JSON.stringify(event)}\n`;
      this.queued.push(line);
      this.queuedLength += line.length;
      if (!this.inFlight) this.scheduleFlush();
    }
    for (const listener of this.listeners) listener(event);
    if (!this.pendingSync && !this.failure) {
      this.pendingSync = true;
      this.syncTimer = setTimeout(() => this.sync(), 1000);
      this.syncTimer.unref();
    }
  }

  /** Takes the queued lines as one batch placed after everything queued before. */
  private takeBatch(): Batch {
    const lineEnds: number[] = [];
    let end = 0;
    for (const line of this.queued) {
      end += Buffer.byteLength(line);
      lineEnds.push(end);
    }
    const batch = { bytes: Buffer.from(this.queued.join('')), offset: this.nextOffset, lineEnds, written: 0 };
    this.queued = [];
    this.queuedLength = 0;
    this.nextOffset += batch.bytes.length;
    return batch;
  }

  private cancelFlush(): void {
    clearTimeout(this.flushTimer);
    clearImmediate(this.flushImmediate);
    this.flushTimer = undefined;
    this.flushImmediate = undefined;
  }

  /** The queue goes out when the interval ends, or at once once it holds FLUSH_BYTES. */
  private scheduleFlush(): void {
    if (this.flushImmediate) return;
    if (this.queuedLength >= FLUSH_BYTES) this.flushImmediate = setImmediate(() => this.flush());
    else if (!this.flushTimer) {
      // Unreferenced: close() writes what is still queued, and a timer must not keep a finished run alive.
      this.flushTimer = setTimeout(() => this.flush(), this.flushIntervalMs);
      this.flushTimer.unref();
    }
  }

  private flush(): void {
    this.cancelFlush();
    if (this.closed || this.failure || this.inFlight || this.queued.length === 0) return;
    this.inFlight = this.takeBatch();
    this.writeRest(this.inFlight);
  }

  /** A nearly full disk can take part of a batch: keep writing until it is all there or a write fails. */
  private writeRest(batch: Batch): void {
    this.pendingCalls++;
    write(this.fd, batch.bytes, batch.written, batch.bytes.length - batch.written, batch.offset + batch.written, (error, bytes) => {
      this.pendingCalls--;
      if (this.closed) {
        // close() has written this batch itself; only the descriptor is left to release. If close()
        // found the disk full, this late write may have added part of a line after its cut: cut again.
        if (this.failure) this.cutBack();
        this.closeFdWhenIdle();
        return;
      }
      if (error) {
        this.failBatch(batch, error);
        return;
      }
      batch.written += bytes;
      if (batch.written < batch.bytes.length) {
        this.writeRest(batch);
        return;
      }
      this.completeBytes = batch.offset + batch.bytes.length;
      this.inFlight = undefined;
      if (this.queued.length > 0) this.scheduleFlush();
    });
  }

  /** Writes a batch from where it stands, on this thread (for close()). */
  private writeBatchSync(batch: Batch): boolean {
    try {
      while (batch.written < batch.bytes.length) {
        batch.written += writeSync(this.fd, batch.bytes, batch.written, batch.bytes.length - batch.written, batch.offset + batch.written);
      }
      this.completeBytes = batch.offset + batch.bytes.length;
      return true;
    } catch (error) {
      this.failBatch(batch, error);
      return false;
    }
  }

  /** A batch could not be written whole: keep its complete lines, count the rest and what is still queued. */
  private failBatch(batch: Batch, error: unknown): void {
    const completeLines = batch.lineEnds.filter((end) => end <= batch.written);
    if (completeLines.length > 0) this.completeBytes = batch.offset + completeLines.at(-1)!;
    const lost = batch.lineEnds.length - completeLines.length + this.queued.length;
    this.queued = [];
    this.queuedLength = 0;
    this.inFlight = undefined;
    // fail() counts the event whose write failed; the others here are counted now.
    this.unwritten += lost - 1;
    if (this.failure) {
      this.unwritten++;
      this.cutBack();
    } else this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.unwritten++;
    this.cutBack();
    this.onFailure?.(this.failure);
  }

  /** Drops a partial line, so the file ends with the last complete event. */
  private cutBack(): void {
    try {
      ftruncateSync(this.fd, this.completeBytes);
    } catch {
      // Nothing better to do: readers drop a cut last line anyway.
    }
  }

  private sync(): void {
    this.pendingSync = false;
    if (this.closed || this.failure) return;
    this.pendingCalls++;
    fsync(this.fd, (error) => {
      this.pendingCalls--;
      if (this.closed) this.closeFdWhenIdle();
      else if (error) this.fail(error);
    });
  }

  /** Writes what is in flight and queued, fsyncs, and closes: the file is complete when this returns. */
  close(): void {
    if (this.closed) return;
    clearTimeout(this.syncTimer);
    this.cancelFlush();
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    const written =
      this.failure !== undefined ||
      ((inFlight === undefined || this.writeBatchSync(inFlight)) && (this.queued.length === 0 || this.writeBatchSync(this.takeBatch())));
    if (written && !this.failure) {
      try {
        fsyncSync(this.fd);
      } catch (error) {
        this.fail(error);
      }
    }
    this.closed = true;
    this.closeFdWhenIdle();
  }

  /** A write or fsync still running on the thread pool holds the descriptor's number: release it after. */
  private closeFdWhenIdle(): void {
    if (this.fdClosed || this.pendingCalls > 0) return;
    this.fdClosed = true;
    closeSync(this.fd);
  }
}

// The reader lives beside the writer's format; re-exported where callers have always found it.
export { parseEventLines } from './event-reader.js';

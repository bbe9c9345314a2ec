import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Clock, EventSink, PodEvent, PodIdentity, RecordedEvent, RunEvent, Stamp } from '../../src/index.js';

/**
 * BASELINE FOR bench/event-log-slow-disk.ts ONLY: the event log as it was before its writes left the
 * event loop (a writeSync per event, an fsyncSync once a second, both on the thread that stamps
 * replies), kept so the benchmark can run old and new side by side. Not used by podchurn.
 *
 * The append-only events.jsonl of a run. Lines are written as events happen (so an interrupted or
 * crashed run keeps everything measured until then) and fsynced at least once a second.
 *
 * A write that fails (the disk filled up mid-run, an I/O error) never throws into the target that
 * reported the event, which must still clean up: the file is cut back to its last complete line, so
 * what was written stays valid JSONL, later events are no longer written, and `onFailure` is called
 * once so the run can stop.
 */
export class SyncEventLog implements EventSink {
  private readonly fd: number;
  private pendingSync = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** File size after the last complete line. */
  private completeBytes: number;
  /** Set when a write or sync failed; nothing more is written. */
  failure: Error | undefined;
  /** Events that happened after the failure (counted, not kept). */
  unwritten = 0;
  onFailure: ((error: Error) => void) | undefined;
  readonly listeners: ((event: RecordedEvent) => void)[] = [];

  constructor(
    readonly file: string,
    private readonly clock: Clock,
  ) {
    this.fd = openSync(file, 'a');
    this.completeBytes = fstatSync(this.fd).size;
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
    else this.writeLine(`${JSON.stringify(event)}\n`);
    for (const listener of this.listeners) listener(event);
    if (!this.pendingSync && !this.failure) {
      this.pendingSync = true;
      this.syncTimer = setTimeout(() => this.sync(), 1000);
      this.syncTimer.unref();
    }
  }

  private writeLine(line: string): void {
    const bytes = Buffer.from(line);
    let offset = 0;
    try {
      // A nearly full disk can take part of a line: keep writing until it is all there or a write fails.
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
      this.completeBytes += bytes.length;
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.unwritten++;
    try {
      // Drop the partial line, so the file ends with the last complete event.
      ftruncateSync(this.fd, this.completeBytes);
    } catch {
      // Nothing better to do: readers drop a cut last line anyway.
    }
    this.onFailure?.(this.failure);
  }

  private sync(): void {
    this.pendingSync = false;
    if (this.closed || this.failure) return;
    try {
      fsyncSync(this.fd);
    } catch (error) {
      this.fail(error);
    }
  }

  close(): void {
    if (this.closed) return;
    clearTimeout(this.syncTimer);
    try {
      fsyncSync(this.fd);
    } catch (error) {
      this.fail(error);
    }
    closeSync(this.fd);
    this.closed = true;
  }
}

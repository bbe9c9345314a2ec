import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Clock, Stamp } from '../util/clock.js';
import type { EventSink, PodEvent, PodIdentity, RecordedEvent, RunEvent } from '../engine/events.js';

/**
 * The append-only events.jsonl of a run. Lines are written as events happen (so an interrupted or
 * crashed run keeps everything measured until then) and fsynced at least once a second.
 */
export class EventLog implements EventSink {
  private readonly fd: number;
  private pendingSync = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly listeners: ((event: RecordedEvent) => void)[] = [];

  constructor(
    readonly file: string,
    private readonly clock: Clock,
  ) {
    this.fd = openSync(file, 'a');
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
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
    for (const listener of this.listeners) listener(event);
    if (!this.pendingSync) {
      this.pendingSync = true;
      this.syncTimer = setTimeout(() => this.sync(), 1000);
      this.syncTimer.unref();
    }
  }

  private sync(): void {
    this.pendingSync = false;
    if (!this.closed) fsyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    clearTimeout(this.syncTimer);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
  }
}

/**
 * Reads events.jsonl. A run killed in the middle of a write leaves a partial last line: it is
 * dropped (every complete event before it is kept). A broken line anywhere else means the file was
 * damaged, which is the caller's input error.
 */
export function parseEventLines(text: string, file = 'events.jsonl'): RecordedEvent[] {
  const lines = text.split('\n');
  const events: RecordedEvent[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as RecordedEvent);
    } catch (error) {
      const last = lines.slice(index + 1).every((rest) => rest.trim() === '');
      if (!last) throw new InputError(`${file}:${index + 1}: not a JSON event line; the run directory is damaged.`, { cause: error });
    }
  });
  return events;
}

import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { RecordedEvent } from '../engine/events.js';

/**
 * Splits events.jsonl into events, one line at a time. A run killed in the middle of a write leaves
 * a partial last line: it is dropped (every complete event before it is kept). A broken line
 * anywhere else means the file was damaged, which is the caller's input error: it is raised as soon
 * as a complete line follows the broken one.
 */
class EventLineParser {
  private lineNumber = 0;
  private broken: { lineNumber: number; error: unknown } | undefined;

  constructor(
    private readonly file: string,
    private readonly onEvent: (event: RecordedEvent) => void,
  ) {}

  line(text: string): void {
    this.lineNumber++;
    // Lines start with '{'; only a line that does not is checked for being blank.
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    if (this.broken) {
      throw new InputError(`${this.file}:${this.broken.lineNumber}: not a JSON event line; the run directory is damaged.`, { cause: this.broken.error });
    }
    let event: RecordedEvent;
    try {
      event = JSON.parse(text) as RecordedEvent;
    } catch (error) {
      this.broken = { lineNumber: this.lineNumber, error };
      return;
    }
    this.onEvent(event);
  }
}

/** Reads events.jsonl from a string (see EventLineParser for what a broken line means). */
export function parseEventLines(text: string, file = 'events.jsonl'): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  const parser = new EventLineParser(file, (event) => events.push(event));
  let start = 0;
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
    parser.line(text.slice(start, end));
    start = end + 1;
  }
  parser.line(text.slice(start));
  return events;
}

const chunkBytes = 4 * 1024 * 1024;

/**
 * Streams an events.jsonl file to `onEvent` in file order, a few MiB at a time. A run of 100,000
 * pods writes about 200 MB of events: read whole, the text and a million parsed events sit in the
 * heap together, and the garbage collector's work on them cost more than the analysis itself. Here
 * each event can be folded and dropped as it is read. The same lines as parseEventLines, so the same
 * errors, named after `name`.
 */
export function readEventFile(path: string, onEvent: (event: RecordedEvent) => void, name = 'events.jsonl'): void {
  const parser = new EventLineParser(name, onEvent);
  const fd = openSync(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(chunkBytes);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        // One line longer than the buffer: grow it, keeping what was read.
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, filled);
        buffer = larger;
      }
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (read === 0) break;
      filled += read;
      // Decode only whole lines, so no UTF-8 sequence is cut at the chunk's end.
      const lastNewline = buffer.lastIndexOf(10, filled - 1);
      if (lastNewline === -1) continue;
      const text = buffer.toString('utf8', 0, lastNewline);
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        parser.line(text.slice(start, end));
        start = end + 1;
      }
      parser.line(text.slice(start));
      buffer.copy(buffer, 0, lastNewline + 1, filled);
      filled -= lastNewline + 1;
    }
    parser.line(buffer.toString('utf8', 0, filled));
  } finally {
    closeSync(fd);
  }
}

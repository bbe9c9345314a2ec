import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import { isPodEvent, type RecordedEvent } from '../engine/events.js';

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
 * Reads a file a few MiB at a time and hands `onText` whole lines only, as text without their last
 * newline (so no UTF-8 sequence is cut at a chunk's end), then what follows the last newline.
 */
function readWholeLines(path: string, onText: (text: string) => void): void {
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
      const lastNewline = buffer.lastIndexOf(10, filled - 1);
      if (lastNewline === -1) continue;
      onText(buffer.toString('utf8', 0, lastNewline));
      buffer.copy(buffer, 0, lastNewline + 1, filled);
      filled -= lastNewline + 1;
    }
    onText(buffer.toString('utf8', 0, filled));
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams an events.jsonl file to `onEvent` in file order, a few MiB at a time. A run of 100,000
 * pods writes about 200 MB of events: read whole, the text and a million parsed events sit in the
 * heap together, and the garbage collector's work on them cost more than the analysis itself. Here
 * each event can be folded and dropped as it is read. The same lines as parseEventLines, so the same
 * errors, named after `name`.
 */
export function readEventFile(path: string, onEvent: (event: RecordedEvent) => void, name = 'events.jsonl'): void {
  const parser = new EventLineParser(name, onEvent);
  readWholeLines(path, (text) => {
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      parser.line(text.slice(start, end));
      start = end + 1;
    }
    parser.line(text.slice(start));
  });
}

/** One of `count` disjoint shares of a file's events, read by one thread each. */
export interface EventFilePart {
  index: number;
  count: number;
}

/**
 * A line readEventFilePart cannot place by its pod: a pod event whose `"pod":"` text is missing,
 * escaped or not its own. The file is then read whole, in one thread.
 */
export class UnplaceableEventLine extends Error {}

const podKey = '"pod":"';

/**
 * The share `part` of an events.jsonl file: every event of the pods whose name hashes to it, and the
 * run events among its lines (a line with no pod name goes to part 0). Each pod's events reach one
 * part in file order, so folding a part gives exactly the records the whole file gives for its pods.
 * A part finds the pod name in the text without parsing the line: only its own lines are parsed,
 * which is what lets two threads share the JSON.parse of one file.
 *
 * `onEvent` gets each event with its line number (1-based, as in errors), to put the parts back in
 * file order. A broken last line is dropped, as readEventFile does; a broken line followed by
 * another line returns `damaged` (readEventFile, on the whole file, names the line in its error).
 * Throws UnplaceableEventLine for a pod event whose name the text scan did not read exactly.
 */
export function readEventFilePart(path: string, part: EventFilePart, onEvent: (event: RecordedEvent, line: number) => void): { damaged: boolean } {
  let lineNumber = 0;
  let broken = false;
  let damaged = false;
  readWholeLines(path, (text) => {
    if (damaged) return;
    let keyAt = text.indexOf(podKey);
    for (let start = 0; start <= text.length; ) {
      const newline = text.indexOf('\n', start);
      const end = newline === -1 ? text.length : newline;
      const lineStart = start;
      start = end + 1;
      lineNumber++;
      if (end === lineStart || (text.charCodeAt(lineStart) <= 32 && text.slice(lineStart, end).trim() === '')) continue;
      if (broken) {
        damaged = true;
        return;
      }
      if (keyAt !== -1 && keyAt < lineStart) keyAt = text.indexOf(podKey, lineStart);
      const nameStart = keyAt !== -1 && keyAt < end ? keyAt + podKey.length : -1;
      let nameEnd = -1;
      if (nameStart !== -1) {
        nameEnd = text.indexOf('"', nameStart);
        if (nameEnd === -1 || nameEnd > end) nameEnd = end;
      }
      if ((nameStart === -1 ? 0 : partOf(text, nameStart, nameEnd, part.count)) !== part.index) continue;
      let event: RecordedEvent;
      try {
        event = JSON.parse(text.slice(lineStart, end)) as RecordedEvent;
      } catch {
        broken = true;
        continue;
      }
      if (isPodEvent(event)) {
        const pod: unknown = event.pod;
        if (nameStart === -1 || typeof pod !== 'string' || pod.length !== nameEnd - nameStart || !text.startsWith(pod, nameStart)) {
          throw new UnplaceableEventLine(`line ${lineNumber}: the pod name in the text is not the event's own`);
        }
      }
      onEvent(event, lineNumber);
    }
  });
  return { damaged };
}

/** FNV-1a of the pod name's characters: spreads names that differ only in a replica number. */
function partOf(text: string, from: number, to: number, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % count;
}

import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { isPodEvent, type PodEvent, type RecordedEvent, type RunEvent } from '../engine/events.js';
import { type OutcomeLimits, PodRecordFold } from '../measurements/pod-lifecycle/pod-records.js';
import { primaryLatency } from '../measurements/pod-lifecycle/primary-latency.js';
import { type EventFilePart, readEventFile, readEventFilePart, UnplaceableEventLine } from '../results/event-reader.js';
import type { PodRecord } from '../results/pod-record.js';
import type { PrimaryLatencyName } from '../results/summary.js';

/** What finishing the pod records needs from the run events (known only once the whole file is read). */
export interface FoldSettings {
  primary: PrimaryLatencyName;
  /** By cell id; `otherCells` for a pod of a cell the scenario does not have. */
  limits: Record<string, OutcomeLimits>;
  otherCells: OutcomeLimits;
  /** Pods that cleanup had to force. */
  forced: string[];
}

/** events.jsonl folded: the pod records and the few events the analysis reads one by one, in file order. */
export interface FoldedEvents {
  records: PodRecord[];
  runEvents: RunEvent[];
  /** The pod events of kind `evidence`. */
  evidence: PodEvent[];
  first: RecordedEvent | undefined;
  last: RecordedEvent | undefined;
  /** How many threads read the file (2 when the split worked, else 1). */
  threads: number;
}

export interface FoldOptions {
  /** Below this size events.jsonl is read in one thread: a worker's start costs more than it saves. */
  minParallelBytes?: number;
  /** Where the worker's script is; found beside this module (or the bundle) when not given. */
  workerScript?: string;
}

const defaultMinParallelBytes = 16 * 1024 * 1024;

/**
 * Reads events.jsonl and folds its pod events into records (PodRecordFold). On a large file with a
 * second core free, and PODCHURN_FOLD_THREADS=2, two threads share the work: each parses and folds the events of half the pods
 * (readEventFilePart routes a line by its pod name before parsing it), and the records are put back
 * in the order of each pod's first event, so the result is the one reading in one thread gives.
 * JSON.parse and the fold are most of `podchurn report` on a large run. Whatever the split cannot
 * place exactly (a damaged file, a line whose pod name is not plain text) is read in one thread.
 */
export function foldEventFile(path: string, settle: (runEvents: readonly RunEvent[]) => FoldSettings, options: FoldOptions = {}): FoldedEvents {
  const script = options.workerScript ?? workerScriptPath();
  const large = statSync(path).size >= (options.minParallelBytes ?? defaultMinParallelBytes);
  // Two threads only when asked (PODCHURN_FOLD_THREADS=2): on 100,000 pods they cut the main thread's
  // CPU by about 0.3 s but cost the process about 1.7 s more (each thread scans every line, and half the
  // records are copied back), which on a shared 2-core machine made the wall time longer
  // (bench/results/report-end-to-end.md).
  const oneThread = process.env.PODCHURN_FOLD_THREADS !== '2' || availableParallelism() < 2;
  if (script === undefined || !large || oneThread) return foldSerially(path, settle);
  return foldInTwoThreads(path, settle, script) ?? foldSerially(path, settle);
}

/** The whole file in this thread. */
export function foldSerially(path: string, settle: (runEvents: readonly RunEvent[]) => FoldSettings): FoldedEvents {
  const fold = new PodRecordFold();
  const runEvents: RunEvent[] = [];
  const evidence: PodEvent[] = [];
  let first: RecordedEvent | undefined;
  let last: RecordedEvent | undefined;
  readEventFile(path, (event) => {
    first ??= event;
    last = event;
    if (!isPodEvent(event)) runEvents.push(event);
    else {
      fold.add(event);
      if (event.kind === 'evidence') evidence.push(event);
    }
  });
  return { records: finishRecords(fold, settle(runEvents)), runEvents, evidence, first, last, threads: 1 };
}

/** The part's records, finished with what the whole file gave. */
export function finishRecords(fold: PodRecordFold, settings: FoldSettings): PodRecord[] {
  return fold.finish(
    primaryLatency(settings.primary),
    (cell) => (Object.hasOwn(settings.limits, cell) ? settings.limits[cell]! : settings.otherCells),
    new Set(settings.forced),
  );
}

/** An event and its line in events.jsonl, to merge the parts back in file order. */
interface Placed<T> {
  line: number;
  event: T;
}

/** One part of the file folded, its records not finished yet (that needs the run events of all parts). */
export interface FoldedPart {
  fold: PodRecordFold;
  /** Line of each record's first event, in the fold's record order. */
  firstLines: number[];
  runEvents: Placed<RunEvent>[];
  evidence: Placed<PodEvent>[];
  first: Placed<RecordedEvent> | undefined;
  last: Placed<RecordedEvent> | undefined;
  damaged: boolean;
}

/** Reads and folds one part (readEventFilePart); throws UnplaceableEventLine as it does. */
export function foldPart(path: string, part: EventFilePart): FoldedPart {
  const fold = new PodRecordFold();
  const known = new Set<string>();
  const firstLines: number[] = [];
  const runEvents: Placed<RunEvent>[] = [];
  const evidence: Placed<PodEvent>[] = [];
  let first: Placed<RecordedEvent> | undefined;
  let lastEvent: RecordedEvent | undefined;
  let lastLine = 0;
  const { damaged } = readEventFilePart(path, part, (event, line) => {
    first ??= { line, event };
    lastEvent = event;
    lastLine = line;
    if (!isPodEvent(event)) {
      runEvents.push({ line, event });
      return;
    }
    if (!known.has(event.pod)) {
      known.add(event.pod);
      firstLines.push(line);
    }
    fold.add(event);
    if (event.kind === 'evidence') evidence.push({ line, event });
  });
  const last = lastEvent === undefined ? undefined : { line: lastLine, event: lastEvent };
  return { fold, firstLines, runEvents, evidence, first, last, damaged };
}

/** The worker's part, folded: what the main thread merges before the records are finished. */
export type FoldedPartMessage =
  | ({ kind: 'folded'; firstLines: Int32Array } & Omit<FoldedPart, 'fold' | 'firstLines'>)
  /** The part met a line it could not place, or failed: the main thread reads the file alone. */
  | { kind: 'unplaceable' | 'failed'; reason: string };

export type RecordsMessage = { kind: 'records'; records: PodRecord[] } | { kind: 'failed'; reason: string };

export interface WorkerStart {
  path: string;
  part: EventFilePart;
  port: MessagePort;
  /** The worker adds 1 after each message it posts, so this thread can block until one is there. */
  posted: Int32Array;
}

/**
 * Part 1 in a worker, part 0 here. Synchronous, as the analysis is: this thread blocks on the
 * worker's messages (Atomics.wait, then receiveMessageOnPort). Undefined when the split cannot give
 * the serial result (a damaged file, an unplaceable line, a worker that failed or never answered).
 */
function foldInTwoThreads(path: string, settle: (runEvents: readonly RunEvent[]) => FoldSettings, script: string): FoldedEvents | undefined {
  const { port1: port, port2: workerPort } = new MessageChannel();
  const posted = new Int32Array(new SharedArrayBuffer(4));
  const start: WorkerStart = { path, part: { index: 1, count: 2 }, port: workerPort, posted };
  const worker = startWorker(script, start);
  // A worker that fails posts why; an error it could not catch leaves this thread to its deadline.
  worker.on('error', () => {});
  worker.unref();
  try {
    const startedAt = performance.now();
    let own: FoldedPart;
    try {
      own = foldPart(path, { index: 0, count: 2 });
    } catch (error) {
      if (error instanceof UnplaceableEventLine) return undefined;
      throw error;
    }
    // The worker does as much as this thread did; far longer means it is gone (or starved).
    const deadline = performance.now() + Math.max(30_000, 4 * (performance.now() - startedAt));
    const other = nextMessage(port, posted, 1, deadline) as FoldedPartMessage | undefined;
    if (own.damaged || other?.kind !== 'folded' || other.damaged) return undefined;
    const runEvents = mergeByLine(own.runEvents, other.runEvents).map((placed) => placed.event);
    const settings = settle(runEvents);
    port.postMessage(settings);
    const ownRecords = finishRecords(own.fold, settings);
    const theirs = nextMessage(port, posted, 2, deadline + 30_000) as RecordsMessage | undefined;
    if (theirs?.kind !== 'records') return undefined;
    const firstLines = [own.firstLines, other.firstLines] as const;
    const ends = [own.first, own.last, other.first, other.last].filter((placed) => placed !== undefined);
    return {
      records: mergeRecords([ownRecords, theirs.records], firstLines),
      runEvents,
      evidence: mergeByLine(own.evidence, other.evidence).map((placed) => placed.event),
      first: ends.reduce<Placed<RecordedEvent> | undefined>((a, b) => (a === undefined || b.line < a.line ? b : a), undefined)?.event,
      last: ends.reduce<Placed<RecordedEvent> | undefined>((a, b) => (a === undefined || b.line > a.line ? b : a), undefined)?.event,
      threads: 2,
    };
  } finally {
    port.close();
    void worker.terminate();
  }
}

/**
 * The TypeScript source (tests and bench run under tsx) goes through tsx's require hook, which works
 * inside a worker; its import hooks, which run the main thread, do not reach one on Node 20.
 */
function startWorker(script: string, start: WorkerStart): Worker {
  const options = { workerData: start, transferList: [start.port] };
  if (!script.endsWith('.ts')) return new Worker(script, options);
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(script)});`, { ...options, eval: true });
}

/** Blocks until the worker has posted its `count`-th message, or the deadline passes. */
function nextMessage(port: MessagePort, posted: Int32Array, count: number, deadline: number): unknown {
  for (;;) {
    const seen = Atomics.load(posted, 0);
    if (seen >= count) return receiveMessageOnPort(port)?.message;
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    Atomics.wait(posted, 0, seen, Math.min(left, 1000));
  }
}

function mergeByLine<T>(a: readonly Placed<T>[], b: readonly Placed<T>[]): Placed<T>[] {
  const merged: Placed<T>[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) merged.push(j === b.length || (i < a.length && a[i]!.line < b[j]!.line) ? a[i++]! : b[j++]!);
  return merged;
}

/** Two parts' records, each in its own first-event order, in the order of each pod's first event in the file. */
function mergeRecords(parts: readonly [PodRecord[], PodRecord[]], firstLines: readonly [ArrayLike<number>, ArrayLike<number>]): PodRecord[] {
  const [a, b] = parts;
  const [lineA, lineB] = firstLines;
  const merged: PodRecord[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < merged.length; k++) merged[k] = j === b.length || (i < a.length && lineA[i]! < lineB[j]!) ? a[i++]! : b[j++]!;
  return merged;
}

/**
 * The worker's script: beside the bundle (dist/fold-events-worker.cjs, scripts/bundle.sh), beside
 * this module as tsc wrote it, or the TypeScript source when running under tsx (tests, bench).
 */
function workerScriptPath(): string | undefined {
  for (const name of ['./fold-events-worker.cjs', './fold-events-worker.js', './fold-events-worker.ts']) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

import { workerData } from 'node:worker_threads';
import { UnplaceableEventLine } from '../results/event-reader.js';
import { type FoldedPartMessage, type FoldSettings, finishRecords, foldPart, type RecordsMessage, type WorkerStart } from './fold-events.js';

/**
 * The second thread of foldEventFile: folds its part of events.jsonl, posts what the main thread
 * merges, waits for the settings only the whole file gives (forced pods), finishes its records and
 * posts them. Every failure is posted too, so the main thread never waits for a message that will
 * not come.
 */
const { path, part, port, posted } = workerData as WorkerStart;

function post(message: FoldedPartMessage | RecordsMessage): void {
  port.postMessage(message);
  Atomics.add(posted, 0, 1);
  Atomics.notify(posted, 0);
}

try {
  const { fold, firstLines, ...placed } = foldPart(path, part);
  const lines = Int32Array.from(firstLines);
  post({ kind: 'folded', firstLines: lines, ...placed });
  port.once('message', (settings: FoldSettings) => {
    try {
      post({ kind: 'records', records: finishRecords(fold, settings) });
    } catch (error) {
      post({ kind: 'failed', reason: String(error) });
    }
    port.close();
  });
} catch (error) {
  post({ kind: error instanceof UnplaceableEventLine ? 'unplaceable' : 'failed', reason: String(error) });
  port.close();
}

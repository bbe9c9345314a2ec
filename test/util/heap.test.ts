import assert from 'node:assert/strict';
import { collectGarbageNow } from '../../src/util/heap.js';

describe('collectGarbageNow', () => {
  it('frees unreachable objects at once, without --expose-gc on the command line', () => {
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test needs a process without a global gc');
    collectGarbageNow();
    const before = process.memoryUsage().heapUsed;
    let garbage: number[][] | undefined = Array.from({ length: 2_000 }, (_, i) => Array.from({ length: 1_000 }, () => i));
    assert.ok(process.memoryUsage().heapUsed - before > 10 * 1024 * 1024, 'the garbage is on the heap');
    garbage = undefined;
    collectGarbageNow();
    assert.equal(garbage, undefined);
    assert.ok(process.memoryUsage().heapUsed - before < 2 * 1024 * 1024, 'collected: heap back near where it was');
  });

  it('keeps gc out of the process globals', () => {
    collectGarbageNow();
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
  });
});

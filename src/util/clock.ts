/**
 * Every timestamp podchurn records has two readings: `mono`, milliseconds on the monotonic clock
 * since the run started (for latencies, immune to wall-clock steps), and `wall`, Unix epoch
 * milliseconds (to correlate with runtime logs).
 */
export interface Stamp {
  mono: number;
  wall: number;
}

export interface Clock {
  now(): Stamp;
}

export function monotonicClock(): Clock {
  const origin = process.hrtime.bigint();
  return {
    now: () => ({ mono: Number(process.hrtime.bigint() - origin) / 1e6, wall: Date.now() }),
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

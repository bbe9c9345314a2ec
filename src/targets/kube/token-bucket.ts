import { sleep } from '../../util/clock.js';

/**
 * Client-side rate limit, as client-go applies one: `burst` requests may go at once, then tokens
 * refill at `qps` per second. Waiters are served in arrival order.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`qps must be > 0 and burst >= 1 (got qps ${qps}, burst ${burst})`);
    this.tokens = burst;
    this.last = now();
  }

  /** Back to `burst` tokens: a phase that starts now may send a full burst, whatever came before. */
  fill(): void {
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Resolves when the caller may send one request (or at once if the signal aborts). */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.tail.then(() => this.takeOne(signal));
    this.tail = turn;
    return turn;
  }

  private async takeOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      if (signal?.aborted) return;
      await sleep(((1 - this.tokens) / this.qps) * 1000, signal);
    }
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }
}

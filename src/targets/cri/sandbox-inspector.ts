import { CriCallError, type CriClient } from '../../cri/client.js';
import type { EventSink, PodIdentity } from '../../engine/events.js';
import { describeCause } from '../../errors.js';
import { sleep } from '../../util/clock.js';

/** What one pod's inspection saw, reported on its `running` event. */
export interface InspectionCounts {
  calls: number;
  failures: number;
  /** The slowest reply or failure, ms. */
  maxMs: number;
}

/** Deadline of one verbose status call: far above containerd's own 2 s task-state timeout, so that timeout is what shows. */
const INSPECT_CALL_MS = 30_000;

/**
 * Asks for a sandbox's verbose status (PodSandboxStatus verbose: containerd then loads the sandbox's task from its
 * shim, as `crictl inspectp` or a node monitor makes it do) every `periodMs` while the pod's container is created and
 * started (scenario sandboxInspectPeriodMs). Each code a call fails with is recorded once per pod (`inspect-failed`,
 * criError `inspect:<CODE>`): a task RPC that timed out inside the runtime while the shim was busy creating the pod's
 * container surfaces here (containerd 2.3.0 and 2.3.1, bug library entry containerd-12821).
 */
export class SandboxInspector {
  private stopped = false;
  private readonly seen = new Set<string>();
  private readonly counts: InspectionCounts = { calls: 0, failures: 0, maxMs: 0 };
  private readonly loop: Promise<void>;

  constructor(
    private readonly client: CriClient,
    private readonly events: EventSink,
    private readonly plan: PodIdentity,
    private readonly sandboxId: string,
    private readonly periodMs: number,
    private readonly signal: AbortSignal,
  ) {
    this.loop = this.run();
  }

  /** Ends the loop once its call in flight has returned (its failure still counts: it was sent during the create). */
  async stop(): Promise<InspectionCounts> {
    this.stopped = true;
    await this.loop;
    return { ...this.counts };
  }

  private async run(): Promise<void> {
    while (!this.stopped && !this.signal.aborted) {
      const started = performance.now();
      try {
        this.counts.calls++;
        await this.client.podSandboxInfo(this.sandboxId, { timeoutMs: INSPECT_CALL_MS, signal: this.signal });
      } catch (error) {
        if (this.signal.aborted) return;
        this.counts.failures++;
        const code = error instanceof CriCallError ? error.codeName : 'UNKNOWN';
        if (!this.seen.has(code)) {
          this.seen.add(code);
          const ms = Math.round(performance.now() - started);
          this.events.pod(this.plan, 'inspect-failed', { sandboxId: this.sandboxId, code, ms, message: describeCause(error).slice(0, 1000) });
        }
      }
      this.counts.maxMs = Math.max(this.counts.maxMs, Math.round(performance.now() - started));
      if (!this.stopped) await sleep(this.periodMs, this.signal);
    }
  }
}

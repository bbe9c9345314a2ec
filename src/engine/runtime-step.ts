import { sleep } from '../util/clock.js';

/** When and how a target performs the scenario's runtime step (an in-place replacement or restart of the runtime's daemon). */
export interface RuntimeStepPlan {
  /** The cycle after whose hold the step happens. */
  afterCycleHold: number;
  /** Instead of between the hold and the deletes: this long after the cycle's deletes begin, among its stops. */
  duringStopsAfterMs?: number;
  /** Instead: this long after the cycle's creates begin, among its RunPodSandbox calls; awaited before the hold ends. */
  duringCreatesAfterMs?: number;
  perform(signal: AbortSignal): Promise<void>;
}

/**
 * The step's timing, the same for every target: done once, after the hold of cycle `afterCycleHold`, or
 * started there and left to land `duringStopsAfterMs` into the deletes. A pod's delete never throws, so the
 * failure of a step that ran during the deletes is kept and thrown from `afterDeletes`.
 */
export class RuntimeStepSchedule {
  private started = false;
  private inFlight?: Promise<{ error?: unknown }>;
  /** Monotonic ms (performance.now) when the step began and ended; set once it has. */
  private window?: { beganMs: number; endedMs?: number };

  constructor(private readonly plan: RuntimeStepPlan) {}

  /** Whether pods created now come after the step: it has begun (only a step among the creates overlaps them). */
  get hasBegun(): boolean {
    return this.window !== undefined;
  }

  /** performance.now() at the step's start and end, once it has ended. */
  get completedWindow(): { beganMs: number; endedMs: number } | undefined {
    return this.window?.endedMs === undefined ? undefined : { beganMs: this.window.beganMs, endedMs: this.window.endedMs };
  }

  /**
   * Called as each pod's create starts: with `duringCreatesAfterMs`, the first create of cycle `afterCycleHold` starts
   * the step's timer, so it lands among that cycle's creates. A create that starts after that counts as after the step.
   */
  beginCreate(cycle: number, signal: AbortSignal): void {
    if (this.started || this.plan.duringCreatesAfterMs === undefined || cycle !== this.plan.afterCycleHold) return;
    this.started = true;
    this.inFlight = this.delayed(this.plan.duringCreatesAfterMs, signal);
  }

  async afterHold(cycle: number, signal: AbortSignal): Promise<void> {
    if (this.plan.duringCreatesAfterMs !== undefined) {
      // The step started among this cycle's creates; the deletes wait for the new daemon (and fail with the step).
      if (cycle === this.plan.afterCycleHold) await this.afterDeletes();
      return;
    }
    if (this.started || cycle !== this.plan.afterCycleHold) return;
    this.started = true;
    if (this.plan.duringStopsAfterMs === undefined) {
      await this.perform(signal);
      return;
    }
    // Started now and left running: the deletes begin as soon as this returns, and the step lands among them.
    this.inFlight = this.delayed(this.plan.duringStopsAfterMs, signal);
  }

  private delayed(ms: number, signal: AbortSignal): Promise<{ error?: unknown }> {
    return sleep(ms, signal)
      .then(() => (signal.aborted ? undefined : this.perform(signal)))
      .then(
        () => ({}),
        (error: unknown) => ({ error }),
      );
  }

  /** Awaits a step that was started during this cycle's deletes and throws its failure; true if there was one. */
  async afterDeletes(): Promise<boolean> {
    if (!this.inFlight) return false;
    const outcome = await this.inFlight;
    this.inFlight = undefined;
    if (outcome.error !== undefined) throw outcome.error;
    return true;
  }

  private async perform(signal: AbortSignal): Promise<void> {
    this.window = { beganMs: performance.now() };
    await this.plan.perform(signal);
    this.window.endedMs = performance.now();
  }
}

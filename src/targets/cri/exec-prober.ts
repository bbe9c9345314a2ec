import { setMaxListeners } from 'node:events';
import type { CriClient } from '../../cri/client.js';
import { CriCallError } from '../../cri/client.js';
import { describeCause } from '../../errors.js';
import type { ExecProbe } from '../../scenario/schema.js';
import { sleep } from '../../util/clock.js';

/** How an exec probe ended. `cannot-exec-stopped` is runc's answer for a container it knows has stopped. */
export const probeClasses = [
  'ok',
  'nonzero-exit',
  'cannot-exec-stopped',
  'not-running',
  'exec-start-failed',
  'deadline',
  'unavailable',
  'other-error',
] as const;
export type ProbeClass = (typeof probeClasses)[number];

export function classifyProbeError(error: unknown): ProbeClass {
  const message = describeCause(error);
  if (/cannot exec in a stopped container/i.test(message)) return 'cannot-exec-stopped';
  if (error instanceof CriCallError) {
    if (error.codeName === 'DEADLINE_EXCEEDED') return 'deadline';
    if (error.codeName === 'UNAVAILABLE') return 'unavailable';
  }
  if (/not in running state|CONTAINER_EXITED|not found|does not exist|is not running/i.test(message)) return 'not-running';
  // runc could not set up the exec'd process (seen under heavy exec load on a running container).
  if (/unable to start container process|error executing setns process|write init-p/i.test(message)) return 'exec-start-failed';
  return 'other-error';
}

export interface ProbeFailure {
  probeClass: ProbeClass;
  message: string;
  /** True when the probe was sent after the container's stop was requested. */
  duringStop: boolean;
}

/**
 * Emulates kubelet exec probes on one container: `workers` loops, each sending ExecSync every
 * periodMs (sequentially, like one kubelet probe worker), until stopped. Probes keep running while
 * the container is being stopped: that overlap is what the lost-exit bug needs.
 */
export class ExecProber {
  readonly counts: Record<ProbeClass, number> = Object.fromEntries(probeClasses.map((c) => [c, 0])) as Record<ProbeClass, number>;
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[];
  private stopRequested = false;

  constructor(
    private readonly client: CriClient,
    private readonly containerId: string,
    private readonly probe: ExecProbe,
    private readonly requestTimeoutSeconds: number,
    private readonly onFailure: (failure: ProbeFailure) => void,
  ) {
    // Every worker's sleeps and calls listen on this one signal.
    setMaxListeners(0, this.controller.signal);
    this.loops = Array.from({ length: probe.workers }, (_, worker) => this.loop(worker));
  }

  /** Marks the moment the container's stop was requested; later failures are flagged duringStop. */
  markStopRequested(): void {
    this.stopRequested = true;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.loops);
  }

  private async loop(worker: number): Promise<void> {
    const signal = this.controller.signal;
    // Spread workers over the period so the exec rate is even.
    await sleep((this.probe.periodMs * worker) / this.probe.workers, signal);
    while (!signal.aborted) {
      const started = performance.now();
      const duringStop = this.stopRequested;
      try {
        const response = await this.client.execSync(this.containerId, this.probe.command, this.probe.timeoutSeconds, {
          // kubelet's ExecSync deadline: runtime request timeout + probe timeout.
          timeoutMs: (this.requestTimeoutSeconds + this.probe.timeoutSeconds) * 1000,
          signal,
        });
        this.count(response.exit_code === 0 ? 'ok' : 'nonzero-exit');
      } catch (error) {
        if (signal.aborted) return;
        const probeClass = classifyProbeError(error);
        this.count(probeClass);
        this.onFailure({ probeClass, message: describeCause(error).slice(0, 500), duringStop });
        // Once the runtime says the container is gone, kubelet's prober stops too.
        if (probeClass === 'not-running') return;
      }
      await sleep(this.probe.periodMs - (performance.now() - started), signal);
    }
  }

  private count(probeClass: ProbeClass): void {
    this.counts[probeClass]++;
  }
}

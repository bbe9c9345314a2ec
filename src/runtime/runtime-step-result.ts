import type { MeasuredVersions } from './binary-set.js';

/**
 * What an in-place runtime step replaced (the containerd daemon, and the runc its config names), with
 * versions measured from the binaries before and after. The same record for a managed containerd on the
 * cri target and for a cluster node's runtime.
 */
export interface RuntimeStepResult {
  from: { containerdKey: string; runcKey: string; measured: MeasuredVersions; daemonPid: number | undefined };
  to: { containerdKey: string; runcKey: string; measured: MeasuredVersions; daemonPid: number | undefined; criRuntimeVersion: string; configVersion: number };
  /** Daemon stopped -> new daemon ready over CRI, ms. */
  downtimeMs: number;
  /** Pids of this runtime's shims still running once the new daemon answers: the step leaves them alone. */
  shimPidsAfter: number[];
}

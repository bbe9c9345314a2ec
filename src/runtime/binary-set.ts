import { runCommand } from '../util/exec.js';

/** The executables one managed containerd runs with. */
export interface BinarySet {
  /** Store keys this set was resolved from, e.g. containerd@1.7.22 and runc@1.1.14. */
  containerdKey: string;
  runcKey: string;
  containerd: string;
  shim: string;
  ctr: string;
  runc: string;
}

/** Versions as reported by running the binaries, never as requested. */
export interface MeasuredVersions {
  containerd: string;
  containerdRaw: string;
  /** The shim carries the lost-exit fix, so its version is recorded on its own. */
  shim: string;
  runc: string;
  runcRaw: string;
}

/** `containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3` -> `1.6.20~ds1` */
export function parseContainerdVersion(output: string): string | undefined {
  const match = /^containerd\s+\S+\s+v?(\S+)/m.exec(output);
  return match?.[1];
}

/** `containerd-shim-runc-v2:\n  Version:  v1.7.22` -> `1.7.22` */
export function parseShimVersion(output: string): string | undefined {
  return /^\s*Version:\s+v?(\S+)/m.exec(output)?.[1];
}

/** `runc version 1.1.5+ds1` -> `1.1.5+ds1` */
export function parseRuncVersion(output: string): string | undefined {
  return /^runc version\s+v?(\S+)/m.exec(output)?.[1];
}

export async function measureVersions(set: BinarySet): Promise<MeasuredVersions> {
  const [containerd, shim, runc] = await Promise.all([
    runCommand(set.containerd, ['--version'], { timeoutMs: 10_000 }),
    runCommand(set.shim, ['-v'], { timeoutMs: 10_000 }),
    runCommand(set.runc, ['--version'], { timeoutMs: 10_000 }),
  ]);
  return {
    containerd: parseContainerdVersion(containerd.stdout) ?? 'unknown',
    containerdRaw: containerd.stdout.trim(),
    shim: parseShimVersion(shim.stdout) ?? 'unknown',
    runc: parseRuncVersion(runc.stdout) ?? 'unknown',
    runcRaw: runc.stdout.trim(),
  };
}

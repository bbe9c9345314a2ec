import { readlink } from 'node:fs/promises';
import { parseShimVersion } from './binary-set.js';
import { pidsWithCommandLine } from './mounts.js';
import { runCommand } from '../util/exec.js';

/**
 * The shim that really serves a pod, measured from the process: the lost-exit fix lives in the shim,
 * and after an in-place upgrade a pod keeps the shim it was started with. containerd's CRI plugin runs
 * one containerd-shim-runc-v2 per sandbox, started with `-id <sandbox id>`; its /proc/<pid>/exe is the
 * binary it runs, whose `-v` names its version.
 */
export interface ShimReading {
  pid: number;
  /** The executable the shim process runs (/proc/<pid>/exe). */
  exe: string;
  /** What `<exe> -v` reported, or `unknown` when it could not be run (e.g. the binary was deleted). */
  version: string;
}

export type ShimMeasurement = ShimReading | { pid: null; reason: string };

/** Versions by executable path: a store binary never changes under its path, so each is run once. */
const versionsByExe = new Map<string, Promise<string>>();

function versionOf(exe: string): Promise<string> {
  let version = versionsByExe.get(exe);
  if (!version) {
    version = runCommand(exe, ['-v'], { timeoutMs: 10_000 }).then(
      (result) => parseShimVersion(result.stdout) ?? 'unknown',
      () => 'unknown',
    );
    versionsByExe.set(exe, version);
  }
  return version;
}

/** Finds the shim process of a sandbox (scoped to one containerd by its socket address) and reads what it runs. */
export async function measureSandboxShim(sandboxId: string, address: string): Promise<ShimMeasurement> {
  const pids = await pidsWithCommandLine(['-id', sandboxId, '-address', address]);
  if (pids.length !== 1)
    return { pid: null, reason: pids.length === 0 ? 'no shim process carries this sandbox id' : `${pids.length} shim processes carry this sandbox id` };
  const pid = pids[0]!;
  let exe: string;
  try {
    exe = await readlink(`/proc/${pid}/exe`);
  } catch (error) {
    return { pid: null, reason: `cannot read /proc/${pid}/exe: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  // A binary replaced on disk after the shim started shows as "<path> (deleted)": it cannot be run for its version.
  const version = exe.endsWith(' (deleted)') ? 'unknown' : await versionOf(exe);
  return { pid, exe, version };
}

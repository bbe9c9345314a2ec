import { readFile } from 'node:fs/promises';
import { runCommand } from '../../util/exec.js';

/**
 * The lost-exit check: after a stop, CRI may still say RUNNING. Whether that is a lost exit depends on
 * the container's task process, read here from the host's /proc. The pid comes from the runtime itself
 * (verbose ContainerStatus), so a pid that cannot be read proves nothing either way and is reported as
 * unreadable, never as gone.
 */

/** Where the task pid was read: the `info` JSON of a verbose CRI ContainerStatus reply (containerd). */
export const PID_SOURCE = 'cri-verbose-info';

export type PidReading = { pid: number } | { pid: null; reason: string };

/** The task pid from a verbose ContainerStatus reply (`info["info"]` is JSON with a `pid` field). */
export function pidFromVerboseInfo(info: Readonly<Record<string, string>> | null | undefined): PidReading {
  const text = info?.info;
  if (text === undefined || text === '') return { pid: null, reason: 'verbose ContainerStatus has no "info" entry' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { pid: null, reason: `verbose info is not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
  if (typeof parsed !== 'object' || parsed === null || !('pid' in parsed)) return { pid: null, reason: 'verbose info has no pid field' };
  const pid = (parsed as { pid: unknown }).pid;
  // containerd reports pid 0 when it has no task for the container: there is no process to look at.
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0)
    return { pid: null, reason: `verbose info pid is not a process id: ${JSON.stringify(pid)}` };
  return { pid };
}

/** What /proc said about a pid. `alive` is false for no process, a zombie, a dead task, or a reused pid. */
export interface ProcessCheck {
  /** The file read, e.g. `/proc/1234/stat`. */
  check: string;
  alive: boolean;
  /** The state letter (field 3 of stat) seen, or null when there was no such process. */
  state: string | null;
  /** What was found, in words: `alive (state S)`, `no such process`, `zombie (state Z)`, `pid reused: ...`. */
  found: string;
  /** The process's start time (epoch ms, from field 22 and the boot time), when it was computed. */
  processStartedAtMs?: number;
}

/**
 * A process that started this much later than the container is another process that got the same pid.
 * The estimate of a process's start is early by under 1 s (the boot time is whole seconds), and the
 * container's own process starts before CRI's started_at (runc create precedes start), so 2 s leaves
 * room for both without mistaking a reused pid for the container's.
 */
export const PID_REUSE_TOLERANCE_MS = 2_000;

const stateWords: Record<string, string> = { Z: 'zombie', X: 'dead', x: 'dead' };

/**
 * Whether a host pid is the container's live process. With `containerStartedAtNs` (CRI started_at), a
 * live process that started well after the container is a reused pid: the container's own process is gone.
 */
export async function checkProcess(pid: number, options: { containerStartedAtNs?: string } = {}): Promise<ProcessCheck> {
  const check = `/proc/${pid}/stat`;
  let stat: string;
  try {
    stat = await readFile(check, 'utf8');
  } catch {
    return { check, alive: false, state: null, found: 'no such process' };
  }
  // The command name (field 2) is parenthesised and may itself hold spaces or parens: fields from 3 on
  // follow the last ')'.
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
  const state = fields[0] ?? '';
  const word = stateWords[state];
  if (word) return { check, alive: false, state, found: `${word} (state ${state})` };
  const processStartedAtMs = await startTimeMs(Number(fields[19]));
  const containerStartedAtMs = nsToMs(options.containerStartedAtNs);
  if (processStartedAtMs !== undefined && containerStartedAtMs !== undefined && processStartedAtMs > containerStartedAtMs + PID_REUSE_TOLERANCE_MS) {
    const laterS = ((processStartedAtMs - containerStartedAtMs) / 1000).toFixed(1);
    return { check, alive: false, state, found: `pid reused: a process in state ${state} that started ${laterS} s after the container`, processStartedAtMs };
  }
  return { check, alive: true, state, found: `alive (state ${state})`, ...(processStartedAtMs === undefined ? {} : { processStartedAtMs }) };
}

/** What a CRI RUNNING after a stop comes to; null when the task's process is alive (nothing was lost). */
export type RunningAfterStop =
  | { kind: 'state-mismatch'; data: { pidSource: string; pid: number; check: string; found: string; processState: string | null; processAlive: false } }
  | { kind: 'state-unverified'; data: { pidSource: string; reason: string } };

/**
 * Judges a container CRI still reports RUNNING after its stop, from its verbose status: a task
 * process that is gone is a lost exit (state-mismatch, with the pid and what /proc showed); a pid
 * that cannot be read is state-unverified, with the reason.
 */
export async function judgeRunningAfterStop(
  verboseInfo: Readonly<Record<string, string>> | null | undefined,
  containerStartedAtNs: string,
): Promise<RunningAfterStop | null> {
  const reading = pidFromVerboseInfo(verboseInfo);
  if (reading.pid === null) return { kind: 'state-unverified', data: { pidSource: PID_SOURCE, reason: reading.reason } };
  const task = await checkProcess(reading.pid, { containerStartedAtNs });
  if (task.alive) return null;
  return {
    kind: 'state-mismatch',
    data: { pidSource: PID_SOURCE, pid: reading.pid, check: task.check, found: task.found, processState: task.state, processAlive: false },
  };
}

function nsToMs(ns: string | undefined): number | undefined {
  if (ns === undefined || !/^\d+$/.test(ns) || ns === '0') return undefined;
  return Number(BigInt(ns) / 1_000_000n);
}

/** Epoch ms of a process start given in clock ticks since boot (stat field 22); undefined if unknown. */
async function startTimeMs(ticksSinceBoot: number): Promise<number | undefined> {
  if (!Number.isFinite(ticksSinceBoot)) return undefined;
  const [bootMs, ticksPerSecond] = await Promise.all([bootTimeMs(), clockTicksPerSecond()]);
  if (bootMs === undefined || ticksPerSecond === undefined) return undefined;
  return bootMs + (ticksSinceBoot * 1000) / ticksPerSecond;
}

/** Boot time from /proc/stat's btime, read each time: the kernel derives it from the wall clock, which may be stepped. */
async function bootTimeMs(): Promise<number | undefined> {
  const match = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8').catch(() => ''));
  return match ? Number(match[1]) * 1000 : undefined;
}

let ticksPerSecond: Promise<number | undefined> | undefined;

/** USER_HZ, the unit of stat's start time; asked of getconf once (Node has no sysconf). */
function clockTicksPerSecond(): Promise<number | undefined> {
  ticksPerSecond ??= runCommand('getconf', ['CLK_TCK'], { timeoutMs: 5_000 }).then(
    (result) => {
      const value = Number(result.stdout.trim());
      return result.exitCode === 0 && Number.isInteger(value) && value > 0 ? value : undefined;
    },
    () => undefined,
  );
  return ticksPerSecond;
}

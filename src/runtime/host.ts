import { readFileSync } from 'node:fs';
import { runCommand } from '../util/exec.js';

/**
 * Whether this host lets root lower oom_score_adj. Without CAP_SYS_RESOURCE every CRI sandbox
 * fails in runc ("can't get final child's PID from pipe: EOF") unless the CRI plugin sets
 * restrict_oom_score_adj. Tested in a child process so podchurn's own score is untouched.
 */
export async function canLowerOomScoreAdj(): Promise<boolean> {
  const result = await runCommand('/bin/sh', ['-c', 'echo -1 > /proc/self/oom_score_adj'], { timeoutMs: 5_000 });
  return result.exitCode === 0;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function cgroupVersion(): 'v1' | 'v2' | 'hybrid' {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => ({ mountPoint: line.split(' ')[4], fsType: line.split(' - ')[1]?.split(' ')[0] }));
  if (mounts.some((m) => m.mountPoint === '/sys/fs/cgroup' && m.fsType === 'cgroup2')) return 'v2';
  return mounts.some((m) => m.fsType === 'cgroup2') ? 'hybrid' : 'v1';
}

export function kernelRelease(): string {
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

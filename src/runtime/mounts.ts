import { readFile, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../util/exec.js';

/** Mount points at or below any of `prefixes`, deepest first so they can be unmounted in order. */
export async function mountsUnder(prefixes: readonly string[]): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => Boolean(point))
    .map((point) => point.replace(/\\040/g, ' '))
    .filter((point) => prefixes.some((prefix) => point === prefix || point.startsWith(`${prefix}/`)));
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length);
}

/** Unmounts everything below the prefixes; returns what could not be unmounted. */
export async function unmountAllUnder(prefixes: readonly string[]): Promise<string[]> {
  const failed: string[] = [];
  for (const point of await mountsUnder(prefixes)) {
    const result = await runCommand('umount', [point], { timeoutMs: 10_000 });
    if (result.exitCode !== 0) {
      const lazy = await runCommand('umount', ['-l', point], { timeoutMs: 10_000 });
      if (lazy.exitCode !== 0) failed.push(point);
    }
  }
  return failed;
}

/** Pids whose command line contains every one of `needles` (used to find shims of one daemon). */
export async function pidsWithCommandLine(needles: readonly string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (needles.every((needle) => cmdline.includes(needle))) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** A process's command line with spaces between its arguments, or why it could not be read (it may have ended). */
export async function commandLineOf(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean).join(' ');
  } catch {
    return '(ended)';
  }
}

async function cgroupBases(): Promise<string[]> {
  const root = '/sys/fs/cgroup';
  const hierarchies = await readdir(root).catch(() => [] as string[]);
  return [root, ...hierarchies.map((h) => join(root, h))];
}

/** Every pid in a cgroup subtree, across all hierarchies. */
export async function pidsInCgroupTree(relative: string): Promise<number[]> {
  const pids = new Set<number>();
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
    if (!entries) return;
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const line of procs.split('\n')) if (line.trim()) pids.add(Number(line));
    for (const entry of entries) if (entry.isDirectory()) await visit(join(dir, entry.name));
  };
  for (const base of await cgroupBases()) await visit(join(base, relative));
  return [...pids];
}

/**
 * Kills every process left in a cgroup subtree, then removes the subtree. Needed because killing a
 * shim does not kill its containers: their processes are re-parented and would run on unseen.
 * Returns the number of processes that had to be killed.
 */
export async function killAndRemoveCgroupTree(relative: string): Promise<number> {
  let killed = 0;
  // Up to 15 s: under heavy load a killed process can take a while to leave its cgroup.
  for (let attempt = 0; attempt < 150; attempt++) {
    const pids = await pidsInCgroupTree(relative);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        if (attempt === 0) killed++;
      } catch {
        // already gone
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await removeEmptyCgroupTree(relative);
  return killed;
}

/** Removes a cgroup subtree's empty cgroups in every hierarchy, deepest first; busy ones stay. */
export async function removeEmptyCgroupTree(relative: string): Promise<void> {
  for (const base of await cgroupBases()) await removeDirTree(join(base, relative));
}

async function removeDirTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return;
  for (const entry of entries) if (entry.isDirectory()) await removeDirTree(join(dir, entry.name));
  await rmdir(dir).catch(() => undefined);
}

import { existsSync, readFileSync } from 'node:fs';
import { pidsWithCommandLine } from '../../src/runtime/mounts.js';
import { runtimeRootBase, runtimeStateBase } from '../../src/util/dirs.js';

/** Everything of a run's managed runtimes still on the host: processes, mounts, directories. */
export async function hostLeftovers(runId: string): Promise<string[]> {
  const leftovers: string[] = [];
  const processes = await pidsWithCommandLine([]).then(async (pids) => {
    const found: string[] = [];
    for (const pid of pids) {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmdline.includes(runId)) found.push(`pid ${pid}: ${cmdline.replace(/\0/g, ' ').trim()}`);
      } catch {
        // exited
      }
    }
    return found;
  });
  leftovers.push(...processes);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.includes(runId));
  leftovers.push(...mounts.map((m) => `mount ${m.split(' ')[4]}`));
  for (const base of [runtimeRootBase(), runtimeStateBase()]) {
    if (existsSync(`${base}/${runId}-1`)) leftovers.push(`directory ${base}/${runId}-1`);
  }
  return leftovers;
}

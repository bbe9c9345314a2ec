import { existsSync, readFileSync, readdirSync } from 'node:fs';
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
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes(runId));
  leftovers.push(...mounts.map((m) => `mount ${m.split(' ')[4]}`));
  // Processes in the run's cgroups (a container whose shim died keeps running there) and the cgroups themselves.
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const dir = `/sys/fs/cgroup/${hierarchy}/podchurn`;
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.startsWith(runId))) leftovers.push(`cgroup ${dir}/${name}`);
  }
  for (const base of [runtimeRootBase(), runtimeStateBase()]) {
    if (existsSync(`${base}/${runId}-1`)) leftovers.push(`directory ${base}/${runId}-1`);
  }
  return leftovers;
}

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { localClusterLayout } from '../../src/cluster/providers/local/layout.js';
import { pidsInCgroupTree, pidsWithCommandLine } from '../../src/runtime/mounts.js';
import { runCommand } from '../../src/util/exec.js';

const netnsDir = '/run/netns';
const netnsEntries = () => (existsSync(netnsDir) ? readdirSync(netnsDir) : []);
/** Pod network namespaces present before these tests: anything else found afterwards is a leak. */
const netnsBefore = new Set(netnsEntries());

/** Everything of a local cluster still on the host: processes, container processes, mounts, network namespaces, bridge, directories. */
export async function clusterLeftovers(name: string): Promise<string[]> {
  const layout = localClusterLayout(name);
  const leftovers: string[] = [];
  for (const needle of [layout.dir, layout.containerdState]) {
    for (const pid of await pidsWithCommandLine([])) {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmdline.includes(needle)) leftovers.push(`pid ${pid}: ${cmdline.replace(/\0/g, ' ').slice(0, 120)}`);
      } catch {
        // exited
      }
    }
  }
  const inCgroups = await pidsInCgroupTree(layout.cgroupRoot);
  if (inCgroups.length) leftovers.push(`${inCgroups.length} processes in ${layout.cgroupRoot}`);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '');
  leftovers.push(...mounts.filter((m) => m.startsWith(layout.dir) || m.startsWith(layout.containerdState)).map((m) => `mount ${m}`));
  if ((await runCommand('ip', ['link', 'show', layout.bridge])).exitCode === 0) leftovers.push(`bridge ${layout.bridge}`);
  if ((await runCommand('ip', ['link', 'show', layout.nodeLink])).exitCode === 0) leftovers.push(`node link ${layout.nodeLink}`);
  leftovers.push(
    ...netnsEntries()
      .filter((n) => !netnsBefore.has(n))
      .map((n) => `network namespace ${n}`),
  );
  for (const dir of [layout.dir, layout.containerdState]) if (existsSync(dir)) leftovers.push(`directory ${dir}`);
  if (existsSync(join('/sys/fs/cgroup/pids', layout.cgroupRoot))) leftovers.push(`cgroup ${layout.cgroupRoot}`);
  return [...new Set(leftovers)];
}

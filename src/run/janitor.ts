import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cniNetwork, removeCniNetwork } from '../runtime/cni-network.js';
import { killAndRemoveCgroupTree, pidsWithCommandLine, unmountAllUnder } from '../runtime/mounts.js';
import { networkNamespacesHeldBy, removeNetworkNamespaces } from '../runtime/network-namespaces.js';
import { runtimeRootBase, runtimeStateBase } from '../util/dirs.js';

export interface JanitorReport {
  instances: string[];
  killedDaemons: number;
  killedShims: number;
  killedProcesses: number;
  /** Network namespaces, bridges and CNI cache files of the runtimes' sandboxes (scenario `network:`). */
  removedNetworkObjects: string[];
  unmountFailures: string[];
}

/**
 * Removes what a podchurn run left on the host when it could not clean up itself (killed with
 * SIGKILL, or told to abandon cleanup): its managed containerd, their shims, the containers in its
 * cgroups, its sandboxes' network (namespaces, bridge, CNI cache files), its mounts and directories.
 * Only podchurn's own objects are touched: a network namespace only when the instance's daemon, still
 * running, lists a sandbox in it; a bridge and cache files by the names derived from the instance.
 */
export async function cleanUpAbandoned(runIdPrefix = ''): Promise<JanitorReport> {
  const stateBase = runtimeStateBase();
  const rootBase = runtimeRootBase();
  const names = new Set([...(await readdir(stateBase).catch(() => [] as string[])), ...(await readdir(rootBase).catch(() => [] as string[]))]);
  const cgroupNames = await readdir('/sys/fs/cgroup/pids/podchurn').catch(() => [] as string[]);
  for (const name of cgroupNames) names.add(name);
  const instances = [...names].filter((name) => name.startsWith(runIdPrefix));
  const report: JanitorReport = { instances, killedDaemons: 0, killedShims: 0, killedProcesses: 0, removedNetworkObjects: [], unmountFailures: [] };
  for (const instance of instances) {
    const state = join(stateBase, instance);
    const socket = join(state, 'containerd.sock');
    const daemons = await pidsWithCommandLine(['--config', join(state, 'config.toml')]);
    const shims = await pidsWithCommandLine(['-address', socket]);
    const namespaces = daemons.length ? await networkNamespacesHeldBy(socket) : [];
    for (const pid of [...daemons, ...shims]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    report.killedDaemons += daemons.length;
    report.killedShims += shims.length;
    report.killedProcesses += await killAndRemoveCgroupTree(`/podchurn/${instance}`);
    const netns = await removeNetworkNamespaces(namespaces);
    // Before the state directory goes: the IP reservations there name the sandboxes whose cache files stayed.
    const network = await removeCniNetwork(cniNetwork(instance, state, 0));
    report.removedNetworkObjects.push(...netns.removed.map((path) => `network namespace ${path}`), ...network.removed);
    const failures = [...netns.failed, ...network.failed, ...(await unmountAllUnder([join(rootBase, instance), state]))];
    report.unmountFailures.push(...failures);
    if (failures.length === 0) {
      await rm(join(rootBase, instance), { recursive: true, force: true });
      await rm(state, { recursive: true, force: true });
    }
  }
  return report;
}

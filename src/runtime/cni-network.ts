import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../util/exec.js';

/**
 * A CNI network of podchurn's own for the sandboxes of one managed containerd (scenario network.cni: bridge):
 * a bridge and a /24 named after the containerd's instance, host-local IP reservations kept under its state
 * directory, and a plugin directory of its own. Everything it creates outside that directory (the bridge, the
 * CNI result cache files) is removed by `removeCniNetwork` at the daemon's teardown.
 */

/** Where the CNI plugins podchurn's containerd runs come from (Debian's containernetworking-plugins). */
export const SYSTEM_CNI_BIN_DIR = '/usr/lib/cni';
/** libcni's default result cache: a file per network and container, removed by its DEL. */
const CNI_RESULT_CACHE = '/var/lib/cni/results';
/** The plugin that delegates to bridge and holds the result of an ADD back (network.cniAddHoldSeconds). */
const HOLD_PLUGIN = 'podchurn-hold';
const CONFLIST = '10-podchurn.conflist';

export interface CniNetwork {
  /** The network's name in its config, in libcni's cache file names and in host-local's directory. */
  name: string;
  /** The Linux bridge (15 characters at most). */
  bridge: string;
  subnet: string;
  /** The plugin directory containerd is given: links to the system plugins, and podchurn's hold plugin. */
  binDir: string;
  /** The runtime's CNI config directory, where the network's conflist is written. */
  confDir: string;
  /** host-local's data directory; reservations are files named by IP in `<ipamDir>/<name>`. */
  ipamDir: string;
  /** Seconds an ADD's result is held back after the bridge plugin returned it. */
  addHoldSeconds: number;
}

/** The network of one containerd instance: its names and subnet derive from the instance, so two instances never share one. */
export function cniNetwork(instance: string, state: string, addHoldSeconds: number): CniNetwork {
  const hash = createHash('sha256').update(instance).digest();
  return {
    name: `podchurn-${hash.toString('hex').slice(0, 10)}`,
    bridge: `pc${hash.toString('hex').slice(0, 10)}`,
    // 10.200.0.0/13 (10.200-10.239): clear of the usual pod ranges (kind's 10.244/16, containerd's example 10.88/16).
    subnet: `10.${200 + (hash[0]! % 40)}.${hash[1]!}.0/24`,
    binDir: join(state, 'cni-bin'),
    confDir: join(state, 'cni'),
    ipamDir: join(state, 'cni-ipam'),
    addHoldSeconds,
  };
}

/** The hold plugin: the bridge plugin's answer for every command; after an ADD that succeeded, a wait before exiting. */
const holdPluginScript = `#!/bin/sh
# podchurn's CNI plugin: delegates to bridge; on ADD, holds the result back for holdSeconds (from the network config),
# so a caller that dies in that window has the network set up without having been told.
config=$(cat)
hold=$(printf '%s' "$config" | grep -o '"holdSeconds": *[0-9.]*' | grep -o '[0-9.]*$')
printf '%s' "$config" | "$(dirname "$0")/bridge"
rc=$?
if [ "$CNI_COMMAND" = ADD ] && [ "$rc" -eq 0 ]; then sleep "\${hold:-0}"; fi
exit "$rc"
`;

/** Writes the network's config into its `confDir` and its plugin directory; idempotent (a restarted daemon finds the same). */
export async function writeCniNetwork(network: CniNetwork): Promise<void> {
  const { confDir } = network;
  await mkdir(network.binDir, { recursive: true });
  // containerd 1.7 takes one plugin directory, so the system plugins are linked into podchurn's.
  for (const plugin of await readdir(SYSTEM_CNI_BIN_DIR)) {
    const link = join(network.binDir, plugin);
    if (!existsSync(link)) await symlink(join(SYSTEM_CNI_BIN_DIR, plugin), link);
  }
  await writeFile(join(network.binDir, HOLD_PLUGIN), holdPluginScript);
  await chmod(join(network.binDir, HOLD_PLUGIN), 0o755);
  const plugin = {
    type: network.addHoldSeconds > 0 ? HOLD_PLUGIN : 'bridge',
    ...(network.addHoldSeconds > 0 ? { holdSeconds: network.addHoldSeconds } : {}),
    bridge: network.bridge,
    isGateway: true,
    ipMasq: false,
    ipam: { type: 'host-local', ranges: [[{ subnet: network.subnet }]], dataDir: network.ipamDir },
  };
  await mkdir(confDir, { recursive: true });
  await writeFile(join(confDir, CONFLIST), JSON.stringify({ cniVersion: '0.4.0', name: network.name, plugins: [plugin] }, null, 2));
}

/** Deletes the network's config file (its plugins, IP reservations and bridge stay): the runtime's CNI is then not initialised. */
export async function removeCniConfig(network: CniNetwork): Promise<void> {
  await rm(join(network.confDir, CONFLIST), { force: true });
}

/** An IP host-local still holds, with the container (sandbox) id it holds it for. */
export interface IpReservation {
  ip: string;
  containerId: string;
}

/** host-local's reservations of the network: files named by IP, the first line the container id. */
export async function ipReservations(network: CniNetwork): Promise<IpReservation[]> {
  const dir = join(network.ipamDir, network.name);
  const names = await readdir(dir).catch(() => [] as string[]);
  const reservations: IpReservation[] = [];
  for (const name of names.filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n)).sort()) {
    const content = await readFile(join(dir, name), 'utf8').catch(() => '');
    reservations.push({ ip: name, containerId: content.split(/\s/)[0] ?? '' });
  }
  return reservations;
}

/**
 * Removes what the network put outside the daemon's state directory: the bridge and libcni's cache files of it. Called
 * before the state directory goes (the IP reservations there name the sandboxes whose cache files stayed).
 */
export async function removeCniNetwork(network: CniNetwork): Promise<{ removed: string[]; failed: string[] }> {
  const removed: string[] = [];
  const failed: string[] = [];
  if ((await runCommand('ip', ['link', 'show', network.bridge], { timeoutMs: 10_000 })).exitCode === 0) {
    const deleted = await runCommand('ip', ['link', 'delete', network.bridge], { timeoutMs: 10_000 });
    if (deleted.exitCode === 0) removed.push(`bridge ${network.bridge}`);
    else failed.push(`bridge ${network.bridge}: ${deleted.stderr.trim()}`);
  }
  // A DEL removes its cache file; one left here belongs to a sandbox whose DEL never ran: of this network, or of the
  // loopback network containerd sets up beside it (named cni-loopback, for every runtime), found by the sandbox ids
  // that still hold an address here.
  const sandboxes = (await ipReservations(network)).map((r) => r.containerId).filter((id) => /^[0-9a-f]{64}$/.test(id));
  const ours = (name: string) => name.startsWith(`${network.name}-`) || sandboxes.some((id) => name.startsWith(`cni-loopback-${id}-`));
  for (const name of await readdir(CNI_RESULT_CACHE).catch(() => [] as string[])) {
    if (!ours(name)) continue;
    const file = join(CNI_RESULT_CACHE, name);
    await rm(file, { force: true }).then(
      () => removed.push(`CNI result cache ${file}`),
      (error: Error) => failed.push(`CNI result cache ${file}: ${error.message}`),
    );
  }
  return { removed, failed };
}

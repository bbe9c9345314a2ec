import { InfrastructureError } from '../../../errors.js';
import { runCommand } from '../../../util/exec.js';
import type { LocalClusterLayout } from './layout.js';

/*
 * Why a link of its own, and why a bridge with no ports:
 * - The kubelet refuses a loopback --node-ip ("nodeIP can't be loopback address"), and a Node without an
 *   address cannot be reached by the apiserver for logs, exec, port-forward or metrics.
 * - The CNI bridge's gateway would do, but the bridge plugin creates it at the first pod, after the kubelet
 *   has started; and every local cluster's pod network is 10.244.0.0/16, so two clusters at once would
 *   share one gateway address.
 * - A dummy link is the textbook choice, but the `dummy` kernel module is missing on container hosts like the
 *   build machines ("Unknown device type"). A bridge without ports behaves the same for local traffic (an
 *   address on an up link is a local address) and is always available where the local provider works,
 *   because its pod network is a bridge too.
 * The link is named after the cluster and its address derived from the name (layout.ts): a kubelet restart
 * or a second `cluster up` finds the same one, and teardown removes it by name.
 */

async function ip(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return runCommand('ip', args, { timeoutMs: 10_000 });
}

/** Interfaces other than the cluster's own link that already hold its address. */
async function otherHolders(layout: LocalClusterLayout): Promise<string[]> {
  const shown = await ip(['-o', '-4', 'addr', 'show', 'to', `${layout.nodeAddress}/32`]);
  return shown.stdout
    .split('\n')
    .map((line) => line.split(/\s+/)[1] ?? '')
    .filter((name) => name && name !== layout.nodeLink);
}

/** Creates (or finds) the cluster's node link with its address, up. Idempotent. */
export async function ensureNodeAddress(layout: LocalClusterLayout): Promise<void> {
  const holders = await otherHolders(layout);
  if (holders.length) {
    throw new InfrastructureError(
      `local cluster ${layout.name}: its node ` +
        `address ${layout.nodeAddress} is already on ${holders.join(', ')} (another cluster whose name hashes alike?). Choose another --name.`,
    );
  }
  if ((await ip(['link', 'show', layout.nodeLink])).exitCode !== 0) {
    const added = await ip(['link', 'add', layout.nodeLink, 'type', 'bridge']);
    if (added.exitCode !== 0) throw new InfrastructureError(`local cluster ${layout.name}: cannot create link ${layout.nodeLink}: ${added.stderr.trim()}`);
  }
  for (const args of [
    ['addr', 'replace', `${layout.nodeAddress}/32`, 'dev', layout.nodeLink],
    ['link', 'set', layout.nodeLink, 'up'],
  ]) {
    const result = await ip(args);
    if (result.exitCode !== 0) throw new InfrastructureError(`local cluster ${layout.name}: ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
  }
}

/** Removes the node link; says what it removed or what stayed. */
export async function removeNodeAddress(layout: LocalClusterLayout): Promise<{ removed?: string; leftover?: string }> {
  if ((await ip(['link', 'show', layout.nodeLink]).catch(() => undefined))?.exitCode !== 0) return {};
  const deleted = await ip(['link', 'delete', layout.nodeLink]);
  return deleted.exitCode === 0
    ? { removed: `node link ${layout.nodeLink} (${layout.nodeAddress})` }
    : { leftover: `node link ${layout.nodeLink}: ${deleted.stderr.trim()}` };
}

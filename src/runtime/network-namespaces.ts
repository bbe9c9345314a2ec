import { existsSync } from 'node:fs';
import { realpath, rm } from 'node:fs/promises';
import { CriClient } from '../cri/client.js';
import { runCommand } from '../util/exec.js';
import { mountsUnder } from './mounts.js';

/**
 * A sandbox's own network namespace is a bind mount the runtime keeps outside its root and state
 * (containerd: /var/run/netns/cni-<uuid>), removed only when the sandbox is. A sandbox the runtime
 * cannot remove (containerd#10767) leaves it mounted after the daemon's own directories are gone, so
 * a teardown that owns the daemon looks the namespaces up while it still answers, and removes them.
 */

/** The network namespace path in a sandbox's verbose CRI info (containerd: info.runtimeSpec), or undefined (host network, or not said). */
export function networkNamespaceOfInfo(info: Record<string, string>): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(info.info ?? 'null');
  } catch {
    return undefined;
  }
  const namespaces = (parsed as { runtimeSpec?: { linux?: { namespaces?: unknown } } } | null)?.runtimeSpec?.linux?.namespaces;
  if (!Array.isArray(namespaces)) return undefined;
  const network = namespaces.find((n): n is { type: string; path: string } => n?.type === 'network' && typeof n.path === 'string' && n.path !== '');
  return network?.path;
}

/** Each listed sandbox's network namespace path, by sandbox id; a sandbox whose status cannot be read is left out. */
export async function sandboxNetworkNamespaces(client: CriClient, timeoutMs: number): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const sandboxes = await client.listPodSandboxes({}, { timeoutMs });
  for (const sandbox of sandboxes) {
    const path = await client
      .podSandboxInfo(sandbox.id, { timeoutMs })
      .then(networkNamespaceOfInfo)
      .catch(() => undefined);
    if (path) found.set(sandbox.id, path);
  }
  return found;
}

/**
 * The network namespaces of the sandboxes a containerd still lists at this socket; none when it does not
 * answer (it died, or never came up): after it is gone, nothing says which namespaces were its own.
 */
export async function networkNamespacesHeldBy(socket: string): Promise<string[]> {
  if (!existsSync(socket)) return [];
  const client = new CriClient(socket);
  try {
    return [...(await sandboxNetworkNamespaces(client, 5_000)).values()];
  } catch {
    return [];
  } finally {
    client.close();
  }
}

/** Unmounts and deletes each namespace file that is still there; returns what was removed and what could not be. */
export async function removeNetworkNamespaces(paths: Iterable<string>): Promise<{ removed: string[]; failed: string[] }> {
  const removed: string[] = [];
  const failed: string[] = [];
  for (const given of paths) {
    if (!existsSync(given)) continue;
    // The runtime names /var/run/netns/...; the mount table holds the resolved /run/netns/....
    const path = await realpath(given);
    const mounted = (await mountsUnder([path])).length > 0;
    if (mounted && (await runCommand('umount', [path], { timeoutMs: 10_000 })).exitCode !== 0) {
      if ((await runCommand('umount', ['-l', path], { timeoutMs: 10_000 })).exitCode !== 0) {
        failed.push(`network namespace ${path}: cannot unmount`);
        continue;
      }
    }
    try {
      await rm(path, { force: true });
      removed.push(path);
    } catch (error) {
      failed.push(`network namespace ${path}: ${(error as Error).message}`);
    }
  }
  return { removed, failed };
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { ClusterHandle, NodeUnit } from '../../cluster/provider.js';
import { describeCause } from '../../errors.js';

/** Log lines kept per unit: enough to read the stop's story, small enough for a run directory. */
const MAX_LOG_LINES = 400;

export interface StuckEvidenceOptions {
  api: CoreV1Api;
  namespace: string;
  /** <run dir>/evidence: one directory per stuck pod. */
  dir: string;
  /** The cluster's node access; without it only the API side (pod, events) is collected. */
  cluster?: ClusterHandle;
}

/** The lines of a node log that name the pod, its uid or its container: what the runtime did with it. */
export function linesAbout(log: string, needles: readonly string[]): string {
  const wanted = needles.filter(Boolean);
  const lines = log.split('\n').filter((line) => wanted.some((needle) => line.includes(needle)));
  return `${lines.slice(-MAX_LOG_LINES).join('\n')}\n`;
}

/**
 * Collects what an engineer needs to tell a lost exit from a slow kubelet, while the pod is still
 * stuck (before cleanup forces it away): the pod object, its events, the node's containerd and
 * kubelet log lines about it, and what the runtime says about its container. Every part is best
 * effort: a part that cannot be read is noted in its file instead.
 */
export async function collectStuckEvidence(options: StuckEvidenceOptions, podName: string): Promise<string> {
  const dir = join(options.dir, podName);
  await mkdir(dir, { recursive: true });
  const note = async (file: string, read: () => Promise<string>) => {
    const text = await read().catch((error: unknown) => `could not be collected: ${describeCause(error)}\n`);
    await writeFile(join(dir, file), text);
  };
  let pod: V1Pod | undefined;
  await note('pod.json', async () => {
    pod = await options.api.readNamespacedPod({ name: podName, namespace: options.namespace });
    return `${JSON.stringify(pod, null, 2)}\n`;
  });
  await note('events.json', async () => {
    const events = await options.api.listNamespacedEvent({ namespace: options.namespace, fieldSelector: `involvedObject.name=${podName}` });
    return `${JSON.stringify(events.items, null, 2)}\n`;
  });
  const { cluster } = options;
  const node = pod?.spec?.nodeName;
  if (cluster && node) {
    const containerId = pod?.status?.containerStatuses?.find((s) => s.containerID)?.containerID?.replace(/^[a-z]+:\/\//, '') ?? '';
    const needles = [podName, pod?.metadata?.uid ?? '', containerId];
    for (const unit of ['containerd', 'kubelet'] as NodeUnit[]) {
      await note(`${unit}.log`, async () => linesAbout(await cluster.logs(node, unit), needles));
    }
    if (containerId && cluster.runtimeState) await note('runtime-state.txt', () => cluster.runtimeState!(node, containerId));
  }
  return dir;
}

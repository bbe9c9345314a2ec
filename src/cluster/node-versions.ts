import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { InfrastructureError, describeCause } from '../errors.js';
import type { NodeRuntimeVersions } from './provider.js';

const API_TIMEOUT_MS = 15_000;

/** A KubeConfig loaded from a file, switched to `context` when one is named. */
export function loadKubeConfig(file: string, context?: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (error) {
    throw new InfrastructureError(`kubeconfig ${file} cannot be used: ${describeCause(error)}`, { cause: error });
  }
  if (context) {
    if (!config.getContextObject(context)) throw new InfrastructureError(`kubeconfig ${file} has no context named "${context}".`);
    config.setCurrentContext(context);
  }
  return config;
}

async function withTimeout<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${API_TIMEOUT_MS / 1000}s`)), API_TIMEOUT_MS))),
    ]);
  } catch (error) {
    throw new InfrastructureError(`${what} failed: ${describeCause(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** The cluster's Node objects (the API's view: names, nodeInfo, conditions). */
export async function listNodes(config: KubeConfig): Promise<V1Node[]> {
  const api = config.makeApiClient(CoreV1Api);
  const list = await withTimeout(`listing nodes at ${config.getCurrentCluster()?.server ?? 'the API server'}`, api.listNode());
  return [...list.items].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** What each node says it runs: node.status.nodeInfo (containerRuntimeVersion, kubeletVersion). */
export function nodeInfoVersions(nodes: readonly V1Node[]): NodeRuntimeVersions[] {
  return nodes.map((node) => ({
    node: node.metadata?.name ?? '',
    containerRuntimeVersion: node.status?.nodeInfo?.containerRuntimeVersion || undefined,
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion || undefined,
  }));
}

/** The Ready condition of a node in words: Ready, NotReady (reason), or Unknown. */
export function nodeReadiness(node: V1Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return 'Unknown (no Ready condition)';
  if (ready.status === 'True') return 'Ready';
  return `NotReady${ready.reason ? ` (${ready.reason})` : ''}`;
}

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { InfrastructureError, describeCause } from '../../errors.js';
import type { KubeTargetSettings } from '../../scenario/schema.js';

export interface KubeConnection {
  kubeConfig: KubeConfig;
  kubeconfigFile: string;
  context: string;
  server: string;
  /** gitVersion the API server reports. */
  serverVersion: string;
}

const PROBE_TIMEOUT_MS = 10_000;

/** The kubeconfig a kube target reads: the scenario's, else $KUBECONFIG (first entry), else ~/.kube/config. */
export function kubeconfigPath(settings: Pick<KubeTargetSettings, 'kubeconfig'>): string {
  return settings.kubeconfig ?? process.env.KUBECONFIG?.split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');
}

/**
 * Loads the kubeconfig and asks the API server for its version. A file that cannot be used, or an
 * API that does not answer, is an infrastructure failure (exit 3): the run cannot start.
 */
export async function connectKube(settings: Pick<KubeTargetSettings, 'kubeconfig' | 'context'>): Promise<KubeConnection> {
  const file = kubeconfigPath(settings);
  const fail = (what: string, cause?: unknown) =>
    new InfrastructureError(`kube target: ${what} (kubeconfig ${file}${settings.context ? `, context ${settings.context}` : ''}). Set target.kube.kubeconfig / target.kube.context to a cluster podchurn can reach.`, { cause });
  if (!existsSync(file)) throw fail('the kubeconfig file does not exist');
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(file);
    if (settings.context) {
      if (!kubeConfig.getContextObject(settings.context)) {
        throw new Error(`no context named "${settings.context}"; it has ${kubeConfig.getContexts().map((c) => `"${c.name}"`).join(', ') || 'none'}`);
      }
      kubeConfig.setCurrentContext(settings.context);
    }
  } catch (error) {
    throw fail(`the kubeconfig cannot be used: ${describeCause(error)}`, error);
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw fail('the kubeconfig has no current context with a cluster');
  let timer: NodeJS.Timeout | undefined;
  try {
    const version = await Promise.race([
      kubeConfig.makeApiClient(VersionApi).getCode(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000}s`)), PROBE_TIMEOUT_MS))),
    ]);
    return { kubeConfig, kubeconfigFile: file, context: kubeConfig.getCurrentContext(), server: cluster.server, serverVersion: version.gitVersion };
  } catch (error) {
    throw fail(`the API server at ${cluster.server} does not answer: ${describeCause(error)}`, error);
  } finally {
    clearTimeout(timer);
  }
}

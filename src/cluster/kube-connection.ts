import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Agent } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { InfrastructureError, describeCause } from '../errors.js';
import type { KubeTargetSettings } from '../scenario/schema.js';

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

type AgentFactory = (cluster: { server?: string; proxyUrl?: string } | null, options: Record<string, unknown>) => Agent;

/**
 * @kubernetes/client-node 1.4 builds a new https.Agent for every request: a new TLS context, handshake
 * and connection each time (measured: 7 ms CPU and 65 KB of memory per request, bench/kube-api-churn).
 * This keeps one keep-alive agent per distinct server and TLS identity instead, so requests reuse
 * connections. Proxied clusters keep the library's own agents.
 * Each agent also carries one TLS context, built from the same options: without it every new
 * connection builds its own (parsing the CA, certificate and key again), and a burst of requests
 * opens one connection per request in flight (about 60 in the kube-burner benchmark's 2,000-pod job).
 */
export function shareAgents(kubeConfig: KubeConfig): void {
  const target = kubeConfig as unknown as { createAgent: AgentFactory };
  const create = target.createAgent.bind(kubeConfig);
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    if (cluster?.proxyUrl) return create(cluster, options);
    const identity = [cluster?.server, options.ca, options.cert, options.key, options.pfx, options.passphrase, options.rejectUnauthorized, options.servername];
    const key = createHash('sha256')
      .update(JSON.stringify(identity.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : (v ?? null)))))
      .digest('hex');
    let agent = agents.get(key);
    if (!agent) {
      // tls.connect builds exactly this context from the same options when it is given none.
      agent = create(cluster, { ...options, keepAlive: true, secureContext: createSecureContext(options as SecureContextOptions) });
      agents.set(key, agent);
    }
    return agent;
  };
}

/**
 * Loads the kubeconfig and asks the API server for its version. A file that cannot be used, or an
 * API that does not answer, is an infrastructure failure (exit 3): the run cannot start.
 */
export async function connectKube(settings: Pick<KubeTargetSettings, 'kubeconfig' | 'context'>): Promise<KubeConnection> {
  const file = kubeconfigPath(settings);
  const fail = (what: string, cause?: unknown) =>
    new InfrastructureError(
      `kube target: ${what} (kubeconfig ${file}${
        settings.context ? `, context ${settings.context}` : ''
      }). Set target.kube.kubeconfig / target.kube.context to a cluster podchurn can reach.`,
      { cause },
    );
  if (!existsSync(file)) throw fail('the kubeconfig file does not exist');
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(file);
    if (settings.context) {
      if (!kubeConfig.getContextObject(settings.context)) {
        throw new Error(
          `no context named "${settings.context}"; it has ${
            kubeConfig
              .getContexts()
              .map((c) => `"${c.name}"`)
              .join(', ') || 'none'
          }`,
        );
      }
      kubeConfig.setCurrentContext(settings.context);
    }
  } catch (error) {
    throw fail(`the kubeconfig cannot be used: ${describeCause(error)}`, error);
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw fail('the kubeconfig has no current context with a cluster');
  shareAgents(kubeConfig);
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

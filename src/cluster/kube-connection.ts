import { existsSync } from 'node:fs';
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

type ClusterLike = { server?: string; proxyUrl?: string } | null;
type Factory = (cluster: ClusterLike, options: Record<string, unknown>) => unknown;
type DispatcherOptionsFactory = (cluster: ClusterLike, options: Record<string, unknown>) => { type: string; connect?: Record<string, unknown> };

/** What makes two connections interchangeable: where they go and the TLS identity they present. */
const IDENTITY_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * One connection holder per server and TLS identity. Looked up on every request, so the match is
 * cheap: the library hands over freshly decoded Buffers each time, compared by content.
 */
class PerIdentity {
  private readonly entries: { server: unknown; proxyUrl: unknown; fields: unknown[]; value: unknown }[] = [];

  get(cluster: ClusterLike, options: Record<string, unknown>, make: () => unknown): unknown {
    const fields = IDENTITY_FIELDS.map((name) => options[name]);
    const same = (a: unknown, b: unknown) => (Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b);
    const found = this.entries.find((e) => e.server === cluster?.server && e.proxyUrl === cluster?.proxyUrl && e.fields.every((f, i) => same(f, fields[i])));
    if (found) return found.value;
    const value = make();
    this.entries.push({ server: cluster?.server, proxyUrl: cluster?.proxyUrl, fields, value });
    return value;
  }
}

/**
 * Connections to one API server for podchurn's own https requests (pod creates and deletes, the pod
 * watch): enough for `qps` requests a second at 100 ms each, and at least 8. Uncapped, each phase's
 * first burst opened one TLS connection per request in flight (50 handshakes at burst 50), and their
 * memory set the run's peak RSS (bench/results/kube-burner-levers.md); requests beyond the cap wait
 * for a free connection, as they would otherwise wait in the API server.
 */
export function apiSocketsFor(qps: number | undefined): number {
  return Math.max(8, Math.ceil((qps ?? 0) / 10));
}

/**
 * @kubernetes/client-node 2.x builds a new undici Agent (a connection pool) for every request its
 * generated API clients send, and undici's connector builds a new TLS context (parsing the CA,
 * certificate and key again) for every connection it opens: a new handshake and connection per
 * request, as with 1.x's per-request https.Agent (with 2.x: 2.42 against 0.44 ms CPU and 172 against
 * 37 KB of memory growth per request, bench/results/kube-api-churn.md). This keeps one undici Agent per distinct server and TLS identity
 * instead, so requests reuse keep-alive connections (kube-apiserver and undici agree on HTTP/2, so
 * concurrent requests share one), with one TLS context built from the same options.
 * The same holds for the https.Agent behind `applyToHTTPSOptions` (the library's, for requests it does
 * not send itself; targets/kube/lean-pod-api.ts sends pod creates and deletes with it): made
 * keep-alive, with one TLS context, one per identity, and at most `httpsSockets` connections
 * (apiSocketsFor). All three methods are the library's own; only their results are kept and completed.
 */
export function shareAgents(kubeConfig: KubeConfig, httpsSockets = apiSocketsFor(undefined)): void {
  const target = kubeConfig as unknown as { createDispatcher: Factory; createDispatcherOptions: DispatcherOptionsFactory; createAgent: Factory };
  const createDispatcher = target.createDispatcher.bind(kubeConfig);
  const createOptions = target.createDispatcherOptions.bind(kubeConfig);
  const createAgent = target.createAgent.bind(kubeConfig);
  // tls.connect builds exactly this context from the same options when it is given none.
  const context = (options: Record<string, unknown>) => createSecureContext(options as SecureContextOptions);
  target.createDispatcherOptions = (cluster, options) => {
    const built = createOptions(cluster, options);
    if (built.type !== 'agent' || !built.connect) return built;
    return { ...built, connect: { ...built.connect, secureContext: context(built.connect) } };
  };
  const dispatchers = new PerIdentity();
  target.createDispatcher = (cluster, options) => dispatchers.get(cluster, options, () => createDispatcher(cluster, options));
  const agents = new PerIdentity();
  target.createAgent = (cluster, options) =>
    agents.get(cluster, options, () =>
      cluster?.proxyUrl
        ? createAgent(cluster, options)
        : createAgent(cluster, { ...options, keepAlive: true, maxSockets: httpsSockets, secureContext: context(options) }),
    );
}

/**
 * Loads the kubeconfig and asks the API server for its version. A file that cannot be used, or an
 * API that does not answer, is an infrastructure failure (exit 3): the run cannot start.
 */
export async function connectKube(settings: Pick<KubeTargetSettings, 'kubeconfig' | 'context'> & { qps?: number }): Promise<KubeConnection> {
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
  shareAgents(kubeConfig, apiSocketsFor(settings.qps));
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

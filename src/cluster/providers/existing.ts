import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { InfrastructureError, describeCause } from '../../errors.js';
import { connectKube } from '../kube-connection.js';
import { NodeLogQuery } from '../node-log-query.js';
import type { CommandResult } from '../../util/exec.js';
import { listNodes, nodeInfoVersions, nodeReadiness } from '../node-versions.js';
import type {
  ClusterHandle,
  ClusterOperationOptions,
  ClusterProvider,
  ClusterSpec,
  ClusterStatus,
  ClusterTeardown,
  NodeRuntimeVersions,
  NodeUnit,
} from '../provider.js';

function noNodeAccess(what: string, node: string): InfrastructureError {
  return new InfrastructureError(
    `${what} on node ${node} is not available: an existing cluster gives podchurn only its Kubernetes API, no access to the nodes. ` +
      'Read it on the node yourself (e.g. journalctl -u containerd, containerd config dump), let the kubelets answer node log queries ' +
      '(cluster.nodeLogQuery), or run the scenario on a kind or local cluster, where podchurn reaches the nodes.',
  );
}

/**
 * A cluster podchurn did not make and does not own: reached through a kubeconfig only. Node
 * names and versions come from the API (node.status.nodeInfo); node logs through the kubelets'
 * node log query where the scenario names what to ask for (cluster.nodeLogQuery); running binaries,
 * other logs and containerd's effective config are out of reach, and asking for them is an
 * infrastructure error.
 */
export class ExistingClusterHandle implements ClusterHandle {
  readonly provider = 'existing' as const;

  constructor(
    readonly name: string,
    readonly kubeconfig: string,
    readonly context: string,
    private readonly kubeConfig: KubeConfig,
    private readonly logQuery?: NodeLogQuery,
  ) {}

  async nodes(): Promise<string[]> {
    return (await listNodes(this.kubeConfig)).map((node) => node.metadata?.name ?? '').filter(Boolean);
  }

  exec(node: string, _argv: readonly string[]): Promise<CommandResult> {
    return Promise.reject(noNodeAccess('running a command', node));
  }

  /** The unit's lines since the run attached, where the kubelets answer node log queries for it. */
  logs(node: string, unit: NodeUnit): Promise<string> {
    if (this.logQuery?.answers(unit)) return this.logQuery.lines(node, unit);
    return Promise.reject(noNodeAccess(`reading the ${unit} log`, node));
  }

  /** What the nodes say they run; binaries cannot be run here, so containerd/shim/runc stay unmeasured. */
  async runtimeVersions(): Promise<NodeRuntimeVersions[]> {
    return nodeInfoVersions(await listNodes(this.kubeConfig));
  }

  effectiveContainerdConfig(node: string): Promise<string> {
    return Promise.reject(noNodeAccess('containerd config dump', node));
  }

  /** What the API knows about the nodes, and each node's logs that the node log query answers for. */
  async exportLogs(dir: string): Promise<void> {
    const nodes = await listNodes(this.kubeConfig);
    await mkdir(dir, { recursive: true });
    const queried = (['containerd', 'kubelet'] as const).filter((unit) => this.logQuery?.answers(unit));
    for (const node of nodes.map((n) => n.metadata?.name ?? '').filter(Boolean)) {
      for (const unit of queried) {
        const lines = await this.logs(node, unit).catch((error: unknown) => `podchurn: the node log query failed: ${describeCause(error)}\n`);
        await writeFile(join(dir, `${node}-${unit}.log`), lines);
      }
    }
    const record = nodes.map((node) => ({
      name: node.metadata?.name,
      nodeInfo: node.status?.nodeInfo,
      ready: nodeReadiness(node),
      conditions: node.status?.conditions,
    }));
    await writeFile(join(dir, 'nodes.json'), `${JSON.stringify(record, null, 2)}\n`);
    await writeFile(
      join(dir, 'README.txt'),
      'This cluster was attached as an existing cluster: podchurn has no access to its nodes. ' +
        (queried.length
          ? `The ${queried.join(' and ')} logs since the run attached (NODE-UNIT.log) came through the kubelets' node log query.`
          : 'No containerd or kubelet logs were collected (cluster.nodeLogQuery reads them through the kubelets, where they allow it).') +
        '\nnodes.json holds what the Kubernetes API reports about each node.\n',
    );
  }
}

/** How far before attaching the node log query reads: the journal's clock and this host's may differ by a little. */
const LOG_QUERY_LEAD_MS = 5_000;

/** `existing`: attach to the kubeconfig's cluster; nothing is created, nothing removed. */
export class ExistingProvider implements ClusterProvider {
  readonly name = 'existing' as const;

  async up(spec: ClusterSpec, options: ClusterOperationOptions = {}): Promise<ExistingClusterHandle> {
    const connection = await connectKube({ kubeconfig: spec.kubeconfig, context: spec.context });
    options.onNotice?.(
      `attached to ${connection.server} (Kubernetes ${connection.serverVersion}, ` +
        `context ${connection.context}); an existing cluster is used as it is: podchurn creates and removes nothing there but its own pods`,
    );
    const ignored = [
      spec.containerd !== 'system' && `containerd ${spec.containerd}`,
      spec.runc !== 'system' && `runc ${spec.runc}`,
      spec.containerdConfigPatches.length && 'containerd config patches',
      spec.nodeImage && 'a node image',
      spec.kindConfig && 'a kind config',
    ].filter(Boolean);
    if (ignored.length) options.onNotice?.(`ignored for an existing cluster (podchurn cannot change its nodes): ${ignored.join(', ')}`);
    let logQuery: NodeLogQuery | undefined;
    if (spec.nodeLogQuery && Object.keys(spec.nodeLogQuery).length) {
      // From a little before now: lines the runtime wrote while podchurn attached belong to the run.
      logQuery = new NodeLogQuery(connection.kubeConfig, spec.nodeLogQuery, new Date(Date.now() - LOG_QUERY_LEAD_MS));
      // Every node asked once before the run creates anything: a kubelet that does not answer is named here.
      await logQuery.check((await listNodes(connection.kubeConfig)).map((node) => node.metadata?.name ?? '').filter(Boolean));
    }
    return new ExistingClusterHandle(spec.name, connection.kubeconfigFile, connection.context, connection.kubeConfig, logQuery);
  }

  /** The cluster of $KUBECONFIG (else ~/.kube/config) when it answers. */
  async attach(name: string): Promise<ExistingClusterHandle | undefined> {
    try {
      const connection = await connectKube({});
      return new ExistingClusterHandle(name, connection.kubeconfigFile, connection.context, connection.kubeConfig);
    } catch {
      return undefined;
    }
  }

  async down(_name: string, options: ClusterOperationOptions = {}): Promise<ClusterTeardown> {
    options.onNotice?.("an existing cluster is not podchurn's to remove: nothing was done (a run removes its own pods and namespace itself)");
    return { removed: [], leftovers: [] };
  }

  /** Whether the API answers (--kubeconfig / --context, else $KUBECONFIG, else ~/.kube/config), and each node's Ready condition. */
  async status(name: string, access: Pick<ClusterSpec, 'kubeconfig' | 'context'> = {}): Promise<ClusterStatus> {
    try {
      const connection = await connectKube(access);
      const nodes = await listNodes(connection.kubeConfig);
      return {
        name,
        provider: 'existing',
        running: true,
        kubeconfig: connection.kubeconfigFile,
        components: [
          { name: 'api-server', state: `${connection.server} answers (Kubernetes ${connection.serverVersion})` },
          ...nodes.map((node) => ({ name: `node/${node.metadata?.name ?? '?'}`, state: nodeReadiness(node) })),
        ],
      };
    } catch (error) {
      if (!(error instanceof InfrastructureError)) throw error;
      return { name, provider: 'existing', running: false, components: [{ name: 'api-server', state: describeCause(error) }] };
    }
  }
}

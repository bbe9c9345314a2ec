import { readFile } from 'node:fs/promises';
import { KindCluster, probeNodeVersion, runTool } from 'kind-node-wrapper';
import { loadKubeConfig, listNodes, nodeInfoVersions } from '../../node-versions.js';
import type { ClusterHandle, NodeRuntimeVersions, NodeUnit } from '../../provider.js';
import { InfrastructureError } from '../../../errors.js';
import type { CommandResult } from '../../../util/exec.js';
import { getText } from '../../../util/http-text.js';
import { translatedErrors } from './wrapper-errors.js';

/** The port every node's containerd serves /v1/metrics on (kind-provider.ts configures it). */
export const KIND_NODE_METRICS_PORT = 1338;

/** Written by scripts/docker-engine.sh when it starts dockerd. */
const DOCKER_ENGINE_RECORD = '/run/podchurn-docker/engine.json';

/**
 * A kind cluster as podchurn's ClusterHandle: node access goes through kind-node-wrapper's
 * KindCluster (`docker exec <node>`, whose failures become podchurn's errors); the API is reached
 * with the kubeconfig podchurn keeps in its state dir.
 */
export class KindClusterHandle implements ClusterHandle {
  readonly provider = 'kind' as const;
  private readonly cluster: KindCluster;

  constructor(
    readonly name: string,
    readonly kubeconfig: string,
  ) {
    this.cluster = new KindCluster(name);
  }

  /**
   * The Docker engine record scripts/docker-engine.sh keeps (version, whether the capability-fixing
   * runtime is on and which capabilities it removes), plus the engine version Docker itself reports.
   */
  async hostSetup(): Promise<Record<string, unknown> | undefined> {
    const record = await readFile(DOCKER_ENGINE_RECORD, 'utf8')
      .then((text) => JSON.parse(text) as Record<string, unknown>)
      .catch(() => undefined);
    const version = await runTool('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 }).catch(() => undefined);
    const dockerEngine = { ...(record ?? { engine: 'not started by podchurn' }), ...(version?.exitCode === 0 ? { serverVersion: version.stdout.trim() } : {}) };
    return { dockerEngine };
  }

  /** `kind get nodes`, without the external load balancer of multi-control-plane clusters. */
  async nodes(): Promise<string[]> {
    return translatedErrors(() => this.cluster.nodes());
  }

  async exec(node: string, argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    return translatedErrors(() => this.cluster.exec(node, argv, options));
  }

  /** The unit's journal on the node (kind nodes run systemd). */
  async logs(node: string, unit: NodeUnit): Promise<string> {
    return translatedErrors(() => this.cluster.journal(node, unit));
  }

  /** node.status.nodeInfo from the API, plus `containerd --version`, the shim's `-v` and `runc --version` run in each node. */
  async runtimeVersions(): Promise<NodeRuntimeVersions[]> {
    const fromApi = nodeInfoVersions(await listNodes(loadKubeConfig(this.kubeconfig)));
    const names = [...new Set([...(await this.nodes()), ...fromApi.map((n) => n.node)])].sort();
    const versions: NodeRuntimeVersions[] = [];
    for (const node of names) {
      const info = fromApi.find((n) => n.node === node) ?? { node };
      versions.push({
        ...info,
        ...(await translatedErrors(async () => ({
          containerd: await probeNodeVersion(node, 'containerd'),
          shim: await probeNodeVersion(node, 'shim'),
          runc: await probeNodeVersion(node, 'runc'),
        }))),
      });
    }
    return versions;
  }

  /**
   * The node's containerd /v1/metrics, at the node's InternalIP (its address on kind's Docker network) on the port
   * podchurn's config patch opens; a cluster created before podchurn added the patch does not serve it (a note).
   */
  async runtimeMetrics(node: string): Promise<string> {
    const found = (await listNodes(loadKubeConfig(this.kubeconfig))).find((n) => n.metadata?.name === node);
    const address = found?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (!address) throw new InfrastructureError(`kind node ${node} has no InternalIP in the API; its containerd metrics cannot be reached.`);
    return getText(`http://${address.includes(':') ? `[${address}]` : address}:${KIND_NODE_METRICS_PORT}/v1/metrics`, AbortSignal.timeout(10_000));
  }

  async effectiveContainerdConfig(node: string): Promise<string> {
    return translatedErrors(() => this.cluster.execOk(node, ['containerd', 'config', 'dump'], `containerd config dump on ${node}`, { timeoutMs: 120_000 }));
  }

  /** kind node images ship crictl: what CRI itself reports about the container (state, pid, exit). */
  async runtimeState(node: string, containerId: string): Promise<string> {
    const result = await this.exec(node, ['crictl', 'inspect', containerId], { timeoutMs: 30_000 });
    return `$ crictl inspect ${containerId} (exit ${result.exitCode})\n${result.stdout}${result.stderr}`;
  }

  /** `kind export logs`: every node's journal, containerd and kubelet logs, pod logs and inspect output. */
  async exportLogs(dir: string): Promise<void> {
    await translatedErrors(() => this.cluster.exportLogs(dir));
  }
}

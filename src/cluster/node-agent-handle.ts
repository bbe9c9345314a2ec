import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../errors.js';
import type { CommandResult } from '../util/exec.js';
import type { NodeAgent } from './node-agent.js';
import type { ClusterHandle, NodeRuntimeVersions, NodeUnit } from './provider.js';

function notThroughAgent(what: string, node: string): InfrastructureError {
  return new InfrastructureError(
    `${what} on node ${node} is not available: podchurn reaches this cluster's nodes only through its node agent, which reports runtime and ` +
      'shim versions and container state, not this.',
  );
}

/**
 * A cluster's node access through podchurn's node agent: runtime and shim versions and the CRI
 * state of a container come from the agent's reports; everything else from the provider's handle
 * when there is one (an existing cluster's: the API only), else it is refused with why.
 */
export class NodeAgentClusterHandle implements ClusterHandle {
  readonly provider;
  readonly name: string;
  readonly kubeconfig: string;
  readonly context?: string;
  /** containerd's metrics through the agent where it scrapes them (target.kube.nodeAgentContainerdMetrics), else the provider's. */
  readonly runtimeMetrics?: (node: string, signal?: AbortSignal) => Promise<string>;

  constructor(
    private readonly agent: NodeAgent,
    private readonly base: ClusterHandle | undefined,
    access: { name: string; kubeconfig: string; context: string },
  ) {
    this.provider = base?.provider ?? 'existing';
    this.name = base?.name ?? access.name;
    this.kubeconfig = base?.kubeconfig ?? access.kubeconfig;
    this.context = base?.context ?? access.context;
    const metrics = agent.scrapesMetrics() ? agent.containerdMetrics.bind(agent) : base?.runtimeMetrics?.bind(base);
    if (metrics) this.runtimeMetrics = metrics;
  }

  async nodes(): Promise<string[]> {
    return this.base ? this.base.nodes() : this.agent.nodes();
  }

  exec(node: string, argv: readonly string[], options?: { timeoutMs?: number }): Promise<CommandResult> {
    return this.base ? this.base.exec(node, argv, options) : Promise.reject(notThroughAgent('running a command', node));
  }

  /** The agent's lines about the run where it reads the unit's log file (target.kube.nodeAgentLogFiles), else the provider's. */
  logs(node: string, unit: NodeUnit): Promise<string> {
    if (this.agent.readsLog(unit)) return this.agent.logLines(node, unit);
    return this.base ? this.base.logs(node, unit) : Promise.reject(notThroughAgent(`reading the ${unit} log`, node));
  }

  /** What the API says each node runs, with what the agent measured on it (containerd over CRI, the shims' own -v). */
  async runtimeVersions(): Promise<NodeRuntimeVersions[]> {
    const fromApi = (await this.base?.runtimeVersions().catch(() => [])) ?? [];
    const measured = new Map(this.agent.records().map((record) => [record.node, record]));
    const nodes = new Set([...fromApi.map((n) => n.node), ...measured.keys()]);
    return [...nodes].sort().map((node) => {
      const api = fromApi.find((n) => n.node === node);
      const agent = measured.get(node);
      return {
        ...api,
        node,
        ...(agent?.containerd ? { containerd: agent.containerd } : {}),
        ...(agent?.shim ? { shim: agent.shim } : {}),
      };
    });
  }

  effectiveContainerdConfig(node: string): Promise<string> {
    return this.base ? this.base.effectiveContainerdConfig(node) : Promise.reject(notThroughAgent('containerd config dump', node));
  }

  runtimeState(node: string, containerId: string): Promise<string> {
    return this.agent.runtimeState(node, containerId);
  }

  /** The provider's export, and the agent's reports per node beside it. */
  async exportLogs(dir: string): Promise<void> {
    await this.base?.exportLogs(dir);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'node-agent.json'), `${JSON.stringify(this.agent.records(), null, 2)}\n`);
  }
}

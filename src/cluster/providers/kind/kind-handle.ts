import { readFile } from 'node:fs/promises';
import { InputError } from '../../../errors.js';
import { loadKubeConfig, listNodes, nodeInfoVersions } from '../../node-versions.js';
import type { ClusterHandle, NodeRuntimeVersions, NodeUnit } from '../../provider.js';
import type { CommandResult } from '../../../util/exec.js';
import { dockerArgv, kindArgv, parseLines, runTool, runToolOk } from './kind-cli.js';
import { probeNodeVersion } from './node-pins.js';

/** Written by scripts/docker-engine.sh when it starts dockerd. */
const DOCKER_ENGINE_RECORD = '/run/podchurn-docker/engine.json';

/** Docker's container-name rule; it also keeps a name from being read as a docker option. */
const NODE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function checkNode(node: string): string {
  if (!NODE_NAME.test(node)) throw new InputError(`"${node}" is not a kind node name (kind get nodes lists them).`);
  return node;
}

/** kind's extra container in front of several control planes: it runs haproxy, no kubelet or containerd. */
const isLoadBalancer = (node: string) => node.endsWith('-external-load-balancer');

/**
 * A kind cluster: nodes are Docker containers named like the Kubernetes nodes, so node access is
 * `docker exec <node>`; the API is reached with the kubeconfig podchurn keeps in its state dir.
 */
export class KindClusterHandle implements ClusterHandle {
  readonly provider = 'kind' as const;

  constructor(
    readonly name: string,
    readonly kubeconfig: string,
  ) {}

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
    const result = await runToolOk('kind', kindArgv.getNodes(this.name), `listing the nodes of kind cluster ${this.name}`);
    return parseLines(result.stdout)
      .filter((node) => !isLoadBalancer(node))
      .sort();
  }

  async exec(node: string, argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    return runTool('docker', dockerArgv.exec(checkNode(node), argv), { timeoutMs: options.timeoutMs ?? 60_000 });
  }

  /** The unit's journal on the node (kind nodes run systemd). */
  async logs(node: string, unit: NodeUnit): Promise<string> {
    const result = await runToolOk('docker', dockerArgv.exec(checkNode(node), ['journalctl', '-u', unit, '--no-pager']), `reading the ${unit} log of ${node}`, {
      timeoutMs: 120_000,
    });
    return result.stdout;
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
        containerd: await probeNodeVersion(node, 'containerd'),
        shim: await probeNodeVersion(node, 'shim'),
        runc: await probeNodeVersion(node, 'runc'),
      });
    }
    return versions;
  }

  async effectiveContainerdConfig(node: string): Promise<string> {
    const result = await runToolOk('docker', dockerArgv.exec(checkNode(node), ['containerd', 'config', 'dump']), `containerd config dump on ${node}`);
    return result.stdout;
  }

  /** `kind export logs`: every node's journal, containerd and kubelet logs, pod logs and inspect output. */
  /** kind node images ship crictl: what CRI itself reports about the container (state, pid, exit). */
  async runtimeState(node: string, containerId: string): Promise<string> {
    const result = await runTool('docker', dockerArgv.exec(checkNode(node), ['crictl', 'inspect', containerId]), { timeoutMs: 30_000 });
    return `$ crictl inspect ${containerId} (exit ${result.exitCode})\n${result.stdout}${result.stderr}`;
  }

  async exportLogs(dir: string): Promise<void> {
    await runToolOk('kind', kindArgv.exportLogs(dir, this.name), `exporting the logs of kind cluster ${this.name}`, { timeoutMs: 600_000 });
  }
}

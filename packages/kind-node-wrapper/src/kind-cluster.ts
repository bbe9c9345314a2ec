import { KindInputError, KindToolError } from './errors.js';
import type { CommandResult } from './exec.js';
import {
  KIND_NETWORK,
  dockerArgv,
  kindArgv,
  outputTail,
  parseDockerPs,
  parseLines,
  runTool,
  runToolOk,
  type DockerContainer,
  type ToolRunOptions,
} from './kind-cli.js';

/**
 * kind clusters as values: create, list, delete, and one cluster's nodes, logs and images. Nodes are
 * Docker containers named like the Kubernetes nodes, so node access is `docker exec <node>`.
 * Names are checked before any tool runs, so a name is never read as an option.
 */

const CLUSTER_NAME = /^[a-z0-9]([a-z0-9.-]{0,48}[a-z0-9])?$/;
/** Docker's container-name rule; it also keeps a name from being read as a docker option. */
const NODE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const CREATE_TIMEOUT_MS = 15 * 60_000;
const LOAD_TIMEOUT_MS = 10 * 60_000;
const EXPORT_TIMEOUT_MS = 10 * 60_000;

/** A name kind accepts for a cluster (it becomes part of container and network names), else a KindInputError. */
export function checkClusterName(name: string): string {
  if (!CLUSTER_NAME.test(name)) {
    throw new KindInputError(
      `"${name}" cannot name a kind cluster: use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 50 characters.`,
    );
  }
  return name;
}

export function checkNodeName(node: string): string {
  if (!NODE_NAME.test(node)) throw new KindInputError(`"${node}" is not a kind node name (kind get nodes lists them).`);
  return node;
}

/** kind's extra container in front of several control planes: it runs haproxy, no kubelet or containerd. */
export const isLoadBalancer = (node: string): boolean => node.endsWith('-external-load-balancer');

/** `kind get clusters`: the names of every kind cluster on this Docker host. */
export async function listClusters(): Promise<string[]> {
  const result = await runToolOk('kind', kindArgv.getClusters(), 'listing kind clusters');
  return parseLines(result.stdout);
}

export interface CreateClusterOptions {
  name: string;
  /** A kind Cluster config file (renderKindConfig writes one). */
  config: string;
  /** The node image (a kindest/node image, or one buildNodeImage made). */
  image: string;
  /** Where kind writes the cluster's admin kubeconfig. */
  kubeconfig: string;
  /** `--wait`: how long kind waits for the control plane to be Ready (default 120 s). */
  waitSeconds?: number;
  timeoutMs?: number;
}

/**
 * `kind create cluster`. A non-zero exit is a KindToolError carrying kind's exit code and last lines
 * (kind removes the nodes of a failed create itself); a timeout is one without an exit code, and
 * may leave node containers behind: deleteCluster removes them.
 */
export async function createCluster(options: CreateClusterOptions): Promise<KindCluster> {
  const argv = kindArgv.createCluster({
    name: checkClusterName(options.name),
    config: options.config,
    image: options.image,
    kubeconfig: options.kubeconfig,
    waitSeconds: options.waitSeconds ?? 120,
  });
  const result = await runTool('kind', argv, { timeoutMs: options.timeoutMs ?? CREATE_TIMEOUT_MS });
  if (result.exitCode !== 0) {
    throw new KindToolError(`kind could not create cluster ${options.name} (kind ${argv.join(' ')} exited ${result.exitCode}):\n${outputTail(result, 20)}`, {
      exitCode: result.exitCode,
    });
  }
  return new KindCluster(options.name);
}

/** `kind delete cluster`; its result as it is (kind exits 0 for a cluster that does not exist). */
export async function deleteCluster(name: string, options: ToolRunOptions = {}): Promise<CommandResult> {
  return runTool('kind', kindArgv.deleteCluster(checkClusterName(name)), { timeoutMs: options.timeoutMs ?? CREATE_TIMEOUT_MS });
}

/**
 * kind keeps its Docker network after the last cluster goes; this removes it once no container is
 * attached to it, so a deleted cluster leaves nothing in Docker. Another cluster keeps it. True when removed.
 */
export async function removeIdleKindNetwork(): Promise<boolean> {
  const inspect = await runTool('docker', dockerArgv.networkContainers(KIND_NETWORK), { timeoutMs: 30_000 });
  if (inspect.exitCode !== 0 || inspect.stdout.trim() !== '0') return false;
  return (await runTool('docker', dockerArgv.networkRemove(KIND_NETWORK), { timeoutMs: 30_000 })).exitCode === 0;
}

/** One kind cluster, by name (nothing is checked to exist until a method runs). */
export class KindCluster {
  readonly name: string;

  constructor(name: string) {
    this.name = checkClusterName(name);
  }

  /** `kind get nodes`, without the external load balancer of multi-control-plane clusters, sorted. */
  async nodes(): Promise<string[]> {
    const result = await runToolOk('kind', kindArgv.getNodes(this.name), `listing the nodes of kind cluster ${this.name}`);
    return parseLines(result.stdout)
      .filter((node) => !isLoadBalancer(node))
      .sort();
  }

  /** Every container of the cluster, running or not, as Docker lists them (by kind's cluster label). */
  async containers(): Promise<DockerContainer[]> {
    const result = await runToolOk('docker', dockerArgv.psCluster(this.name), `listing the node containers of kind cluster ${this.name}`);
    return parseDockerPs(result.stdout);
  }

  /** The admin kubeconfig, as `kind get kubeconfig` prints it. */
  async kubeconfig(): Promise<string> {
    return (await runToolOk('kind', kindArgv.getKubeconfig(this.name), `reading the kubeconfig of kind cluster ${this.name}`)).stdout;
  }

  /** `kind load image-archive`: an image archive (docker save or OCI layout tar) into every node. */
  async loadImageArchive(archive: string, options: ToolRunOptions & { label?: string } = {}): Promise<void> {
    await runToolOk('kind', kindArgv.loadImageArchive(archive, this.name), `loading ${options.label ?? archive} into kind cluster ${this.name}`, {
      timeoutMs: options.timeoutMs ?? LOAD_TIMEOUT_MS,
    });
  }

  /** `kind export logs`: every node's journal, containerd and kubelet logs, pod logs and inspect output, into `dir`. */
  async exportLogs(dir: string, options: ToolRunOptions = {}): Promise<void> {
    await runToolOk('kind', kindArgv.exportLogs(dir, this.name), `exporting the logs of kind cluster ${this.name}`, {
      timeoutMs: options.timeoutMs ?? EXPORT_TIMEOUT_MS,
    });
  }

  /** `docker exec <node> argv...`: the result as it is, a non-zero exit included. */
  async exec(node: string, argv: readonly string[], options: ToolRunOptions = {}): Promise<CommandResult> {
    return runTool('docker', dockerArgv.exec(checkNodeName(node), argv), { timeoutMs: options.timeoutMs ?? 60_000 });
  }

  /** `docker exec` that must exit 0; its stdout, else a KindToolError naming `what`. */
  async execOk(node: string, argv: readonly string[], what: string, options: ToolRunOptions = {}): Promise<string> {
    return (await runToolOk('docker', dockerArgv.exec(checkNodeName(node), argv), what, { timeoutMs: options.timeoutMs ?? 60_000 })).stdout;
  }

  /** A systemd unit's journal on a node (kind nodes run systemd). */
  async journal(node: string, unit: string): Promise<string> {
    return this.execOk(node, ['journalctl', '-u', unit, '--no-pager'], `reading the ${unit} log of ${node}`, { timeoutMs: 120_000 });
  }
}

import type { RuntimeStepResult } from '../runtime/runtime-step-result.js';
import type { ShimMeasurement } from '../runtime/shim-process.js';
import type { CommandResult } from '../util/exec.js';

/** The providers a scenario or `podchurn cluster` can name. */
export const providerNames = ['local', 'kind', 'existing'] as const;
export type ProviderName = (typeof providerNames)[number];

/** Runtime components podchurn can read logs of on a node. */
export type NodeUnit = 'containerd' | 'kubelet';

/** What one node says it runs, and what its binaries say when run (absent where not reachable). */
export interface NodeRuntimeVersions {
  node: string;
  /** node.status.nodeInfo.containerRuntimeVersion, e.g. containerd://1.7.22 */
  containerRuntimeVersion?: string;
  kubeletVersion?: string;
  /** `containerd --version` run on the node. */
  containerd?: string;
  /** `containerd-shim-runc-v2 -v` run on the node: the shim carries the lost-exit fix, so it is recorded on its own. */
  shim?: string;
  /** `runc --version` run on the node. */
  runc?: string;
}

/** Everything needed to bring a cluster up; providers ignore what does not apply to them. */
export interface ClusterSpec {
  provider: ProviderName;
  /** Cluster name (kind cluster name, local state directory name). */
  name: string;
  /** Kubernetes version of the node components, e.g. 1.34.4 (local: runtime-store key kubernetes@<version>). */
  kubernetes: string;
  /** Runtime-store keys of the pinned runtimes ('system' = what the node or host already has). */
  containerd: string;
  runc: string;
  /** kubelet runtimeRequestTimeout in seconds. */
  runtimeRequestTimeoutSeconds: number;
  /** TOML fragments merged into the node's containerd config (kind: containerdConfigPatches). */
  containerdConfigPatches: string[];
  /** kind: cluster config file (kind.x-k8s.io/v1alpha4 Cluster); node image override. */
  kindConfig?: string;
  nodeImage?: string;
  /** kind: build the node image with the pins (offline: from Debian, no registry; online: on kindest/node); nodeImage is then the online base. */
  nodeImageBuild?: 'offline' | 'online';
  /** existing: kubeconfig and context to attach to. */
  kubeconfig?: string;
  context?: string;
  /** existing: per unit, what the kubelets' node log query is asked for (a systemd unit, or a file under /var/log). */
  nodeLogQuery?: Partial<Record<NodeUnit, string>>;
}

export interface ClusterOperationOptions {
  signal?: AbortSignal;
  /** Human-readable progress (builds, component starts); never machine output. */
  onNotice?: (line: string) => void;
}

/** A running cluster, whichever provider made it. */
export interface ClusterHandle {
  readonly provider: ProviderName;
  readonly name: string;
  /** Kubeconfig file with admin access to this cluster. */
  readonly kubeconfig: string;
  readonly context?: string;
  nodes(): Promise<string[]>;
  /** Runs argv on the node (argv array, never a shell string). */
  exec(node: string, argv: readonly string[], options?: { timeoutMs?: number }): Promise<CommandResult>;
  /** The unit's log on the node (the whole log, or what the provider keeps). */
  logs(node: string, unit: NodeUnit): Promise<string>;
  runtimeVersions(): Promise<NodeRuntimeVersions[]>;
  /** `containerd config dump` on the node: the configuration containerd really uses. */
  effectiveContainerdConfig(node: string): Promise<string>;
  /**
   * What the node's runtime itself says about one container (task state, pid, status), for the
   * evidence of a stuck pod; absent where the provider has no way onto the node.
   */
  runtimeState?(node: string, containerId: string): Promise<string>;
  /** The node's containerd Prometheus text (`/v1/metrics`); absent where the provider cannot reach it. */
  runtimeMetrics?(node: string, signal?: AbortSignal): Promise<string>;
  /**
   * Replaces the node runtime's daemon in place with other pins (or the same ones: a restart), leaving running
   * shims alone, as a node upgrade or `systemctl restart containerd` does; resolves once the new daemon is CRI
   * ready. Absent where the provider cannot replace a node's runtime.
   */
  replaceRuntime?(node: string, pins: { containerd: string; runc: string }, options?: ClusterOperationOptions): Promise<RuntimeStepResult>;
  /** The shim process serving a pod (by its uid), measured on the node; absent where the provider cannot see the node's processes. */
  podShim?(node: string, podUid: string): Promise<ShimMeasurement>;
  /** Copies the node's logs into dir (kind export logs, or the local state's log files). */
  exportLogs(dir: string): Promise<void>;
  /** What the host does differently for this cluster and a reader of the results should know (kind: the Docker engine record). */
  hostSetup?(): Promise<Record<string, unknown> | undefined>;
}

export interface ClusterTeardown {
  /** Something the provider had to remove or kill beyond the normal stop (for the record). */
  removed: string[];
  /** What could not be removed: non-empty means the host or Docker is not clean. */
  leftovers: string[];
}

export interface ClusterStatus {
  name: string;
  provider: ProviderName;
  running: boolean;
  kubeconfig?: string;
  /** Per component or node container: its state in the provider's words. */
  components: { name: string; state: string }[];
}

export interface ClusterProvider {
  readonly name: ProviderName;
  up(spec: ClusterSpec, options?: ClusterOperationOptions): Promise<ClusterHandle>;
  /** A handle on a cluster this provider already runs (e.g. left up by `cluster up`), else undefined. */
  attach(name: string): Promise<ClusterHandle | undefined>;
  down(name: string, options?: ClusterOperationOptions): Promise<ClusterTeardown>;
  /** `access`: which kubeconfig and context to ask (the existing provider; others know their own). */
  status(name: string, access?: Pick<ClusterSpec, 'kubeconfig' | 'context'>): Promise<ClusterStatus>;
}

import type { ClusterSpec, NodeRuntimeVersions } from '../cluster/provider.js';
import type { NodeAgentNodeRecord } from '../cluster/node-agent.js';
import type { BinarySet, MeasuredVersions } from '../runtime/binary-set.js';

/**
 * environment.json: what a run ran on (host, runtimes, Kubernetes APIs, clusters), written while it
 * runs and read back by the analysis. Persisted shapes live here, below the code that fills them.
 */
export interface EnvironmentRecord {
  schemaVersion: 1;
  podchurnVersion: string;
  host: { hostname: string; os: string; kernel: string; cgroup: string; cpus: number; memoryBytes: number; node: string };
  runtimes: RuntimeRecord[];
  /** Kubernetes APIs a kube target used (absent when every cell ran on CRI). */
  clusters?: ClusterRecord[];
  /** Clusters a provider brought up or attached to for the run (scenario `cluster` block). */
  providedClusters?: ProvidedClusterRecord[];
}

/** What environment.json records about one runtime the run used. */
export interface RuntimeRecord {
  instance: string;
  managed: boolean;
  endpoint: string;
  requested: { containerd: string; runc: string };
  binaries?: BinarySet;
  /** From running the binaries (managed runtimes only). */
  measured?: MeasuredVersions;
  /** From CRI Version, whatever the runtime. */
  cri: { runtimeName: string; runtimeVersion: string; apiVersion: string };
  settingsApplied: Record<string, unknown>;
  notes: string[];
  logFile?: string;
  configFile?: string;
  cells: string[];
}

/** What environment.json records about one Kubernetes API the run used. */
export interface ClusterRecord {
  instance: string;
  server: string;
  kubeconfig: string;
  context: string;
  serverVersion: string;
  namespace: string;
  cells: string[];
  /** target.kube.nodeAgent: the agent's image and what it measured on each node when the session opened. */
  nodeAgent?: { image: string; nodes: NodeAgentNodeRecord[] };
}

/** What environment.json records about a cluster a run brought up or attached to. */
export interface ProvidedClusterRecord {
  provider: ClusterSpec['provider'];
  name: string;
  kubeconfig: string;
  /** False when the cluster was already running (left up by `podchurn cluster up` or an earlier run). */
  broughtUp: boolean;
  kept: boolean;
  requested: { kubernetes: string; containerd: string; runc: string; runtimeRequestTimeoutSeconds: number; containerdConfigPatches: string[] };
  /** What the nodes report and their binaries say when run: the versions that were really measured. */
  nodes: NodeRuntimeVersions[];
  /** Keys of containerdConfigPatches that `containerd config dump` does not show: containerd ignored them. */
  ignoredConfigKeys: string[];
  /** Keys a containerd 2.x converted from their version-2 place: where its `containerd config dump` shows them. */
  migratedConfigKeys?: { key: string; to: string }[];
  upSeconds?: number;
  /** Host set-up the provider reports (kind: Docker engine version, capability wrapper and what it removes). */
  hostSetup?: Record<string, unknown>;
  cells: string[];
}

import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ClusterHandle, ClusterSpec, NodeRuntimeVersions } from '../cluster/provider.js';
import { clusterProvider } from '../cluster/providers/registry.js';
import type { EventSink } from '../engine/events.js';
import { describeCause } from '../errors.js';
import { judgePatchKeys } from '../measurements/config-honesty/config-honesty.js';
import type { CellSettings } from '../scenario/schema.js';
import type { ProvidedClusterRecord } from '../results/environment.js';

const MAX_NAME = 32;

/** The cluster a cell asks for, with podchurn's defaults filled in. */
export function clusterSpecFor(settings: CellSettings, scenarioName: string, scenarioFile: string): ClusterSpec {
  const cluster = settings.cluster!;
  const kube = settings.target.kube;
  return {
    provider: cluster.provider,
    name: cluster.name ?? `pc-${scenarioName}`.slice(0, MAX_NAME).replace(/-+$/, ''),
    kubernetes: cluster.kubernetes,
    containerd: settings.runtime.containerd,
    runc: settings.runtime.runc,
    // The caller's deadline on a runtime call is the kubelet's runtimeRequestTimeout.
    runtimeRequestTimeoutSeconds: settings.requestTimeoutSeconds,
    containerdConfigPatches: cluster.containerdConfigPatches,
    ...(cluster.config ? { kindConfig: resolve(dirname(scenarioFile), cluster.config) } : {}),
    ...(cluster.nodeImage ? { nodeImage: cluster.nodeImage } : {}),
    ...(cluster.nodeImageBuild ? { nodeImageBuild: cluster.nodeImageBuild } : {}),
    ...(kube?.kubeconfig ? { kubeconfig: kube.kubeconfig } : {}),
    ...(kube?.context ? { context: kube.context } : {}),
    ...(cluster.nodeLogQuery ? { nodeLogQuery: cluster.nodeLogQuery } : {}),
  };
}

export function clusterSpecKey(spec: ClusterSpec): string {
  return JSON.stringify(spec);
}

interface ActiveCluster {
  key: string;
  handle: ClusterHandle;
  record: ProvidedClusterRecord;
  /** Length of each node's containerd log when the cluster was acquired: only what follows belongs to this run. */
  logOffsets: Map<string, number>;
}

/**
 * The clusters of one run, one at a time: cells that ask for the same cluster share it; a cell
 * asking for another one releases the current cluster first (its logs copied into the run
 * directory, then removed unless it was already running or `keep` is set).
 */
export class ClusterPool {
  private active?: ActiveCluster;
  readonly records: ProvidedClusterRecord[] = [];

  constructor(
    private readonly runDir: string,
    private readonly events: EventSink,
    private readonly onNotice: (line: string) => void,
    private readonly signal: AbortSignal,
  ) {}

  /** Node access of the cluster currently held. */
  get current(): ClusterHandle | undefined {
    return this.active?.handle;
  }

  /** Whether the cluster this cell asks for is the one currently held. */
  holds(settings: CellSettings, scenarioName: string, scenarioFile: string): boolean {
    return this.active?.key === clusterSpecKey(clusterSpecFor(settings, scenarioName, scenarioFile));
  }

  /** The cell's settings pointed at its cluster (brought up or attached to first). */
  async settingsFor(cellId: string, settings: CellSettings, scenarioName: string, scenarioFile: string): Promise<CellSettings> {
    const spec = clusterSpecFor(settings, scenarioName, scenarioFile);
    const key = clusterSpecKey(spec);
    if (this.active?.key !== key) {
      await this.release();
      this.active = await this.acquire(spec, key, settings.cluster!.keep);
    }
    const { handle, record } = this.active;
    if (!record.cells.includes(cellId)) record.cells.push(cellId);
    return {
      ...settings,
      target: {
        ...settings.target,
        kube: { ...settings.target.kube, kubeconfig: handle.kubeconfig, ...(handle.context ? { context: handle.context } : {}) },
      } as CellSettings['target'],
    };
  }

  private async acquire(spec: ClusterSpec, key: string, keep: boolean): Promise<ActiveCluster> {
    const provider = await clusterProvider(spec.provider);
    const started = performance.now();
    const attached = spec.provider === 'existing' ? undefined : await provider.attach(spec.name);
    const handle = attached ?? (await provider.up(spec, { signal: this.signal, onNotice: this.onNotice }));
    const upSeconds = Math.round((performance.now() - started) / 100) / 10;
    const nodes = await handle.runtimeVersions().catch((error) => {
      this.onNotice(`could not read the node runtime versions: ${describeCause(error)}`);
      return [] as NodeRuntimeVersions[];
    });
    const { ignored: ignoredConfigKeys, migrated: migratedConfigKeys } = await this.checkConfig(handle, spec);
    const hostSetup = await handle.hostSetup?.().catch(() => undefined);
    const record: ProvidedClusterRecord = {
      provider: spec.provider,
      name: spec.name,
      kubeconfig: handle.kubeconfig,
      broughtUp: !attached,
      kept: keep || Boolean(attached) || spec.provider === 'existing',
      requested: {
        kubernetes: spec.kubernetes,
        containerd: spec.containerd,
        runc: spec.runc,
        runtimeRequestTimeoutSeconds: spec.runtimeRequestTimeoutSeconds,
        containerdConfigPatches: spec.containerdConfigPatches,
      },
      nodes,
      ignoredConfigKeys,
      ...(migratedConfigKeys.length ? { migratedConfigKeys } : {}),
      ...(attached ? {} : { upSeconds }),
      ...(hostSetup ? { hostSetup } : {}),
      cells: [],
    };
    this.records.push(record);
    this.events.run('cluster-ready', { provider: spec.provider, name: spec.name, broughtUp: record.broughtUp, upSeconds, nodes });
    const logOffsets = new Map<string, number>();
    for (const node of await handle.nodes().catch(() => [] as string[])) {
      logOffsets.set(node, (await handle.logs(node, 'containerd').catch(() => '')).length);
    }
    return { key, handle, record, logOffsets };
  }

  /**
   * Config honesty, against the node's own containerd version: a patch key missing from the effective
   * config was ignored; one whose value the dump shows elsewhere was migrated (2.x, version 2 -> 3).
   */
  private async checkConfig(handle: ClusterHandle, spec: ClusterSpec): Promise<{ ignored: string[]; migrated: { key: string; to: string }[] }> {
    const none = { ignored: [], migrated: [] };
    if (spec.containerdConfigPatches.length === 0 || spec.provider === 'existing') return none;
    const [node] = await handle.nodes();
    if (!node) return none;
    try {
      const verdicts = judgePatchKeys(spec.containerdConfigPatches, await handle.effectiveContainerdConfig(node));
      const ignored = verdicts.filter((v) => v.status === 'ignored').map((v) => v.key);
      for (const key of ignored) this.events.run('config-ignored', { cluster: spec.name, node, key });
      const migrated = verdicts.flatMap((v) => (v.status === 'migrated' && v.to ? [{ key: v.key, to: v.to }] : []));
      return { ignored, migrated };
    } catch (error) {
      this.onNotice(`could not read the effective containerd config: ${describeCause(error)}`);
      return none;
    }
  }

  /** Copies this run's part of each node's logs into the run directory, then removes the cluster unless it is kept. */
  async release(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    const { handle, record } = active;
    // A run may bring the same cluster name up more than once (one per pin): each gets its own log files.
    const instance = this.records.indexOf(record) + 1;
    try {
      for (const node of await handle.nodes()) {
        const log = await handle.logs(node, 'containerd');
        // Top-level logs/*.log are scanned for runtime signatures, like a managed containerd's log.
        await writeFile(join(this.runDir, 'logs', `containerd-${node}-${instance}.log`), log.slice(active.logOffsets.get(node) ?? 0));
      }
      await handle.exportLogs(join(this.runDir, 'logs', `cluster-${record.name}-${instance}`));
    } catch (error) {
      this.onNotice(`could not copy the logs of cluster ${record.name}: ${describeCause(error)}`);
    }
    if (record.kept) return;
    const provider = await clusterProvider(record.provider);
    const teardown = await provider.down(record.name).catch((error) => ({ removed: [], leftovers: [`cluster teardown failed: ${describeCause(error)}`] }));
    this.events.run('cluster-teardown', { provider: record.provider, name: record.name, ...teardown });
  }
}

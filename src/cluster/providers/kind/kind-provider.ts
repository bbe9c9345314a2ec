import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import {
  KIND_CLUSTER_LABEL,
  KIND_NETWORK,
  KindCluster,
  KindInputError,
  KindToolError,
  checkClusterName,
  createCluster,
  deleteCluster,
  dockerImageLabels,
  hasPins,
  isRunning,
  listClusters,
  outputTail,
  pinNodeRuntimes,
  removeIdleKindNetwork,
  renderKindConfig,
  verifyNodePins,
  type NodePins,
} from 'kind-node-wrapper';
import { InfrastructureError, InputError, describeCause } from '../../../errors.js';
import { buildPauseImage, buildWorkloadImage, type BuiltImage } from '../../../images/builtin-images.js';
import { RuntimeStore } from '../../../runtime/store.js';
import type { ClusterOperationOptions, ClusterProvider, ClusterSpec, ClusterStatus, ClusterTeardown } from '../../provider.js';
import { KIND_NODE_METRICS_PORT, KindClusterHandle } from './kind-handle.js';
import { kindStatePaths, kindStateRoot } from './kind-state.js';
import { chooseNodeImage, type NodeImageChoice } from './node-image.js';
import { resolveNodePins } from './store-pins.js';
import { translatedErrors } from './wrapper-errors.js';
import { buildNodeImage, NODE_IMAGE_LABELS } from '../../../images/kind-node/node-image.js';

export interface KindProviderOptions {
  /** Parent of the per-cluster state dirs (default: <cache>/clusters/kind). */
  stateRoot?: string;
  /** Where pinned runtimes come from (default: the user's runtime store). */
  store?: RuntimeStore;
  /** The OCI archives loaded into every node (default: podchurn's workload and pause images). */
  images?: () => Promise<BuiltImage[]>;
  /** `kind create cluster --wait`: how long kind waits for the control plane to be Ready. */
  waitSeconds?: number;
}

async function defaultImages(): Promise<BuiltImage[]> {
  return Promise.all([buildWorkloadImage(), buildPauseImage()]);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new InfrastructureError('cluster operation cancelled');
}

/** Whether the image's labels say it was built with exactly these pins. */
function pinsMatchLabels(pins: NodePins, labels: Record<string, string>): boolean {
  if (!pins.containerd || !pins.runc) return false;
  return labels[NODE_IMAGE_LABELS.containerd] === pins.containerd.version && labels[NODE_IMAGE_LABELS.runc] === pins.runc.version;
}

/**
 * Every node's containerd serves its Prometheus metrics on the node's own address (the Docker network's, reached
 * from this host), so the runtime metrics measurement can scrape its CRI timers (KindClusterHandle.runtimeMetrics).
 */
const NODE_METRICS_PATCH = `[metrics]\n  address = "0.0.0.0:${KIND_NODE_METRICS_PORT}"\n`;

/** The kind config for a spec; a config file kind-node-wrapper cannot use is named with the setting that chose it. */
function kindConfigText(spec: ClusterSpec, offlineNode: { etcdImageTag: string } | undefined): string {
  try {
    return renderKindConfig({
      configFile: spec.kindConfig,
      // podchurn's own patch first: the user's patches are applied after it and may change the address.
      containerdConfigPatches: [NODE_METRICS_PATCH, ...spec.containerdConfigPatches],
      runtimeRequestTimeoutSeconds: spec.runtimeRequestTimeoutSeconds,
      offlineNode,
    });
  } catch (error) {
    if (!(error instanceof KindInputError) || !spec.kindConfig) throw error;
    throw new InputError(`${error.message} Point cluster.config (or --config) at a kind Cluster file such as clusters/kind-single-node.yaml.`, {
      cause: error,
    });
  }
}

/**
 * kind clusters through kind-node-wrapper. `up` creates the cluster (or attaches to one of the same
 * name), loads podchurn's offline images, and pins node runtimes from the runtime store; `down`
 * deletes it and checks with kind and docker that nothing of it is left. The wrapper's failures
 * become podchurn's InputError (exit 2) and InfrastructureError (exit 3).
 */
export class KindProvider implements ClusterProvider {
  readonly name = 'kind' as const;
  private readonly stateRoot: string;
  private readonly images: () => Promise<BuiltImage[]>;

  constructor(private readonly options: KindProviderOptions = {}) {
    this.stateRoot = options.stateRoot ?? kindStateRoot();
    this.images = options.images ?? defaultImages;
  }

  /** Writes the cluster's admin kubeconfig (kind's own, from `kind get kubeconfig`) into the state dir. */
  private async writeKubeconfig(cluster: KindCluster): Promise<string> {
    const paths = kindStatePaths(cluster.name, this.stateRoot);
    const text = await cluster.kubeconfig();
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.kubeconfig, text, { mode: 0o600 });
    return paths.kubeconfig;
  }

  up(spec: ClusterSpec, options: ClusterOperationOptions = {}): Promise<KindClusterHandle> {
    return translatedErrors(() => this.create(spec, options));
  }

  private async create(spec: ClusterSpec, options: ClusterOperationOptions): Promise<KindClusterHandle> {
    const notice = options.onNotice ?? (() => undefined);
    checkClusterName(spec.name);
    const paths = kindStatePaths(spec.name, this.stateRoot);
    // Everything that can be wrong with the input, or slow to prepare, is settled before a cluster exists.
    const store = this.options.store ?? new RuntimeStore();
    const pins = await resolveNodePins(spec, store, { onProgress: notice });
    const image = spec.nodeImageBuild ? await this.buildImage(spec, store, notice) : chooseNodeImage(spec);
    if (image.note) notice(image.note);
    // A podchurn node image says what it is in its labels: an offline one needs kind told what it lacks,
    // and one built with the pins needs no copying, only checking. Catalog images are kindest/node.
    const labels = image.labels ?? (spec.nodeImage ? await dockerImageLabels(image.image) : undefined) ?? {};
    const offlineNode = labels[NODE_IMAGE_LABELS.flavor] === 'offline' ? { etcdImageTag: labels[NODE_IMAGE_LABELS.etcdImageTag] ?? '' } : undefined;
    if (offlineNode && !offlineNode.etcdImageTag)
      throw new InputError(`node image ${image.image} is a podchurn offline image without its etcd image label; rebuild it with podchurn image node.`);
    const pinsBaked = pinsMatchLabels(pins, labels);
    const config = kindConfigText(spec, offlineNode);
    const images = await this.images();
    throwIfAborted(options.signal);

    let created = false;
    let cluster = new KindCluster(spec.name);
    let handle: KindClusterHandle;
    if ((await listClusters()).includes(spec.name)) {
      notice(`kind cluster ${spec.name} already exists: attaching to it (its node image, containerd patches and kubelet settings stay as they were created)`);
      handle = new KindClusterHandle(spec.name, await this.writeKubeconfig(cluster));
    } else {
      await mkdir(paths.dir, { recursive: true });
      await writeFile(paths.config, config);
      notice(`creating kind cluster ${spec.name} with ${image.image}${image.entry ? ` (containerd ${image.entry.containerd}, runc ${image.entry.runc})` : ''}`);
      cluster = await createCluster({
        name: spec.name,
        config: paths.config,
        image: image.image,
        kubeconfig: paths.kubeconfig,
        waitSeconds: this.options.waitSeconds ?? 120,
      }).catch(async (error: unknown) => {
        // kind removes the nodes of a create that failed; one that did not finish may have left some: remove whatever it made.
        if (error instanceof KindToolError && error.exitCode !== undefined) await rm(paths.dir, { recursive: true, force: true });
        else await this.down(spec.name).catch(() => undefined);
        throw error;
      });
      created = true;
      handle = new KindClusterHandle(spec.name, paths.kubeconfig);
    }

    try {
      for (const built of images) {
        throwIfAborted(options.signal);
        await cluster.loadImageArchive(built.archive, { label: built.reference });
      }
      if (hasPins(pins) && created && pinsBaked) {
        for (const node of await cluster.nodes()) await verifyNodePins(node, pins);
        notice(`${image.image} carries the pinned runtimes: every pod runs them from the first`);
      } else if (hasPins(pins)) {
        throwIfAborted(options.signal);
        await pinNodeRuntimes(await cluster.nodes(), pins, notice);
      }
    } catch (error) {
      if (created) {
        // A cluster this call created and could not finish preparing is removed again, not left behind.
        notice(`removing kind cluster ${spec.name}: ${describeCause(error).split('\n')[0]}`);
        await this.down(spec.name).catch(() => undefined);
      }
      throw error;
    }
    return handle;
  }

  /** The node image built (or reused) for the spec's Kubernetes version and pins. */
  private async buildImage(spec: ClusterSpec, store: RuntimeStore, notice: (line: string) => void): Promise<NodeImageChoice> {
    const built = await buildNodeImage(
      {
        flavor: spec.nodeImageBuild!,
        kubernetes: spec.kubernetes,
        containerd: spec.containerd,
        runc: spec.runc,
        ...(spec.nodeImage ? { baseImage: spec.nodeImage } : {}),
      },
      { store, onProgress: notice },
    );
    return {
      image: built.reference,
      labels: built.labels,
      note: `node image ${built.reference} ${built.built ? `built in ${built.seconds.toFixed(0)} s` : 'reused (same inputs)'}`,
    };
  }

  attach(name: string): Promise<KindClusterHandle | undefined> {
    return translatedErrors(async () => {
      const cluster = new KindCluster(name);
      if (!(await listClusters()).includes(name)) return undefined;
      return new KindClusterHandle(name, await this.writeKubeconfig(cluster));
    });
  }

  down(name: string, options: ClusterOperationOptions = {}): Promise<ClusterTeardown> {
    return translatedErrors(() => this.delete(name, options));
  }

  private async delete(name: string, options: ClusterOperationOptions): Promise<ClusterTeardown> {
    const notice = options.onNotice ?? (() => undefined);
    const cluster = new KindCluster(name);
    const before = await cluster.containers();
    const deletion = await deleteCluster(name);
    if (deletion.exitCode !== 0) notice(`kind delete cluster ${name} exited ${deletion.exitCode}:\n${outputTail(deletion)}`);
    else if (!before.length) notice(`no kind cluster named ${name} was running`);

    // kind's word is checked against kind's list and Docker's: a cluster is gone when neither shows it.
    const leftovers: string[] = [];
    if ((await listClusters()).includes(name)) leftovers.push(`kind cluster ${name} (still listed by kind get clusters)`);
    const after = await cluster.containers();
    for (const container of after)
      leftovers.push(`docker container ${container.Names} (${container.Status || container.State || 'unknown state'}; label ${KIND_CLUSTER_LABEL}=${name})`);

    const removed = before.filter((c) => !after.some((a) => a.Names === c.Names)).map((c) => `kind node container ${c.Names}`);
    if (before.length && (await removeIdleKindNetwork())) removed.push(`docker network ${KIND_NETWORK}`);
    const paths = kindStatePaths(name, this.stateRoot);
    if (existsSync(paths.dir)) {
      await rm(paths.dir, { recursive: true, force: true });
      removed.push(`state directory ${paths.dir}`);
    }
    return { removed, leftovers };
  }

  status(name: string): Promise<ClusterStatus> {
    return translatedErrors(async () => {
      const cluster = new KindCluster(name);
      const listed = (await listClusters()).includes(name);
      const containers = await cluster.containers();
      const kubeconfig = kindStatePaths(name, this.stateRoot).kubeconfig;
      const components = containers.map((c) => ({ name: c.Names, state: c.Status || c.State || 'unknown' }));
      if (!listed && containers.length) components.push({ name: 'kind', state: `does not list cluster ${name}, but its containers exist` });
      return {
        name,
        provider: 'kind',
        running: listed && containers.length > 0 && containers.every(isRunning),
        kubeconfig: existsSync(kubeconfig) ? kubeconfig : undefined,
        components,
      };
    });
  }
}

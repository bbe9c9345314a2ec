import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { InfrastructureError, InputError, describeCause } from '../../../errors.js';
import { buildPauseImage, buildWorkloadImage, type BuiltImage } from '../../../images/builtin-images.js';
import { RuntimeStore } from '../../../runtime/store.js';
import type { ClusterOperationOptions, ClusterProvider, ClusterSpec, ClusterStatus, ClusterTeardown } from '../../provider.js';
import {
  KIND_CLUSTER_LABEL,
  KIND_NETWORK,
  dockerArgv,
  isRunning,
  kindArgv,
  outputTail,
  parseDockerPs,
  parseLines,
  runTool,
  runToolOk,
  type DockerContainer,
} from './kind-cli.js';
import { renderKindConfig } from './kind-config.js';
import { KindClusterHandle } from './kind-handle.js';
import { kindStatePaths, kindStateRoot } from './kind-state.js';
import { chooseNodeImage, type NodeImageChoice } from './node-image.js';
import { hasPins, pinNodeRuntimes, resolveNodePins, verifyNodePins, type NodePins } from './node-pins.js';
import { buildNodeImage, NODE_IMAGE_LABELS } from '../../../images/kind-node/node-image.js';
import { dockerImageLabels } from '../../../images/kind-node/docker-images.js';

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

const CREATE_TIMEOUT_MS = 15 * 60_000;
const LOAD_TIMEOUT_MS = 10 * 60_000;
const NAME_PATTERN = /^[a-z0-9]([a-z0-9.-]{0,48}[a-z0-9])?$/;

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new InputError(
      `"${name}" cannot name a kind cluster: use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 50 characters.`,
    );
  }
}

async function defaultImages(): Promise<BuiltImage[]> {
  return Promise.all([buildWorkloadImage(), buildPauseImage()]);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new InfrastructureError('cluster operation cancelled');
}

/**
 * kind clusters through the kind and docker CLIs. `up` creates the cluster (or attaches to one of
 * the same name), loads podchurn's offline images, and pins node runtimes from the runtime store;
 * `down` deletes it and checks with kind and docker that nothing of it is left.
 */
/** Whether the image's labels say it was built with exactly these pins. */
function pinsMatchLabels(pins: NodePins, labels: Record<string, string>): boolean {
  if (!pins.containerd || !pins.runc) return false;
  return labels[NODE_IMAGE_LABELS.containerd] === pins.containerd.version && labels[NODE_IMAGE_LABELS.runc] === pins.runc.version;
}

export class KindProvider implements ClusterProvider {
  readonly name = 'kind' as const;
  private readonly stateRoot: string;
  private readonly images: () => Promise<BuiltImage[]>;

  constructor(private readonly options: KindProviderOptions = {}) {
    this.stateRoot = options.stateRoot ?? kindStateRoot();
    this.images = options.images ?? defaultImages;
  }

  private async listClusters(): Promise<string[]> {
    const result = await runToolOk('kind', kindArgv.getClusters(), 'listing kind clusters');
    return parseLines(result.stdout);
  }

  private async nodeContainers(name: string): Promise<DockerContainer[]> {
    const result = await runToolOk('docker', dockerArgv.psCluster(name), `listing the node containers of kind cluster ${name}`);
    return parseDockerPs(result.stdout);
  }

  /** Writes the cluster's admin kubeconfig (kind's own, from `kind get kubeconfig`) into the state dir. */
  private async writeKubeconfig(name: string): Promise<string> {
    const paths = kindStatePaths(name, this.stateRoot);
    const result = await runToolOk('kind', kindArgv.getKubeconfig(name), `reading the kubeconfig of kind cluster ${name}`);
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.kubeconfig, result.stdout, { mode: 0o600 });
    return paths.kubeconfig;
  }

  async up(spec: ClusterSpec, options: ClusterOperationOptions = {}): Promise<KindClusterHandle> {
    const notice = options.onNotice ?? (() => undefined);
    checkName(spec.name);
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
    const config = renderKindConfig({
      configFile: spec.kindConfig,
      containerdConfigPatches: spec.containerdConfigPatches,
      runtimeRequestTimeoutSeconds: spec.runtimeRequestTimeoutSeconds,
      offlineNode,
    });
    const images = await this.images();
    throwIfAborted(options.signal);

    let created = false;
    let handle: KindClusterHandle;
    if ((await this.listClusters()).includes(spec.name)) {
      notice(`kind cluster ${spec.name} already exists: attaching to it (its node image, containerd patches and kubelet settings stay as they were created)`);
      handle = new KindClusterHandle(spec.name, await this.writeKubeconfig(spec.name));
    } else {
      await mkdir(paths.dir, { recursive: true });
      await writeFile(paths.config, config);
      notice(`creating kind cluster ${spec.name} with ${image.image}${image.entry ? ` (containerd ${image.entry.containerd}, runc ${image.entry.runc})` : ''}`);
      const argv = kindArgv.createCluster({
        name: spec.name,
        config: paths.config,
        image: image.image,
        kubeconfig: paths.kubeconfig,
        waitSeconds: this.options.waitSeconds ?? 120,
      });
      const result = await runTool('kind', argv, { timeoutMs: CREATE_TIMEOUT_MS }).catch(async (error: unknown) => {
        // A create that timed out may have left node containers: remove whatever it made.
        await this.down(spec.name).catch(() => undefined);
        throw error;
      });
      if (result.exitCode !== 0) {
        await rm(paths.dir, { recursive: true, force: true });
        throw new InfrastructureError(
          `kind could not create cluster ${spec.name} (kind ${argv.join(' ')} exited ${result.exitCode}):\n${outputTail(result, 20)}`,
        );
      }
      created = true;
      handle = new KindClusterHandle(spec.name, paths.kubeconfig);
    }

    try {
      for (const built of images) {
        throwIfAborted(options.signal);
        await runToolOk('kind', kindArgv.loadImageArchive(built.archive, spec.name), `loading ${built.reference} into kind cluster ${spec.name}`, {
          timeoutMs: LOAD_TIMEOUT_MS,
        });
      }
      if (hasPins(pins) && created && pinsBaked) {
        for (const node of await handle.nodes()) await verifyNodePins(node, pins);
        notice(`${image.image} carries the pinned runtimes: every pod runs them from the first`);
      } else if (hasPins(pins)) {
        throwIfAborted(options.signal);
        await pinNodeRuntimes(await handle.nodes(), pins, notice);
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

  async attach(name: string): Promise<KindClusterHandle | undefined> {
    checkName(name);
    if (!(await this.listClusters()).includes(name)) return undefined;
    return new KindClusterHandle(name, await this.writeKubeconfig(name));
  }

  async down(name: string, options: ClusterOperationOptions = {}): Promise<ClusterTeardown> {
    const notice = options.onNotice ?? (() => undefined);
    checkName(name);
    const before = await this.nodeContainers(name);
    const deletion = await runTool('kind', kindArgv.deleteCluster(name), { timeoutMs: CREATE_TIMEOUT_MS });
    if (deletion.exitCode !== 0) notice(`kind delete cluster ${name} exited ${deletion.exitCode}:\n${outputTail(deletion)}`);
    else if (!before.length) notice(`no kind cluster named ${name} was running`);

    // kind's word is checked against kind's list and Docker's: a cluster is gone when neither shows it.
    const leftovers: string[] = [];
    if ((await this.listClusters()).includes(name)) leftovers.push(`kind cluster ${name} (still listed by kind get clusters)`);
    const after = await this.nodeContainers(name);
    for (const container of after)
      leftovers.push(`docker container ${container.Names} (${container.Status || container.State || 'unknown state'}; label ${KIND_CLUSTER_LABEL}=${name})`);

    const removed = before.filter((c) => !after.some((a) => a.Names === c.Names)).map((c) => `kind node container ${c.Names}`);
    if (before.length && (await this.removeIdleKindNetwork())) removed.push(`docker network ${KIND_NETWORK}`);
    const paths = kindStatePaths(name, this.stateRoot);
    if (existsSync(paths.dir)) {
      await rm(paths.dir, { recursive: true, force: true });
      removed.push(`state directory ${paths.dir}`);
    }
    return { removed, leftovers };
  }

  /**
   * kind keeps its Docker network after the last cluster goes; it is removed once no container is
   * attached to it, so a torn-down cluster leaves nothing in Docker. Another cluster keeps it.
   */
  private async removeIdleKindNetwork(): Promise<boolean> {
    const inspect = await runTool('docker', dockerArgv.networkContainers(KIND_NETWORK), { timeoutMs: 30_000 });
    if (inspect.exitCode !== 0 || inspect.stdout.trim() !== '0') return false;
    return (await runTool('docker', dockerArgv.networkRemove(KIND_NETWORK), { timeoutMs: 30_000 })).exitCode === 0;
  }

  async status(name: string): Promise<ClusterStatus> {
    checkName(name);
    const listed = (await this.listClusters()).includes(name);
    const containers = await this.nodeContainers(name);
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
  }
}

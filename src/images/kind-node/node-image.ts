import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InfrastructureError, InputError } from '../../errors.js';
import { parseContainerdVersion, parseRuncVersion, parseShimVersion } from '../../runtime/binary-set.js';
import { kindNodeImages } from '../../runtime/catalog.js';
import { parseKey, RuntimeStore, type ParsedKey } from '../../runtime/store.js';
import { cacheDir } from '../../util/dirs.js';
import { runCommand } from '../../util/exec.js';
import { packagePath } from '../../util/package-root.js';
import { nodeBinaryPaths } from '../../cluster/providers/kind/node-pins.js';
import { buildControlPlaneImages } from '../control-plane-images.js';
import { ensureBaseImage } from './base-image.js';
import { dockerImageLabels, runDockerOk } from './docker-images.js';

/**
 * kind node images with pinned runtimes, built with the local Docker engine.
 *
 * - **offline**: a Debian root file system (base-image.ts) plus podchurn's node files
 *   (images/kind-node/files: entrypoint, systemd units, containerd config, a bridge CNI config),
 *   containerd/shim/ctr and runc from the runtime store, kubelet/kubeadm/kubectl and crictl built from
 *   the Go module proxy, Debian's CNI plugins, and the control-plane images as archives that a unit
 *   imports before kubelet starts, so kubeadm never pulls. No registry is needed.
 * - **online**: the matching kindest/node image (pulled by Docker if absent) with containerd,
 *   the shim, ctr and runc replaced in one new layer, so every pod, from the first, runs the pins.
 *
 * Both record their versions as labels and are verified by running the binaries in the image.
 * A build is skipped when an image of the same name carries the same input hash.
 */

export type NodeImageFlavor = 'offline' | 'online';

export const NODE_IMAGE_LABELS = {
  flavor: 'io.podchurn.node-image.flavor',
  inputs: 'io.podchurn.node-image.inputs',
  base: 'io.podchurn.node-image.base',
  kubernetes: 'io.podchurn.kubernetes',
  containerd: 'io.podchurn.containerd',
  runc: 'io.podchurn.runc',
  etcd: 'io.podchurn.etcd',
  etcdImageTag: 'io.podchurn.etcd-image-tag',
  pause: 'io.podchurn.pause-image',
} as const;

export interface NodeImageRequest {
  flavor: NodeImageFlavor;
  /** Kubernetes version, e.g. 1.34.4. */
  kubernetes: string;
  /** Runtime-store keys: containerd@1.7.15, runc@1.1.14. */
  containerd: string;
  runc: string;
  /** online: the image to derive from (default: the kind catalog's kindest/node for the version). */
  baseImage?: string;
  /** The image name to give the result (default: podchurn.local/kind-node:<versions>). */
  tag?: string;
}

export interface NodeImage {
  reference: string;
  flavor: NodeImageFlavor;
  labels: Record<string, string>;
  /** false when a cached image with the same inputs was reused. */
  built: boolean;
  seconds: number;
}

const nodeFilesDir = packagePath('images', 'kind-node', 'files');
const CNI_PLUGINS_DIR = '/usr/lib/cni';
const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];
const BUILD_TIMEOUT_MS = 30 * 60_000;

export function defaultNodeImageTag(request: Pick<NodeImageRequest, 'flavor' | 'kubernetes' | 'containerd' | 'runc'>): string {
  const version = (key: string) => key.split('@').pop()!.replace(/^v/, '');
  const pins = `containerd${version(request.containerd)}-runc${version(request.runc)}`;
  return `podchurn.local/kind-node:v${request.kubernetes.replace(/^v/, '')}-${pins}${request.flavor === 'online' ? '-online' : ''}`;
}

function pinnedKey(component: 'containerd' | 'runc', key: string): ParsedKey {
  const parsed = parseKey(component, key);
  if (parsed.version === 'system')
    throw new InputError(
      `a node image needs a pinned ${component} (e.g. ${component}@${component === 'containerd' ? '1.7.22' : '1.1.14'}), not ${component}@system.`,
    );
  return parsed;
}

/** Identity of a file for the input hash: its name, size and modification time (the store never rewrites a file in place). */
async function fileIdentity(path: string): Promise<string> {
  const info = await stat(path);
  return `${path}:${info.size}:${info.mtimeMs}`;
}

async function nodeFilesText(): Promise<string[]> {
  const entries = await readdir(nodeFilesDir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return Promise.all(files.map(async (file) => `${file}\n${await readFile(file, 'utf8')}`));
}

interface Ingredients {
  binaries: { source: string; destination: string }[];
  images: string[];
  labels: Record<string, string>;
  pauseImage: string;
  base: string;
}

/** crictl for offline nodes: the cri-tools release of the same minor as the Kubernetes 1.34 line podchurn builds. */
export const CRI_TOOLS_FOR_NODE = 'cri-tools@1.34.0';

/** The pinned containerd, shim, ctr and runc from the store, at the paths kind node images keep them. */
async function pinnedRuntimeBinaries(request: NodeImageRequest, store: RuntimeStore, onProgress: (line: string) => void): Promise<Ingredients['binaries']> {
  const containerd = await store.ensure(pinnedKey('containerd', request.containerd), { autoInstall: true, onProgress });
  const runc = await store.ensure(pinnedKey('runc', request.runc), { autoInstall: true, onProgress });
  return [
    ...(['containerd', 'containerd-shim-runc-v2', 'ctr'] as const).map((name) => ({ source: containerd[name]!, destination: nodeBinaryPaths[name] })),
    { source: runc.runc!, destination: nodeBinaryPaths.runc },
  ];
}

async function gatherOffline(request: NodeImageRequest, store: RuntimeStore, onProgress: (line: string) => void): Promise<Ingredients> {
  const runtimeBinaries = await pinnedRuntimeBinaries(request, store, onProgress);
  const kubernetes = await store.ensure(parseKey('kubernetes', request.kubernetes), { autoInstall: true, onProgress });
  const criTools = await store.ensure(parseKey('cri-tools', CRI_TOOLS_FOR_NODE), { autoInstall: true, onProgress });
  const controlPlane = await buildControlPlaneImages({ kubernetes: request.kubernetes, store, onProgress });
  const base = await ensureBaseImage(onProgress);
  const binaries = [
    ...runtimeBinaries,
    ...(['kubelet', 'kubeadm', 'kubectl'] as const).map((name) => ({ source: kubernetes[name]!, destination: `/usr/bin/${name}` })),
    { source: criTools.crictl!, destination: '/usr/local/bin/crictl' },
    ...CNI_PLUGINS.map((name) => ({ source: join(CNI_PLUGINS_DIR, name), destination: `/opt/cni/bin/${name}` })),
  ];
  return {
    binaries,
    images: controlPlane.images.map((image) => image.archive),
    pauseImage: controlPlane.pauseImage,
    base: base.reference,
    labels: {
      [NODE_IMAGE_LABELS.etcd]: controlPlane.etcdVersion,
      [NODE_IMAGE_LABELS.etcdImageTag]: controlPlane.references.etcdImageTag,
      [NODE_IMAGE_LABELS.pause]: controlPlane.pauseImage,
    },
  };
}

async function gatherOnline(request: NodeImageRequest, store: RuntimeStore, onProgress: (line: string) => void): Promise<Ingredients> {
  const wanted = `v${request.kubernetes.replace(/^v/, '')}`;
  const base = request.baseImage ?? kindNodeImages().find((entry) => entry.image.endsWith(`:${wanted}`))?.image;
  if (!base) throw new InputError(`the kind catalog has no kindest/node image for Kubernetes ${wanted}; pass --base-image.`);
  return {
    binaries: await pinnedRuntimeBinaries(request, store, onProgress),
    images: [],
    pauseImage: '',
    base,
    labels: {},
  };
}

/**
 * The Dockerfile for a prepared context, whose root/ holds every file at its place in the node, so
 * all of them land in one layer (online: the only layer over kindest/node).
 */
export function nodeDockerfile(flavor: NodeImageFlavor, base: string, kubernetes: string): string {
  const lines = [`FROM ${base}`, 'COPY root/ /'];
  if (flavor === 'offline') {
    lines.push(
      // kind reads the Kubernetes version from /kind/version; an empty machine-id makes each node generate its own.
      `RUN echo v${kubernetes.replace(/^v/, '')} > /kind/version && systemctl enable containerd.service kubelet.service ` +
        `podchurn-preload-images.service && : > /etc/machine-id`,
      'STOPSIGNAL SIGRTMIN+3',
      'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function prepareContext(dir: string, flavor: NodeImageFlavor, ingredients: Ingredients, kubernetes: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const root = join(dir, 'root');
  await mkdir(root, { recursive: true });
  if (flavor === 'offline') {
    await cp(nodeFilesDir, root, { recursive: true });
    const config = join(root, 'etc', 'containerd', 'config.toml');
    await writeFile(config, (await readFile(config, 'utf8')).replace('@PAUSE_IMAGE@', ingredients.pauseImage));
    await mkdir(join(root, 'kind', 'images'), { recursive: true });
    for (const archive of ingredients.images) await copyFile(archive, join(root, 'kind', 'images', `${basename(archive).replace(/\.oci\.tar$/, '')}.tar`));
  }
  for (const binary of ingredients.binaries) {
    const target = join(root, binary.destination);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(binary.source, target);
  }
  await writeFile(join(dir, 'Dockerfile'), nodeDockerfile(flavor, ingredients.base, kubernetes));
}

/** Runs `<binary> <args>` in the image and returns what it printed. */
async function runInImage(reference: string, binary: string, args: readonly string[]): Promise<string> {
  return runDockerOk(['run', '--rm', '--entrypoint', binary, reference, ...args], `running ${binary} in ${reference}`, 120_000);
}

/** Runs the pinned binaries (and, offline, kubelet/kubeadm) inside the image; refuses an image whose binaries disagree with its labels. */
export async function verifyNodeImage(reference: string, expected: { kubernetes?: string; containerd: string; runc: string }): Promise<Record<string, string>> {
  const measured: Record<string, string> = {
    containerd: parseContainerdVersion(await runInImage(reference, nodeBinaryPaths.containerd, ['--version']))?.replace(/^v/, '') ?? 'unknown',
    shim: parseShimVersion(await runInImage(reference, nodeBinaryPaths['containerd-shim-runc-v2'], ['-v']))?.replace(/^v/, '') ?? 'unknown',
    runc: parseRuncVersion(await runInImage(reference, nodeBinaryPaths.runc, ['--version']))?.replace(/^v/, '') ?? 'unknown',
  };
  const problems: string[] = [];
  if (measured.containerd !== expected.containerd) problems.push(`containerd reports ${measured.containerd}, not ${expected.containerd}`);
  if (measured.shim !== expected.containerd) problems.push(`containerd-shim-runc-v2 reports ${measured.shim}, not ${expected.containerd}`);
  if (measured.runc !== expected.runc) problems.push(`runc reports ${measured.runc}, not ${expected.runc}`);
  if (expected.kubernetes) {
    measured.kubelet = /v?(\d+\.\d+\.\d+)/.exec(await runInImage(reference, '/usr/bin/kubelet', ['--version']))?.[1] ?? 'unknown';
    measured.kubeadm = /v?(\d+\.\d+\.\d+)/.exec(await runInImage(reference, '/usr/bin/kubeadm', ['version', '-o', 'short']))?.[1] ?? 'unknown';
    for (const name of ['kubelet', 'kubeadm'])
      if (measured[name] !== expected.kubernetes) problems.push(`${name} reports ${measured[name]}, not ${expected.kubernetes}`);
  }
  if (problems.length) throw new InfrastructureError(`node image ${reference} does not run what it should: ${problems.join('; ')}.`);
  return measured;
}

/** Builds (or reuses) the node image for a request; see the module comment. */
export async function buildNodeImage(
  request: NodeImageRequest,
  options: { store?: RuntimeStore; onProgress?: (line: string) => void } = {},
): Promise<NodeImage> {
  const started = performance.now();
  const onProgress = options.onProgress ?? (() => undefined);
  const store = options.store ?? new RuntimeStore();
  const kubernetes = request.kubernetes.replace(/^v/, '');
  const containerd = pinnedKey('containerd', request.containerd);
  const runc = pinnedKey('runc', request.runc);
  const reference = request.tag ?? defaultNodeImageTag(request);
  const ingredients = request.flavor === 'offline' ? await gatherOffline(request, store, onProgress) : await gatherOnline(request, store, onProgress);

  const inputs = createHash('sha256');
  inputs.update(JSON.stringify({ flavor: request.flavor, base: ingredients.base, kubernetes, destinations: ingredients.binaries.map((b) => b.destination) }));
  for (const path of [...ingredients.binaries.map((b) => b.source), ...ingredients.images]) inputs.update(await fileIdentity(path));
  inputs.update(nodeDockerfile(request.flavor, ingredients.base, kubernetes));
  if (request.flavor === 'offline') for (const text of await nodeFilesText()) inputs.update(text);
  const inputHash = inputs.digest('hex').slice(0, 24);

  const labels: Record<string, string> = {
    ...ingredients.labels,
    [NODE_IMAGE_LABELS.flavor]: request.flavor,
    [NODE_IMAGE_LABELS.inputs]: inputHash,
    [NODE_IMAGE_LABELS.base]: ingredients.base,
    [NODE_IMAGE_LABELS.kubernetes]: kubernetes,
    [NODE_IMAGE_LABELS.containerd]: containerd.version,
    [NODE_IMAGE_LABELS.runc]: runc.version,
  };
  const existing = await dockerImageLabels(reference);
  if (existing?.[NODE_IMAGE_LABELS.inputs] === inputHash) {
    onProgress(`node image ${reference} is up to date`);
    return { reference, flavor: request.flavor, labels: existing, built: false, seconds: (performance.now() - started) / 1000 };
  }

  const contextDir = join(cacheDir(), 'build', 'kind-node', inputHash);
  try {
    await prepareContext(contextDir, request.flavor, ingredients, kubernetes);
    onProgress(`building node image ${reference} from ${ingredients.base}`);
    const labelArgs = Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
    // The classic builder: it needs no BuildKit daemon and resolves FROM against local images first.
    const env = { ...process.env, DOCKER_BUILDKIT: '0' };
    const result = await runCommand('docker', ['build', '--quiet', '--tag', reference, ...labelArgs, contextDir], { timeoutMs: BUILD_TIMEOUT_MS, env });
    if (result.exitCode !== 0)
      throw new InfrastructureError(
        `docker build of node image ${reference} failed ` +
          `(exit ${result.exitCode}):\n${(result.stderr || result.stdout).trim().split('\n').slice(-20).join('\n')}`,
      );
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
  await verifyNodeImage(reference, { containerd: containerd.version, runc: runc.version, kubernetes: request.flavor === 'offline' ? kubernetes : undefined });
  return { reference, flavor: request.flavor, labels, built: true, seconds: (performance.now() - started) / 1000 };
}

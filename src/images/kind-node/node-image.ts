import { join } from 'node:path';
import { buildNodeImage as buildImage, ensureBaseImage, nodeBinaryPaths, type NodeImage, type NodeImageFile, type NodeImageFlavor } from 'kind-node-wrapper';
import { InputError } from '../../errors.js';
import { kindNodeImages } from '../../runtime/catalog.js';
import { parseKey, RuntimeStore, type ParsedKey } from '../../runtime/store.js';
import { cacheDir } from '../../util/dirs.js';
import { packagePath } from '../../util/package-root.js';
import { translatedErrors } from '../../cluster/providers/kind/wrapper-errors.js';
import { buildControlPlaneImages } from '../control-plane-images.js';

/**
 * podchurn's kind node images: kind-node-wrapper builds them; this module gathers what goes in from
 * the runtime store and podchurn's own sources, names and labels them.
 *
 * - **offline**: podchurn's Debian base image plus podchurn's node files (images/kind-node/files:
 *   entrypoint, systemd units, containerd config, a bridge CNI config), containerd/shim/ctr and runc
 *   from the runtime store, kubelet/kubeadm/kubectl and crictl built from the Go module proxy,
 *   Debian's CNI plugins, and the control-plane images as archives that a unit imports before
 *   kubelet starts, so kubeadm never pulls. No registry is needed.
 * - **online**: the matching kindest/node image of the kind catalog with containerd, the shim, ctr
 *   and runc replaced in one new layer, so every pod, from the first, runs the pins.
 */

export type { NodeImage, NodeImageFlavor } from 'kind-node-wrapper';

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

const nodeFilesDir = packagePath('images', 'kind-node', 'files');
/** The unit of podchurn's node files that imports the control-plane archives before kubelet starts. */
const PRELOAD_UNIT = 'podchurn-preload-images.service';
const BASE_REPOSITORY = 'podchurn.local/kind-node-base';
const CNI_PLUGINS_DIR = '/usr/lib/cni';
const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];

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

interface Ingredients {
  binaries: NodeImageFile[];
  images: string[];
  labels: Record<string, string>;
  pauseImage: string;
  base: string;
}

/** crictl for offline nodes: the cri-tools release of the same minor as the Kubernetes 1.34 line podchurn builds. */
export const CRI_TOOLS_FOR_NODE = 'cri-tools@1.34.0';

/** The pinned containerd, shim, ctr and runc from the store, at the paths kind node images keep them. */
async function pinnedRuntimeBinaries(request: NodeImageRequest, store: RuntimeStore, onProgress: (line: string) => void): Promise<NodeImageFile[]> {
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
  const base = await ensureBaseImage({ workDir: join(cacheDir(), 'build', 'kind-node-base'), repository: BASE_REPOSITORY, onProgress });
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

/** Builds (or reuses) the node image for a request; see the module comment. */
export async function buildNodeImage(
  request: NodeImageRequest,
  options: { store?: RuntimeStore; onProgress?: (line: string) => void } = {},
): Promise<NodeImage> {
  const onProgress = options.onProgress ?? (() => undefined);
  const store = options.store ?? new RuntimeStore();
  const kubernetes = request.kubernetes.replace(/^v/, '');
  const containerd = pinnedKey('containerd', request.containerd);
  const runc = pinnedKey('runc', request.runc);
  const offline = request.flavor === 'offline';
  // The base image and the build run in kind-node-wrapper: its failures become podchurn's (exit 2 or 3).
  return translatedErrors(async () => {
    const ingredients = offline ? await gatherOffline(request, store, onProgress) : await gatherOnline(request, store, onProgress);
    return buildImage(
      {
        flavor: request.flavor,
        reference: request.tag ?? defaultNodeImageTag(request),
        base: ingredients.base,
        kubernetes,
        binaries: ingredients.binaries,
        expected: { containerd: containerd.version, runc: runc.version },
        imageArchives: ingredients.images,
        ...(offline
          ? { nodeFiles: nodeFilesDir, replacements: { 'etc/containerd/config.toml': { '@PAUSE_IMAGE@': ingredients.pauseImage } }, units: [PRELOAD_UNIT] }
          : {}),
        labels: {
          ...ingredients.labels,
          [NODE_IMAGE_LABELS.flavor]: request.flavor,
          [NODE_IMAGE_LABELS.base]: ingredients.base,
          [NODE_IMAGE_LABELS.kubernetes]: kubernetes,
          [NODE_IMAGE_LABELS.containerd]: containerd.version,
          [NODE_IMAGE_LABELS.runc]: runc.version,
        },
        inputsLabel: NODE_IMAGE_LABELS.inputs,
        workDir: join(cacheDir(), 'build', 'kind-node'),
      },
      { onProgress },
    );
  });
}

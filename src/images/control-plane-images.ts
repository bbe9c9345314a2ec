import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { RuntimeStore, parseKey, type ParsedKey, type StoreEntry } from '../runtime/store.js';
import { cachedImageFile, contentKey, pruneSupersededImageFiles } from './image-cache.js';
import { elfLinkage } from './elf.js';
import { pauseBinary, pauseImageDefinition, type BuiltImage } from './builtin-images.js';
import { writeOciArchive, type ImageDefinition, type LayerEntry } from './oci-archive.js';

/**
 * The images kubeadm runs a control plane from (kube-apiserver, kube-controller-manager,
 * kube-scheduler, etcd, and the pause image for their sandboxes), built as OCI archives from the
 * runtime store's binaries under the exact references kubeadm would pull, so a node without a
 * registry finds them already present and `kubeadm init` pulls nothing.
 */

/** Where kubeadm pulls from unless its ClusterConfiguration names another imageRepository. */
export const KUBEADM_IMAGE_REPOSITORY = 'registry.k8s.io';

/** What kubeadm of one Kubernetes minor deploys besides its own components. */
export interface KubeadmImageDefaults {
  /** SupportedEtcdVersion[minor] in cmd/kubeadm/app/constants/constants.go: etcd's version plus kubeadm's `-N` image revision. */
  etcdImageTag: string;
  /** PauseVersion in the same file. */
  pauseTag: string;
  /** CoreDNSVersion in the same file (the CoreDNS addon; not built here). */
  coreDnsTag: string;
}

/**
 * Read from k8s.io/kubernetes' cmd/kubeadm/app/constants/constants.go per release line. A table
 * rather than a parse of the module at run time, so listing references needs no Go module cache;
 * the test compares it with `kubeadm config images list` of the built kubeadm.
 */
const kubeadmDefaultsByMinor: Record<string, KubeadmImageDefaults> = {
  '1.34': { etcdImageTag: '3.6.5-0', pauseTag: '3.10.1', coreDnsTag: 'v1.12.1' },
};

export function kubeadmImageDefaults(kubernetesVersion: string): KubeadmImageDefaults {
  const version = parseKey('kubernetes', kubernetesVersion).version;
  const minor = version.split('.').slice(0, 2).join('.');
  const defaults = kubeadmDefaultsByMinor[minor];
  if (!defaults) {
    throw new InputError(
      `no kubeadm image defaults are known for Kubernetes ${version}; known release lines: ${Object.keys(kubeadmDefaultsByMinor).join(', ')}.`,
    );
  }
  return defaults;
}

export const controlPlaneComponents = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'pause'] as const;
export type ControlPlaneComponent = (typeof controlPlaneComponents)[number];

export interface ControlPlaneImageReferences {
  kubernetesVersion: string;
  etcdVersion: string;
  imageRepository: string;
  /** kubeadm's tag for etcd, `<etcdVersion>-0`: ClusterConfiguration `etcd.local.imageTag` when it is not kubeadm's default. */
  etcdImageTag: string;
  /** Whether etcdImageTag is what kubeadm picks by itself (then the config needs no imageTag). */
  etcdIsKubeadmDefault: boolean;
  /** The reference of each image built here, in kubeadm's naming. */
  images: Record<ControlPlaneComponent, string>;
  /**
   * Images kubeadm also pulls for its addons and that are not built here: a node without a
   * registry must disable the addons (ClusterConfiguration `proxy.disabled` / `dns.disabled`,
   * or `--skip-phases=addon/kube-proxy,addon/coredns`) or bring these images itself.
   */
  addonImages: { 'kube-proxy': string; coredns: string };
}

/** `3.6.5` -> `3.6.5-0`: kubeadm tags etcd images with an image revision after the version. */
export function kubeadmEtcdImageTag(etcdVersion: string): string {
  return `${etcdVersion}-0`;
}

/**
 * The references kubeadm uses for a Kubernetes version (and an etcd version, default: the one that
 * kubeadm deploys), for a node-image builder to write a kubeadm config that matches the archives.
 */
export function controlPlaneImageReferences(kubernetesVersion: string, etcdVersion?: string): ControlPlaneImageReferences {
  const kubernetes = parseKey('kubernetes', kubernetesVersion).version;
  const defaults = kubeadmImageDefaults(kubernetes);
  const defaultEtcd = defaults.etcdImageTag.replace(/-\d+$/, '');
  const etcd = etcdVersion === undefined ? defaultEtcd : parseKey('etcd', etcdVersion).version;
  // kubeadm turns a version's build metadata separator into an underscore: tags cannot hold a `+`.
  const kubernetesTag = `v${kubernetes.replace(/\+/g, '_')}`;
  const repo = KUBEADM_IMAGE_REPOSITORY;
  const etcdImageTag = kubeadmEtcdImageTag(etcd);
  return {
    kubernetesVersion: kubernetes,
    etcdVersion: etcd,
    imageRepository: repo,
    etcdImageTag,
    etcdIsKubeadmDefault: etcdImageTag === defaults.etcdImageTag,
    images: {
      'kube-apiserver': `${repo}/kube-apiserver:${kubernetesTag}`,
      'kube-controller-manager': `${repo}/kube-controller-manager:${kubernetesTag}`,
      'kube-scheduler': `${repo}/kube-scheduler:${kubernetesTag}`,
      etcd: `${repo}/etcd:${etcdImageTag}`,
      pause: `${repo}/pause:${defaults.pauseTag}`,
    },
    addonImages: { 'kube-proxy': `${repo}/kube-proxy:${kubernetesTag}`, coredns: `${repo}/coredns/coredns:${defaults.coreDnsTag}` },
  };
}

/** Label names recording where an image's binary came from. */
export const CONTROL_PLANE_IMAGE_LABELS = {
  component: 'io.podchurn.control-plane.component',
  storeKey: 'io.podchurn.control-plane.store-key',
  /** The version the binary reported when the store verified it, not the one asked for. */
  version: 'io.podchurn.control-plane.verified-version',
  source: 'io.podchurn.control-plane.source',
  module: 'io.podchurn.control-plane.module',
  binarySha256: 'io.podchurn.control-plane.binary-sha256',
  pauseSource: 'io.podchurn.control-plane.pause-source',
} as const;

export interface ControlPlaneImage extends BuiltImage {
  component: ControlPlaneComponent;
  labels: Record<string, string>;
}

export interface ControlPlaneImagesRequest {
  /** `1.34.4`, `v1.34.4` or `kubernetes@1.34.4`. */
  kubernetes: string;
  /** `3.6.5` or `etcd@3.6.5`; default: the etcd kubeadm deploys for that Kubernetes line. */
  etcd?: string;
  store?: RuntimeStore;
  /** Build missing store keys from the Go module proxy (default true; false makes a missing key an error). */
  autoInstall?: boolean;
  onProgress?: (line: string) => void;
}

export interface ControlPlaneImages {
  images: ControlPlaneImage[];
  references: ControlPlaneImageReferences;
  /** The pause image's reference: containerd's `sandbox_image` on the node must name it. */
  pauseImage: string;
  etcdVersion: string;
}

/** Directories the images have besides the binary: /tmp for Go's os.TempDir, /etc for the files runc mounts (hosts, resolv.conf). */
const baseEntries: LayerEntry[] = [
  { type: 'dir', path: 'etc', mode: 0o755 },
  { type: 'dir', path: 'tmp', mode: 0o1777 },
  { type: 'dir', path: 'usr', mode: 0o755 },
  { type: 'dir', path: 'usr/local', mode: 0o755 },
  { type: 'dir', path: 'usr/local/bin', mode: 0o755 },
];

/** kubeadm's static pods name the command (`command: [kube-apiserver, ...]`), which is looked up on the image's PATH. */
const imagePath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

async function installedEntry(store: RuntimeStore, parsed: ParsedKey, request: ControlPlaneImagesRequest): Promise<StoreEntry> {
  if (parsed.version === 'system')
    throw new InputError(`control-plane images need pinned, statically linked binaries; ${parsed.key} is the host's package. Name a version.`);
  await store.ensure(parsed, { autoInstall: request.autoInstall ?? true, onProgress: request.onProgress });
  const entry = await store.get(parsed.key);
  if (!entry) throw new InputError(`${parsed.key} is not installed; run "podchurn runtime fetch ${parsed.key}".`);
  return entry;
}

/** The definition of one binary's image: the binary at /usr/local/bin/<name>, which is also the entrypoint. */
function binaryImageDefinition(reference: string, name: string, binary: Buffer, labels: Record<string, string>): ImageDefinition {
  return {
    reference,
    entries: [...baseEntries, { type: 'file', path: `usr/local/bin/${name}`, content: binary, mode: 0o755 }],
    entrypoint: [`/usr/local/bin/${name}`],
    env: [imagePath],
    labels,
  };
}

/** Everything a definition is made of, so the cached archive changes whenever any of it does. */
function definitionKey(definition: ImageDefinition): string {
  const files = definition.entries.flatMap((entry) => (entry.type === 'file' ? [entry.content] : []));
  const shape = JSON.stringify({
    ...definition,
    entries: definition.entries.map((entry) => (entry.type === 'file' ? { ...entry, content: entry.content.length } : entry)),
  });
  return contentKey(shape, ...files);
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A file name for a reference: `registry.k8s.io/etcd:3.6.5-0` -> `registry.k8s.io_etcd_3.6.5-0`. */
function archiveName(reference: string): string {
  return reference.replace(/[/:@]/g, '_');
}

async function buildArchive(definition: ImageDefinition): Promise<string> {
  const name = archiveName(definition.reference);
  const archive = await cachedImageFile(name, definitionKey(definition), (file) => writeOciArchive(definition, file));
  await pruneSupersededImageFiles(name, archive);
  return archive;
}

async function binaryImage(
  component: ControlPlaneComponent,
  reference: string,
  entry: StoreEntry,
  request: ControlPlaneImagesRequest,
): Promise<ControlPlaneImage> {
  const path = entry.binaries[component];
  if (!path) throw new InputError(`${entry.key} has no ${component}.`);
  const binary = await readFile(path);
  if (elfLinkage(binary) !== 'static') {
    throw new InputError(
      `${path} (${entry.key}) is not a statically linked executable; ` +
        `the ${component} image has no C library to run it with. Build the key from the Go module proxy (CGO_ENABLED=0).`,
    );
  }
  const labels: Record<string, string> = {
    [CONTROL_PLANE_IMAGE_LABELS.component]: component,
    [CONTROL_PLANE_IMAGE_LABELS.storeKey]: entry.key,
    [CONTROL_PLANE_IMAGE_LABELS.version]: entry.verifiedVersions[component] ?? entry.version,
    [CONTROL_PLANE_IMAGE_LABELS.source]: entry.source,
    [CONTROL_PLANE_IMAGE_LABELS.binarySha256]: sha256Hex(binary),
    'org.opencontainers.image.version': entry.verifiedVersions[component] ?? entry.version,
  };
  if (typeof entry.origin.module === 'string') labels[CONTROL_PLANE_IMAGE_LABELS.module] = entry.origin.module;
  request.onProgress?.(`image ${reference} from ${entry.key}`);
  const definition = binaryImageDefinition(reference, component, binary, labels);
  return { component, reference, archive: await buildArchive(definition), labels };
}

/**
 * podchurn's own pause binary under kubeadm's pause reference: what kubelet and containerd need of
 * a sandbox image is a process that sleeps until signalled, which podchurn's pause already is.
 */
async function pauseImage(reference: string, request: ControlPlaneImagesRequest): Promise<ControlPlaneImage> {
  const pause = await pauseBinary();
  const labels = {
    [CONTROL_PLANE_IMAGE_LABELS.component]: 'pause',
    [CONTROL_PLANE_IMAGE_LABELS.pauseSource]: `podchurn images/pause/pause.c (source hash ${pause.sourceHash})`,
    [CONTROL_PLANE_IMAGE_LABELS.binarySha256]: sha256Hex(pause.content),
  };
  request.onProgress?.(`image ${reference} from podchurn's pause`);
  return { component: 'pause', reference, archive: await buildArchive(pauseImageDefinition(reference, pause.content, labels)), labels };
}

/**
 * Builds (or reuses from the image cache) the five control-plane archives for a Kubernetes version,
 * installing the store keys they come from when missing (see `autoInstall`).
 */
export async function buildControlPlaneImages(request: ControlPlaneImagesRequest): Promise<ControlPlaneImages> {
  const store = request.store ?? new RuntimeStore();
  const kubernetesKey = parseKey('kubernetes', request.kubernetes);
  const references = controlPlaneImageReferences(kubernetesKey.version, request.etcd);
  const kubernetes = await installedEntry(store, kubernetesKey, request);
  const etcd = await installedEntry(store, parseKey('etcd', references.etcdVersion), request);
  const images: ControlPlaneImage[] = [];
  // One at a time: each archive holds a 30-100 MB binary in memory while it is written.
  for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const) {
    images.push(await binaryImage(component, references.images[component], kubernetes, request));
  }
  images.push(await binaryImage('etcd', references.images.etcd, etcd, request));
  images.push(await pauseImage(references.images.pause, request));
  return { images, references, pauseImage: references.images.pause, etcdVersion: references.etcdVersion };
}

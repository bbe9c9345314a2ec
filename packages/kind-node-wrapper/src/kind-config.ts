import { readFileSync } from 'node:fs';
import { Document, isMap, isSeq, parseAllDocuments, parseDocument, YAMLSeq } from 'yaml';
import { KindInputError, describeCause } from './errors.js';

/**
 * The kind cluster config to hand to `kind create cluster --config`: the user's own config
 * (comments and every field kept) with the caller's containerd patches and kubelet setting appended.
 *
 * - `containerdConfigPatches` are TOML merge patches kind applies to each node's containerd config
 *   (kind then restarts containerd). kind's base config stays `version = 2` even on containerd 2.x nodes.
 * - kind does not set kubelet's `runtimeRequestTimeout` (default 2m); a cluster-wide
 *   `kubeadmConfigPatches` entry of kind KubeletConfiguration does. It is appended after the
 *   user's own patches, so it wins over a value the user's file sets.
 */

export const KIND_API_VERSION = 'kind.x-k8s.io/v1alpha4';

export interface KindConfigInput {
  /** The user's kind config file (kind: Cluster, apiVersion kind.x-k8s.io/v1alpha4), if any. */
  configFile?: string;
  containerdConfigPatches: readonly string[];
  runtimeRequestTimeoutSeconds: number;
  /** Set when the node image is an offline image (buildNodeImage, flavor offline): what it lacks, so kind must not ask for it. */
  offlineNode?: OfflineNodeSettings;
}

/** What an offline node image (buildNodeImage, flavor offline) carries instead of kindest/node's images. */
export interface OfflineNodeSettings {
  /** The etcd image tag preloaded in the node (kubeadm's form, e.g. 3.6.5-0). */
  etcdImageTag: string;
}

/** The KubeletConfiguration patch carrying runtimeRequestTimeout (a Go duration, e.g. 120s). */
export function kubeletPatch(runtimeRequestTimeoutSeconds: number): string {
  if (!Number.isFinite(runtimeRequestTimeoutSeconds) || runtimeRequestTimeoutSeconds <= 0) {
    throw new KindInputError(`runtimeRequestTimeout must be a positive number of seconds, not ${runtimeRequestTimeoutSeconds}.`);
  }
  return `kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nruntimeRequestTimeout: ${Math.round(runtimeRequestTimeoutSeconds)}s\n`;
}

function loadUserConfig(file: string): Document {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KindInputError(`kind config ${file} cannot be read: ${describeCause(error)}.`, { cause: error });
  }
  const documents = parseAllDocuments(text);
  if (documents.length > 1) throw new KindInputError(`kind config ${file} must hold one YAML document (a kind Cluster), not ${documents.length}.`);
  if (documents.length === 0) return new Document({});
  const doc = parseDocument(text);
  if (doc.errors.length) throw new KindInputError(`kind config ${file} is not valid YAML: ${doc.errors[0]!.message}`);
  // A file holding only comments is an empty config.
  if (doc.contents === null) return new Document({});
  if (!isMap(doc.contents)) throw new KindInputError(`kind config ${file} must be a mapping (kind: Cluster), not a ${typeof doc.toJS()}.`);
  const kind = doc.get('kind');
  const apiVersion = doc.get('apiVersion');
  if (kind !== undefined && kind !== 'Cluster') throw new KindInputError(`kind config ${file}: kind is "${String(kind)}"; a kind config has kind: Cluster.`);
  if (apiVersion !== undefined && apiVersion !== KIND_API_VERSION) {
    throw new KindInputError(`kind config ${file}: apiVersion is "${String(apiVersion)}"; this wrapper writes ${KIND_API_VERSION} configs.`);
  }
  for (const key of ['containerdConfigPatches', 'kubeadmConfigPatches']) {
    const value = doc.get(key);
    if (value !== undefined && !isSeq(value)) throw new KindInputError(`kind config ${file}: ${key} must be a list of strings.`);
  }
  return doc;
}

function appendAll(doc: Document, key: string, items: readonly string[]): void {
  if (!items.length) return;
  let seq = doc.get(key);
  if (!isSeq(seq)) {
    seq = new YAMLSeq();
    doc.set(key, seq);
  }
  for (const item of items) (seq as YAMLSeq).add(doc.createNode(item));
}

/**
 * The settings an offline node image needs. It preloads only the control-plane images built here,
 * so: no kindnet (the image carries a bridge CNI config), no kube-proxy or CoreDNS (kubeadm skips
 * those add-ons; a single-node churn needs neither), and kubeadm's etcd image tag is the preloaded
 * one. kubelet may run on a cgroup v1 host (failCgroupV1: false). The kubeadm patches name no
 * apiVersion, so they match whichever kubeadm API kind writes for the Kubernetes version.
 */
export function offlineNodePatches(settings: OfflineNodeSettings): string[] {
  return [
    `kind: ClusterConfiguration\netcd:\n  local:\n    imageTag: "${settings.etcdImageTag}"\n`,
    'kind: InitConfiguration\nskipPhases:\n  - preflight\n  - addon/kube-proxy\n  - addon/coredns\n',
    'kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nfailCgroupV1: false\n',
  ];
}

/** The YAML text of the generated kind config. */
export function renderKindConfig(input: KindConfigInput): string {
  const doc = input.configFile ? loadUserConfig(input.configFile) : new Document({});
  if (doc.get('kind') === undefined) doc.set('kind', 'Cluster');
  if (doc.get('apiVersion') === undefined) doc.set('apiVersion', KIND_API_VERSION);
  for (const patch of input.containerdConfigPatches) {
    if (!patch.trim()) throw new KindInputError('a containerd config patch is empty; each patch must be a TOML fragment.');
  }
  appendAll(doc, 'containerdConfigPatches', input.containerdConfigPatches);
  if (input.offlineNode) {
    const networking = doc.get('networking');
    if (networking !== undefined && !isMap(networking)) throw new KindInputError('kind config: networking must be a mapping.');
    doc.setIn(['networking', 'disableDefaultCNI'], true);
    doc.setIn(['networking', 'kubeProxyMode'], 'none');
    appendAll(doc, 'kubeadmConfigPatches', offlineNodePatches(input.offlineNode));
  }
  appendAll(doc, 'kubeadmConfigPatches', [kubeletPatch(input.runtimeRequestTimeoutSeconds)]);
  return doc.toString({ lineWidth: 0 });
}

import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { dockerImageLabels, runDockerOk } from './docker-images.js';
import { KindToolError } from './errors.js';
import { runCommand } from './exec.js';
import { nodeBinaryPaths } from './node-pins.js';
import { parseContainerdVersion, parseRuncVersion, parseShimVersion } from './versions.js';

/**
 * kind node images with pinned runtimes, built with the local Docker engine from binaries the caller
 * names (host paths), so every pod, from the first, runs them.
 *
 * - **offline**: a root file system image (base-image.ts) plus the caller's node files (entrypoint,
 *   systemd units, containerd config, a CNI config), the binaries (containerd, shim, ctr, runc,
 *   kubelet, kubeadm, kubectl, crictl, CNI plugins) and the control-plane images as archives under
 *   /kind/images, so kubeadm never pulls. No registry is needed.
 * - **online**: a kindest/node image (pulled by Docker if absent) with containerd, the shim, ctr and
 *   runc replaced in one new layer.
 *
 * Both are verified by running the binaries in the image. A build is skipped when an image of the
 * same name carries the same input hash (in the `inputsLabel` label).
 */

export type NodeImageFlavor = 'offline' | 'online';

/** One file of the image: its host path and where it goes in the node. */
export interface NodeImageFile {
  source: string;
  destination: string;
}

export interface NodeImageSpec {
  flavor: NodeImageFlavor;
  /** The image name to give the result. */
  reference: string;
  /** The image to build on: a root file system image (offline) or a kindest/node image (online). */
  base: string;
  /** Kubernetes version, e.g. 1.34.4 (offline: written to /kind/version and checked against kubelet and kubeadm). */
  kubernetes: string;
  /** The binaries to put in the node; containerd, the shim, ctr and runc at nodeBinaryPaths. */
  binaries: readonly NodeImageFile[];
  /** The versions the pinned binaries must report in the image. */
  expected: { containerd: string; runc: string };
  /** offline: OCI archives of the control-plane images, preloaded from /kind/images by one of `units`. */
  imageArchives?: readonly string[];
  /** offline: a directory copied to the node's root first (entrypoint at /usr/local/bin/entrypoint, units, configs). */
  nodeFiles?: string;
  /** offline: text replacements in files of nodeFiles, by path relative to it: { 'etc/containerd/config.toml': { '@PAUSE_IMAGE@': '...' } }. */
  replacements?: Record<string, Record<string, string>>;
  /** offline: systemd units to enable besides containerd.service and kubelet.service. */
  units?: readonly string[];
  /** Labels to put on the image, besides the input hash. */
  labels?: Record<string, string>;
  /** The label holding the input hash (default DEFAULT_INPUTS_LABEL). */
  inputsLabel?: string;
  /** A directory for build contexts; each build's is removed afterwards. */
  workDir: string;
}

export interface NodeImage {
  reference: string;
  flavor: NodeImageFlavor;
  labels: Record<string, string>;
  /** false when a cached image with the same inputs was reused. */
  built: boolean;
  seconds: number;
}

export const DEFAULT_INPUTS_LABEL = 'io.kind-node-wrapper.inputs';
const BUILD_TIMEOUT_MS = 30 * 60_000;

/** Identity of a file for the input hash: its name, size and modification time (inputs are never rewritten in place). */
async function fileIdentity(path: string): Promise<string> {
  const info = await stat(path);
  return `${path}:${info.size}:${info.mtimeMs}`;
}

async function nodeFilesText(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return Promise.all(files.map(async (file) => `${file}\n${await readFile(file, 'utf8')}`));
}

/**
 * The Dockerfile for a prepared context, whose root/ holds every file at its place in the node, so
 * all of them land in one layer (online: the only layer over kindest/node).
 */
export function nodeDockerfile(flavor: NodeImageFlavor, base: string, kubernetes: string, units: readonly string[] = []): string {
  const lines = [`FROM ${base}`, 'COPY root/ /'];
  if (flavor === 'offline') {
    lines.push(
      // kind reads the Kubernetes version from /kind/version; an empty machine-id makes each node generate its own.
      `RUN echo v${kubernetes.replace(/^v/, '')} > /kind/version && systemctl enable ${['containerd.service', 'kubelet.service', ...units].join(' ')} ` +
        `&& : > /etc/machine-id`,
      'STOPSIGNAL SIGRTMIN+3',
      'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function prepareContext(dir: string, spec: NodeImageSpec, kubernetes: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const root = join(dir, 'root');
  await mkdir(root, { recursive: true });
  if (spec.flavor === 'offline') {
    if (spec.nodeFiles) await cp(spec.nodeFiles, root, { recursive: true });
    for (const [file, replacements] of Object.entries(spec.replacements ?? {})) {
      const path = join(root, file);
      let text = await readFile(path, 'utf8');
      for (const [from, to] of Object.entries(replacements)) text = text.replaceAll(from, to);
      await writeFile(path, text);
    }
    await mkdir(join(root, 'kind', 'images'), { recursive: true });
    for (const archive of spec.imageArchives ?? [])
      await copyFile(archive, join(root, 'kind', 'images', `${basename(archive).replace(/\.oci\.tar$/, '')}.tar`));
  }
  for (const binary of spec.binaries) {
    const target = join(root, binary.destination);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(binary.source, target);
  }
  await writeFile(join(dir, 'Dockerfile'), nodeDockerfile(spec.flavor, spec.base, kubernetes, spec.units));
}

/** Runs `<binary> <args>` in the image and returns what it printed. */
async function runInImage(reference: string, binary: string, args: readonly string[]): Promise<string> {
  return runDockerOk(['run', '--rm', '--entrypoint', binary, reference, ...args], `running ${binary} in ${reference}`, 120_000);
}

/** Runs the pinned binaries (and, offline, kubelet/kubeadm) inside the image; refuses an image whose binaries disagree with what it should run. */
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
  if (problems.length) throw new KindToolError(`node image ${reference} does not run what it should: ${problems.join('; ')}.`);
  return measured;
}

/** The hash of everything that goes into the image: file identities, the Dockerfile, the node files and their replacements. */
async function inputHash(spec: NodeImageSpec, kubernetes: string): Promise<string> {
  const inputs = createHash('sha256');
  inputs.update(JSON.stringify({ flavor: spec.flavor, base: spec.base, kubernetes, destinations: spec.binaries.map((b) => b.destination) }));
  for (const path of [...spec.binaries.map((b) => b.source), ...(spec.imageArchives ?? [])]) inputs.update(await fileIdentity(path));
  inputs.update(nodeDockerfile(spec.flavor, spec.base, kubernetes, spec.units));
  if (spec.flavor === 'offline' && spec.nodeFiles) for (const text of await nodeFilesText(spec.nodeFiles)) inputs.update(text);
  if (spec.replacements && Object.keys(spec.replacements).length) inputs.update(JSON.stringify(spec.replacements));
  return inputs.digest('hex').slice(0, 24);
}

/** Builds (or reuses) the node image of a spec; see the module comment. */
export async function buildNodeImage(spec: NodeImageSpec, options: { onProgress?: (line: string) => void } = {}): Promise<NodeImage> {
  const started = performance.now();
  const onProgress = options.onProgress ?? (() => undefined);
  const kubernetes = spec.kubernetes.replace(/^v/, '');
  const inputsLabel = spec.inputsLabel ?? DEFAULT_INPUTS_LABEL;
  const hash = await inputHash(spec, kubernetes);
  const labels: Record<string, string> = { ...spec.labels, [inputsLabel]: hash };
  const existing = await dockerImageLabels(spec.reference);
  if (existing?.[inputsLabel] === hash) {
    onProgress(`node image ${spec.reference} is up to date`);
    return { reference: spec.reference, flavor: spec.flavor, labels: existing, built: false, seconds: (performance.now() - started) / 1000 };
  }

  const contextDir = join(spec.workDir, hash);
  try {
    await prepareContext(contextDir, spec, kubernetes);
    onProgress(`building node image ${spec.reference} from ${spec.base}`);
    const labelArgs = Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
    // The classic builder: it needs no BuildKit daemon and resolves FROM against local images first.
    const env = { ...process.env, DOCKER_BUILDKIT: '0' };
    const result = await runCommand('docker', ['build', '--quiet', '--tag', spec.reference, ...labelArgs, contextDir], {
      timeoutMs: BUILD_TIMEOUT_MS,
      env,
    }).catch((error: NodeJS.ErrnoException) => {
      throw new KindToolError(`docker build of node image ${spec.reference} could not be run: ${error.message}`, { cause: error });
    });
    if (result.exitCode !== 0)
      throw new KindToolError(
        `docker build of node image ${spec.reference} failed ` +
          `(exit ${result.exitCode}):\n${(result.stderr || result.stdout).trim().split('\n').slice(-20).join('\n')}`,
        { exitCode: result.exitCode },
      );
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
  await verifyNodeImage(spec.reference, { ...spec.expected, kubernetes: spec.flavor === 'offline' ? kubernetes : undefined });
  return { reference: spec.reference, flavor: spec.flavor, labels, built: true, seconds: (performance.now() - started) / 1000 };
}

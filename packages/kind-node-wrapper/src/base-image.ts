import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerImageLabels, runDockerOk } from './docker-images.js';
import { KindToolError } from './errors.js';
import { runCommand } from './exec.js';

/**
 * The Debian root file system every offline node image starts from: debootstrap's minbase variant
 * plus what a kind node runs (systemd as PID 1, dbus, iptables and iproute2 for pod networking,
 * libseccomp for runc, kmod/mount/util-linux for kubelet's mounts). It is imported into Docker as
 * its own image, named by a hash of what went into it, so a warm build never runs debootstrap.
 */
export const BASE_SUITE = 'bookworm';
export const BASE_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'iptables',
  'iproute2',
  'ethtool',
  'conntrack',
  'socat',
  'util-linux',
  'mount',
  'kmod',
  'libseccomp2',
  'procps',
  'ca-certificates',
  'pigz',
] as const;

/** The image repository base images are imported as, unless the caller names another. */
export const DEFAULT_BASE_REPOSITORY = 'kind-node-wrapper.local/node-base';
const DEBOOTSTRAP_TIMEOUT_MS = 20 * 60_000;

/** The Debian mirror apt uses on this machine (deb822 or one-line sources), else deb.debian.org. */
export async function debianMirror(): Promise<string> {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const uri = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\b/m.exec(text)?.[1];
    if (uri) return uri;
  }
  return 'http://deb.debian.org/debian';
}

export function baseImageReference(mirror: string, repository: string = DEFAULT_BASE_REPOSITORY): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ suite: BASE_SUITE, packages: BASE_PACKAGES, mirror }))
    .digest('hex')
    .slice(0, 12);
  return `${repository}:${BASE_SUITE}-${hash}`;
}

export interface BaseImageOptions {
  /** A directory for the build's scratch files (the root file system and its tarball); removed afterwards. */
  workDir: string;
  /** The image repository to import into (default DEFAULT_BASE_REPOSITORY); the tag names the inputs. */
  repository?: string;
  /** The Debian mirror (default: the one apt on this machine uses, else deb.debian.org). */
  mirror?: string;
  onProgress?: (line: string) => void;
}

/** The base image's reference, built first (debootstrap, needs root) when Docker does not have it. */
export async function ensureBaseImage(options: BaseImageOptions): Promise<{ reference: string; built: boolean }> {
  const onProgress = options.onProgress ?? (() => undefined);
  const mirror = options.mirror ?? (await debianMirror());
  const reference = baseImageReference(mirror, options.repository);
  if (await dockerImageLabels(reference)) return { reference, built: false };

  const workDir = join(options.workDir, reference.split(':')[1]!);
  const rootfs = join(workDir, 'rootfs');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  try {
    onProgress(`debootstrap ${BASE_SUITE} (minbase + ${BASE_PACKAGES.length} packages) from ${mirror}`);
    const debootstrap = await runCommand('debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, BASE_SUITE, rootfs, mirror], {
      timeoutMs: DEBOOTSTRAP_TIMEOUT_MS,
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        throw new KindToolError('debootstrap was not found: install it (apt-get install debootstrap) to build offline kind node images.', {
          cause: error,
        });
      throw error;
    });
    if (debootstrap.exitCode !== 0) {
      const log = await readFile(join(rootfs, 'debootstrap', 'debootstrap.log'), 'utf8').catch(() => '');
      throw new KindToolError(`debootstrap exited ${debootstrap.exitCode}:\n${(debootstrap.stderr + log).trim().split('\n').slice(-15).join('\n')}`);
    }
    // Package caches and lists are dead weight in every node.
    for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      await runCommand('find', [join(rootfs, dir), '-mindepth', '1', '-type', 'f', '-delete']);
    }
    const tarball = join(workDir, 'rootfs.tar');
    const tar = await runCommand('tar', ['-C', rootfs, '-cf', tarball, '.'], { timeoutMs: 10 * 60_000 });
    if (tar.exitCode !== 0) throw new KindToolError(`packing the node base file system failed: ${tar.stderr.trim()}`);
    onProgress(`importing the base file system as ${reference}`);
    await runDockerOk(['import', '--change', 'ENV container=docker', tarball, reference], `importing ${reference}`, 10 * 60_000);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return { reference, built: true };
}

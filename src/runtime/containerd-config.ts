import { join } from 'node:path';
import { InfrastructureError } from '../errors.js';
import { runCommand } from '../util/exec.js';
import { parseContainerdVersion, type BinarySet } from './binary-set.js';
import { compareVersions } from './catalog.js';

/** The settings a generated containerd config depends on. */
export interface ContainerdConfigOptions {
  binaries: Pick<BinarySet, 'runc'>;
  /** What the containerd binary reports (`containerd --version`): it decides the config version. */
  containerdVersion: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  restrictOomScoreAdj: boolean;
  sandboxImage: string;
}

export interface ContainerdPaths {
  root: string;
  state: string;
  socket: string;
}

/**
 * The config version a containerd understands natively: 2.x introduced version 3 (the CRI plugin
 * split into io.containerd.cri.v1.runtime / .images); 1.x knows version 2. 2.x still converts a
 * version 2 file, but a config podchurn writes should need no conversion.
 */
export function configVersionFor(containerdVersion: string): 2 | 3 {
  const major = Number(/^v?(\d+)\./.exec(containerdVersion)?.[1]);
  if (!Number.isFinite(major)) throw new InfrastructureError(`cannot tell the config version for containerd "${containerdVersion}": not a version number.`);
  return major >= 2 ? 3 : 2;
}

/** The version a containerd binary reports, bare (`2.1.4`, `1.6.20~ds1`). */
export async function probeContainerdVersion(binary: string): Promise<string> {
  const result = await runCommand(binary, ['--version'], { timeoutMs: 10_000 });
  const version = parseContainerdVersion(result.stdout);
  if (!version) throw new InfrastructureError(`${binary} --version did not report a version (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 300)}`);
  return version;
}

/** The runc runtime entry: the pinned runc, with its own root so containers never mix with a system containerd's. */
function runcRuntime(options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  return {
    runtime_type: 'io.containerd.runc.v2',
    options: { BinaryName: options.binaries.runc, Root: join(paths.state, 'runc'), SystemdCgroup: false },
  };
}

/** What both versions share: the daemon's own root, state, sockets, log level and opt directory. */
function daemonSection(version: 2 | 3, options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  return {
    version,
    root: paths.root,
    state: paths.state,
    grpc: { address: paths.socket },
    ttrpc: { address: `${paths.socket}.ttrpc` },
    debug: { level: options.logLevel },
  };
}

function cniSection(containerdVersion: string, paths: ContainerdPaths): Record<string, unknown> {
  const confDir = join(paths.state, 'cni');
  // 2.1 replaced bin_dir with bin_dirs (bin_dir still works there, as a deprecation).
  return compareVersions(containerdVersion.replace(/[~+].*$/, ''), '2.1.0') >= 0 ? { bin_dirs: ['/usr/lib/cni'], conf_dir: confDir } : { bin_dir: '/usr/lib/cni', conf_dir: confDir };
}

function versionTwoConfig(options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  return {
    ...daemonSection(2, options, paths),
    plugins: {
      'io.containerd.grpc.v1.cri': {
        sandbox_image: options.sandboxImage,
        restrict_oom_score_adj: options.restrictOomScoreAdj,
        stream_server_address: '127.0.0.1',
        stream_server_port: '0',
        cni: cniSection(options.containerdVersion, paths),
        containerd: { snapshotter: 'overlayfs', default_runtime_name: 'runc', runtimes: { runc: runcRuntime(options, paths) } },
      },
      'io.containerd.internal.v1.opt': { path: join(paths.root, 'opt') },
    },
  };
}

function versionThreeConfig(options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  return {
    ...daemonSection(3, options, paths),
    plugins: {
      'io.containerd.cri.v1.runtime': {
        restrict_oom_score_adj: options.restrictOomScoreAdj,
        cni: cniSection(options.containerdVersion, paths),
        containerd: { default_runtime_name: 'runc', runtimes: { runc: runcRuntime(options, paths) } },
      },
      'io.containerd.cri.v1.images': {
        snapshotter: 'overlayfs',
        // Version 3's replacement for sandbox_image.
        pinned_images: { sandbox: options.sandboxImage },
      },
      // Only the streaming server's options stay with the CRI gRPC plugin in version 3.
      'io.containerd.grpc.v1.cri': { stream_server_address: '127.0.0.1', stream_server_port: '0' },
      'io.containerd.internal.v1.opt': { path: join(paths.root, 'opt') },
    },
  };
}

/**
 * podchurn's containerd config, in the version the binary understands: its own root, state, socket
 * and runc root. CNI config is read from <state>/cni: empty for the CRI target (host-network pods),
 * a bridge network for a local cluster.
 */
export function containerdConfig(options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  return configVersionFor(options.containerdVersion) === 3 ? versionThreeConfig(options, paths) : versionTwoConfig(options, paths);
}

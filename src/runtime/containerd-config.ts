import { join } from 'node:path';
import { InfrastructureError } from '../errors.js';
import { runCommand } from '../util/exec.js';
import { parseContainerdVersion, type BinarySet } from './binary-set.js';
import { compareVersions } from './catalog.js';

/** Config layouts podchurn writes: 2 (containerd 1.x), 3 (2.0-2.2: CRI split), 4 (2.3+: server sockets as plugins). */
export type ConfigVersion = 2 | 3 | 4;

/** What a containerd binary says about itself, measured by running it. */
export interface ContainerdIdentity {
  /** `containerd --version`, bare (`2.1.4`, `1.6.20~ds1`). */
  version: string;
  /** The layout to write: the `version` of the binary's own `containerd config default`, capped at the newest podchurn knows. */
  configVersion: ConfigVersion;
}

/** The settings a generated containerd config depends on. */
export interface ContainerdConfigOptions {
  binaries: Pick<BinarySet, 'runc'>;
  containerd: ContainerdIdentity;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  restrictOomScoreAdj: boolean;
  sandboxImage: string;
  /** The CNI plugin directory; default the system's. A CNI network of podchurn's own brings its own (runtime/cni-network.ts). */
  cniBinDir?: string;
}

export interface ContainerdPaths {
  root: string;
  state: string;
  socket: string;
  /**
   * host:port of the Prometheus endpoint (`/v1/metrics`), always on loopback: the runtime-metrics
   * measurement scrapes it at each cell's start and end for containerd's own CRI timers.
   */
  metricsAddress: string;
}

/**
 * The config layout for a containerd whose `config default` starts with `version = N`: each
 * containerd still converts older versions (2.x logs "Configuration migrated"), but a config podchurn
 * writes should need no conversion. A version newer than 4 gets the version-4 layout, which it converts.
 */
export function configVersionFromDefault(defaultConfig: string): ConfigVersion {
  const version = Number(/^version\s*=\s*(\d+)/m.exec(defaultConfig)?.[1]);
  if (!Number.isInteger(version) || version < 2) {
    throw new InfrastructureError(`containerd config default did not name a config version podchurn can write (2 or later): ${defaultConfig.slice(0, 200)}`);
  }
  return Math.min(version, 4) as ConfigVersion;
}

/** Runs the binary: its version and the config version it writes by default. */
export async function probeContainerd(binary: string): Promise<ContainerdIdentity> {
  const [versionRun, defaultRun] = await Promise.all([
    runCommand(binary, ['--version'], { timeoutMs: 10_000 }),
    runCommand(binary, ['config', 'default'], { timeoutMs: 15_000 }),
  ]);
  const version = parseContainerdVersion(versionRun.stdout);
  if (!version)
    throw new InfrastructureError(`${binary} --version did not report a version (exit ${versionRun.exitCode}): ${versionRun.stderr.trim().slice(0, 300)}`);
  if (defaultRun.exitCode !== 0)
    throw new InfrastructureError(`${binary} config default failed (exit ${defaultRun.exitCode}): ${defaultRun.stderr.trim().slice(0, 300)}`);
  return { version, configVersion: configVersionFromDefault(defaultRun.stdout) };
}

/** The runc runtime entry: the pinned runc, with its own root so containers never mix with a system containerd's. */
function runcRuntime(options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  return {
    runtime_type: 'io.containerd.runc.v2',
    options: { BinaryName: options.binaries.runc, Root: join(paths.state, 'runc'), SystemdCgroup: false },
  };
}

/** The daemon's own root, state and log level, and (up to version 3) its sockets. */
function daemonSection(version: ConfigVersion, options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  const sockets =
    version >= 4 ? {} : { grpc: { address: paths.socket }, ttrpc: { address: `${paths.socket}.ttrpc` }, metrics: { address: paths.metricsAddress } };
  return { version, root: paths.root, state: paths.state, ...sockets, debug: { level: options.logLevel } };
}

/** Version 4 configures each server as a plugin (metrics too); the ttrpc one would otherwise take its default address. */
function serverPlugins(version: ConfigVersion, paths: ContainerdPaths): Record<string, unknown> {
  if (version < 4) return {};
  return {
    'io.containerd.server.v1.grpc': { address: paths.socket },
    'io.containerd.server.v1.ttrpc': { address: `${paths.socket}.ttrpc` },
    'io.containerd.server.v1.metrics': { address: paths.metricsAddress },
  };
}

function cniSection(options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  const confDir = join(paths.state, 'cni');
  const binDir = options.cniBinDir ?? '/usr/lib/cni';
  // 2.1 replaced bin_dir with bin_dirs (bin_dir still works there, as a deprecation).
  return compareVersions(options.containerd.version.replace(/[~+].*$/, ''), '2.1.0') >= 0
    ? { bin_dirs: [binDir], conf_dir: confDir }
    : { bin_dir: binDir, conf_dir: confDir };
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
        cni: cniSection(options, paths),
        containerd: { snapshotter: 'overlayfs', default_runtime_name: 'runc', runtimes: { runc: runcRuntime(options, paths) } },
      },
      'io.containerd.internal.v1.opt': { path: join(paths.root, 'opt') },
    },
  };
}

/** Versions 3 and 4 share the CRI split; 4 also moves the sockets (serverPlugins). */
function splitCriConfig(version: 3 | 4, options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  return {
    ...daemonSection(version, options, paths),
    plugins: {
      ...serverPlugins(version, paths),
      'io.containerd.cri.v1.runtime': {
        restrict_oom_score_adj: options.restrictOomScoreAdj,
        cni: cniSection(options, paths),
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
 * and runc root. CNI config is read from <state>/cni: empty for the CRI target unless its scenario asks
 * for a network of podchurn's own (network.cni), a bridge network for a local cluster.
 */
export function containerdConfig(options: ContainerdConfigOptions, paths: ContainerdPaths): Record<string, unknown> {
  const version = options.containerd.configVersion;
  return version === 2 ? versionTwoConfig(options, paths) : splitCriConfig(version, options, paths);
}

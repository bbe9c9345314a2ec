import { parse as parseToml } from 'smol-toml';
import { stringify as toYaml } from 'yaml';
import { InputError, describeCause } from '../../../errors.js';
import type { LocalClusterLayout } from './layout.js';

/** The pod network of a local cluster: one bridge, host-local addresses, no masquerading (pods talk to nobody outside). */
export const POD_SUBNET = '10.244.0.0/16';

export function cniConflist(layout: LocalClusterLayout): string {
  return `${JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: `podchurn-${layout.name}`,
      plugins: [
        {
          type: 'bridge',
          bridge: layout.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: POD_SUBNET }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: layout.cniIpamDir },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

export interface KubeletSettings {
  nodeName: string;
  caCert: string;
  runtimeRequestTimeoutSeconds: number;
  port: number;
  healthzPort: number;
  cgroupDriver: 'cgroupfs' | 'systemd';
  /** The node's own address (node-address.ts): the kubelet serves there, with a certificate for it. */
  address: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
}

/** KubeletConfiguration for a single throwaway node; each departure from the defaults says why. */
export function kubeletConfig(layout: LocalClusterLayout, settings: KubeletSettings): string {
  return toYaml({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: settings.address,
    port: settings.port,
    tlsCertFile: settings.tlsCertFile,
    tlsPrivateKeyFile: settings.tlsPrivateKeyFile,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: settings.healthzPort,
    containerRuntimeEndpoint: `unix://${layout.containerdSocket}`,
    runtimeRequestTimeout: `${settings.runtimeRequestTimeoutSeconds}s`,
    cgroupDriver: settings.cgroupDriver,
    cgroupRoot: layout.cgroupRoot,
    // This machine class runs cgroup v1 (hybrid); kubelet 1.34 refuses it unless told otherwise.
    failCgroupV1: false,
    failSwapOn: false,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: settings.caCert } },
    authorization: { mode: 'AlwaysAllow' },
    // There is no registry: an image garbage-collected by the kubelet could never come back.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // A busy build machine's disk must not evict the pods being measured.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    localStorageCapacityIsolation: false,
    maxPods: 250,
    serializeImagePulls: false,
    podLogsDir: layout.podLogsDir,
    resolvConf: '/etc/resolv.conf',
  });
}

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function mergeInto(base: Table, patch: Table): Table {
  const merged: Table = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    merged[key] = isTable(value) && isTable(merged[key]) ? mergeInto(merged[key], value) : value;
  }
  return merged;
}

/** Parses a containerd config patch (TOML); a patch that is not TOML is bad input. */
export function parseConfigPatch(patch: string, index: number): Table {
  try {
    return parseToml(patch) as Table;
  } catch (error) {
    throw new InputError(`containerd config patch #${index + 1} is not valid TOML: ${describeCause(error)}`);
  }
}

/** Applies containerd config patches the way kind does: each TOML table merged over the config, later patches win. */
export function applyConfigPatches(config: Table, patches: readonly string[]): Table {
  return patches.reduce((acc, patch, index) => mergeInto(acc, parseConfigPatch(patch, index)), config);
}

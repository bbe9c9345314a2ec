import { readFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { cgroupVersion, kernelRelease } from '../runtime/host.js';
import type { RuntimeRecord } from '../targets/cri/cri-session.js';
import type { ProvidedClusterRecord } from './cluster-pool.js';
import type { ClusterRecord } from '../targets/kube/kube-session.js';
import { packagePath } from '../util/package-root.js';

export interface EnvironmentRecord {
  schemaVersion: 1;
  podchurnVersion: string;
  host: { hostname: string; os: string; kernel: string; cgroup: string; cpus: number; memoryBytes: number; node: string };
  runtimes: RuntimeRecord[];
  /** Kubernetes APIs a kube target used (absent when every cell ran on CRI). */
  clusters?: ClusterRecord[];
  /** Clusters a provider brought up or attached to for the run (scenario `cluster` block). */
  providedClusters?: ProvidedClusterRecord[];
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function podchurnVersion(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function describeHost(): EnvironmentRecord['host'] {
  return {
    hostname: hostname(),
    os: osName(),
    kernel: kernelRelease(),
    cgroup: cgroupVersion(),
    cpus: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
  };
}

import { readFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { cgroupVersion, kernelRelease } from '../runtime/host.js';
import type { EnvironmentRecord } from '../results/environment.js';
import { packagePath } from '../util/package-root.js';

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

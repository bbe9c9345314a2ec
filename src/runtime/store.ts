import { InputError } from '../errors.js';
import { whichProgram } from '../util/exec.js';
import type { BinarySet } from './binary-set.js';

/** `1.7.22`, `containerd@1.7.22` and `system` all name the same kind of key. */
export function normaliseKey(component: 'containerd' | 'runc', key: string): string {
  return key.includes('@') ? key : `${component}@${key}`;
}

async function systemBinary(name: string, aptPackage: string): Promise<string> {
  const path = await whichProgram(name);
  if (!path) throw new InputError(`${name} is not installed on this host; install Debian's ${aptPackage} (apt-get install ${aptPackage}) or pick a pinned runtime.`);
  return path;
}

/** Resolves the binaries for a containerd key and a runc key. */
export async function resolveBinarySet(containerdKey: string, runcKey: string): Promise<BinarySet> {
  const containerd = normaliseKey('containerd', containerdKey);
  const runc = normaliseKey('runc', runcKey);
  for (const key of [containerd, runc]) {
    if (!key.endsWith('@system')) {
      throw new InputError(`runtime "${key}" is not available: only the system runtime (containerd@system, runc@system) can be used in this version.`);
    }
  }
  return {
    containerdKey: containerd,
    runcKey: runc,
    containerd: await systemBinary('containerd', 'containerd'),
    shim: await systemBinary('containerd-shim-runc-v2', 'containerd'),
    ctr: await systemBinary('ctr', 'containerd'),
    runc: await systemBinary('runc', 'runc'),
  };
}

import type { NodePins } from 'kind-node-wrapper';
import { parseKey, type InstallOptions, type RuntimeStore } from '../../../runtime/store.js';

/**
 * The runtime store's binaries for a spec's pins, in the form kind-node-wrapper copies into nodes;
 * 'system' means the node image's own (nothing to copy). A pin the store lacks is installed first.
 */
export async function resolveNodePins(
  spec: { containerd: string; runc: string },
  store: RuntimeStore,
  options: Pick<InstallOptions, 'onProgress'> = {},
): Promise<NodePins> {
  const pins: NodePins = {};
  const containerd = parseKey('containerd', spec.containerd);
  if (containerd.version !== 'system') {
    const binaries = await store.ensure(containerd, { autoInstall: true, onProgress: options.onProgress });
    pins.containerd = {
      version: containerd.version,
      binaries: { containerd: binaries.containerd!, 'containerd-shim-runc-v2': binaries['containerd-shim-runc-v2']!, ctr: binaries.ctr! },
    };
  }
  const runc = parseKey('runc', spec.runc);
  if (runc.version !== 'system') {
    const binaries = await store.ensure(runc, { autoInstall: true, onProgress: options.onProgress });
    pins.runc = { version: runc.version, binary: binaries.runc! };
  }
  return pins;
}

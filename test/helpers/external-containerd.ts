import { join } from 'node:path';
import { PAUSE_IMAGE } from '../../src/images/builtin-images.js';
import type { ManagedContainerdOptions } from '../../src/runtime/managed-containerd.js';
import { RuntimeStore } from '../../src/runtime/store.js';

/** Options for a system containerd the test starts itself, outside podchurn run (an "existing endpoint"). */
export async function externalContainerdOptions(work: string, name: string): Promise<ManagedContainerdOptions> {
  return {
    binaries: await new RuntimeStore().resolveBinarySet('system', 'system', { autoInstall: false }),
    instance: `${name}-${process.pid}`,
    rootBase: join(work, 'root'),
    stateBase: join(work, 'state'),
    logFile: join(work, 'containerd.log'),
    logLevel: 'info',
    restrictOomScoreAdj: true,
    sandboxImage: PAUSE_IMAGE,
    cgroupParent: `/podchurn/${name}-${process.pid}`,
  };
}

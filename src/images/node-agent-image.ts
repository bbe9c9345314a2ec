import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeStore, parseKey } from '../runtime/store.js';
import { packagePath } from '../util/package-root.js';
import { NODE_AGENT_IMAGE, busyboxBinary, type BuiltImage } from './builtin-images.js';
import { cachedImageFile, contentKey } from './image-cache.js';
import { CRI_TOOLS_FOR_NODE } from './kind-node/node-image.js';
import { writeOciArchive, type ImageDefinition, type LayerEntry } from './oci-archive.js';

/** What agent.sh runs besides crictl: a shell, text tools, /proc reading and wget (containerd's metrics), all busybox applets. */
const agentApplets = ['sh', 'sleep', 'cat', 'sed', 'tr', 'awk', 'grep', 'wc', 'tail', 'date', 'readlink', 'head', 'printf', 'ls', 'wget', 'timeout'];

export interface NodeAgentImage extends BuiltImage {
  /** The store key whose static crictl the image carries; absent when that key is not installed (then no CRI state is reported). */
  criTools?: string;
}

/**
 * busybox + agent.sh + a static crictl from the runtime store (cri-tools@1.34.0, the one kind node
 * images carry). crictl is taken only when installed: building it takes minutes, and without it the
 * agent still reports the shims; `podchurn runtime fetch cri-tools@1.34.0` adds it.
 */
export async function buildNodeAgentImage(store: RuntimeStore = new RuntimeStore()): Promise<NodeAgentImage> {
  const busybox = await busyboxBinary();
  const agent = await readFile(join(packagePath('images'), 'node-agent', 'agent.sh'));
  const installed = await store.get(parseKey('cri-tools', CRI_TOOLS_FOR_NODE).key);
  const crictlPath = installed?.binaries.crictl;
  const crictl = crictlPath ? await readFile(crictlPath) : undefined;
  const entries: LayerEntry[] = [
    { type: 'dir', path: 'bin', mode: 0o755 },
    { type: 'dir', path: 'run', mode: 0o755 },
    { type: 'file', path: 'bin/busybox', content: busybox, mode: 0o755 },
    ...agentApplets.map((applet): LayerEntry => ({ type: 'symlink', path: `bin/${applet}`, target: 'busybox' })),
    ...(crictl ? [{ type: 'file' as const, path: 'bin/crictl', content: crictl, mode: 0o755 }] : []),
    { type: 'file', path: 'podchurn-node-agent', content: agent, mode: 0o755 },
  ];
  const definition: ImageDefinition = {
    reference: NODE_AGENT_IMAGE,
    entries,
    entrypoint: ['/podchurn-node-agent'],
    labels: { 'io.podchurn.image': 'node-agent', ...(crictl ? { 'io.podchurn.cri-tools': CRI_TOOLS_FOR_NODE } : {}) },
  };
  const key = contentKey(busybox, agent, crictl ?? 'no-crictl', NODE_AGENT_IMAGE);
  const archive = await cachedImageFile('node-agent', key, (file) => writeOciArchive(definition, file));
  return { reference: NODE_AGENT_IMAGE, archive, ...(crictl ? { criTools: CRI_TOOLS_FOR_NODE } : {}) };
}

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructureError } from '../errors.js';
import { cacheDir } from '../util/dirs.js';
import { runCommand, whichProgram } from '../util/exec.js';
import { cachedImageFile, contentKey } from './image-cache.js';
import { writeOciArchive, type ImageDefinition, type LayerEntry } from './oci-archive.js';
import { packagePath } from '../util/package-root.js';

/** The images podchurn builds itself, so no registry is ever needed. */
export const WORKLOAD_IMAGE = 'podchurn.local/workload:1';
export const PAUSE_IMAGE = 'podchurn.local/pause:1';
/** podchurn's node agent (images/node-agent/agent.sh; built by node-agent-image.ts). */
export const NODE_AGENT_IMAGE = 'podchurn.local/node-agent:1';

const imageSourceDir = packagePath('images');
const busyboxApplets = ['sh', 'sleep', 'true', 'false', 'echo', 'date', 'cat', 'ls', 'ps', 'kill', 'env', 'hostname'];

export interface BuiltImage {
  reference: string;
  archive: string;
}

/** Debian's static busybox: the one userland of podchurn's images (the workload and the node agent). */
export async function busyboxBinary(): Promise<Buffer> {
  const path = (await whichProgram('busybox')) ?? '/bin/busybox';
  if (!existsSync(path)) {
    throw new InfrastructureError("busybox is not installed; the workload image is built from Debian's busybox-static (apt-get install busybox-static).");
  }
  const file = await runCommand('file', ['-L', path]).catch(() => undefined);
  if (file && file.exitCode === 0 && !/statically linked|static-pie/.test(file.stdout)) {
    throw new InfrastructureError(`${path} is dynamically linked; install Debian's busybox-static (apt-get install busybox-static).`);
  }
  return readFile(path);
}

export async function buildWorkloadImage(): Promise<BuiltImage> {
  const busybox = await busyboxBinary();
  const entrypoint = await readFile(join(imageSourceDir, 'workload', 'entrypoint.sh'));
  const key = contentKey(busybox, entrypoint, WORKLOAD_IMAGE);
  const entries: LayerEntry[] = [
    { type: 'dir', path: 'bin', mode: 0o755 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'file', path: 'bin/busybox', content: busybox, mode: 0o755 },
    ...busyboxApplets.map((applet): LayerEntry => ({ type: 'symlink', path: `bin/${applet}`, target: 'busybox' })),
    { type: 'file', path: 'podchurn-workload', content: entrypoint, mode: 0o755 },
  ];
  const definition: ImageDefinition = {
    reference: WORKLOAD_IMAGE,
    entries,
    entrypoint: ['/podchurn-workload'],
    labels: { 'io.podchurn.image': 'workload' },
  };
  const archive = await cachedImageFile('workload', key, (file) => writeOciArchive(definition, file));
  return { reference: WORKLOAD_IMAGE, archive };
}

const pauseSource = join(imageSourceDir, 'pause', 'pause.c');

/**
 * podchurn's sandbox process (images/pause/pause.c), compiled statically once per source version
 * and kept in the image cache: every pause image, whatever it is tagged, carries this binary.
 */
export async function pauseBinary(): Promise<{ content: Buffer; sourceHash: string }> {
  const sourceHash = contentKey(await readFile(pauseSource));
  const dir = join(cacheDir(), 'images');
  const file = join(dir, `pause-${sourceHash}.bin`);
  if (!existsSync(file)) {
    const gcc = await whichProgram('gcc');
    if (!gcc) throw new InfrastructureError('gcc is needed once to build the sandbox (pause) image: apt-get install gcc libc6-dev.');
    await mkdir(dir, { recursive: true });
    const work = await mkdtemp(join(tmpdir(), 'podchurn-pause-'));
    try {
      const binary = join(work, 'pause');
      const compiled = await runCommand(gcc, ['-static', '-Os', '-s', '-o', binary, pauseSource]);
      if (compiled.exitCode !== 0) {
        throw new InfrastructureError(`building the pause binary failed (is libc6-dev installed?):\n${compiled.stderr}`);
      }
      // Moved into place whole, so a concurrent reader never sees half a binary.
      const partial = `${file}.partial-${process.pid}`;
      await writeFile(partial, await readFile(binary), { mode: 0o755 });
      await rename(partial, file);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return { content: await readFile(file), sourceHash };
}

/** A pause image under `reference`: the binary at /pause, as the sandbox images containerd and kubelet expect. */
export function pauseImageDefinition(reference: string, pause: Buffer, labels: Record<string, string> = {}): ImageDefinition {
  return { reference, entries: [{ type: 'file', path: 'pause', content: pause, mode: 0o755 }], entrypoint: ['/pause'], labels };
}

export async function buildPauseImage(): Promise<BuiltImage> {
  const source = await readFile(pauseSource);
  const key = contentKey(source, PAUSE_IMAGE);
  const archive = await cachedImageFile('pause', key, async (file) => writeOciArchive(pauseImageDefinition(PAUSE_IMAGE, (await pauseBinary()).content), file));
  return { reference: PAUSE_IMAGE, archive };
}

/** Imports archives into a containerd's k8s.io namespace (where CRI looks) with that daemon's own ctr. */
export async function importImages(ctr: string, socket: string, images: readonly BuiltImage[]): Promise<void> {
  for (const image of images) {
    const result = await runCommand(ctr, ['--address', socket, '--namespace', 'k8s.io', 'images', 'import', image.archive], {
      timeoutMs: 120_000,
    });
    if (result.exitCode !== 0) {
      throw new InfrastructureError(`importing ${image.reference} from ${image.archive} failed:\n${result.stderr.trim()}`);
    }
  }
}

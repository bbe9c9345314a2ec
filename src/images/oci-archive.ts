import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';

/** A file placed in an image layer. */
export type LayerEntry =
  | { type: 'file'; path: string; content: Buffer; mode: number }
  | { type: 'dir'; path: string; mode: number }
  | { type: 'symlink'; path: string; target: string };

export interface ImageDefinition {
  /** Full reference the image is imported under, e.g. podchurn.local/workload:1. */
  reference: string;
  entries: LayerEntry[];
  entrypoint: string[];
  env?: string[];
  labels?: Record<string, string>;
}

const fixedTime = new Date(0);

/**
 * Builds an OCI image layout as a tar (oci-layout, index.json, blobs/sha256/*) with one
 * uncompressed layer. Deterministic: the same definition always gives the same digests, so the
 * archive can be cached by content.
 */
export async function buildLayerTar(entries: readonly LayerEntry[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const entry of [...entries].sort((a, b) => a.path.localeCompare(b.path))) addEntry(pack, entry);
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

function addEntry(pack: Pack, entry: LayerEntry): void {
  const common = { name: entry.path, mtime: fixedTime, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  if (entry.type === 'file') pack.entry({ ...common, type: 'file', mode: entry.mode }, entry.content);
  else if (entry.type === 'dir') pack.entry({ ...common, type: 'directory', mode: entry.mode });
  else pack.entry({ ...common, type: 'symlink', linkname: entry.target, mode: 0o777 });
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

interface Blob {
  digest: string;
  data: Buffer;
}

function blob(data: Buffer | string): Blob {
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { digest: sha256(buffer), data: buffer };
}

/** Writes the OCI archive for `image` to `file` (atomically) and returns the manifest digest. */
export async function writeOciArchive(image: ImageDefinition, file: string): Promise<string> {
  const layer = blob(await buildLayerTar(image.entries));
  const config = blob(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: image.entrypoint, Env: image.env ?? ['PATH=/bin'], Labels: image.labels ?? {} },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layer.digest}`] },
      history: [{ created: fixedTime.toISOString(), created_by: 'podchurn image builder' }],
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${config.digest}`, size: config.data.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layer.digest}`, size: layer.data.length }],
    }),
  );
  const tag = image.reference.slice(image.reference.lastIndexOf(':') + 1);
  const index = JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${manifest.digest}`,
        size: manifest.data.length,
        platform: { architecture: 'amd64', os: 'linux' },
        // containerd names the imported image from its own annotation; the OCI one holds only the tag.
        annotations: { 'io.containerd.image.name': image.reference, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  });

  const archive = tarPack();
  const common = { mtime: fixedTime, uid: 0, gid: 0, mode: 0o644 };
  archive.entry({ ...common, name: 'oci-layout' }, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  archive.entry({ ...common, name: 'index.json' }, index);
  for (const item of [layer, config, manifest]) archive.entry({ ...common, name: `blobs/sha256/${item.digest}` }, item.data);
  archive.finalize();
  const partial = `${file}.partial-${process.pid}`;
  await pipeline(archive, createWriteStream(partial));
  await rename(partial, file);
  return `sha256:${manifest.digest}`;
}

import { createHash } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { InfrastructureError } from '../../errors.js';
import type { Component } from '../catalog.js';

/** Where a release lives: URL templates with {version}, and optionally a sha256 pinned in the catalog. */
export interface ReleaseSpec {
  releaseUrl: string;
  checksumUrl?: string;
  sha256?: string;
}

const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

async function download(url: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: 'follow' });
  } catch (error) {
    throw new InfrastructureError(
      `cannot download ${url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
      { cause: error },
    );
  }
  if (!response.ok) throw new InfrastructureError(`cannot download ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The digest for `fileName` in a sha256sum-style file ("<hex>  <name>" per line, or a bare digest). */
export function digestFromChecksumFile(text: string, fileName: string): string | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const line of lines) {
    const [digest, name] = line.split(/\s+\*?/, 2);
    if (digest && /^[0-9a-f]{64}$/i.test(digest) && (name === undefined || basename(name) === fileName)) return digest.toLowerCase();
  }
  return undefined;
}

/** Downloads a release artefact and checks it against the pinned or published sha256 before anything uses it. */
export async function downloadVerified(spec: ReleaseSpec, version: string): Promise<{ data: Buffer; url: string; sha256: string }> {
  const url = spec.releaseUrl.replaceAll('{version}', version);
  let expected = spec.sha256;
  if (!expected) {
    if (!spec.checksumUrl) throw new InfrastructureError(`no checksum is known for ${url}; refusing to use it unverified.`);
    const checksumUrl = spec.checksumUrl.replaceAll('{version}', version);
    expected = digestFromChecksumFile((await download(checksumUrl)).toString('utf8'), basename(new URL(url).pathname));
    if (!expected) throw new InfrastructureError(`${checksumUrl} lists no sha256 for ${basename(new URL(url).pathname)}; refusing to use it unverified.`);
  }
  const data = await download(url);
  const actual = createHash('sha256').update(data).digest('hex');
  if (actual !== expected) throw new InfrastructureError(`checksum mismatch for ${url}: expected ${expected}, got ${actual}; the download was discarded.`);
  return { data, url, sha256: actual };
}

/** Extracts the named entries' basenames from a .tar.gz into `outDir` (containerd release layout: bin/<name>). */
async function extractBinaries(archive: Buffer, wanted: readonly string[], outDir: string): Promise<string[]> {
  const found: string[] = [];
  const extractor = extract();
  extractor.on('entry', (header, stream, next) => {
    const name = basename(header.name);
    if (header.type === 'file' && wanted.includes(name)) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        writeFile(join(outDir, name), Buffer.concat(chunks), { mode: 0o755 })
          .then(() => {
            found.push(name);
            next();
          })
          .catch(next);
      });
    } else {
      stream.on('end', () => next());
      stream.resume();
    }
  });
  await pipeline(Readable.from(archive), createGunzip(), extractor);
  return found;
}

export async function installRelease(
  component: Component,
  version: string,
  spec: ReleaseSpec,
  outDir: string,
  wanted: readonly string[] = ['containerd', 'containerd-shim-runc-v2', 'ctr'],
): Promise<{ url: string; sha256: string }> {
  const { data, url, sha256 } = await downloadVerified(spec, version);
  await mkdir(outDir, { recursive: true });
  if (component === 'runc') {
    await writeFile(join(outDir, 'runc'), data);
    await chmod(join(outDir, 'runc'), 0o755);
  } else {
    // An archive (containerd's, or Kubernetes' server tarball): the wanted binaries by basename.
    const found = await extractBinaries(data, wanted, outDir);
    const missing = wanted.filter((w) => !found.includes(w));
    if (missing.length) throw new InfrastructureError(`${url} does not contain ${missing.join(', ')}`);
  }
  return { url, sha256 };
}

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../util/dirs.js';

/** A short hash of everything an image is made from: a new input gives a new file, so a cached archive is never stale. */
export function contentKey(...parts: (Buffer | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 16);
}

/** The file `<cache>/images/<name>-<key>.oci.tar`, built by `build` only when it does not exist yet. */
export async function cachedImageFile(name: string, key: string, build: (file: string) => Promise<unknown>): Promise<string> {
  const dir = join(cacheDir(), 'images');
  const file = join(dir, `${name}-${key}.oci.tar`);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    await build(file);
  }
  return file;
}

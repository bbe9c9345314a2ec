import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
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

/**
 * Removes the other `<name>-<key>.oci.tar` files of `name`, keeping `keep`. For images whose content
 * changes under the same name (a rebuilt store key relinks its binaries), so the cache holds one
 * archive per reference instead of growing by hundreds of MB with every rebuild.
 */
export async function pruneSupersededImageFiles(name: string, keep: string): Promise<void> {
  const dir = join(cacheDir(), 'images');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const sameName = new RegExp(`^${escaped}-[0-9a-f]{16}\\.oci\\.tar$`);
  const files = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(files.filter((file) => sameName.test(file) && join(dir, file) !== keep).map((file) => rm(join(dir, file), { force: true })));
}

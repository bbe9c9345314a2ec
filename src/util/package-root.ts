import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The podchurn checkout or installed package (the directory of its package.json), found by walking up
 * from this module. Data files (catalog/, images/, proto/) are looked up from here, so they are found
 * the same from src/ under tsx, from dist/ as compiled, and from the one-file bundle.
 */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'podchurn') {
      root = dir;
      return root;
    }
    if (dirname(dir) === dir) throw new Error(`podchurn's package.json was not found above ${fileURLToPath(import.meta.url)}`);
  }
}

/** A path inside the package, e.g. packagePath('catalog', 'runtimes.yaml'). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

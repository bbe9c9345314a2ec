import { parse as parseToml } from 'smol-toml';

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function leafPaths(table: Table, prefix: string[] = []): string[][] {
  return Object.entries(table).flatMap(([key, value]) =>
    isTable(value) && Object.keys(value).length ? leafPaths(value, [...prefix, key]) : [[...prefix, key]],
  );
}

function valueAt(table: Table, path: readonly string[]): { found: boolean; value?: unknown } {
  let node: unknown = table;
  for (const key of path) {
    if (!isTable(node) || !(key in node)) return { found: false };
    node = node[key];
  }
  return { found: true, value: node };
}

function dotted(path: readonly string[]): string {
  return path.map((key) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key))).join('.');
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Version-2 keys that containerd 2.x's conversion to version 3 renames (not only moves), by the
 * last path segment: `sandbox_image` became `pinned_images.sandbox` in io.containerd.cri.v1.images.
 */
const renamedInVersionThree: Readonly<Record<string, readonly string[]>> = { sandbox_image: ['pinned_images', 'sandbox'] };

/** What containerd did with one key of a config patch, read from its own `containerd config dump`. */
export interface PatchKeyVerdict {
  key: string;
  /**
   * applied: the dump has the key where the patch put it; migrated: the dump has the patched value
   * under another plugin (2.x converting a version-2 key to version 3); ignored: neither.
   */
  status: 'applied' | 'migrated' | 'ignored';
  /** For migrated keys: where the dump shows the value. */
  to?: string;
}

/** A dump path ending in `tail` that holds `value`, outside the patch's own path. */
function migratedTo(effective: Table, path: readonly string[], value: unknown): string[] | undefined {
  const leaf = path[path.length - 1]!;
  const tails = [[leaf], renamedInVersionThree[leaf] ?? []].filter((tail) => tail.length > 0);
  return leafPaths(effective).find(
    (candidate) =>
      candidate[0] === path[0] &&
      dotted(candidate) !== dotted(path) &&
      tails.some((tail) => dotted(candidate.slice(-tail.length)) === dotted(tail)) &&
      sameValue(valueAt(effective, candidate).value, value),
  );
}

/**
 * Every key a config patch sets, judged against the effective configuration (`containerd config
 * dump` of the same containerd version): 1.x drops unknown keys silently, 2.x converts a version-2
 * key to its version-3 place or ignores it. `stop_timeout` is the classic ignored key: it is not a
 * containerd setting, so no value of it can change what containerd does.
 */
export function judgePatchKeys(patches: readonly string[], effectiveConfig: string): PatchKeyVerdict[] {
  const effective = parseToml(effectiveConfig) as Table;
  const verdicts = new Map<string, PatchKeyVerdict>();
  for (const patch of patches) {
    const table = parseToml(patch) as Table;
    for (const path of leafPaths(table)) {
      const key = dotted(path);
      if (valueAt(effective, path).found) {
        verdicts.set(key, { key, status: 'applied' });
        continue;
      }
      const to = migratedTo(effective, path, valueAt(table, path).value);
      verdicts.set(key, to ? { key, status: 'migrated', to: dotted(to) } : { key, status: 'ignored' });
    }
  }
  return [...verdicts.values()];
}

/** Keys a config patch set that containerd neither kept nor migrated: it parsed the patch and dropped them. */
export function ignoredPatchKeys(patches: readonly string[], effectiveConfig: string): string[] {
  return judgePatchKeys(patches, effectiveConfig)
    .filter((verdict) => verdict.status === 'ignored')
    .map((verdict) => verdict.key);
}

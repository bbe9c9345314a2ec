import { parse as parseToml } from 'smol-toml';

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function leafPaths(table: Table, prefix: string[] = []): string[][] {
  return Object.entries(table).flatMap(([key, value]) => (isTable(value) && Object.keys(value).length ? leafPaths(value, [...prefix, key]) : [[...prefix, key]]));
}

function has(table: Table, path: readonly string[]): boolean {
  let node: unknown = table;
  for (const key of path) {
    if (!isTable(node) || !(key in node)) return false;
    node = node[key];
  }
  return true;
}

function dotted(path: readonly string[]): string {
  return path.map((key) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key))).join('.');
}

/**
 * Keys a config patch set that the effective configuration (`containerd config dump`) does not
 * contain: containerd parsed the patch and silently ignored them. `stop_timeout` is the classic
 * case: it is not a containerd setting, so no value of it can change what containerd does.
 */
export function ignoredPatchKeys(patches: readonly string[], effectiveConfig: string): string[] {
  const effective = parseToml(effectiveConfig) as Table;
  const ignored = patches.flatMap((patch) => leafPaths(parseToml(patch) as Table).filter((path) => !has(effective, path)));
  return [...new Set(ignored.map(dotted))];
}

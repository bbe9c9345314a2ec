/** Dotted field paths ("runtime.containerd") over plain objects, used by `--set` and `matrix`. */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function splitPath(path: string): string[] {
  return path.split('.');
}

/** Returns a copy of `root` with `value` written at `path`, creating intermediate objects. */
export function withValueAt(root: PlainObject, path: string, value: unknown): PlainObject {
  const [head, ...rest] = splitPath(path);
  if (head === undefined || head === '') throw new Error(`empty field path "${path}"`);
  const copy: PlainObject = { ...root };
  if (rest.length === 0) {
    copy[head] = value;
  } else {
    const child = copy[head];
    copy[head] = withValueAt(isPlainObject(child) ? child : {}, rest.join('.'), value);
  }
  return copy;
}

/** Dotted paths of every non-object leaf described by a JSON Schema object (its `properties`). */
export function leafPaths(jsonSchema: unknown, prefix = ''): string[] {
  if (!isPlainObject(jsonSchema) || !isPlainObject(jsonSchema.properties)) return prefix ? [prefix] : [];
  return Object.entries(jsonSchema.properties).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');
}

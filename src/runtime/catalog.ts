import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { packagePath } from '../util/package-root.js';

const catalogDir = packagePath('catalog');

const ComponentSchema = z.object({
  releaseUrl: z.string(),
  checksumUrl: z.string().optional(),
  module: z.string(),
  versions: z.record(
    z.string(),
    z
      .object({
        note: z.string().optional(),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .optional(),
      })
      .nullable(),
  ),
});

const RuntimeCatalogSchema = z.object({
  containerd: ComponentSchema,
  runc: ComponentSchema,
  // No release download is reachable from the build machines; add a releaseUrl to enable one.
  kubernetes: ComponentSchema.extend({ releaseUrl: z.string().optional() }),
  etcd: ComponentSchema.extend({ releaseUrl: z.string().optional() }),
  'cri-tools': ComponentSchema.extend({ releaseUrl: z.string().optional() }),
  lostExitBug: z.object({
    title: z.string(),
    references: z.array(z.string()),
    affected: z.array(z.string().regex(/^\S+ - \S+$/)),
    fixedIn: z.array(z.string()),
    fixLocation: z.string(),
  }),
});

const KindNodeImageSchema = z.array(z.object({ kind: z.string(), image: z.string(), containerd: z.string(), runc: z.string() }));

export type RuntimeCatalog = z.infer<typeof RuntimeCatalogSchema>;
export const components = ['containerd', 'runc', 'kubernetes', 'etcd', 'cri-tools'] as const;
export type Component = (typeof components)[number];
export type KindNodeImage = z.infer<typeof KindNodeImageSchema>[number];

let cached: RuntimeCatalog | undefined;
export function runtimeCatalog(): RuntimeCatalog {
  cached ??= RuntimeCatalogSchema.parse(parseYaml(readFileSync(`${catalogDir}/runtimes.yaml`, 'utf8')));
  return cached;
}

export function kindNodeImages(): KindNodeImage[] {
  return KindNodeImageSchema.parse(parseYaml(readFileSync(`${catalogDir}/kind-node-images.yaml`, 'utf8')));
}

/** Numeric comparison of release versions, with pre-releases (2.0.0-rc.4) sorting before their release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.replace(/^v/, '').split('-', 2);
    return { nums: core.split('.').map(Number), pre: pre ?? null };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const diff = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === null) return 1;
  if (y.pre === null) return -1;
  return x.pre.localeCompare(y.pre, 'en', { numeric: true });
}

export type LostExitStatus = 'affected' | 'fixed' | 'unaffected' | 'unknown';

/**
 * Whether a containerd version has the lost-exit bug (containerd#10589), from the catalog's ranges.
 * A version on a line with a fix, at or after it, is `fixed`; before the first affected one, `unaffected`.
 */
export function lostExitStatus(version: string, catalog: RuntimeCatalog = runtimeCatalog()): LostExitStatus {
  const clean = version.replace(/^v/, '').replace(/[~+].*$/, '');
  if (!/^\d+\.\d+\.\d+/.test(clean)) return 'unknown';
  const line = clean.split('.').slice(0, 2).join('.');
  for (const range of catalog.lostExitBug.affected) {
    const [from = '', to = ''] = range.split(' - ');
    if (compareVersions(clean, from) >= 0 && compareVersions(clean, to) <= 0) return 'affected';
  }
  const firstAffected = catalog.lostExitBug.affected.map((r) => r.split(' - ')[0]!).find((f) => f.startsWith(`${line}.`));
  if (firstAffected && compareVersions(clean, firstAffected) < 0) return 'unaffected';
  // A fix on this line, or, for a line the bug never reached, on an earlier line of the same major version.
  const major = clean.split('.')[0];
  const fixes = catalog.lostExitBug.fixedIn.filter((f) => f.startsWith(`${line}.`) || (!firstAffected && f.split('.')[0] === major));
  if (fixes.some((f) => compareVersions(clean, f) >= 0)) return 'fixed';
  return compareVersions(clean, '1.6.29') < 0 ? 'unaffected' : 'unknown';
}

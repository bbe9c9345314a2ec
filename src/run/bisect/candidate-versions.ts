import { InputError, describeCause } from '../../errors.js';
import type { BisectCandidate, BisectDirection } from '../../results/bisect.js';
import { compareVersions } from '../../runtime/catalog.js';

/** The versions `go list -m -versions <module>` prints for one module path (v-prefixed, any order). */
export type ModuleVersionLister = (modulePath: string) => Promise<string[]>;

export interface CandidateRequest {
  good: string;
  bad: string;
  /** The component's Go module (github.com/containerd/containerd); major versions >= 2 add /vN. */
  module: string;
  /** Versions the runtime catalog names for the component. */
  catalogVersions: readonly string[];
  listVersions: ModuleVersionLister;
}

export interface CandidateList {
  good: string;
  bad: string;
  direction: BisectDirection;
  /** Oldest first: the older pin, every release between, the newer pin. */
  candidates: BisectCandidate[];
  notes: string[];
}

interface Release {
  major: number;
  minor: number;
  patch: number;
}

/** `1.7.13` or `v1.7.13`: released versions only (a bisect over release candidates or `system` means nothing). */
export function parseReleaseVersion(text: string, flag: string): string {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) throw new InputError(`${flag} ${JSON.stringify(text)}: give a released version like 1.7.13 (no pre-release, no "system").`);
  return `${Number(match[1])}.${Number(match[2])}.${Number(match[3])}`;
}

function release(version: string): Release {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return { major, minor, patch };
}

const lineOf = (r: Release) => `${r.major}.${r.minor}`;
const modulePathFor = (module: string, major: number) => (major >= 2 ? `${module}/v${major}` : module);

/**
 * The released versions between two pins, both included, oldest first. On one release line (same
 * major.minor) patch numbers are contiguous, so every patch between is a candidate without asking anyone.
 * Across lines the catalog's versions and the module proxy's list say which lines exist and how far each
 * went; the proxy's list is partial (it has 1.7.15 and 1.7.18 but not 1.7.16), so every patch up to the
 * highest one seen on a line is a candidate too, marked as inferred. A version neither source names beyond
 * that is not invented.
 */
export async function candidateVersions(request: CandidateRequest): Promise<CandidateList> {
  const good = parseReleaseVersion(request.good, '--good');
  const bad = parseReleaseVersion(request.bad, '--bad');
  if (good === bad) throw new InputError(`--good and --bad are both ${good}: a bisection needs two different versions.`);
  const direction: BisectDirection = compareVersions(good, bad) < 0 ? 'first-bad' : 'first-fixed';
  const [older, newer] = direction === 'first-bad' ? [good, bad] : [bad, good];
  const from = release(older);
  const to = release(newer);
  const notes: string[] = [];
  const known = new Map<string, Set<BisectCandidate['knownFrom'][number]>>();
  const mark = (version: string, source: BisectCandidate['knownFrom'][number]) => {
    const set = known.get(version) ?? new Set();
    set.add(source);
    known.set(version, set);
  };

  if (lineOf(from) === lineOf(to)) {
    for (let patch = from.patch; patch <= to.patch; patch++) mark(`${from.major}.${from.minor}.${patch}`, 'contiguous');
    notes.push(`one release line (${lineOf(from)}): patches ${from.patch} to ${to.patch} are contiguous; the module proxy was not asked`);
  } else {
    for (const version of request.catalogVersions) if (/^\d+\.\d+\.\d+$/.test(version)) mark(version, 'catalog');
    for (let major = from.major; major <= to.major; major++) {
      const path = modulePathFor(request.module, major);
      try {
        const listed = (await request.listVersions(path)).map((v) => v.replace(/^v/, '')).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
        for (const version of listed) if (release(version).major === major) mark(version, 'proxy-list');
        notes.push(`go list -m -versions ${path}: ${listed.length} release(s)`);
      } catch (error) {
        notes.push(`go list -m -versions ${path} failed (${describeCause(error).split('\n')[0]}); lines known from the catalog only`);
      }
    }
    // Fill every line up to the highest patch seen on it: the lists skip releases that exist.
    const highestPatch = new Map<string, number>();
    for (const version of known.keys()) {
      const r = release(version);
      highestPatch.set(lineOf(r), Math.max(highestPatch.get(lineOf(r)) ?? 0, r.patch));
    }
    for (const [line, highest] of highestPatch) {
      for (let patch = 0; patch <= highest; patch++) mark(`${line}.${patch}`, 'contiguous');
    }
    // The pins themselves are candidates whatever the lists say.
    mark(older, 'contiguous');
    mark(newer, 'contiguous');
  }

  const inRange = [...known.entries()].filter(([version]) => compareVersions(version, older) >= 0 && compareVersions(version, newer) <= 0);
  const candidates: BisectCandidate[] = inRange
    .sort(([a], [b]) => compareVersions(a, b))
    .map(([version, sources]) => {
      const listed = (['catalog', 'proxy-list'] as const).filter((s) => sources.has(s));
      return { version, knownFrom: listed.length ? [...listed] : ['contiguous'] };
    });
  const inferred = candidates.filter((c) => c.knownFrom[0] === 'contiguous').map((c) => c.version);
  if (inferred.length && lineOf(from) !== lineOf(to)) notes.push(`inferred from contiguous patch numbers (in no list): ${inferred.join(', ')}`);
  return { good, bad, direction, candidates, notes };
}

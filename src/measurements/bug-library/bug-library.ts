import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { compareVersions } from '../../runtime/catalog.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { packagePath } from '../../util/package-root.js';
import { signatureCatalog } from '../log-signatures/signatures.js';
import { parseOccurrenceMeasure, type OccurrenceMeasure } from '../occurrence/occurrence.js';

/**
 * The library of known termination bugs (catalog/bugs.yaml): what each bug is, which releases have it,
 * the scenario that provokes it and the measure by which one pod counts as an occurrence. `podchurn suite`
 * runs these entries against a candidate runtime; docs/BUGS.md holds the measured controls they cite.
 */

const version = z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/, 'must be a release version such as 1.7.22 or 2.0.0-rc.5');
const range = z
  .string()
  .regex(/^\S+ - \S+$/, 'must be "FIRST - LAST" (both affected), or "*" for every release')
  .or(z.literal('*'));

const ComponentRangesSchema = z
  .object({
    affected: z.array(range).min(1).describe('Inclusive ranges of affected releases; "*" = every release (an open bug)'),
    fixed: z.array(version).default([]).describe('First fixed release of each line'),
    note: z.string().min(1).optional().describe('What the ranges rest on, where upstream does not say everything'),
  })
  .strict();

const SignatureNoteSchema = z
  .object({
    id: z.string().min(1).optional().describe("An id of podchurn's log-signature catalog (src/measurements/log-signatures/signatures.ts)"),
    text: z.string().min(1).describe('The log text, as the runtime writes it'),
    benignAlone: z.boolean().describe('True when the line is harmless by itself and only counts next to another symptom'),
    note: z.string().min(1).optional(),
  })
  .strict();

const ControlSchema = z
  .object({
    containerd: z.string().min(1),
    runc: z.string().min(1),
    trials: z.int().positive(),
    occurrences: z.int().nonnegative(),
    command: z.string().min(1).describe('The exact command that measured it'),
    result: z.string().regex(/^docs\/results\/bugs\/\S+$/, 'must be a file under docs/results/bugs/'),
  })
  .strict();

const BugSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case letters, digits and "-" (e.g. containerd-10589)'),
    title: z.string().min(1),
    references: z.array(z.string().min(1)).min(1),
    components: z
      .partialRecord(z.enum(['containerd', 'runc']), ComponentRangesSchema)
      .refine((c) => Object.keys(c).length > 0, 'must name at least one component'),
    signatures: z.array(SignatureNoteSchema).default([]),
    scenario: z.string().min(1),
    occurrence: z.string().min(1).describe('An occurrence measure (src/measurements/occurrence/occurrence.ts)'),
    occurrenceNote: z.string().min(1).optional().describe('What the measure captures of the bug, and what it does not'),
    reproduced: z.boolean(),
    reason: z.string().min(1).optional().describe('Required when reproduced is false: why the controls are not measured'),
    controls: z
      .object({ positive: ControlSchema, negative: ControlSchema, negativeNote: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict();

const BugCatalogSchema = z.object({ bugs: z.array(BugSchema).min(1) }).strict();

type BugEntry = z.infer<typeof BugSchema>;
export type BugControl = z.infer<typeof ControlSchema>;

export interface Bug extends Omit<BugEntry, 'occurrence'> {
  occurrence: OccurrenceMeasure;
  /** The positive control's measured rate (occurrences / trials), when the controls were measured. */
  expectedRate: number | null;
  /** The scenario as an absolute path. */
  scenarioFile: string;
}

export const bugCatalogFile = (): string => packagePath('catalog', 'bugs.yaml');

/**
 * Loads and checks catalog/bugs.yaml (or `file`); every problem is an InputError naming the entry and field.
 * Scenario paths are relative to `root`, by default the directory above the library's own (the package
 * root for catalog/bugs.yaml), so a library kept elsewhere brings its scenarios/bugs/ beside its catalog/.
 */
export function loadBugLibrary(file: string = bugCatalogFile(), root: string = dirname(dirname(resolve(file)))): Bug[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`${file}: cannot read the bug library (${(error as Error).message.split('\n')[0]})`, { cause: error });
  }
  return parseBugLibrary(raw, file, root);
}

export function parseBugLibrary(raw: unknown, file: string, root: string): Bug[] {
  const parsed = BugCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${file}: ${describePath(raw, issue.path)}: ${issue.message}`);
  }
  const seen = new Set<string>();
  return parsed.data.bugs.map((entry) => {
    const where = `${file}: bug ${entry.id}`;
    if (seen.has(entry.id)) throw new InputError(`${where}: the id is used twice; each bug needs its own id`);
    seen.add(entry.id);
    return checkEntry(entry, where, root);
  });
}

function checkEntry(entry: BugEntry, where: string, root: string): Bug {
  const expectedScenario = `scenarios/bugs/${entry.id}.yaml`;
  if (entry.scenario !== expectedScenario) throw new InputError(`${where}: scenario must be ${expectedScenario} (got ${entry.scenario})`);
  const scenarioFile = `${root}/${entry.scenario}`;
  if (!existsSync(scenarioFile)) throw new InputError(`${where}: its scenario ${entry.scenario} does not exist`);
  const loaded = loadScenarioFile(scenarioFile);
  if (Object.keys(loaded.scenario.matrix).length > 0)
    throw new InputError(`${where}: ${entry.scenario} has a matrix; a bug scenario is one cell, the candidate's runtime comes from podchurn suite`);

  let occurrence: OccurrenceMeasure;
  try {
    occurrence = parseOccurrenceMeasure(entry.occurrence);
  } catch (error) {
    throw new InputError(`${where}: occurrence: ${(error as Error).message}`);
  }
  if (occurrence.kind === 'signature' && !signatureCatalog.some((s) => s.id === occurrence.id))
    throw new InputError(`${where}: occurrence ${entry.occurrence} names no signature of the log-signature catalog`);

  for (const [component, ranges] of Object.entries(entry.components)) checkRanges(ranges, `${where}: components.${component}`);

  for (const signature of entry.signatures) {
    if (signature.id === undefined) continue;
    const known = signatureCatalog.find((s) => s.id === signature.id);
    if (!known) throw new InputError(`${where}: signature ${signature.id} is not in the log-signature catalog`);
    if (known.benignAlone !== signature.benignAlone)
      throw new InputError(
        `${where}: signature ${signature.id} says benignAlone ${signature.benignAlone}, the log-signature catalog says ${known.benignAlone}`,
      );
  }

  if (entry.reproduced) {
    const controls = entry.controls;
    if (!controls) throw new InputError(`${where}: reproduced is true, so its measured controls (positive and negative) are required`);
    if (controls.positive.occurrences === 0)
      throw new InputError(`${where}: the positive control shows no occurrence (0 of ${controls.positive.trials}); that is not a reproduction`);
    if (entry.reason) throw new InputError(`${where}: reason explains an unreproduced bug; remove it or set reproduced: false`);
  } else {
    if (!entry.reason) throw new InputError(`${where}: reproduced is false, so a reason (why the controls are not measured) is required`);
    if (entry.controls) throw new InputError(`${where}: controls are listed but reproduced is false; a measured pair means reproduced: true`);
  }
  const expectedRate = entry.controls ? entry.controls.positive.occurrences / entry.controls.positive.trials : null;
  return { ...entry, occurrence, expectedRate, scenarioFile };
}

function checkRanges(ranges: z.infer<typeof ComponentRangesSchema>, where: string): void {
  const open = ranges.affected.includes('*');
  if (open && ranges.affected.length > 1) throw new InputError(`${where}.affected: "*" (every release) cannot be combined with ranges`);
  if (open && ranges.fixed.length > 0) throw new InputError(`${where}: affected "*" means unfixed, yet fixed lists ${ranges.fixed.join(', ')}`);
  for (const text of ranges.affected) {
    if (text === '*') continue;
    const [first = '', last = ''] = text.split(' - ');
    for (const end of [first, last]) {
      if (!version.safeParse(end).success) throw new InputError(`${where}.affected: "${text}": ${end} is not a release version such as 1.7.14`);
    }
    if (compareVersions(first, last) > 0) throw new InputError(`${where}.affected: "${text}" starts after it ends`);
    for (const fixed of ranges.fixed) {
      if (compareVersions(fixed, first) >= 0 && compareVersions(fixed, last) <= 0)
        throw new InputError(`${where}: ${fixed} is listed as fixed but lies in the affected range "${text}"`);
    }
  }
}

/**
 * The entries named by `ids`, in the order asked; an unknown id is an InputError listing the known ones.
 * Without ids, the reproduced entries: only a measured positive control makes "not observed" mean something.
 */
export function selectBugs(library: readonly Bug[], ids: readonly string[]): Bug[] {
  if (ids.length === 0) return library.filter((b) => b.reproduced);
  return ids.map((id) => {
    const bug = library.find((b) => b.id === id);
    if (!bug) throw new InputError(`no bug ${JSON.stringify(id)} in the bug library; known: ${library.map((b) => b.id).join(', ')}`);
    return bug;
  });
}

export type VersionStatus = 'affected' | 'fixed' | 'unaffected' | 'unknown';

/**
 * What the catalog says of one release of a component: affected (in a range), fixed (at or after a fix
 * of its own line), unaffected (before the first affected release of its line), else unknown.
 */
export function catalogedStatus(bug: Bug, component: 'containerd' | 'runc', release: string): VersionStatus {
  const ranges = bug.components[component];
  const clean = release.replace(/^v/, '').replace(/[~+].*$/, '');
  if (!ranges || !version.safeParse(clean).success) return 'unknown';
  if (ranges.affected.includes('*')) return 'affected';
  const line = (v: string) => v.split('.').slice(0, 2).join('.');
  for (const text of ranges.affected) {
    const [first = '', last = ''] = text.split(' - ');
    if (compareVersions(clean, first) >= 0 && compareVersions(clean, last) <= 0) return 'affected';
  }
  const firstOnLine = ranges.affected.map((t) => t.split(' - ')[0]!).find((f) => line(f) === line(clean));
  // A fix on this line at or before the release; for a line the bug never reached (2.1 after a fix in
  // 2.0.0), a fix on an earlier line of the same major version.
  const major = (v: string) => v.split('.')[0];
  const fixes = ranges.fixed.filter((f) => line(f) === line(clean) || (!firstOnLine && major(f) === major(clean)));
  if (fixes.some((f) => compareVersions(clean, f) >= 0)) return 'fixed';
  if (firstOnLine && compareVersions(clean, firstOnLine) < 0) return 'unaffected';
  return 'unknown';
}

function describePath(raw: unknown, path: readonly PropertyKey[]): string {
  // "bugs[2] (containerd-6080).components" reads better than a bare index.
  const [top, index, ...rest] = path;
  if (top === 'bugs' && typeof index === 'number') {
    const entry = (raw as { bugs?: { id?: unknown }[] }).bugs?.[index];
    const name = typeof entry?.id === 'string' ? ` (${entry.id})` : '';
    return `bugs[${index}]${name}${rest.length ? `.${rest.map(String).join('.')}` : ''}`;
  }
  return path.length ? path.map(String).join('.') : 'the document';
}

import { InputError } from '../errors.js';
import { isPlainObject, type PlainObject } from './paths.js';
import type { CellSettings, TargetType } from './schema.js';

/**
 * Config honesty for scenarios: a key the user wrote (in the file, with --set, or as a matrix axis)
 * must change what a run does. A key that would be silently ignored is refused, naming the field,
 * why it has no effect and what to write instead. A key written once must take effect in at least
 * one cell (delaySeconds next to an onSigterm axis is fine); a matrix axis must take effect in every
 * cell, or some of its cells would differ only in their names.
 */

/** The cell a check looks at, with the cell's name for the message. */
export interface HonestyCell {
  name: string;
  settings: CellSettings;
}

/** A field that has no effect in some cells, why, and what to write instead. */
export interface FieldRule {
  paths: readonly string[];
  /** Why the field does nothing in this cell, or undefined when it is used. */
  noEffect(settings: CellSettings): string | undefined;
  /** What the user can write instead. */
  instead: string;
  /** Checked only when the field is a matrix axis (written once, it still has its other uses). */
  axisOnly?: boolean;
}

/**
 * What one target type adds to these checks (each target driver has its own, in targets/): the fields
 * its cells ignore, and settings its cells cannot honour. Rules of one target apply to its cells only.
 */
export interface TargetScenarioRules {
  readonly fieldRules: readonly FieldRule[];
  /** Why a cell of this target cannot run as written (refused), or undefined. `written` holds every path written or varied. */
  cellProblem(settings: CellSettings, written: ReadonlySet<string>): string | undefined;
}

export type TargetRulesLookup = (type: TargetType) => TargetScenarioRules;

const probeDetailPaths = ['execProbe.periodMs', 'execProbe.timeoutSeconds', 'execProbe.command', 'execProbe.workers'] as const;

const fieldRules: readonly FieldRule[] = [
  {
    paths: ['batchSize'],
    noEffect: (s) => (s.batchSize > s.pods ? `at ${s.batchSize}, above pods ${s.pods} (every batch is the cycle's ${s.pods} pods)` : undefined),
    instead: 'Set batchSize to at most pods.',
  },
  {
    paths: ['concurrency'],
    noEffect: (s) =>
      s.concurrency > s.batchSize
        ? `at ${s.concurrency}, above batchSize ${s.batchSize} (a batch finishes before the next starts, so at most batchSize calls are in flight)`
        : undefined,
    instead: 'Set concurrency to at most batchSize.',
  },
  {
    paths: ['workload.delaySeconds'],
    noEffect: (s) =>
      s.workload.onSigterm !== 'delay'
        ? `with workload.onSigterm "${s.workload.onSigterm}" (the workload waits delaySeconds only with onSigterm "delay")`
        : undefined,
    instead: 'Set workload.onSigterm: delay (allowed: exit, ignore, delay), or remove workload.delaySeconds.',
  },
  {
    paths: probeDetailPaths,
    noEffect: (s) => (s.execProbe.enabled ? undefined : 'with execProbe.enabled false (no probes run)'),
    instead: 'Remove execProbe.enabled: false to run the probes (a written execProbe block turns them on), or remove the other execProbe fields.',
  },
  {
    paths: ['cluster.kubernetes', 'cluster.containerdConfigPatches', 'cluster.config', 'cluster.nodeImage', 'cluster.keep'],
    noEffect: (s) =>
      s.cluster?.provider === 'existing'
        ? 'with cluster.provider "existing" (podchurn attaches to that cluster as it is: it never creates, changes or removes it)'
        : undefined,
    instead: 'Remove the field, or use cluster.provider local or kind (allowed: local, kind, existing).',
  },
  {
    paths: ['cluster.config', 'cluster.nodeImage'],
    noEffect: (s) =>
      s.cluster?.provider === 'local'
        ? 'with cluster.provider "local" (a local cluster runs from processes on this host: no kind config, no node image)'
        : undefined,
    instead: 'Remove the field, or use cluster.provider: kind.',
  },
  {
    paths: ['cluster.kubernetes'],
    noEffect: (s) =>
      s.cluster?.provider === 'kind' && s.cluster.nodeImage && !s.cluster.nodeImageBuild
        ? `with cluster.nodeImage ${s.cluster.nodeImage} and no nodeImageBuild (the node image decides the Kubernetes version)`
        : undefined,
    instead: 'Remove cluster.kubernetes, or remove cluster.nodeImage so podchurn picks the image for that version.',
  },
];

/** A runtime step needs a cycle to happen in (whether the target can step at all is its own rule). */
function runtimeStepProblem(settings: CellSettings): string | undefined {
  const step = settings.runtimeStep;
  if (step && step.afterCycleHold > settings.cycles) {
    return (
      `runtimeStep.afterCycleHold ${step.afterCycleHold} is after the last cycle ` +
      `(cycles ${settings.cycles}), so the step would never happen. Set afterCycleHold to at most cycles.`
    );
  }
  return undefined;
}

/** A target's rule applies to that target's cells; in any other cell the field is someone else's business. */
function forTarget(type: TargetType, rule: FieldRule): FieldRule {
  return { ...rule, noEffect: (settings) => (settings.target.type === type ? rule.noEffect(settings) : undefined) };
}

/** Dotted paths of every leaf the user wrote: scalars and lists; an empty block has none. */
export function writtenLeafPaths(raw: PlainObject, prefix = ''): string[] {
  return Object.entries(raw).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return isPlainObject(value) ? writtenLeafPaths(value, path) : [path];
  });
}

/** What the user wrote: the scenario document after --set, before defaults, and the --set assignments. */
export interface WrittenScenario {
  raw: PlainObject;
  overrides: readonly string[];
}

/** The field paths the --set assignments wrote (left of "="). */
function overridePaths(overrides: readonly string[]): string[] {
  return overrides.flatMap((assignment) => {
    const separator = assignment.indexOf('=');
    return separator > 0 ? [assignment.slice(0, separator).trim()] : [];
  });
}

const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);

/**
 * A field written and also a matrix axis: the axis values replace it in every cell. That is refused
 * when both come from the same place (the file, or --set) and when a --set value would lose to the
 * file's axis; a matrix given with --set may replace a value the file wrote (the later source wins,
 * as --set always does).
 */
function refuseShadowedByAxis(file: string, writtenPaths: ReadonlySet<string>, axisPaths: readonly string[], overrides: readonly string[]): void {
  const setPaths = overridePaths(overrides);
  const fromSet = (path: string) => setPaths.find((setPath) => isUnder(path, setPath));
  for (const axis of axisPaths) {
    if (!writtenPaths.has(axis)) continue;
    const axisAssignment = setPaths.find((setPath) => setPath === 'matrix' || setPath === `matrix.${axis}`);
    const valueAssignment = fromSet(axis);
    if (axisAssignment && !valueAssignment) continue;
    if (valueAssignment && !axisAssignment) {
      throw new InputError(
        `${file}: --set ${valueAssignment}=...: ${axis} is a matrix axis of the scenario, whose values replace it in every cell. Change the axis ` +
          `instead: --set 'matrix={${axis}: [...]}' replaces the whole matrix (matrix.<field> works for fields without a dot).`,
      );
    }
    throw new InputError(
      `${file}: ${axis} is written and is also a matrix axis, whose values replace it in every cell. Remove ${axis} (the axis supplies it), or the axis.`,
    );
  }
}

/**
 * Refuses, with an InputError (exit 2), the first written key or matrix axis that would have no
 * effect.
 */
export function refuseIneffectiveSettings(
  file: string,
  written: WrittenScenario,
  axisPaths: readonly string[],
  cells: readonly HonestyCell[],
  rulesFor: TargetRulesLookup,
): void {
  const { matrix: _matrix, ...fields } = written.raw;
  const writtenPaths = new Set(writtenLeafPaths(fields));
  refuseShadowedByAxis(file, writtenPaths, axisPaths, written.overrides);
  const targetTypes = [...new Set(cells.map((cell) => cell.settings.target.type))];
  const rules = [...fieldRules, ...targetTypes.flatMap((type) => rulesFor(type).fieldRules.map((rule) => forTarget(type, rule)))];
  for (const rule of rules) {
    for (const path of rule.paths) {
      if (axisPaths.includes(path)) {
        for (const cell of cells) {
          const reason = rule.noEffect(cell.settings);
          if (reason) {
            throw new InputError(
              `${file}: matrix.${path}: ${path} has no effect in cell ` +
                `"${cell.name}" ${reason}, so cells that differ only in it would be the same run. ${rule.instead}`,
            );
          }
        }
      } else if (writtenPaths.has(path) && !rule.axisOnly) {
        const reasons = cells.map((cell) => rule.noEffect(cell.settings));
        const reason = reasons[0];
        if (reason && reasons.every(Boolean)) throw new InputError(`${file}: ${path} has no effect ${reason}. ${rule.instead}`);
      }
    }
  }
  const allWritten = new Set([...writtenPaths, ...axisPaths]);
  for (const cell of cells) {
    const problem = rulesFor(cell.settings.target.type).cellProblem(cell.settings, allWritten) ?? runtimeStepProblem(cell.settings);
    if (problem) throw new InputError(`${file}: ${cells.length > 1 ? `cell "${cell.name}": ` : ''}${problem}`);
  }
}

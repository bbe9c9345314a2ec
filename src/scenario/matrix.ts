import { z } from 'zod';
import { InputError } from '../errors.js';
import { refuseIneffectiveSettings, type TargetRulesLookup, type WrittenScenario } from './honesty.js';
import { describeIssue } from './load.js';
import { formatPath, leafPaths, withValueAt, type PlainObject } from './paths.js';
import { CellSettingsSchema, type CellSettings, type Scenario } from './schema.js';

/** One point of the matrix: the scenario's settings with one value chosen for every matrix axis. */
export interface Cell {
  /** Stable, sortable id: cell-01, cell-02, ... in expansion order. */
  id: string;
  /** Human-readable identity: "batchSize=50 runtime.containerd=1.7.15", or "default" without a matrix. */
  name: string;
  /** The matrix axis values that make this cell, keyed by field path. */
  axes: Record<string, unknown>;
  settings: CellSettings;
}

const cellFieldKeys = Object.keys(CellSettingsSchema.shape);

/** Field paths a matrix may vary: every leaf of the cell settings. */
export function matrixAxisPaths(): string[] {
  return leafPaths(z.toJSONSchema(CellSettingsSchema, { io: 'input', unrepresentable: 'any' }));
}

/** What planning a run checks beyond the schema: the scenario as written, and each target's own rules. */
export interface ScenarioChecks {
  /** The scenario as the user wrote it, after --set, and the --set assignments. */
  written: WrittenScenario;
  rulesFor: TargetRulesLookup;
}

/**
 * The cartesian product of the matrix axes, in declaration order, last axis varying fastest.
 * With `checks`, keys that would have no effect, and settings a cell's target cannot honour, are
 * refused too. A run's stored scenario.yaml has every default written out, so re-analysis passes no
 * checks: that run was checked when it started.
 */
export function expandMatrix(scenario: Scenario, file: string, checks?: ScenarioChecks): Cell[] {
  const axes = Object.entries(scenario.matrix);
  const allowed = matrixAxisPaths();
  for (const [path] of axes) {
    if (!allowed.includes(path)) {
      throw new InputError(`${file}: matrix key "${path}" is not a field a matrix can vary. Allowed: ${allowed.join(', ')}.`);
    }
  }
  const base: PlainObject = Object.fromEntries(cellFieldKeys.map((key) => [key, scenario[key as keyof CellSettings]]));
  const combinations = axes.reduce<Record<string, unknown>[]>(
    (acc, [path, values]) => acc.flatMap((partial) => values.map((value) => ({ ...partial, [path]: value }))),
    [{}],
  );
  const width = Math.max(2, String(combinations.length).length);
  const cells = combinations.map((combination, index) => {
    const raw = Object.entries(combination).reduce((acc, [path, value]) => withValueAt(acc, path, value), base);
    const parsed = CellSettingsSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const axis = axes.find(([path]) => formatPath(issue.path).startsWith(path));
      const where = axis ? `matrix.${axis[0]}[${axis[1].indexOf(combination[axis[0]])}]` : formatPath(issue.path);
      throw new InputError(`${file}: ${where}: ${formatPath(issue.path)} ${describeIssue(issue)}.`);
    }
    const cluster = parsed.data.cluster;
    if (cluster?.nodeImageBuild && cluster.provider !== 'kind') {
      throw new InputError(`${file}: cluster.nodeImageBuild builds kind node images; provider "${cluster.provider}" does not use one.`);
    }
    if (cluster?.nodeImageBuild && [parsed.data.runtime.containerd, parsed.data.runtime.runc].some((key) => /(^|@)system$/.test(key))) {
      throw new InputError(
        `${file}: cluster.nodeImageBuild bakes runtime.containerd and runtime.runc into the node image; pin both (e.g. containerd@1.7.22, runc@1.1.14).`,
      );
    }
    return {
      id: `cell-${String(index + 1).padStart(width, '0')}`,
      name: cellName(combination),
      axes: combination,
      settings: parsed.data,
    };
  });
  if (checks)
    refuseIneffectiveSettings(
      file,
      checks.written,
      axes.map(([path]) => path),
      cells,
      checks.rulesFor,
    );
  return cells;
}

/** A matrix value as a cell name shows it: multi-line strings (config patches) on one line, lists joined with "+". */
function axisValueText(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\s+/g, ' ').trim();
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.length ? value.map(axisValueText).join(' + ') : 'none';
  return JSON.stringify(value);
}

export function cellName(axes: Record<string, unknown>): string {
  const parts = Object.entries(axes).map(([path, value]) => `${path}=${axisValueText(value)}`);
  return parts.length ? parts.join(' ') : 'default';
}

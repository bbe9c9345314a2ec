import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { formatPath, isPlainObject, withValueAt, type PlainObject } from './paths.js';
import { ScenarioSchema, type Scenario } from './schema.js';

/** A scenario as loaded: validated, defaults applied, overrides recorded. */
export interface LoadedScenario {
  file: string;
  scenario: Scenario;
  /** The raw document after `--set` overrides, before defaults: what the user asked for. */
  raw: PlainObject;
  overrides: string[];
}

interface SourceMap {
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

export function loadScenarioFile(file: string, overrides: readonly string[] = []): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError(`${file}: cannot read scenario file (${reason}).`, { cause: error });
  }
  return parseScenario(text, file, overrides);
}

export function parseScenario(text: string, file: string, overrides: readonly string[] = []): LoadedScenario {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, logLevel: 'silent' });
  // Warnings (an unresolved !tag, say) would change what the file means: treat them as errors.
  const yamlError = document.errors[0] ?? document.warnings[0];
  if (yamlError) {
    const position = yamlError.linePos?.[0];
    const where = position ? `:${position.line}:${position.col}` : '';
    throw new InputError(`${file}${where}: not valid YAML: ${yamlError.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  let parsed: unknown;
  try {
    // Aliases are resolved here: an unknown anchor or an alias bomb is the file's fault, not podchurn's.
    parsed = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new InputError(`${file}: not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (!isPlainObject(parsed)) {
    throw new InputError(`${file}: a scenario must be a YAML mapping with apiVersion: podchurn/v1 and kind: Scenario.`);
  }
  let raw = parsed;
  for (const assignment of overrides) {
    try {
      raw = applyOverride(raw, assignment);
    } catch (error) {
      throw new InputError(`${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  const sourceMap: SourceMap = {
    lineOf(path) {
      const node = document.getIn(path as unknown[], true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    },
  };
  const result = ScenarioSchema.safeParse(withProbeBlockForProbeAxes(raw), { reportInput: true });
  if (!result.success) throw scenarioError(file, result.error.issues, sourceMap, overrides);
  return { file, scenario: result.data, raw, overrides: [...overrides] };
}

/**
 * A matrix axis over an execProbe field writes into the execProbe block, as --set does: without a
 * written block the cells would get the no-block default (no probes) and the axis would do nothing.
 */
function withProbeBlockForProbeAxes(raw: PlainObject): PlainObject {
  const axes = isPlainObject(raw.matrix) ? Object.keys(raw.matrix) : [];
  if (raw.execProbe !== undefined || !axes.some((path) => path.startsWith('execProbe.'))) return raw;
  return { ...raw, execProbe: {} };
}

/** `key.path=value`: the value is read as YAML, so numbers, booleans and lists keep their types. */
export function applyOverride(raw: PlainObject, assignment: string): PlainObject {
  const separator = assignment.indexOf('=');
  const path = separator > 0 ? assignment.slice(0, separator).trim() : '';
  if (!path || /(^\.|\.\.|\.$)/.test(path)) {
    throw new InputError(`--set ${assignment}: expected key.path=value, e.g. --set batchSize=50 or --set runtime.containerd=1.7.22.`);
  }
  let value: unknown;
  try {
    const document = parseDocument(assignment.slice(separator + 1), { logLevel: 'silent' });
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem) throw problem;
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new InputError(`--set ${assignment}: the value is not valid YAML (${(error as Error).message.split('\n')[0]}).`, { cause: error });
  }
  return withValueAt(raw, path, value);
}

/** Field names people bring from elsewhere, with what podchurn calls the knob they mean. */
const knownMisnomers: Record<string, string> = {
  stop_timeout:
    'stop_timeout is not a containerd setting (containerd ignores it); the stop grace period is gracePeriodSeconds and the caller deadline is ' +
    'requestTimeoutSeconds',
  terminationGracePeriodSeconds: 'use gracePeriodSeconds',
};

export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const hints = issue.keys.flatMap((k) => (knownMisnomers[k] ? [` (${knownMisnomers[k]})`] : []));
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${hints.join('')}`;
  }
  const input = 'input' in issue ? issue.input : undefined;
  const got = input !== undefined && (input === null || typeof input !== 'object') ? ` (got ${JSON.stringify(input)})` : '';
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${got}`;
  }
  return `${issue.message.replace(/^Invalid input: /, '')}${got}`;
}

function scenarioError(file: string, issues: readonly z.core.$ZodIssue[], sourceMap: SourceMap, overrides: readonly string[]): InputError {
  const lines = issues.slice(0, 8).map((issue) => {
    const path = formatPath(issue.path) || '(top level)';
    const keyPath = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
    const line = sourceMap.lineOf(keyPath);
    const fromOverride = overrides.find((o) => o.startsWith(`${formatPath(issue.path)}=`));
    const where = fromOverride ? ` (from --set ${fromOverride})` : line ? ` (line ${line})` : '';
    return `  ${path}${where}: ${describeIssue(issue)}`;
  });
  const more = issues.length > 8 ? `\n  ... and ${issues.length - 8} more` : '';
  return new InputError(`${file}: invalid scenario:\n${lines.join('\n')}${more}\nRun "podchurn schema" for every field and its allowed values.`);
}

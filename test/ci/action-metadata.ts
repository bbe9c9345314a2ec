import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../helpers/cli.js';

/** The parts of a composite action's metadata (action.yml) the CI tests read. */
export interface ActionStep {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}

export interface ActionMetadata {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export function readActionMetadata(): ActionMetadata {
  return parseYaml(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as ActionMetadata;
}

/** Every `${{ ... }}` expression in a string, without the braces. */
export function expressionsIn(text: string): string[] {
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!.trim());
}

/** Every `inputs.NAME` an expression reads. */
export function inputsReadBy(expression: string): string[] {
  return [...expression.matchAll(/(?<![\w.-])inputs\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
}

/** Every string value of a step (if, run, env, with, working-directory), where expressions may appear. */
export function stepTexts(step: ActionStep): string[] {
  const texts = [step.if, step.run, step['working-directory'], step.name, ...Object.values(step.env ?? {}), ...Object.values(step.with ?? {})];
  return texts.filter((t): t is string => typeof t === 'string');
}
